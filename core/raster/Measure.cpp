#include "core/raster/Measure.h"

#include <geodesic.h>

#include <cmath>
#include <cstdio>

#include "core/base/Error.h"
#include "core/raster/Crs.h"

namespace prithvi {

GeodesicMeasure measureGeodesic(const std::vector<MapPoint>& points, const std::string& crs, bool closed) {
  if (points.size() < (closed ? 3u : 2u)) throwBadInput(closed ? "an area needs three points or more" : "a distance needs two points or more");
  const LonLatTransform toLonLat(crs);
  geod_geodesic wgs84{};
  geod_init(&wgs84, 6378137.0, 1 / 298.257223563);
  geod_polygon polygon{};
  geod_polygon_init(&polygon, closed ? 0 : 1);
  for (const MapPoint& point : points) {
    const std::optional<LonLat> lonLat = toLonLat.toLonLat(point);
    if (!lonLat) throwBadInput("a measured point cannot be placed on the earth");
    geod_polygon_addpoint(&wgs84, &polygon, lonLat->lat, lonLat->lon);
  }
  double area = 0, perimeter = 0;
  geod_polygon_compute(&wgs84, &polygon, 0, 1, closed ? &area : nullptr, &perimeter);
  return {perimeter, std::abs(area)};
}

double groundMetresPerMapUnit(const std::string& crs, const MapPoint& centre, double span) {
  if (crs.empty() || !(span > 0)) return 0;
  try {
    const MapPoint west{centre.x - span / 2, centre.y}, east{centre.x + span / 2, centre.y};
    return measureGeodesic({west, east}, crs, false).lengthMeters / span;
  } catch (const Error&) {
    return 0;
  }
}

namespace {
// Three significant digits without an exponent: 1.23, 12.3, 123, 1234.
std::string threeDigits(double value) {
  char text[48];
  const int decimals = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}
}  // namespace

std::string distanceText(double meters) {
  return meters >= 1000 ? threeDigits(meters / 1000) + " km" : threeDigits(meters) + " m";
}

std::string areaText(double squareMeters) {
  return squareMeters >= 1e6 ? threeDigits(squareMeters / 1e6) + " km² (" + threeDigits(squareMeters / 1e4) + " ha)"
                             : threeDigits(squareMeters / 1e4) + " ha (" + threeDigits(squareMeters) + " m²)";
}

}  // namespace prithvi
