// prithvi search: HLS granules in a STAC API (NASA CMR-STAC by default), every page.
#include <QDate>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>

#include "app/cli/Cli.h"
#include "app/cli/Format.h"
#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/base/NumberText.h"
#include "core/stac/StacClient.h"

namespace prithvi::cli {

namespace {

QString qs(const std::string& text) { return QString::fromStdString(text); }

std::vector<std::string> commaList(const QString& text) {
  std::vector<std::string> items;
  for (const QString& item : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) items.push_back(item.trimmed().toStdString());
  return items;
}

LonLatBox parseBbox(const QString& text) {
  const QStringList parts = text.split(QLatin1Char(','));
  std::vector<double> values;
  for (const QString& part : parts)
    if (const auto value = parseNumber(part.trimmed().toStdString())) values.push_back(*value);
  if (parts.size() != 4 || values.size() != 4)
    throwUsage("--bbox takes four numbers west,south,east,north in degrees (e.g. -105,29,-104,30), not '" +
               text.toStdString() + "'");
  return {values[0], values[1], values[2], values[3]};
}

// A day as YYYY-MM-DD: its first second (start) or its last (end), UTC.
QDateTime parseDay(const CommandLine& cli, const QString& option, bool endOfDay) {
  const QDate day = QDate::fromString(cli.value(option), Qt::ISODate);
  if (!day.isValid())
    throwUsage("--" + option.toStdString() + " takes a date YYYY-MM-DD, not '" + cli.value(option).toStdString() + "'");
  return QDateTime(day, endOfDay ? QTime(23, 59, 59) : QTime(0, 0), Qt::UTC);
}

QByteArray readIntersectsFile(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) throwUsage("cannot read --intersects file " + path.toStdString() + ": " + file.errorString().toStdString());
  return file.readAll();
}

StacSearchRequest requestFrom(const CommandLine& cli) {
  const int areas = int(cli.isSet(QStringLiteral("bbox"))) + int(cli.isSet(QStringLiteral("tile"))) +
                    int(cli.isSet(QStringLiteral("intersects")));
  if (areas != 1) throwUsage("give the area with exactly one of --bbox, --tile and --intersects");
  StacSearchRequest request;
  if (cli.isSet(QStringLiteral("collections"))) request.collections = commaList(cli.value(QStringLiteral("collections")));
  if (cli.isSet(QStringLiteral("bbox"))) request.bbox = parseBbox(cli.value(QStringLiteral("bbox")));
  if (cli.isSet(QStringLiteral("tile"))) {
    const MgrsTile tile = MgrsTile::parse(cli.value(QStringLiteral("tile")).toStdString());
    request.tile = tile.id();
    request.bbox = tileLonLatBox(tile);
  }
  if (cli.isSet(QStringLiteral("intersects"))) {
    const QString path = cli.value(QStringLiteral("intersects"));
    request.intersects = intersectsGeometry(readIntersectsFile(path), path.toStdString());
  }
  if (cli.isSet(QStringLiteral("start"))) request.start = parseDay(cli, QStringLiteral("start"), false);
  if (cli.isSet(QStringLiteral("end"))) request.end = parseDay(cli, QStringLiteral("end"), true);
  if (cli.isSet(QStringLiteral("max-cloud"))) request.maxCloudCover = cli.doubleValue(QStringLiteral("max-cloud"), 0, 100);
  if (cli.isSet(QStringLiteral("limit"))) request.maxItems = cli.intValue(QStringLiteral("limit"), 1, 1000000000);
  return request;
}

QJsonObject granuleJson(const StacGranule& granule) {
  QJsonObject assets;
  for (const auto& [band, href] : granule.bandHrefs) assets[qs(band)] = qs(href);
  QJsonObject object{{QStringLiteral("id"), qs(granule.id)},
                     {QStringLiteral("collection"), qs(granule.collection)},
                     {QStringLiteral("datetime"), qs(isoDate(granule.datetime))},
                     {QStringLiteral("cloud"), granule.cloudCover ? QJsonValue(*granule.cloudCover) : QJsonValue()},
                     {QStringLiteral("tile"), qs(granule.tile)},
                     {QStringLiteral("sensor"), QString::fromLatin1(hlsSensorName(granule.sensor))},
                     {QStringLiteral("assets"), assets},
                     {QStringLiteral("browse"), granule.browseHref.empty() ? QJsonValue() : QJsonValue(qs(granule.browseHref))}};
  if (const auto& box = granule.bbox) object[QStringLiteral("bbox")] = QJsonArray{box->west, box->south, box->east, box->north};
  return object;
}

// "HLS.S30.T10TEK.2021122T185911.v2.0  2021-05-02  S30  10TEK   12.5%"
std::string granuleLine(const StacGranule& granule) {
  std::string cloud = granule.cloudCover ? fixedNumberText(*granule.cloudCover, 1) + "%" : std::string("-");
  cloud.insert(0, cloud.size() < 6 ? 6 - cloud.size() : 0, ' ');
  std::string id = granule.id;
  if (id.size() < 36) id.resize(36, ' ');
  return id + "  " + granule.datetime.date().toString(Qt::ISODate).toStdString() + "  " + hlsSensorName(granule.sensor) +
         "  " + granule.tile + "  " + cloud;
}

}  // namespace

int commandSearch(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("search"),
                  QStringLiteral("Find HLS v2.0 granules in a STAC API: NASA CMR-STAC (LP DAAC) by default, Microsoft "
                                 "Planetary Computer, or any STAC API. Prints one line per granule (id, date, sensor, "
                                 "tile, cloud %), or a JSON array with --json; follows every page. No login is needed "
                                 "to search."));
  cli.addOption({QStringLiteral("source")}, QStringLiteral("nasa (default), planetary, or a STAC API root URL"),
                QStringLiteral("source"), QStringLiteral("nasa"));
  cli.addOption({QStringLiteral("collections")},
                QStringLiteral("collections, comma-separated (default: nasa HLSL30_2.0,HLSS30_2.0; planetary "
                               "hls2-l30,hls2-s30)"),
                QStringLiteral("A,B"));
  cli.addOption({QStringLiteral("bbox")}, QStringLiteral("area as west,south,east,north in degrees"), QStringLiteral("W,S,E,N"));
  cli.addOption({QStringLiteral("tile")}, QStringLiteral("an MGRS tile (T13REN): its area, and only its granules"),
                QStringLiteral("tile"));
  cli.addOption({QStringLiteral("intersects")}, QStringLiteral("area as a GeoJSON polygon file in WGS 84"), QStringLiteral("file"));
  cli.addOption({QStringLiteral("start")}, QStringLiteral("first day, YYYY-MM-DD (UTC)"), QStringLiteral("date"));
  cli.addOption({QStringLiteral("end")}, QStringLiteral("last day, YYYY-MM-DD (UTC, included)"), QStringLiteral("date"));
  cli.addOption({QStringLiteral("max-cloud")}, QStringLiteral("at most this cloud cover, percent"), QStringLiteral("percent"));
  cli.addOption({QStringLiteral("limit")}, QStringLiteral("at most this many granules (default: all that match)"),
                QStringLiteral("N"));
  cli.addOption({QStringLiteral("header")}, QStringLiteral("an extra HTTP header for APIs that want one, 'Name: value' (repeatable)"),
                QStringLiteral("header"));
  cli.addJsonOption();
  if (auto code = cli.parse(arguments, 0, 0)) return *code;
  return runJob("search", false, [&](Feedback& feedback) {
    const StacSearchRequest request = requestFrom(cli);
    StacClient client(stacSource(cli.value(QStringLiteral("source")).toStdString()));
    for (const QString& header : cli.parser().values(QStringLiteral("header"))) {
      const qsizetype colon = header.indexOf(QLatin1Char(':'));
      if (colon <= 0) throwUsage("--header takes 'Name: value', not '" + header.toStdString() + "'");
      client.addHeader(header.left(colon).trimmed().toStdString(), header.mid(colon + 1).trimmed().toStdString());
    }
    // Retries and warnings as they happen: a search that waits on a busy service says why.
    feedback.setLogCallback([](const std::string& level, const std::string& text) {
      printError((level == "warning" ? "warning: " : "") + text);
    });
    const StacSearchResult result = client.search(request, &feedback);
    if (cli.json()) {
      QJsonArray granules;
      for (const StacGranule& granule : result.granules) granules.append(granuleJson(granule));
      printJson(granules);
    } else {
      for (const StacGranule& granule : result.granules) printLine(granuleLine(granule));
    }
    printError(std::to_string(result.granules.size()) + " granule(s) from " + client.source().rootUrl +
               (result.matched ? " (" + std::to_string(*result.matched) + " item(s) matched the area" +
                                     (request.tile.empty() ? ")" : "; granules of other tiles left out)")
                               : std::string()));
    return int(kOk);
  });
}

}  // namespace prithvi::cli
