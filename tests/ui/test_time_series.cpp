// The time-series dock in a real window (Xvfb): a click loads the pixel's profile whose values
// equal GDAL's, flagged dates stay out of the line, chart and chips pick dates on the map, the
// area tool averages a polygon, the cube builds and is then read, the frames export as an
// animated PNG, and the VTK space-time cube renders with its legend and picks voxels.
#include <QApplication>
#include <QDockWidget>
#include <QFile>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>

#include <gdal.h>

#include "core/project/DemoProject.h"
#include "core/project/ProjectStore.h"
#include "core/render/Render.h"
#include "core/scene/SceneReader.h"
#include "core/timeseries/TileCube.h"
#include "tests/support/GuiTestSupport.h"
#include "tests/support/TestSupport.h"
#include "ui/MainWindow.h"
#include "ui/TimeSeriesDock.h"
#include "viewers/CubeView.h"
#include "viewers/DateGrid.h"
#include "viewers/MapCanvas.h"
#include "viewers/TimeSeriesChart.h"

using namespace prithvi;

class TestTimeSeriesDock : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir mDir;
  std::string mProject;
  std::unique_ptr<MainWindow> mWindow;

  TimeSeriesDock* dock() { return mWindow->timeSeries(); }
  MapCanvas* canvas() { return mWindow->canvas(); }
  const MapLayer& topLayer() { return *mWindow->layers()->topVisible(); }
  // Clicks the map at scene pixel (x, y) of the top layer and waits for the dock to load.
  bool clickPixel(int x, int y) {
    const Scene& scene = topLayer().scene;
    const QPoint centre(canvas()->width() / 2, canvas()->height() / 2);
    const MapPoint target = scene.geoTransform.pixelToMap(x + 0.5, y + 0.5);
    canvas()->setView(target, scene.geoTransform.pixelWidth());
    const MapPoint at = canvas()->screenToMap(centre);
    canvas()->setView({2 * target.x - at.x, 2 * target.y - at.y}, scene.geoTransform.pixelWidth());
    QSignalSpy loaded(dock(), &TimeSeriesDock::loaded);
    QTest::mouseClick(canvas(), Qt::LeftButton, Qt::NoModifier, centre);
    return loaded.wait(20000);
  }

 private Q_SLOTS:
  void initTestCase() {
    mWindow = test::openDemoWindow(mDir.path(), QSize(1400, 950), &mProject);
    QVERIFY2(mWindow, "the demo project did not open and draw");
  }


  void clickLoadsTheProfileWithGdalValues() {
    QVERIFY(clickPixel(200, 150));
    const auto& stack = dock()->stack();
    QVERIFY(stack);
    QCOMPARE(stack->dateCount(), 12);
    const PixelProfile profile = stack->profiles({{200 - stack->window.x, 150 - stack->window.y}}).front();
    QCOMPARE(profile.pixelX, 200);
    int flagged = 0;
    for (const Observation& o : profile.observations) flagged += o.flagged();
    // Each date's NIR equals GDAL's read of that granule's NIR file at the pixel.
    const auto dir = QString::fromStdString(mProject).section(QLatin1Char('/'), 0, -2) + QStringLiteral("/hls/");
    for (const Observation& o : profile.observations) {
      const std::string nir = (dir + QString::fromStdString(o.sceneId) + (o.sensor == "L30" ? QStringLiteral(".B05.tif") : QStringLiteral(".B8A.tif"))).toStdString();
      QCOMPARE(double(o.raw[3]), test::gdalPixel(nir, 200, 150));
      const std::string fmaskPath = (dir + QString::fromStdString(o.sceneId) + QStringLiteral(".Fmask.tif")).toStdString();
      QCOMPARE(double(o.fmask), test::gdalPixel(fmaskPath, 200, 150));
    }
    // The NDVI line skips flagged dates unless asked.
    TimeSeriesChart* chart = dock()->chart();
    QCOMPARE(chart->observationCount(), 12);
    QCOMPARE(chart->linePointCount(0), 12 - flagged);
    chart->setShowFlagged(true);
    QVERIFY(chart->linePointCount(0) >= 12 - flagged);
    chart->setShowFlagged(false);
    dock()->tabs()->setCurrentIndex(0);
    if (auto* d = mWindow->findChild<QDockWidget*>(QStringLiteral("timeSeriesDock"))) d->raise();
    QTest::qWait(50);
    test::keepScreenshot(mWindow.get(), "timeseries-profile.png");
  }

  void chartAndChipsShowTheirDateOnTheMap() {
    TimeSeriesChart* chart = dock()->chart();
    // Click the chart's point of date 4 (the first series).
    std::optional<QPointF> point;
    int date = -1;
    for (int t = 3; t < 12 && !point; ++t)
      if ((point = chart->pointPosition(0, t))) date = t;
    QVERIFY(point);
    QTest::mouseClick(chart, Qt::LeftButton, Qt::NoModifier, point->toPoint());
    QCOMPARE(topLayer().scene.id, dock()->stack()->dates[date].sceneId);
    // A chip does the same, and arrow keys step.
    dock()->tabs()->setCurrentIndex(1);
    DateGrid* grid = dock()->dateGrid();
    QTRY_VERIFY(grid->isVisible());
    QCOMPARE(int(grid->chips().size()), 12);
    QTest::mouseClick(grid, Qt::LeftButton, Qt::NoModifier, grid->chipRect(1).center());
    QCOMPARE(topLayer().scene.id, dock()->stack()->dates[1].sceneId);
    // Break 6 of issue 17: the histogram and stretch are those of the date shown now.
    QVERIFY(QTest::qWaitFor([this] { return topLayer().statisticsReady; }, 20000));
    {
      const SceneReader reader(topLayer().scene);
      const std::vector<BandStatistics> expected = sceneStatistics(reader, topLayer().style);
      QCOMPARE(topLayer().statistics.size(), expected.size());
      QCOMPARE(topLayer().statistics[0].mean, expected[0].mean);
      StretchParams params;
      QCOMPARE(topLayer().style.stretch[0].max, stretchFor(expected[0], params).max);
    }
    QTest::keyClick(grid, Qt::Key_Right);
    QCOMPARE(grid->current(), 2);
    QCOMPARE(topLayer().scene.id, dock()->stack()->dates[2].sceneId);
    int cloudy = 0;
    for (const auto& chip : grid->chips()) cloudy += chip.cloudy();
    QVERIFY(cloudy > 0 && cloudy < 12);
    QVERIFY(QTest::qWaitFor([this] { return canvas()->isRenderComplete(); }, 20000));
    test::keepScreenshot(mWindow.get(), "timeseries-dates.png");
  }

  void framesExportAsAnimatedPng() {
    const QString file = mDir.filePath(QStringLiteral("frames.png"));
    QVERIFY(dock()->exportFrames(file));
    QFile png(file);
    QVERIFY(png.open(QIODevice::ReadOnly));
    const QByteArray bytes = png.readAll();
    const int actl = bytes.indexOf("acTL");
    QVERIFY(actl > 0);
    const uint32_t frames = (uint8_t(bytes[actl + 4]) << 24) | (uint8_t(bytes[actl + 5]) << 16) |
                            (uint8_t(bytes[actl + 6]) << 8) | uint8_t(bytes[actl + 7]);
    QCOMPARE(frames, 12u);
    QCOMPARE(bytes.count("fcTL"), 12);
    QVERIFY(!QImage(file).isNull());  // its first frame is a valid PNG for any viewer
  }

  void framesExportAsMp4OffTheGuiThread() {
    const QString file = mDir.filePath(QStringLiteral("frames.mp4"));
    QSignalSpy exported(dock(), &TimeSeriesDock::framesExported);
    auto* button = dock()->findChild<QPushButton*>(QStringLiteral("exportFrames"));
    QVERIFY(button);
    QVERIFY(dock()->exportFrames(file));
    QVERIFY(dock()->busy());
    QCOMPARE(button->text(), QStringLiteral("Cancel"));
    QVERIFY(exported.wait(60000));
    QCOMPARE(exported.first().at(0).toBool(), true);
    QVERIFY(!dock()->busy());
    QCOMPARE(button->text(), QStringLiteral("Export…"));
    QFile mp4(file);
    QVERIFY(mp4.open(QIODevice::ReadOnly));
    QCOMPARE(mp4.read(8).mid(4), QByteArray("ftyp"));
    QVERIFY(mp4.size() > 1000);
  }

  void areaToolAveragesThePolygon() {
    const Scene& scene = topLayer().scene;
    canvas()->setView(scene.geoTransform.pixelToMap(256, 256), scene.geoTransform.pixelWidth());
    canvas()->setTool(MapCanvas::Tool::Polygon);
    QSignalSpy loaded(dock(), &TimeSeriesDock::loaded);
    const QPoint c(canvas()->width() / 2, canvas()->height() / 2);
    for (const QPoint& corner : {c + QPoint(-10, -10), c + QPoint(10, -10), c + QPoint(10, 10), c + QPoint(-10, 10)})
      QTest::mouseClick(canvas(), Qt::LeftButton, Qt::NoModifier, corner);
    QTest::keyClick(canvas(), Qt::Key_Return);
    QVERIFY(loaded.wait(20000));
    QCOMPARE(canvas()->tool(), MapCanvas::Tool::Identify);
    // A 20 x 20 px square at one screen pixel per image pixel holds 400 pixel centres.
    const auto& stack = dock()->stack();
    QVERIFY(stack);
    QCOMPARE(stack->window.width, 21);
    QCOMPARE(dock()->chart()->observationCount(), 12);
  }

  void cubeBuildsAndIsThenRead() {
    QSignalSpy built(dock(), &TimeSeriesDock::cubeBuilt);
    dock()->buildCube();
    QVERIFY(built.wait(60000));
    QCOMPARE(built.first().at(0).toBool(), true);
    const std::string cube = cubePathFor(mProject, topLayer().scene.tile);
    QVERIFY(TileCube::open(cube)->dates() == 12);
    const auto fromFiles = dock()->stack()->raw;
    QVERIFY(!dock()->stack()->fromCube);
    QVERIFY(clickPixel(200, 150));
    QVERIFY(dock()->stack()->fromCube);
  }

  void cubeViewRendersAndPicks() {
    dock()->tabs()->setCurrentIndex(2);
    if (auto* d = mWindow->findChild<QDockWidget*>(QStringLiteral("timeSeriesDock"))) d->raise();
    CubeView* cube = dock()->cubeView();
    QVERIFY(QTest::qWaitFor([cube] { return cube->isVisible() && cube->renderCount() > 0; }, 20000));
    QCOMPARE(cube->volume().dates, 12);
    QCOMPARE(cube->volume().width, 64);
    QCOMPARE(cube->volume().variable, QStringLiteral("NDVI"));
    const QImage image = cube->grabFramebuffer();
    QVERIFY(!image.isNull());
    // Many colours: the slices in the colour map and the legend, not a blank background.
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 3)
      for (int x = 0; x < image.width(); x += 3) colours.insert(image.pixel(x, y));
    test::keepScreenshot(mWindow.get(), "timeseries-cube.png");
    QVERIFY2(colours.size() > 40, qPrintable(QString::number(colours.size())));
    // A voxel of the date slice in the quarter facing the camera (east and south of the other
    // slices): picking there finds it.
    const auto slices = cube->slices();
    const int vx = std::min(cube->volume().width - 1, slices[0] + 15), vy = std::min(cube->volume().height - 1, slices[1] + 15);
    const QPointF where = cube->widgetPositionOf(vx, vy, slices[2]);
    const auto voxel = cube->pickVoxel(where.toPoint());
    QVERIFY(voxel);
    QVERIFY2(std::abs(voxel->x - vx) <= 1 && std::abs(voxel->y - vy) <= 1,
             qPrintable(QStringLiteral("picked %1,%2,%3 for %4,%5,%6").arg(voxel->x).arg(voxel->y).arg(voxel->t).arg(vx).arg(vy).arg(slices[2])));
    const float expected = cube->volume().at(voxel->x, voxel->y, voxel->t);
    QVERIFY((std::isnan(expected) && std::isnan(voxel->value)) || expected == voxel->value);
    QCOMPARE(voxel->time, cube->volume().times[voxel->t]);
  }

  // Break 5 of issue 17: the cube went blank after its dock was floated or docked again, as the
  // widget's GL context is replaced while VTK kept the old one's resources.
  void cubeDrawsAfterFloatingAndDocking() {
    auto* timeSeries = mWindow->findChild<QDockWidget*>(QStringLiteral("timeSeriesDock"));
    QVERIFY(timeSeries);
    dock()->tabs()->setCurrentIndex(2);
    CubeView* cube = dock()->cubeView();
    auto colours = [cube] {
      const QImage image = cube->grabFramebuffer();
      QSet<QRgb> seen;
      for (int y = 0; y < image.height(); y += 3)
        for (int x = 0; x < image.width(); x += 3) seen.insert(image.pixel(x, y));
      return seen.size();
    };
    for (const bool floating : {true, false, true, false}) {
      const int renders = cube->renderCount();
      timeSeries->setFloating(floating);
      if (floating) timeSeries->resize(900, 500);
      timeSeries->show();
      timeSeries->raise();
      QVERIFY(QTest::qWaitFor([&] { return cube->isVisible() && cube->renderCount() > renders; }, 20000));
      QTest::qWait(100);
      const int seen = colours();
      QVERIFY2(seen > 40, qPrintable(QStringLiteral("%1 colours with the dock %2").arg(seen).arg(floating ? "floating" : "docked")));
    }
    test::keepScreenshot(mWindow.get(), "timeseries-cube-redocked.png");
  }

  // Issue 18 item 8: a date whose granule lacks a band once vanished from the chart. It stays on
  // the date axis as a red cross with the reason.
  void aDateWithoutABandIsShownWithItsReason() {
    std::vector<Scene> scenes = ProjectStore::open(mProject)->scenes();
    auto granule = std::find_if(scenes.begin(), scenes.end(), [](const Scene& scene) {
      return scene.kind == SceneKind::HlsGranule && scene.band(BandRole::Red);
    });
    QVERIFY(granule != scenes.end());
    std::erase_if(granule->bands, [](const SceneBand& band) { return band.role == BandRole::Red; });
    dock()->setProject(mProject, scenes);
    QVERIFY(clickPixel(120, 80));
    TimeSeriesChart* chart = dock()->chart();
    QCOMPARE(chart->observationCount(), 11);
    QCOMPARE(chart->leftOutCount(), 1);
    QVERIFY2(chart->leftOutText(0).contains("no reading (the granule lacks Red"), qPrintable(chart->leftOutText(0)));
    const QPointF cross = *chart->leftOutPosition(0);
    QVERIFY(chart->rect().contains(cross.toPoint()));
    test::keepScreenshot(mWindow.get(), "time-series-left-out-date.png");
    dock()->setProject(mProject, ProjectStore::open(mProject)->scenes());
    QVERIFY(clickPixel(120, 80));
    QCOMPARE(chart->leftOutCount(), 0);
  }

  void cleanupTestCase() { mWindow.reset(); }
};

int main(int argc, char** argv) {
  CubeView::setDefaultSurfaceFormat();
  QApplication app(argc, argv);
  TestTimeSeriesDock test;
  QTEST_SET_MAIN_SOURCE_PATH
  return QTest::qExec(&test, argc, argv);
}

#include "test_time_series.moc"
