#pragma once
// Coordinate reference systems and transforms between a raster's CRS and longitude/latitude.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/raster/GeoTransform.h"

namespace prithvi {

struct LonLat {
  double lon = 0;
  double lat = 0;
};

// Transforms map coordinates in `crs` (WKT or "EPSG:n") to and from WGS 84 longitude/latitude,
// always in lon, lat order whatever the CRS's axis order says.
class LonLatTransform {
 public:
  explicit LonLatTransform(const std::string& crs);  // throws Error(BadInput) on a bad CRS
  ~LonLatTransform();
  LonLatTransform(const LonLatTransform&) = delete;
  LonLatTransform& operator=(const LonLatTransform&) = delete;

  std::optional<LonLat> toLonLat(const MapPoint& point) const;
  std::optional<MapPoint> fromLonLat(const LonLat& lonLat) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> mImpl;
};

// True when two CRS definitions (WKT or "EPSG:n") describe the same system, axis order aside.
bool sameCrs(const std::string& a, const std::string& b);

// EPSG code of a WKT CRS, 0 when none is known.
int epsgOfWkt(const std::string& wkt);
// WKT of an EPSG code; throws Error(BadInput) for an unknown code.
std::string wktOfEpsg(int epsg);

// The outline of a raster grid in lon/lat: a closed ring with `pointsPerSide` points on each
// side, so curved edges of a reprojected footprint stay close to the truth.
std::vector<LonLat> footprintLonLat(const GeoTransform& transform, int width, int height,
                                    const std::string& crs, int pointsPerSide = 8);

}  // namespace prithvi
