// The whole loop through the real main window, as a scientist goes through it, with only what a
// user clicks or types (menu actions, toolbar buttons, dialog fields, drags on the map; file
// dialogs answered by typing the path): new project -> import a synthetic HLS tile -> label two
// dates -> submit and validate -> build the dataset -> launch a tiny fine-tune on this machine
// and follow it in the Jobs dock -> run the model on the view -> swipe -> accuracy against the
// validated labels and against the truth raster set as a class map (equal to `prithvi evaluate`
// on the same files) -> export a PDF and a GeoTIFF -> close -> reopen: the same layers, styles
// and view, and every job listed. The window size comes from PRITHVI_LOOP_SIZE ("1600x1000",
// "1280x800"); with PRITHVI_TEST_SCREENSHOTS every step is kept as a picture.
#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QTreeWidget>
#include <functional>

#include "core/dataset/ChipDataset.h"
#include "core/labels/LabelStore.h"
#include "core/project/ProjectStore.h"
#include "core/raster/RasterSource.h"
#include "core/synth/HlsSynth.h"
#include "tests/support/GuiTestSupport.h"
#include "tests/support/TestSupport.h"
#include "ui/AccuracyDock.h"
#include "ui/CatalogDock.h"
#include "ui/ComparisonDock.h"
#include "ui/DatasetDialog.h"
#include "ui/InferenceDialog.h"
#include "ui/JobRunner.h"
#include "ui/JobsDock.h"
#include "ui/LabelDock.h"
#include "ui/LaunchDialog.h"
#include "ui/LayersDock.h"
#include "ui/MainWindow.h"
#include "ui/MapExportDialog.h"
#include "viewers/LayerStack.h"
#include "viewers/MapCanvas.h"

using namespace prithvi;

namespace {

constexpr int kSize = 128;

// Answers the next modal dialog for which `answer` returns true (it fills and accepts it).
void whenModal(std::function<bool(QWidget*)> answer) {
  auto* timer = new QTimer(qApp);
  timer->setInterval(30);
  QObject::connect(timer, &QTimer::timeout, [timer, answer] {
    QWidget* modal = QApplication::activeModalWidget();
    if (!modal) return;
    if (!answer(modal)) {
      // Another box than the one expected: say which, once, so a failure reads plainly.
      static QWidget* reported = nullptr;
      if (reported != modal) qWarning("unexpected modal window %s '%s'", modal->metaObject()->className(), qPrintable(modal->windowTitle()));
      reported = modal;
      return;
    }
    timer->stop();
    timer->deleteLater();
  });
  timer->start();
}

// A file dialog: types the path into its file name box and accepts, as a user would.
void answerFileDialog(const QString& path) {
  whenModal([path](QWidget* widget) {
    auto* dialog = qobject_cast<QFileDialog*>(widget);
    if (!dialog) return false;
    if (auto* name = dialog->findChild<QLineEdit*>(QStringLiteral("fileNameEdit"))) name->setText(path);
    dialog->selectFile(path);
    QMetaObject::invokeMethod(dialog, "accept", Qt::QueuedConnection);
    return true;
  });
}

// The largest square of one truth value, as (x, y, side) in scene pixels.
QRect squareOf(const std::vector<uint8_t>& truth, int size, uint8_t value, int largest) {
  for (int side = largest; side >= 4; side -= 2)
    for (int y = 4; y + side < size - 4; y += 2)
      for (int x = 4; x + side < size - 4; x += 2) {
        bool all = true;
        for (int dy = 0; dy < side && all; ++dy)
          for (int dx = 0; dx < side && all; ++dx) all = truth[size_t(y + dy) * size + x + dx] == value;
        if (all) return QRect(x, y, side, side);
      }
  return {};
}

}  // namespace

class TestAppLoop : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir mDir;
  QSize mSize{1600, 1000};
  QString mTag;
  QString mProject;
  QString mHls;
  QString mTruth;
  std::vector<uint8_t> mWater;
  std::unique_ptr<MainWindow> mWindow;
  int mStep = 0;
  QString mResult;
  int mResultLayer = 0;

  MapCanvas* canvas() { return mWindow->canvas(); }
  QAction* action(const char* name) {
    QAction* found = mWindow->findChild<QAction*>(QLatin1String(name));
    if (!found) qWarning("no action %s", name);
    return found;
  }
  bool waitForRender() {
    if (!QTest::qWaitFor([this] { return canvas()->isRenderComplete(); }, 30000)) return false;
    QTest::qWait(50);
    return canvas()->isRenderComplete();
  }
  void shot(const char* what) {
    waitForRender();
    test::keepScreenshot(mWindow.get(), qPrintable(QStringLiteral("loop-%1-%2-%3.png").arg(mTag).arg(++mStep, 2, 10, QLatin1Char('0')).arg(QLatin1String(what))));
  }
  void raise(const char* dock) {
    if (auto* widget = mWindow->findChild<QDockWidget*>(QLatin1String(dock))) {
      widget->show();
      widget->raise();
    }
  }
  QPoint screenOf(const Scene& scene, double px, double py) {
    return canvas()->mapToScreen(scene.geoTransform.pixelToMap(px, py)).toPoint();
  }
  void dragOnMap(const QPoint& from, const QPoint& to) {
    QTest::mousePress(canvas(), Qt::LeftButton, Qt::NoModifier, from);
    QTest::mouseMove(canvas(), (from + to) / 2);
    QTest::mouseMove(canvas(), to);
    QTest::mouseRelease(canvas(), Qt::LeftButton, Qt::NoModifier, to);
  }
  void pickClass(const QString& name) {
    auto* palette = mWindow->labelDock()->findChild<QListWidget*>(QStringLiteral("classPalette"));
    for (int row = 0; row < palette->count(); ++row)
      if (palette->item(row)->text().contains(name)) {
        QTest::mouseClick(palette->viewport(), Qt::LeftButton, Qt::NoModifier, palette->visualItemRect(palette->item(row)).center());
        return;
      }
    qWarning("no class %s", qPrintable(name));
  }
  // Labels the top layer's scene: a new flood set, a water square and a dry square, then submit
  // and validate (each confirmed in its box).
  void labelShownDate() {
    whenModal([](QWidget* widget) {
      if (widget->objectName() != QLatin1String("newLabelSetDialog")) return false;
      auto* scheme = widget->findChild<QComboBox*>(QStringLiteral("schemeCombo"));
      scheme->setCurrentIndex(scheme->findData(QStringLiteral("flood")));
      auto* author = widget->findChild<QLineEdit*>(QStringLiteral("authorEdit"));
      if (author->text().isEmpty()) QTest::keyClicks(author, QStringLiteral("ana"));
      auto* buttons = widget->findChild<QDialogButtonBox*>();
      QTest::mouseClick(buttons->button(QDialogButtonBox::Ok), Qt::LeftButton);
      return true;
    });
    mWindow->labelDock()->newLabelSetAction()->trigger();
    QVERIFY(mWindow->labelDock()->editor());
    const Scene scene = mWindow->layers()->topVisible()->scene;
    mWindow->labelDock()->toolAction(LabelTool::Rectangle)->trigger();
    const QRect water = squareOf(mWater, kSize, 1, 24), dry = squareOf(mWater, kSize, 0, 72);
    QVERIFY(!water.isEmpty() && !dry.isEmpty());
    pickClass(QStringLiteral("Water"));
    dragOnMap(screenOf(scene, water.left() + 0.5, water.top() + 0.5), screenOf(scene, water.right() + 0.5, water.bottom() + 0.5));
    pickClass(QStringLiteral("No water"));
    dragOnMap(screenOf(scene, dry.left() + 0.5, dry.top() + 0.5), screenOf(scene, dry.right() + 0.5, dry.bottom() + 0.5));
    // The palette counts what was drawn.
    auto* palette = mWindow->labelDock()->findChild<QListWidget*>(QStringLiteral("classPalette"));
    qlonglong labelled = 0;
    for (int row = 0; row < palette->count(); ++row) labelled += palette->item(row)->data(Qt::UserRole + 1).toLongLong();
    QVERIFY2(labelled > 2 * 16, qPrintable(QString::number(labelled)));
    shot("labels-drawn");
    test::answerNextMessageBox(QStringLiteral("reviewConfirmation"));
    mWindow->labelDock()->reviewAction(ReviewAction::Submit)->trigger();
    if (!mWindow->labelDock()->selfReviewAction()->isChecked()) mWindow->labelDock()->selfReviewAction()->trigger();
    test::answerNextMessageBox(QStringLiteral("reviewConfirmation"));
    mWindow->labelDock()->reviewAction(ReviewAction::Validate)->trigger();
    QCOMPARE(mWindow->labelDock()->editor()->labelSet().state, ReviewState::Validated);
    mWindow->labelDock()->toolAction(LabelTool::Select)->trigger();
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(mDir.isValid());
    QVERIFY(QFileInfo::exists(JobRunner::cliPath()));
    const QByteArray size = qgetenv("PRITHVI_LOOP_SIZE");
    if (!size.isEmpty()) {
      const QList<QByteArray> sides = size.split('x');
      QCOMPARE(sides.size(), 2);
      mSize = QSize(sides[0].toInt(), sides[1].toInt());
    }
    mTag = QStringLiteral("%1x%2").arg(mSize.width()).arg(mSize.height());
    QStandardPaths::setTestModeEnabled(true);
    // The imagery a scientist brings: a synthetic HLS tile of three dates, with its water truth.
    HlsSynthOptions synth;
    synth.size = kSize;
    synth.dates = 3;
    synth.outDir = mDir.filePath(QStringLiteral("hls")).toStdString();
    const HlsSynthResult made = synthesizeHlsTile(synth);
    mHls = QString::fromStdString(synth.outDir);
    mTruth = QString::fromStdString(made.truthDir + "/T13REN.water.tif");
    auto truth = RasterSource::open(mTruth.toStdString());
    const RasterBlock block = truth->read({0, 0, kSize, kSize}, {1}, DataType::Byte);
    mWater.assign(block.band<uint8_t>(0), block.band<uint8_t>(0) + size_t(kSize) * kSize);
    mProject = mDir.filePath(QStringLiteral("loop.gpkg"));
  }

  void newProjectAndImport() {
    mWindow = std::make_unique<MainWindow>();
    mWindow->resize(mSize);
    mWindow->show();
    QVERIFY(QTest::qWaitForWindowExposed(mWindow.get()));
    answerFileDialog(mProject);
    action("newProjectAction")->trigger();
    QCOMPARE(mWindow->projectPath(), mProject);
    QSignalSpy imported(mWindow.get(), &MainWindow::importFinished);
    answerFileDialog(mHls);
    action("importFolderAction")->trigger();
    QVERIFY(imported.wait(60000));
    QCOMPARE(imported.first().at(0).toInt(), 3);
    QCOMPARE(mWindow->catalog()->sceneCount(), 3);
    QVERIFY(mWindow->layers()->topVisible());
    shot("imported");
  }

  void labelTwoDates() {
    labelShownDate();
    // The second date: double-click it in the catalog.
    const std::string first = mWindow->layers()->topVisible()->scene.id;
    QTreeWidget* tree = mWindow->catalog()->tree();
    QTreeWidgetItem* other = nullptr;
    for (QTreeWidgetItemIterator it(tree); *it && !other; ++it)
      if ((*it)->childCount() == 0 && !(*it)->text(0).isEmpty() && !(*it)->data(0, Qt::UserRole + 1).toString().isEmpty() &&
          (*it)->data(0, Qt::UserRole + 1).toString().toStdString() != first)
        other = *it;
    QVERIFY(other);
    for (QTreeWidgetItem* parent = other->parent(); parent; parent = parent->parent()) parent->setExpanded(true);
    tree->scrollToItem(other);
    const QPoint at = tree->visualItemRect(other).center();
    QTest::mouseClick(tree->viewport(), Qt::LeftButton, Qt::NoModifier, at);
    QTest::mouseDClick(tree->viewport(), Qt::LeftButton, Qt::NoModifier, at);
    QVERIFY(QTest::qWaitFor([&] { return mWindow->layers()->topVisible()->scene.id != first; }, 10000));
    QVERIFY(waitForRender());
    labelShownDate();
    auto project = ProjectStore::open(mProject.toStdString());
    LabelSetFilter validated;
    validated.state = ReviewState::Validated;
    QCOMPARE(int(LabelStore(*project).labelSets(validated).size()), 2);
    shot("labels-validated");
  }

  void buildDatasetAndTrain() {
    action("buildDatasetAction")->trigger();
    auto* dialog = mWindow->findChild<DatasetDialog*>(QStringLiteral("datasetDialog"));
    QVERIFY(dialog);
    QSignalSpy previewed(dialog, &DatasetDialog::previewReady);
    dialog->findChild<QSpinBox*>(QStringLiteral("datasetChipSize"))->setValue(32);
    dialog->findChild<QDoubleSpinBox*>(QStringLiteral("datasetTest"))->setValue(0);
    QVERIFY(previewed.wait(30000));
    QVERIFY(QTest::qWaitFor([&] { return dialog->preview().has_value() || !previewed.isEmpty(); }, 20000));
    QVERIFY2(dialog->preview(), qPrintable(dialog->previewText()));
    test::keepScreenshot(dialog, qPrintable(QStringLiteral("loop-%1-dataset-dialog.png").arg(mTag)));
    QSignalSpy built(dialog, &DatasetDialog::built);
    QTest::mouseClick(dialog->findChild<QPushButton*>(QStringLiteral("datasetBuildButton")), Qt::LeftButton);
    QVERIFY2(built.wait(60000), qPrintable(dialog->findChild<QLabel*>(QStringLiteral("datasetStatus"))->text()));
    const QString store = built.first().at(0).toString();
    QCOMPARE(ChipDataset::open(store.toStdString())->size(), dialog->preview() ? dialog->preview()->chips : -1);

    // Launch Training from the dataset just built: the preset of its task, the data filled in.
    QTest::mouseClick(dialog->findChild<QPushButton*>(QStringLiteral("datasetLaunchButton")), Qt::LeftButton);
    auto* launch = mWindow->findChild<LaunchDialog*>(QStringLiteral("launchDialog"));
    QVERIFY(launch);
    QCOMPARE(launch->findChild<QLineEdit*>(QStringLiteral("data"))->text(), store);
    const std::pair<const char*, QString> values[] = {{"steps", "20"}, {"batch", "2"}, {"warmup", "1"}, {"eval-every", "10"},
                                                      {"threads", "2"}, {"workers", "1"}};
    for (const auto& [option, value] : values) launch->setHyperparameter(QLatin1String(option), value);
    test::keepScreenshot(launch, qPrintable(QStringLiteral("loop-%1-launch-dialog.png").arg(mTag)));
    auto* go = launch->findChild<QPushButton*>(QStringLiteral("launchButton"));
    QVERIFY(go && go->isEnabled());
    JobsDock* jobs = mWindow->jobsDock();
    const int before = jobs->jobCount();
    QTest::mouseClick(go, Qt::LeftButton);
    dialog->close();
    QVERIFY(QTest::qWaitFor([&] { return jobs->jobCount() == before + 1; }, 30000));
    raise("jobsDock");
    jobs->selectRow(0);
    const QStringList ends{QStringLiteral("succeeded"), QStringLiteral("failed"), QStringLiteral("canceled")};
    QVERIFY(QTest::qWaitFor([&] { return ends.contains(jobs->stateText(0)); }, 240000));
    QVERIFY2(jobs->stateText(0) == QLatin1String("succeeded"), qPrintable(jobs->stateText(0) + "\n" + jobs->logView()->toPlainText().right(2000)));
    shot("trained");
  }

  void runModelOnTheView() {
    action("runModelAction")->trigger();
    auto* dialog = mWindow->findChild<InferenceDialog*>(QStringLiteral("inferenceDialog"));
    QVERIFY(dialog);
    // The run just trained comes first.
    QVERIFY2(dialog->modelPath().contains(QStringLiteral("/runs/")), qPrintable(dialog->modelPath()));
    QTest::mouseClick(dialog->findChildren<QRadioButton*>().at(1), Qt::LeftButton);  // Current view
    QVERIFY(!dialog->bboxArgument().isEmpty());
    QSignalSpy results(dialog, &InferenceDialog::resultReady);
    const int layers = int(mWindow->layers()->layers().size());
    test::keepScreenshot(dialog, qPrintable(QStringLiteral("loop-%1-run-model.png").arg(mTag)));
    QTest::mouseClick(dialog->findChild<QPushButton*>(QStringLiteral("runButton")), Qt::LeftButton);
    QVERIFY2(results.wait(180000), qPrintable(dialog->findChild<QLabel*>(QStringLiteral("inferenceStatus"))->text()));
    mResult = results.first().at(0).toString();
    QCOMPARE(int(mWindow->layers()->layers().size()), layers + 1);
    mResultLayer = mWindow->layers()->topVisible()->id;
    QCOMPARE(mWindow->layers()->topVisible()->style.kind, LayerStyle::Kind::Classes);
    dialog->close();
    shot("result");
    // Swipe the result against the imagery.
    action("compareMode2")->trigger();
    QCOMPARE(mWindow->comparisonDock()->mode(), ComparisonDock::Mode::Swipe);
    QCOMPARE(mWindow->comparisonDock()->layerB(), mResultLayer);
    shot("swipe");
    action("compareMode0")->trigger();
  }

  void accuracyEqualsEvaluate() {
    AccuracyDock* accuracy = mWindow->accuracyDock();
    raise("accuracyDock");
    auto* references = accuracy->findChild<QComboBox*>(QStringLiteral("accuracyReference"));
    auto* predictions = accuracy->findChild<QComboBox*>(QStringLiteral("accuracyPrediction"));
    predictions->setCurrentIndex(predictions->findData(mResultLayer));
    // 1. Against a validated label set.
    int labels = -1;
    for (int i = 0; i < references->count(); ++i)
      if (references->itemText(i).contains(QStringLiteral("validated"))) labels = i;
    QVERIFY(labels >= 0);
    references->setCurrentIndex(labels);
    QSignalSpy computed(accuracy, &AccuracyDock::computed);
    QTest::mouseClick(accuracy->findChild<QPushButton*>(QStringLiteral("computeAccuracy")), Qt::LeftButton);
    QVERIFY(computed.wait(60000));
    QVERIFY(accuracy->classResult());
    const int64_t setId = -references->currentData().toInt();
    auto project = ProjectStore::open(mProject.toStdString());
    const int64_t revision = LabelStore(*project).labelSet(setId).revision;
    const QString mask = QDir(mWindow->resultsFolder()).filePath(QStringLiteral("labels-%1-r%2.tif").arg(setId).arg(revision));
    QVERIFY2(QFileInfo::exists(mask), qPrintable(mask));
    auto evaluate = [&](const QString& truth) {
      const test::ProcessRun run = test::runPrithvi({"evaluate", "--pred", mResult, "--truth", truth, "--classes", "2", "--json"});
      if (run.code != 0) qWarning("%s", run.err.constData());
      return run.json();
    };
    QJsonObject report = evaluate(mask);
    QCOMPARE(accuracy->classResult()->accuracy.confusion.overallAccuracy(), report[QStringLiteral("overall_accuracy")].toDouble());
    shot("accuracy-labels");

    // 2. Against the truth raster, set as a class map from the offer it gets when added.
    answerFileDialog(mTruth);
    action("addRasterLayerAction")->trigger();
    QVERIFY(QTest::qWaitFor([&] { return mWindow->layersDock()->isClassMapOffered(); }, 10000));
    shot("truth-offer");
    QTest::mouseClick(mWindow->layersDock()->findChild<QPushButton*>(QStringLiteral("classMapOfferAccept")), Qt::LeftButton);
    const MapLayer* truth = mWindow->layers()->topVisible();
    QCOMPARE(truth->style.kind, LayerStyle::Kind::Classes);
    const int truthLayer = truth->id;
    // Untick it in the Layers list: the result stays in view.
    QListWidget* list = mWindow->layersDock()->findChild<QListWidget*>(QStringLiteral("layerList"));
    QListWidgetItem* truthItem = list->item(0);
    const QRect box = list->visualItemRect(truthItem);
    QTest::mouseClick(list->viewport(), Qt::LeftButton, Qt::NoModifier, QPoint(box.left() + 10, box.center().y()));
    QVERIFY(!mWindow->layers()->layer(truthLayer)->visible);
    predictions->setCurrentIndex(predictions->findData(mResultLayer));
    references->setCurrentIndex(references->findData(truthLayer));
    QTest::mouseClick(accuracy->findChild<QPushButton*>(QStringLiteral("computeAccuracy")), Qt::LeftButton);
    QVERIFY(computed.wait(60000));
    report = evaluate(mTruth);
    QCOMPARE(accuracy->classResult()->accuracy.confusion.meanIou(), report[QStringLiteral("miou")].toDouble());
    QCOMPARE(accuracy->classResult()->accuracy.confusion.overallAccuracy(), report[QStringLiteral("overall_accuracy")].toDouble());
    shot("accuracy-truth");
  }

  void exportPdfAndGeoTiff() {
    for (const char* name : {"exportMapAction", "exportViewAction"}) {
      action(name)->trigger();
      auto* dialog = mWindow->findChild<MapExportDialog*>(QStringLiteral("mapExportDialog"));
      QVERIFY(dialog);
      QString file = dialog->fileName();
      QVERIFY2(file.startsWith(mWindow->resultsFolder()), qPrintable(file));
      if (QLatin1String(name) == QLatin1String("exportMapAction")) {
        file = QFileInfo(file).path() + QLatin1Char('/') + QFileInfo(file).completeBaseName() + QStringLiteral(".pdf");
        auto* edit = dialog->findChild<QLineEdit*>(QStringLiteral("exportFile"));
        edit->clear();
        QTest::keyClicks(edit, file);
        QCOMPARE(dialog->findChild<QComboBox*>(QStringLiteral("exportDpi"))->currentText(), QStringLiteral("300"));
      }
      test::keepScreenshot(dialog, qPrintable(QStringLiteral("loop-%1-export-%2.png").arg(mTag).arg(QLatin1String(name))));
      QSignalSpy finished(dialog, &MapExportDialog::exportFinished);
      QTest::mouseClick(dialog->findChild<QPushButton*>(QStringLiteral("exportButton")), Qt::LeftButton);
      QVERIFY(finished.wait(120000));
      QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(1).toString()));
      dialog->close();
      QTest::qWait(50);
      if (file.endsWith(QLatin1String(".pdf"))) {
        QFile pdf(file);
        QVERIFY(pdf.open(QIODevice::ReadOnly));
        QVERIFY(pdf.read(5) == "%PDF-");
      } else {
        auto raster = RasterSource::open(file.toStdString());  // opens in GDAL, georeferenced
        QVERIFY(raster->info().width > 100);
        QVERIFY(!raster->info().crsWkt.empty());
      }
    }
  }

  void reopenRestoresTheSession() {
    const std::vector<MapLayer> before = mWindow->layers()->layers();
    const MapPoint center = canvas()->center();
    const double resolution = canvas()->resolution();
    const int jobs = mWindow->jobsDock()->jobCount();
    QVERIFY(mWindow->close());
    mWindow.reset();
    mWindow = std::make_unique<MainWindow>();
    mWindow->resize(mSize);
    mWindow->show();
    QVERIFY(QTest::qWaitForWindowExposed(mWindow.get()));
    answerFileDialog(mProject);
    action("openProjectAction")->trigger();
    QCOMPARE(mWindow->projectPath(), mProject);
    QVERIFY(waitForRender());
    const std::vector<MapLayer>& after = mWindow->layers()->layers();
    QCOMPARE(after.size(), before.size());
    for (size_t i = 0; i < after.size(); ++i) {
      QCOMPARE(after[i].scene.id, before[i].scene.id);
      QCOMPARE(after[i].visible, before[i].visible);
      QCOMPARE(after[i].style.kind, before[i].style.kind);
      QCOMPARE(after[i].style.scheme, before[i].style.scheme);
    }
    QCOMPARE(canvas()->resolution(), resolution);
    QCOMPARE(canvas()->center().x, center.x);
    // Every job the window ran: the import, the dataset, the training, the model run, the exports.
    QCOMPARE(mWindow->jobsDock()->jobCount(), jobs);
    QVERIFY(jobs >= 6);
    const test::ProcessRun listed = test::runPrithvi({"jobs", "list", mProject, "--json"});
    QVERIFY2(listed.code == 0, listed.err.constData());
    const QJsonArray stored = QJsonDocument::fromJson(listed.out).array();
    QCOMPARE(int(stored.size()), jobs);
    QStringList kinds;
    for (const QJsonValue& job : stored) kinds << job.toObject().value(QStringLiteral("kind")).toString();
    for (const char* kind : {"import", "dataset", "finetune", "infer", "export"})
      QVERIFY2(kinds.contains(QLatin1String(kind)), qPrintable(kinds.join(QLatin1Char(' '))));
    raise("jobsDock");
    shot("reopened");
  }

  void cleanupTestCase() { mWindow.reset(); }
};

QTEST_MAIN(TestAppLoop)
#include "test_app_loop.moc"
