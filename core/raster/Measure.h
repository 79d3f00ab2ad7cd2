#pragma once
// Distances and areas on the ellipsoid (WGS 84, PROJ's geodesic routines): what the map's
// measure tools report, whatever the map's projection distorts.

#include <string>
#include <vector>

#include "core/raster/GeoTransform.h"

namespace prithvi {

struct GeodesicMeasure {
  double lengthMeters = 0;  // along the line; for a polygon, its perimeter
  double areaSquareMeters = 0;  // polygons only
};

// `points` in `crs` (WKT or "EPSG:n"). A line of two or more points, or (closed) a polygon of
// three or more. Error(BadInput) for a CRS that cannot reach longitude and latitude or a point
// that cannot be placed.
GeodesicMeasure measureGeodesic(const std::vector<MapPoint>& points, const std::string& crs, bool closed);

// Metres on the ground per map unit of `crs` at `centre`, from the geodesic between two points
// `span` map units apart east-west: right for degrees, metres and US survey feet alike. 0 when
// the CRS cannot reach longitude and latitude.
double groundMetresPerMapUnit(const std::string& crs, const MapPoint& centre, double span);

// "1.23 km", "456 m"; "12.3 ha", "4.56 km²" (what the status bar and dialogs show).
std::string distanceText(double meters);
std::string areaText(double squareMeters);

}  // namespace prithvi
