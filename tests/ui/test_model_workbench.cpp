// The model side of the app in a real window (Xvfb): the Run Model dialog starts `prithvi infer`
// as a job on the shown scene (whole, or a drawn area), its progress arrives, the class map
// comes back as a layer in its colours; swipe, blend, flicker and side-by-side show the layers
// they should where they should; the difference map counts the disagreeing pixels; the accuracy
// dock's confusion matrix equals counts made here from the files, and clicking a cell lights up
// exactly its pixels; a job can be canceled and leaves no output.
#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QMenu>
#include <QMenuBar>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QRegularExpression>
#include <QTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonObject>
#include <QPushButton>
#include <QSpinBox>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>
#include <cmath>

#include "core/labels/LabelExchange.h"
#include "core/labels/LabelStore.h"
#include "core/project/ProjectStore.h"
#include "core/raster/Crs.h"
#include "core/raster/RasterSource.h"
#include "core/raster/RasterWriter.h"
#include "core/base/Assets.h"
#include "tests/support/GuiTestSupport.h"
#include "tests/support/TestSupport.h"
#include "ui/AccuracyDock.h"
#include "ui/ComparisonDock.h"
#include "ui/InferenceDialog.h"
#include "ui/JobsDock.h"
#include "ui/LayersDock.h"
#include "ui/VectorLayersPanel.h"
#include "ui/PreferencesDialog.h"
#include "ui/JobRunner.h"
#include "ui/MainWindow.h"
#include "viewers/LayerStack.h"
#include "viewers/MapCanvas.h"

using namespace prithvi;
using namespace prithvi::test;

namespace {

constexpr int kSize = 256;

int channelDistance(QRgb a, QRgb b) {
  return std::max({std::abs(qRed(a) - qRed(b)), std::abs(qGreen(a) - qGreen(b)), std::abs(qBlue(a) - qBlue(b))});
}

std::vector<uint8_t> readBytes(const std::string& path) {
  auto source = RasterSource::open(path);
  const RasterBlock block = source->read({0, 0, source->info().width, source->info().height}, {1}, DataType::Byte);
  const uint8_t* data = block.band<uint8_t>(0);
  return {data, data + size_t(source->info().width) * size_t(source->info().height)};
}

}  // namespace

class TestModelWorkbench : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir mDir;
  FloodProject mFlood;
  std::unique_ptr<MainWindow> mWindow;
  QString mResult;
  int mInputLayer = 0;
  int mResultLayer = 0;

  MapCanvas* canvas() { return mWindow->canvas(); }
  bool waitForRender(MapCanvas* map) {
    if (!QTest::qWaitFor([map] { return map->isRenderComplete(); }, 30000)) return false;
    QTest::qWait(50);
    return map->isRenderComplete();
  }
  QImage grabMap(MapCanvas* map) {
    if (!waitForRender(map)) qWarning("the map did not finish drawing");
    return map->grab().toImage().convertToFormat(QImage::Format_RGB32);
  }
  QString demoModel() { return QString::fromStdString(assetPath("models/demo-flood.safetensors")); }
  // A new window on the flood project, drawn.
  bool openWindow() {
    mWindow = std::make_unique<MainWindow>();
    mWindow->resize(1500, 950);
    mWindow->show();
    return QTest::qWaitForWindowExposed(mWindow.get()) && mWindow->openProject(QString::fromStdString(mFlood.path)) &&
           waitForRender(canvas());
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(mDir.isValid());
    QVERIFY(QFileInfo::exists(JobRunner::cliPath()));
    QVERIFY2(QFileInfo::exists(demoModel()), qPrintable(demoModel()));
    mFlood = makeFloodProject(mDir.path(), kSize, 2, 1, 1);
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(openWindow());
    mInputLayer = mWindow->layers()->topVisible()->id;
  }

  void runModelOnScene() {
    InferenceDialog* dialog = mWindow->openInferenceDialog();
    QVERIFY(dialog);
    dialog->setModel(demoModel());
    dialog->setWindow(64, 0.25);
    // The default output name (break 1 of issue 17: it once read as an HLS band file and the
    // result never appeared): model, tile, date, in the project's results folder.
    const QString proposed = dialog->outputPath();
    QCOMPARE(QFileInfo(proposed).absolutePath(), QFileInfo(mWindow->resultsFolder()).absoluteFilePath());
    QVERIFY2(QFileInfo(proposed).fileName().startsWith(QStringLiteral("demo-flood_T")), qPrintable(proposed));
    QVERIFY(!QFileInfo(proposed).fileName().startsWith(QStringLiteral("HLS.")));
    const int layersBefore = int(mWindow->layers()->layers().size());
    // What the model is, before it runs; the command line stays under Details.
    const QString summary = dialog->findChild<QLabel*>(QStringLiteral("modelSummary"))->text();
    QVERIFY2(summary.contains(QStringLiteral("flood model")) && summary.contains(QStringLiteral("2 classes (No water, Water)")) &&
                 summary.contains(QStringLiteral("6 bands")) && summary.contains(QStringLiteral("64-px windows")),
             qPrintable(summary));
    QVERIFY(!dialog->findChild<QPlainTextEdit*>(QStringLiteral("inferenceLog"))->isVisible());
    QCOMPARE(dialog->findChild<QComboBox*>(QStringLiteral("modelCombo"))->toolTip(), demoModel());
    QString error;
    const QStringList arguments = dialog->jobArguments(&error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(!arguments.contains(QStringLiteral("--bbox")));
    QSignalSpy results(dialog, &InferenceDialog::resultReady);
    auto* progress = dialog->findChild<QProgressBar*>(QStringLiteral("inferenceProgress"));
    int highestProgress = 0;
    QStringList statuses;
    auto* status = dialog->findChild<QLabel*>(QStringLiteral("inferenceStatus"));
    QTimer watch;
    connect(&watch, &QTimer::timeout, this, [&] {
      highestProgress = std::max(highestProgress, progress->value());
      if (statuses.isEmpty() || statuses.last() != status->text()) statuses << status->text();
    });
    watch.start(5);
    dialog->run();
    QVERIFY(dialog->isRunning());
    QVERIFY2(results.wait(180000), qPrintable(dialog->findChild<QLabel*>(QStringLiteral("inferenceStatus"))->text()));
    QCOMPARE(results.first().at(1).toString(), QStringLiteral("class_map"));
    mResult = results.first().at(0).toString();
    QCOMPARE(QFileInfo(mResult).absoluteFilePath(), QFileInfo(proposed).absoluteFilePath());
    QCOMPARE(int(mWindow->layers()->layers().size()), layersBefore + 1);
    QCOMPARE(mWindow->jobsDock()->stateText(0), QStringLiteral("succeeded"));
    // The next run proposes a new name: a second click never overwrites this result.
    QVERIFY(dialog->outputPath() != proposed);
    QVERIFY(highestProgress > 0);
    // Progress in words a user reads: "windows 1-5 of 25".
    QVERIFY2(std::any_of(statuses.begin(), statuses.end(),
                         [](const QString& text) { return QRegularExpression(QStringLiteral("windows \\d+-\\d+ of \\d+")).match(text).hasMatch(); }),
             qPrintable(statuses.join(QStringLiteral(" | "))));
    // The result is a layer drawn in the scheme's colours, compared with its input.
    const MapLayer* top = mWindow->layers()->topVisible();
    QVERIFY(top);
    QCOMPARE(top->style.kind, LayerStyle::Kind::Classes);
    QVERIFY(top->style.classes.size() >= 2);
    mResultLayer = top->id;
    QCOMPARE(mWindow->comparisonDock()->layerA(), mInputLayer);
    QCOMPARE(mWindow->comparisonDock()->layerB(), mResultLayer);
    // The model finds the water: most truth-water pixels are class 1.
    const std::vector<uint8_t> predicted = readBytes(mResult.toStdString());
    int64_t water = 0, found = 0;
    for (size_t i = 0; i < predicted.size(); ++i)
      if (mFlood.water[i] == 1) {
        ++water;
        found += predicted[i] == 1;
      }
    QVERIFY(water > 0);
    QVERIFY2(double(found) / double(water) > 0.5, qPrintable(QStringLiteral("%1 of %2").arg(found).arg(water)));
    dialog->close();
  }

  void drawnAreaMakesABox() {
    InferenceDialog* dialog = mWindow->openInferenceDialog();
    QVERIFY(dialog);
    dialog->setModel(demoModel());
    const GeoTransform& grid = mFlood.scenes.front().geoTransform;
    // The map is in the scene's CRS here: the box must be the drawn rectangle itself.
    const MapPoint a = grid.pixelToMap(32, 32), b = grid.pixelToMap(96, 160);
    dialog->setDrawnArea({std::min(a.x, b.x), std::min(a.y, b.y), std::max(a.x, b.x), std::max(a.y, b.y)});
    const QStringList arguments = dialog->jobArguments();
    const int at = int(arguments.indexOf(QStringLiteral("--bbox")));
    QVERIFY(at > 0);
    const QStringList box = arguments[at + 1].split(QLatin1Char(','));
    QCOMPARE(box.size(), 4);
    QCOMPARE(box[0].toDouble(), std::min(a.x, b.x));
    QCOMPARE(box[3].toDouble(), std::max(a.y, b.y));
    dialog->setArea(InferenceDialog::Area::Scene);
    QVERIFY(!dialog->jobArguments().contains(QStringLiteral("--bbox")));
    dialog->close();
  }

  void swipeShowsEachLayerOnItsSide() {
    ComparisonDock* compare = mWindow->comparisonDock();
    compare->setLayers(mInputLayer, mResultLayer);
    compare->setMode(ComparisonDock::Mode::Off);
    const QImage both = grabMap(canvas());  // the result over the input
    MapCanvas::Comparison inputOnly;
    inputOnly.hidden = {mResultLayer};
    canvas()->setComparison(inputOnly);
    const QImage input = grabMap(canvas());
    compare->setMode(ComparisonDock::Mode::Swipe);
    compare->setAmount(0.5);
    const QImage swiped = grabMap(canvas());
    test::keepScreenshot(mWindow.get(), "model-swipe.png");
    // A (the input) left of the bar, B (the result) right of it.
    const int w = swiped.width(), h = swiped.height();
    int leftInput = 0, rightResult = 0, samples = 0, differing = 0;
    for (int y = h / 4; y < 3 * h / 4; y += 7)
      for (int dx = 20; dx < w / 2 - 20; dx += 9) {
        const int left = dx, right = w - 1 - dx;
        ++samples;
        leftInput += channelDistance(swiped.pixel(left, y), input.pixel(left, y)) <= 2;
        rightResult += channelDistance(swiped.pixel(right, y), both.pixel(right, y)) <= 2;
        differing += channelDistance(both.pixel(right, y), input.pixel(right, y)) > 10;
      }
    QVERIFY(differing > samples / 4);  // the two layers look different, so the test can tell
    QCOMPARE(leftInput, samples);
    QCOMPARE(rightResult, samples);
    // Dragging the bar moves the slider.
    QTest::mousePress(canvas(), Qt::LeftButton, {}, QPoint(w / 2, h / 2));
    QTest::mouseMove(canvas(), QPoint(w / 4, h / 2));
    QTest::mouseRelease(canvas(), Qt::LeftButton, {}, QPoint(w / 4, h / 2));
    QVERIFY(std::abs(compare->amount() - 0.25) < 0.01);
  }

  void blendMixesTheLayers() {
    ComparisonDock* compare = mWindow->comparisonDock();
    compare->setMode(ComparisonDock::Mode::Off);
    const QImage both = grabMap(canvas());
    MapCanvas::Comparison inputOnly;
    inputOnly.hidden = {mResultLayer};
    canvas()->setComparison(inputOnly);
    const QImage input = grabMap(canvas());
    compare->setMode(ComparisonDock::Mode::Blend);
    compare->setAmount(0.5);
    const QImage blended = grabMap(canvas());
    int checked = 0;
    // Above the scale bar and legend, which follow what is on top.
    for (int y = 40; y < blended.height() - 160; y += 11)
      for (int x = 40; x < blended.width() - 40; x += 13) {
        const QRgb a = input.pixel(x, y), b = both.pixel(x, y), m = blended.pixel(x, y);
        if (channelDistance(a, b) < 40) continue;
        ++checked;
        QVERIFY2(std::abs(qRed(m) - (qRed(a) + qRed(b)) / 2) <= 3 && std::abs(qGreen(m) - (qGreen(a) + qGreen(b)) / 2) <= 3,
                 qPrintable(QStringLiteral("(%1,%2)").arg(x).arg(y)));
      }
    QVERIFY(checked > 50);
    compare->setAmount(0.0);
    QVERIFY(channelDistance(grabMap(canvas()).pixel(canvas()->width() / 2, canvas()->height() / 2),
                            input.pixel(canvas()->width() / 2, canvas()->height() / 2)) <= 2);
  }

  void flickerAlternates() {
    ComparisonDock* compare = mWindow->comparisonDock();
    compare->setMode(ComparisonDock::Mode::Flicker);
    compare->setAmount(0.0);  // the fastest pace
    QCOMPARE(compare->flickerIntervalMs(), 150);
    QSet<int> hiddenSeen;
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < 1000) {
      QTest::qWait(20);
      for (int id : canvas()->comparison().hidden) hiddenSeen.insert(id);
    }
    QCOMPARE(hiddenSeen, (QSet<int>{mInputLayer, mResultLayer}));
    compare->setMode(ComparisonDock::Mode::Off);
    QVERIFY(canvas()->comparison().hidden.isEmpty());
  }

  void sideBySideFollowsTheView() {
    ComparisonDock* compare = mWindow->comparisonDock();
    compare->setMode(ComparisonDock::Mode::SideBySide);
    MapCanvas* right = mWindow->secondCanvas();
    QVERIFY(QTest::qWaitFor([right] { return right->isVisible(); }, 2000));
    QCOMPARE(canvas()->comparison().hidden, QSet<int>{mResultLayer});
    QCOMPARE(right->comparison().hidden, QSet<int>{mInputLayer});
    canvas()->panByPixels(QPointF(40, -25));
    canvas()->zoomBy(1.5, canvas()->rect().center());
    QCOMPARE(right->center().x, canvas()->center().x);
    QCOMPARE(right->center().y, canvas()->center().y);
    QCOMPARE(right->resolution(), canvas()->resolution());
    right->panByPixels(QPointF(-10, 10));
    QCOMPARE(canvas()->center().x, right->center().x);
    grabMap(canvas());
    grabMap(right);
    test::keepScreenshot(mWindow.get(), "model-side-by-side.png");
    compare->setMode(ComparisonDock::Mode::Off);
    QVERIFY(!right->isVisible());
    canvas()->zoomToLayer(mInputLayer);
  }

  void accuracyMatchesCountsAndHighlightsCells() {
    // The reference: the validated flood labels, exported here independently of the dock.
    auto project = ProjectStore::open(mFlood.path);
    LabelStore labels(*project);
    const std::string truthPath = mDir.filePath(QStringLiteral("truth.tif")).toStdString();
    exportLabelMask(labels, mFlood.labelSets.front(), truthPath);
    const std::vector<uint8_t> truth = readBytes(truthPath), predicted = readBytes(mResult.toStdString());
    int64_t counts[2][2] = {{0, 0}, {0, 0}};
    for (size_t i = 0; i < truth.size(); ++i)
      if (truth[i] <= 1 && predicted[i] <= 1) ++counts[truth[i]][predicted[i]];

    AccuracyDock* accuracy = mWindow->accuracyDock();
    if (auto* dock = mWindow->findChild<QDockWidget*>(QStringLiteral("accuracyDock"))) dock->raise();
    accuracy->setPrediction(mResultLayer);
    accuracy->setReference(-int(mFlood.labelSets.front()));
    QSignalSpy computed(accuracy, &AccuracyDock::computed);
    accuracy->compute();
    QVERIFY(computed.wait(60000));
    QVERIFY2(accuracy->classResult(), qPrintable(accuracy->findChild<QLabel*>(QStringLiteral("accuracySummary"))->text()));
    const ConfusionMatrix& matrix = accuracy->classResult()->accuracy.confusion;
    QVERIFY(matrix.classes() >= 2);
    for (int t = 0; t < 2; ++t)
      for (int p = 0; p < 2; ++p) QCOMPARE(matrix.at(t, p), counts[t][p]);
    const double iou = double(counts[1][1]) / double(counts[1][1] + counts[0][1] + counts[1][0]);
    QCOMPARE(accuracy->classTable()->item(1, 0)->text(), QString::number(iou, 'f', 3));

    // A click on the "water predicted as no water" cell lights up exactly those pixels.
    QTableWidget* table = accuracy->matrixTable();
    const QRect cellRect = table->visualItemRect(table->item(1, 0));
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, cellRect.center());
    QCOMPARE(accuracy->highlightedPixels(), counts[1][0]);
    accuracy->highlightCell(0, 1);
    QCOMPARE(accuracy->highlightedPixels(), counts[0][1]);
    const QImage map = grabMap(canvas());
    int magenta = 0;
    for (int y = 0; y < map.height(); y += 2)
      for (int x = 0; x < map.width(); x += 2) {
        const QRgb c = map.pixel(x, y);
        magenta += qRed(c) > 200 && qBlue(c) > 200 && qGreen(c) < 90;
      }
    QVERIFY2(counts[0][1] == 0 || magenta > 0, "the highlighted pixels are not drawn");
    test::keepScreenshot(mWindow.get(), "model-accuracy.png");
    accuracy->clearHighlight();
    QCOMPARE(accuracy->highlightedPixels(), 0);
  }

  // Break 4 of issue 17: a plain Byte 0/1 truth raster loaded as grey reflectance and never became
  // a reference. Now it is offered as a class map; accepted, it is one, and the Accuracy dock's
  // numbers on it equal `prithvi evaluate` on the same two files.
  void truthRasterBecomesAClassMapReference() {
    const Scene& scene = mFlood.scenes.front();
    const QString truthPath = mDir.filePath(QStringLiteral("water-truth.tif"));
    writeRaster(truthPath.toStdString(), kSize, kSize, 1, DataType::Byte, mFlood.water.data(), scene.geoTransform, scene.crs());
    LayersDock* layers = mWindow->layersDock();
    const int truthLayer = mWindow->addRasterLayer(truthPath);
    QVERIFY(truthLayer > 0);
    QVERIFY(layers->isClassMapOffered());
    auto* scheme = layers->findChild<QComboBox*>(QStringLiteral("classMapOfferScheme"));
    QCOMPARE(scheme->currentText(), QStringLiteral("flood"));
    test::keepScreenshot(mWindow.get(), "class-map-offer.png");
    layers->findChild<QPushButton*>(QStringLiteral("classMapOfferAccept"))->click();
    QVERIFY(!layers->isClassMapOffered());
    const MapLayer* truth = mWindow->layers()->layer(truthLayer);
    QCOMPARE(truth->style.kind, LayerStyle::Kind::Classes);
    QCOMPARE(QString::fromStdString(truth->style.scheme), QStringLiteral("flood"));
    QCOMPARE(int(truth->style.classes.size()), 2);
    QCOMPARE(QString::fromStdString(truth->style.classes[1].name), QStringLiteral("Water"));
    // Identify names the class of a class map's pixel.
    {
      int wx = -1, wy = -1;
      for (int i = 0; i < kSize * kSize && wx < 0; ++i)
        if (mFlood.water[size_t(i)] == 1) wx = i % kSize, wy = i / kSize;
      QSignalSpy identified(mWindow.get(), &MainWindow::identifyFinished);
      mWindow->identifyAt(scene.geoTransform.pixelToMap(wx + 0.5, wy + 0.5));
      QVERIFY(identified.wait(10000));
      QStringList values;
      for (QTreeWidgetItemIterator it(mWindow->identifyTree()); *it; ++it) values << (*it)->text(1);
      QVERIFY2(values.contains(QStringLiteral("Water (1)")), qPrintable(values.join(QStringLiteral(" | "))));
    }
    // A difference map of a class map and an image is not offered, with the reason.
    mWindow->comparisonDock()->setLayers(mInputLayer, truthLayer);
    auto* difference = mWindow->comparisonDock()->findChild<QPushButton*>(QStringLiteral("differenceButton"));
    QVERIFY(!difference->isEnabled());
    QVERIFY2(difference->toolTip().contains(QStringLiteral("two class maps or two images")), qPrintable(difference->toolTip()));
    mWindow->comparisonDock()->setLayers(mResultLayer, truthLayer);
    QVERIFY(difference->isEnabled());
    // The layer's context menu can say the same, or undo it.
    QMenu* menu = layers->contextMenuFor(truthLayer);
    auto* classMenu = menu->findChild<QMenu*>(QStringLiteral("setClassMapMenu"));
    QVERIFY(classMenu && classMenu->isEnabled());
    delete menu;

    AccuracyDock* accuracy = mWindow->accuracyDock();
    auto* references = accuracy->findChild<QComboBox*>(QStringLiteral("accuracyReference"));
    QVERIFY(references);
    QVERIFY(references->findData(truthLayer) >= 0);
    accuracy->setPrediction(mResultLayer);
    accuracy->setReference(truthLayer);
    QSignalSpy computed(accuracy, &AccuracyDock::computed);
    accuracy->compute();
    QVERIFY(computed.wait(60000));
    QVERIFY(accuracy->classResult());
    const test::ProcessRun evaluated =
        test::runPrithvi({"evaluate", "--pred", mResult, "--truth", truthPath, "--classes", "2", "--json"});
    QVERIFY2(evaluated.code == 0, evaluated.err.constData());
    const QJsonObject report = evaluated.json();
    const ConfusionMatrix& dock = accuracy->classResult()->accuracy.confusion;
    QVERIFY2(report.contains(QStringLiteral("miou")), evaluated.out.constData());
    QCOMPARE(dock.overallAccuracy(), report[QStringLiteral("overall_accuracy")].toDouble());
    QCOMPARE(dock.meanIou(), report[QStringLiteral("miou")].toDouble());
    mWindow->layers()->remove(truthLayer);
  }

  void differenceMapCountsDisagreements() {
    const int truthLayer = mWindow->addRasterLayer(mDir.filePath(QStringLiteral("truth.tif")));
    QVERIFY(truthLayer);
    const size_t before = mWindow->layers()->layers().size();
    mWindow->makeDifferenceMap(truthLayer, mResultLayer);
    QVERIFY(QTest::qWaitFor([&] { return mWindow->layers()->layers().size() == before + 1; }, 30000));
    const MapLayer* difference = mWindow->layers()->topVisible();
    QCOMPARE(difference->style.kind, LayerStyle::Kind::Classes);
    const std::vector<uint8_t> truth = readBytes(mDir.filePath(QStringLiteral("truth.tif")).toStdString());
    const std::vector<uint8_t> predicted = readBytes(mResult.toStdString());
    const std::vector<uint8_t> map = readBytes(difference->scene.bands.front().path);
    QCOMPARE(map.size(), truth.size());
    for (size_t i = 0; i < map.size(); ++i) {
      const bool compared = truth[i] <= 1 && predicted[i] <= 1;
      QCOMPARE(int(map[i]), compared ? int(truth[i] != predicted[i]) : 255);
    }
  }

  void cancelStopsTheJobAndWritesNothing() {
    // Many windows (overlap 0.9) so the job is still running when the cancel arrives.
    const QString out = mDir.filePath(QStringLiteral("canceled.tif"));
    QStringList arguments{QStringLiteral("infer"), QStringLiteral("--model"), demoModel(), QStringLiteral("--out"), out,
                          QStringLiteral("--window"), QStringLiteral("64"), QStringLiteral("--overlap"), QStringLiteral("0.9")};
    for (const SceneBand& band : mFlood.scenes.front().bands)
      arguments << QStringLiteral("--input") << QString::fromStdString(band.path);
    JobRunner job(QStringLiteral("infer"), arguments);
    QSignalSpy progress(&job, &JobRunner::progressed);
    QSignalSpy finished(&job, &JobRunner::finished);
    job.start();
    QVERIFY(progress.wait(60000));
    job.cancel();
    QVERIFY(finished.wait(60000));
    QCOMPARE(job.status(), QStringLiteral("canceled"));
    QVERIFY(!QFileInfo::exists(out));
  }

  void aFailingJobSaysWhy() {
    QStringList arguments{QStringLiteral("infer"), QStringLiteral("--model"), mDir.filePath(QStringLiteral("missing.safetensors")),
                          QStringLiteral("--out"), mDir.filePath(QStringLiteral("never.tif"))};
    for (const SceneBand& band : mFlood.scenes.front().bands)
      arguments << QStringLiteral("--input") << QString::fromStdString(band.path);
    JobRunner job(QStringLiteral("infer"), arguments);
    QSignalSpy finished(&job, &JobRunner::finished);
    job.start();
    QVERIFY(finished.wait(60000));
    QCOMPARE(job.status(), QStringLiteral("failed"));
    QVERIFY2(job.error().contains(QStringLiteral("missing.safetensors")), qPrintable(job.error()));
  }

  // (Last: its result layer goes on top of the others.) Edit > Preferences sets the CPU threads of
  // model jobs; the Run Model dialog passes them and its precision to the job, and an int8 run
  // comes back as a class map like an fp32 one.
  void precisionAndThreadsReachTheJob() {
    const int savedThreads = modelCpuThreads();
    // The menu item a user finds, and the dialog it opens.
    QAction* open = nullptr;
    for (QAction* menu : mWindow->menuBar()->actions())
      if (menu->menu())
        for (QAction* item : menu->menu()->actions())
          if (item->text() == QStringLiteral("&Preferences…") && item->isVisible()) open = item;
    QVERIFY(open);
    bool shown = false;
    QTimer closer;
    connect(&closer, &QTimer::timeout, this, [&] {
      if (auto* dialog = qobject_cast<PreferencesDialog*>(QApplication::activeModalWidget())) {
        shown = dialog->isVisible();
        dialog->reject();
      }
    });
    closer.start(50);
    open->trigger();  // returns when the dialog closes
    closer.stop();
    QVERIFY(shown);
    {
      PreferencesDialog preferences(mWindow.get());
      auto* threads = preferences.findChild<QSpinBox*>(QStringLiteral("cpuThreadsSpin"));
      QVERIFY(threads);
      threads->setValue(1);
      preferences.accept();
      QCOMPARE(modelCpuThreads(), 1);
    }
    InferenceDialog* dialog = mWindow->openInferenceDialog();
    QVERIFY(dialog);
    dialog->setModel(demoModel());
    dialog->setWindow(64, 0.25);
    dialog->setOutputPath(mDir.filePath(QStringLiteral("flood-int8.tif")));
    QStringList arguments = dialog->jobArguments();
    QVERIFY(!arguments.contains(QStringLiteral("--precision")));  // fp32 unless chosen
    QCOMPARE(arguments.at(int(arguments.indexOf(QStringLiteral("--threads"))) + 1), QStringLiteral("1"));
    auto* precision = dialog->findChild<QComboBox*>(QStringLiteral("precisionCombo"));
    QVERIFY(precision);
    precision->setCurrentIndex(precision->findData(QStringLiteral("int8")));
    arguments = dialog->jobArguments();
    QCOMPARE(arguments.at(int(arguments.indexOf(QStringLiteral("--precision"))) + 1), QStringLiteral("int8"));
    // Clean-up of class maps: passed on when set, off for probabilities.
    auto* minRegion = dialog->findChild<QSpinBox*>(QStringLiteral("cleanMinRegionSpin"));
    auto* smooth = dialog->findChild<QSpinBox*>(QStringLiteral("cleanSmoothSpin"));
    QVERIFY(minRegion && smooth);
    QVERIFY(!arguments.contains(QStringLiteral("--clean-min-region")));
    minRegion->setValue(20);
    smooth->setValue(1);
    arguments = dialog->jobArguments();
    QCOMPARE(arguments.at(int(arguments.indexOf(QStringLiteral("--clean-min-region"))) + 1), QStringLiteral("20"));
    QCOMPARE(arguments.at(int(arguments.indexOf(QStringLiteral("--clean-open"))) + 1), QStringLiteral("1"));
    auto* outputKind = dialog->findChild<QComboBox*>(QStringLiteral("outputKindCombo"));
    outputKind->setCurrentIndex(outputKind->findData(QStringLiteral("probabilities")));
    QVERIFY(!minRegion->isEnabled());
    QVERIFY(!dialog->jobArguments().contains(QStringLiteral("--clean-min-region")));
    outputKind->setCurrentIndex(0);
    QVERIFY(minRegion->isEnabled());
    test::keepScreenshot(dialog, "inference-dialog-clean-up.png");
    minRegion->setValue(0);
    smooth->setValue(0);
    QSignalSpy results(dialog, &InferenceDialog::resultReady);
    dialog->run();
    QVERIFY2(results.wait(180000), qPrintable(dialog->findChild<QLabel*>(QStringLiteral("inferenceStatus"))->text()));
    QCOMPARE(results.first().at(1).toString(), QStringLiteral("class_map"));
    // int8 keeps the fp32 map almost everywhere.
    const std::vector<uint8_t> int8 = readBytes(results.first().at(0).toString().toStdString());
    const std::vector<uint8_t> fp32 = readBytes(mResult.toStdString());
    QCOMPARE(int8.size(), fp32.size());
    int64_t same = 0;
    for (size_t i = 0; i < fp32.size(); ++i) same += int8[i] == fp32[i];
    QVERIFY2(double(same) / double(fp32.size()) > 0.99, qPrintable(QStringLiteral("%1 of %2").arg(same).arg(fp32.size())));
    dialog->close();
    setModelCpuThreads(savedThreads);
    QCOMPARE(cpuThreadArguments().isEmpty(), savedThreads == 0);
  }

  // A GeoJSON in longitude and latitude drawn over the UTM map: its features are identified with
  // their attributes, and it is the area the model runs over.
  // Run Model > Output "uncertainty": the result shows as entropy in Magma over a fixed 0 .. 1
  // (brightest where the model is least sure), and the model is less sure at the water's edges
  // than inside water or land.
  void uncertaintyShowsWhereTheModelIsUnsure() {
    InferenceDialog* dialog = mWindow->openInferenceDialog();
    QVERIFY(dialog);
    dialog->setModel(demoModel());
    dialog->setWindow(64, 0.25);
    auto* outputKind = dialog->findChild<QComboBox*>(QStringLiteral("outputKindCombo"));
    const int choice = outputKind->findData(QStringLiteral("uncertainty"));
    QVERIFY(choice > 0);
    outputKind->setCurrentIndex(choice);
    QCOMPARE(dialog->jobArguments().at(int(dialog->jobArguments().indexOf(QStringLiteral("--output"))) + 1),
             QStringLiteral("uncertainty"));
    QSignalSpy results(dialog, &InferenceDialog::resultReady);
    dialog->run();
    QVERIFY2(results.wait(180000), qPrintable(dialog->findChild<QLabel*>(QStringLiteral("inferenceStatus"))->text()));
    QCOMPARE(results.first().at(1).toString(), QStringLiteral("uncertainty"));
    const MapLayer* top = mWindow->layers()->topVisible();
    QVERIFY(top);
    QCOMPARE(top->style.kind, LayerStyle::Kind::SingleBand);
    QCOMPARE(top->style.colorMap, ColorMapName::Magma);
    QCOMPARE(top->style.stretch[0].min, 0.0);
    QCOMPARE(top->style.stretch[0].max, 1.0);
    QVERIFY(QTest::qWaitFor([&] { return mWindow->canvas()->isRenderComplete(); }, 60000));
    test::keepScreenshot(mWindow.get(), "uncertainty-layer.png");

    auto source = RasterSource::open(results.first().at(0).toString().toStdString());
    const RasterBlock block = source->read({0, 0, kSize, kSize}, {1}, DataType::Float32);
    const float* entropy = block.band<float>(0);
    auto water = [&](int x, int y) { return mFlood.water[size_t(y) * kSize + size_t(x)] == 1; };
    double edgeSum = 0, innerSum = 0;
    int edges = 0, inner = 0;
    for (int y = 3; y < kSize - 3; ++y)
      for (int x = 3; x < kSize - 3; ++x) {
        const float value = entropy[size_t(y) * kSize + size_t(x)];
        if (std::isnan(value)) continue;
        bool mixed = false;
        for (int dy = -3; dy <= 3 && !mixed; ++dy)
          for (int dx = -3; dx <= 3 && !mixed; ++dx) mixed = water(x + dx, y + dy) != water(x, y);
        (mixed ? edgeSum : innerSum) += value;
        ++(mixed ? edges : inner);
      }
    QVERIFY(edges > 100 && inner > 1000);
    qInfo("mean entropy within 3 px of the water's edge %.3f (%d px), elsewhere %.3f (%d px)", edgeSum / edges, edges,
          innerSum / inner, inner);
    QVERIFY(edgeSum / edges > innerSum / inner);
    mWindow->layers()->remove(top->id);
    dialog->close();
  }

  void vectorLayerIsAnAreaOfInterest() {
    const Scene& scene = mFlood.scenes.front();
    const LonLatTransform lonLat(scene.crs());
    const MapPoint a = scene.geoTransform.pixelToMap(40, 40), b = scene.geoTransform.pixelToMap(120, 100);
    const LonLat nw = *lonLat.toLonLat({a.x, a.y}), se = *lonLat.toLonLat({b.x, b.y});
    const QString path = mDir.filePath(QStringLiteral("area.geojson"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QStringLiteral(R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"study area","id":7},
      "geometry":{"type":"Polygon","coordinates":[[[%1,%2],[%3,%2],[%3,%4],[%1,%4],[%1,%2]]]}}]})")
                   .arg(nw.lon, 0, 'f', 8).arg(nw.lat, 0, 'f', 8).arg(se.lon, 0, 'f', 8).arg(se.lat, 0, 'f', 8).toUtf8());
    file.close();
    VectorLayersPanel* vectors = mWindow->vectorLayers();
    QSignalSpy added(vectors, &VectorLayersPanel::added);
    mWindow->addVectorLayer(path);  // read in the background
    QVERIFY(added.wait(10000));
    QCOMPARE(vectors->count(), 1);
    canvas()->zoomToLayer(mInputLayer);
    const QImage map = grabMap(canvas());
    int outline = 0;
    for (int y = 0; y < map.height(); ++y)
      for (int x = 0; x < map.width(); ++x) {
        const QRgb c = map.pixel(x, y);
        outline += qRed(c) > 220 && qBlue(c) > 160 && qGreen(c) < 60;
      }
    QVERIFY2(outline > 100, qPrintable(QString::number(outline)));
    test::keepScreenshot(mWindow.get(), "vector-layer.png");
    // Identify lists the feature's attributes.
    QSignalSpy identified(mWindow.get(), &MainWindow::identifyFinished);
    mWindow->identifyAt(scene.geoTransform.pixelToMap(80, 70));
    QVERIFY(identified.wait(10000));
    QStringList values;
    for (QTreeWidgetItemIterator it(mWindow->identifyTree()); *it; ++it) values << (*it)->text(0) + "=" + (*it)->text(1);
    QVERIFY2(values.contains(QStringLiteral("name=study area")), qPrintable(values.join(QStringLiteral(" | "))));
    // Its context menu runs the model over its area: the drawn-area box is the polygon's.
    QMenu* menu = vectors->contextMenuFor(0);
    menu->findChild<QAction*>(QStringLiteral("vectorRunModelAction"))->trigger();
    delete menu;
    auto* dialog = mWindow->findChild<InferenceDialog*>(QStringLiteral("inferenceDialog"));
    QVERIFY(dialog);
    const QStringList box = dialog->bboxArgument().split(QLatin1Char(','));
    QCOMPARE(box.size(), 4);
    QVERIFY2(std::abs(box[0].toDouble() - a.x) < 30 && std::abs(box[3].toDouble() - a.y) < 30 && std::abs(box[2].toDouble() - b.x) < 30 &&
                 std::abs(box[1].toDouble() - b.y) < 30,
             qPrintable(box.join(QLatin1Char(','))));
    dialog->close();
    // A file that is not vector data says so and adds nothing.
    QSignalSpy failed(vectors, &VectorLayersPanel::failed);
    test::answerNextMessageBox(QString(), QMessageBox::Ok);
    mWindow->addVectorLayer(mResult);
    QVERIFY(failed.wait(10000));
    QVERIFY2(failed.first().at(1).toString().contains(QStringLiteral("as vector data")), qPrintable(failed.first().at(1).toString()));
    QCOMPARE(vectors->count(), 1);
  }

  // Break 7 of issue 17: after a restart the result and reference layers were gone. The project
  // keeps the session: layers in order with style, class-map role, opacity and visibility, the
  // view, the dock layout; and every job the window ran.
  void sessionComesBackOnReopen() {
    const Scene& scene = mFlood.scenes.front();
    const QString truthPath = mDir.filePath(QStringLiteral("water-truth-2.tif"));
    writeRaster(truthPath.toStdString(), kSize, kSize, 1, DataType::Byte, mFlood.water.data(), scene.geoTransform, scene.crs());
    const int truthLayer = mWindow->addRasterLayer(truthPath);
    QVERIFY(mWindow->setLayerClassMap(truthLayer, QStringLiteral("flood")));
    LayerStack* layers = mWindow->layers();
    layers->setOpacity(truthLayer, 0.4);
    layers->setVisible(mResultLayer, false);
    canvas()->setView(canvas()->center(), canvas()->resolution() / 2);
    QVERIFY(waitForRender(canvas()));
    auto* accuracyDock = mWindow->findChild<QDockWidget*>(QStringLiteral("accuracyDock"));
    accuracyDock->setFloating(true);
    const std::vector<MapLayer> before = layers->layers();
    const MapPoint center = canvas()->center();
    const double resolution = canvas()->resolution();
    const int jobs = mWindow->jobsDock()->jobCount();
    QVERIFY(jobs >= 2);
    QVERIFY(mWindow->close());
    mWindow.reset();

    QVERIFY(openWindow());
    const std::vector<MapLayer>& after = mWindow->layers()->layers();
    QCOMPARE(after.size(), before.size());
    for (size_t i = 0; i < after.size(); ++i) {
      QCOMPARE(after[i].scene.id, before[i].scene.id);
      QCOMPARE(after[i].visible, before[i].visible);
      QCOMPARE(after[i].opacity, before[i].opacity);
      QCOMPARE(after[i].style.kind, before[i].style.kind);
      QCOMPARE(after[i].style.scheme, before[i].style.scheme);
      QCOMPARE(after[i].style.classes.size(), before[i].style.classes.size());
      for (int c = 0; c < 3; ++c) QCOMPARE(after[i].style.stretch[size_t(c)].max, before[i].style.stretch[size_t(c)].max);
    }
    QCOMPARE(canvas()->resolution(), resolution);
    QCOMPARE(canvas()->center().x, center.x);
    QCOMPARE(canvas()->center().y, center.y);
    QVERIFY(mWindow->findChild<QDockWidget*>(QStringLiteral("accuracyDock"))->isFloating());
    mWindow->findChild<QDockWidget*>(QStringLiteral("accuracyDock"))->setFloating(false);
    // The restored truth map is a reference again.
    auto* references = mWindow->accuracyDock()->findChild<QComboBox*>(QStringLiteral("accuracyReference"));
    bool listed = false;
    for (int i = 0; i < references->count(); ++i) listed |= references->itemText(i) == QStringLiteral("water-truth-2.tif");
    QVERIFY(listed);
    QCOMPARE(mWindow->jobsDock()->jobCount(), jobs);
    QVERIFY(QTest::qWaitFor([&] { return mWindow->vectorLayers()->count() == 1; }, 10000));  // the vector layer added earlier
    test::keepScreenshot(mWindow.get(), "session-restored.png");
  }

  void cleanupTestCase() { mWindow.reset(); }
};

QTEST_MAIN(TestModelWorkbench)
#include "test_model_workbench.moc"
