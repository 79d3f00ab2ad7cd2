#include "core/metrics/RasterAccuracy.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/raster/RasterSource.h"

namespace prithvi {

namespace {

constexpr int kStripRows = 256;

// Class values of a strip; -1 for nodata or values that are not whole numbers in 0..254.
std::vector<int> classValues(const RasterSource& source, int band, int y, int rows) {
  const RasterBlock block = source.read({0, y, source.info().width, rows}, {band}, DataType::Float64);
  const std::optional<double> nodata = source.info().bands[size_t(band - 1)].nodata;
  std::vector<int> values(size_t(source.info().width) * rows);
  const double* data = block.band<double>(0);
  for (size_t i = 0; i < values.size(); ++i) {
    const double value = data[i];
    const bool missing = std::isnan(value) || (nodata && value == *nodata) || value < 0 || value > 254 ||
                         value != std::floor(value);
    values[i] = missing ? -1 : int(value);
  }
  return values;
}

}  // namespace

RasterAccuracy compareClassRasters(const std::string& predicted, const std::string& reference,
                                   const RasterAccuracyOptions& options, Feedback* feedback) {
  auto prediction = RasterSource::open(predicted);
  auto truth = RasterSource::open(reference);
  const RasterInfo& p = prediction->info();
  const RasterInfo& t = truth->info();
  if (p.width != t.width || p.height != t.height)
    throwBadInput(predicted + " is " + std::to_string(p.width) + "x" + std::to_string(p.height) + " but " + reference + " is " +
                  std::to_string(t.width) + "x" + std::to_string(t.height) + ": compare rasters on one grid");
  if (p.hasGeoTransform && t.hasGeoTransform && !(p.geoTransform == t.geoTransform))
    throwBadInput(predicted + " and " + reference + " have different geotransforms: compare rasters on one grid");
  if (options.band < 1 || options.band > int(std::min(p.bands.size(), t.bands.size())))
    throwUsage("band " + std::to_string(options.band) + " is not in both rasters");

  // Two passes when the class count is not given: the first finds the largest class value.
  int classes = options.classes;
  const int strips = (p.height + kStripRows - 1) / kStripRows;
  if (classes <= 0) {
    for (int s = 0; s < strips; ++s) {
      throwIfCanceled(feedback);
      const int y = s * kStripRows, rows = std::min(kStripRows, p.height - y);
      for (const auto& values : {classValues(*prediction, options.band, y, rows), classValues(*truth, options.band, y, rows)})
        for (int value : values) classes = std::max(classes, value + 1);
    }
    if (classes == 0) throwBadInput(reference + " holds no class values");
  }
  RasterAccuracy result;
  result.confusion = ConfusionMatrix(classes);
  std::vector<int64_t> counts(size_t(classes) * classes, 0);
  for (int s = 0; s < strips; ++s) {
    throwIfCanceled(feedback);
    reportProgress(feedback, s, strips, "comparing rows");
    const int y = s * kStripRows, rows = std::min(kStripRows, p.height - y);
    const std::vector<int> pv = classValues(*prediction, options.band, y, rows);
    const std::vector<int> tv = classValues(*truth, options.band, y, rows);
    for (size_t i = 0; i < tv.size(); ++i) {
      if (tv[i] < 0 || tv[i] >= classes) continue;
      ++result.comparedPixels;
      if (pv[i] < 0 || pv[i] >= classes) {
        ++result.unpredictedPixels;
        continue;
      }
      ++counts[size_t(tv[i]) * classes + size_t(pv[i])];
    }
  }
  result.confusion.addCounts(counts);
  return result;
}

}  // namespace prithvi
