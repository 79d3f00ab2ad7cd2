// Map export: a PDF page whose rendering (pdftoppm) shows the legend swatch of every class, the
// title as text and the right class at the map's centre; PNG size and DPI; SVG that parses and
// carries the title; a view GeoTIFF on exactly the requested grid with the class colours; writes
// that fail or are canceled leave the old file byte for byte; clear errors for bad requests;
// decorations' arithmetic (scale bar lengths, ground distance, true north); and polygonising a
// class raster into features whose area per class is its pixel count times the pixel area.
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>
#include <cmath>

#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <unistd.h>

#include "core/raster/Measure.h"
#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/raster/Polygonize.h"
#include "core/raster/RasterSource.h"
#include "core/raster/RasterWriter.h"
#include "core/render/Render.h"
#include "core/scene/SceneReader.h"
#include "core/scene/SceneScanner.h"
#include "tests/support/TestSupport.h"
#include "viewers/MapDecorations.h"
#include "viewers/MapExport.h"

using namespace prithvi;

namespace {

constexpr int kWidth = 240;
constexpr int kHeight = 160;
const GeoTransform kGrid({500000, 30, 0, 3300000, 0, -30});  // writeInt16Tiff's grid

struct ClassColor {
  int value;
  QRgb rgb;
  const char* name;
};
const ClassColor kClasses[] = {{1, qRgb(20, 90, 250), "Water"}, {2, qRgb(40, 170, 60), "Cropland"}, {3, qRgb(230, 40, 40), "Urban"}};

// Vertical bands: Water on the left third, Cropland in the middle, Urban on the right; the top
// rows are nodata (0), drawn transparent.
int classAt(int x, int y) {
  if (y < 10) return 0;
  return x < kWidth / 3 ? 1 : x < 2 * kWidth / 3 ? 2 : 3;
}

int reflectance(int band, int x, int y) { return 500 + band * 300 + (x * 7 + y * 3) % 900; }

bool near(QRgb a, QRgb b, int tolerance) {
  return std::abs(qRed(a) - qRed(b)) <= tolerance && std::abs(qGreen(a) - qGreen(b)) <= tolerance &&
         std::abs(qBlue(a) - qBlue(b)) <= tolerance;
}

int countNear(const QImage& image, const QRect& area, QRgb color, int tolerance) {
  int count = 0;
  const QRect clipped = area.intersected(image.rect());
  for (int y = clipped.top(); y <= clipped.bottom(); ++y)
    for (int x = clipped.left(); x <= clipped.right(); ++x)
      if (near(image.pixel(x, y), color, tolerance)) ++count;
  return count;
}

QByteArray readAll(const QString& path) {
  QFile file(path);
  return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// A paletted class raster with category names, written with plain GDAL: the names live in its
// .aux.xml sidecar, which is how GeoTIFFs carry them.
void writeClassRaster(const std::string& path, int width, int height, const std::vector<uint8_t>& values,
                      const std::vector<PaletteEntry>& palette, const std::vector<std::string>& names) {
  GDALDatasetH dataset = GDALCreate(GDALGetDriverByName("GTiff"), path.c_str(), width, height, 1, GDT_Byte, nullptr);
  QVERIFY(dataset);
  std::array<double, 6> transform = kGrid.coefficients();
  GDALSetGeoTransform(dataset, transform.data());
  GDALSetProjection(dataset, test::utm13Wkt().c_str());
  GDALRasterBandH band = GDALGetRasterBand(dataset, 1);
  GDALSetRasterNoDataValue(band, 0);
  GDALColorTableH table = GDALCreateColorTable(GPI_RGB);
  for (size_t i = 0; i < palette.size(); ++i) {
    const GDALColorEntry entry{palette[i].red, palette[i].green, palette[i].blue, palette[i].alpha};
    GDALSetColorEntry(table, int(i), &entry);
  }
  GDALSetRasterColorTable(band, table);
  GDALDestroyColorTable(table);
  std::vector<const char*> list;
  for (const std::string& name : names) list.push_back(name.c_str());
  list.push_back(nullptr);
  GDALSetRasterCategoryNames(band, const_cast<char**>(list.data()));
  QCOMPARE(GDALRasterIO(band, GF_Write, 0, 0, width, height, const_cast<uint8_t*>(values.data()), width, height, GDT_Byte, 0, 0),
           CE_None);
  GDALClose(dataset);
}

// Keeps a copy for a person to look at when PRITHVI_TEST_SCREENSHOTS names a folder.
void keepShot(const QString& path, const QString& name) {
  const QByteArray dir = qgetenv("PRITHVI_TEST_SCREENSHOTS");
  if (dir.isEmpty()) return;
  QDir().mkpath(QString::fromLocal8Bit(dir));
  const QString target = QString::fromLocal8Bit(dir) + QLatin1Char('/') + name;
  QFile::remove(target);
  QFile::copy(path, target);
}

}  // namespace

class TestMapExport : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir mDir;
  std::shared_ptr<const SceneReader> mImage;
  std::shared_ptr<const SceneReader> mClasses;
  LayerStyle mImageStyle;
  LayerStyle mClassStyle;

  QString path(const QString& name) const { return mDir.filePath(name); }

  MapExportRequest request() const {
    MapExportRequest request;
    request.layers = {{mImage, mImageStyle, 1.0, QStringLiteral("Synthetic scene")},
                      {mClasses, mClassStyle, 1.0, QStringLiteral("Land cover")}};
    const MapPoint topLeft = kGrid.pixelToMap(0, 0), bottomRight = kGrid.pixelToMap(kWidth, kHeight);
    request.extent = {topLeft.x, bottomRight.y, bottomRight.x, topLeft.y};
    request.mapCrs = "EPSG:32613";
    request.title = QStringLiteral("Flood test map");
    request.dateText = QStringLiteral("2021-06-01");
    return request;
  }

  static QRect scaled(const QRectF& rect, double factor) {
    return QRectF(rect.left() * factor, rect.top() * factor, rect.width() * factor, rect.height() * factor).toAlignedRect();
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(mDir.isValid());
    test::writeInt16Tiff(path("scene.tif").toStdString(), kWidth, kHeight, 6, reflectance);
    std::vector<uint8_t> values(size_t(kWidth) * kHeight);
    for (int y = 0; y < kHeight; ++y)
      for (int x = 0; x < kWidth; ++x) values[size_t(y) * kWidth + x] = uint8_t(classAt(x, y));
    std::vector<PaletteEntry> palette(4, PaletteEntry{0, 0, 0, 0});
    std::vector<std::string> names(4);
    for (const ClassColor& color : kClasses) {
      palette[size_t(color.value)] = {uint8_t(qRed(color.rgb)), uint8_t(qGreen(color.rgb)), uint8_t(qBlue(color.rgb)), 255};
      names[size_t(color.value)] = color.name;
    }
    writeClassRaster(path("classes.tif").toStdString(), kWidth, kHeight, values, palette, names);

    const ScanResult scan = scanForScenes({path("scene.tif").toStdString(), path("classes.tif").toStdString()});
    QCOMPARE(int(scan.scenes.size()), 2);
    for (const Scene& scene : scan.scenes)
      (scene.bands.size() == 6 ? mImage : mClasses) = std::make_shared<const SceneReader>(scene);
    QVERIFY(mImage && mClasses);
    const auto statistics = sceneStatistics(*mImage, mImageStyle);
    for (size_t i = 0; i < 3; ++i) mImageStyle.stretch[i] = stretchFor(statistics[i], {});
    const std::optional<LayerStyle> classes = classStyleOf(*mClasses);
    QVERIFY(classes);
    mClassStyle = *classes;
    // GeoTIFF colour tables hold 256 entries: the legend must list only the classes in the map.
    QVERIFY(mClassStyle.classes.size() >= 3);
    QCOMPARE(mClassStyle.classes[1].name, std::string("Cropland"));
  }

  void pdfShowsLegendTitleAndClasses() {
    MapExportRequest request = this->request();
    request.pageSize = QPageSize(QPageSize::A4);
    request.dpi = 150;
    const QString pdf = path("map.pdf");
    exportMap(request, pdf.toStdString());
    QVERIFY(readAll(pdf).startsWith("%PDF"));

    const QString prefix = path("page");
    QCOMPARE(QProcess::execute(QStringLiteral("pdftoppm"), {"-r", "72", "-png", "-singlefile", pdf, prefix}), 0);
    const QImage page(prefix + ".png");
    QVERIFY(!page.isNull());
    QCOMPARE(page.size(), QSize(842, 595));  // A4 landscape at 72 DPI
    keepShot(prefix + ".png", QStringLiteral("map-a4-pdf-72dpi.png"));

    const MapLayout layout = mapLayoutOf(request);
    const double toPage = 72.0 / request.dpi;
    const QRect panel = scaled(layout.panel, toPage);
    const QRect frame = scaled(layout.frame, toPage);
    QVERIFY2(!panel.intersects(frame.adjusted(2, 2, -2, -2)), "the legend must not cover the map");
    for (const ClassColor& color : kClasses) {
      const int swatch = countNear(page, panel, color.rgb, 10);
      QVERIFY2(swatch >= 60, qPrintable(QStringLiteral("%1: %2 swatch pixels in the legend").arg(color.name).arg(swatch)));
    }
    // The map's centre lies in the middle (Cropland) band.
    const QRgb centre = page.pixel(frame.center());
    QVERIFY2(near(centre, kClasses[1].rgb, 6), qPrintable(QString::number(centre, 16)));
    // The left and right thirds of the frame hold the other two classes.
    QVERIFY(near(page.pixel(frame.left() + frame.width() / 6, frame.center().y()), kClasses[0].rgb, 6));
    QVERIFY(near(page.pixel(frame.right() - frame.width() / 6, frame.center().y()), kClasses[2].rgb, 6));

    QProcess text;
    text.start(QStringLiteral("pdftotext"), {pdf, QStringLiteral("-")});
    QVERIFY(text.waitForFinished(30000));
    const QString words = QString::fromUtf8(text.readAllStandardOutput());
    for (const char* expected : {"Flood test map", "Water", "Cropland", "Urban", "Land cover", "EPSG:32613", "2021-06-01", "N"})
      QVERIFY2(words.contains(QLatin1String(expected)), qPrintable(QStringLiteral("'%1' not in: %2").arg(expected, words)));
    QVERIFY2(!words.contains(QLatin1String("class 4")), "colour table entries that are no class of the map are listed");

    // The map is embedded losslessly: JPEG would blur class edges and shift class colours.
    QProcess images;
    images.start(QStringLiteral("pdfimages"), {QStringLiteral("-list"), pdf});
    QVERIFY(images.waitForFinished(30000));
    const QString list = QString::fromUtf8(images.readAllStandardOutput());
    QVERIFY2(list.contains(QLatin1String(" image ")) && !list.contains(QLatin1String("jpeg")), qPrintable(list));

    // Without a legend, no swatches: the counts above come from the legend.
    request.legend = false;
    exportMap(request, path("bare.pdf").toStdString());
    QCOMPARE(QProcess::execute(QStringLiteral("pdftoppm"), {"-r", "72", "-png", "-singlefile", path("bare.pdf"), path("bare")}), 0);
    const QImage bare(path("bare.png"));
    const QRect barePanel = scaled(mapLayoutOf(request).panel, toPage);
    for (const ClassColor& color : kClasses) QCOMPARE(countNear(bare, barePanel, color.rgb, 10), 0);
  }

  void pngHasTheSizeAndDpiAsked() {
    MapExportRequest request = this->request();
    request.size = QSize(1500, 1000);
    request.dpi = 150;
    const QString png = path("map.png");
    exportMap(request, png.toStdString());
    const QImage image(png);
    QCOMPARE(image.size(), QSize(1500, 1000));
    QCOMPARE(image.dotsPerMeterX(), int(std::lround(150 / 0.0254)));
    QCOMPARE(image.dotsPerMeterY(), int(std::lround(150 / 0.0254)));
    const MapLayout layout = mapLayoutOf(request);
    QCOMPARE(image.pixel(layout.frame.center().toPoint()) | 0xff000000u, kClasses[1].rgb);
    // The frame keeps the extent's 3:2 shape (within a pixel).
    QVERIFY(std::abs(layout.frame.width() / layout.frame.height() - 1.5) < 0.01);
    keepShot(png, QStringLiteral("map-1500x1000-150dpi.png"));

    // A portrait page puts the panel below the map.
    request.size = QSize(900, 1400);
    request.dpi = 96;
    exportMap(request, path("portrait.png").toStdString());
    const MapLayout portrait = mapLayoutOf(request);
    QVERIFY(portrait.panel.top() >= portrait.frame.bottom());
    QCOMPARE(QImage(path("portrait.png")).size(), QSize(900, 1400));
    keepShot(path("portrait.png"), QStringLiteral("map-900x1400-portrait.png"));
  }

  void svgParsesAndHoldsTheTitle() {
    MapExportRequest request = this->request();
    request.size = QSize(1200, 800);
    const QString svg = path("map.svg");
    exportMap(request, svg.toStdString());
    QFile file(svg);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QXmlStreamReader xml(&file);
    bool titleFound = false;
    int images = 0;
    while (!xml.atEnd()) {
      xml.readNext();
      if (xml.isStartElement() && xml.name() == QLatin1String("image")) ++images;
      if (xml.isCharacters() && xml.text().contains(QLatin1String("Flood test map"))) titleFound = true;
    }
    QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
    QVERIFY(titleFound);
    QVERIFY(images >= 1);  // the map itself
  }

  void viewGeoTiffLiesOnTheRequestedGrid() {
    MapExportRequest request = this->request();
    // A part of the data and a strip beyond its right edge (nothing there: alpha 0).
    request.extent = {500000 + 30 * 20, 3300000 - 30 * 150, 500000 + 30 * 260, 3300000 - 30 * 30};
    request.size = QSize(480, 240);  // 15 m pixels
    const QString tif = path("view.tif");
    exportMap(request, tif.toStdString());
    const auto raster = RasterSource::open(tif.toStdString());
    const RasterInfo& info = raster->info();
    QCOMPARE(info.width, 480);
    QCOMPARE(info.height, 240);
    QCOMPARE(info.epsg, 32613);
    QCOMPARE(int(info.bands.size()), 4);
    QCOMPARE(info.bands[3].colorInterpretation, std::string("Alpha"));
    const auto& c = info.geoTransform.coefficients();
    QCOMPARE(c[0], request.extent.minX);
    QCOMPARE(c[3], request.extent.maxY);
    QVERIFY(std::abs(c[1] - 15.0) < 1e-9);
    QVERIFY(std::abs(c[5] + 15.0) < 1e-9);
    QCOMPARE(c[2], 0.0);
    QCOMPARE(c[4], 0.0);
    const RasterBlock block = raster->read({0, 0, info.width, info.height}, {1, 2, 3, 4});
    int checked = 0;
    for (int y = 3; y < info.height; y += 17)
      for (int x = 5; x < info.width; x += 13) {
        const MapPoint point = info.geoTransform.pixelToMap(x + 0.5, y + 0.5);
        const std::optional<MapPoint> source = kGrid.mapToPixel(point.x, point.y);
        const int sx = int(std::floor(source->x)), sy = int(std::floor(source->y));
        const int alpha = int(block.value(3, x, y));
        if (sx >= kWidth) {
          QCOMPARE(alpha, 0);
          continue;
        }
        const int value = classAt(sx, sy);
        QCOMPARE(alpha, 255);
        const QRgb expected = kClasses[value - 1].rgb;
        const QRgb actual = qRgb(int(block.value(0, x, y)), int(block.value(1, x, y)), int(block.value(2, x, y)));
        if (actual != expected)
          QFAIL(qPrintable(QStringLiteral("pixel %1,%2: %3 instead of %4").arg(x).arg(y).arg(actual, 0, 16).arg(expected, 0, 16)));
        ++checked;
      }
    QVERIFY(checked > 300);
  }

  void failedOrCanceledExportsKeepTheOldFile() {
    MapExportRequest request = this->request();
    request.size = QSize(800, 600);
    const QString folder = path("keep");
    QVERIFY(QDir().mkpath(folder));
    const QString png = folder + "/map.png";
    exportMap(request, png.toStdString());
    const QByteArray before = readAll(png);
    QVERIFY(!before.isEmpty());

    // Canceled half-way: the old file stays and nothing else is left in the folder.
    request.title = QStringLiteral("Another title");
    for (const char* name : {"map.png", "map.pdf", "map.svg", "map.tif"}) {
      const QString target = folder + "/" + name;
      if (!QFile::exists(target)) QFile::copy(png, target);
      const QByteArray old = readAll(target);
      Feedback feedback;
      feedback.setProgressCallback([&feedback](int64_t step, int64_t, const std::string&) {
        if (step >= 1) feedback.cancel();
      });
      test::expectError(ErrorKind::Canceled, [&] { exportMap(request, target.toStdString(), &feedback); }, "canceled");
      QVERIFY2(readAll(target) == old, name);
    }
    QCOMPARE(QDir(folder).entryList(QDir::Files | QDir::Hidden).size(), 4);

    // A missing folder, a folder that is a file, a read-only folder.
    test::expectError(ErrorKind::Usage, [&] { exportMap(request, path("missing/map.png").toStdString()); }, "does not exist");
    test::expectError(ErrorKind::Usage, [&] { exportMap(request, (png + "/inside.png").toStdString()); }, "is not a folder");
    QFile::setPermissions(folder, QFile::ReadOwner | QFile::ExeOwner);
    if (::access(folder.toLocal8Bit().constData(), W_OK) != 0) {
      test::expectError(ErrorKind::Io, [&] { exportMap(request, png.toStdString()); }, "permission denied");
      QCOMPARE(readAll(png), before);
    } else {
      qInfo("running as root: a read-only folder does not stop writes; checked cancel and missing folders only");
    }
    QFile::setPermissions(folder, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
  }

  void badRequestsAreRefusedClearly() {
    MapExportRequest request = this->request();
    test::expectError(ErrorKind::Usage, [&] { exportMap(request, path("map.jpg").toStdString()); }, ".png, .pdf, .svg or .tif");
    request.size = QSize(0, 100);
    test::expectError(ErrorKind::Usage, [&] { exportMap(request, path("zero.png").toStdString()); }, "at least 1 x 1");
    request.size = QSize(30000, 100);
    test::expectError(ErrorKind::Usage, [&] { exportMap(request, path("huge.png").toStdString()); }, "20000");
    request.size = QSize(400, 300);
    request.pageSize = QPageSize(QPageSize::A0);
    request.dpi = 600;  // 28000 pixels wide
    test::expectError(ErrorKind::Usage, [&] { exportMap(request, path("huge.pdf").toStdString()); }, "lower the size or the DPI");
    request = this->request();
    request.extent = {10, 10, 10, 20};
    test::expectError(ErrorKind::Usage, [&] { exportMap(request, path("empty.png").toStdString()); }, "extent is empty");
    request = this->request();
    request.layers.clear();
    test::expectError(ErrorKind::Usage, [&] { exportMap(request, path("none.png").toStdString()); }, "no visible layer");
    for (const char* name : {"zero.png", "huge.png", "huge.pdf", "empty.png", "none.png"}) QVERIFY(!QFile::exists(path(name)));
  }

  void decorationsMeasureTheGround() {
    // Nice lengths never exceed the room given.
    QCOMPARE(scaleBarLength(30, 100).metres, 2000.0);  // 3000 m of room
    QCOMPARE(scaleBarLength(30, 100).label, QStringLiteral("2 km"));
    QCOMPARE(scaleBarLength(1, 80).metres, 50.0);
    QCOMPARE(scaleBarLength(1, 80).label, QStringLiteral("50 m"));
    QCOMPARE(scaleBarLength(10, 50).metres, 500.0);
    QCOMPARE(scaleBarLength(0, 50).metres, 0.0);
    // UTM on its central meridian: 1 / 0.9996 ground metres per map metre.
    QVERIFY(std::abs(groundMetresPerMapUnit("EPSG:32613", {500000, 3300000}, 100) - 1 / 0.9996) < 1e-4);
    // A degree of longitude at 60 degrees north is about half of one at the equator.
    const double equator = groundMetresPerMapUnit("EPSG:4326", {10, 0}, 0.01);
    const double north = groundMetresPerMapUnit("EPSG:4326", {10, 60}, 0.01);
    // A projected CRS in US survey feet (NAD83 / Texas Central, EPSG:2277): about 0.3048 m a
    // unit, not 1 (scale factor of the Lambert projection near 1 there).
    const double feet = groundMetresPerMapUnit("EPSG:2277", {2950000, 10200000}, 100);
    QVERIFY2(std::abs(feet - 1200.0 / 3937.0) < 0.0005, qPrintable(QString::number(feet, 'g', 8)));
    QVERIFY(std::abs(equator - 111319.5) < 5);
    QVERIFY(std::abs(north / equator - 0.5) < 0.01);
    // True north: up on the central meridian, turned a little away from it.
    QVERIFY(std::abs(trueNorthAngle("EPSG:32613", {500000, 3300000})) < 0.01);
    const double off = trueNorthAngle("EPSG:32613", {300000, 3300000});
    QVERIFY2(std::abs(off) > 0.5 && std::abs(off) < 3, qPrintable(QString::number(off)));
    QCOMPARE(trueNorthAngle("EPSG:4326", {10, 45}), 0.0);
    QVERIFY(crsDescription("EPSG:32613").contains(QLatin1String("UTM zone 13N (EPSG:32613)")));
    // The same legend is the same number of points tall at any DPI.
    LayerStyle threeClasses = mClassStyle;
    threeClasses.classes.resize(3);
    const double at96 = layerLegendSize(DecorationMetrics(96), "Land cover", threeClasses, QString(), 200, DecorationTheme::onPaper()).height();
    const double at300 = layerLegendSize(DecorationMetrics(300), "Land cover", threeClasses, QString(), 625, DecorationTheme::onPaper()).height();
    QVERIFY2(std::abs(at300 / at96 - 300.0 / 96) < 0.15, qPrintable(QStringLiteral("%1 vs %2").arg(at96).arg(at300)));
  }

  void polygonsHaveTheClassAreas() {
    // Known regions: two separate Water squares, an L-shaped Cropland region, Urban elsewhere,
    // a nodata corner.
    constexpr int width = 60, height = 40;
    std::vector<uint8_t> values(size_t(width) * height, 3);
    auto fill = [&](int x0, int y0, int w, int h, uint8_t value) {
      for (int y = y0; y < y0 + h; ++y)
        for (int x = x0; x < x0 + w; ++x) values[size_t(y) * width + x] = value;
    };
    fill(2, 2, 10, 10, 1);
    fill(40, 25, 5, 5, 1);
    fill(20, 5, 15, 4, 2);
    fill(20, 9, 4, 20, 2);
    fill(50, 0, 10, 8, 0);
    std::map<int, int64_t> pixels;
    for (uint8_t value : values) ++pixels[value];
    const std::vector<std::string> names = {"", "Water", "Cropland", "Urban"};
    const std::string raster = path("regions.tif").toStdString();
    writeClassRaster(raster, width, height, values, {{0, 0, 0, 0}, {20, 90, 250, 255}, {40, 170, 60, 255}, {230, 40, 40, 255}},
                     names);

    const std::string gpkg = path("regions.gpkg").toStdString();
    const ClassPolygonResult result = polygonizeClassRaster(raster, gpkg, {"classes", 1});
    QCOMPARE(result.layerName, std::string("classes"));
    QCOMPARE(result.featuresPerClass.at(1), int64_t(2));
    QCOMPARE(result.featuresPerClass.at(2), int64_t(1));
    QCOMPARE(result.featuresPerClass.count(0), size_t(0));

    GDALDatasetH dataset = GDALOpenEx(gpkg.c_str(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr);
    QVERIFY(dataset);
    OGRLayerH layer = GDALDatasetGetLayerByName(dataset, "classes");
    QVERIFY(layer);
    std::map<int, double> area;
    std::map<int, std::string> featureNames;
    OGR_L_ResetReading(layer);
    while (OGRFeatureH feature = OGR_L_GetNextFeature(layer)) {
      const int value = OGR_F_GetFieldAsInteger(feature, OGR_F_GetFieldIndex(feature, "class_value"));
      area[value] += OGR_G_Area(OGR_F_GetGeometryRef(feature));
      featureNames[value] = OGR_F_GetFieldAsString(feature, OGR_F_GetFieldIndex(feature, "class_name"));
      OGR_F_Destroy(feature);
    }
    OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(layer);
    QVERIFY(srs);
    QCOMPARE(QByteArray(OSRGetAuthorityCode(srs, nullptr)), QByteArray("32613"));
    GDALClose(dataset);
    QCOMPARE(int(area.size()), 3);
    for (int value : {1, 2, 3}) {
      QCOMPARE(area[value], double(pixels[value]) * 30 * 30);
      QCOMPARE(featureNames[value], names[size_t(value)]);
    }

    // An existing file is never replaced; floating-point values are not classes.
    test::expectError(ErrorKind::Usage, [&] { polygonizeClassRaster(raster, gpkg); }, "already exists");
    test::writeInt16Tiff(path("int16.tif").toStdString(), 8, 8, 1, [](int, int x, int) { return x / 4; });
    std::vector<float> floats(64, 0.5f);
    writeRaster(path("floats.tif").toStdString(), 8, 8, 1, DataType::Float32, floats.data(), kGrid, test::utm13Wkt());
    test::expectError(ErrorKind::BadInput, [&] { polygonizeClassRaster(path("floats.tif").toStdString(), path("f.gpkg").toStdString()); },
                      "not classes");
    QVERIFY(!QFile::exists(path("f.gpkg")));
    const ClassPolygonResult int16 = polygonizeClassRaster(path("int16.tif").toStdString(), path("int16.gpkg").toStdString());
    QCOMPARE(int16.layerName, std::string("int16"));
    QCOMPARE(int16.features, int64_t(2));
  }
};

QTEST_MAIN(TestMapExport)
#include "test_map_export.moc"
