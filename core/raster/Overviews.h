#pragma once

#include <string>
#include <vector>

namespace prithvi {

class Feedback;

enum class OverviewPlacement {
  External,  // a .ovr file beside the raster: the user's file is never modified (default)
  Internal,  // inside the file (GeoTIFF), for files the project owns
};

// Builds overviews by averaging, halving each level until the smaller side is under 256
// pixels. Reports progress; on cancel GDAL stops and the file keeps its previous overviews.
// Returns the factors built (empty when none were needed).
std::vector<int> buildOverviews(const std::string& path, Feedback* feedback = nullptr,
                                OverviewPlacement placement = OverviewPlacement::External,
                                const std::string& resampling = "AVERAGE");

// The factors 2, 4, 8, ... needed to bring a width x height raster under `minSide` pixels.
std::vector<int> overviewFactorsFor(int width, int height, int minSide = 256);

}  // namespace prithvi
