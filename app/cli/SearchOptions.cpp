// The search filters `prithvi search` and `prithvi fetch` share: one way to say which granules.
#include "app/cli/SearchOptions.h"

#include <QDate>
#include <QFile>

#include "core/base/Error.h"
#include "core/base/NumberText.h"

namespace prithvi::cli {

namespace {

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

}  // namespace

StacSearchRequest searchRequestFrom(const CommandLine& cli, const QStringList& ids) {
  const int areas = int(cli.isSet(QStringLiteral("bbox"))) + int(cli.isSet(QStringLiteral("tile"))) +
                    int(cli.isSet(QStringLiteral("intersects")));
  StacSearchRequest request;
  if (!ids.isEmpty()) {  // known granules: no area needed
    for (const QString& id : ids) request.ids.push_back(id.toStdString());
    if (areas > 1) throwUsage("give the area with at most one of --bbox, --tile and --intersects");
  } else if (areas != 1) {
    throwUsage("give the area with exactly one of --bbox, --tile and --intersects");
  }
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

void addSearchOptions(CommandLine& cli) {
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
}

StacClient stacClientFrom(const CommandLine& cli) {
  StacClient client(stacSource(cli.value(QStringLiteral("source")).toStdString()));
  for (const QString& header : cli.parser().values(QStringLiteral("header"))) {
    const qsizetype colon = header.indexOf(QLatin1Char(':'));
    if (colon <= 0) throwUsage("--header takes 'Name: value', not '" + header.toStdString() + "'");
    client.addHeader(header.left(colon).trimmed().toStdString(), header.mid(colon + 1).trimmed().toStdString());
  }
  return client;
}

}  // namespace prithvi::cli
