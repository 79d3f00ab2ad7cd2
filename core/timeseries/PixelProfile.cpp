#include "core/timeseries/PixelProfile.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <map>

#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/base/ThreadPool.h"
#include "core/raster/Crs.h"
#include "core/raster/RemoteRasters.h"
#include "core/scene/SceneReader.h"

namespace prithvi {

namespace {
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr uint8_t kFlaggedBits = fmask::kCloud | fmask::kShadow | fmask::kSnowIce | fmask::kCirrus;

int roleIndex(BandRole role) {
  for (int i = 0; i < 6; ++i)
    if (kPrithviBands[i] == role) return i;
  return -1;
}
}  // namespace

bool Observation::flagged() const { return fmask == kFmaskFill || (fmask & kFlaggedBits) != 0; }

float Observation::index(SpectralIndex which) const {
  const auto roles = indexBands(which);
  std::vector<float> values;
  std::vector<const float*> bands;
  values.reserve(roles.size());
  for (BandRole role : roles) {
    const int i = roleIndex(role);
    values.push_back(i < 0 ? kNaN : reflectance[i]);
  }
  for (const float& value : values) bands.push_back(&value);
  float out = kNaN;
  computeIndex(which, bands, 1, &out);
  return out;
}

namespace {

std::string tileId(const std::string& tile) { return !tile.empty() && tile[0] == 'T' ? tile.substr(1) : tile; }

// Why a granule of the tile cannot be read for the six bands; "" when it can.
std::string unusableBecause(const Scene& scene) {
  std::string missing;
  for (BandRole role : kPrithviBands)
    if (!scene.band(role)) missing += (missing.empty() ? "" : ", ") + std::string(bandRoleName(role));
  if (!missing.empty()) return "the granule lacks " + missing + " (not imported, or on another grid than its other bands)";
  for (BandRole role : kPrithviBands) {
    const SceneBand& band = *scene.band(role);
    if (isRemoteRasterPath(band.path)) continue;  // streamed: its host answers when it is read
    std::error_code error;
    const auto size = std::filesystem::file_size(band.path, error);
    if (error) return band.name + " file is missing: " + band.path;
    if (size == 0) return band.name + " file is empty: " + band.path;
  }
  return {};
}

}  // namespace

std::vector<LeftOutDate> leftOutDates(const std::vector<Scene>& scenes, const std::string& tile) {
  std::vector<LeftOutDate> dates;
  for (const Scene& scene : scenes)
    if (scene.kind == SceneKind::HlsGranule && scene.tile == tileId(tile))
      if (std::string reason = unusableBecause(scene); !reason.empty()) dates.push_back({scene.id, scene.acquired, reason});
  std::stable_sort(dates.begin(), dates.end(), [](const auto& a, const auto& b) { return a.acquired < b.acquired; });
  return dates;
}

std::vector<Scene> tileGranules(const std::vector<Scene>& scenes, const std::string& tile) {
  const std::string id = tileId(tile);
  std::vector<Scene> granules;
  for (const Scene& scene : scenes)
    if (scene.kind == SceneKind::HlsGranule && scene.tile == id && unusableBecause(scene).empty()) granules.push_back(scene);
  if (granules.empty()) throwBadInput("the project has no HLS granule of tile " + tile + " with all six Prithvi bands");
  std::stable_sort(granules.begin(), granules.end(),
                   [](const Scene& a, const Scene& b) { return a.acquired < b.acquired; });
  // Every date must share the tile grid, or a pixel would mean different places.
  for (const Scene& scene : granules)
    if (const std::string difference = gridDifference(granules.front().grid(), scene.grid()); !difference.empty())
      throwBadInput("granule " + scene.id + " of tile " + tile + " is not on the grid of " + granules.front().id + " (" +
                    difference + "); reproject it to that grid or leave it out");
  return granules;
}

std::optional<MapPoint> tilePixelCoordinates(const Scene& granule, const MapPoint& point, const std::string& crs) {
  MapPoint local = point;
  if (!crs.empty() && !sameCrs(crs, granule.crsWkt)) {
    const auto lonLat = LonLatTransform(crs).toLonLat(point);
    if (!lonLat) return std::nullopt;
    const auto projected = LonLatTransform(granule.crsWkt).fromLonLat(*lonLat);
    if (!projected) return std::nullopt;
    local = *projected;
  }
  return granule.geoTransform.mapToPixel(local.x, local.y);
}

std::optional<std::pair<int, int>> tilePixelAt(const Scene& granule, const MapPoint& point, const std::string& crs) {
  const auto pixel = tilePixelCoordinates(granule, point, crs);
  if (!pixel) return std::nullopt;
  const int x = int(std::floor(pixel->x)), y = int(std::floor(pixel->y));
  if (x < 0 || y < 0 || x >= granule.width || y >= granule.height) return std::nullopt;
  return std::make_pair(x, y);
}

PixelProfile readProfileFromFiles(const std::vector<Scene>& granules, int pixelX, int pixelY, Feedback* feedback) {
  PixelProfile profile;
  if (granules.empty()) return profile;
  const Scene& first = granules.front();
  profile.tile = first.tile;
  profile.epsg = first.epsg;
  profile.pixelX = pixelX;
  profile.pixelY = pixelY;
  profile.point = first.geoTransform.pixelToMap(pixelX + 0.5, pixelY + 0.5);
  std::vector<BandRole> roles(std::begin(kPrithviBands), std::end(kPrithviBands));
  std::vector<Observation> observations(granules.size());
  std::atomic<int64_t> done{0};
  auto readOne = [&](int i) {
    throwIfCanceled(feedback);
    const Scene& scene = granules[size_t(i)];
    SceneReader reader(scene);
    const RasterBlock block = reader.read({pixelX, pixelY, 1, 1}, roles, DataType::Int16);
    Observation observation;
    observation.sceneId = scene.id;
    observation.acquired = scene.acquired;
    observation.sensor = scene.sensor;
    for (int b = 0; b < 6; ++b) {
      const SceneBand& band = *scene.band(kPrithviBands[b]);
      const int16_t raw = block.band<int16_t>(b)[0];
      observation.raw[b] = raw;
      const bool fill = band.nodata && double(raw) == *band.nodata;
      observation.reflectance[b] = fill ? kNaN : float(raw * band.scale + band.offset);
    }
    if (scene.band(BandRole::Fmask))
      observation.fmask = uint8_t(reader.read({pixelX, pixelY, 1, 1}, {BandRole::Fmask}, DataType::Byte).band<uint8_t>(0)[0]);
    observations[size_t(i)] = observation;
    reportProgress(feedback, ++done, int64_t(granules.size()), scene.id);
  };
  // Streamed granules: every file costs round trips, so they are read many at once (on a pool of
  // their own: the caller may itself run on the global pool). 24 threads: a season's dates at
  // once without hammering the host (bench_streaming). Local files are read in order.
  const bool streamed = std::any_of(granules.begin(), granules.end(), [](const Scene& scene) {
    return !scene.bands.empty() && isRemoteRasterPath(scene.bands.front().path);
  });
  if (streamed) {
    static ThreadPool networkReads(24);
    networkReads.parallelFor(int(granules.size()), readOne);
  } else {
    for (int i = 0; i < int(granules.size()); ++i) readOne(i);
  }
  profile.observations = std::move(observations);
  reportProgress(feedback, int64_t(granules.size()), int64_t(granules.size()), "profile read");
  return profile;
}

std::vector<AreaObservation> summariseArea(const std::vector<PixelProfile>& pixels) {
  std::vector<AreaObservation> summary;
  if (pixels.empty()) return summary;
  const size_t dates = pixels.front().observations.size();
  for (size_t d = 0; d < dates; ++d) {
    AreaObservation area;
    area.acquired = pixels.front().observations[d].acquired;
    area.sensor = pixels.front().observations[d].sensor;
    std::array<double, 6> sum{}, sumSquares{};
    for (const PixelProfile& pixel : pixels) {
      if (d >= pixel.observations.size()) continue;
      ++area.totalPixels;
      const Observation& observation = pixel.observations[d];
      if (observation.flagged() || std::isnan(observation.reflectance[0])) continue;
      ++area.validPixels;
      for (int b = 0; b < 6; ++b) {
        sum[b] += observation.reflectance[b];
        sumSquares[b] += double(observation.reflectance[b]) * observation.reflectance[b];
      }
    }
    for (int b = 0; b < 6; ++b) {
      if (area.validPixels == 0) {
        area.mean[b] = area.stdDev[b] = kNaN;
        continue;
      }
      const double mean = sum[b] / area.validPixels;
      area.mean[b] = float(mean);
      area.stdDev[b] = float(std::sqrt(std::max(0.0, sumSquares[b] / area.validPixels - mean * mean)));
    }
    summary.push_back(area);
  }
  return summary;
}

}  // namespace prithvi
