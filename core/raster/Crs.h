#pragma once
// Coordinate reference systems and transforms between a raster's CRS and longitude/latitude.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/raster/GeoTransform.h"

class OGRCoordinateTransformation;
class OGRSpatialReference;

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

// Transforms map coordinates between two CRSs (WKT or "EPSG:n"), always in x/y (lon/lat)
// order on both sides whatever their axis order says (the axis-order trap of EPSG:4326).
class CrsTransform {
 public:
  // Throws Error(BadInput) on a bad CRS or when PROJ knows no way between them.
  CrsTransform(const std::string& from, const std::string& to);
  ~CrsTransform();
  CrsTransform(const CrsTransform&) = delete;
  CrsTransform& operator=(const CrsTransform&) = delete;

  std::optional<MapPoint> transform(const MapPoint& point) const;
  // For OGRGeometry::transform.
  OGRCoordinateTransformation& ogr() const { return *mTransform; }

 private:
  std::unique_ptr<OGRCoordinateTransformation> mTransform;
};

// A CRS (WKT, "EPSG:n", ...) as OGR's object for layers and datasets, with x/y (lon/lat) axis
// order. Throws Error(BadInput) for a definition OGR does not understand.
std::unique_ptr<OGRSpatialReference> ogrSpatialReference(const std::string& crs);

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
