// `prithvi labels` end to end: every action's happy path, usage errors (exit 2) and bad input
// (exit 3) with one-line messages, JSON output and job events.
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include "core/labels/LabelEditor.h"
#include "core/labels/LabelStore.h"
#include "core/project/ProjectStore.h"
#include "core/raster/Crs.h"
#include "core/raster/RasterSource.h"
#include "core/scene/SceneScanner.h"
#include "tests/support/TestSupport.h"

using namespace prithvi;

namespace {
using Run = test::ProcessRun;
using test::runPrithvi;

int bandPattern(int band, int x, int y) { return band * 500 + (x + 3 * y) % 400; }

QString lonLatRing(const LonLatTransform& toLonLat, const GeoTransform& grid, std::vector<std::pair<double, double>> pixels) {
  pixels.push_back(pixels.front());
  QStringList points;
  for (auto [x, y] : pixels) {
    const LonLat lonLat = *toLonLat.toLonLat(grid.pixelToMap(x, y));
    points << QString("[%1, %2]").arg(lonLat.lon, 0, 'f', 10).arg(lonLat.lat, 0, 'f', 10);
  }
  return "[[" + points.join(", ") + "]]";
}

// One line on stderr, starting "prithvi: ".
bool oneLineError(const Run& run) { return run.err.startsWith("prithvi: ") && run.err.count('\n') == 1; }
}  // namespace

class TestLabelsCli : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir mDir;
  QString mProject;
  QString path(const QString& name) const { return mDir.filePath(name); }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(mDir.isValid());
    mProject = path("labels.gpkg");
    test::writeInt16Tiff(path("bands.tif").toStdString(), 200, 200, 6, bandPattern);
    auto store = ProjectStore::create(mProject.toStdString());
    store->addScenes({test::gridOnlyScene("grid", 300, 260), scanForScenes({path("bands.tif").toStdString()}).scenes.at(0)});
    // The project is closed again: the CLI opens it from its own processes.
  }

  void helpAndUsageErrors() {
    QCOMPARE(runPrithvi({"labels", "--help"}).code, 0);
    QCOMPARE(runPrithvi({"--help"}).out.contains("labels"), true);
    const Run none = runPrithvi({"labels"});
    QCOMPARE(none.code, 2);
    QVERIFY(none.out.contains("scheme-save"));
    const Run unknown = runPrithvi({"labels", "frobnicate"});
    QCOMPARE(unknown.code, 2);
    QVERIFY(oneLineError(unknown));
    for (const char* action : {"list", "create", "review", "export", "import", "stats", "schemes", "scheme-save"}) {
      const Run help = runPrithvi({"labels", action, "--help"});
      QCOMPARE(help.code, 0);
      QVERIFY2(help.out.contains("Usage:"), action);
    }
    const QList<QStringList> usage = {
        {"labels", "list"},
        {"labels", "list", mProject, "--state", "finished"},
        {"labels", "create", mProject, "--scene", "grid", "--author", "ana"},
        {"labels", "create", mProject, "--scene", "grid", "--scheme", "flood", "--author", "ana", "--date", "June"},
        {"labels", "review", mProject, "one", "submit", "--person", "ana"},
        {"labels", "review", mProject, "1", "approve", "--person", "ana"},
        {"labels", "export", mProject, "1"},
        {"labels", "export", mProject, "1", "--mask", path("a.tif"), "--gpkg", path("a.gpkg")},
        {"labels", "export", mProject, "1", "2", "--mask", path("a.tif")},
        {"labels", "export", mProject, "1", "--chips", path("c"), "--min-labelled", "2"},
        {"labels", "import", mProject, "--set", "1"},
        {"labels", "import", mProject, "--mask", path("a.tif")},
        {"labels", "scheme-save", mProject},
    };
    for (const QStringList& arguments : usage) {
      const Run run = runPrithvi(arguments);
      QVERIFY2(run.code == 2, qPrintable(arguments.join(' ') + " -> " + QString::number(run.code) + " " + run.err));
      QVERIFY2(oneLineError(run), qPrintable(arguments.join(' ') + ": " + run.err));
    }
  }

  void createListReviewAndStats() {
    const Run created = runPrithvi({"labels", "create", mProject, "--scene", "grid", "--scheme", "flood", "--author", "ana"});
    QCOMPARE(created.code, 0);
    const QString id = QString::fromUtf8(created.out.trimmed());
    QVERIFY(id.toInt() > 0);
    const Run dated = runPrithvi({"labels", "create", mProject, "--scene", "grid", "--scheme", "burn_scars", "--author",
                                  "bo", "--date", "2021-07-04", "--json"});
    QCOMPARE(dated.code, 0);
    QCOMPARE(dated.json()["label_date"].toString(), QString("2021-07-04T00:00:00Z"));
    QCOMPARE(dated.json()["scheme"].toString(), QString("burn_scars"));

    const Run list = runPrithvi({"labels", "list", mProject, "--json"});
    QCOMPARE(list.code, 0);
    const QJsonArray sets = QJsonDocument::fromJson(list.out).array();
    QVERIFY(sets.size() >= 2);
    QVERIFY(runPrithvi({"labels", "list", mProject}).out.contains("ana"));

    const Run submitted = runPrithvi({"labels", "review", mProject, id, "submit", "--person", "ana"});
    QCOMPARE(submitted.code, 0);
    QCOMPARE(submitted.out.trimmed(), QByteArray("label set " + id.toUtf8() + " is submitted"));
    const Run reject = runPrithvi({"labels", "review", mProject, id, "reject", "--person", "rev"});
    QCOMPARE(reject.code, 3);
    QVERIFY2(oneLineError(reject) && reject.err.contains("comment"), reject.err.constData());
    QCOMPARE(runPrithvi({"labels", "review", mProject, id, "validate", "--person", "rev", "--comment", "ok"}).code, 0);
    const Run validated = runPrithvi({"labels", "list", mProject, "--state", "validated", "--json"});
    QCOMPARE(QJsonDocument::fromJson(validated.out).array().size(), 1);
    QCOMPARE(QJsonDocument::fromJson(validated.out).array()[0].toObject()["reviewer"].toString(), QString("rev"));
    const Run reopened = runPrithvi({"labels", "review", mProject, id, "reopen", "--person", "ana", "--json"});
    QCOMPARE(reopened.json()["state"].toString(), QString("draft"));

    const Run missing = runPrithvi({"labels", "review", mProject, "999", "submit", "--person", "ana"});
    QCOMPARE(missing.code, 3);
    QVERIFY(missing.err.contains("no label set 999"));
    const Run noScene = runPrithvi({"labels", "create", mProject, "--scene", "nope", "--scheme", "flood", "--author", "ana"});
    QCOMPARE(noScene.code, 3);
    QVERIFY(noScene.err.contains("no scene nope"));
  }

  void importThenExportEveryWay() {
    const QString id = QString::fromUtf8(
        runPrithvi({"labels", "create", mProject, "--scene", "grid", "--scheme", "flood", "--author", "ana"}).out.trimmed());
    // Polygons in lon/lat (GeoJSON), classes by name.
    const GeoTransform grid({500000, 30, 0, 3300000, 0, -30});
    const LonLatTransform toLonLat(test::utm13Wkt());
    QFile json(path("labels.geojson"));
    QVERIFY(json.open(QIODevice::WriteOnly));
    json.write(QString(R"({"type": "FeatureCollection", "features": [
  {"type": "Feature", "properties": {"kind": "Water"}, "geometry": {"type": "Polygon", "coordinates": %1}},
  {"type": "Feature", "properties": {"kind": "No water"}, "geometry": {"type": "Polygon", "coordinates": %2}},
  {"type": "Feature", "properties": {"kind": "Water"}, "geometry": {"type": "Polygon", "coordinates": %3}}]})")
                   .arg(lonLatRing(toLonLat, grid, {{10.5, 10.5}, {120.2, 15.1}, {100.7, 110.3}}),
                        lonLatRing(toLonLat, grid, {{150.5, 100.5}, {350.2, 120.1}, {200.7, 240.3}}),
                        lonLatRing(toLonLat, grid, {{1000, 1000}, {1100, 1000}, {1100, 1100}}))
                   .toUtf8());
    json.close();
    const Run imported = runPrithvi({"labels", "import", mProject, "--set", id, "--vector", path("labels.geojson"),
                                     "--class-field", "kind", "--json"});
    QVERIFY2(imported.code == 0, imported.err.constData());
    const QJsonObject report = imported.json();
    QCOMPARE(report["polygons"].toInt(), 2);
    QCOMPARE(report["clipped"].toInt(), 1);
    QCOMPARE(report["outside"].toInt(), 1);
    QCOMPARE(report["skipped"].toArray().size(), 1);
    QVERIFY(report["labelled_pixels"].toInt() > 1000);
    const Run text = runPrithvi({"labels", "import", mProject, "--set", id, "--vector", path("labels.geojson"),
                                 "--class-field", "kind"});
    QVERIFY2(text.out.contains("skipped feature 2: outside the scene"), text.out.constData());
    const Run badField = runPrithvi({"labels", "import", mProject, "--set", id, "--vector", path("labels.geojson")});
    QCOMPARE(badField.code, 3);
    QVERIFY2(oneLineError(badField) && badField.err.contains("no field 'class_value' (fields: kind)"), badField.err.constData());
    const Run missingFile = runPrithvi({"labels", "import", mProject, "--set", id, "--mask", path("missing.tif")});
    QCOMPARE(missingFile.code, 3);
    QVERIFY(oneLineError(missingFile));

    const Run stats = runPrithvi({"labels", "stats", mProject, id, "--json"});
    QCOMPARE(stats.code, 0);
    const QJsonObject set = QJsonDocument::fromJson(stats.out).array()[0].toObject();
    QCOMPARE(set["state"].toString(), QString("draft"));
    QCOMPARE(set["author"].toString(), QString("ana"));
    QVERIFY(set["pixels_per_class"].toObject()["Water"].toInt() > 1000);
    QVERIFY(set["pixels_per_class"].toObject()["No water"].toInt() > 1000);
    QCOMPARE(set["total_pixels"].toInt(), 300 * 260);
    QVERIFY(set["labelled_fraction"].toDouble() > 0.05 && set["labelled_fraction"].toDouble() < 1);
    QVERIFY(runPrithvi({"labels", "stats", mProject}).out.contains("1 Water: "));

    // Mask: the scene's grid; importing it back into another set reproduces the labels.
    const Run mask = runPrithvi({"labels", "export", mProject, id, "--mask", path("mask.tif")});
    QVERIFY2(mask.code == 0, mask.err.constData());
    const auto raster = RasterSource::open(path("mask.tif").toStdString());
    QCOMPARE(raster->info().width, 300);
    QCOMPARE(raster->info().epsg, 32613);
    const QString copy = QString::fromUtf8(
        runPrithvi({"labels", "create", mProject, "--scene", "grid", "--scheme", "flood", "--author", "bo"}).out.trimmed());
    const Run maskImport = runPrithvi({"labels", "import", mProject, "--set", copy, "--mask", path("mask.tif"), "--json"});
    QVERIFY2(maskImport.code == 0, maskImport.err.constData());
    QCOMPARE(maskImport.json()["labelled_pixels"].toInt(), set["labelled_pixels"].toInt());

    // GeoPackage: polygons as stored, or everything polygonised.
    const Run gpkg = runPrithvi({"labels", "export", mProject, id, copy, "--gpkg", path("labels-out.gpkg"), "--json"});
    QVERIFY2(gpkg.code == 0, gpkg.err.constData());
    QCOMPARE(gpkg.json()["features"].toInt(), 4);  // the GeoJSON was imported twice
    QCOMPARE(gpkg.json()["sets_with_pixel_edits"].toArray(), QJsonArray{copy.toInt()});
    const Run ogrinfo = test::runProcess("ogrinfo", {"-ro", "-so", path("labels-out.gpkg"), "labels_32613"});
    QVERIFY2(ogrinfo.out.contains("Feature Count: 4"), ogrinfo.out.constData());
    const Run again = runPrithvi({"labels", "export", mProject, id, "--gpkg", path("labels-out.gpkg")});
    QCOMPARE(again.code, 2);
    QVERIFY(again.err.contains("already exists"));
    const Run polygonized = runPrithvi({"labels", "export", mProject, copy, "--gpkg", path("all.gpkg"), "--polygonize"});
    QVERIFY2(polygonized.code == 0, polygonized.err.constData());
    QVERIFY(polygonized.out.contains("layer labels_32613: "));

    // Chips need the six bands: the grid-only scene has none, the 6-band raster has them.
    const Run noBands = runPrithvi({"labels", "export", mProject, id, "--chips", path("nochips")});
    QCOMPARE(noBands.code, 3);
    QVERIFY2(noBands.err.contains("lacks the band(s)"), noBands.err.constData());
    const QString bandsSet = QString::fromUtf8(
        runPrithvi({"labels", "create", mProject, "--scene", "bands.tif", "--scheme", "flood", "--author", "ana"}).out.trimmed());
    QVERIFY2(runPrithvi({"labels", "import", mProject, "--set", bandsSet, "--mask", path("mask.tif")}).code == 0, "mask onto bands");
    const Run chips = runPrithvi({"labels", "export", mProject, bandsSet, "--chips", path("chips"), "--size", "64",
                                  "--stride", "32", "--min-labelled", "0.1", "--events", "jsonl"});
    QVERIFY2(chips.code == 0, chips.err.constData());
    const QList<QByteArray> events = chips.out.trimmed().split('\n');
    QCOMPARE(QJsonDocument::fromJson(events.first()).object()["event"].toString(), QString("started"));
    QCOMPARE(QJsonDocument::fromJson(events.last()).object()["status"].toString(), QString("ok"));
    QFile index(path("chips/chips.csv"));
    QVERIFY(index.open(QIODevice::ReadOnly));
    const int rows = int(index.readAll().trimmed().split('\n').size()) - 1;
    QVERIFY(rows > 0);
    QCOMPARE(QDir(path("chips/images")).entryList({"*.tif"}).size(), rows);
    QCOMPARE(QDir(path("chips/masks")).entryList({"*.tif"}).size(), rows);
  }

  // Where to label next: never a chip a label set covers (the labelled date, a chip with a
  // few labelled pixels), distinct chips ranked 1..N, the most uncertain first.
  void suggestSkipsLabelledChipsAndRanksByUncertainty() {
    const test::FloodProject flood = test::makeFloodProject(path("suggest"), 256, 2, 1, 0);
    const std::string other = flood.scenes.at(1).id;
    {
      auto store = ProjectStore::open(flood.path);
      LabelStore labels(*store);
      const int64_t id = labels.createLabelSet(other, "flood", "ana");
      PixelRegion region{{70, 70, 10, 10}, std::vector<uint8_t>(100, 1)};
      LabelEditor(labels, id).fillRegion(1, region);
    }
    const QString project = QString::fromStdString(flood.path);
    const QString model = QStringLiteral(PRITHVI_SOURCE_DIR "/assets/models/demo-flood.safetensors");
    auto suggest = [&](const QStringList& more) {
      const Run run = runPrithvi(QStringList{QStringLiteral("labels"), QStringLiteral("suggest"), project, QStringLiteral("--model"),
                                             model, QStringLiteral("--chip"), QStringLiteral("64"), QStringLiteral("--json")} + more);
      if (run.code != 0) qWarning("%s", run.err.constData());
      return QJsonDocument::fromJson(run.out).array();
    };
    const QJsonArray all = suggest({QStringLiteral("--count"), QStringLiteral("15"), QStringLiteral("--pool"), QStringLiteral("1")});
    QCOMPARE(all.size(), 15);  // 16 chips of the unlabelled-before date, less the one with labels
    double highest = -1;
    QSet<QString> seen;
    for (int i = 0; i < all.size(); ++i) {
      const QJsonObject chip = all[i].toObject();
      QCOMPARE(chip[QStringLiteral("rank")].toInt(), i + 1);
      QCOMPARE(chip[QStringLiteral("scene")].toString(), QString::fromStdString(other));
      QCOMPARE(chip[QStringLiteral("width")].toInt(), 64);
      QVERIFY(!(chip[QStringLiteral("x")].toInt() == 64 && chip[QStringLiteral("y")].toInt() == 64));
      const QString key = QStringLiteral("%1,%2").arg(chip[QStringLiteral("x")].toInt()).arg(chip[QStringLiteral("y")].toInt());
      QVERIFY2(!seen.contains(key), qPrintable(key));
      seen.insert(key);
      const double entropy = chip[QStringLiteral("entropy")].toDouble();
      QVERIFY(entropy >= 0 && entropy <= 1);
      highest = std::max(highest, entropy);
    }
    QCOMPARE(all[0].toObject()[QStringLiteral("entropy")].toDouble(), highest);
    // Five, spread out: the most uncertain first, then others of the pool.
    const QJsonArray five = suggest({QStringLiteral("--count"), QStringLiteral("5")});
    QCOMPARE(five.size(), 5);
    QCOMPARE(five[0].toObject()[QStringLiteral("entropy")].toDouble(), highest);
    // Plain lines: rank, scene, chip, entropy and margin with '.' decimals in every locale.
    const Run lines = runPrithvi({QStringLiteral("labels"), QStringLiteral("suggest"), project, QStringLiteral("--model"), model,
                                  QStringLiteral("--chip"), QStringLiteral("64"), QStringLiteral("--count"), QStringLiteral("2")});
    QCOMPARE(lines.code, 0);
    const QList<QByteArray> rows = lines.out.trimmed().split('\n');
    QCOMPARE(rows.size(), 2);
    QVERIFY2(QRegularExpression(QStringLiteral("^1 \\S+ \\d+,\\d+,64,64 [01]\\.\\d{4} [01]\\.\\d{4}$"))
                 .match(QString::fromUtf8(rows[0]))
                 .hasMatch(),
             rows[0].constData());
    const Run none = runPrithvi({QStringLiteral("labels"), QStringLiteral("suggest"), project, QStringLiteral("--model"), model,
                                 QStringLiteral("--count"), QStringLiteral("0")});
    QCOMPARE(none.code, 2);
  }

  void schemesAndSchemeSave() {
    const Run schemes = runPrithvi({"labels", "schemes", mProject, "--json"});
    QCOMPARE(schemes.code, 0);
    QVERIFY(QJsonDocument::fromJson(schemes.out).array().size() >= 5);
    QVERIFY(runPrithvi({"labels", "schemes", mProject}).out.contains("flood (flood): 0 No water, 1 Water; ignore 255"));
    QFile file(path("wetlands.json"));
    QVERIFY(file.open(QIODevice::WriteOnly));
    // Not a raw string: moc 6.4 mis-reads "#" on a continuation line of one and skips the class.
    file.write("{\"name\": \"wetlands\", \"task\": \"custom\", \"ignore_value\": 255, \"classes\": ["
               "{\"value\": 1, \"name\": \"Marsh\", \"color\": \"#00aa88\"}, "
               "{\"value\": 2, \"name\": \"Open water\", \"color\": \"#0000ff\"}]}");
    file.close();
    const Run saved = runPrithvi({"labels", "scheme-save", mProject, path("wetlands.json")});
    QVERIFY2(saved.code == 0, saved.err.constData());
    QVERIFY(runPrithvi({"labels", "schemes", mProject}).out.contains("wetlands (custom): 1 Marsh, 2 Open water"));
    QCOMPARE(runPrithvi({"labels", "create", mProject, "--scene", "grid", "--scheme", "wetlands", "--author", "ana"}).code, 0);

    QFile bad(path("bad.json"));
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write(R"({"name": "broken", "classes": [{"value": 1, "name": "A", "color": "red"}]})");
    bad.close();
    const Run refused = runPrithvi({"labels", "scheme-save", mProject, path("bad.json")});
    QCOMPARE(refused.code, 3);
    QVERIFY2(oneLineError(refused) && refused.err.contains("#rrggbb"), refused.err.constData());
    QCOMPARE(runPrithvi({"labels", "scheme-save", mProject, path("nothing.json")}).code, 3);
    QCOMPARE(runPrithvi({"labels", "schemes", path("nothing.gpkg")}).code, 3);
  }
};

QTEST_GUILESS_MAIN(TestLabelsCli)
#include "test_labels_cli.moc"
