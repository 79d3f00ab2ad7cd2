#include "core/stac/StacGranule.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include <QJsonArray>

namespace prithvi {

namespace {

QString key(const char* name) { return QString::fromLatin1(name); }

// HLS band codes as files and asset keys name them: B01..B12, B8A, Fmask.
bool isBandCode(const std::string& code) {
  if (code == "Fmask" || code == "B8A") return true;
  return code.size() == 3 && code[0] == 'B' && std::isdigit((unsigned char)code[1]) && std::isdigit((unsigned char)code[2]);
}

bool isAngleBand(const std::string& code) { return code == "SZA" || code == "SAA" || code == "VZA" || code == "VAA"; }

bool wanted(const std::string& code, const GranuleAssetOptions& options) {
  return isBandCode(code) || (options.angleBands && isAngleBand(code));
}

// A granule id is a band file name without band and extension.
std::optional<HlsFileName> parseGranuleId(const std::string& id) { return HlsFileName::parse(id + ".Fmask.tif"); }

// The band code in an href's file name (".../HLS.S30.T10TEK.2021122T185911.v2.0.B04.tif").
std::string bandOfHref(const QString& href) {
  const auto name = HlsFileName::parse(QUrl(href).fileName().toStdString());
  return name ? name->band : std::string();
}

// Relative hrefs (static catalogs) against the page; absolute ones byte for byte, since signed
// URLs must not be re-encoded.
std::string resolvedHref(const QString& href, const QUrl& base) {
  const QUrl url(href);
  return url.isRelative() ? base.resolved(url).toString(QUrl::FullyEncoded).toStdString() : href.toStdString();
}

std::optional<HlsSensor> sensorOfPlatform(const QString& platform) {
  if (platform.contains(QLatin1String("landsat"), Qt::CaseInsensitive)) return HlsSensor::L30;
  if (platform.contains(QLatin1String("sentinel"), Qt::CaseInsensitive)) return HlsSensor::S30;
  return std::nullopt;
}

// "10TEK" from the mgrs extension's properties; empty when they are absent.
std::string tileOfMgrsProperties(const QJsonObject& properties) {
  const QJsonValue zone = properties.value(key("mgrs:utm_zone"));
  const QString band = properties.value(key("mgrs:latitude_band")).toString();
  const QString square = properties.value(key("mgrs:grid_square")).toString();
  if (!zone.isDouble() || band.size() != 1 || square.size() != 2) return {};
  char text[16];
  std::snprintf(text, sizeof text, "%02d", zone.toInt());
  return text + (band + square).toUpper().toStdString();
}

int epsgOf(const QJsonObject& properties) {
  if (const QJsonValue epsg = properties.value(key("proj:epsg")); epsg.isDouble()) return epsg.toInt();
  const QString code = properties.value(key("proj:code")).toString();
  if (code.startsWith(QLatin1String("EPSG:"), Qt::CaseInsensitive)) return code.mid(5).toInt();
  return 0;
}

QDateTime datetimeOf(const QJsonObject& properties) {
  for (const char* name : {"datetime", "start_datetime"}) {
    const QString text = properties.value(key(name)).toString();
    QDateTime when = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!when.isValid()) when = QDateTime::fromString(text, Qt::ISODate);
    if (when.isValid()) return when.toUTC();
  }
  return {};
}

std::vector<LonLat> ringOf(const QJsonValue& value) {
  std::vector<LonLat> ring;
  for (const QJsonValue& position : value.toArray()) {
    const QJsonArray xy = position.toArray();
    if (xy.size() >= 2) ring.push_back({xy[0].toDouble(), xy[1].toDouble()});
  }
  return ring;
}

std::vector<std::vector<LonLat>> footprintOf(const QJsonObject& geometry) {
  const QString type = geometry.value(key("type")).toString();
  const QJsonArray coordinates = geometry.value(key("coordinates")).toArray();
  std::vector<std::vector<LonLat>> rings;
  if (type == QLatin1String("Polygon") && !coordinates.isEmpty()) rings.push_back(ringOf(coordinates[0]));
  if (type == QLatin1String("MultiPolygon"))
    for (const QJsonValue& polygon : coordinates)
      if (!polygon.toArray().isEmpty()) rings.push_back(ringOf(polygon.toArray()[0]));
  return rings;
}

std::optional<LonLatBox> bboxOf(const QJsonValue& value) {
  const QJsonArray box = value.toArray();
  if (box.size() == 4) return LonLatBox{box[0].toDouble(), box[1].toDouble(), box[2].toDouble(), box[3].toDouble()};
  if (box.size() == 6) return LonLatBox{box[0].toDouble(), box[1].toDouble(), box[3].toDouble(), box[4].toDouble()};
  return std::nullopt;
}

void readAssets(const QJsonObject& assets, const QUrl& base, const GranuleAssetOptions& options, StacGranule& granule) {
  std::string thumbnail;
  for (auto it = assets.begin(); it != assets.end(); ++it) {
    const std::string name = it.key().toStdString();
    const QString href = it.value().toObject().value(key("href")).toString();
    if (href.isEmpty()) continue;
    if (name.rfind("s3_", 0) == 0) {  // CMR's twin of every asset for in-region S3 access
      if (options.s3Hrefs && wanted(name.substr(3), options)) granule.s3Hrefs[name.substr(3)] = resolvedHref(href, base);
    } else if (name == "browse") {
      granule.browseHref = resolvedHref(href, base);
    } else if (name == "thumbnail" || name == "rendered_preview") {
      thumbnail = resolvedHref(href, base);
    } else if (wanted(name, options)) {
      granule.bandHrefs[name] = resolvedHref(href, base);
    } else if (const std::string band = bandOfHref(href); !band.empty() && wanted(band, options)) {
      granule.bandHrefs.emplace(band, resolvedHref(href, base));  // an API with its own asset keys
    }
  }
  if (granule.browseHref.empty()) granule.browseHref = thumbnail;
}

}  // namespace

std::string StacGranule::hrefOf(BandRole role) const {
  const std::string code = hlsBandCode(sensor, role);
  const auto found = bandHrefs.find(code);
  return found == bandHrefs.end() ? std::string() : found->second;
}

std::optional<StacGranule> granuleFromStacItem(const QJsonObject& item, const QUrl& base,
                                               const GranuleAssetOptions& options, std::string* whyNot) {
  StacGranule granule;
  granule.id = item.value(key("id")).toString().toStdString();
  granule.collection = item.value(key("collection")).toString().toStdString();
  const QJsonObject properties = item.value(key("properties")).toObject();
  granule.platform = properties.value(key("platform")).toString().toStdString();

  const auto fromId = parseGranuleId(granule.id);
  std::optional<HlsSensor> sensor = fromId ? std::optional(fromId->sensor) : hlsSensorOfCollection(granule.collection);
  if (!sensor) sensor = sensorOfPlatform(QString::fromStdString(granule.platform));
  granule.tile = fromId ? fromId->tile : tileOfMgrsProperties(properties);
  if (!sensor || granule.tile.empty()) {
    if (whyNot)
      *whyNot = "item '" + granule.id + "' is not an HLS v2 granule: its id is not " +
                "HLS.<L30|S30>.T<tile>.<YYYYDDD>T<HHMMSS>.v2.<n>, and its collection and properties name no " +
                (sensor ? "MGRS tile" : "HLS sensor");
    return std::nullopt;
  }
  granule.sensor = *sensor;

  granule.datetime = datetimeOf(properties);
  if (!granule.datetime.isValid() && fromId) granule.datetime = fromId->acquired;
  if (const QJsonValue cloud = properties.value(key("eo:cloud_cover")); cloud.isDouble())
    granule.cloudCover = cloud.toDouble();
  granule.epsg = epsgOf(properties);
  granule.footprint = footprintOf(item.value(key("geometry")).toObject());
  granule.bbox = bboxOf(item.value(key("bbox")));
  readAssets(item.value(key("assets")).toObject(), base, options, granule);
  return granule;
}

}  // namespace prithvi
