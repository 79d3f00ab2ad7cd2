// The label layer on the map: each screen pixel shows the colour of the scene pixel whose area
// it lies in (the canvas's pixel-centre convention), whatever the zoom, also when the scene is
// reprojected on the fly; ignore values stay transparent; opacity blends; and colouring a view
// of a 3660 x 3660 label raster takes a few milliseconds, as it must for brush strokes.
#include <QElapsedTimer>
#include <QTest>
#include <cmath>

#include "viewers/LabelOverlay.h"
#include "viewers/LayerStack.h"
#include "viewers/MapCanvas.h"

using namespace prithvi;

namespace {

constexpr int kSide = 3660;  // an HLS tile
const GeoTransform kGrid({300000, 30, 0, 3600000, 0, -30});

std::array<QRgb, 256> classColors() {
  std::array<QRgb, 256> colors{};  // alpha 0: not drawn
  colors[0] = qRgb(220, 40, 40);
  colors[1] = qRgb(40, 200, 60);
  colors[2] = qRgb(30, 90, 230);
  colors[3] = qRgb(240, 220, 20);
  return colors;
}

// Classes 0..3 in blocks of `block` pixels with ignore (255) gaps between, so sampling off by one
// pixel anywhere shows.
std::vector<uint8_t> pattern(int block) {
  std::vector<uint8_t> values(size_t(kSide) * kSide);
  for (int y = 0; y < kSide; ++y)
    for (int x = 0; x < kSide; ++x)
      values[size_t(y) * kSide + x] = ((x / block) % 5 == 4) ? 255 : uint8_t((x / block + 3 * (y / block)) % 4);
  return values;
}

QRgb expectedAt(const std::vector<uint8_t>& values, const std::optional<MapPoint>& pixel) {
  if (!pixel || pixel->x < 0 || pixel->y < 0 || pixel->x >= kSide || pixel->y >= kSide) return 0;
  return qPremultiply(classColors()[values[size_t(std::floor(pixel->y)) * kSide + size_t(std::floor(pixel->x))]]);
}

}  // namespace

class TestLabelOverlay : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void screenPixelsShowTheScenePixelUnderThem() {
    LayerStack layers;
    MapCanvas canvas(&layers);
    canvas.resize(1300, 850);
    canvas.setMapCrs("EPSG:32613");
    LabelOverlay overlayObject(&canvas, nullptr);
    LabelOverlay* overlay = &overlayObject;
    const std::vector<uint8_t> values = pattern(1);
    overlay->setRaster(values.data(), kSide, kSide, SceneGridMapping(kGrid, "EPSG:32613", "EPSG:32613"));
    overlay->setColors(classColors());
    // Zoomed in (several screen pixels per scene pixel, off the lattice), one to one, and out.
    for (double factor : {0.23, 0.25, 1.0, 1.7, 4.0, 9.0}) {
      canvas.setView(kGrid.pixelToMap(1234.56, 2345.67), 30 * factor);
      const QImage image = overlay->render(canvas);
      int checked = 0;
      for (int y = 0; y < canvas.height(); y += 7)
        for (int x = 0; x < canvas.width(); x += 5) {
          const MapPoint map = canvas.screenToMap(QPointF(x, y));
          const QRgb expected = expectedAt(values, kGrid.mapToPixel(map.x, map.y));
          if (image.pixel(x, y) != expected)
            QFAIL(qPrintable(QStringLiteral("zoom %1, screen %2,%3: %4 instead of %5")
                                 .arg(factor)
                                 .arg(x)
                                 .arg(y)
                                 .arg(image.pixel(x, y), 8, 16)
                                 .arg(expected, 8, 16)));
          ++checked;
        }
      QVERIFY(checked > 30000);
    }
  }

  void edgesOfTheSceneStayClear() {
    LayerStack layers;
    MapCanvas canvas(&layers);
    canvas.resize(800, 600);
    canvas.setMapCrs("EPSG:32613");
    LabelOverlay overlayObject(&canvas, nullptr);
    LabelOverlay* overlay = &overlayObject;
    const std::vector<uint8_t> values(size_t(kSide) * kSide, 2);
    overlay->setRaster(values.data(), kSide, kSide, SceneGridMapping(kGrid, "EPSG:32613", "EPSG:32613"));
    overlay->setColors(classColors());
    // The scene's top-left corner in the middle of the view, two screen pixels per scene pixel.
    canvas.setView(kGrid.pixelToMap(0, 0), 15);
    const QImage image = overlay->render(canvas);
    const QPointF corner = canvas.mapToPaint(kGrid.pixelToMap(0, 0));  // on pixel edges
    QCOMPARE(corner, QPointF(400, 300));
    QCOMPARE(image.pixel(400, 300), qPremultiply(classColors()[2]));
    QCOMPARE(image.pixel(399, 300), 0u);
    QCOMPARE(image.pixel(400, 299), 0u);
  }

  void reprojectedScenesSampleThroughLonLat() {
    // A zone-13 scene on a zone-12 map: positions come from an interpolated lattice of exact
    // transforms, good to a small fraction of a pixel.
    LayerStack layers;
    MapCanvas canvas(&layers);
    canvas.resize(900, 700);
    canvas.setMapCrs("EPSG:32612");
    LabelOverlay overlayObject(&canvas, nullptr);
    LabelOverlay* overlay = &overlayObject;
    const std::vector<uint8_t> values = pattern(16);
    const SceneGridMapping mapping(kGrid, "EPSG:32613", "EPSG:32612");
    QVERIFY(!mapping.isAffine());
    overlay->setRaster(values.data(), kSide, kSide, mapping);
    overlay->setColors(classColors());
    const std::optional<MapPoint> centre = mapping.toMap({1830, 1830});
    QVERIFY(centre);
    canvas.setView(*centre, 30);
    const QImage image = overlay->render(canvas);
    int same = 0, total = 0;
    for (int y = 0; y < canvas.height(); y += 3)
      for (int x = 0; x < canvas.width(); x += 3) {
        same += image.pixel(x, y) == expectedAt(values, mapping.toPixel(canvas.screenToMap(QPointF(x, y))));
        ++total;
      }
    QVERIFY2(same >= total * 0.995, qPrintable(QStringLiteral("%1 of %2").arg(same).arg(total)));
    // A polygon vertex comes back where it went in.
    const auto pixel = mapping.toPixel(*centre);
    QVERIFY(pixel && std::abs(pixel->x - 1830) < 1e-6 && std::abs(pixel->y - 1830) < 1e-6);
  }

  void paintBlendsAndHides() {
    LayerStack layers;
    MapCanvas canvas(&layers);
    canvas.resize(400, 300);
    canvas.setMapCrs("EPSG:32613");
    LabelOverlay overlayObject(&canvas, nullptr);
    LabelOverlay* overlay = &overlayObject;
    const std::vector<uint8_t> values(size_t(kSide) * kSide, 0);
    overlay->setRaster(values.data(), kSide, kSide, SceneGridMapping(kGrid, "EPSG:32613", "EPSG:32613"));
    overlay->setColors(classColors());
    canvas.setView(kGrid.pixelToMap(1000, 1000), 30);
    overlay->setOpacity(0.5);
    const QColor background(0x2b, 0x2f, 0x36);
    const QColor blended = canvas.grab().toImage().pixelColor(10, 10);
    const QColor red(classColors()[0]);
    QVERIFY2(std::abs(blended.red() - (red.red() + background.red()) / 2) <= 2 &&
                 std::abs(blended.blue() - (red.blue() + background.blue()) / 2) <= 2,
             qPrintable(blended.name()));
    overlay->setShown(false);
    QCOMPARE(canvas.grab().toImage().pixelColor(10, 10), background);
  }

  void colouringAViewIsFast() {
    LayerStack layers;
    MapCanvas canvas(&layers);
    canvas.resize(1300, 850);
    canvas.setMapCrs("EPSG:32613");
    LabelOverlay overlayObject(&canvas, nullptr);
    LabelOverlay* overlay = &overlayObject;
    const std::vector<uint8_t> values = pattern(3);
    overlay->setRaster(values.data(), kSide, kSide, SceneGridMapping(kGrid, "EPSG:32613", "EPSG:32613"));
    overlay->setColors(classColors());
    for (double factor : {0.25, 1.0, 3.0}) {  // zoomed in, 1:1, whole tile in view
      canvas.setView(kGrid.pixelToMap(1830, 1830), 30 * factor);
      QElapsedTimer timer;
      timer.start();
      constexpr int kRounds = 20;
      for (int i = 0; i < kRounds; ++i) overlay->render(canvas);
      const double ms = double(timer.nsecsElapsed()) / 1e6 / kRounds;
      qInfo("label layer, 1300 x 850 view of a 3660 x 3660 raster at %.2f scene px per screen px: %.2f ms", factor, ms);
      QVERIFY2(ms < 40, qPrintable(QStringLiteral("%1 ms").arg(ms)));
    }
    // And the canvas's paint, which reuses the picture until the view or the labels change.
    canvas.setView(kGrid.pixelToMap(1830, 1830), 30);
    canvas.grab();
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < 20; ++i) {
      overlay->rasterChanged();
      canvas.grab();
    }
    qInfo("canvas paint with the label layer recoloured each time: %.2f ms", double(timer.nsecsElapsed()) / 1e6 / 20);
  }
};

QTEST_MAIN(TestLabelOverlay)
#include "test_label_overlay.moc"
