// prithvi labels: list, create, review, export, import, stats, schemes, scheme-save
#include <algorithm>

#include <QDate>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "app/cli/Cli.h"
#include "app/cli/Format.h"
#include "core/base/AtomicFile.h"
#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/base/JobEvents.h"
#include "core/base/NumberText.h"
#include "core/labels/ClassScheme.h"
#include "core/labels/LabelEditor.h"
#include "core/labels/LabelExchange.h"
#include "core/labels/LabelStore.h"
#include "core/project/ProjectStore.h"
#include "training/engine/LabelSuggestions.h"

namespace prithvi::cli {

namespace {

QString qs(const std::string& text) { return QString::fromStdString(text); }

// A project opened for one command, with its label store.
struct Project {
  std::unique_ptr<ProjectStore> store;
  std::unique_ptr<LabelStore> labels;
  explicit Project(const QString& path) : store(ProjectStore::open(path.toStdString())) {
    printStoreWarnings(*store);
    labels = std::make_unique<LabelStore>(*store);
  }
};

int64_t setIdOf(const QString& text) {
  bool ok = false;
  const qlonglong id = text.toLongLong(&ok);
  if (!ok || id <= 0) throwUsage("a label set is named by its id, a whole number, not '" + text.toStdString() + "'");
  return id;
}

std::vector<int64_t> setIdsOf(const QStringList& texts) {
  std::vector<int64_t> ids;
  for (const QString& text : texts) ids.push_back(setIdOf(text));
  return ids;
}

QJsonValue timeJson(const QDateTime& time) { return time.isValid() ? QJsonValue(qs(isoDate(time))) : QJsonValue(); }

QJsonObject labelSetJson(const LabelSet& set) {
  return QJsonObject{{QStringLiteral("id"), qint64(set.id)},
                     {QStringLiteral("scene_id"), qs(set.sceneId)},
                     {QStringLiteral("scheme"), qs(set.scheme)},
                     {QStringLiteral("state"), QString::fromLatin1(reviewStateName(set.state))},
                     {QStringLiteral("author"), qs(set.author)},
                     {QStringLiteral("reviewer"), qs(set.reviewer)},
                     {QStringLiteral("comment"), qs(set.comment)},
                     {QStringLiteral("label_date"), timeJson(set.labelDate)},
                     {QStringLiteral("created"), timeJson(set.created)},
                     {QStringLiteral("modified"), timeJson(set.modified)},
                     {QStringLiteral("revision"), qint64(set.revision)}};
}

QJsonObject schemeJson(const ClassScheme& scheme) {
  return QJsonDocument::fromJson(QByteArray::fromStdString(scheme.toJson())).object();
}

std::string dateText(const QDateTime& time) {
  return time.isValid() ? time.toUTC().date().toString(Qt::ISODate).toStdString() : std::string("-");
}

// --- the actions ------------------------------------------------------------------------------

int labelsList(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("labels list"), QStringLiteral("List a project's label sets."));
  cli.addPositional(QStringLiteral("project"), QStringLiteral("project file (*.gpkg)"));
  cli.addOption({QStringLiteral("state")}, QStringLiteral("only sets in this review state: draft, submitted, validated, rejected"),
                QStringLiteral("state"));
  cli.addOption({QStringLiteral("scene")}, QStringLiteral("only sets of this scene"), QStringLiteral("id"));
  cli.addOption({QStringLiteral("scheme")}, QStringLiteral("only sets of this class scheme"), QStringLiteral("name"));
  cli.addJsonOption();
  if (auto code = cli.parse(arguments, 1, 1)) return *code;
  return runCommand([&] {
    LabelSetFilter filter;
    if (cli.isSet(QStringLiteral("state"))) {
      filter.state = reviewStateFromName(cli.value(QStringLiteral("state")).toStdString());
      if (!filter.state) throwUsage("--state takes draft, submitted, validated or rejected");
    }
    filter.sceneId = cli.value(QStringLiteral("scene")).toStdString();
    filter.scheme = cli.value(QStringLiteral("scheme")).toStdString();
    Project project(cli.positional()[0]);
    const std::vector<LabelSet> sets = project.labels->labelSets(filter);
    if (cli.json()) {
      QJsonArray array;
      for (const LabelSet& set : sets) array.append(labelSetJson(set));
      printJson(array);
      return int(kOk);
    }
    printLine("id     scene                                    scheme       state      author       date        revision");
    for (const LabelSet& set : sets) {
      char line[512];
      std::snprintf(line, sizeof line, "%-6lld %-40s %-12s %-10s %-12s %-11s %lld", (long long)set.id, set.sceneId.c_str(),
                    set.scheme.c_str(), reviewStateName(set.state), set.author.c_str(), dateText(set.labelDate).c_str(),
                    (long long)set.revision);
      printLine(line);
    }
    return int(kOk);
  });
}

int labelsCreate(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("labels create"),
                  QStringLiteral("Create a draft label set of a scene under a class scheme; prints its id."));
  cli.addPositional(QStringLiteral("project"), QStringLiteral("project file (*.gpkg)"));
  cli.addOption({QStringLiteral("scene")}, QStringLiteral("scene id (see 'prithvi catalog')"), QStringLiteral("id"));
  cli.addOption({QStringLiteral("scheme")}, QStringLiteral("class scheme: a preset (flood, burn_scars, crop, cloud, land_cover) or one saved in the project"),
                QStringLiteral("name"));
  cli.addOption({QStringLiteral("author")}, QStringLiteral("who labels it"), QStringLiteral("name"));
  cli.addOption({QStringLiteral("date")}, QStringLiteral("the date the labels describe, YYYY-MM-DD (default: the scene's acquisition)"),
                QStringLiteral("date"));
  cli.addJsonOption();
  if (auto code = cli.parse(arguments, 1, 1)) return *code;
  return runCommand([&] {
    for (const char* required : {"scene", "scheme", "author"})
      if (!cli.isSet(QLatin1String(required))) throwUsage(std::string("--") + required + " is required (see 'prithvi labels create --help')");
    QDateTime date;
    if (cli.isSet(QStringLiteral("date"))) {
      const QDate day = QDate::fromString(cli.value(QStringLiteral("date")), Qt::ISODate);
      if (!day.isValid()) throwUsage("--date takes a date as YYYY-MM-DD, not '" + cli.value(QStringLiteral("date")).toStdString() + "'");
      date = QDateTime(day, QTime(0, 0), Qt::UTC);
    }
    Project project(cli.positional()[0]);
    const int64_t id = project.labels->createLabelSet(cli.value(QStringLiteral("scene")).toStdString(),
                                                      cli.value(QStringLiteral("scheme")).toStdString(),
                                                      cli.value(QStringLiteral("author")).toStdString(), date);
    if (cli.json())
      printJson(labelSetJson(project.labels->labelSet(id)));
    else
      printLine(std::to_string(id));
    return int(kOk);
  });
}

int labelsReview(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("labels review"),
                  QStringLiteral("Move a label set along the review workflow:\n"
                                 "  draft/rejected --submit--> submitted --validate--> validated\n"
                                 "  submitted --reject--> rejected (needs --comment)\n"
                                 "  submitted/validated/rejected --reopen--> draft"));
  cli.addPositional(QStringLiteral("project"), QStringLiteral("project file (*.gpkg)"));
  cli.addPositional(QStringLiteral("set"), QStringLiteral("label set id"));
  cli.addPositional(QStringLiteral("action"), QStringLiteral("submit, validate, reject or reopen"));
  cli.addOption({QStringLiteral("person")}, QStringLiteral("who reviews (or submits)"), QStringLiteral("name"));
  cli.addOption({QStringLiteral("comment")}, QStringLiteral("why; required to reject"), QStringLiteral("text"));
  cli.addJsonOption();
  if (auto code = cli.parse(arguments, 3, 3)) return *code;
  return runCommand([&] {
    const int64_t id = setIdOf(cli.positional()[1]);
    const std::optional<ReviewAction> action = reviewActionFromName(cli.positional()[2].toStdString());
    if (!action)
      throwUsage("unknown review action '" + cli.positional()[2].toStdString() + "'; use submit, validate, reject or reopen");
    if (!cli.isSet(QStringLiteral("person"))) throwUsage("--person is required: who makes this review?");
    Project project(cli.positional()[0]);
    const LabelSet set = project.labels->review(id, *action, cli.value(QStringLiteral("person")).toStdString(),
                                                cli.value(QStringLiteral("comment")).toStdString());
    if (cli.json())
      printJson(labelSetJson(set));
    else
      printLine("label set " + std::to_string(id) + " is " + reviewStateName(set.state));
    return int(kOk);
  });
}

int labelsExport(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("labels export"),
                  QStringLiteral("Export label sets, one of:\n"
                                 "  --mask OUT.tif     the composed label raster of ONE set on its scene's grid (COG)\n"
                                 "  --gpkg OUT.gpkg    a new GeoPackage of the sets' polygons, one layer per CRS; brush and\n"
                                 "                     mask edits are pixels: --polygonize exports the composed raster instead\n"
                                 "  --chips DIR        training chips: image and mask GeoTIFFs per window, indexed by chips.csv"));
  cli.addPositional(QStringLiteral("project"), QStringLiteral("project file (*.gpkg)"));
  cli.addPositional(QStringLiteral("sets"), QStringLiteral("label set ids"), QStringLiteral("set..."));
  cli.addOption({QStringLiteral("mask")}, QStringLiteral("write the label mask GeoTIFF"), QStringLiteral("file"));
  cli.addOption({QStringLiteral("gpkg")}, QStringLiteral("write a new GeoPackage of polygons"), QStringLiteral("file"));
  cli.addOption({QStringLiteral("polygonize")}, QStringLiteral("with --gpkg: polygonise the composed labels (everything, pixel-edged)"));
  cli.addOption({QStringLiteral("chips")}, QStringLiteral("write training chips to this folder"), QStringLiteral("dir"));
  cli.addOption({QStringLiteral("size")}, QStringLiteral("chip size in pixels"), QStringLiteral("n"), QStringLiteral("224"));
  cli.addOption({QStringLiteral("stride")}, QStringLiteral("pixels between chips (default: the size)"), QStringLiteral("n"));
  cli.addOption({QStringLiteral("min-labelled")}, QStringLiteral("leave out chips with a smaller labelled share, 0..1"),
                QStringLiteral("f"), QStringLiteral("0"));
  cli.addOption({QStringLiteral("no-cog")}, QStringLiteral("with --mask: a tiled GeoTIFF rather than a COG"));
  cli.addJsonOption();
  cli.addEventsOption();
  if (auto code = cli.parse(arguments, 2)) return *code;
  const int targets = int(cli.isSet(QStringLiteral("mask"))) + int(cli.isSet(QStringLiteral("gpkg"))) +
                      int(cli.isSet(QStringLiteral("chips")));
  if (targets != 1) {
    printError("give one of --mask, --gpkg or --chips (see 'prithvi labels export --help')");
    return kUsage;
  }
  QStringList args = cli.positional();
  const QString projectPath = args.takeFirst();
  return runJob("labels export", cli.jsonEvents(), [&](Feedback& feedback) {
    const std::vector<int64_t> ids = setIdsOf(args);
    Project project(projectPath);
    QJsonObject report;
    std::vector<std::string> lines;
    if (cli.isSet(QStringLiteral("mask"))) {
      if (ids.size() != 1) throwUsage("--mask writes one label set; name exactly one");
      const std::string out = cli.value(QStringLiteral("mask")).toStdString();
      MaskExportOptions options;
      options.cog = !cli.isSet(QStringLiteral("no-cog"));
      exportLabelMask(*project.labels, ids.front(), out, options, &feedback);
      report = {{QStringLiteral("mask"), qs(out)}, {QStringLiteral("label_set_id"), qint64(ids.front())}};
      lines.push_back("wrote " + out);
    } else if (cli.isSet(QStringLiteral("gpkg"))) {
      const std::string out = cli.value(QStringLiteral("gpkg")).toStdString();
      PolygonExportOptions options;
      options.polygonize = cli.isSet(QStringLiteral("polygonize"));
      const PolygonExportResult result = exportLabelPolygons(*project.labels, ids, out, options, &feedback);
      QJsonArray layers, pixelSets;
      for (const auto& layer : result.layers) {
        layers.append(QJsonObject{{QStringLiteral("name"), qs(layer.name)},
                                  {QStringLiteral("epsg"), layer.epsg},
                                  {QStringLiteral("features"), qint64(layer.features)}});
        lines.push_back("layer " + layer.name + ": " + std::to_string(layer.features) + " feature(s)");
      }
      for (int64_t id : result.setsWithPixelEdits) {
        pixelSets.append(qint64(id));
        lines.push_back("note: label set " + std::to_string(id) +
                        " has brush or mask edits, which are not polygons: add --polygonize to export them too");
      }
      report = {{QStringLiteral("gpkg"), qs(out)},
                {QStringLiteral("layers"), layers},
                {QStringLiteral("features"), qint64(result.features)},
                {QStringLiteral("sets_with_pixel_edits"), pixelSets}};
      lines.push_back("wrote " + std::to_string(result.features) + " feature(s) to " + out);
    } else {
      ChipExportOptions options;
      options.chipSize = int(cli.intValue(QStringLiteral("size"), 1, 8192));
      if (cli.isSet(QStringLiteral("stride"))) options.stride = int(cli.intValue(QStringLiteral("stride"), 1, 8192));
      bool ok = false;
      options.minLabelledFraction = cli.value(QStringLiteral("min-labelled")).toDouble(&ok);
      if (!ok || options.minLabelledFraction < 0 || options.minLabelledFraction > 1)
        throwUsage("--min-labelled takes a fraction from 0 to 1, not '" + cli.value(QStringLiteral("min-labelled")).toStdString() + "'");
      const std::string out = cli.value(QStringLiteral("chips")).toStdString();
      const ChipExportResult result = exportTrainingChips(*project.labels, ids, out, options, &feedback);
      report = {{QStringLiteral("chips"), qint64(result.chips)},
                {QStringLiteral("windows_skipped"), qint64(result.windowsSkipped)},
                {QStringLiteral("index"), qs(result.indexPath)}};
      lines.push_back("wrote " + std::to_string(result.chips) + " chip(s), left out " +
                      std::to_string(result.windowsSkipped) + " window(s) with too few labels; index " + result.indexPath);
    }
    if (cli.json())
      printJson(report);
    else if (!cli.jsonEvents())
      for (const std::string& line : lines) printLine(line);
    return int(kOk);
  });
}

int labelsImport(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("labels import"),
                  QStringLiteral("Import labels into a draft label set as one undoable edit, from one of:\n"
                                 "  --mask FILE     a class raster in any CRS (warped to the scene grid, nearest neighbour;\n"
                                 "                  nodata and the scheme's ignore value leave labels unchanged)\n"
                                 "  --vector FILE   polygons in any vector format and CRS (clipped to the scene)"));
  cli.addPositional(QStringLiteral("project"), QStringLiteral("project file (*.gpkg)"));
  cli.addOption({QStringLiteral("set")}, QStringLiteral("label set id"), QStringLiteral("id"));
  cli.addOption({QStringLiteral("mask")}, QStringLiteral("class raster"), QStringLiteral("file"));
  cli.addOption({QStringLiteral("band")}, QStringLiteral("with --mask: the band holding the classes"), QStringLiteral("n"),
                QStringLiteral("1"));
  cli.addOption({QStringLiteral("keep")}, QStringLiteral("with --mask: a value that leaves labels unchanged (repeatable)"),
                QStringLiteral("value"));
  cli.addOption({QStringLiteral("vector")}, QStringLiteral("vector file"), QStringLiteral("file"));
  cli.addOption({QStringLiteral("layer")}, QStringLiteral("with --vector: the layer (default: the first)"), QStringLiteral("name"));
  cli.addOption({QStringLiteral("class-field")},
                QStringLiteral("with --vector: the field holding class values or class names"), QStringLiteral("field"),
                QStringLiteral("class_value"));
  cli.addOption({QStringLiteral("assume-crs")},
                QStringLiteral("with --vector: the CRS of a file that declares none, e.g. EPSG:4326"), QStringLiteral("crs"));
  cli.addJsonOption();
  cli.addEventsOption();
  if (auto code = cli.parse(arguments, 1, 1)) return *code;
  if (cli.isSet(QStringLiteral("mask")) == cli.isSet(QStringLiteral("vector"))) {
    printError("give one of --mask or --vector (see 'prithvi labels import --help')");
    return kUsage;
  }
  if (!cli.isSet(QStringLiteral("set"))) {
    printError("--set is required: the label set to import into");
    return kUsage;
  }
  return runJob("labels import", cli.jsonEvents(), [&](Feedback& feedback) {
    const int64_t id = setIdOf(cli.value(QStringLiteral("set")));
    Project project(cli.positional()[0]);
    LabelEditor editor(*project.labels, id);
    QJsonObject report{{QStringLiteral("label_set_id"), qint64(id)}};
    std::vector<std::string> lines;
    // The editor holds the composed raster: counting there costs no second rasterisation.
    auto labelledPixels = [&] {
      const uint8_t ignore = uint8_t(editor.scheme().ignoreValue);
      return qint64(std::count_if(editor.raster().begin(), editor.raster().end(), [&](uint8_t v) { return v != ignore; }));
    };
    report[QStringLiteral("labelled_pixels_before")] = labelledPixels();
    if (cli.isSet(QStringLiteral("mask"))) {
      MaskImportOptions options;
      options.band = int(cli.intValue(QStringLiteral("band"), 1, 65535));
      for (const QString& text : cli.parser().values(QStringLiteral("keep"))) {
        bool ok = false;
        options.keepValues.push_back(text.toDouble(&ok));
        if (!ok) throwUsage("--keep takes a number, not '" + text.toStdString() + "'");
      }
      const MaskImportResult result = importLabelMask(editor, cli.value(QStringLiteral("mask")).toStdString(), options, &feedback);
      QJsonObject perClass;
      int64_t labelled = 0;
      for (const auto& [value, count] : result.pixelsPerValue) {
        perClass[QString::number(value)] = qint64(count);
        labelled += count;
      }
      report[QStringLiteral("pixels_per_class")] = perClass;
      report[QStringLiteral("kept_pixels")] = qint64(result.keptPixels);
      report[QStringLiteral("window")] = QJsonArray{result.window.x, result.window.y, result.window.width, result.window.height};
      lines.push_back("labelled " + std::to_string(labelled) + " pixel(s), left " + std::to_string(result.keptPixels) +
                      " unchanged");
    } else {
      VectorImportOptions options;
      options.layer = cli.value(QStringLiteral("layer")).toStdString();
      options.classField = cli.value(QStringLiteral("class-field")).toStdString();
      options.assumeCrs = cli.value(QStringLiteral("assume-crs")).toStdString();
      const VectorImportResult result =
          importLabelVectors(editor, cli.value(QStringLiteral("vector")).toStdString(), options, &feedback);
      QJsonArray skipped;
      for (const SkippedFeature& feature : result.skipped) {
        skipped.append(QJsonObject{{QStringLiteral("fid"), qint64(feature.fid)}, {QStringLiteral("reason"), qs(feature.reason)}});
        lines.push_back("skipped feature " + std::to_string(feature.fid) + ": " + feature.reason);
      }
      report[QStringLiteral("layer")] = qs(result.layer);
      report[QStringLiteral("features")] = qint64(result.features);
      report[QStringLiteral("polygons")] = qint64(result.polygons);
      report[QStringLiteral("clipped")] = qint64(result.clipped);
      report[QStringLiteral("outside")] = qint64(result.outside);
      report[QStringLiteral("skipped")] = skipped;
      lines.push_back("added " + std::to_string(result.polygons) + " polygon(s) from " + std::to_string(result.features) +
                      " feature(s) of layer " + result.layer + " (" + std::to_string(result.clipped) +
                      " clipped at the scene's edge, " + std::to_string(result.outside) + " outside it)");
    }
    report[QStringLiteral("labelled_pixels")] = labelledPixels();
    if (cli.json())
      printJson(report);
    else if (!cli.jsonEvents())
      for (const std::string& line : lines) printLine(line);
    return int(kOk);
  });
}

int labelsStats(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("labels stats"),
                  QStringLiteral("Review state, author and labelled pixels per class of label sets (all when none named)."));
  cli.addPositional(QStringLiteral("project"), QStringLiteral("project file (*.gpkg)"));
  cli.addPositional(QStringLiteral("sets"), QStringLiteral("label set ids"), QStringLiteral("[set...]"));
  cli.addJsonOption();
  if (auto code = cli.parse(arguments, 1)) return *code;
  return runCommand([&] {
    QStringList args = cli.positional();
    Project project(args.takeFirst());
    std::vector<LabelSet> sets;
    if (args.isEmpty())
      sets = project.labels->labelSets();
    else
      for (int64_t id : setIdsOf(args)) sets.push_back(project.labels->labelSet(id));
    QJsonArray array;
    for (const LabelSet& set : sets) {
      const ClassScheme scheme = project.labels->scheme(set.scheme);
      const LabelStats stats = project.labels->stats(set.id);
      const double fraction = stats.totalPixels ? double(stats.labelledPixels) / double(stats.totalPixels) : 0.0;
      QJsonObject classes;
      std::string perClass;
      for (const LabelClass& labelClass : scheme.classes) {
        const auto found = stats.pixelsPerValue.find(labelClass.value);
        const int64_t pixels = found == stats.pixelsPerValue.end() ? 0 : found->second;
        classes[qs(labelClass.name)] = qint64(pixels);
        perClass += "\n  " + std::to_string(labelClass.value) + " " + labelClass.name + ": " + std::to_string(pixels);
      }
      QJsonObject object = labelSetJson(set);
      object[QStringLiteral("pixels_per_class")] = classes;
      object[QStringLiteral("labelled_pixels")] = qint64(stats.labelledPixels);
      object[QStringLiteral("total_pixels")] = qint64(stats.totalPixels);
      object[QStringLiteral("labelled_fraction")] = fraction;
      object[QStringLiteral("polygons")] = qint64(stats.polygonCount);
      object[QStringLiteral("mask_tiles")] = qint64(stats.maskTileCount);
      array.append(object);
      if (!cli.json()) {
        char share[32];
        std::snprintf(share, sizeof share, "%.2f%%", fraction * 100);
        printLine("label set " + std::to_string(set.id) + " (" + set.sceneId + ", " + set.scheme + "): " +
                  reviewStateName(set.state) + ", by " + set.author + ", " + std::to_string(stats.labelledPixels) + " of " +
                  std::to_string(stats.totalPixels) + " pixels labelled (" + share + "), " +
                  std::to_string(stats.polygonCount) + " polygon(s)" + perClass);
      }
    }
    if (cli.json()) printJson(array);
    return int(kOk);
  });
}

int labelsSchemes(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("labels schemes"),
                  QStringLiteral("The class schemes a project offers: those saved in it, then the presets."));
  cli.addPositional(QStringLiteral("project"), QStringLiteral("project file (*.gpkg)"));
  cli.addJsonOption();
  if (auto code = cli.parse(arguments, 1, 1)) return *code;
  return runCommand([&] {
    Project project(cli.positional()[0]);
    QJsonArray array;
    for (const ClassScheme& scheme : project.labels->schemes()) {
      array.append(schemeJson(scheme));
      if (cli.json()) continue;
      std::string classes;
      for (const LabelClass& labelClass : scheme.classes)
        classes += (classes.empty() ? "" : ", ") + std::to_string(labelClass.value) + " " + labelClass.name;
      printLine(scheme.name + " (" + scheme.task + "): " + classes + "; ignore " + std::to_string(scheme.ignoreValue));
    }
    if (cli.json()) printJson(array);
    return int(kOk);
  });
}

int labelsSchemeSave(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("labels scheme-save"),
                  QStringLiteral("Save a class scheme (JSON, as 'labels schemes --json' prints one) in a project, "
                                 "replacing the one of that name. Class values still used by label sets must stay."));
  cli.addPositional(QStringLiteral("project"), QStringLiteral("project file (*.gpkg)"));
  cli.addPositional(QStringLiteral("file"), QStringLiteral("scheme file (*.json)"));
  if (auto code = cli.parse(arguments, 2, 2)) return *code;
  return runCommand([&] {
    QFile file(cli.positional()[1]);
    if (!file.open(QIODevice::ReadOnly))
      throwBadInput("cannot read " + cli.positional()[1].toStdString() + ": " + file.errorString().toStdString());
    const ClassScheme scheme = ClassScheme::fromJson(file.readAll().toStdString());
    Project project(cli.positional()[0]);
    project.labels->saveScheme(scheme);
    printLine("saved class scheme '" + scheme.name + "'");
    return int(kOk);
  });
}

int labelsSuggest(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("labels suggest"),
                  QStringLiteral("Where to label next: the chips of the project's scenes the model is least sure about "
                                 "(mean entropy of its class probabilities), spread over what the scenes hold (greedy "
                                 "k-centre in Prithvi embedding space), never a chip a label set already covers. One line "
                                 "per chip, best first: rank, scene, x,y,w,h pixels, mean entropy, mean top-2 margin."));
  cli.addPositional(QStringLiteral("project"), QStringLiteral("project file (*.gpkg)"));
  cli.addOption({QStringLiteral("model")}, QStringLiteral("a segmentation checkpoint (a run's checkpoints/best.safetensors)"),
                QStringLiteral("file"));
  cli.addOption({QStringLiteral("count")}, QStringLiteral("how many chips"), QStringLiteral("n"), QStringLiteral("10"));
  cli.addOption({QStringLiteral("scene")}, QStringLiteral("only this scene (repeat for more; default: every scene)"),
                QStringLiteral("id"));
  cli.addOption({QStringLiteral("chip")}, QStringLiteral("chip size in pixels (default: the model's training chip)"),
                QStringLiteral("px"), QStringLiteral("0"));
  cli.addOption({QStringLiteral("pool")},
                QStringLiteral("pick among this many times --count of the most uncertain chips (1: by uncertainty alone)"),
                QStringLiteral("k"), QStringLiteral("4"));
  cli.addOption({QStringLiteral("out")}, QStringLiteral("also write the suggestions as JSON to this file (what the window reads)"),
                QStringLiteral("file.json"));
  cli.addJsonOption();
  cli.addEventsOption();
  if (auto code = cli.parse(arguments, 1, 1)) return *code;
  return runJob("labels suggest", cli.jsonEvents(), [&](Feedback& feedback, JobEventWriter* events) {
    if (!cli.isSet(QStringLiteral("model"))) throwUsage("--model FILE is required");
    engine::SuggestOptions options;
    options.count = int(cli.intValue(QStringLiteral("count"), 1, 100000));
    options.chip = int(cli.intValue(QStringLiteral("chip"), 0, 100000));
    options.poolFactor = int(cli.intValue(QStringLiteral("pool"), 1, 1000));
    for (const QString& id : cli.parser().values(QStringLiteral("scene"))) options.sceneIds.push_back(id.toStdString());
    Project project(cli.positional()[0]);
    const auto suggestions =
        engine::suggestChips(cli.value(QStringLiteral("model")).toStdString(), *project.store, options, &feedback);
    QJsonArray array;
    for (const engine::ChipSuggestion& s : suggestions)
      array.append(QJsonObject{{QStringLiteral("rank"), s.rank}, {QStringLiteral("scene"), QString::fromStdString(s.sceneId)},
                               {QStringLiteral("x"), s.chip.x}, {QStringLiteral("y"), s.chip.y},
                               {QStringLiteral("width"), s.chip.width}, {QStringLiteral("height"), s.chip.height},
                               {QStringLiteral("entropy"), s.entropy}, {QStringLiteral("margin"), s.margin}});
    if (cli.isSet(QStringLiteral("out"))) {
      const std::string out = cli.value(QStringLiteral("out")).toStdString();
      writeFileAtomically(out, QJsonDocument(array).toJson().toStdString());
      if (events) events->artifact(out, "label_suggestions");
    }
    if (cli.json()) {
      printJson(array);
    } else if (!cli.jsonEvents()) {
      for (const engine::ChipSuggestion& s : suggestions)
        printLine(std::to_string(s.rank) + " " + s.sceneId + " " + std::to_string(s.chip.x) + "," + std::to_string(s.chip.y) +
                  "," + std::to_string(s.chip.width) + "," + std::to_string(s.chip.height) + " " + fixedNumberText(s.entropy, 4) +
                  " " + fixedNumberText(s.margin, 4));
    }
    return int(kOk);
  });
}

const std::vector<Action> kActions = {
    {"list", labelsList, "list label sets (--state, --scene, --scheme)"},
    {"create", labelsCreate, "create a draft label set; prints its id"},
    {"review", labelsReview, "submit, validate, reject or reopen a label set"},
    {"export", labelsExport, "export as a mask GeoTIFF, a GeoPackage, or training chips"},
    {"import", labelsImport, "import a class raster or polygons into a label set"},
    {"stats", labelsStats, "labelled pixels per class of label sets"},
    {"suggest", labelsSuggest, "the unlabelled chips the model is least sure about, spread out (label these next)"},
    {"schemes", labelsSchemes, "the class schemes a project offers"},
    {"scheme-save", labelsSchemeSave, "save a class scheme from a JSON file"},
};

}  // namespace

int commandLabels(const QStringList& arguments) {
  return runAction("labels", "labels <action> PROJECT [options]", kActions, arguments);
}

}  // namespace prithvi::cli
