// The models dock in a real window (Xvfb): two registered versions of a flood model listed with
// their scores and aliases; Promote and Roll Back move the champion in the registry and in the
// table; the comparison marks the better score; the lineage shows the dataset hash; model cards
// are written as Markdown and HTML; Retrain shows what changed in the validated labels since
// the champion was trained and starts the annual pipeline as a job. Then an annual map voted
// from two class maps is opened as a layer, and clicking one of its pixels shows the pixel's
// class and votes and the map's model version, labels and granules in the Provenance panel.
#include <QAction>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileInfo>
#include <QHeaderView>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>
#include <QtEndian>
#include <array>
#include <functional>

#include <gdal.h>

#include "core/labels/LabelEditor.h"
#include "core/labels/LabelStore.h"
#include "core/project/ProjectStore.h"
#include "core/raster/GdalErrors.h"
#include "core/registry/AnnualMap.h"
#include "core/registry/ModelRegistry.h"
#include "tests/support/GuiTestSupport.h"
#include "tests/support/TestSupport.h"
#include "ui/JobsDock.h"
#include "ui/MainWindow.h"
#include "ui/ModelsDock.h"
#include "viewers/MetricBarChart.h"
#include "viewers/MapCanvas.h"

using namespace prithvi;

namespace {

constexpr int kMapSize = 16;

// A file registerVersion accepts: an 8-byte little-endian header length, then the JSON header.
void writeFakeCheckpoint(const QString& path, const QByteArray& metadata) {
  const QByteArray header = R"({"__metadata__":{"format":"pt","note":")" + metadata + R"("}})";
  QFile file(path);
  QVERIFY(file.open(QIODevice::WriteOnly));
  const quint64 length = qToLittleEndian(quint64(header.size()));
  file.write(reinterpret_cast<const char*>(&length), 8);
  file.write(header);
}

// A flood class map (Byte, 255 = no prediction, named classes) on the scene's grid.
void writeClassMap(const std::string& path, const Scene& grid, int (*value)(int x, int y)) {
  ensureGdalRegistered();
  GDALDatasetH dataset = GDALCreate(GDALGetDriverByName("GTiff"), path.c_str(), kMapSize, kMapSize, 1, GDT_Byte, nullptr);
  QVERIFY(dataset);
  std::array<double, 6> transform = grid.geoTransform.coefficients();
  GDALSetGeoTransform(dataset, transform.data());
  GDALSetProjection(dataset, grid.crsWkt.c_str());
  GDALRasterBandH band = GDALGetRasterBand(dataset, 1);
  GDALSetRasterNoDataValue(band, 255);
  const char* names[] = {"Not water", "Water", nullptr};
  GDALSetRasterCategoryNames(band, const_cast<char**>(names));
  GDALColorTableH colours = GDALCreateColorTable(GPI_RGB);
  const GDALColorEntry land{200, 190, 150, 255}, water{30, 90, 200, 255};
  GDALSetColorEntry(colours, 0, &land);
  GDALSetColorEntry(colours, 1, &water);
  GDALSetRasterColorTable(band, colours);
  GDALDestroyColorTable(colours);
  std::vector<uint8_t> pixels(size_t(kMapSize) * kMapSize);
  for (int y = 0; y < kMapSize; ++y)
    for (int x = 0; x < kMapSize; ++x) pixels[size_t(y) * kMapSize + x] = uint8_t(value(x, y));
  QCOMPARE(GDALRasterIO(band, GF_Write, 0, 0, kMapSize, kMapSize, pixels.data(), kMapSize, kMapSize, GDT_Byte, 0, 0), CE_None);
  GDALClose(dataset);
}

// Every text of a tree, "field: value" per row, depth first.
QStringList treeTexts(QTreeWidget* tree) {
  QStringList texts;
  std::function<void(QTreeWidgetItem*)> walk = [&](QTreeWidgetItem* item) {
    texts << item->text(0) + QStringLiteral(": ") + item->text(1);
    for (int i = 0; i < item->childCount(); ++i) walk(item->child(i));
  };
  for (int i = 0; i < tree->topLevelItemCount(); ++i) walk(tree->topLevelItem(i));
  return texts;
}

bool anyContains(const QStringList& texts, const QString& part) {
  return std::any_of(texts.begin(), texts.end(), [&](const QString& text) { return text.contains(part); });
}

}  // namespace

class TestModelsDock : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir mDir;
  test::FloodProject mFlood;
  std::unique_ptr<ProjectStore> mStore;  // the test's own connection, as another program would have
  std::unique_ptr<ModelRegistry> mRegistry;
  std::unique_ptr<MainWindow> mWindow;
  std::string mRegion;
  int mYear = 0;
  ModelVersion mV1, mV2;
  std::string mDatasetHash;

  ModelsDock* dock() { return mWindow->modelsDock(); }
  MapCanvas* canvas() { return mWindow->canvas(); }

  ModelVersion registerVersion(const QString& name, double miou, double water, int64_t parent) {
    const QString checkpoint = mDir.filePath(name + QStringLiteral(".safetensors"));
    writeFakeCheckpoint(checkpoint, name.toUtf8());
    const LabelSnapshot labels = validatedLabels(*mStore, mRegion, mYear, "flood");
    ModelVersion draft;
    draft.region = mRegion;
    draft.year = mYear;
    draft.task = "flood";
    draft.createdBy = "ana";
    draft.metrics = {{"test_miou", miou},       {"test_accuracy", miou + 0.2}, {"val_miou", miou + 0.01},
                     {"iou/Water", water},      {"iou/Not water", miou + 0.1}, {"test_loss", 1.0 - miou}};
    ModelLineage& lineage = draft.lineage;
    lineage.datasetPath = mDir.filePath(QStringLiteral("flood.zarr")).toStdString();
    lineage.datasetHash = mDatasetHash;
    lineage.labelSetVersion = labels.version;
    lineage.labelSets = labels.sets;
    lineage.validatedLabelSets = int64_t(labels.sets.size());
    lineage.validatedPixels = labels.labelledPixels;
    for (const Scene& scene : mFlood.scenes) lineage.granules.push_back(scene.id);
    lineage.configJson = R"({"preset":"flood","steps":200,"lr":5e-05,"batch":4,"model":{"name":"tiny_test","decoder_channels":16}})";
    lineage.programVersion = PRITHVI_VERSION;
    lineage.parentVersion = parent;
    lineage.parent = parent ? "version " + std::to_string(parent) : "random initialisation";
    lineage.runDir = mDir.filePath(QStringLiteral("runs/") + name).toStdString();
    return mRegistry->registerVersion(checkpoint.toStdString(), draft);
  }

  // One screen pixel per map pixel, the canvas centre on the centre of the top layer's pixel (x, y).
  void centreOnPixel(int x, int y) {
    const Scene& scene = mWindow->layers()->topVisible()->scene;
    const MapPoint target = scene.geoTransform.pixelToMap(x + 0.5, y + 0.5);
    canvas()->setView(target, scene.geoTransform.pixelWidth());
    const MapPoint at = canvas()->screenToMap(canvasCentre());
    canvas()->setView({2 * target.x - at.x, 2 * target.y - at.y}, scene.geoTransform.pixelWidth());
  }
  QPoint canvasCentre() { return QPoint(canvas()->width() / 2, canvas()->height() / 2); }

  QDockWidget* modelsDockWidget() { return mWindow->findChild<QDockWidget*>(QStringLiteral("modelsDock")); }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(mDir.isValid());
    QStandardPaths::setTestModeEnabled(true);
    mFlood = test::makeFloodProject(mDir.path(), 64, 2, 1, 1);
    mRegion = mFlood.scenes.front().tile;
    mYear = mFlood.scenes.front().acquired.date().year();
    QCOMPARE(mRegion, std::string("13REN"));
    mStore = ProjectStore::open(mFlood.path);
    mRegistry = std::make_unique<ModelRegistry>(*mStore);
    // A small stand-in for the dataset store: its content hash is what the lineage records.
    QVERIFY(QDir().mkpath(mDir.filePath(QStringLiteral("flood.zarr/chips"))));
    QFile chunk(mDir.filePath(QStringLiteral("flood.zarr/chips/0.0")));
    QVERIFY(chunk.open(QIODevice::WriteOnly));
    chunk.write("chips");
    chunk.close();
    mDatasetHash = folderContentHash(mDir.filePath(QStringLiteral("flood.zarr")).toStdString());
    mV1 = registerVersion(QStringLiteral("v1"), 0.6, 0.5, 0);
    mV2 = registerVersion(QStringLiteral("v2"), 0.7, 0.62, mV1.id);
    QVERIFY(mV1.id > 0 && mV2.id > mV1.id);
    QVERIFY(mV1.sha256 != mV2.sha256);
    mRegistry->promote(mV1.id, "ana", "first flood model");

    mWindow = std::make_unique<MainWindow>();
    mWindow->resize(1500, 950);
    mWindow->show();
    QVERIFY(QTest::qWaitForWindowExposed(mWindow.get()));
    QVERIFY(mWindow->openProject(QString::fromStdString(mFlood.path)));
    QVERIFY(QTest::qWaitFor([&] { return canvas()->isRenderComplete(); }, 30000));
    mWindow->jobsDock()->setPollInterval(250);
    // The dialogs the buttons open are answered here.
    dock()->setReasonProvider([](const QString&, const QString& suggested) -> std::optional<QString> { return suggested; });
  }

  void listsVersionsWithScoresAndAliases() {
    QVERIFY(dock());
    // The Models menu entry brings the dock forward.
    auto* action = mWindow->findChild<QAction*>(QStringLiteral("modelsAction"));
    QVERIFY(action);
    QCOMPARE(action->shortcut(), QKeySequence(QStringLiteral("Ctrl+Shift+M")));
    action->trigger();
    QVERIFY(QTest::qWaitFor([&] { return !modelsDockWidget()->visibleRegion().isEmpty(); }, 5000));

    QCOMPARE(dock()->versionCount(), 2);
    QCOMPARE(dock()->versionAt(0), mV2.id);  // newest first
    QCOMPARE(dock()->cellText(mV2.id, ModelsDock::kVersion), QStringLiteral("v%1").arg(mV2.id));
    QCOMPARE(dock()->cellText(mV2.id, ModelsDock::kRegion), QStringLiteral("13REN"));
    QCOMPARE(dock()->cellText(mV2.id, ModelsDock::kYear), QString::number(mYear));
    QCOMPARE(dock()->cellText(mV2.id, ModelsDock::kTask), QStringLiteral("flood"));
    QCOMPARE(dock()->cellText(mV2.id, ModelsDock::kTestMiou), QStringLiteral("0.7000"));
    QCOMPARE(dock()->cellText(mV1.id, ModelsDock::kAliases), QStringLiteral("champion"));
    QCOMPARE(dock()->cellText(mV2.id, ModelsDock::kAliases), QString());
    QCOMPARE(dock()->cellText(mV2.id, ModelsDock::kParent), QStringLiteral("v%1").arg(mV1.id));
    QCOMPARE(dock()->cellText(mV1.id, ModelsDock::kParent), QStringLiteral("random initialisation"));

    // Filters: a year with no versions empties the list, All brings them back.
    QCOMPARE(dock()->yearFilter()->count(), 2);  // All, the one year
    QCOMPARE(dock()->regionFilter()->itemText(1), QStringLiteral("13REN"));
    dock()->yearFilter()->setCurrentIndex(1);
    QCOMPARE(dock()->versionCount(), 2);
    dock()->yearFilter()->setCurrentIndex(0);
    QCOMPARE(dock()->versionCount(), 2);

    // A first promotion has nothing to roll back to.
    dock()->selectVersions({mV1.id});
    QVERIFY(!dock()->rollBackButton()->isEnabled());
    QVERIFY(!dock()->promoteButton()->isEnabled());  // already the champion
  }

  void promoteAndRollBack() {
    QStringList asked;
    dock()->setReasonProvider([&](const QString& title, const QString& suggested) -> std::optional<QString> {
      asked << title + QStringLiteral(" | ") + suggested;
      return suggested;
    });
    dock()->selectVersions({mV2.id});
    QVERIFY(dock()->promoteButton()->isEnabled());
    dock()->promoteButton()->click();
    QCOMPARE(asked.size(), 1);
    // The suggested reason compares with the champion it replaces.
    QVERIFY2(asked[0].contains(QStringLiteral("0.7000")) && asked[0].contains(QStringLiteral("0.6000")) &&
                 asked[0].contains(QStringLiteral("v%1").arg(mV1.id)),
             qPrintable(asked[0]));
    QCOMPARE(mRegistry->alias(mRegion, mYear, kChampionAlias).value_or(0), mV2.id);
    QCOMPARE(dock()->cellText(mV2.id, ModelsDock::kAliases), QStringLiteral("champion"));
    QCOMPARE(dock()->cellText(mV1.id, ModelsDock::kAliases), QString());
    QVERIFY(!dock()->promoteButton()->isEnabled());
    test::keepScreenshot(dock(), "models_dock_promoted.png");

    // Cancel in the reason dialog changes nothing.
    dock()->setReasonProvider([](const QString&, const QString&) -> std::optional<QString> { return std::nullopt; });
    QVERIFY(dock()->rollBackButton()->isEnabled());
    dock()->rollBackButton()->click();
    QCOMPARE(mRegistry->alias(mRegion, mYear, kChampionAlias).value_or(0), mV2.id);

    dock()->setReasonProvider([](const QString&, const QString&) -> std::optional<QString> { return QStringLiteral("v2 misses small ponds"); });
    dock()->rollBackButton()->click();
    QCOMPARE(mRegistry->alias(mRegion, mYear, kChampionAlias).value_or(0), mV1.id);
    QCOMPARE(dock()->cellText(mV1.id, ModelsDock::kAliases), QStringLiteral("champion"));
    QCOMPARE(dock()->cellText(mV2.id, ModelsDock::kAliases), QString());
    const std::vector<AliasMove> history = mRegistry->aliasHistory(mRegion, mYear, kChampionAlias);
    QCOMPARE(int(history.size()), 3);
    QCOMPARE(history.back().reason, std::string("v2 misses small ponds"));
    QCOMPARE(history.back().to, mV1.id);
    // The alias history in the lineage shows all three moves and the reason.
    const QStringList lineage = treeTexts(dock()->lineageTree());
    QVERIFY2(anyContains(lineage, QStringLiteral("v2 misses small ponds")), qPrintable(lineage.join('\n')));
    QVERIFY(anyContains(lineage, QStringLiteral("3 move(s)")));
  }

  void comparesSelectedVersions() {
    dock()->selectVersions({mV2.id, mV1.id});
    QCOMPARE(dock()->currentVersion(), mV2.id);
    QTableWidget* table = dock()->metricsTable();
    QCOMPARE(table->columnCount(), 2);
    QCOMPARE(table->horizontalHeaderItem(0)->text(), QStringLiteral("v%1").arg(mV1.id));
    QCOMPARE(table->horizontalHeaderItem(1)->text(), QStringLiteral("v%1").arg(mV2.id));
    QCOMPARE(table->rowCount(), 6);
    QCOMPARE(table->verticalHeaderItem(0)->text(), QStringLiteral("test_miou"));  // the headline first
    auto rowOf = [&](const QString& metric) {
      for (int row = 0; row < table->rowCount(); ++row)
        if (table->verticalHeaderItem(row)->text() == metric) return row;
      return -1;
    };
    const int miou = rowOf(QStringLiteral("test_miou"));
    QCOMPARE(table->item(miou, 0)->text(), QStringLiteral("0.6000"));
    QCOMPARE(table->item(miou, 1)->text(), QStringLiteral("0.7000"));
    QVERIFY(table->item(miou, 1)->font().bold());
    QVERIFY(!table->item(miou, 0)->font().bold());
    // A loss is best low.
    const int loss = rowOf(QStringLiteral("test_loss"));
    QVERIFY(loss >= 0);
    QVERIFY(table->item(loss, 1)->font().bold());
    QVERIFY(!table->item(loss, 0)->font().bold());
    QVERIFY(rowOf(QStringLiteral("iou/Water")) > 0);

    MetricBarChart* chart = dock()->metricsChart();
    QCOMPARE(chart->categories(), (QStringList{QStringLiteral("test mIoU"), QStringLiteral("Not water"), QStringLiteral("Water")}));
    QCOMPARE(chart->seriesNames(), (QStringList{QStringLiteral("v%1").arg(mV1.id), QStringLiteral("v%1").arg(mV2.id)}));
    QCOMPARE(chart->value(QStringLiteral("v%1").arg(mV2.id), QStringLiteral("test mIoU")).value_or(0), 0.7);
    QCOMPARE(chart->value(QStringLiteral("v%1").arg(mV1.id), QStringLiteral("Water")).value_or(0), 0.5);

    dock()->detailTabs()->setCurrentIndex(0);
    if (QDockWidget* widget = modelsDockWidget()) widget->raise();
    // Every compared column is visible beside the chart.
    QVERIFY(table->viewport()->width() >= table->horizontalHeader()->length());
    QTest::qWait(100);
    test::keepScreenshot(dock(), "models_dock_compare.png");
    test::keepScreenshot(mWindow.get(), "models_dock_window.png");

    // The lineage of the current version.
    const QStringList lineage = treeTexts(dock()->lineageTree());
    QVERIFY2(anyContains(lineage, QString::fromStdString(mDatasetHash)), qPrintable(lineage.join('\n')));
    QVERIFY(anyContains(lineage, QStringLiteral("Label set #%1").arg(mFlood.labelSets.front())));
    QVERIFY(anyContains(lineage, QString::fromStdString(mFlood.scenes.back().id)));
    QVERIFY(anyContains(lineage, QStringLiteral("decoder_channels: 16")));
    QVERIFY(anyContains(lineage, QStringLiteral("Parent: v%1 (version %1)").arg(mV1.id)));
    QVERIFY(anyContains(lineage, QString::fromStdString(mV2.sha256)));
    QVERIFY(anyContains(lineage, QStringLiteral("Program version: ") + QStringLiteral(PRITHVI_VERSION)));
    dock()->detailTabs()->setCurrentWidget(dock()->lineageTree());
    QTest::qWait(50);
    test::keepScreenshot(dock(), "models_dock_lineage.png");
  }

  void exportsModelCards() {
    dock()->selectVersions({mV2.id});
    QString suggested;
    const QString markdown = mDir.filePath(QStringLiteral("cards/v2-card.md"));
    QVERIFY(QDir().mkpath(mDir.filePath(QStringLiteral("cards"))));
    dock()->setSavePathProvider([&](const QString& proposed) {
      suggested = proposed;
      return markdown;
    });
    dock()->exportButton()->click();
    QVERIFY2(suggested.endsWith(QStringLiteral("model-card-v%1.md").arg(mV2.id)), qPrintable(suggested));
    QFile md(markdown);
    QVERIFY(md.open(QIODevice::ReadOnly));
    const QString card = QString::fromUtf8(md.readAll());
    QVERIFY2(card.contains(QStringLiteral("v%1").arg(mV2.id)) && card.contains(QString::fromStdString(mDatasetHash)), qPrintable(card));
    QVERIFY(card.startsWith(QStringLiteral("# ")));

    const QString html = mDir.filePath(QStringLiteral("cards/v2-card.html"));
    dock()->setSavePathProvider([&](const QString&) { return html; });
    dock()->exportButton()->click();
    QFile page(html);
    QVERIFY(page.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(page.readAll());
    QVERIFY2(text.startsWith(QStringLiteral("<!DOCTYPE html>")) && text.contains(QString::fromStdString(mDatasetHash)), qPrintable(text.left(400)));
    // Nothing half-written is left beside them.
    QCOMPARE(QDir(mDir.filePath(QStringLiteral("cards"))).entryList(QDir::Files).size(), 2);
  }

  void retrainShowsLabelChangesAndLaunchesThePipeline() {
    dock()->selectVersions({mV1.id});
    // The champion (v1) was trained on today's validated labels.
    QString summary = dock()->retrainSummary();
    QVERIFY2(summary.contains(QStringLiteral("Champion in effect: v%1").arg(mV1.id)), qPrintable(summary));
    QVERIFY2(summary.contains(QStringLiteral("Nothing changed")), qPrintable(summary));

    // A second validated label set (on the second date) is news for the next model.
    LabelStore labels(*mStore);
    const int64_t added = labels.createLabelSet(mFlood.scenes.back().id, "flood", "ana");
    {
      LabelEditor editor(labels, added);
      PixelRegion region{{0, 0, 64, 64}, std::vector<uint8_t>(64 * 64, 0)};
      for (int y = 0; y < 16; ++y)
        for (int x = 0; x < 16; ++x) region.inside[size_t(y) * 64 + x] = 1;
      editor.fillRegion(1, region);
    }
    labels.review(added, ReviewAction::Submit, "ana");
    labels.review(added, ReviewAction::Validate, "rev");
    summary = dock()->retrainSummary();
    QVERIFY2(!summary.contains(QStringLiteral("Nothing changed")), qPrintable(summary));
    QVERIFY2(summary.contains(QStringLiteral("Added: #%1 on %2").arg(added).arg(QString::fromStdString(mFlood.scenes.back().id))),
             qPrintable(summary));
    const LabelSnapshot now = validatedLabels(*mStore, mRegion, mYear, "flood");
    QVERIFY2(summary.contains(QString::fromStdString(now.version)) && summary.contains(QString::fromStdString(mV1.lineage.labelSetVersion)),
             qPrintable(summary));
    QVERIFY2(summary.contains(QStringLiteral("Validated pixels: %L1 → %L2").arg(mV1.lineage.validatedPixels).arg(now.labelledPixels)),
             qPrintable(summary));

    // The pure comparison: added, removed and changed sets.
    ModelLineage then = mV1.lineage;
    then.labelSets.push_back({999, "gone", 1});
    then.labelSets.front().revision += 1;
    const LabelChanges changes = labelChangesSince(then, now);
    QCOMPARE(int(changes.added.size()), 1);
    QCOMPARE(changes.added.front().id, added);
    QCOMPARE(int(changes.removed.size()), 1);
    QCOMPARE(changes.removed.front().id, int64_t(999));
    QCOMPARE(int(changes.changed.size()), 1);
    QVERIFY(!changes.nothingChanged());

    // Declining starts nothing; confirming launches `prithvi pipeline annual` as a job.
    QSignalSpy requested(dock(), &ModelsDock::retrainRequested);
    QString shown;
    dock()->setConfirmProvider([&](const QString&, const QString& text) {
      shown = text;
      return false;
    });
    dock()->retrainButton()->click();
    QCOMPARE(requested.count(), 0);
    QCOMPARE(shown, summary);
    // A version registered by another program shows up when the retrain job ends (however it
    // ends: here it is canceled), without a manual refresh.
    const ModelVersion v3 = registerVersion(QStringLiteral("v3"), 0.72, 0.66, mV1.id);
    QCOMPARE(dock()->versionCount(), 2);
    JobsDock* jobs = mWindow->jobsDock();
    QSignalSpy ended(jobs, &JobsDock::jobEnded);
    const int jobsBefore = jobs->jobCount();
    dock()->setConfirmProvider([](const QString&, const QString&) { return true; });
    dock()->retrainButton()->click();
    QCOMPARE(requested.count(), 1);
    QCOMPARE(requested[0][0].toString(), QStringLiteral("13REN"));
    QCOMPARE(requested[0][1].toInt(), mYear);
    QCOMPARE(requested[0][2].toString(), QStringLiteral("flood"));
    QVERIFY(QTest::qWaitFor([&] { return jobs->jobCount() == jobsBefore + 1; }, 30000));
    QVERIFY2(jobs->nameText(0).startsWith(QStringLiteral("Retrain 13REN")), qPrintable(jobs->nameText(0)));
    jobs->selectRow(0);
    QVERIFY2(jobs->list()->topLevelItem(0)->toolTip(0).contains(
                 QStringLiteral("pipeline annual %1 --region 13REN --year %2 --task flood").arg(QString::fromStdString(mFlood.path)).arg(mYear)),
             qPrintable(jobs->list()->topLevelItem(0)->toolTip(0)));
    QVERIFY2(jobs->runFolder().startsWith(mDir.filePath(QStringLiteral("runs/pipeline-13REN-%1-").arg(mYear))), qPrintable(jobs->runFolder()));

    // The pipeline really starts (its first event is in the job's log), then it is canceled.
    const QString jobLog = QDir(jobs->runFolder()).filePath(QStringLiteral("job.log"));
    auto logText = [&] {
      QFile file(jobLog);
      return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
    };
    QVERIFY2(QTest::qWaitFor([&] { return logText().contains(QStringLiteral("\"started\"")); }, 30000), qPrintable(logText()));
    QVERIFY2(logText().contains(QStringLiteral("pipeline annual")), qPrintable(logText()));
    if (ended.isEmpty()) {
      QVERIFY(QTest::qWaitFor([&] { return jobs->cancelButton()->isEnabled() || !ended.isEmpty(); }, 30000));
      if (ended.isEmpty()) jobs->cancelButton()->click();
    }
    QVERIFY2(QTest::qWaitFor([&] { return !ended.isEmpty(); }, 120000), qPrintable(jobs->logView()->toPlainText().right(2000)));
    QVERIFY(ended[0][2].toString().startsWith(QStringLiteral("Retrain")));
    qInfo("the retrain job ended %s; its log ends with:\n%s", qPrintable(ended[0][1].toString()), qPrintable(logText().right(800)));
    QVERIFY(QTest::qWaitFor([&] { return !dock()->cellText(v3.id, ModelsDock::kVersion).isEmpty(); }, 5000));
  }

  void clickOnAnnualMapShowsPixelProvenance() {
    // Two class maps of the year: the first says water on a checkerboard, the second water in
    // the left half and nothing (cloud) in the right half.
    const Scene& grid = mFlood.scenes.front();
    const std::string first = mDir.filePath(QStringLiteral("results/class-1.tif")).toStdString();
    const std::string second = mDir.filePath(QStringLiteral("results/class-2.tif")).toStdString();
    QVERIFY(QDir().mkpath(mDir.filePath(QStringLiteral("results"))));
    writeClassMap(first, grid, [](int x, int y) { return (x + y) % 2 == 0 ? 1 : 0; });
    writeClassMap(second, grid, [](int x, int) { return x < 8 ? 1 : 255; });
    MapProvenance provenance;
    provenance.modelVersion = mV2.id;
    provenance.modelSha256 = mV2.sha256;
    provenance.modelAlias = kChallengerAlias;
    provenance.region = mRegion;
    provenance.year = mYear;
    provenance.granules = {mFlood.scenes.front().id, mFlood.scenes.back().id};
    provenance.fmaskPolicy = "cloud, cloud shadow, fill";
    provenance.labelSetVersion = mV2.lineage.labelSetVersion;
    provenance.datasetHash = mDatasetHash;
    const std::string annual = mDir.filePath(QStringLiteral("results/annual-13REN.tif")).toStdString();
    writeAnnualVote({first, second}, annual, provenance);
    MapProduct product;
    product.path = annual;
    product.kind = "annual_map";
    product.version = mV2.id;
    product.region = mRegion;
    product.year = mYear;
    product.granules = provenance.granules;
    product.fmaskPolicy = provenance.fmaskPolicy;
    product.labelSetVersion = provenance.labelSetVersion;
    mRegistry->addMapProduct(product);

    const int annualLayer = mWindow->addRasterLayer(QString::fromStdString(annual));
    QVERIFY(annualLayer > 0);
    QVERIFY(QTest::qWaitFor([&] { return canvas()->isRenderComplete(); }, 30000));

    // (5, 7): water in both maps.
    centreOnPixel(5, 7);
    QSignalSpy identified(mWindow.get(), &MainWindow::identifyFinished);
    QTest::mouseClick(canvas(), Qt::LeftButton, Qt::NoModifier, canvasCentre());
    QVERIFY(identified.wait(10000));
    QStringList shown = treeTexts(dock()->provenanceTree());
    const QString all = shown.join('\n');
    QVERIFY2(shown.contains(QStringLiteral("Pixel: x 5, y 7")), qPrintable(all));
    QVERIFY2(shown.contains(QStringLiteral("Class: 1 — Water")), qPrintable(all));
    QVERIFY2(shown.contains(QStringLiteral("Clear observations: 2")), qPrintable(all));
    QVERIFY2(shown.contains(QStringLiteral("Votes for the class: 2 of 2")), qPrintable(all));
    QVERIFY2(anyContains(shown, QStringLiteral("Model version: v%1 — registered").arg(mV2.id)), qPrintable(all));
    QVERIFY2(shown.contains(QStringLiteral("Registered artifact: same SHA-256")), qPrintable(all));
    QVERIFY2(shown.contains(QStringLiteral("Alias when made: challenger")), qPrintable(all));
    QVERIFY2(shown.contains(QStringLiteral("Dataset hash: ") + QString::fromStdString(mDatasetHash)), qPrintable(all));
    QVERIFY2(shown.contains(QStringLiteral("Granules: 2")), qPrintable(all));
    for (const std::string& granule : provenance.granules)
      QVERIFY2(shown.contains(QStringLiteral(": ") + QString::fromStdString(granule)), qPrintable(all));
    QVERIFY2(anyContains(shown, QStringLiteral("map product #%1").arg(product.id)), qPrintable(all));
    QVERIFY2(shown.contains(QStringLiteral("Fmask policy: cloud, cloud shadow, fill")), qPrintable(all));
    // The panel is in front, in a dock that shows.
    QCOMPARE(dock()->detailTabs()->currentWidget(), static_cast<QWidget*>(dock()->provenanceTree()));
    QVERIFY(QTest::qWaitFor([&] { return !modelsDockWidget()->visibleRegion().isEmpty(); }, 5000));
    // The identify tree has the short version under the map's layer.
    const QStringList identify = treeTexts(mWindow->identifyTree());
    QVERIFY2(identify.contains(QStringLiteral("Provenance: model v%1").arg(mV2.id)), qPrintable(identify.join('\n')));
    QVERIFY2(identify.contains(QStringLiteral("Votes: 2 of 2 clear observations")), qPrintable(identify.join('\n')));
    test::keepScreenshot(dock(), "models_dock_provenance.png");
    if (!qEnvironmentVariableIsEmpty("PRITHVI_TEST_SCREENSHOTS")) {  // the map large enough to see
      canvas()->zoomToLayer(annualLayer);
      QVERIFY(QTest::qWaitFor([&] { return canvas()->isRenderComplete(); }, 30000));
      test::keepScreenshot(mWindow.get(), "models_dock_provenance_window.png");
    }

    // (10, 3): land in the first map, cloud in the second: one observation.
    centreOnPixel(10, 3);
    QTest::mouseClick(canvas(), Qt::LeftButton, Qt::NoModifier, canvasCentre());
    QVERIFY(identified.wait(10000));
    shown = treeTexts(dock()->provenanceTree());
    QVERIFY2(shown.contains(QStringLiteral("Pixel: x 10, y 3")), qPrintable(shown.join('\n')));
    QVERIFY2(shown.contains(QStringLiteral("Class: 0 — Not water")), qPrintable(shown.join('\n')));
    QVERIFY2(shown.contains(QStringLiteral("Votes for the class: 1 of 1")), qPrintable(shown.join('\n')));

    // A version removed from the registry's view: the panel says the map's version is not here.
    PixelProvenance orphan = pixelProvenance(annual, 10, 3);
    orphan.map.modelVersion = 4242;
    dock()->showPixelProvenance(orphan);
    QVERIFY(anyContains(treeTexts(dock()->provenanceTree()), QStringLiteral("v4242 — not registered in this project")));

    // Clicking an HLS layer (no provenance) leaves the panel as it was.
    mWindow->layers()->setVisible(mWindow->layers()->layers().back().id, false);
    const QStringList before = treeTexts(dock()->provenanceTree());
    QTest::mouseClick(canvas(), Qt::LeftButton, Qt::NoModifier, canvasCentre());
    QVERIFY(identified.wait(10000));
    QCOMPARE(treeTexts(dock()->provenanceTree()), before);
    QVERIFY(!anyContains(treeTexts(mWindow->identifyTree()), QStringLiteral("Provenance")));
  }

  void cleanupTestCase() {
    mWindow.reset();
    mRegistry.reset();
    mStore.reset();
  }
};

QTEST_MAIN(TestModelsDock)
#include "test_models_dock.moc"
