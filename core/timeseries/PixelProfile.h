#pragma once
// Time through the eyes of a pixel: the six Prithvi bands, the indices and the Fmask flags of
// one pixel in every granule of a tile, read from the band files or from the tile's cube.

#include <array>
#include <optional>
#include <string>
#include <vector>

#include <QDateTime>

#include "core/raster/GeoTransform.h"
#include "core/render/Render.h"
#include "core/scene/Scene.h"

namespace prithvi {

class Feedback;

struct Observation {
  std::string sceneId;
  QDateTime acquired;
  std::string sensor;                  // "L30", "S30"
  std::array<float, 6> reflectance{};  // Prithvi's band order; NaN where the band is fill
  std::array<int16_t, 6> raw{};        // DN as stored
  uint8_t fmask = kFmaskFill;          // 255 when the granule has no Fmask or the pixel is fill
  // Cloud, cloud shadow, snow/ice, cirrus or fill: left out of lines by default.
  bool flagged() const;
  // NaN when a band it needs is missing.
  float index(SpectralIndex index) const;
};

// A date of the tile that no profile or cube can include, with the reason: its granule lacks one
// of the six bands (never imported, or on another grid), or a band file is gone or empty.
struct LeftOutDate {
  std::string sceneId;
  QDateTime acquired;
  std::string reason;
};

struct PixelProfile {
  std::string tile;
  int epsg = 0;
  int pixelX = 0;
  int pixelY = 0;
  MapPoint point;  // the pixel centre in the tile's CRS
  std::vector<Observation> observations;  // by acquisition time
  bool fromCube = false;
  std::vector<LeftOutDate> leftOut;  // dates of the tile without a reading, by date
};

// The granules of one tile in a project's scene list: HLS granules with all Prithvi bands, by
// date. Throws Error(BadInput) when the tile has none.
std::vector<Scene> tileGranules(const std::vector<Scene>& scenes, const std::string& tile);
// The granules of `tile` that tileGranules leaves out, with the reason, by date.
std::vector<LeftOutDate> leftOutDates(const std::vector<Scene>& scenes, const std::string& tile);

// Continuous pixel coordinates of a point given in `crs` ("EPSG:n" or WKT) in the tile grid;
// empty when the point cannot be transformed.
std::optional<MapPoint> tilePixelCoordinates(const Scene& anyGranule, const MapPoint& point, const std::string& crs);
// The tile pixel under a point given in `crs`; empty when it lies outside.
std::optional<std::pair<int, int>> tilePixelAt(const Scene& anyGranule, const MapPoint& point, const std::string& crs);

// Reads the pixel from every granule's band files (one window read per band and date).
PixelProfile readProfileFromFiles(const std::vector<Scene>& granules, int pixelX, int pixelY,
                                  Feedback* feedback = nullptr);

// The mean of the valid, unflagged observations over a set of pixels (a polygon's pixels) per
// date, and the standard deviation, for each band.
struct AreaObservation {
  QDateTime acquired;
  std::string sensor;
  std::array<float, 6> mean{};
  std::array<float, 6> stdDev{};
  int validPixels = 0;
  int totalPixels = 0;
};
std::vector<AreaObservation> summariseArea(const std::vector<PixelProfile>& pixels);

}  // namespace prithvi
