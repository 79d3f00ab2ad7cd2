// prithvi fetch: HLS granules from a STAC API into a project, their files downloaded first.
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>
#include <set>

#include "app/cli/Cli.h"
#include "app/cli/Format.h"
#include "app/cli/SearchOptions.h"
#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/project/ProjectStore.h"
#include "core/stac/EarthdataToken.h"
#include "core/stac/GranuleFetch.h"
#include "core/stac/PlanetarySas.h"

namespace prithvi::cli {

int commandFetch(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("fetch"),
                  QStringLiteral("Add HLS v2.0 granules from a STAC API to a project: the same filters as 'prithvi search' "
                                 "(or --id); each granule's bands (Prithvi's six and Fmask, or --bands all) are added as "
                                 "streamed scenes read over HTTP when shown (--stream, the default), or downloaded into DIR "
                                 "(default: the project's folder, hls/) and imported (--download). Downloads run in "
                                 "parallel, resume after a dropped connection (and on a second run), are checked against "
                                 "the size the server gave and appear under their name only when complete. NASA's data "
                                 "needs an Earthdata token: EARTHDATA_TOKEN, --token-file, or the Earthdata login in ~/.netrc "
                                 "(streamed scenes read EARTHDATA_TOKEN when opened later); Planetary Computer's files are "
                                 "signed with their container's SAS token."));
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

    FetchOptions options;
    options.download = download;
    options.folder = folder.absolutePath().toStdString();
    options.allBands = bandSet == QLatin1String("all");
    options.parallel = int(cli.intValue(QStringLiteral("parallel"), 1, 16));
    options.retry = client.retryPolicy();
    // NASA's files only: Planetary Computer's are signed per container and need no login.
    const StacGranule& first = found.granules.front();
    if (!needsPlanetarySas(first.bandHrefs.at(bandsToFetch(first, options.allBands).front())))
      options.earthdataToken = earthdataToken(cli.value(QStringLiteral("token-file")).toStdString(), &feedback);
    const FetchReport fetched = fetchGranules(*store, found.granules, options, &feedback);
    const ImportReport& report = fetched.import;
    const DownloadSummary& summary = fetched.download;
    const std::set<std::string> added(report.addedSceneIds.begin(), report.addedSceneIds.end());
    const std::set<std::string> present(report.alreadyPresentSceneIds.begin(), report.alreadyPresentSceneIds.end());
    if (!cli.json())
      for (const std::string& id : fetched.switchedSceneIds) printLine(id + "  switched from streaming to the downloaded copy");
    QJsonArray granules;
    for (const StacGranule& granule : found.granules) {
      const bool isNew = added.count(granule.id) > 0;
      const char* state = isNew ? "added" : present.count(granule.id) ? "already in the project" : "not added (see the warnings)";
      if (!cli.json()) printLine(granule.id + "  " + state);
      granules.append(QJsonObject{{QStringLiteral("id"), QString::fromStdString(granule.id)}, {QStringLiteral("added"), isNew}});
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
                            {QStringLiteral("switched_to_download"), int(fetched.switchedSceneIds.size())},
                            {QStringLiteral("bytes"), double(summary.bytes)},
                            {QStringLiteral("mode"), download ? QStringLiteral("download") : QStringLiteral("stream")},
                            {QStringLiteral("folder"), download ? QJsonValue(folder.absolutePath()) : QJsonValue()}});
    return int(kOk);
  });
}

}  // namespace prithvi::cli
