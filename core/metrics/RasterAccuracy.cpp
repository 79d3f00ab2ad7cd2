#include "core/metrics/RasterAccuracy.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/scene/SceneReader.h"
#include "core/scene/SceneScanner.h"

namespace prithvi {

namespace {

constexpr int kStripRows = 256;
constexpr uint8_t kNone = 255;

// Class values of a strip of one band; kNone for nodata or values that are not whole numbers in
// 0..254.
std::vector<uint8_t> classValues(const SceneReader& reader, int band, const Window& window) {
  const RasterBlock block = reader.readBands(window, DataType::Float64);
  const std::optional<double> nodata = reader.scene().bands[size_t(band - 1)].nodata;
  std::vector<uint8_t> values(size_t(window.width) * size_t(window.height));
  const double* data = block.band<double>(band - 1);
  for (size_t i = 0; i < values.size(); ++i) {
    const double value = data[i];
    const bool missing = std::isnan(value) || (nodata && value == *nodata) || value < 0 || value > 254 ||
                         value != std::floor(value);
    values[i] = missing ? kNone : uint8_t(value);
  }
  return values;
}

// Compares strip by strip; `keep` receives each strip's class pairs when given.
RasterAccuracy compareStrips(const Scene& predicted, const Scene& reference, int band, int classes,
                             Feedback* feedback, ClassComparison* keep) {
  if (band < 1 || band > int(std::min(predicted.bands.size(), reference.bands.size())))
    throwUsage("band " + std::to_string(band) + " is not in both rasters");
  const SceneOverlap overlap = overlapOf(predicted, reference);
  const SceneReader p(predicted), t(reference);
  const int height = overlap.first.height;
  const int strips = (height + kStripRows - 1) / kStripRows;
  auto stripOf = [&](const Window& window, int y) {
    return Window{window.x, window.y + y, window.width, std::min(kStripRows, height - y)};
  };
  // Two passes when the class count is not given: the first finds the largest class value.
  if (classes <= 0) {
    for (int s = 0; s < strips; ++s) {
      throwIfCanceled(feedback);
      for (const auto& values : {classValues(p, band, stripOf(overlap.first, s * kStripRows)),
                                 classValues(t, band, stripOf(overlap.second, s * kStripRows))})
        for (uint8_t value : values)
          if (value != kNone) classes = std::max(classes, int(value) + 1);
    }
    if (classes == 0) throwBadInput(reference.id + " holds no class values");
  }
  RasterAccuracy result;
  result.confusion = ConfusionMatrix(classes);
  std::vector<int64_t> counts(size_t(classes) * classes, 0);
  if (keep) {
    keep->overlap = overlap;
    keep->predicted.clear();
    keep->reference.clear();
  }
  for (int s = 0; s < strips; ++s) {
    throwIfCanceled(feedback);
    reportProgress(feedback, s, strips, "comparing rows");
    std::vector<uint8_t> pv = classValues(p, band, stripOf(overlap.first, s * kStripRows));
    std::vector<uint8_t> tv = classValues(t, band, stripOf(overlap.second, s * kStripRows));
    for (size_t i = 0; i < tv.size(); ++i) {
      if (tv[i] >= classes) {
        tv[i] = kNone;
        continue;
      }
      ++result.comparedPixels;
      if (pv[i] >= classes) {
        pv[i] = kNone;
        ++result.unpredictedPixels;
        continue;
      }
      ++counts[size_t(tv[i]) * classes + size_t(pv[i])];
    }
    if (keep) {
      keep->predicted.insert(keep->predicted.end(), pv.begin(), pv.end());
      keep->reference.insert(keep->reference.end(), tv.begin(), tv.end());
    }
  }
  result.confusion.addCounts(counts);
  return result;
}

}  // namespace

RasterAccuracy compareClassRasters(const std::string& predicted, const std::string& reference,
                                   const RasterAccuracyOptions& options, Feedback* feedback) {
  return compareStrips(sceneOfFile(predicted), sceneOfFile(reference), options.band, options.classes, feedback,
                       nullptr);
}

ClassComparison compareClassScenes(const Scene& predicted, const Scene& reference, int classes, Feedback* feedback) {
  ClassComparison comparison;
  comparison.accuracy = compareStrips(predicted, reference, 1, classes, feedback, &comparison);
  return comparison;
}

std::vector<uint8_t> ClassComparison::cellMask(int truthClass, int predictedClass) const {
  std::vector<uint8_t> mask(reference.size(), 0);
  for (size_t i = 0; i < mask.size(); ++i)
    mask[i] = reference[i] == truthClass && predicted[i] == predictedClass ? 1 : 0;
  return mask;
}

}  // namespace prithvi
