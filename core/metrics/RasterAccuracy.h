#pragma once
// Accuracy of a predicted class raster against a reference raster on one pixel grid (a truth
// mask, an exported label mask), over the pixels both cover (a result of a drawn area against a
// whole-scene mask): the confusion matrix over class values 0..classes-1, read in strips so any
// scene size fits in memory. Reference nodata and values outside the classes are
// ignored; where the prediction is nodata but the reference has a class (a cloud, a fill
// swath), the pixel is counted apart (unpredictedPixels) and left out of the matrix.

#include <cstdint>
#include <string>
#include <vector>

#include "core/metrics/ConfusionMatrix.h"
#include "core/metrics/SceneComparison.h"

namespace prithvi {

class Feedback;

struct RasterAccuracyOptions {
  int classes = 0;  // 0: one more than the largest class value found in either raster (below 255)
  int band = 1;
};

struct RasterAccuracy {
  ConfusionMatrix confusion;
  int64_t comparedPixels = 0;       // reference pixels with a class
  int64_t unpredictedPixels = 0;    // of those, prediction nodata
};

// Error(BadInput) when the rasters are not on one pixel grid, do not overlap, or cannot be read.
RasterAccuracy compareClassRasters(const std::string& predicted, const std::string& reference,
                                   const RasterAccuracyOptions& options = {}, Feedback* feedback = nullptr);

// The same for two class-map scenes, keeping every compared pixel's pair of classes so a cell
// of the matrix can be shown on the map (the app's accuracy view).
struct ClassComparison {
  RasterAccuracy accuracy;
  SceneOverlap overlap;  // the compared window of each scene
  // Per overlap pixel, row-major: the class of each (255: none or ignored).
  std::vector<uint8_t> predicted;
  std::vector<uint8_t> reference;
  // 1 where the reference holds `truthClass` and the prediction `predictedClass`.
  std::vector<uint8_t> cellMask(int truthClass, int predictedClass) const;
};
ClassComparison compareClassScenes(const Scene& predicted, const Scene& reference, int classes = 0,
                                   Feedback* feedback = nullptr);

}  // namespace prithvi
