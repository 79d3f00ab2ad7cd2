#pragma once
// A scene is one acquisition over one grid: an HLS granule (one file per band), a Landsat
// Collection product (one file per band) or one multi-band raster. Bands are addressed by role.

#include <optional>
#include <string>
#include <vector>

#include <QDateTime>

#include "core/hls/Hls.h"
#include "core/raster/Crs.h"
#include "core/raster/GeoTransform.h"
#include "core/raster/Grid.h"

namespace prithvi {

enum class SceneKind { HlsGranule, BandFiles, MultiBandRaster };
const char* sceneKindName(SceneKind kind);  // "hls_granule", "band_files", "raster"
std::optional<SceneKind> sceneKindFromName(const std::string& name);

struct SceneBand {
  BandRole role = BandRole::Other;
  std::string name;      // sensor's band code ("B05", "Fmask") or "band 3"
  std::string path;      // absolute path of the file holding it
  int bandIndex = 1;     // 1-based band in that file
  double scale = 1.0;    // reflectance = DN * scale + offset
  double offset = 0.0;
  std::optional<double> nodata;
};

struct Scene {
  std::string id;       // granule id, Landsat product id, or file name
  SceneKind kind = SceneKind::MultiBandRaster;
  std::string sensor;   // "L30", "S30", "LC08", "LE07", or "" when unknown
  std::string tile;     // MGRS tile ("13REN") or Landsat path/row ("195025"), "" when none
  QDateTime acquired;   // invalid when unknown
  int width = 0;
  int height = 0;
  GeoTransform geoTransform;
  int epsg = 0;
  std::string crsWkt;
  std::vector<SceneBand> bands;
  std::optional<double> cloudCoverPercent;
  std::vector<LonLat> footprint;  // closed ring in lon/lat

  const SceneBand* band(BandRole role) const;
  // The CRS to draw and transform in: "EPSG:n" when the scene has a code, else its WKT.
  std::string crs() const { return epsg ? "EPSG:" + std::to_string(epsg) : crsWkt; }
  RasterGrid grid() const { return {width, height, geoTransform, crsWkt}; }
  // True when all six Prithvi input bands have a role.
  bool hasPrithviBands() const;
};

}  // namespace prithvi
