// Labels: class schemes, the review workflow, the store's GeoPackage tables, and the editor's
// tools with undo/redo, checked against GDAL's own tools where they apply.

#include <QCoreApplication>
#include <QTemporaryDir>
#include <QTest>

#include <gdal.h>

#include "core/base/Error.h"
#include "core/labels/ClassScheme.h"
#include "core/labels/LabelEditor.h"
#include "core/labels/LabelStore.h"
#include "core/project/ProjectStore.h"
#include "core/raster/GdalErrors.h"
#include "tests/support/TestSupport.h"

using namespace prithvi;
using test::expectError;

namespace {

constexpr int kWidth = 600;
constexpr int kHeight = 520;

// Everything a label set holds, to compare states before and after undo and redo.
struct Snapshot {
  std::vector<std::tuple<int64_t, int, std::vector<std::pair<double, double>>>> polygons;
  std::vector<std::tuple<int, int, std::vector<uint8_t>>> tiles;
  std::vector<uint8_t> raster;
  bool operator==(const Snapshot&) const = default;
};

Snapshot snapshot(LabelStore& store, int64_t id) {
  Snapshot result;
  for (const LabelPolygon& polygon : store.polygons(id)) {
    std::vector<std::pair<double, double>> points;
    for (const Ring& ring : polygon.rings)
      for (const MapPoint& point : ring) points.emplace_back(point.x, point.y);
    result.polygons.emplace_back(polygon.fid, polygon.classValue, points);
  }
  for (const MaskTile& tile : store.maskTiles(id)) result.tiles.emplace_back(tile.row, tile.col, tile.codes);
  result.raster = store.rasterize(id, {0, 0, kWidth, kHeight});
  return result;
}

int64_t countValue(const std::vector<uint8_t>& raster, uint8_t value) {
  return std::count(raster.begin(), raster.end(), value);
}

}  // namespace

class TestLabels : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir mDir;
  QString mPath;
  std::unique_ptr<ProjectStore> mProject;
  std::unique_ptr<LabelStore> mStore;

  int64_t newSet(const std::string& scheme = "flood") { return mStore->createLabelSet("scene-a", scheme, "ana"); }

 private Q_SLOTS:
  void init() {
    static int counter = 0;
    mPath = mDir.filePath(QString("labels-%1.gpkg").arg(++counter));
    mProject = ProjectStore::create(mPath.toStdString());
    mProject->addScenes({test::gridOnlyScene("scene-a", kWidth, kHeight), test::gridOnlyScene("scene-b", 64, 64)});
    mStore = std::make_unique<LabelStore>(*mProject);
  }
  void cleanup() {
    mStore.reset();
    mProject.reset();
  }

  void presetsAreValidAndRoundTripThroughJson() {
    QCOMPARE(presetClassSchemes().size(), size_t(5));
    for (const ClassScheme& scheme : presetClassSchemes()) {
      scheme.validate();
      const ClassScheme back = ClassScheme::fromJson(scheme.toJson());
      QCOMPARE(back.toJson(), scheme.toJson());
    }
    const ClassScheme crop = *presetClassScheme("crop");
    QCOMPARE(crop.classes.size(), size_t(13));
    QCOMPARE(crop.find(7)->name, std::string("Open Water"));
    QCOMPARE(crop.ignoreValue, 0);
    QVERIFY(crop.multiTemporal);
  }

  void badSchemesAreRefusedWithTheReason() {
    ClassScheme scheme = *presetClassScheme("flood");
    scheme.classes.push_back({1, "Again", "#ffffff"});
    expectError(ErrorKind::BadInput, [&] { scheme.validate(); }, "used twice");
    scheme = *presetClassScheme("flood");
    scheme.ignoreValue = 1;
    expectError(ErrorKind::BadInput, [&] { scheme.validate(); }, "ignore value");
    scheme = *presetClassScheme("flood");
    scheme.classes[0].color = "red";
    expectError(ErrorKind::BadInput, [&] { scheme.validate(); }, "#rrggbb");
    expectError(ErrorKind::BadInput, [&] { ClassScheme::fromJson("{\"name\": \"x\"}"); }, "classes");
    expectError(ErrorKind::BadInput, [&] { mStore->scheme("nope"); }, "no class scheme 'nope'");
  }

  void schemesAreStoredEditedAndGuarded() {
    ClassScheme custom{"wetlands", "custom", {{1, "Marsh", "#00aa88"}, {2, "Open water", "#0000ff"}}, 255, false};
    mStore->saveScheme(custom);
    QCOMPARE(mStore->scheme("wetlands").classes.size(), size_t(2));
    const std::vector<ClassScheme> schemes = mStore->schemes();
    QCOMPARE(schemes.front().name, std::string("wetlands"));  // stored ones first, then presets
    QCOMPARE(schemes.size(), presetClassSchemes().size() + 1);
    const int64_t id = mStore->createLabelSet("scene-a", "wetlands", "ana");
    LabelEditor editor(*mStore, id);
    editor.addRectangle(2, {10, 10}, {20, 20});
    // Renaming keeps the value; dropping a used value is refused.
    custom.classes[1].name = "Water";
    mStore->saveScheme(custom);
    custom.classes.pop_back();
    expectError(ErrorKind::BadInput, [&] { mStore->saveScheme(custom); }, "must keep class value 2");
    QCOMPARE(mStore->scheme("wetlands").classes[1].name, std::string("Water"));
  }

  void reviewWorkflowRecordsPeopleTimesAndComments() {
    const int64_t id = newSet();
    LabelSet set = mStore->labelSet(id);
    QCOMPARE(set.state, ReviewState::Draft);
    QCOMPARE(set.author, std::string("ana"));
    QCOMPARE(set.labelDate, test::gridOnlyScene("x", 1, 1).acquired);
    expectError(ErrorKind::BadInput, [&] { mStore->review(id, ReviewAction::Validate, "rev"); }, "it is draft");
    set = mStore->review(id, ReviewAction::Submit, "ana");
    QCOMPARE(set.state, ReviewState::Submitted);
    QVERIFY(set.submitted.isValid());
    // Submitted work is frozen.
    LabelEditor editor(*mStore, id);
    expectError(ErrorKind::BadInput, [&] { editor.addRectangle(1, {0, 0}, {5, 5}); }, "reopen it");
    expectError(ErrorKind::BadInput, [&] { mStore->review(id, ReviewAction::Reject, "rev"); }, "comment");
    set = mStore->review(id, ReviewAction::Reject, "rev", "misses the river");
    QCOMPARE(set.state, ReviewState::Rejected);
    QCOMPARE(set.reviewer, std::string("rev"));
    QCOMPARE(set.comment, std::string("misses the river"));
    editor.reload();
    editor.addRectangle(1, {0, 0}, {5, 5});  // rejected work can be corrected
    mStore->review(id, ReviewAction::Submit, "ana");
    set = mStore->review(id, ReviewAction::Validate, "rev", "good");
    QCOMPARE(set.state, ReviewState::Validated);
    const std::vector<ReviewEvent> history = mStore->reviewHistory(id);
    QCOMPARE(history.size(), size_t(4));
    QCOMPARE(history[1].to, ReviewState::Rejected);
    QCOMPARE(history[1].comment, std::string("misses the river"));
    QCOMPARE(history[3].person, std::string("rev"));

    // The catalog and the label set list filter by state: training takes validated sets.
    const int64_t other = mStore->createLabelSet("scene-b", "flood", "bo");
    LabelSetFilter byState;
    byState.state = ReviewState::Validated;
    QCOMPARE(mStore->labelSets(byState).size(), size_t(1));
    byState.state = ReviewState::Draft;
    QCOMPARE(mStore->labelSets(byState).front().id, other);
    SceneFilter filter;
    filter.labelState = "validated";
    const std::vector<Scene> scenes = mProject->scenes(filter);
    QCOMPARE(scenes.size(), size_t(1));
    QCOMPARE(scenes.front().id, std::string("scene-a"));
    filter.labelState = "rejected";
    QVERIFY(mProject->scenes(filter).empty());
  }

  void everyToolUndoesAndRedoesExactly() {
    const int64_t id = newSet();
    LabelEditor editor(*mStore, id);
    std::vector<std::function<void()>> tools = {
        [&] { editor.addPolygon(1, {{10.2, 10.4}, {80.7, 12}, {60, 70.6}, {15, 50}}); },
        [&] { editor.addRectangle(0, {40, 30}, {120, 90}); },
        [&] {
          // A freehand lasso: a many-vertex concave outline.
          std::vector<PixelPoint> lasso;
          for (int i = 0; i < 90; ++i) {
            const double angle = i * 2 * M_PI / 90, radius = i % 2 ? 40 : 25;
            lasso.push_back({300 + radius * std::cos(angle), 300 + radius * std::sin(angle)});
          }
          editor.addPolygon(1, lasso);
        },
        [&] {
          editor.beginStroke(1, 6);
          for (int i = 0; i <= 20; ++i) editor.strokeTo({30.0 + i * 10, 60.0 + i * 3});
          editor.endStroke();
        },
        [&] {
          editor.beginStroke(LabelEditor::kErase, 4);
          editor.strokeTo({20, 20});
          editor.strokeTo({200, 200});
          editor.endStroke();
        },
        [&] {
          PixelRegion region{{250, 250, 300, 260}, std::vector<uint8_t>(300 * 260)};
          for (int y = 0; y < 260; ++y)
            for (int x = 0; x < 300; ++x) region.inside[size_t(y) * 300 + x] = (x / 7 + y / 5) % 3 == 0;
          editor.fillRegion(0, region, "magic wand");
        },
        [&] { editor.deletePolygon(editor.polygons().front().fid); },
    };
    for (size_t i = 0; i < tools.size(); ++i) {
      const Snapshot before = snapshot(*mStore, id);
      tools[i]();
      const Snapshot after = snapshot(*mStore, id);
      QVERIFY2(!(after == before), qPrintable(QString("tool %1 changed nothing").arg(i)));
      QCOMPARE(editor.raster(), after.raster);
      editor.undo();
      QVERIFY2(snapshot(*mStore, id) == before, qPrintable(QString("undo of tool %1").arg(i)));
      QCOMPARE(editor.raster(), before.raster);
      editor.redo();
      QVERIFY2(snapshot(*mStore, id) == after, qPrintable(QString("redo of tool %1").arg(i)));
      QCOMPARE(editor.raster(), after.raster);
    }
    // Undo everything, then redo everything.
    const Snapshot last = snapshot(*mStore, id);
    int undone = 0;
    while (editor.canUndo()) editor.undo(), ++undone;
    QCOMPARE(undone, int(tools.size()));
    QCOMPARE(countValue(snapshot(*mStore, id).raster, 255), int64_t(kWidth) * kHeight);
    while (editor.canRedo()) editor.redo();
    QVERIFY(snapshot(*mStore, id) == last);
    // A fresh session reads what was saved.
    LabelEditor reopened(*mStore, id);
    QCOMPARE(reopened.raster(), last.raster);
  }

  // Clean-up as one undoable edit: a speck is erased, a one-pixel unlabelled gap through a field
  // is filled with the field's class, and unlabelled land around stays unlabelled.
  void cleanUpErasesSpecksAndClosesGapsAsOneEdit() {
    const int64_t id = newSet();
    LabelEditor editor(*mStore, id);
    PixelRegion speck{{5, 5, 3, 3}, std::vector<uint8_t>(9, 1)};
    editor.fillRegion(1, speck, "magic wand");
    editor.addRectangle(0, {40, 40}, {100, 100});
    PixelRegion line{{40, 70, 60, 1}, std::vector<uint8_t>(60, 1)};
    editor.fillRegion(LabelEditor::kErase, line, "eraser");
    QCOMPARE(editor.valueAt(60, 70), uint8_t(255));
    const Snapshot before = snapshot(*mStore, id);
    ClassMapCleanup options;
    options.minRegionPixels = 20;
    options.closeRadius = 1;
    const int64_t changed = editor.cleanUp(options, {0, 0, kWidth, kHeight});
    QCOMPARE(changed, int64_t(9 + 58));  // the speck, and the gap but its two end pixels
    QCOMPARE(editor.valueAt(6, 6), uint8_t(255));
    QCOMPARE(editor.valueAt(60, 70), uint8_t(0));
    QCOMPARE(editor.valueAt(40, 70), uint8_t(255));
    QCOMPARE(editor.valueAt(20, 20), uint8_t(255));
    QCOMPARE(editor.undoText(), std::string("clean up (close 1, min 20 px)"));
    QCOMPARE(editor.raster(), snapshot(*mStore, id).raster);
    editor.undo();
    QVERIFY(snapshot(*mStore, id) == before);
    // Nothing left to clean: no edit.
    editor.redo();
    QCOMPARE(editor.cleanUp(options, {0, 0, kWidth, kHeight}), int64_t(0));
    QCOMPARE(editor.undoText(), std::string("clean up (close 1, min 20 px)"));
  }

  void laterEditsWinAndStrokesSaveAsOneEdit() {
    const int64_t id = newSet();
    LabelEditor editor(*mStore, id);
    editor.beginStroke(1, 10);
    editor.strokeTo({100, 100});
    editor.strokeTo({150, 100});
    QVERIFY(editor.hasUnsavedChanges());
    QCOMPARE(editor.raster()[100 * kWidth + 120], uint8_t(1));  // visible while drawing
    QVERIFY(mStore->maskTiles(id).empty());                     // not saved until the stroke ends
    editor.endStroke();
    QVERIFY(!editor.hasUnsavedChanges());
    QCOMPARE(editor.undoText(), std::string("brush stroke"));
    QCOMPARE(editor.savedEdits(), int64_t(1));
    // A polygon over the stroke wins there ...
    editor.addRectangle(0, {110, 90}, {130, 110});
    QCOMPARE(editor.valueAt(120, 100), uint8_t(0));
    QCOMPARE(editor.valueAt(140, 100), uint8_t(1));
    // ... and an eraser over the polygon wins over it.
    editor.beginStroke(LabelEditor::kErase, 3);
    editor.strokeTo({120, 100});
    editor.endStroke();
    QCOMPARE(editor.valueAt(120, 100), uint8_t(255));
    QCOMPARE(editor.valueAt(125, 100), uint8_t(0));
    // A canceled stroke leaves nothing.
    const std::vector<uint8_t> before = editor.raster();
    editor.beginStroke(1, 5);
    editor.strokeTo({300, 300});
    editor.cancelStroke();
    QCOMPARE(editor.raster(), before);
    QCOMPARE(mStore->rasterize(id, {0, 0, kWidth, kHeight}), before);
    const LabelStats stats = mStore->stats(id);
    QCOMPARE(stats.polygonCount, int64_t(1));
    QCOMPARE(stats.labelledPixels, countValue(before, 0) + countValue(before, 1));
    QCOMPARE(stats.pixelsPerValue.at(1), countValue(before, 1));
  }

  void toolsRefuseBadInput() {
    LabelEditor editor(*mStore, newSet());
    expectError(ErrorKind::BadInput, [&] { editor.addPolygon(7, {{0, 0}, {9, 0}, {9, 9}}); }, "not in class scheme");
    expectError(ErrorKind::BadInput, [&] { editor.addPolygon(1, {{0, 0}, {0.2, 0.1}, {0.3, 0.4}}); }, "covers no pixel");
    expectError(ErrorKind::BadInput, [&] { editor.addRectangle(1, {-50, -50}, {-10, -10}); }, "covers no pixel");
    expectError(ErrorKind::BadInput, [&] { editor.beginStroke(1, 0); }, "brush size");
    expectError(ErrorKind::BadInput, [&] { editor.deletePolygon(99); }, "no polygon 99");
    QVERIFY(!editor.canUndo());
  }

  void aSecondWriterIsNoticedNotOverwritten() {
    const int64_t id = newSet();
    LabelEditor first(*mStore, id);
    auto otherProject = ProjectStore::open(mPath.toStdString());
    LabelStore otherStore(*otherProject);
    LabelEditor second(otherStore, id);
    first.addRectangle(1, {0, 0}, {10, 10});
    expectError(ErrorKind::Io, [&] { second.addRectangle(0, {0, 0}, {10, 10}); }, "changed by another program");
    second.reload();
    second.addRectangle(0, {0, 0}, {10, 10});
    QCOMPARE(mStore->polygons(id).size(), size_t(2));
  }

  void polygonsRasteriseLikeGdalRasterize() {
    const int64_t id = newSet();
    LabelEdit edit;
    // Unsnapped outlines, a concave one and one with a hole, overlapping: order matters.
    const GeoTransform grid({500000, 30, 0, 3300000, 0, -30});
    auto ring = [&](std::vector<PixelPoint> points) {
      Ring result;
      for (const PixelPoint& p : points) result.push_back(grid.pixelToMap(p.x, p.y));
      return result;
    };
    edit.addPolygons.push_back({0, 1, {ring({{10.3, 12.7}, {400.1, 30.2}, {350.6, 300.4}, {200.2, 100.9}, {40.5, 280.1}})}});
    edit.addPolygons.push_back({0, 0, {ring({{100, 100}, {500, 100}, {500, 400}, {100, 400}}),
                                       ring({{200.5, 200.5}, {300.5, 200.5}, {300.5, 300.5}, {200.5, 300.5}})}});
    edit.addPolygons.push_back({0, 1, {ring({{450.5, 350.5}, {599.9, 420.2}, {480.3, 519.7}})}});
    mStore->apply(id, edit);
    const std::string table = mStore->polygonTable(id);
    QCOMPARE(table, std::string("label_polygons_32613"));
    const std::vector<uint8_t> ours = mStore->rasterize(id, {0, 0, kWidth, kHeight});

    const QString reference = mDir.filePath("gdal_rasterize.tif");
    const test::ProcessRun run = test::runProcess(
        "gdal_rasterize", {"-q", "-l", QString::fromStdString(table), "-where", QString("label_set_id = %1").arg(id),
                           "-a", "class_value", "-init", "255", "-ot", "Byte", "-te", "500000",
                           QString::number(3300000 - 30 * kHeight), QString::number(500000 + 30 * kWidth), "3300000",
                           "-tr", "30", "30", mPath, reference});
    QVERIFY2(run.code == 0, run.err.constData());
    GDALDatasetH dataset = GDALOpen(reference.toUtf8().constData(), GA_ReadOnly);
    QVERIFY(dataset);
    std::vector<uint8_t> theirs(size_t(kWidth) * kHeight);
    QCOMPARE(GDALRasterIO(GDALGetRasterBand(dataset, 1), GF_Read, 0, 0, kWidth, kHeight, theirs.data(), kWidth,
                          kHeight, GDT_Byte, 0, 0),
             CE_None);
    GDALClose(dataset);
    QVERIFY(countValue(ours, 1) > 10000 && countValue(ours, 0) > 10000);
    QCOMPARE(ours, theirs);
  }

  void ogrinfoReadsTheLabelLayer() {
    LabelEditor editor(*mStore, newSet());
    editor.addRectangle(1, {10, 10}, {50, 40});
    editor.addPolygon(0, {{60, 60}, {90, 61}, {75, 95}});
    const test::ProcessRun run = test::runProcess("ogrinfo", {"-ro", "-so", "-al", mPath});
    QVERIFY2(run.code == 0, run.err.constData());
    const QString out = QString::fromUtf8(run.out);
    QVERIFY2(out.contains("Layer name: label_polygons_32613"), qPrintable(out));
    QVERIFY2(out.contains("Feature Count: 2"), qPrintable(out));
    QVERIFY2(out.contains("UTM zone 13N"), qPrintable(out));
    QVERIFY2(out.contains("class_name: String"), qPrintable(out));
    const test::ProcessRun features =
        test::runProcess("ogrinfo", {"-ro", "-q", mPath, "label_polygons_32613", "-where", "class_value = 1"});
    QVERIFY2(QString::fromUtf8(features.out).contains("class_name (String) = Water"), features.out.constData());
  }
};

QTEST_GUILESS_MAIN(TestLabels)
#include "test_labels.moc"
