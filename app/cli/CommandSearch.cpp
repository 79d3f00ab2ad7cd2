// prithvi search: HLS granules in a STAC API (NASA CMR-STAC by default), every page.
#include <QDate>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>

#include "app/cli/Cli.h"
#include "app/cli/Format.h"
#include "app/cli/SearchOptions.h"
#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/base/NumberText.h"
#include "core/stac/StacClient.h"

namespace prithvi::cli {

namespace {

QString qs(const std::string& text) { return QString::fromStdString(text); }

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
  addSearchOptions(cli);
  cli.addJsonOption();
  if (auto code = cli.parse(arguments, 0, 0)) return *code;
  return runJob("search", false, [&](Feedback& feedback) {
    const StacSearchRequest request = searchRequestFrom(cli);
    StacClient client = stacClientFrom(cli);
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
