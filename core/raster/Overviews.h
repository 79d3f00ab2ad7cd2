#pragma once

#include <string>
#include <vector>

namespace prithvi {

class Feedback;

// Builds internal (or, for read-only formats, .ovr) overviews by averaging, halving each level
// until the smaller side is under 256 pixels. Reports progress; on cancel GDAL stops and the
// file keeps its previous overviews. Returns the factors built (empty when none were needed).
std::vector<int> buildOverviews(const std::string& path, Feedback* feedback = nullptr,
                                const std::string& resampling = "AVERAGE");

// The factors 2, 4, 8, ... needed to bring a width x height raster under `minSide` pixels.
std::vector<int> overviewFactorsFor(int width, int height, int minSide = 256);

}  // namespace prithvi
