// Rendering one map tile of a scene (same-CRS fast path or reprojection through GDAL's
// approximating transformer), and statistics over a scene or a view.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>

#include <gdal.h>
#include <gdal_alg.h>
#include <ogr_spatialref.h>

#include "core/base/Error.h"
#include "core/raster/Crs.h"
#include "core/raster/GdalErrors.h"
#include "core/render/Render.h"
#include "core/scene/SceneReader.h"

namespace prithvi {

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr int64_t kPerBandReadPixels = 512 * 512;  // below this, bands are read one by one (cancel between)

bool isCanceled(const std::atomic<bool>* cancel) { return cancel && cancel->load(std::memory_order_relaxed); }

std::string sceneCrsText(const Scene& scene) {
  if (scene.epsg > 0) return "EPSG:" + std::to_string(scene.epsg);
  return scene.crsWkt;
}

// EPSG code of "EPSG:n" text, or of WKT (looked up once per distinct text: it may ask PROJ's
// database, which takes milliseconds).
int epsgOfCrsText(const std::string& crs) {
  if (crs.empty()) return 0;
  if (crs.size() > 5 && (crs.compare(0, 5, "EPSG:") == 0 || crs.compare(0, 5, "epsg:") == 0)) {
    char* end = nullptr;
    const long code = std::strtol(crs.c_str() + 5, &end, 10);
    if (end && *end == '\0' && code > 0) return int(code);
  }
  static std::mutex mutex;
  static std::map<std::string, int> cache;
  {
    std::lock_guard lock(mutex);
    if (auto it = cache.find(crs); it != cache.end()) return it->second;
  }
  const int code = epsgOfWkt(crs);
  std::lock_guard lock(mutex);
  if (cache.size() > 64) cache.clear();
  cache[crs] = code;
  return code;
}

bool spatialReference(const std::string& crs, OGRSpatialReference& reference) {
  ensureGdalRegistered();
  GdalErrorCapture quiet;
  if (reference.SetFromUserInput(crs.c_str()) != OGRERR_NONE) return false;
  reference.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  return true;
}

// Whether the map CRS and the scene CRS are the same: EPSG codes when both have one,
// otherwise OGR's comparison of the definitions (cached: it parses WKT). An empty map CRS
// means the scene's own.
bool mapCrsIsSceneCrs(const std::string& mapCrs, const Scene& scene) {
  const std::string sceneCrs = sceneCrsText(scene);
  if (mapCrs.empty()) return true;
  if (sceneCrs.empty()) return false;
  const int mapEpsg = epsgOfCrsText(mapCrs);
  const int sceneEpsg = scene.epsg > 0 ? scene.epsg : epsgOfCrsText(sceneCrs);
  if (mapEpsg > 0 && sceneEpsg > 0) return mapEpsg == sceneEpsg;
  if (mapCrs == sceneCrs) return true;

  static std::mutex mutex;
  static std::map<std::pair<std::string, std::string>, bool> cache;
  const auto key = std::make_pair(mapCrs, sceneCrs);
  {
    std::lock_guard lock(mutex);
    if (auto it = cache.find(key); it != cache.end()) return it->second;
  }
  const bool same = sameCrs(mapCrs, sceneCrs);
  std::lock_guard lock(mutex);
  if (cache.size() > 64) cache.clear();
  cache[key] = same;
  return same;
}

// GDAL's image-to-image transformer from map pixels to scene pixels (reprojection and both
// geotransforms), wrapped in its approximating transformer as gdalwarp does: exact transforms
// along an output row only where linear interpolation would miss by more than kMaxErrorPixels
// scene pixels. One per thread, CRS pair and scene grid (they are not thread-safe and take
// milliseconds to set up); each tile sets its own map geotransform. Null when GDAL cannot relate
// the two CRSs.
constexpr double kMaxErrorPixels = 0.125;  // gdalwarp's default error threshold

struct MapToSceneTransformer {
  void* exact = nullptr;
  void* approximate = nullptr;
  ~MapToSceneTransformer() {
    if (approximate) GDALDestroyApproxTransformer(approximate);
    if (exact) GDALDestroyGenImgProjTransformer(exact);
  }
};

struct TransformerCache {
  TransformerCache() {
    // Touch GDAL's per-thread PROJ context first: it is then constructed before this cache and
    // destroyed after it when the thread ends (thread_locals die in reverse order), so the
    // transformers never outlive the context they were made in.
    ensureGdalRegistered();
    GdalErrorCapture quiet;
    OGRSpatialReference wgs84;
    wgs84.importFromEPSG(4326);
  }
  std::unordered_map<std::string, std::unique_ptr<MapToSceneTransformer>> entries;
};

void* mapToSceneTransformer(const std::string& mapCrs, const Scene& scene, const MapGrid& grid) {
  thread_local TransformerCache transformers;
  auto& cache = transformers.entries;
  const std::string sceneCrs = sceneCrsText(scene);
  const auto& sceneTransform = scene.geoTransform.coefficients();
  std::string key = mapCrs + '\n' + sceneCrs;
  for (double c : sceneTransform) key += '\n' + std::to_string(c);
  auto it = cache.find(key);
  if (it == cache.end()) {
    auto entry = std::make_unique<MapToSceneTransformer>();
    // An empty map CRS is the scene's own: geotransforms only, no reprojection.
    OGRSpatialReference mapReference, sceneReference;
    const bool reproject = !mapCrs.empty();
    if (!reproject || (spatialReference(mapCrs, mapReference) && spatialReference(sceneCrs, sceneReference))) {
      GdalErrorCapture quiet;
      // Source: the scene (its pixels are what we look up); destination: the map grid.
      entry->exact = GDALCreateGenImgProjTransformer4(
          reproject ? OGRSpatialReference::ToHandle(&sceneReference) : nullptr, sceneTransform.data(),
          reproject ? OGRSpatialReference::ToHandle(&mapReference) : nullptr, grid.transform.coefficients().data(), nullptr);
      if (entry->exact)
        entry->approximate = GDALCreateApproxTransformer(GDALGenImgProjTransform, entry->exact, kMaxErrorPixels);
    }
    if (cache.size() > 16) cache.clear();
    it = cache.emplace(key, std::move(entry)).first;
  }
  if (!it->second->approximate) return nullptr;
  GDALSetGenImgProjTransformerDstGeoTransform(it->second->exact, grid.transform.coefficients().data());
  return it->second->approximate;
}

// Values within a hair of an integer are that integer: grids aligned on the scene's pixels
// must give windows aligned on them too, whatever the floating-point noise.
double snap(double value) {
  const double nearest = std::round(value);
  return std::abs(value - nearest) < 1e-6 ? nearest : value;
}

// Where the scene is read, and which read pixel each output pixel shows.
struct Sampling {
  Window window;
  int readWidth = 0;
  int readHeight = 0;
  std::vector<int32_t> source;  // per output pixel: index into the read block, -1 = nothing
  bool empty = true;
};

int readSizeFor(int windowSize, double sourcePerOutput, int cap) {
  if (!(sourcePerOutput > 1.0)) return windowSize;  // zoomed in: read full resolution
  const int size = int(std::lround(double(windowSize) / sourcePerOutput));
  return std::clamp(std::min(size, cap), 1, windowSize);
}

// Same CRS, both grids north-up: output pixel edges map linearly onto scene pixel coordinates.
bool alignedSampling(const Scene& scene, const MapGrid& grid, Sampling& sampling) {
  const auto& g = grid.transform.coefficients();
  const auto& s = scene.geoTransform.coefficients();
  if (s[1] == 0 || s[5] == 0) return false;
  const double kx = snap(g[1] / s[1]), ky = snap(g[5] / s[5]);  // scene pixels per output pixel
  if (!(kx > 0) || !(ky > 0)) return false;                       // mirrored grids: general path
  const double ax = snap((g[0] - s[0]) / s[1]), ay = snap((g[3] - s[3]) / s[5]);
  // Output pixel i shows the scene when its centre ax + (i + 0.5) kx lies in [0, width).
  auto range = [](double a, double k, int outSize, int sceneSize, int& first, int& end) {
    // Clamped in double first: a grid far from the scene must not overflow an int.
    first = int(std::clamp(std::ceil((0 - a) / k - 0.5), 0.0, double(outSize)));
    end = int(std::clamp(std::ceil((sceneSize - a) / k - 0.5), 0.0, double(outSize)));
    while (first < end && a + (first + 0.5) * k < 0) ++first;
    while (end > first && a + (end - 0.5) * k >= sceneSize) --end;
  };
  int i0, i1, j0, j1;
  range(ax, kx, grid.width, scene.width, i0, i1);
  range(ay, ky, grid.height, scene.height, j0, j1);
  sampling.source.assign(size_t(grid.width) * grid.height, -1);
  if (i0 >= i1 || j0 >= j1) return true;  // handled: misses the scene

  // The window covers the footprints of the covered output pixels, clipped to the scene.
  const int x0 = std::max(0, int(std::floor(snap(ax + i0 * kx))));
  const int x1 = std::min(scene.width, int(std::ceil(snap(ax + i1 * kx))));
  const int y0 = std::max(0, int(std::floor(snap(ay + j0 * ky))));
  const int y1 = std::min(scene.height, int(std::ceil(snap(ay + j1 * ky))));
  sampling.window = {x0, y0, std::max(1, x1 - x0), std::max(1, y1 - y0)};
  sampling.readWidth = readSizeFor(sampling.window.width, kx, 4 * grid.width + 16);
  sampling.readHeight = readSizeFor(sampling.window.height, ky, 4 * grid.height + 16);
  const double fx = double(sampling.readWidth) / sampling.window.width;
  const double fy = double(sampling.readHeight) / sampling.window.height;

  std::vector<int32_t> column(size_t(grid.width), -1);
  for (int i = i0; i < i1; ++i) {
    const double rx = (ax + (i + 0.5) * kx - x0) * fx;
    column[size_t(i)] = std::clamp(int(std::floor(rx)), 0, sampling.readWidth - 1);
  }
  for (int j = j0; j < j1; ++j) {
    const double ry = (ay + (j + 0.5) * ky - y0) * fy;
    const int32_t row = std::clamp(int(std::floor(ry)), 0, sampling.readHeight - 1) * sampling.readWidth;
    int32_t* out = sampling.source.data() + size_t(j) * grid.width;
    for (int i = i0; i < i1; ++i) out[i] = row + column[size_t(i)];
  }
  sampling.empty = false;
  return true;
}

// Any CRS: scene pixel coordinates of output pixel centres through GDAL's approximating
// transformer, one output row at a time (the shape it is made for).
void reprojectedSampling(const Scene& scene, const MapGrid& grid, void* transformer, Sampling& sampling) {
  const int width = grid.width, height = grid.height;
  sampling.source.assign(size_t(width) * height, -1);
  // Per output pixel scene coordinates (NaN = no valid transform).
  std::vector<float> sx(size_t(width) * height, kNaN), sy(size_t(width) * height, kNaN);
  const size_t count = size_t(width);
  std::vector<double> x(count), y(count), z(count);
  std::vector<int> ok(count);
  {
    GdalErrorCapture quiet;
    for (int row = 0; row < height; ++row) {
      for (int i = 0; i < width; ++i) x[size_t(i)] = i + 0.5, y[size_t(i)] = row + 0.5, z[size_t(i)] = 0;
      GDALApproxTransform(transformer, TRUE, width, x.data(), y.data(), z.data(), ok.data());
      for (int i = 0; i < width; ++i) {
        if (!ok[size_t(i)] || !std::isfinite(x[size_t(i)]) || !std::isfinite(y[size_t(i)])) continue;
        sx[size_t(row) * width + i] = float(x[size_t(i)]);
        sy[size_t(row) * width + i] = float(y[size_t(i)]);
      }
    }
  }

  // Source pixels per output pixel along the scene's x and y (the gradient's length), averaged
  // over a sample of output pixels.
  double sumX = 0, sumY = 0;
  int cells = 0;
  for (int row = 0; row + 1 < height; row += 8)
    for (int i = 0; i + 1 < width; i += 8) {
      const size_t k = size_t(row) * width + i, right = k + 1, down = k + size_t(width);
      if (std::isnan(sx[k]) || std::isnan(sx[right]) || std::isnan(sx[down])) continue;
      sumX += std::hypot(double(sx[right]) - sx[k], double(sx[down]) - sx[k]);
      sumY += std::hypot(double(sy[right]) - sy[k], double(sy[down]) - sy[k]);
      ++cells;
    }
  const double perOutputX = cells ? sumX / cells : 1.0;
  const double perOutputY = cells ? sumY / cells : 1.0;

  // The window: the bounding box of the scene pixels the output shows.
  int minX = scene.width, minY = scene.height, maxX = -1, maxY = -1;
  for (size_t i = 0; i < sx.size(); ++i) {
    const float px = sx[i], py = sy[i];
    if (!(px >= 0 && px < scene.width && py >= 0 && py < scene.height)) continue;
    const int cx = std::min(int(px), scene.width - 1), cy = std::min(int(py), scene.height - 1);
    minX = std::min(minX, cx);
    maxX = std::max(maxX, cx);
    minY = std::min(minY, cy);
    maxY = std::max(maxY, cy);
  }
  if (maxX < 0) return;  // misses the scene
  sampling.window = {minX, minY, maxX - minX + 1, maxY - minY + 1};
  // Nearest sampling of a read that was itself averaged to a slightly coarser grid would blur
  // twice: read at the largest power-of-two reduction that is still at least as fine as the
  // output (between 1 and 2 read pixels per output pixel), which is also how overviews step.
  auto powerOfTwoBelow = [](double factor) { return factor >= 2 ? std::exp2(std::floor(std::log2(factor))) : 1.0; };
  sampling.readWidth = readSizeFor(sampling.window.width, powerOfTwoBelow(perOutputX), 2 * (width + height) + 16);
  sampling.readHeight = readSizeFor(sampling.window.height, powerOfTwoBelow(perOutputY), 2 * (width + height) + 16);
  const double fx = double(sampling.readWidth) / sampling.window.width;
  const double fy = double(sampling.readHeight) / sampling.window.height;
  for (size_t i = 0; i < sx.size(); ++i) {
    const float px = sx[i], py = sy[i];
    if (!(px >= 0 && px < scene.width && py >= 0 && py < scene.height)) continue;
    const int rx = std::clamp(int(std::floor((px - minX) * fx)), 0, sampling.readWidth - 1);
    const int ry = std::clamp(int(std::floor((py - minY) * fy)), 0, sampling.readHeight - 1);
    sampling.source[i] = ry * sampling.readWidth + rx;
  }
  sampling.empty = false;
}

// Empty (sampling.empty) when the grid misses the scene or cannot be related to it.
Sampling samplingFor(const Scene& scene, const MapGrid& grid) {
  Sampling sampling;
  if (grid.width <= 0 || grid.height <= 0 || scene.width <= 0 || scene.height <= 0) return sampling;
  const bool same = mapCrsIsSceneCrs(grid.crs, scene);
  if (same && grid.transform.isNorthUp() && scene.geoTransform.isNorthUp() && alignedSampling(scene, grid, sampling))
    return sampling;
  void* transformer = mapToSceneTransformer(same ? std::string() : grid.crs, scene, grid);
  if (!transformer) {
    sampling.source.assign(size_t(grid.width) * grid.height, -1);
    return sampling;
  }
  reprojectedSampling(scene, grid, transformer, sampling);
  return sampling;
}

// The style's bands (and Fmask) sampled on an output grid, as reflectance (NaN = nothing).
struct GridBands {
  std::vector<std::vector<float>> bands;
  std::vector<uint8_t> fmask;  // empty when not read
  bool empty = true;
  bool canceled = false;
  int overviewLevel = 0;
};

GridBands sampleOnGrid(const SceneReader& reader, const std::vector<BandRole>& roles, Resampling resampling,
                       bool withFmask, const MapGrid& grid, const std::atomic<bool>* cancel) {
  GridBands result;
  const Scene& scene = reader.scene();
  for (BandRole role : roles)
    if (!scene.band(role)) throwUsage("scene " + scene.id + " has no " + bandRoleName(role) + " band");
  if (isCanceled(cancel)) {
    result.canceled = true;
    return result;
  }
  const Sampling sampling = samplingFor(scene, grid);
  if (sampling.empty) return result;
  result.overviewLevel = reader.overviewLevelFor(roles.front(), sampling.window, sampling.readWidth, sampling.readHeight);

  const size_t count = size_t(grid.width) * grid.height;
  const int32_t* source = sampling.source.data();
  auto place = [&](const float* block, const ReflectanceConversion& convert, std::vector<float>& out) {
    out.assign(count, kNaN);
    for (size_t i = 0; i < count; ++i)
      if (source[i] >= 0) out[i] = convert(block[source[i]]);
  };

  result.bands.resize(roles.size());
  const bool perBand = int64_t(sampling.readWidth) * sampling.readHeight < kPerBandReadPixels;
  if (perBand) {
    for (size_t b = 0; b < roles.size(); ++b) {
      if (isCanceled(cancel)) {
        result.canceled = true;
        return result;
      }
      const RasterBlock block = reader.readResampled(sampling.window, sampling.readWidth, sampling.readHeight,
                                                     {roles[b]}, DataType::Float32, resampling);
      place(block.band<float>(0), ReflectanceConversion(scene, *scene.band(roles[b])), result.bands[b]);
    }
  } else {
    // Large reads go through the parallel path, all bands at once.
    const RasterBlock block = reader.readResampled(sampling.window, sampling.readWidth, sampling.readHeight, roles,
                                                   DataType::Float32, resampling);
    for (size_t b = 0; b < roles.size(); ++b) {
      if (isCanceled(cancel)) {
        result.canceled = true;
        return result;
      }
      place(block.band<float>(int(b)), ReflectanceConversion(scene, *scene.band(roles[b])), result.bands[b]);
    }
  }

  if (withFmask) {
    if (isCanceled(cancel)) {
      result.canceled = true;
      return result;
    }
    const RasterBlock block = reader.readResampled(sampling.window, sampling.readWidth, sampling.readHeight,
                                                   {BandRole::Fmask}, DataType::Byte, Resampling::Nearest);
    const uint8_t* values = block.band<uint8_t>(0);
    result.fmask.assign(count, 0);
    for (size_t i = 0; i < count; ++i)
      if (source[i] >= 0) result.fmask[i] = values[source[i]];
  }
  result.empty = false;
  return result;
}

std::vector<BandStatistics> statisticsOf(const LayerStyle& style, const std::vector<std::vector<float>>& bands,
                                         size_t count) {
  std::vector<BandStatistics> statistics;
  if (style.kind == LayerStyle::Kind::Index) {
    std::vector<const float*> pointers;
    for (const auto& band : bands) pointers.push_back(band.data());
    std::vector<float> index(count);
    computeIndex(style.index, pointers, count, index.data());
    statistics.push_back(computeStatistics(index.data(), count));
    return statistics;
  }
  for (const auto& band : bands) statistics.push_back(computeStatistics(band.data(), count));
  return statistics;
}

}  // namespace

TileRenderResult renderSceneTile(const SceneReader& reader, const LayerStyle& style, const MapGrid& grid,
                                 const std::atomic<bool>* cancel) {
  TileRenderResult result;
  if (isCanceled(cancel)) {
    result.canceled = true;
    return result;
  }
  const bool withFmask = style.needsFmask() && reader.scene().band(BandRole::Fmask);
  // Class values must not be averaged into values of other classes.
  const Resampling resampling = style.kind == LayerStyle::Kind::Classes ? Resampling::Nearest : Resampling::Average;
  GridBands sampled = sampleOnGrid(reader, style.bandsToRead(), resampling, withFmask, grid, cancel);
  result.overviewLevel = sampled.overviewLevel;
  if (sampled.canceled || isCanceled(cancel)) {
    result.canceled = true;
    return result;
  }
  if (sampled.empty) return result;
  std::vector<const float*> bands;
  for (const auto& band : sampled.bands) bands.push_back(band.data());
  result.argb.resize(size_t(grid.width) * grid.height);
  renderPixels(style, bands, withFmask ? sampled.fmask.data() : nullptr, grid.width, grid.height,
               result.argb.data());
  return result;
}

std::vector<BandStatistics> sceneStatistics(const SceneReader& reader, const LayerStyle& style, int maxSide) {
  const Scene& scene = reader.scene();
  const std::vector<BandRole> roles = style.bandsToRead();
  for (BandRole role : roles)
    if (!scene.band(role)) throwUsage("scene " + scene.id + " has no " + bandRoleName(role) + " band");
  if (scene.width <= 0 || scene.height <= 0) throwUsage("scene " + scene.id + " has no pixels");
  const double shrink = std::min(1.0, double(std::max(1, maxSide)) / std::max(scene.width, scene.height));
  const int readWidth = std::clamp(int(scene.width * shrink), 1, scene.width);
  const int readHeight = std::clamp(int(scene.height * shrink), 1, scene.height);
  const RasterBlock block = reader.readResampled({0, 0, scene.width, scene.height}, readWidth, readHeight, roles,
                                                 DataType::Float32, Resampling::Average);
  const size_t count = size_t(readWidth) * readHeight;
  std::vector<std::vector<float>> bands(roles.size(), std::vector<float>(count));
  for (size_t b = 0; b < roles.size(); ++b) {
    const ReflectanceConversion convert(scene, *scene.band(roles[b]));
    const float* values = block.band<float>(int(b));
    for (size_t i = 0; i < count; ++i) bands[b][i] = convert(values[i]);
  }
  return statisticsOf(style, bands, count);
}

std::vector<BandStatistics> viewStatistics(const SceneReader& reader, const LayerStyle& style, const MapGrid& grid) {
  // A view larger than 512 pixels a side is sampled on a coarser grid of the same extent.
  constexpr int kMaxSide = 512;
  MapGrid coarse = grid;
  if (std::max(grid.width, grid.height) > kMaxSide) {
    const double shrink = double(kMaxSide) / std::max(grid.width, grid.height);
    coarse.width = std::max(1, int(std::lround(grid.width * shrink)));
    coarse.height = std::max(1, int(std::lround(grid.height * shrink)));
    auto c = grid.transform.coefficients();
    const double sx = double(grid.width) / coarse.width, sy = double(grid.height) / coarse.height;
    c[1] *= sx;
    c[4] *= sx;
    c[2] *= sy;
    c[5] *= sy;
    coarse.transform = GeoTransform(c);
  }
  const std::vector<BandRole> roles = style.bandsToRead();
  GridBands sampled = sampleOnGrid(reader, roles, Resampling::Average, false, coarse, nullptr);
  const size_t count = size_t(std::max(0, coarse.width)) * std::max(0, coarse.height);
  if (sampled.empty) {
    // Nothing of the scene in view: statistics of nothing (count 0), one per expected band.
    const size_t n = style.kind == LayerStyle::Kind::Index ? 1 : roles.size();
    return std::vector<BandStatistics>(n, computeStatistics(nullptr, 0));
  }
  return statisticsOf(style, sampled.bands, count);
}

}  // namespace prithvi
