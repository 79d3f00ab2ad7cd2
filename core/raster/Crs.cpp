#include "core/raster/Crs.h"

#include <cstdlib>

#include <ogr_spatialref.h>

#include "core/base/Error.h"
#include "core/raster/GdalErrors.h"

namespace prithvi {

namespace {

OGRSpatialReference spatialReference(const std::string& crs) {
  ensureGdalRegistered();
  OGRSpatialReference reference;
  GdalErrorCapture capture;
  if (reference.SetFromUserInput(crs.c_str()) != OGRERR_NONE)
    throwBadInput("not a coordinate reference system: '" + crs.substr(0, 80) + "': " +
                  capture.message("unrecognised definition"));
  // lon/lat (x/y) order whatever the authority says: the axis-order trap of EPSG:4326.
  reference.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  return reference;
}

}  // namespace

CrsTransform::CrsTransform(const std::string& from, const std::string& to) {
  OGRSpatialReference source = spatialReference(from);
  OGRSpatialReference target = spatialReference(to);
  GdalErrorCapture capture;
  mTransform.reset(OGRCreateCoordinateTransformation(&source, &target));
  if (!mTransform) throwBadInput("cannot transform between the two coordinate reference systems: " + capture.message());
}

CrsTransform::~CrsTransform() = default;

std::optional<MapPoint> CrsTransform::transform(const MapPoint& point) const {
  double x = point.x, y = point.y;
  GdalErrorCapture quiet;
  if (!mTransform->Transform(1, &x, &y)) return std::nullopt;
  return MapPoint{x, y};
}

std::unique_ptr<OGRSpatialReference> ogrSpatialReference(const std::string& crs) {
  return std::make_unique<OGRSpatialReference>(spatialReference(crs));
}

struct LonLatTransform::Impl {
  std::unique_ptr<OGRCoordinateTransformation> toLonLat;
  std::unique_ptr<OGRCoordinateTransformation> fromLonLat;
};

LonLatTransform::LonLatTransform(const std::string& crs) : mImpl(std::make_unique<Impl>()) {
  OGRSpatialReference source = spatialReference(crs);
  OGRSpatialReference wgs84 = spatialReference("EPSG:4326");
  GdalErrorCapture capture;
  mImpl->toLonLat.reset(OGRCreateCoordinateTransformation(&source, &wgs84));
  mImpl->fromLonLat.reset(OGRCreateCoordinateTransformation(&wgs84, &source));
  if (!mImpl->toLonLat || !mImpl->fromLonLat)
    throwBadInput("cannot transform between the raster's CRS and longitude/latitude: " + capture.message());
}

LonLatTransform::~LonLatTransform() = default;

std::optional<LonLat> LonLatTransform::toLonLat(const MapPoint& point) const {
  double x = point.x, y = point.y;
  GdalErrorCapture quiet;
  if (!mImpl->toLonLat->Transform(1, &x, &y)) return std::nullopt;
  return LonLat{x, y};
}

std::optional<MapPoint> LonLatTransform::fromLonLat(const LonLat& lonLat) const {
  double x = lonLat.lon, y = lonLat.lat;
  GdalErrorCapture quiet;
  if (!mImpl->fromLonLat->Transform(1, &x, &y)) return std::nullopt;
  return MapPoint{x, y};
}

bool sameCrs(const std::string& a, const std::string& b) {
  if (a == b) return true;
  if (a.empty() || b.empty()) return false;
  try {
    const OGRSpatialReference first = spatialReference(a);
    const OGRSpatialReference second = spatialReference(b);
    const char* options[] = {"IGNORE_DATA_AXIS_TO_SRS_AXIS_MAPPING=YES", "CRITERION=EQUIVALENT_EXCEPT_AXIS_ORDER_GEOGCRS", nullptr};
    return first.IsSame(&second, options);
  } catch (const Error&) {
    return false;
  }
}

int epsgOfWkt(const std::string& wkt) {
  if (wkt.empty()) return 0;
  ensureGdalRegistered();
  GdalErrorCapture quiet;
  OGRSpatialReference reference;
  if (reference.importFromWkt(wkt.c_str()) != OGRERR_NONE) return 0;
  auto codeOf = [](const OGRSpatialReference& r) {
    const char* authority = r.GetAuthorityName(nullptr);
    const char* code = r.GetAuthorityCode(nullptr);
    return (authority && code && std::string(authority) == "EPSG") ? std::atoi(code) : 0;
  };
  if (int code = codeOf(reference)) return code;
  // WKT without an identifier: ask PROJ's database for a near-certain match.
  int matchCount = 0;
  int* confidences = nullptr;
  OGRSpatialReferenceH* matches = reference.FindMatches(nullptr, &matchCount, &confidences);
  int code = 0;
  if (matchCount > 0 && confidences[0] >= 90)
    code = codeOf(*OGRSpatialReference::FromHandle(matches[0]));
  OSRFreeSRSArray(matches);
  CPLFree(confidences);
  return code;
}

std::string wktOfEpsg(int epsg) {
  OGRSpatialReference reference = spatialReference("EPSG:" + std::to_string(epsg));
  char* wkt = nullptr;
  const char* options[] = {"FORMAT=WKT2_2018", nullptr};
  reference.exportToWkt(&wkt, options);
  std::string text = wkt ? wkt : "";
  CPLFree(wkt);
  return text;
}

std::vector<LonLat> footprintLonLat(const GeoTransform& transform, int width, int height,
                                    const std::string& crs, int pointsPerSide) {
  LonLatTransform toLonLat(crs);
  std::vector<LonLat> ring;
  const int n = std::max(1, pointsPerSide);
  // Clockwise from the top-left corner along the pixel-grid outline.
  auto addEdge = [&](double x0, double y0, double x1, double y1) {
    for (int i = 0; i < n; ++i) {
      const double t = double(i) / n;
      const MapPoint point = transform.pixelToMap(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t);
      if (auto lonLat = toLonLat.toLonLat(point)) ring.push_back(*lonLat);
    }
  };
  addEdge(0, 0, width, 0);
  addEdge(width, 0, width, height);
  addEdge(width, height, 0, height);
  addEdge(0, height, 0, 0);
  if (ring.size() < 3) throwBadInput("the raster's outline cannot be expressed in longitude/latitude");
  ring.push_back(ring.front());
  return ring;
}

}  // namespace prithvi
