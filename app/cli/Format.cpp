#include "app/cli/Format.h"

#include <cstdio>

#include <QJsonArray>

#include "core/raster/Crs.h"

namespace prithvi::cli {

namespace {

QString qs(const std::string& text) { return QString::fromStdString(text); }

template <typename... Args>
std::string format(const char* pattern, Args... args) {
  char text[160];
  std::snprintf(text, sizeof text, pattern, args...);
  return text;
}

QJsonArray transformJson(const GeoTransform& transform) {
  QJsonArray array;
  for (double c : transform.coefficients()) array.append(c);
  return array;
}

std::optional<LonLat> centreLonLat(const GeoTransform& transform, int width, int height, const std::string& wkt) {
  if (wkt.empty()) return std::nullopt;
  try {
    return LonLatTransform(wkt).toLonLat(transform.pixelToMap(width / 2.0, height / 2.0));
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace

std::string isoDate(const QDateTime& when) {
  return when.isValid() ? when.toUTC().toString(Qt::ISODate).toStdString() : std::string();
}

QJsonObject rasterInfoJson(const RasterInfo& info) {
  QJsonObject object;
  object[QStringLiteral("path")] = qs(info.path);
  object[QStringLiteral("driver")] = qs(info.driver);
  object[QStringLiteral("width")] = info.width;
  object[QStringLiteral("height")] = info.height;
  object[QStringLiteral("epsg")] = info.epsg;
  object[QStringLiteral("crs_wkt")] = qs(info.crsWkt);
  if (info.hasGeoTransform) object[QStringLiteral("geotransform")] = transformJson(info.geoTransform);
  if (auto centre = centreLonLat(info.geoTransform, info.width, info.height, info.crsWkt))
    object[QStringLiteral("centre_lonlat")] = QJsonArray{centre->lon, centre->lat};
  QJsonArray overviews;
  for (auto [w, h] : info.overviewSizes) overviews.append(QJsonArray{w, h});
  object[QStringLiteral("overviews")] = overviews;
  QJsonArray bands;
  for (const auto& band : info.bands) {
    QJsonObject b;
    b[QStringLiteral("index")] = band.index;
    b[QStringLiteral("type")] = QString::fromLatin1(dataTypeName(band.type));
    b[QStringLiteral("nodata")] = band.nodata ? QJsonValue(*band.nodata) : QJsonValue();
    b[QStringLiteral("scale")] = band.scale;
    b[QStringLiteral("offset")] = band.offset;
    b[QStringLiteral("description")] = qs(band.description);
    b[QStringLiteral("block")] = QJsonArray{band.blockWidth, band.blockHeight};
    bands.append(b);
  }
  object[QStringLiteral("bands")] = bands;
  return object;
}

std::string rasterInfoText(const RasterInfo& info) {
  std::string text = info.path + "\n";
  text += "  driver   " + info.driver + "\n";
  text += "  size     " + std::to_string(info.width) + " x " + std::to_string(info.height) + " pixels, " +
          std::to_string(info.bands.size()) + " band(s)\n";
  text += "  crs      " + (info.epsg ? "EPSG:" + std::to_string(info.epsg) : info.crsWkt.empty() ? "none" : "custom (no EPSG code)") + "\n";
  if (info.hasGeoTransform) {
    text += "  origin   " + format("%.3f, %.3f", info.geoTransform.originX(), info.geoTransform.originY()) + "\n";
    text += "  pixel    " + format("%.6g x %.6g", info.geoTransform.pixelWidth(), info.geoTransform.pixelHeight()) + "\n";
  }
  if (auto centre = centreLonLat(info.geoTransform, info.width, info.height, info.crsWkt))
    text += "  centre   " + format("lon %.6f, lat %.6f", centre->lon, centre->lat) + "\n";
  std::string overviews;
  for (auto [w, h] : info.overviewSizes) overviews += " " + std::to_string(w) + "x" + std::to_string(h);
  text += "  overviews" + (overviews.empty() ? std::string(" none") : overviews) + "\n";
  for (const auto& band : info.bands) {
    text += "  band " + std::to_string(band.index) + "   " + dataTypeName(band.type);
    if (band.nodata) text += ", nodata " + format("%.10g", *band.nodata);
    if (band.scale != 1.0 || band.offset != 0.0) text += ", scale " + format("%g offset %g", band.scale, band.offset);
    if (!band.description.empty()) text += ", '" + band.description + "'";
    text += "\n";
  }
  return text;
}

QJsonObject sceneJson(const Scene& scene) {
  QJsonObject object;
  object[QStringLiteral("id")] = qs(scene.id);
  object[QStringLiteral("kind")] = QString::fromLatin1(sceneKindName(scene.kind));
  object[QStringLiteral("sensor")] = qs(scene.sensor);
  object[QStringLiteral("tile")] = qs(scene.tile);
  object[QStringLiteral("acquired")] = scene.acquired.isValid() ? QJsonValue(qs(isoDate(scene.acquired))) : QJsonValue();
  object[QStringLiteral("width")] = scene.width;
  object[QStringLiteral("height")] = scene.height;
  object[QStringLiteral("epsg")] = scene.epsg;
  object[QStringLiteral("geotransform")] = transformJson(scene.geoTransform);
  object[QStringLiteral("cloud_cover")] = scene.cloudCoverPercent ? QJsonValue(*scene.cloudCoverPercent) : QJsonValue();
  QJsonArray bands;
  for (const auto& band : scene.bands) {
    QJsonObject b;
    b[QStringLiteral("role")] = QString::fromLatin1(bandRoleName(band.role));
    b[QStringLiteral("name")] = qs(band.name);
    b[QStringLiteral("path")] = qs(band.path);
    b[QStringLiteral("band_index")] = band.bandIndex;
    b[QStringLiteral("scale")] = band.scale;
    b[QStringLiteral("offset")] = band.offset;
    b[QStringLiteral("nodata")] = band.nodata ? QJsonValue(*band.nodata) : QJsonValue();
    bands.append(b);
  }
  object[QStringLiteral("bands")] = bands;
  QJsonArray footprint;
  for (const auto& point : scene.footprint) footprint.append(QJsonArray{point.lon, point.lat});
  object[QStringLiteral("footprint_lonlat")] = footprint;
  return object;
}

std::string sceneLine(const Scene& scene) {
  char text[512];
  const std::string cloud = scene.cloudCoverPercent ? format("%5.1f%%", *scene.cloudCoverPercent) : "    - ";
  std::snprintf(text, sizeof text, "%-40s %-6s %-7s %-10s %5dx%-5d %s", scene.id.c_str(),
                scene.sensor.empty() ? "-" : scene.sensor.c_str(), scene.tile.empty() ? "-" : scene.tile.c_str(),
                scene.acquired.isValid() ? scene.acquired.date().toString(Qt::ISODate).toStdString().c_str() : "-",
                scene.width, scene.height, cloud.c_str());
  return text;
}

std::string sceneText(const Scene& scene) {
  std::string text = scene.id + " (" + sceneKindName(scene.kind) + ")\n";
  if (!scene.sensor.empty()) text += "  sensor   " + scene.sensor + "\n";
  if (!scene.tile.empty()) text += "  tile     " + scene.tile + "\n";
  if (scene.acquired.isValid()) text += "  acquired " + isoDate(scene.acquired) + "\n";
  text += "  grid     " + std::to_string(scene.width) + " x " + std::to_string(scene.height) + ", " +
          (scene.epsg ? "EPSG:" + std::to_string(scene.epsg) : std::string("no EPSG code")) + "\n";
  if (scene.cloudCoverPercent) text += "  clouds   " + format("%.1f%% of valid pixels", *scene.cloudCoverPercent) + "\n";
  for (const auto& band : scene.bands) {
    char line[512];
    std::snprintf(line, sizeof line, "  %-8s %-8s %s%s\n", bandRoleName(band.role), band.name.c_str(),
                  band.path.c_str(), band.bandIndex > 1 ? (" band " + std::to_string(band.bandIndex)).c_str() : "");
    text += line;
  }
  return text;
}

QJsonObject scanResultJson(const ScanResult& result) {
  QJsonArray scenes, skipped, warnings;
  for (const auto& scene : result.scenes) scenes.append(sceneJson(scene));
  for (const auto& file : result.skipped)
    skipped.append(QJsonObject{{QStringLiteral("path"), qs(file.path)}, {QStringLiteral("reason"), qs(file.reason)}});
  for (const auto& warning : result.warnings) warnings.append(qs(warning));
  return QJsonObject{{QStringLiteral("scenes"), scenes}, {QStringLiteral("skipped"), skipped},
                     {QStringLiteral("warnings"), warnings}};
}

std::string skippedText(const ScanResult& result) {
  std::string text;
  for (const auto& file : result.skipped) text += "skipped " + file.path + ": " + file.reason + "\n";
  for (const auto& warning : result.warnings) text += "warning " + warning + "\n";
  return text;
}

}  // namespace prithvi::cli
