// prithvi fetch: HLS granules from a STAC API into a project, their files downloaded first.
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>
#include <QUrl>
#include <set>

#include "app/cli/Cli.h"
#include "app/cli/Format.h"
#include "app/cli/SearchOptions.h"
#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/project/Importer.h"
#include "core/project/ProjectStore.h"
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

}  // namespace

int commandFetch(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("fetch"),
                  QStringLiteral("Add HLS v2.0 granules from a STAC API to a project: the same filters as 'prithvi search' "
                                 "(or --id), then each granule's files are downloaded (Prithvi's six bands and Fmask, or "
                                 "--bands all) into DIR (default: the project's folder, hls/) and imported. Downloads run "
                                 "in parallel, resume after a dropped connection (and on a second run), are checked "
                                 "against the size the server gave and appear under their name only when complete. NASA's "
                                 "data needs an Earthdata token: EARTHDATA_TOKEN or --token-file."));
  cli.addPositional(QStringLiteral("project"), QStringLiteral("the project (*.gpkg)"));
  cli.addPositional(QStringLiteral("dir"), QStringLiteral("where the files go (default: hls/ beside the project)"), QStringLiteral("[dir]"));
  addSearchOptions(cli);
  cli.addOption({QStringLiteral("id")}, QStringLiteral("a granule id to fetch (repeatable), instead of an area"), QStringLiteral("id"));
  cli.addOption({QStringLiteral("download")}, QStringLiteral("download the files, then import them (the default, and so far the only mode: streaming is not built yet)"));
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
    const QString projectPath = cli.positional().at(0);
    if (!QFileInfo::exists(projectPath)) throwUsage("no project at " + projectPath.toStdString() + "; create it with 'prithvi project create'");
    const auto store = ProjectStore::open(projectPath.toStdString());  // before any download: a bad project fails first
    const QDir folder(cli.positional().size() > 1 ? cli.positional().at(1)
                                                  : QFileInfo(projectPath).absoluteDir().filePath(QStringLiteral("hls")));
    if (!QDir().mkpath(folder.absolutePath())) throwUsage("cannot create the folder " + folder.absolutePath().toStdString());

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

    std::vector<DownloadItem> items;
    std::vector<std::vector<std::string>> granuleFiles;
    for (const StacGranule& granule : found.granules) {
      granuleFiles.emplace_back();
      for (const std::string& code : bandsToFetch(granule, bandSet == QLatin1String("all"))) {
        const std::string path = localPathFor(granule, code, folder);
        items.push_back({QUrl(qs(granule.bandHrefs.at(code))), path});
        granuleFiles.back().push_back(path);
      }
    }
    const std::optional<std::string> token = earthdataToken(cli.value(QStringLiteral("token-file")).toStdString());
    DownloadOptions options;
    options.parallel = int(cli.intValue(QStringLiteral("parallel"), 1, 16));
    options.retry = client.retryPolicy();
    options.hostOnlyHeaders = bearerHeaders(token);
    options.refusedHint = earthdataRefusedHint(token.has_value());
    const DownloadSummary summary = downloadFiles(items, options, &feedback);

    // Every file of every granule is there: import them in one transaction.
    std::vector<std::string> paths;
    for (const auto& files : granuleFiles) paths.insert(paths.end(), files.begin(), files.end());
    ScanOptions scan;
    scan.recursive = false;
    const ImportReport report = importIntoProject(*store, paths, scan, &feedback);
    const std::set<std::string> added(report.addedSceneIds.begin(), report.addedSceneIds.end());
    QJsonArray granules;
    for (const StacGranule& granule : found.granules) {
      const bool isNew = added.count(granule.id) > 0;
      if (!cli.json()) printLine(granule.id + (isNew ? "  added" : "  already in the project"));
      granules.append(QJsonObject{{QStringLiteral("id"), qs(granule.id)}, {QStringLiteral("added"), isNew}});
    }
    for (const SkippedFile& skipped : report.skipped) printError("warning: " + skipped.path + ": " + skipped.reason);
    printError(std::to_string(report.addedSceneIds.size()) + " granule(s) added to " + projectPath.toStdString() + "; " +
               std::to_string(summary.downloaded) + " file(s) downloaded (" + std::to_string(summary.bytes) + " bytes, " +
               std::to_string(summary.resumed) + " resumed), " + std::to_string(summary.alreadyThere) +
               " already there, in " + folder.absolutePath().toStdString());
    if (cli.json())
      printJson(QJsonObject{{QStringLiteral("granules"), granules},
                            {QStringLiteral("downloaded"), summary.downloaded},
                            {QStringLiteral("already_there"), summary.alreadyThere},
                            {QStringLiteral("resumed"), summary.resumed},
                            {QStringLiteral("bytes"), double(summary.bytes)},
                            {QStringLiteral("folder"), folder.absolutePath()}});
    return int(kOk);
  });
}

}  // namespace prithvi::cli
