#pragma once
// Accuracy of a predicted class raster against a reference raster on the same grid (a truth
// mask, an exported label mask): the confusion matrix over class values 0..classes-1, read in
// strips so any scene size fits in memory. Reference nodata and values outside the classes are
// ignored; where the prediction is nodata but the reference has a class (a cloud, a fill
// swath), the pixel is counted apart (unpredictedPixels) and left out of the matrix.

#include <string>

#include "core/metrics/ConfusionMatrix.h"

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

// Error(BadInput) when the rasters differ in size or geotransform, or cannot be read.
RasterAccuracy compareClassRasters(const std::string& predicted, const std::string& reference,
                                   const RasterAccuracyOptions& options = {}, Feedback* feedback = nullptr);

}  // namespace prithvi
