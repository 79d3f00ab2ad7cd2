// The main window in a real window (Xvfb): the demo project opens and draws, a known pixel has
// the colour its stretch predicts, zoom and pan move the view as expected, identify and the
// status bar show GDAL's values, styles and imports work, and --screenshot writes a picture.
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QComboBox>
#include <QFileInfo>
#include <QImage>
#include <QMimeData>
#include <QUrl>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QMessageBox>
#include <QTimer>
#include <QApplication>
#include <QTest>
#include <QTreeWidget>
#include <QAction>
#include <QClipboard>
#include <QMenu>
#include <QTextBrowser>
#include <QToolBar>
#include <cmath>

#include <gdal.h>

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/base/CrashGuard.h"
#include "core/project/DemoProject.h"
#include "core/synth/HlsSynth.h"
#include "tests/support/GuiTestSupport.h"
#include "tests/support/TestSupport.h"
#include "core/raster/Measure.h"
#include "ui/CatalogDock.h"
#include "ui/HelpDialogs.h"
#include "ui/MapTools.h"
#include "ui/MainWindow.h"
#include "viewers/HistogramWidget.h"
#include "viewers/MapCanvas.h"
#include <QDir>

using namespace prithvi;

namespace {

int expectedChannel(double reflectance, const ChannelStretch& stretch) {
  const double t = std::clamp((reflectance - stretch.min) / (stretch.max - stretch.min), 0.0, 1.0);
  return int(std::lround(t * 255));
}
}  // namespace

class TestMainWindow : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir mDir;
  std::string mProject;
  std::unique_ptr<MainWindow> mWindow;

  MapCanvas* canvas() { return mWindow->canvas(); }
  const MapLayer& topLayer() { return *mWindow->layers()->topVisible(); }
  bool waitForRender(int timeoutMs = 30000) {
    if (!QTest::qWaitFor([this] { return canvas()->isRenderComplete(); }, timeoutMs)) return false;
    QTest::qWait(20);
    return canvas()->isRenderComplete();
  }
  // One screen pixel per scene pixel, with the screen pixel at canvasCentre() showing the
  // centre of scene pixel (x, y).
  void centreOnPixel(int x, int y) {
    const Scene& scene = topLayer().scene;
    const MapPoint target = scene.geoTransform.pixelToMap(x + 0.5, y + 0.5);
    canvas()->setView(target, scene.geoTransform.pixelWidth());
    const MapPoint at = canvas()->screenToMap(canvasCentre());
    canvas()->setView({2 * target.x - at.x, 2 * target.y - at.y}, scene.geoTransform.pixelWidth());
  }
  QPoint canvasCentre() { return QPoint(canvas()->width() / 2, canvas()->height() / 2); }

  // The real program on the test's project, its XDG state folder in mDir/`stateHome`; returns
  // its prithvi-studio state folder.
  QString startStudio(QProcess& app, const QString& stateHome) {
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("XDG_STATE_HOME"), mDir.filePath(stateHome));
    app.setProcessEnvironment(environment);
    app.start(QStringLiteral(PRITHVI_BIN_DIR "/prithvi-studio"), {QString::fromStdString(mProject)});
    return mDir.filePath(stateHome) + QStringLiteral("/prithvi-studio");
  }

 private Q_SLOTS:
  void initTestCase() {
    mWindow = test::openDemoWindow(mDir.path(), QSize(1300, 850), &mProject);
    QVERIFY2(mWindow, "the demo project did not open and draw");
  }


  void opensDemoWithCatalogAndLayer() {
    QCOMPARE(mWindow->catalog()->sceneCount(), 16);
    QCOMPARE(int(mWindow->layers()->layers().size()), 1);
    const MapLayer& layer = topLayer();
    QCOMPARE(layer.scene.kind, SceneKind::HlsGranule);
    QVERIFY(layer.statisticsReady);
    QCOMPARE(canvas()->mapCrs(), std::string("EPSG:32613"));
    // The whole scene is in view after opening.
    const MapPoint topLeft = canvas()->screenToMap({0, 0});
    QVERIFY(topLeft.x <= layer.scene.geoTransform.originX());
  }

  void knownPixelHasTheStretchedColour() {
    const MapLayer& layer = topLayer();
    const int px = 200, py = 310;
    centreOnPixel(px, py);
    QVERIFY(waitForRender());
    const QImage shot = canvas()->grab().toImage();
    const QColor actual = shot.pixelColor(canvasCentre());
    const BandRole roles[] = {BandRole::Red, BandRole::Green, BandRole::Blue};
    int expected[3];
    for (int c = 0; c < 3; ++c) {
      const SceneBand* band = layer.scene.band(roles[c]);
      const double reflectance = test::gdalPixel(band->path, px, py) * band->scale;
      expected[c] = expectedChannel(reflectance, layer.style.stretch[c]);
    }
    const int got[3] = {actual.red(), actual.green(), actual.blue()};
    for (int c = 0; c < 3; ++c)
      QVERIFY2(std::abs(got[c] - expected[c]) <= 1,
               qPrintable(QStringLiteral("channel %1: got %2, expected %3").arg(c).arg(got[c]).arg(expected[c])));
  }

  void wheelZoomKeepsThePointUnderTheCursor() {
    centreOnPixel(256, 256);
    const double before = canvas()->resolution();
    const QPointF anchor(canvas()->width() * 0.3, canvas()->height() * 0.7);
    const MapPoint fixed = canvas()->screenToMap(anchor);
    QWheelEvent wheel(anchor, canvas()->mapToGlobal(anchor), QPoint(), QPoint(0, 120), Qt::NoButton, Qt::NoModifier,
                      Qt::NoScrollPhase, false);
    QApplication::sendEvent(canvas(), &wheel);
    QVERIFY(std::abs(canvas()->resolution() - before / std::sqrt(2.0)) < 1e-9);
    const MapPoint after = canvas()->screenToMap(anchor);
    QVERIFY(std::abs(after.x - fixed.x) < 1e-6 && std::abs(after.y - fixed.y) < 1e-6);
    QVERIFY(waitForRender());
  }

  void dragAndKeysPan() {
    centreOnPixel(256, 256);
    const MapPoint start = canvas()->center();
    const double res = canvas()->resolution();
    const QPoint from = canvasCentre();
    QTest::mousePress(canvas(), Qt::LeftButton, Qt::NoModifier, from);
    QTest::mouseMove(canvas(), from + QPoint(20, 5));
    QTest::mouseMove(canvas(), from + QPoint(60, 30));
    QTest::mouseRelease(canvas(), Qt::LeftButton, Qt::NoModifier, from + QPoint(60, 30));
    // Dragging right/down moves the view left/up: the map follows the hand.
    QVERIFY(std::abs(canvas()->center().x - (start.x - 60 * res)) < 1e-6);
    QVERIFY(std::abs(canvas()->center().y - (start.y + 30 * res)) < 1e-6);
    const MapPoint dragged = canvas()->center();
    canvas()->setFocus();
    QTest::keyClick(canvas(), Qt::Key_Right);
    QVERIFY(std::abs(canvas()->center().x - (dragged.x + std::min(canvas()->width(), canvas()->height()) / 4.0 * res)) < 1e-6);
    QTest::keyClick(canvas(), Qt::Key_Minus);
    QVERIFY(std::abs(canvas()->resolution() - res * std::sqrt(2.0)) < 1e-9);
    QVERIFY(waitForRender());
  }

  void identifyShowsGdalValues() {
    const int px = 123, py = 77;
    centreOnPixel(px, py);
    QVERIFY(waitForRender());
    QSignalSpy done(mWindow.get(), &MainWindow::identifyFinished);
    QTest::mouseClick(canvas(), Qt::LeftButton, Qt::NoModifier, canvasCentre());
    QVERIFY(done.wait(10000));
    QTreeWidgetItem* layerItem = mWindow->identifyTree()->topLevelItem(0);
    QVERIFY(layerItem);
    QCOMPARE(layerItem->text(1), QStringLiteral("pixel 123, 77"));
    const Scene& scene = topLayer().scene;
    QCOMPARE(layerItem->childCount(), int(scene.bands.size()) + 1);  // + Fmask flags
    for (int i = 0; i < int(scene.bands.size()); ++i) {
      const double raw = test::gdalPixel(scene.bands[i].path, px, py);
      QCOMPARE(layerItem->child(i)->text(2).toDouble(), raw);
    }
  }

  void statusBarShowsPositionValuesAndFlags() {
    centreOnPixel(300, 40);
    QVERIFY(waitForRender());
    QSignalSpy updated(mWindow.get(), &MainWindow::statusUpdated);
    QTest::mouseMove(canvas(), canvasCentre());
    QVERIFY(updated.wait(10000));
    const QString status = mWindow->statusText();
    QVERIFY2(status.contains(QStringLiteral("lon -10")), qPrintable(status));  // zone 13: 108W-102W
    const SceneBand* red = topLayer().scene.band(BandRole::Red);
    const double raw = test::gdalPixel(red->path, 300, 40);
    QVERIFY2(status.contains(QStringLiteral("Red %1 (%2)").arg(raw * red->scale, 0, 'f', 4).arg(raw)), qPrintable(status));
    QVERIFY2(status.contains(QStringLiteral("Fmask: ")), qPrintable(status));
    QVERIFY2(status.contains(QStringLiteral("1:")), qPrintable(status));
  }

  void indexStyleAndFmaskOverlayRedraw() {
    centreOnPixel(256, 256);
    QVERIFY(waitForRender());
    const QImage trueColour = canvas()->grab().toImage();
    QVERIFY(mWindow->styleDock()->selectPreset(QStringLiteral("NDVI")));
    QVERIFY(waitForRender());
    QCOMPARE(topLayer().style.kind, LayerStyle::Kind::Index);
    QCOMPARE(topLayer().style.index, SpectralIndex::NDVI);
    QCOMPARE(int(topLayer().statistics.size()), 1);
    QVERIFY(canvas()->grab().toImage() != trueColour);
    mWindow->styleDock()->setFmaskOverlay(fmask::kCloud | fmask::kShadow);
    QVERIFY(waitForRender());
    QCOMPARE(int(topLayer().style.fmaskOverlay), int(fmask::kCloud | fmask::kShadow));
    test::keepScreenshot(mWindow.get(), "ndvi-fmask.png");
    QVERIFY(mWindow->styleDock()->selectPreset(QStringLiteral("True colour")));
    QVERIFY(waitForRender());
  }

  void histogramHandleSetsTheStretch() {
    auto* histogram = mWindow->styleDock()->findChild<HistogramWidget*>(QStringLiteral("histogram"));
    QVERIFY(histogram);
    mWindow->findChild<QDockWidget*>(QStringLiteral("styleDock"))->raise();
    QVERIFY(QTest::qWaitFor([histogram] { return histogram->isVisible(); }, 5000));
    const ChannelStretch before = topLayer().style.stretch[0];
    const ChannelStretch greenBefore = topLayer().style.stretch[1];
    // Drag the upper handle halfway towards the lower one (the plot has 6 px margins).
    const BandStatistics& red = topLayer().statistics[0];
    const double t = (before.max - red.histogramMin) / (red.histogramMax - red.histogramMin);
    const double tMin = (before.min - red.histogramMin) / (red.histogramMax - red.histogramMin);
    const QPoint handle(int(6 + (histogram->width() - 12) * t), histogram->height() / 2);
    const QPoint between(int(6 + (histogram->width() - 12) * (t + tMin) / 2), histogram->height() / 2);
    QTest::mousePress(histogram, Qt::LeftButton, Qt::NoModifier, handle);
    QTest::mouseMove(histogram, between);
    QTest::mouseRelease(histogram, Qt::LeftButton, Qt::NoModifier, between);
    QVERIFY(waitForRender());
    const ChannelStretch after = topLayer().style.stretch[0];
    QCOMPARE(after.min, before.min);
    QVERIFY2(after.max < before.max && after.max > before.min,
             qPrintable(QStringLiteral("%1 -> %2").arg(before.max).arg(after.max)));
    // The other channels keep their stretch.
    QCOMPARE(topLayer().style.stretch[1].max, greenBefore.max);
    // The fields say what the handle did (break 6 of issue 17: they read "Percent clip 2 % / 98 %").
    auto* mode = mWindow->styleDock()->findChild<QComboBox*>(QStringLiteral("stretchMode"));
    auto* high = mWindow->styleDock()->findChild<QDoubleSpinBox*>(QStringLiteral("stretchHigh"));
    auto* low = mWindow->styleDock()->findChild<QDoubleSpinBox*>(QStringLiteral("stretchLow"));
    QCOMPARE(mode->currentText(), QStringLiteral("Custom limits"));
    QVERIFY(topLayer().style.customStretch);
    QVERIFY2(std::abs(high->value() - after.max) < 1e-4, qPrintable(QString::number(high->value())));
    QVERIFY(std::abs(low->value() - after.min) < 1e-4);
    QVERIFY(high->suffix().isEmpty());
    // Typing a limit sets it too.
    high->setValue(after.max * 0.9);
    Q_EMIT high->editingFinished();
    QVERIFY(waitForRender());
    QVERIFY(std::abs(topLayer().style.stretch[0].max - after.max * 0.9) < 1e-4);
    // Back to a computed stretch: the percentages again.
    mode->setCurrentText(QStringLiteral("Percent clip"));
    QVERIFY(QTest::qWaitFor([&] { return topLayer().statisticsReady && !topLayer().style.customStretch; }, 10000));
    QCOMPARE(high->value(), 98.0);
    QCOMPARE(high->suffix(), QStringLiteral(" %"));
  }

  void importBuildsMissingOverviews() {
    const std::string big = mDir.filePath(QStringLiteral("big/plain.tif")).toStdString();
    QDir().mkpath(mDir.filePath(QStringLiteral("big")));
    test::writeInt16Tiff(big, 1300, 1100, 6, [](int band, int x, int y) { return 500 + band * 300 + (x ^ y) % 200; });
    QSignalSpy finished(mWindow.get(), &MainWindow::importFinished);
    mWindow->importPaths({QString::fromStdString(big)});
    QVERIFY(finished.wait(30000));
    QCOMPARE(finished.first().at(0).toInt(), 1);
    // Built in the background as an external .ovr; the source file is left as it was.
    QVERIFY(QTest::qWaitFor([&] { return QFileInfo::exists(QString::fromStdString(big + ".ovr")); }, 30000));
  }

  void droppedFilesAreImported() {
    const std::string dropped = mDir.filePath(QStringLiteral("dropped.tif")).toStdString();
    test::writeInt16Tiff(dropped, 40, 30, 6, [](int band, int x, int y) { return 300 + band * 50 + x + y; });
    const int before = mWindow->catalog()->sceneCount();
    QMimeData data;
    data.setUrls({QUrl::fromLocalFile(QString::fromStdString(dropped))});
    QSignalSpy finished(mWindow.get(), &MainWindow::importFinished);
    QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(mWindow.get(), &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(mWindow.get(), &drop);
    QVERIFY(finished.wait(20000));
    QCOMPARE(mWindow->catalog()->sceneCount(), before + 1);
  }

  void importedNeighbourZoneDrawsReprojected() {
    // T12RYN lies in UTM zone 12, next to the demo's zone 13: it must be reprojected on the fly.
    HlsSynthOptions options;
    options.tile = "T12RYN";
    options.dates = 2;
    options.size = 64;
    options.outDir = mDir.filePath(QStringLiteral("zone12")).toStdString();
    const HlsSynthResult generated = synthesizeHlsTile(options);
    QSignalSpy finished(mWindow.get(), &MainWindow::importFinished);
    mWindow->importPaths({QString::fromStdString(options.outDir)});
    QVERIFY(finished.wait(30000));
    QCOMPARE(finished.first().at(0).toInt(), 2);
    QCOMPARE(finished.first().at(1).toInt(), 4);  // three truth masks and truth.json, each with a reason
    QCOMPARE(mWindow->catalog()->sceneCount(), 20);
    QVERIFY(mWindow->addSceneLayer(QString::fromStdString(generated.granuleIds.front())));
    QCOMPARE(canvas()->mapCrs(), std::string("EPSG:32613"));
    const int id = topLayer().id;
    QVERIFY(topLayer().scene.epsg == 32612);
    canvas()->zoomToLayer(id);
    QVERIFY(waitForRender());
    const QColor centre = canvas()->grab().toImage().pixelColor(canvasCentre());
    QVERIFY2(centre != QColor(0x2b, 0x2f, 0x36), "nothing drawn where the zone-12 layer lies");
    mWindow->layers()->remove(id);
    QVERIFY(waitForRender());
  }

  void screenshotOptionWritesAPicture() {
    const QString file = mDir.filePath(QStringLiteral("shot.png"));
    QProcess app;
    app.start(QStringLiteral(PRITHVI_BIN_DIR "/prithvi-studio"),
              {QString::fromStdString(mProject), QStringLiteral("--screenshot"), file, QStringLiteral("--size"),
               QStringLiteral("1000x700")});
    QVERIFY(app.waitForFinished(120000));
    QCOMPARE(app.exitCode(), 0);
    const QImage image(file);
    QVERIFY(!image.isNull());
    QCOMPARE(image.size(), QSize(1000, 700));
    // Not a blank window: the map area holds many colours.
    QSet<QRgb> colours;
    for (int y = 100; y < 600; y += 7)
      for (int x = 300; x < 700; x += 7) colours.insert(image.pixel(x, y));
    QVERIFY(colours.size() > 50);
  }

  // What a GIS user expects in the first minute: a toolbar of map and label tools with icons and
  // their keys in the tooltips, zoom to box, measures on the ellipsoid, a map context menu, and
  // offline help built from the actions themselves.
  void toolbarMeasuresAndHelp() {
    MapTools* tools = mWindow->mapTools();
    QToolBar* bar = tools->toolBar();
    QVERIFY(bar->isVisible());
    int withIcons = 0;
    for (QAction* action : bar->actions()) {
      if (action->isSeparator()) continue;
      withIcons += !action->icon().isNull();
      if (!action->shortcut().isEmpty())
        QVERIFY2(action->toolTip().contains(action->shortcut().toString(QKeySequence::NativeText)), qPrintable(action->toolTip()));
    }
    QVERIFY2(withIcons >= 14, qPrintable(QString::number(withIcons)));
    test::keepScreenshot(bar, "map-toolbar.png");

    // Zoom to box: a drag zooms into the dragged rectangle.
    tools->action(MapTools::Mode::ZoomBox)->trigger();
    QCOMPARE(canvas()->tool(), MapCanvas::Tool::Rectangle);
    const double before = canvas()->resolution();
    const QPoint from = canvasCentre() - QPoint(60, 40), to = canvasCentre() + QPoint(60, 40);
    QTest::mousePress(canvas(), Qt::LeftButton, Qt::NoModifier, from);
    QTest::mouseMove(canvas(), to);
    QTest::mouseRelease(canvas(), Qt::LeftButton, Qt::NoModifier, to);
    QVERIFY2(canvas()->resolution() < before / 2, qPrintable(QStringLiteral("%1 -> %2").arg(before).arg(canvas()->resolution())));
    QVERIFY(waitForRender());

    // Measure distance: two clicks 200 px apart horizontally, in UTM: about 200 x resolution
    // metres (the ellipsoid and the UTM scale factor differ by less than 0.5 %).
    tools->action(MapTools::Mode::MeasureDistance)->trigger();
    QCOMPARE(canvas()->tool(), MapCanvas::Tool::Line);
    const QPoint a = canvasCentre() - QPoint(100, 0), b = canvasCentre() + QPoint(100, 0);
    QSignalSpy measured(tools, &MapTools::measured);
    QTest::mouseClick(canvas(), Qt::LeftButton, Qt::NoModifier, a);
    QTest::mouseClick(canvas(), Qt::LeftButton, Qt::NoModifier, b);
    QTest::mouseDClick(canvas(), Qt::LeftButton, Qt::NoModifier, b);
    QVERIFY(measured.count() >= 1 || measured.wait(2000));
    const double planar = canvas()->screenToMap(b).x - canvas()->screenToMap(a).x;
    const GeodesicMeasure expected = measureGeodesic({canvas()->screenToMap(a), canvas()->screenToMap(b)}, canvas()->mapCrs(), false);
    QVERIFY2(std::abs(expected.lengthMeters - planar) / planar < 0.005, qPrintable(QString::number(expected.lengthMeters)));
    QVERIFY2(tools->lastMeasurement().contains(QString::fromStdString(distanceText(expected.lengthMeters))),
             qPrintable(tools->lastMeasurement()));
    QVERIFY(mWindow->statusText().contains(QStringLiteral("Distance")) || tools->lastMeasurement().startsWith(QStringLiteral("Distance")));

    // Back to identify; the map's context menu offers what a click there can do.
    tools->action(MapTools::Mode::Identify)->trigger();
    QCOMPARE(canvas()->tool(), MapCanvas::Tool::Identify);
    QMenu* menu = tools->contextMenu(canvas()->screenToMap(canvasCentre()));
    QStringList texts;
    for (QAction* action : menu->actions())
      if (!action->isSeparator()) texts << action->text().remove(QLatin1Char('&'));
    QVERIFY2(texts.size() == 4 && texts[0].startsWith(QStringLiteral("Identify")) && texts[1].startsWith(QStringLiteral("Time Series")) &&
                 texts[3].startsWith(QStringLiteral("Run Model")),
             qPrintable(texts.join(QStringLiteral(" | "))));
    menu->findChild<QAction*>(QStringLiteral("copyCoordinatesAction"))->trigger();
    const QStringList latLon = QApplication::clipboard()->text().split(QStringLiteral(", "));
    QCOMPARE(latLon.size(), 2);
    QVERIFY(latLon[0].toDouble() > 20 && latLon[0].toDouble() < 50);     // the demo tile lies in the US south-west
    QVERIFY(latLon[1].toDouble() < -95 && latLon[1].toDouble() > -115);
    delete menu;

    // Help > Keyboard Shortcuts: the actions' own keys, searchable.
    mWindow->findChild<QAction*>(QStringLiteral("shortcutsAction"))->trigger();
    auto* shortcuts = mWindow->findChild<ShortcutsDialog*>(QStringLiteral("shortcutsDialog"));
    QVERIFY(shortcuts);
    QVERIFY2(shortcuts->visibleRows() > 40, qPrintable(QString::number(shortcuts->visibleRows())));
    shortcuts->setFilter(QStringLiteral("Ctrl+R"));
    QCOMPARE(shortcuts->visibleRows(), 1);
    shortcuts->setFilter(QStringLiteral("measure"));
    QCOMPARE(shortcuts->visibleRows(), 2);
    test::keepScreenshot(shortcuts, "shortcuts.png");
    shortcuts->close();
    // Help > User Guide opens the shipped guide, offline.
    mWindow->findChild<QAction*>(QStringLiteral("userGuideAction"))->trigger();
    auto* guide = mWindow->findChild<UserGuideDialog*>(QStringLiteral("userGuideDialog"));
    QVERIFY(guide);
    QVERIFY(guide->browser()->toPlainText().contains(QStringLiteral("Build Dataset")));
    guide->close();
    // Help > About: the version and the libraries in use.
    QString aboutText;
    QTimer::singleShot(0, this, [&] {
      auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
      if (!box) return;
      aboutText = box->text();
      test::keepScreenshot(box, "about.png");
      box->accept();
    });
    mWindow->findChild<QAction*>(QStringLiteral("aboutAction"))->trigger();
    for (const char* part : {"Prithvi Studio " PRITHVI_VERSION, "Qt 6.", "GDAL 3.", "OpenCV 4.", "LibTorch ", "VTK 9."})
      QVERIFY2(aboutText.contains(QLatin1String(part)), qPrintable(part + QStringLiteral(" missing from: ") + aboutText));
  }

  // A crash leaves a report with a backtrace beside the log, and the next start offers the
  // project that was open (the real program, killed by the signal a wild pointer raises).
  void crashLeavesAReportAndTheNextStartOffersTheProject() {
    const QString project = QString::fromStdString(mProject);
    QProcess app;
    const QString stateDir = startStudio(app, QStringLiteral("xdg-state"));
    QVERIFY(app.waitForStarted());
    const qint64 pid = app.processId();  // 0 once it has ended
    const QString marker = stateDir + QStringLiteral("/session-%1.txt").arg(pid);
    auto markerNames = [&] {
      QFile file(marker);
      return file.open(QIODevice::ReadOnly) && QString::fromUtf8(file.readAll()).trimmed() == project;
    };
    QVERIFY2(test::waitUntil(markerNames, 120), "the running session never recorded its project");
    // To the main thread (its thread id is the process id), as a wild pointer in the window
    // would raise it: kill() may hand the signal to any thread, and an idle worker's backtrace
    // is a few frames deep.
    ::syscall(SYS_tgkill, pid_t(pid), pid_t(pid), SIGSEGV);
    QVERIFY(app.waitForFinished(30000));
    QCOMPARE(app.exitStatus(), QProcess::CrashExit);
    QVERIFY2(QFileInfo::exists(marker), "the marker of a crashed session must stay");

    const QFileInfoList reports = QDir(stateDir).entryInfoList({QStringLiteral("crash-*-%1.txt").arg(pid)});
    QCOMPARE(reports.size(), 1);
    QFile reportFile(reports.front().absoluteFilePath());
    QVERIFY(reportFile.open(QIODevice::ReadOnly));
    const QString report = QString::fromUtf8(reportFile.readAll());
    QVERIFY2(report.contains(QStringLiteral("prithvi-studio " PRITHVI_VERSION)), qPrintable(report));
    QVERIFY2(report.contains(QStringLiteral("project: ") + project), qPrintable(report));
    QVERIFY2(report.contains(QStringLiteral("signal: SIGSEGV")), qPrintable(report));
    const QStringList frames = report.section(QStringLiteral("debug symbols):\n"), 1).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QVERIFY2(frames.size() >= 5, qPrintable(report));
    QVERIFY2(frames.join(QLatin1Char('\n')).contains(QStringLiteral("prithvi-studio")), qPrintable(report));
    QFile logFile(stateDir + QStringLiteral("/prithvi-studio.log"));
    QVERIFY(logFile.open(QIODevice::ReadOnly));
    const QString log = QString::fromUtf8(logFile.readAll());
    QVERIFY2(log.contains(QStringLiteral("prithvi-studio " PRITHVI_VERSION " started")), qPrintable(log));
    QVERIFY2(log.contains(QStringLiteral("opened ") + project), qPrintable(log));

    // The next start: the unfinished session names its project and report, once.
    const std::optional<UnfinishedSession> unfinished = CrashGuard::takeUnfinished(stateDir.toStdString());
    QVERIFY(unfinished);
    QCOMPARE(QString::fromStdString(unfinished->project), project);
    QCOMPARE(QString::fromStdString(unfinished->crashReport), reports.front().absoluteFilePath());
    QVERIFY(!QFileInfo::exists(marker));
    QVERIFY(!CrashGuard::takeUnfinished(stateDir.toStdString()));

    // The offer: Cancel leaves the window as it is; Open opens the project.
    for (const auto button : {QMessageBox::Cancel, QMessageBox::Open}) {
      QString offer;
      QTimer::singleShot(0, this, [&] {
        auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
        if (!box) return;
        offer = box->text();
        if (button == QMessageBox::Open) test::keepScreenshot(box, "reopen-after-crash.png");
        box->button(button)->click();
      });
      QSignalSpy opened(mWindow.get(), &MainWindow::projectOpened);
      const bool reopened = mWindow->offerToReopen(project, QString::fromStdString(unfinished->crashReport));
      QCOMPARE(reopened, button == QMessageBox::Open);
      QCOMPARE(opened.size(), button == QMessageBox::Open ? 1 : 0);
      QVERIFY2(offer.contains(QFileInfo(project).fileName()) && offer.contains(reports.front().absoluteFilePath()), qPrintable(offer));
    }
    QVERIFY(waitForRender());
  }

  // `kill` (or a logout's SIGTERM) closes the window as a user would: a clean end, no offer next time.
  void terminationSignalEndsTheSessionCleanly() {
    QProcess app;
    const QString stateDir = startStudio(app, QStringLiteral("xdg-state-term"));
    QVERIFY(app.waitForStarted());
    const qint64 pid = app.processId();
    const QString marker = stateDir + QStringLiteral("/session-%1.txt").arg(pid);
    QVERIFY(test::waitUntil([&] { return QFileInfo(marker).size() > 1; }, 120));
    ::kill(pid_t(pid), SIGTERM);
    QVERIFY(app.waitForFinished(30000));
    QCOMPARE(app.exitStatus(), QProcess::NormalExit);
    QCOMPARE(app.exitCode(), 0);
    QVERIFY(!QFileInfo::exists(marker));
    QVERIFY(!CrashGuard::takeUnfinished(stateDir.toStdString()));
    QFile logFile(stateDir + QStringLiteral("/prithvi-studio.log"));
    QVERIFY(logFile.open(QIODevice::ReadOnly));
    const QString log = QString::fromUtf8(logFile.readAll());
    QVERIFY2(log.contains(QStringLiteral("closing on a termination signal")) && log.contains(QStringLiteral("prithvi-studio closed")),
             qPrintable(log));
  }

  void cleanupTestCase() { mWindow.reset(); }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
