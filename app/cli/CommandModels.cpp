// prithvi models (the registry: versions, aliases, promote, roll back, model cards, map
// provenance) and prithvi pipeline annual (labels -> dataset -> fine-tune -> gate -> annual map).
#include <QCoreApplication>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>

#include "app/cli/Cli.h"
#include "core/base/AtomicFile.h"
#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/base/JobEvents.h"
#include "core/project/ProjectStore.h"
#include "core/registry/AnnualMap.h"
#include "core/registry/ModelRegistry.h"
#include "training/engine/AnnualPipeline.h"
#include "training/engine/TaskPreset.h"

namespace prithvi::cli {

namespace {

QString q(const std::string& text) { return QString::fromStdString(text); }

std::string defaultPerson() { return qEnvironmentVariable("USER", QStringLiteral("unknown")).toStdString(); }

QJsonArray stringsJson(const std::vector<std::string>& items) {
  QJsonArray array;
  for (const std::string& item : items) array.append(q(item));
  return array;
}

QJsonObject moveJson(const AliasMove& move) {
  return QJsonObject{{"region", q(move.region)}, {"year", move.year},           {"alias", q(move.alias)},
                     {"from", double(move.from)}, {"to", double(move.to)},       {"at", move.at.toString(Qt::ISODate)},
                     {"person", q(move.person)}, {"reason", q(move.reason)}};
}

QJsonObject versionJson(ModelRegistry& registry, const ModelVersion& version) {
  QJsonObject metrics;
  for (const auto& [name, value] : version.metrics) metrics.insert(q(name), value);
  QJsonArray aliases;
  for (const AliasTarget& target : registry.aliases(version.region))
    if (target.version == version.id) aliases.append(q(target.alias + "/" + std::to_string(target.year)));
  QJsonArray sets;
  for (const LabelSetRef& set : version.lineage.labelSets)
    sets.append(QJsonObject{{"id", double(set.id)}, {"scene", q(set.sceneId)}, {"revision", double(set.revision)}});
  const ModelLineage& lineage = version.lineage;
  const QJsonObject lineageJson{{"dataset_path", q(lineage.datasetPath)},
                                {"dataset_hash", q(lineage.datasetHash)},
                                {"label_set_version", q(lineage.labelSetVersion)},
                                {"label_sets", sets},
                                {"validated_label_sets", double(lineage.validatedLabelSets)},
                                {"validated_pixels", double(lineage.validatedPixels)},
                                {"granules", stringsJson(lineage.granules)},
                                {"config", QJsonDocument::fromJson(QByteArray::fromStdString(lineage.configJson)).object()},
                                {"program_version", q(lineage.programVersion)},
                                {"parent_version", double(lineage.parentVersion)},
                                {"parent", q(lineage.parent)},
                                {"run_dir", q(lineage.runDir)}};
  return QJsonObject{{"version", double(version.id)},
                     {"region", q(version.region)},
                     {"year", version.year},
                     {"task", q(version.task)},
                     {"artifact", q(registry.artifactPath(version))},
                     {"sha256", q(version.sha256)},
                     {"bytes", double(version.bytes)},
                     {"created", version.created.toString(Qt::ISODate)},
                     {"created_by", q(version.createdBy)},
                     {"metrics", metrics},
                     {"aliases", aliases},
                     {"lineage", lineageJson},
                     {"note", q(version.note)}};
}

int64_t versionArgument(const CommandLine& cli, int index) {
  const QString text = cli.positional().value(index);
  bool ok = false;
  const qlonglong id = QString(text).remove(QRegularExpression(QStringLiteral("^v"))).toLongLong(&ok);
  if (!ok || id <= 0) throwUsage("a model version is a number such as 3 or v3, not '" + text.toStdString() + "'");
  return id;
}

// The region and year options shared by list, rollback and maps.
void addRegionOptions(CommandLine& cli) {
  cli.addOption({QStringLiteral("region")}, QStringLiteral("MGRS tile, e.g. T13REN"), QStringLiteral("tile"));
  cli.addOption({QStringLiteral("year")}, QStringLiteral("year"), QStringLiteral("yyyy"), QStringLiteral("0"));
}

// The region and year filters (empty and 0: all).
std::string regionOf(const CommandLine& cli) { return cli.value(QStringLiteral("region")).toStdString(); }
int yearOf(const CommandLine& cli) { return int(cli.intValue(QStringLiteral("year"), 0, 3000)); }

std::unique_ptr<ProjectStore> openProject(const CommandLine& cli) {
  auto project = ProjectStore::open(cli.positional().front().toStdString());
  printStoreWarnings(*project);
  return project;
}

std::string moveText(const AliasMove& move) {
  return move.alias + " of " + move.region + " " + std::to_string(move.year) + ": " +
         (move.from ? "v" + std::to_string(move.from) : std::string("none")) + " -> v" + std::to_string(move.to);
}

int modelsList(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("models list"), QStringLiteral("The project's model versions, newest first, with their aliases."));
  cli.addPositional(QStringLiteral("project"), QStringLiteral("the project (.gpkg)"));
  addRegionOptions(cli);
  cli.addJsonOption();
  if (auto code = cli.parse(arguments, 1, 1)) return *code;
  return runCommand([&] {
    auto project = openProject(cli);
    ModelRegistry registry(*project);
    const auto versions = registry.versions(regionOf(cli), yearOf(cli));
    if (cli.json()) {
      QJsonArray array;
      for (const ModelVersion& version : versions) array.append(versionJson(registry, version));
      printJson(QJsonObject{{"versions", array}});
      return int(kOk);
    }
    if (versions.empty()) printLine("no model versions yet (run 'prithvi pipeline annual')");
    for (const ModelVersion& version : versions) {
      std::string aliases;
      for (const AliasTarget& target : registry.aliases(version.region))
        if (target.version == version.id) aliases += " " + target.alias + "/" + std::to_string(target.year);
      const auto miou = version.metrics.find("test_miou");
      char line[300];
      std::snprintf(line, sizeof line, "v%-4lld %-6s %d  %-10s test mIoU %s  parent: %s%s%s", static_cast<long long>(version.id),
                    version.region.c_str(), version.year, version.task.c_str(),
                    miou == version.metrics.end() ? "-" : QString::number(miou->second, 'f', 4).toStdString().c_str(),
                    version.lineage.parent.c_str(), aliases.empty() ? "" : "  [", aliases.empty() ? "" : (aliases.substr(1) + "]").c_str());
      printLine(line);
    }
    return int(kOk);
  });
}

int modelsShow(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("models show"), QStringLiteral("One version: metrics, lineage and aliases (as its model card)."));
  cli.addPositional(QStringLiteral("project"), QStringLiteral("the project (.gpkg)"));
  cli.addPositional(QStringLiteral("version"), QStringLiteral("version number (3 or v3)"));
  cli.addJsonOption();
  if (auto code = cli.parse(arguments, 2, 2)) return *code;
  return runCommand([&] {
    auto project = openProject(cli);
    ModelRegistry registry(*project);
    const int64_t id = versionArgument(cli, 1);
    if (cli.json())
      printJson(versionJson(registry, registry.version(id)));
    else
      std::fputs(modelCardMarkdown(registry, id).c_str(), stdout);
    return int(kOk);
  });
}

int modelsPromote(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("models promote"),
                  QStringLiteral("Make a version the champion of its region and year (or move another alias with --alias)."));
  cli.addPositional(QStringLiteral("project"), QStringLiteral("the project (.gpkg)"));
  cli.addPositional(QStringLiteral("version"), QStringLiteral("version number (3 or v3)"));
  cli.addOption({QStringLiteral("alias")}, QStringLiteral("the alias to move"), QStringLiteral("name"), QStringLiteral("champion"));
  cli.addOption({QStringLiteral("year")}, QStringLiteral("the year of the alias (default: the version's)"), QStringLiteral("yyyy"), QStringLiteral("0"));
  cli.addOption({QStringLiteral("reason")}, QStringLiteral("why (kept in the alias history)"), QStringLiteral("text"));
  cli.addOption({QStringLiteral("by")}, QStringLiteral("who (default: $USER)"), QStringLiteral("name"));
  if (auto code = cli.parse(arguments, 2, 2)) return *code;
  return runCommand([&] {
    auto project = openProject(cli);
    ModelRegistry registry(*project);
    const ModelVersion version = registry.version(versionArgument(cli, 1));
    registry.verifiedArtifact(version.id);  // never point an alias at weights that do not check out
    const int year = int(cli.intValue(QStringLiteral("year"), 0, 3000));
    const AliasMove move = registry.setAlias(version.region, year ? year : version.year, cli.value(QStringLiteral("alias")).toStdString(),
                                             version.id, cli.isSet(QStringLiteral("by")) ? cli.value(QStringLiteral("by")).toStdString() : defaultPerson(),
                                             cli.value(QStringLiteral("reason")).toStdString());
    printLine(moveText(move));
    return int(kOk);
  });
}

int modelsRollback(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("models rollback"),
                  QStringLiteral("Move an alias (the champion by default) of a region and year back to where it pointed before "
                                 "its last move."));
  cli.addPositional(QStringLiteral("project"), QStringLiteral("the project (.gpkg)"));
  addRegionOptions(cli);
  cli.addOption({QStringLiteral("alias")}, QStringLiteral("the alias"), QStringLiteral("name"), QStringLiteral("champion"));
  cli.addOption({QStringLiteral("reason")}, QStringLiteral("why (kept in the alias history)"), QStringLiteral("text"));
  cli.addOption({QStringLiteral("by")}, QStringLiteral("who (default: $USER)"), QStringLiteral("name"));
  if (auto code = cli.parse(arguments, 1, 1)) return *code;
  return runCommand([&] {
    if (!cli.isSet(QStringLiteral("region")) || !cli.isSet(QStringLiteral("year"))) throwUsage("--region and --year are required");
    auto project = openProject(cli);
    ModelRegistry registry(*project);
    const AliasMove move = registry.rollBack(cli.value(QStringLiteral("region")).toStdString(),
                                             int(cli.intValue(QStringLiteral("year"), 1970, 2200)),
                                             cli.value(QStringLiteral("alias")).toStdString(),
                                             cli.isSet(QStringLiteral("by")) ? cli.value(QStringLiteral("by")).toStdString() : defaultPerson(),
                                             cli.value(QStringLiteral("reason")).toStdString());
    printLine(moveText(move));
    return int(kOk);
  });
}

int modelsHistory(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("models history"), QStringLiteral("Every alias move, oldest first."));
  cli.addPositional(QStringLiteral("project"), QStringLiteral("the project (.gpkg)"));
  addRegionOptions(cli);
  cli.addOption({QStringLiteral("alias")}, QStringLiteral("only this alias"), QStringLiteral("name"));
  cli.addJsonOption();
  if (auto code = cli.parse(arguments, 1, 1)) return *code;
  return runCommand([&] {
    auto project = openProject(cli);
    ModelRegistry registry(*project);
    const auto moves = registry.aliasHistory(regionOf(cli), yearOf(cli), cli.value(QStringLiteral("alias")).toStdString());
    if (cli.json()) {
      QJsonArray array;
      for (const AliasMove& move : moves) array.append(moveJson(move));
      printJson(QJsonObject{{"moves", array}});
      return int(kOk);
    }
    for (const AliasMove& move : moves)
      printLine(move.at.toString(Qt::ISODate).toStdString() + "  " + moveText(move) + "  by " + move.person +
                (move.reason.empty() ? "" : " (" + move.reason + ")"));
    return int(kOk);
  });
}

int modelsCard(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("models card"),
                  QStringLiteral("Write a version's model card (metrics, lineage, aliases, maps) as Markdown (.md) or HTML (.html)."));
  cli.addPositional(QStringLiteral("project"), QStringLiteral("the project (.gpkg)"));
  cli.addPositional(QStringLiteral("version"), QStringLiteral("version number (3 or v3)"));
  cli.addOption({QStringLiteral("out")}, QStringLiteral("the card to write: .md or .html"), QStringLiteral("file"));
  if (auto code = cli.parse(arguments, 2, 2)) return *code;
  return runCommand([&] {
    const QString out = cli.value(QStringLiteral("out"));
    const QString suffix = QFileInfo(out).suffix().toLower();
    if (out.isEmpty() || (suffix != QLatin1String("md") && suffix != QLatin1String("html")))
      throwUsage("--out takes a file ending in .md or .html");
    auto project = openProject(cli);
    ModelRegistry registry(*project);
    const int64_t id = versionArgument(cli, 1);
    const std::string text = suffix == QLatin1String("md") ? modelCardMarkdown(registry, id) : modelCardHtml(registry, id);
    writeFileAtomically(out.toStdString(), text);
    printLine("wrote " + out.toStdString());
    return int(kOk);
  });
}

int modelsVerify(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("models verify"),
                  QStringLiteral("Check every version's weights against its SHA-256 (exit code 3 when one is missing or differs)."));
  cli.addPositional(QStringLiteral("project"), QStringLiteral("the project (.gpkg)"));
  if (auto code = cli.parse(arguments, 1, 1)) return *code;
  return runCommand([&] {
    auto project = openProject(cli);
    ModelRegistry registry(*project);
    int bad = 0;
    for (const ModelVersion& version : registry.versions()) {
      try {
        registry.verifiedArtifact(version.id);
        printLine("v" + std::to_string(version.id) + " ok");
      } catch (const Error& error) {
        printError(error.what());
        ++bad;
      }
    }
    return bad ? int(kBadInput) : int(kOk);
  });
}

int modelsMaps(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("models maps"), QStringLiteral("The maps made with registered versions, with their provenance."));
  cli.addPositional(QStringLiteral("project"), QStringLiteral("the project (.gpkg)"));
  addRegionOptions(cli);
  cli.addJsonOption();
  if (auto code = cli.parse(arguments, 1, 1)) return *code;
  return runCommand([&] {
    auto project = openProject(cli);
    ModelRegistry registry(*project);
    QJsonArray array;
    for (const MapProduct& product : registry.mapProducts(regionOf(cli), yearOf(cli))) {
      array.append(QJsonObject{{"path", q(product.path)},
                               {"kind", q(product.kind)},
                               {"version", double(product.version)},
                               {"region", q(product.region)},
                               {"year", product.year},
                               {"granules", stringsJson(product.granules)},
                               {"fmask_policy", q(product.fmaskPolicy)},
                               {"label_set_version", q(product.labelSetVersion)},
                               {"created", product.created.toString(Qt::ISODate)}});
      if (!cli.json())
        printLine(product.path + "  v" + std::to_string(product.version) + "  " + product.region + " " + std::to_string(product.year) +
                  "  " + std::to_string(product.granules.size()) + " granules  labels " + product.labelSetVersion);
    }
    if (cli.json()) printJson(QJsonObject{{"maps", array}});
    return int(kOk);
  });
}

int modelsProvenance(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("models provenance"),
                  QStringLiteral("What an annual map says about one pixel, and the chain behind it: model version, granules, "
                                 "Fmask policy, label-set version, dataset."));
  cli.addPositional(QStringLiteral("map"), QStringLiteral("an annual map (GeoTIFF)"));
  cli.addOption({QStringLiteral("pixel")}, QStringLiteral("column and row"), QStringLiteral("x,y"));
  cli.addJsonOption();
  if (auto code = cli.parse(arguments, 1, 1)) return *code;
  return runCommand([&] {
    const QStringList xy = cli.value(QStringLiteral("pixel")).split(QLatin1Char(','));
    bool okX = false, okY = false;
    const int x = xy.value(0).toInt(&okX), y = xy.value(1).toInt(&okY);
    if (xy.size() != 2 || !okX || !okY) throwUsage("--pixel takes the column and row, e.g. --pixel 10,20");
    const PixelProvenance pixel = pixelProvenance(cli.positional().front().toStdString(), x, y);
    const MapProvenance& map = pixel.map;
    if (cli.json()) {
      printJson(QJsonObject{{"x", pixel.x},
                            {"y", pixel.y},
                            {"class", pixel.classValue},
                            {"class_name", q(pixel.className)},
                            {"observations", pixel.observations},
                            {"votes", pixel.votes},
                            {"product", q(map.product)},
                            {"model_version", double(map.modelVersion)},
                            {"model_sha256", q(map.modelSha256)},
                            {"model_alias", q(map.modelAlias)},
                            {"region", q(map.region)},
                            {"year", map.year},
                            {"granules", stringsJson(map.granules)},
                            {"fmask_policy", q(map.fmaskPolicy)},
                            {"label_set_version", q(map.labelSetVersion)},
                            {"dataset_hash", q(map.datasetHash)}});
      return int(kOk);
    }
    printLine("pixel " + std::to_string(x) + "," + std::to_string(y) + ": class " + std::to_string(pixel.classValue) +
              (pixel.className.empty() ? "" : " (" + pixel.className + ")") + ", " + std::to_string(pixel.votes) + " of " +
              std::to_string(pixel.observations) + " clear observations");
    printLine("model v" + std::to_string(map.modelVersion) + " (" + map.modelAlias + " " + map.region + " " + std::to_string(map.year) +
              ", sha256 " + map.modelSha256 + ")");
    printLine("labels " + map.labelSetVersion + ", dataset " + map.datasetHash);
    printLine("Fmask: " + map.fmaskPolicy);
    for (const std::string& granule : map.granules) printLine("  " + granule);
    return int(kOk);
  });
}

// --- prithvi pipeline annual ---------------------------------------------------------------

QJsonObject pipelineJson(const engine::AnnualPipelineResult& result) {
  QJsonArray sets;
  for (const LabelSetRef& set : result.labels.sets) sets.append(double(set.id));
  return QJsonObject{{"status", q(result.status)},
                     {"label_set_version", q(result.labels.version)},
                     {"label_sets", sets},
                     {"labelled_pixels", double(result.labels.labelledPixels)},
                     {"dataset", q(result.datasetPath)},
                     {"dataset_hash", q(result.datasetHash)},
                     {"parent", double(result.parent)},
                     {"incumbent", double(result.incumbent)},
                     {"challenger", double(result.challenger)},
                     {"champion", double(result.champion)},
                     {"challenger_score", result.challengerScore},
                     {"incumbent_score", result.incumbentScore},
                     {"promoted", result.promoted},
                     {"decision", q(result.decision)},
                     {"granules", stringsJson(result.granules)},
                     {"map", q(result.mapPath)},
                     {"voted_pixels", double(result.vote.votedPixels)},
                     {"mean_observations", result.vote.meanObservations}};
}

void printPipelineResult(const CommandLine& cli, const engine::AnnualPipelineResult& result) {
  if (cli.json()) {
    std::fputs(QJsonDocument(pipelineJson(result)).toJson(QJsonDocument::Compact).constData(), stdout);
    std::fputs("\n", stdout);
    std::fflush(stdout);
    return;
  }
  if (cli.jsonEvents()) return;
  if (result.status == "up_to_date") {
    printLine("up to date: " + result.decision + (result.champion ? "; champion v" + std::to_string(result.champion) : ""));
    return;
  }
  printLine("v" + std::to_string(result.challenger) + " trained on " + std::to_string(result.labels.sets.size()) +
            " validated label sets (" + result.labels.version + "); " + result.decision);
  printLine("champion: v" + std::to_string(result.champion));
  if (!result.mapPath.empty())
    printLine("annual map " + result.mapPath + ": " + std::to_string(result.vote.votedPixels) + " pixels voted over " +
              std::to_string(result.granules.size()) + "+ granules, " + QString::number(result.vote.meanObservations, 'f', 1).toStdString() +
              " clear observations per pixel on average");
}

int pipelineAnnual(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("pipeline annual"),
                  QStringLiteral("The annual model of a region: collect the year's validated labels, build the dataset, "
                                 "fine-tune from last year's champion (or --weights, or random initialisation), evaluate it and "
                                 "the champion on the held-out (test) split, register it as the year's challenger, promote it "
                                 "when it beats the champion by --margin, and vote the champion's class maps of the year's "
                                 "granules into the annual map (results/annual/). Nothing happens when the labels have not "
                                 "changed since the year's last version (--force trains anyway). --watch keeps running and "
                                 "retrains whenever the validated labels change."));
  cli.addPositional(QStringLiteral("project"), QStringLiteral("the project (.gpkg)"));
  cli.addOption({QStringLiteral("region")}, QStringLiteral("MGRS tile, e.g. T13REN"), QStringLiteral("tile"));
  cli.addOption({QStringLiteral("year")}, QStringLiteral("the year of the labels and granules"), QStringLiteral("yyyy"));
  cli.addOption({QStringLiteral("task")}, QStringLiteral("the label task"), QStringLiteral("task"), QStringLiteral("land_cover"));
  cli.addOption({QStringLiteral("margin")}, QStringLiteral("test mIoU the new model must gain over the champion to be promoted"),
                QStringLiteral("x"), QStringLiteral("0.01"));
  cli.addOption({QStringLiteral("force")}, QStringLiteral("train even when the labels did not change"));
  cli.addOption({QStringLiteral("no-maps")}, QStringLiteral("stop after registering (no class maps, no annual map)"));
  cli.addOption({QStringLiteral("watch")}, QStringLiteral("keep watching the validated labels and retrain when they change"));
  cli.addOption({QStringLiteral("interval")}, QStringLiteral("--watch: seconds between checks"), QStringLiteral("s"), QStringLiteral("60"));
  cli.addOption({QStringLiteral("by")}, QStringLiteral("who runs it (alias history; default: $USER)"), QStringLiteral("name"));
  addChipAndSplitOptions(cli);
  cli.addOption({QStringLiteral("window")}, QStringLiteral("inference window (default: the chip size)"), QStringLiteral("n"), QStringLiteral("0"));
  cli.addOption({QStringLiteral("overlap")}, QStringLiteral("inference window overlap"), QStringLiteral("f"), QStringLiteral("0.25"));
  cli.addOption({QStringLiteral("maps-backend")},
                QStringLiteral("make the class maps as a job array through this launch backend (local, ssh, slurm, k8s: a "
                               "Slurm job array, a Kubernetes Indexed Job), one task per granule; default: in this process"),
                QStringLiteral("backend"));
  cli.addOption({QStringLiteral("set")}, QStringLiteral("--maps-backend: a backend setting, key=value (see 'prithvi launch --help')"),
                QStringLiteral("key=value"));
  addTrainingHyperparameters(cli);
  cli.addJsonOption();
  cli.addEventsOption();
  if (auto code = cli.parse(arguments, 1, 1)) return *code;
  return runJob("pipeline annual", cli.jsonEvents(), [&](Feedback& feedback, JobEventWriter* events) {
    if (!cli.isSet(QStringLiteral("region")) || !cli.isSet(QStringLiteral("year"))) throwUsage("--region and --year are required");
    engine::AnnualPipelineOptions options;
    options.project = cli.positional().front().toStdString();
    options.region = cli.value(QStringLiteral("region")).toStdString();
    options.year = int(cli.intValue(QStringLiteral("year"), 1970, 2200));
    options.task = cli.value(QStringLiteral("task")).toStdString();
    options.margin = cli.doubleValue(QStringLiteral("margin"), -1, 1);
    options.force = cli.isSet(QStringLiteral("force"));
    options.skipMaps = cli.isSet(QStringLiteral("no-maps"));
    options.person = cli.isSet(QStringLiteral("by")) ? cli.value(QStringLiteral("by")).toStdString() : defaultPerson();
    // The task's preset (when there is one) sets the dataset and training defaults.
    const std::string preset =
        cli.isSet(QStringLiteral("preset")) ? cli.value(QStringLiteral("preset")).toStdString() : std::string();
    if (!preset.empty() || (options.task != "land_cover" && options.task != "cloud")) {
      const engine::TaskPreset loaded = engine::loadTaskPreset(preset.empty() ? options.task : preset);
      engine::applyPreset(loaded, options.dataset);
      engine::applyPreset(loaded, options.training);
    }
    readChipAndSplitOptions(cli, options.dataset);
    readTrainingHyperparameters(cli, options.training);
    options.dataset.seed = options.training.seed;
    options.weights = options.training.weights;
    options.inference.window = int(cli.intValue(QStringLiteral("window"), 0, 8192));
    options.inference.overlap = cli.doubleValue(QStringLiteral("overlap"), 0, 0.9);
    options.inference.device = options.training.device;
    options.inference.batch = std::max(1, options.training.batchSize);
    options.mapsBackend = cli.value(QStringLiteral("maps-backend")).toStdString();
    options.prithviProgram = QCoreApplication::applicationFilePath().toStdString();
    for (const QString& setting : cli.parser().values(QStringLiteral("set"))) {
      const int equals = int(setting.indexOf('='));
      if (equals <= 0) throwUsage("--set takes key=value, not '" + setting.toStdString() + "'");
      options.backendOptions[setting.left(equals).toStdString()] = setting.mid(equals + 1).toStdString();
    }
    if (cli.isSet(QStringLiteral("watch"))) {
      const double interval = cli.doubleValue(QStringLiteral("interval"), 0.1, 86400);
      engine::watchAnnualPipeline(options, interval, feedback,
                                  [&](const engine::AnnualPipelineResult& result) { printPipelineResult(cli, result); }, events);
      throw Error(ErrorKind::Canceled, "stopped watching");
    }
    printPipelineResult(cli, engine::runAnnualPipeline(options, &feedback, events));
    return int(kOk);
  });
}

int pipelineInferTask(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("pipeline infer-task"),
                  QStringLiteral("One task of the annual pipeline's class-map job array: the class map of one granule of the "
                                 "plan (skipped when it exists). The task index comes from --index or PRITHVI_TASK_INDEX."));
  cli.addOption({QStringLiteral("plan")}, QStringLiteral("the plan the pipeline wrote"), QStringLiteral("file"));
  cli.addOption({QStringLiteral("index")}, QStringLiteral("the task (default: $PRITHVI_TASK_INDEX)"), QStringLiteral("i"));
  cli.addEventsOption();
  if (auto code = cli.parse(arguments, 0, 0)) return *code;
  return runJob("pipeline infer-task", cli.jsonEvents(), [&](Feedback& feedback) {
    if (!cli.isSet(QStringLiteral("plan"))) throwUsage("--plan is required");
    bool ok = false;
    const int index = cli.isSet(QStringLiteral("index")) ? int(cli.intValue(QStringLiteral("index"), 0, 1000000))
                                                         : qEnvironmentVariable("PRITHVI_TASK_INDEX").toInt(&ok);
    if (!cli.isSet(QStringLiteral("index")) && !ok) throwUsage("give --index or run as a job array task (PRITHVI_TASK_INDEX)");
    engine::runClassMapTask(cli.value(QStringLiteral("plan")).toStdString(), index, &feedback);
    return int(kOk);
  });
}

}  // namespace

int commandModels(const QStringList& arguments) {
  static const std::vector<Action> kActions = {
      {"list", modelsList, "model versions with their aliases and test mIoU"},
      {"show", modelsShow, "one version: metrics, lineage, aliases"},
      {"promote", modelsPromote, "make a version its year's champion (or move another alias)"},
      {"rollback", modelsRollback, "move an alias back to where it pointed before"},
      {"history", modelsHistory, "every alias move"},
      {"card", modelsCard, "a version's model card as Markdown or HTML"},
      {"verify", modelsVerify, "check every version's weights against its SHA-256"},
      {"maps", modelsMaps, "maps made with registered versions"},
      {"provenance", modelsProvenance, "one pixel of an annual map and the chain behind it"},
  };
  return runAction("models", "models <action> PROJECT [VERSION] [options]", kActions, arguments);
}

int commandPipeline(const QStringList& arguments) {
  static const std::vector<Action> kActions = {
      {"annual", pipelineAnnual, "a region's model and map of one year (labels -> dataset -> fine-tune -> gate -> map)"},
      {"infer-task", pipelineInferTask, "one granule's class map, as a task of the pipeline's job array"},
  };
  return runAction("pipeline", "pipeline annual PROJECT --region TILE --year YYYY [options]", kActions, arguments);
}

}  // namespace prithvi::cli
