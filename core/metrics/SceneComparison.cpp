#include "core/metrics/SceneComparison.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/hls/Hls.h"
#include "core/raster/Crs.h"
#include "core/raster/RasterWriter.h"
#include "core/scene/SceneReader.h"

namespace prithvi {

namespace {

constexpr int kStripRows = 512;
constexpr uint8_t kNoClass = 255;

std::vector<BandRole> prithviRoles() { return {std::begin(kPrithviBands), std::end(kPrithviBands)}; }

// Class values of one band of a class-map scene over a window; -1 where there is none.
std::vector<int> classValues(const SceneReader& reader, const Window& window) {
  const Scene& scene = reader.scene();
  const RasterBlock block = reader.readBands(window, DataType::Float64);
  const std::optional<double> nodata = scene.bands.front().nodata;
  const double* data = block.band<double>(0);
  std::vector<int> values(size_t(window.width) * size_t(window.height));
  for (size_t i = 0; i < values.size(); ++i) {
    const double value = data[i];
    const bool missing = std::isnan(value) || (nodata && value == *nodata) || value < 0 || value > 254 ||
                         value != std::floor(value);
    values[i] = missing ? -1 : int(value);
  }
  return values;
}

Window strip(const Window& window, int y, int rows) { return {window.x, window.y + y, window.width, rows}; }

}  // namespace

bool isClassMap(const Scene& scene) {
  if (scene.bands.size() != 1) return false;
  const auto source = RasterSource::open(scene.bands.front().path);
  const auto& bands = source->info().bands;
  const int index = scene.bands.front().bandIndex;
  return index >= 1 && index <= int(bands.size()) && !bands[size_t(index - 1)].palette.empty();
}

SceneOverlap overlapOf(const Scene& first, const Scene& second) {
  const std::string firstCrs = first.crs(), secondCrs = second.crs();
  if (!firstCrs.empty() && !secondCrs.empty() && !sameCrs(firstCrs, secondCrs))
    throwBadInput(first.id + " and " + second.id + " are in different CRSs: warp one onto the other's grid first");
  const std::optional<PixelOffset> offset = latticeOffset(first.geoTransform, second.geoTransform);
  if (!offset)
    throwBadInput(first.id + " and " + second.id +
                  " are not on one pixel grid (different pixel sizes or origins not whole pixels apart): "
                  "warp one onto the other's grid first");
  // second's pixel (x, y) is first's pixel (x + offset.x, y + offset.y).
  const int x0 = std::max(0, offset->x), y0 = std::max(0, offset->y);
  const int x1 = std::min(first.width, offset->x + second.width), y1 = std::min(first.height, offset->y + second.height);
  if (x1 <= x0 || y1 <= y0) throwBadInput(first.id + " and " + second.id + " do not overlap");
  SceneOverlap overlap;
  overlap.first = {x0, y0, x1 - x0, y1 - y0};
  overlap.second = {x0 - offset->x, y0 - offset->y, x1 - x0, y1 - y0};
  const MapPoint origin = first.geoTransform.pixelToMap(x0, y0);
  overlap.transform = GeoTransform({origin.x, first.geoTransform.pixelWidth(), 0, origin.y, 0,
                                    first.geoTransform.pixelHeight()});
  return overlap;
}

ImageMetrics compareImageScenes(const Scene& predicted, const Scene& truth, const std::optional<Scene>& mask,
                                Feedback* feedback) {
  if (!predicted.hasPrithviBands() || !truth.hasPrithviBands())
    throwBadInput("image comparison needs the six bands Blue, Green, Red, NIR, SWIR1 and SWIR2 in " +
                  (predicted.hasPrithviBands() ? truth.id : predicted.id));
  const SceneOverlap overlap = overlapOf(predicted, truth);
  const SceneReader predictedReader(predicted), truthReader(truth);
  const size_t count = size_t(overlap.first.width) * size_t(overlap.first.height);

  // Which pixels count: both valid, and under the mask's cloud or shadow when one is given.
  std::vector<uint8_t> counted(count, 1);
  if (mask) {
    if (!mask->band(BandRole::Fmask)) throwBadInput(mask->id + " has no Fmask band to tell cloudy pixels from clear ones");
    const SceneOverlap maskOverlap = overlapOf(predicted, *mask);
    if (maskOverlap.first.x != overlap.first.x || maskOverlap.first.y != overlap.first.y ||
        maskOverlap.first.width != overlap.first.width || maskOverlap.first.height != overlap.first.height)
      throwBadInput(mask->id + " does not cover the compared pixels");
    const RasterBlock fmaskBlock = SceneReader(*mask).read(maskOverlap.second, {BandRole::Fmask}, DataType::Byte);
    const uint8_t* bits = fmaskBlock.band<uint8_t>(0);
    for (size_t i = 0; i < count; ++i) counted[i] = (bits[i] & (fmask::kCloud | fmask::kShadow)) ? 1 : 0;
  }
  const std::vector<BandRole> roles = prithviRoles();
  std::vector<std::vector<float>> predictedBands, truthBands;
  for (size_t b = 0; b < roles.size(); ++b) {
    throwIfCanceled(feedback);
    reportProgress(feedback, int64_t(b), int64_t(roles.size()), "reading band " + std::string(bandRoleName(roles[b])));
    const RasterBlock p = predictedReader.readReflectance(overlap.first, {roles[b]});
    const RasterBlock t = truthReader.readReflectance(overlap.second, {roles[b]});
    predictedBands.emplace_back(p.band<float>(0), p.band<float>(0) + count);
    truthBands.emplace_back(t.band<float>(0), t.band<float>(0) + count);
    for (size_t i = 0; i < count; ++i)
      if (std::isnan(predictedBands[b][i]) || std::isnan(truthBands[b][i])) counted[i] = 0;
  }
  ImageMetrics metrics;
  for (size_t b = 0; b < roles.size(); ++b)
    metrics.addPlane(predictedBands[b].data(), truthBands[b].data(), counted.data(), overlap.first.width,
                     overlap.first.height);
  if (metrics.pixels() == 0)
    throwBadInput(mask ? "no pixel is clouded in " + mask->id + " and valid in both images: nothing to score"
                       : predicted.id + " and " + truth.id + " share no valid pixel");
  return metrics;
}

DifferenceResult writeDifference(const Scene& first, const Scene& second, const std::string& outPath,
                                 Feedback* feedback) {
  const bool classes = isClassMap(first) && isClassMap(second);
  const bool images = first.hasPrithviBands() && second.hasPrithviBands();
  if (!classes && !images)
    throwBadInput("a difference map needs two class maps or two images with the six Prithvi bands; " + first.id +
                  " and " + second.id + " are neither");
  const SceneOverlap overlap = overlapOf(first, second);
  const SceneReader firstReader(first), secondReader(second);
  const int width = overlap.first.width, height = overlap.first.height;
  DifferenceResult result;
  result.path = outPath;
  result.kind = classes ? DifferenceKind::Classes : DifferenceKind::Reflectance;

  RasterWriteOptions options;
  options.metadata = {{"PRITHVI_DIFFERENCE_OF", first.id + " | " + second.id}};
  const std::string crs = first.crsWkt.empty() ? first.crs() : first.crsWkt;
  const std::vector<BandRole> roles = prithviRoles();
  double differenceSum = 0;
  if (classes) {
    options.nodata = kNoClass;
    options.palette = {{0xe8, 0xe8, 0xe8, 0}, {0xe3, 0x1a, 0x1c, 255}};  // same: see-through
    options.categoryNames = {"same class", "different class"};
    options.bandDescriptions = {"class difference"};
  } else {
    options.nodata = std::numeric_limits<double>::quiet_NaN();
    options.bandDescriptions = {"RMS reflectance difference"};
  }
  RasterStreamWriter writer(outPath, width, height, 1, classes ? DataType::Byte : DataType::Float32, overlap.transform,
                            crs, options);
  const int strips = (height + kStripRows - 1) / kStripRows;
  for (int s = 0; s < strips; ++s) {
    throwIfCanceled(feedback);
    reportProgress(feedback, s, strips, "comparing rows");
    const int y = s * kStripRows, rows = std::min(kStripRows, height - y);
    const size_t n = size_t(width) * size_t(rows);
    if (classes) {
      const std::vector<int> a = classValues(firstReader, strip(overlap.first, y, rows));
      const std::vector<int> b = classValues(secondReader, strip(overlap.second, y, rows));
      std::vector<uint8_t> out(n, kNoClass);
      for (size_t i = 0; i < n; ++i) {
        if (a[i] < 0 || b[i] < 0) continue;
        out[i] = a[i] == b[i] ? 0 : 1;
        ++result.comparedPixels;
        result.differentPixels += out[i];
      }
      writer.writeRows(y, rows, out.data());
    } else {
      const RasterBlock a = firstReader.readReflectance(strip(overlap.first, y, rows), roles);
      const RasterBlock b = secondReader.readReflectance(strip(overlap.second, y, rows), roles);
      std::vector<float> out(n, 0.0f);
      for (size_t band = 0; band < roles.size(); ++band) {
        const float* pa = a.band<float>(int(band));
        const float* pb = b.band<float>(int(band));
        for (size_t i = 0; i < n; ++i) out[i] += (pa[i] - pb[i]) * (pa[i] - pb[i]);  // NaN stays NaN
      }
      for (size_t i = 0; i < n; ++i) {
        out[i] = std::sqrt(out[i] / float(roles.size()));
        if (std::isnan(out[i])) continue;
        ++result.comparedPixels;
        differenceSum += out[i];
      }
      writer.writeRows(y, rows, out.data());
    }
  }
  if (result.comparedPixels == 0) throwBadInput(first.id + " and " + second.id + " share no valid pixel");
  writer.finish(feedback);
  result.meanDifference = classes ? 0.0 : differenceSum / double(result.comparedPixels);
  return result;
}

}  // namespace prithvi
