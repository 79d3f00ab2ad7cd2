#include "core/stac/StacSearch.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include <QJsonArray>
#include <QJsonDocument>
#include <QUrl>

#include "core/base/Error.h"
#include "core/base/NumberText.h"
#include "core/raster/Crs.h"

namespace prithvi {

namespace {

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return text;
}

std::string isoUtc(const QDateTime& when) { return when.toUTC().toString(Qt::ISODate).toStdString(); }

bool isLongitude(double value) { return std::isfinite(value) && value >= -180 && value <= 180; }
bool isLatitude(double value) { return std::isfinite(value) && value >= -90 && value <= 90; }

// Twice the signed area of a closed ring: positive when it runs counter-clockwise.
double signedArea2(const QJsonArray& ring) {
  double sum = 0;
  for (qsizetype i = 0; i + 1 < ring.size(); ++i) {
    const QJsonArray a = ring[i].toArray(), b = ring[i + 1].toArray();
    sum += a[0].toDouble() * b[1].toDouble() - b[0].toDouble() * a[1].toDouble();
  }
  return sum;
}

// A ring checked for lon/lat positions, closed, 2-D, and turned to run counter-clockwise or not.
QJsonArray orientedRing(const QJsonValue& value, bool counterClockwise, const std::string& what) {
  if (!value.isArray()) throwBadInput(what + ": a polygon ring is not a list of positions");
  QJsonArray ring;
  for (const QJsonValue& position : value.toArray()) {
    const QJsonArray xy = position.toArray();
    if (xy.size() < 2 || !xy[0].isDouble() || !xy[1].isDouble())
      throwBadInput(what + ": a position is not [longitude, latitude]");
    const double lon = xy[0].toDouble(), lat = xy[1].toDouble();
    if (!isLongitude(lon) || !isLatitude(lat))
      throwBadInput(what + ": position [" + numberText(lon) + ", " + numberText(lat) +
                    "] is not longitude/latitude in degrees; a search area must be GeoJSON in WGS 84");
    ring.append(QJsonArray{lon, lat});
  }
  if (!ring.isEmpty() && ring.first() != ring.last()) ring.append(ring.first());
  if (ring.size() < 4) throwBadInput(what + ": a polygon ring needs at least three distinct positions");
  const double area = signedArea2(ring);
  if (area == 0) throwBadInput(what + ": a polygon ring encloses no area");
  if ((area > 0) != counterClockwise) {
    QJsonArray reversed;
    for (qsizetype i = ring.size() - 1; i >= 0; --i) reversed.append(ring[i]);
    return reversed;
  }
  return ring;
}

// A polygon's rings: the exterior counter-clockwise, holes clockwise (GeoJSON's right-hand rule,
// which CMR requires: a clockwise exterior would mean the rest of the globe).
QJsonArray orientedPolygon(const QJsonValue& value, const std::string& what) {
  const QJsonArray rings = value.toArray();
  if (rings.isEmpty()) throwBadInput(what + ": a polygon has no rings");
  QJsonArray oriented;
  for (qsizetype i = 0; i < rings.size(); ++i) oriented.append(orientedRing(rings[i], i == 0, what));
  return oriented;
}

// The polygons of a GeoJSON geometry, each as its list of rings.
void collectPolygons(const QJsonObject& geometry, const std::string& what, QJsonArray& polygons) {
  const QString type = geometry.value(QLatin1String("type")).toString();
  const QJsonValue coordinates = geometry.value(QLatin1String("coordinates"));
  if (type == QLatin1String("Polygon")) {
    polygons.append(orientedPolygon(coordinates, what));
  } else if (type == QLatin1String("MultiPolygon")) {
    for (const QJsonValue& polygon : coordinates.toArray()) polygons.append(orientedPolygon(polygon, what));
  } else {
    throwBadInput(what + ": a search area must be a Polygon or MultiPolygon, not " +
                  (type.isEmpty() ? std::string("a geometry without a type") : "a " + type.toStdString()));
  }
}

}  // namespace

StacSource stacSource(const std::string& nameOrUrl) {
  const std::string name = lowercase(nameOrUrl);
  if (name == "nasa") return {"nasa", kNasaStacRoot, {"HLSL30_2.0", "HLSS30_2.0"}};
  if (name == "planetary") return {"planetary", kPlanetaryStacRoot, {"hls2-l30", "hls2-s30"}};
  const QUrl url(QString::fromStdString(nameOrUrl), QUrl::StrictMode);
  if (!url.isValid() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")) ||
      url.host().isEmpty())
    throwUsage("source '" + nameOrUrl + "' is neither 'nasa', 'planetary' nor the http(s) URL of a STAC API root");
  std::string root = url.toString(QUrl::StripTrailingSlash).toStdString();
  return {nameOrUrl, root, {"HLSL30_2.0", "HLSS30_2.0"}};
}

std::optional<HlsSensor> hlsSensorOfCollection(const std::string& collection) {
  const std::string name = lowercase(collection);
  if (name.rfind("hls", 0) != 0) return std::nullopt;
  if (name.find("l30") != std::string::npos) return HlsSensor::L30;
  if (name.find("s30") != std::string::npos) return HlsSensor::S30;
  return std::nullopt;
}

void validateSearchRequest(const StacSearchRequest& request) {
  if (request.bbox && request.intersects)
    throwUsage("search by a box or by a polygon, not both (STAC APIs refuse bbox together with intersects)");
  if (const auto& box = request.bbox) {
    if (!isLongitude(box->west) || !isLongitude(box->east) || !isLatitude(box->south) || !isLatitude(box->north))
      throwUsage("the box " + numberText(box->west) + "," + numberText(box->south) + "," + numberText(box->east) + "," +
                 numberText(box->north) + " is not west,south,east,north in degrees (longitude -180..180, " +
                 "latitude -90..90)");
    if (box->south > box->north)
      throwUsage("the box's south edge " + numberText(box->south) + " is north of its north edge " +
                 numberText(box->north) + "; give west,south,east,north");
  }
  if (request.start && request.end && *request.start > *request.end)
    throwUsage("the start " + isoUtc(*request.start) + " is after the end " + isoUtc(*request.end));
  if (const auto& cloud = request.maxCloudCover; cloud && !(*cloud >= 0 && *cloud <= 100))
    throwUsage("the maximum cloud cover is a percentage from 0 to 100, not " + numberText(*cloud));
  if (request.pageSize < 1) throwUsage("the page size must be at least 1, not " + std::to_string(request.pageSize));
  if (request.maxItems < 0) throwUsage("the maximum item count cannot be negative");
  if (!request.tile.empty()) MgrsTile::parse(request.tile);  // throws Usage naming the bad part
}

std::string datetimeInterval(const std::optional<QDateTime>& start, const std::optional<QDateTime>& end) {
  if (!start && !end) return {};
  return (start ? isoUtc(*start) : std::string("..")) + "/" + (end ? isoUtc(*end) : std::string(".."));
}

QJsonObject searchRequestBody(const StacSearchRequest& request, const StacSource& source) {
  QJsonObject body;
  QJsonArray collections;
  for (const auto& name : request.collections.empty() ? source.hlsCollections : request.collections)
    collections.append(QString::fromStdString(name));
  body[QStringLiteral("collections")] = collections;
  if (!request.ids.empty()) {
    QJsonArray ids;
    for (const auto& id : request.ids) ids.append(QString::fromStdString(id));
    body[QStringLiteral("ids")] = ids;
  }
  int64_t limit = std::min(request.pageSize, kStacMaxPageSize);
  if (request.maxItems > 0 && request.tile.empty()) limit = std::min(limit, request.maxItems);
  body[QStringLiteral("limit")] = qint64(limit);
  if (const auto& box = request.bbox) body[QStringLiteral("bbox")] = QJsonArray{box->west, box->south, box->east, box->north};
  if (request.intersects) body[QStringLiteral("intersects")] = *request.intersects;
  if (const std::string interval = datetimeInterval(request.start, request.end); !interval.empty())
    body[QStringLiteral("datetime")] = QString::fromStdString(interval);
  if (request.maxCloudCover)
    body[QStringLiteral("query")] =
        QJsonObject{{QStringLiteral("eo:cloud_cover"), QJsonObject{{QStringLiteral("lte"), *request.maxCloudCover}}}};
  return body;
}

QJsonObject intersectsGeometry(const QByteArray& geojson, const std::string& what) {
  QJsonParseError error;
  const QJsonDocument document = QJsonDocument::fromJson(geojson, &error);
  if (!document.isObject())
    throwBadInput(what + " is not GeoJSON: " +
                  (error.error != QJsonParseError::NoError ? error.errorString().toStdString() + " at offset " +
                                                                 std::to_string(error.offset)
                                                           : std::string("not a JSON object")));
  const QJsonObject root = document.object();
  const QString type = root.value(QLatin1String("type")).toString();
  QJsonArray polygons;
  if (type == QLatin1String("FeatureCollection")) {
    for (const QJsonValue& feature : root.value(QLatin1String("features")).toArray())
      collectPolygons(feature.toObject().value(QLatin1String("geometry")).toObject(), what, polygons);
  } else if (type == QLatin1String("Feature")) {
    collectPolygons(root.value(QLatin1String("geometry")).toObject(), what, polygons);
  } else {
    collectPolygons(root, what, polygons);
  }
  if (polygons.isEmpty()) throwBadInput(what + " holds no polygon");
  if (polygons.size() == 1)
    return QJsonObject{{QStringLiteral("type"), QStringLiteral("Polygon")}, {QStringLiteral("coordinates"), polygons[0]}};
  return QJsonObject{{QStringLiteral("type"), QStringLiteral("MultiPolygon")}, {QStringLiteral("coordinates"), polygons}};
}

LonLatBox tileLonLatBox(const MgrsTile& tile) {
  const int pixels = int(std::lround(MgrsTile::kTileSize / 30.0));
  const auto ring = footprintLonLat(tile.sentinel2Grid(30), pixels, pixels, "EPSG:" + std::to_string(tile.epsg()));
  LonLatBox box{180, 90, -180, -90};
  double westOfPositive = 180, eastOfNegative = -180;  // for a tile across the antimeridian
  for (const LonLat& point : ring) {
    box.west = std::min(box.west, point.lon);
    box.east = std::max(box.east, point.lon);
    box.south = std::min(box.south, point.lat);
    box.north = std::max(box.north, point.lat);
    if (point.lon >= 0) westOfPositive = std::min(westOfPositive, point.lon);
    if (point.lon < 0) eastOfNegative = std::max(eastOfNegative, point.lon);
  }
  if (box.east - box.west > 180) {  // no tile is that wide: it straddles 180 degrees
    box.west = westOfPositive;
    box.east = eastOfNegative;
  }
  return box;
}

}  // namespace prithvi
