// prithvi fetch: HLS granules from a STAC API into a project, their files downloaded first.
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QUrl>
#include <algorithm>
#include <map>
#include <set>

#include "app/cli/Cli.h"
#include "app/cli/Format.h"
#include "app/cli/SearchOptions.h"
#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/project/Importer.h"
#include "core/project/ProjectStore.h"
#include "core/raster/RemoteRasters.h"
#include "core/stac/Download.h"
#include "core/stac/EarthdataToken.h"

namespace prithvi::cli {

namespace {

QString qs(const std::string& text) { return QString::fromStdString(text); }

// The band codes to fetch of a granule: Prithvi's six bands and Fmask, or every band it has.
std::vector<std::string> bandsToFetch(const StacGranule& granule, bool all) {
  std::vector<std::string> codes;
  if (all) {
    for (const auto& [code, href] : granule.bandHrefs) codes.push_back(code);
    return codes;
  }
  for (BandRole role : kPrithviBands) codes.push_back(hlsBandCode(granule.sensor, role));
  codes.push_back("Fmask");
  return codes;
}

// The file a band's href becomes in `folder`: the href's own file name, which must be the
// granule's ("HLS.S30.T10TEK.2021122T185911.v2.0.B04.tif"); anything else is refused rather than
// written under a name the server chose.
std::string localPathFor(const StacGranule& granule, const std::string& code, const QDir& folder) {
  const auto href = granule.bandHrefs.find(code);
  if (href == granule.bandHrefs.end())
    throwBadInput("granule " + granule.id + " has no " + code + " asset; fetch it with --bands all or leave it out");
  const QString name = QFileInfo(QUrl(qs(href->second)).path()).fileName();
  if (!name.startsWith(qs(granule.id) + QLatin1Char('.')) || !name.endsWith(QLatin1String(".tif"), Qt::CaseInsensitive) ||
      name.contains(QLatin1Char('/')))
    throwBadInput("the " + code + " asset of " + granule.id + " is not a file of that granule: " + href->second);
  return folder.filePath(name).toStdString();
}

// One small request (the first byte) to a band file, with the token: a missing or refused
// Earthdata login fails here with what to do. Other failures are left to the import to report.
void checkDataAccess(const QUrl& url, const std::optional<std::string>& token, const RetryPolicy& retry, Feedback& feedback) {
  HttpRequest request;
  request.url = url;
  request.headers = {{"Range", "bytes=0-0"}, {"Accept", "*/*"}};
  request.hostOnlyHeaders = bearerHeaders(token);
  request.service = "the data host";
  request.refusedHint = earthdataRefusedHint(token.has_value());
  QNetworkAccessManager network;
  sendWithRetries(network, request, retry, &feedback);
}

}  // namespace

int commandFetch(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("fetch"),
                  QStringLiteral("Add HLS v2.0 granules from a STAC API to a project: the same filters as 'prithvi search' "
                                 "(or --id); each granule's bands (Prithvi's six and Fmask, or --bands all) are added as "
                                 "streamed scenes read over HTTP when shown (--stream, the default), or downloaded into DIR "
                                 "(default: the project's folder, hls/) and imported (--download). Downloads run in "
                                 "parallel, resume after a dropped connection (and on a second run), are checked against "
                                 "the size the server gave and appear under their name only when complete. NASA's data "
                                 "needs an Earthdata token: EARTHDATA_TOKEN or --token-file (streamed scenes read it from "
                                 "EARTHDATA_TOKEN when opened later)."));
  cli.addPositional(QStringLiteral("project"), QStringLiteral("the project (*.gpkg)"));
  cli.addPositional(QStringLiteral("dir"), QStringLiteral("with --download, where the files go (default: hls/ beside the project)"),
                    QStringLiteral("[dir]"));
  addSearchOptions(cli);
  cli.addOption({QStringLiteral("id")}, QStringLiteral("a granule id to fetch (repeatable), instead of an area"), QStringLiteral("id"));
  cli.addOption({QStringLiteral("stream")},
                QStringLiteral("add the granules as streamed scenes, read over HTTP when shown (the default)"));
  cli.addOption({QStringLiteral("download")}, QStringLiteral("download the files into DIR, then import them"));
  cli.addOption({QStringLiteral("bands")}, QStringLiteral("prithvi (the six bands and Fmask, default) or all"),
                QStringLiteral("set"), QStringLiteral("prithvi"));
  cli.addOption({QStringLiteral("token-file")}, QStringLiteral("a file whose first line is the Earthdata token"),
                QStringLiteral("file"));
  cli.addOption({QStringLiteral("parallel")}, QStringLiteral("files downloaded at once (1-16, default 4)"), QStringLiteral("N"),
                QStringLiteral("4"));
  cli.addJsonOption();
  cli.addEventsOption();
  if (auto code = cli.parse(arguments, 1, 2)) return *code;
  return runJob("fetch", cli.jsonEvents(), [&](Feedback& feedback) {
    const QString bandSet = cli.value(QStringLiteral("bands"));
    if (bandSet != QLatin1String("prithvi") && bandSet != QLatin1String("all"))
      throwUsage("--bands takes prithvi or all, not '" + bandSet.toStdString() + "'");
    const bool download = cli.isSet(QStringLiteral("download"));
    if (download && cli.isSet(QStringLiteral("stream"))) throwUsage("give --stream or --download, not both");
    if (!download && cli.positional().size() > 1) throwUsage("a folder is for --download; streamed granules are not stored");
    const QString projectPath = cli.positional().at(0);
    if (!QFileInfo::exists(projectPath)) throwUsage("no project at " + projectPath.toStdString() + "; create it with 'prithvi project create'");
    const auto store = ProjectStore::open(projectPath.toStdString());  // before any download: a bad project fails first
    const QDir folder(cli.positional().size() > 1 ? cli.positional().at(1)
                                                  : QFileInfo(projectPath).absoluteDir().filePath(QStringLiteral("hls")));
    if (download && !QDir().mkpath(folder.absolutePath()))
      throwUsage("cannot create the folder " + folder.absolutePath().toStdString());

    const StacSearchRequest request = searchRequestFrom(cli, cli.parser().values(QStringLiteral("id")));
    const StacClient client = stacClientFrom(cli);
    if (!cli.jsonEvents())
      feedback.setLogCallback([](const std::string& level, const std::string& text) {
        printError((level == "warning" ? "warning: " : "") + text);
      });
    const StacSearchResult found = client.search(request, &feedback);
    if (found.granules.empty()) {
      printError("no granule matched; nothing to fetch");
      if (cli.json()) printJson(QJsonObject{{QStringLiteral("granules"), QJsonArray()}});
      return int(kOk);
    }

    const std::optional<std::string> token = earthdataToken(cli.value(QStringLiteral("token-file")).toStdString());
    const bool allBands = bandSet == QLatin1String("all");
    DownloadSummary summary;
    std::vector<std::string> paths;
    if (download) {
      std::vector<DownloadItem> items;
      for (const StacGranule& granule : found.granules)
        for (const std::string& code : bandsToFetch(granule, allBands)) {
          items.push_back({QUrl(qs(granule.bandHrefs.at(code))), localPathFor(granule, code, folder)});
          paths.push_back(items.back().path);
        }
      DownloadOptions options;
      options.parallel = int(cli.intValue(QStringLiteral("parallel"), 1, 16));
      options.retry = client.retryPolicy();
      options.hostOnlyHeaders = bearerHeaders(token);
      options.refusedHint = earthdataRefusedHint(token.has_value());
      summary = downloadFiles(items, options, &feedback);
    } else {
      std::vector<std::string> hosts = defaultEarthdataHosts();
      for (const StacGranule& granule : found.granules)
        for (const std::string& code : bandsToFetch(granule, allBands)) {
          localPathFor(granule, code, folder);  // the same check of the asset's name
          const QUrl href(qs(granule.bandHrefs.at(code)));
          paths.push_back("/vsicurl/" + href.toString(QUrl::FullyEncoded).toStdString());
          hosts.push_back(urlHost(granule.bandHrefs.at(code)));
        }
      // One request first, so that a missing or refused login says so instead of every band
      // file failing to open.
      checkDataAccess(QUrl(qs(found.granules.front().bandHrefs.at(bandsToFetch(found.granules.front(), allBands).front()))),
                      token, client.retryPolicy(), feedback);
      setEarthdataCredentials(token, hosts);
    }
    // Every file of every granule is there (or answers): import them in one transaction.
    ScanOptions scan;
    scan.recursive = false;
    const ImportReport report = importIntoProject(*store, paths, scan, &feedback);
    const std::set<std::string> added(report.addedSceneIds.begin(), report.addedSceneIds.end());
    const std::set<std::string> present(report.alreadyPresentSceneIds.begin(), report.alreadyPresentSceneIds.end());
    // Granules the project streams switch to their downloaded copy (labels and all stay theirs).
    int switched = 0;
    if (download)
      for (const std::string& id : report.alreadyPresentSceneIds) {
        const std::optional<Scene> scene = store->scene(id);
        if (!scene) continue;
        std::map<std::string, std::string> local;
        for (const SceneBand& band : scene->bands) {
          if (!isRemoteRasterPath(band.path)) continue;
          const std::string copy = folder.filePath(QFileInfo(qs(band.path)).fileName()).toStdString();
          if (std::find(paths.begin(), paths.end(), copy) != paths.end()) local.emplace(band.path, copy);
        }
        if (local.empty()) continue;
        store->relinkBandFiles(id, local);
        ++switched;
        if (!cli.json()) printLine(id + "  switched from streaming to the downloaded copy");
      }
    QJsonArray granules;
    for (const StacGranule& granule : found.granules) {
      const bool isNew = added.count(granule.id) > 0;
      const char* state = isNew ? "added" : present.count(granule.id) ? "already in the project" : "not added (see the warnings)";
      if (!cli.json()) printLine(granule.id + "  " + state);
      granules.append(QJsonObject{{QStringLiteral("id"), qs(granule.id)}, {QStringLiteral("added"), isNew}});
    }
    for (const SkippedFile& skipped : report.skipped) printError("warning: " + skipped.path + ": " + skipped.reason);
    if (download)
      printError(std::to_string(report.addedSceneIds.size()) + " granule(s) added to " + projectPath.toStdString() + "; " +
                 std::to_string(summary.downloaded) + " file(s) downloaded (" + std::to_string(summary.bytes) + " bytes, " +
                 std::to_string(summary.resumed) + " resumed), " + std::to_string(summary.alreadyThere) +
                 " already there, in " + folder.absolutePath().toStdString());
    else
      printError(std::to_string(report.addedSceneIds.size()) + " granule(s) added to " + projectPath.toStdString() +
                 " as streamed scenes (read over HTTP when shown; --download keeps a copy)");
    if (cli.json())
      printJson(QJsonObject{{QStringLiteral("granules"), granules},
                            {QStringLiteral("downloaded"), summary.downloaded},
                            {QStringLiteral("already_there"), summary.alreadyThere},
                            {QStringLiteral("resumed"), summary.resumed},
                            {QStringLiteral("switched_to_download"), switched},
                            {QStringLiteral("bytes"), double(summary.bytes)},
                            {QStringLiteral("mode"), download ? QStringLiteral("download") : QStringLiteral("stream")},
                            {QStringLiteral("folder"), download ? QJsonValue(folder.absolutePath()) : QJsonValue()}});
    return int(kOk);
  });
}

}  // namespace prithvi::cli
