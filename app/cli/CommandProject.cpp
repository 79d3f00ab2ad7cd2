// prithvi project create, prithvi import, prithvi catalog
#include <algorithm>

#include <QJsonArray>
#include <QJsonObject>

#include "app/cli/Cli.h"
#include "app/cli/Format.h"
#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/project/Importer.h"
#include "core/project/ProjectStore.h"

namespace prithvi::cli {

namespace {
QString qs(const std::string& text) { return QString::fromStdString(text); }
}  // namespace

int commandProject(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("project"), QStringLiteral("Manage project files.\n  create FILE.gpkg   create an empty project"));
  cli.addPositional(QStringLiteral("action"), QStringLiteral("create"));
  cli.addPositional(QStringLiteral("file"), QStringLiteral("project file (*.gpkg)"));
  cli.addJsonOption();
  if (auto code = cli.parse(arguments, 2, 2)) return *code;
  const QStringList args = cli.positional();
  if (args[0] != QStringLiteral("create")) {
    printError("unknown action '" + args[0].toStdString() + "'; use 'prithvi project create FILE.gpkg'");
    return kUsage;
  }
  return runCommand([&] {
    const auto store = ProjectStore::create(args[1].toStdString());
    if (cli.json())
      printJson(QJsonObject{{QStringLiteral("path"), qs(store->path())},
                            {QStringLiteral("schema_version"), store->schemaVersion()}});
    else
      printLine("created " + store->path());
    printStoreWarnings(*store);
    return int(kOk);
  });
}

int commandImport(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("import"),
                  QStringLiteral("Import HLS granules, Landsat band files and rasters into a project. Folders are "
                                 "searched recursively; every file left out is reported with the reason."));
  cli.addPositional(QStringLiteral("project"), QStringLiteral("project file (*.gpkg)"));
  cli.addPositional(QStringLiteral("paths"), QStringLiteral("files or folders"), QStringLiteral("paths..."));
  cli.addOption({QStringLiteral("band-roles")},
                QStringLiteral("roles of the bands of plain rasters, in band order, e.g. Blue,Green,Red,NIR,SWIR1,SWIR2 "
                               "('-' for none)"),
                QStringLiteral("roles"));
  cli.addOption({QStringLiteral("no-recursive")}, QStringLiteral("do not search sub-folders"));
  cli.addJsonOption();
  cli.addEventsOption();
  if (auto code = cli.parse(arguments, 2)) return *code;
  QStringList args = cli.positional();
  const std::string projectPath = args.takeFirst().toStdString();
  std::vector<std::string> paths;
  for (const auto& path : args) paths.push_back(path.toStdString());
  return runJob("import", cli.jsonEvents(), [&](Feedback& feedback) {
    ScanOptions options;
    options.recursive = !cli.isSet(QStringLiteral("no-recursive"));
    if (cli.isSet(QStringLiteral("band-roles")))
      options.bandRoles = parseBandRoles(cli.value(QStringLiteral("band-roles")).toStdString());
    const auto store = ProjectStore::open(projectPath);
    printStoreWarnings(*store);
    const ImportReport report = importIntoProject(*store, paths, options, &feedback);
    if (cli.json()) {
      QJsonArray added, skipped, warnings;
      for (const auto& id : report.addedSceneIds) added.append(qs(id));
      for (const auto& file : report.skipped)
        skipped.append(QJsonObject{{QStringLiteral("path"), qs(file.path)},
                                   {QStringLiteral("reason"), qs(file.reason)},
                                   {QStringLiteral("failed"), file.failed}});
      for (const auto& warning : report.warnings) warnings.append(qs(warning));
      printJson(QJsonObject{{QStringLiteral("added"), added}, {QStringLiteral("skipped"), skipped},
                            {QStringLiteral("warnings"), warnings}});
    } else if (!cli.jsonEvents()) {
      for (const auto& file : report.skipped) printLine("skipped " + file.path + ": " + file.reason);
      for (const auto& warning : report.warnings) printLine("warning " + warning);
      printLine("imported " + std::to_string(report.addedSceneIds.size()) + " scene(s), skipped " +
                std::to_string(report.skipped.size()) + " file(s)");
    }
    const auto failed = std::find_if(report.skipped.begin(), report.skipped.end(),
                                     [](const SkippedFile& file) { return file.failed; });
    if (report.addedSceneIds.empty() && report.alreadyPresentSceneIds.empty())
      throwBadInput("nothing to import: no scene found in " + args.join(QStringLiteral(", ")).toStdString() +
                    (failed != report.skipped.end() ? " (" + failed->path + ": " + failed->reason + ")" : ""));
    if (failed != report.skipped.end()) {
      printError("some files could not be imported (listed above); the rest were imported");
      return int(kPartial);
    }
    return int(kOk);
  });
}

int commandCatalog(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("catalog"), QStringLiteral("List a project's tiles, dates and scenes."));
  cli.addPositional(QStringLiteral("project"), QStringLiteral("project file (*.gpkg)"));
  cli.addOption({QStringLiteral("tile")}, QStringLiteral("only this tile"), QStringLiteral("tile"));
  cli.addOption({QStringLiteral("sensor")}, QStringLiteral("only this sensor (L30, S30, LC08, ...)"), QStringLiteral("sensor"));
  cli.addOption({QStringLiteral("max-cloud")}, QStringLiteral("only scenes with at most this cloud cover (percent)"),
                QStringLiteral("percent"));
  cli.addJsonOption();
  if (auto code = cli.parse(arguments, 1, 1)) return *code;
  return runCommand([&] {
    const auto store = ProjectStore::open(cli.positional().front().toStdString());
    printStoreWarnings(*store);
    SceneFilter filter;
    filter.tile = cli.value(QStringLiteral("tile")).toStdString();
    if (!filter.tile.empty() && filter.tile[0] == 'T') filter.tile.erase(0, 1);
    filter.sensor = cli.value(QStringLiteral("sensor")).toStdString();
    if (cli.isSet(QStringLiteral("max-cloud"))) filter.maxCloudCoverPercent = double(cli.intValue(QStringLiteral("max-cloud"), 0, 100));
    const auto scenes = store->scenes(filter);
    const CatalogSummary summary = store->summary();
    if (cli.json()) {
      QJsonArray tiles, sensors, sceneArray;
      for (const auto& tile : summary.tiles)
        tiles.append(QJsonObject{{QStringLiteral("id"), qs(tile.id)},
                                 {QStringLiteral("epsg"), tile.epsg},
                                 {QStringLiteral("scenes"), tile.sceneCount},
                                 {QStringLiteral("dates"), tile.dateCount},
                                 {QStringLiteral("first"), qs(isoDate(tile.first))},
                                 {QStringLiteral("last"), qs(isoDate(tile.last))}});
      for (const auto& sensor : summary.sensors)
        sensors.append(QJsonObject{{QStringLiteral("code"), qs(sensor.code)},
                                   {QStringLiteral("name"), qs(sensor.name)},
                                   {QStringLiteral("scenes"), sensor.sceneCount}});
      for (const auto& scene : scenes) sceneArray.append(sceneJson(scene));
      printJson(QJsonObject{{QStringLiteral("project"), qs(store->path())},
                            {QStringLiteral("scene_count"), summary.sceneCount},
                            {QStringLiteral("tiles"), tiles},
                            {QStringLiteral("sensors"), sensors},
                            {QStringLiteral("scenes"), sceneArray}});
      return int(kOk);
    }
    printLine(store->path() + ": " + std::to_string(summary.sceneCount) + " scene(s)");
    for (const auto& tile : summary.tiles)
      printLine("tile " + (tile.id.empty() ? std::string("(none)") : tile.id) + ": " + std::to_string(tile.sceneCount) +
                " scene(s) on " + std::to_string(tile.dateCount) + " date(s)" +
                (tile.first.isValid() ? ", " + tile.first.date().toString(Qt::ISODate).toStdString() + " to " +
                                            tile.last.date().toString(Qt::ISODate).toStdString()
                                      : std::string()));
    printLine("");
    printLine("scene                                    sensor tile    date        size        cloud");
    for (const auto& scene : scenes) printLine(sceneLine(scene));
    return int(kOk);
  });
}

}  // namespace prithvi::cli
