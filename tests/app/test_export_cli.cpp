// `prithvi export` end to end on a synthetic HLS project with a flood label mask: a PNG, PDF,
// SVG and view GeoTIFF of a scene under its class map, the class map's polygons, JSON output and
// job events; bad arguments end with exit code 2 and one line naming the problem.
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>
#include <cmath>

#include <gdal.h>
#include <ogr_api.h>

#include "core/raster/RasterSource.h"
#include "tests/support/TestSupport.h"

using namespace prithvi;

namespace {
using Run = test::ProcessRun;
using test::runPrithvi;

bool oneLineError(const Run& run) { return run.err.startsWith("prithvi: ") && run.err.count('\n') == 1; }

// Width, height and pixels per metre of a PNG, read from its IHDR and pHYs chunks (the app
// tests have no QtGui).
struct PngHeader {
  int width = 0, height = 0;
  int pixelsPerMetre = 0;
};
PngHeader pngHeader(const QString& path) {
  QFile file(path);
  PngHeader header;
  if (!file.open(QIODevice::ReadOnly)) return header;
  const QByteArray data = file.readAll();
  auto number = [&](qsizetype at) {
    return int((uint8_t(data[at]) << 24) | (uint8_t(data[at + 1]) << 16) | (uint8_t(data[at + 2]) << 8) | uint8_t(data[at + 3]));
  };
  if (!data.startsWith("\x89PNG\r\n\x1a\n")) return header;
  for (qsizetype at = 8; at + 8 <= data.size();) {
    const int length = number(at);
    const QByteArray type = data.mid(at + 4, 4);
    if (type == "IHDR") {
      header.width = number(at + 8);
      header.height = number(at + 12);
    } else if (type == "pHYs" && data[at + 16] == 1) {
      header.pixelsPerMetre = number(at + 8);
    } else if (type == "IDAT") {
      break;
    }
    at += 12 + length;
  }
  return header;
}

QString describe(const Run& run) {
  return QStringLiteral("exit %1\nstdout: %2\nstderr: %3").arg(run.code).arg(QString::fromUtf8(run.out), QString::fromUtf8(run.err));
}
}  // namespace

class TestExportCli : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir mDir;
  test::FloodProject mProject;
  QString mScene;
  QString mMask;
  QString path(const QString& name) const { return mDir.filePath(name); }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(mDir.isValid());
    mProject = test::makeFloodProject(mDir.path(), 96, 2, 1, 1);
    mScene = QString::fromStdString(mProject.scenes.front().id);
    mMask = path("flood_mask.tif");
    const Run mask = runPrithvi({"labels", "export", QString::fromStdString(mProject.path),
                                 QString::number(mProject.labelSets.front()), "--mask", mMask});
    QVERIFY2(mask.code == 0, qPrintable(describe(mask)));
  }

  void helpAndUsage() {
    QCOMPARE(runPrithvi({"--help"}).out.contains("export"), true);
    const Run none = runPrithvi({"export"});
    QCOMPARE(none.code, 2);
    QVERIFY(none.out.contains("polygons"));
    for (const char* action : {"map", "polygons"}) {
      const Run help = runPrithvi({"export", action, "--help"});
      QCOMPARE(help.code, 0);
      QVERIFY2(help.out.contains("Usage:"), action);
    }
  }

  void mapsInEveryFormat() {
    const QString project = QString::fromStdString(mProject.path);
    // A scene in colour infrared under the flood mask at 70 %.
    const Run png = runPrithvi({"export", "map", "--out", path("flood.png"), "--project", project, "--layer", mScene + ":cir",
                                "--layer", mMask + "@0.7", "--title", "Flood extent", "--size", "1600x1000", "--json"});
    QVERIFY2(png.code == 0, qPrintable(describe(png)));
    const QJsonObject summary = png.json();
    QCOMPARE(summary["format"].toString(), QStringLiteral("png"));
    QCOMPARE(summary["crs"].toString(), QStringLiteral("EPSG:32613"));
    QCOMPARE(summary["layers"].toArray().size(), 2);
    const PngHeader header = pngHeader(path("flood.png"));
    QCOMPARE(header.width, 1600);
    QCOMPARE(header.height, 1000);
    QCOMPARE(header.pixelsPerMetre, int(std::lround(96 / 0.0254)));
    const QByteArray shots = qgetenv("PRITHVI_TEST_SCREENSHOTS");
    if (!shots.isEmpty()) {
      QFile::remove(QString::fromLocal8Bit(shots) + "/cli-flood-1600x1000.png");
      QFile::copy(path("flood.png"), QString::fromLocal8Bit(shots) + "/cli-flood-1600x1000.png");
    }

    // PDF on A4 at the default 300 DPI; SVG; the view as a GeoTIFF at the data's resolution.
    const Run pdf = runPrithvi({"export", "map", "--out", path("flood.pdf"), "--project", project, "--layer", mScene,
                                "--layer", mMask, "--title", "Flood extent", "--no-north"});
    QVERIFY2(pdf.code == 0, qPrintable(describe(pdf)));
    QFile pdfFile(path("flood.pdf"));
    QVERIFY(pdfFile.open(QIODevice::ReadOnly) && pdfFile.read(5) == "%PDF-");
    const Run svg = runPrithvi({"export", "map", "--out", path("flood.svg"), "--layer", mMask + ":classes", "--title", "Mask only"});
    QVERIFY2(svg.code == 0, qPrintable(describe(svg)));
    QFile svgFile(path("flood.svg"));
    QVERIFY(svgFile.open(QIODevice::ReadOnly) && svgFile.readAll().contains("Mask only"));
    // A title with markup stays text: the SVG is well-formed XML and holds no element of it.
    const Run hostile = runPrithvi({"export", "map", "--out", path("hostile.svg"), "--layer", mMask + ":classes", "--title",
                                    "Floods & fires </title><script>alert(1)</script>"});
    QVERIFY2(hostile.code == 0, qPrintable(describe(hostile)));
    QFile hostileFile(path("hostile.svg"));
    QVERIFY(hostileFile.open(QIODevice::ReadOnly));
    QXmlStreamReader xml(&hostileFile);
    QString title;
    while (!xml.atEnd()) {
      xml.readNext();
      QVERIFY2(!(xml.isStartElement() && xml.name() == QLatin1String("script")), "the title's markup became an element");
      if (xml.isStartElement() && xml.name() == QLatin1String("title")) title = xml.readElementText();
    }
    QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
    QCOMPARE(title, QStringLiteral("Floods & fires </title><script>alert(1)</script>"));
    const Run tif = runPrithvi({"export", "map", "--out", path("view.tif"), "--project", project, "--layer", mScene + ":ndvi",
                                "--layer", mMask, "--events", "jsonl"});
    QVERIFY2(tif.code == 0, qPrintable(describe(tif)));
    const QList<QByteArray> lines = tif.out.trimmed().split('\n');
    QVERIFY(QJsonDocument::fromJson(lines.last()).object()["status"].toString() == QStringLiteral("ok"));
    QVERIFY(tif.out.contains("\"artifact\""));
    const auto raster = RasterSource::open(path("view.tif").toStdString());
    QCOMPARE(raster->info().width, 96);  // the scene's own 30 m pixels
    QCOMPARE(raster->info().height, 96);
    QCOMPARE(int(raster->info().bands.size()), 4);
    QVERIFY(raster->info().geoTransform == mProject.scenes.front().geoTransform);

    // A part of the scene by --extent, in another CRS.
    const Run part = runPrithvi({"export", "map", "--out", path("part.png"), "--project", project, "--layer", mScene,
                                 "--crs", "EPSG:4326", "--size", "800x600", "--dpi", "150"});
    QVERIFY2(part.code == 0, qPrintable(describe(part)));
    QCOMPARE(pngHeader(path("part.png")).pixelsPerMetre, int(std::lround(150 / 0.0254)));
  }

  // Issue 18 item 1: on a full disk an export once printed "wrote" and left a PDF without its
  // trailer over a good one. Every format now says "disk full: <path>" and keeps the old file.
  void aFullDiskKeepsTheOldExport() {
    test::SmallDisk disk(path("small-disk"), 2048);
    if (!disk.why.isEmpty()) QSKIP(qPrintable(disk.why));
    for (const char* format : {"pdf", "svg", "png", "tif"}) {
      const QString out = disk.folder + "/old." + format;
      const Run first = runPrithvi({"export", "map", "--out", out, "--layer", mMask + ":classes", "--size", "400x300", "--title", "old"});
      QVERIFY2(first.code == 0, qPrintable(describe(first)));
    }
    disk.fill();
    for (const char* format : {"pdf", "svg", "png", "tif"}) {
      const QString out = disk.folder + "/old." + format;
      const QByteArray before = [&] { QFile f(out); f.open(QIODevice::ReadOnly); return f.readAll(); }();
      const Run again = runPrithvi({"export", "map", "--out", out, "--layer", mMask + ":classes", "--size", "2400x1800",
                                    "--title", "new"});
      QVERIFY2(again.code == 1 && again.err.contains("disk full: " + out.toUtf8()), qPrintable(describe(again)));
      QVERIFY2(!again.out.contains("wrote"), again.out.constData());
      const QByteArray after = [&] { QFile f(out); f.open(QIODevice::ReadOnly); return f.readAll(); }();
      QVERIFY2(after == before, format);
    }
    QCOMPARE(QDir(disk.folder).entryList(QDir::Files).size(), 5);  // the four exports and the filler
  }

  void polygons() {
    const Run run = runPrithvi({"export", "polygons", "--raster", mMask, "--out", path("flood.gpkg"), "--layer", "flood", "--json"});
    QVERIFY2(run.code == 0, qPrintable(describe(run)));
    QVERIFY(run.json()["features"].toInt() > 0);
    GDALAllRegister();
    GDALDatasetH dataset = GDALOpenEx(path("flood.gpkg").toUtf8().constData(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr);
    QVERIFY(dataset);
    OGRLayerH layer = GDALDatasetGetLayerByName(dataset, "flood");
    QVERIFY(layer);
    QSet<QString> names;
    double waterArea = 0;
    OGR_L_ResetReading(layer);
    while (OGRFeatureH feature = OGR_L_GetNextFeature(layer)) {
      const QString name = QString::fromUtf8(OGR_F_GetFieldAsString(feature, OGR_F_GetFieldIndex(feature, "class_name")));
      names.insert(name);
      if (OGR_F_GetFieldAsInteger(feature, OGR_F_GetFieldIndex(feature, "class_value")) == 1)
        waterArea += OGR_G_Area(OGR_F_GetGeometryRef(feature));
      OGR_F_Destroy(feature);
    }
    GDALClose(dataset);
    // The names come from the mask's category names, which `labels export --mask` writes.
    QVERIFY(!RasterSource::open(mMask.toStdString())->info().bands.at(0).categoryNames.empty());
    QVERIFY(names.contains(QStringLiteral("Water")));
    int64_t waterPixels = 0;
    for (uint8_t value : mProject.water) waterPixels += value == 1;
    QCOMPARE(waterArea, double(waterPixels) * 30 * 30);

    // Simplified: far fewer vertices, the same features, water area within 5 %, and valid.
    const Run simple = runPrithvi({"export", "polygons", "--raster", mMask, "--out", path("flood-simple.gpkg"), "--layer",
                                   "flood", "--simplify", "1", "--json"});
    QVERIFY2(simple.code == 0, qPrintable(describe(simple)));
    auto measure = [](const QString& file, double* area, bool* valid) {
      GDALDatasetH data = GDALOpenEx(file.toUtf8().constData(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr);
      OGRLayerH flood = GDALDatasetGetLayerByName(data, "flood");
      int64_t vertices = 0;
      *area = 0;
      *valid = true;
      OGR_L_ResetReading(flood);
      while (OGRFeatureH feature = OGR_L_GetNextFeature(flood)) {
        OGRGeometryH geometry = OGR_F_GetGeometryRef(feature);
        for (int ring = 0; ring < OGR_G_GetGeometryCount(geometry); ++ring)
          vertices += OGR_G_GetPointCount(OGR_G_GetGeometryRef(geometry, ring));
        if (OGR_F_GetFieldAsInteger(feature, OGR_F_GetFieldIndex(feature, "class_value")) == 1) *area += OGR_G_Area(geometry);
        *valid = *valid && OGR_G_IsValid(geometry);
        OGR_F_Destroy(feature);
      }
      GDALClose(data);
      return vertices;
    };
    double pixelArea = 0, simpleArea = 0;
    bool pixelValid = false, simpleValid = false;
    const int64_t pixelVertices = measure(path("flood.gpkg"), &pixelArea, &pixelValid);
    const int64_t simpleVertices = measure(path("flood-simple.gpkg"), &simpleArea, &simpleValid);
    qInfo("polygon vertices: %lld pixel-edged, %lld simplified at 1 px", (long long)pixelVertices, (long long)simpleVertices);
    QCOMPARE(simple.json()["features"].toInt(), run.json()["features"].toInt());
    QVERIFY(simpleVertices * 2 < pixelVertices);
    QVERIFY(std::abs(simpleArea - pixelArea) < 0.05 * pixelArea);
    QVERIFY(simpleValid);

    // Never over an existing file.
    const Run again = runPrithvi({"export", "polygons", "--raster", mMask, "--out", path("flood.gpkg")});
    QCOMPARE(again.code, 2);
    QVERIFY(oneLineError(again) && again.err.contains("already exists"));
  }

  void badArgumentsNameTheProblem() {
    const QString project = QString::fromStdString(mProject.path);
    const QList<std::pair<QStringList, const char*>> cases = {
        {{"export", "map", "--layer", mMask}, "--out"},
        {{"export", "map", "--out", path("x.png")}, "--layer"},
        {{"export", "map", "--out", path("x.jpg"), "--layer", mMask}, "cannot tell the format"},
        {{"export", "map", "--out", path("x.png"), "--layer", mMask + ":sepia"}, "unknown style"},
        {{"export", "map", "--out", path("x.png"), "--layer", mMask + "@2"}, "opacity"},
        {{"export", "map", "--out", path("x.png"), "--layer", path("nothing.tif")}, "not a file"},
        {{"export", "map", "--out", path("x.png"), "--project", project, "--layer", "no-such-scene"}, "neither a scene"},
        {{"export", "map", "--out", path("x.png"), "--layer", mMask, "--size", "0x10"}, "--size"},
        {{"export", "map", "--out", path("x.png"), "--layer", mMask, "--size", "30000x100"}, "20000"},
        {{"export", "map", "--out", path("x.png"), "--layer", mMask, "--size", "B7"}, "paper size"},
        {{"export", "map", "--out", path("x.png"), "--layer", mMask, "--extent", "1,2,3"}, "--extent"},
        {{"export", "map", "--out", path("x.png"), "--layer", mMask, "--extent", "5,5,1,1"}, "empty"},
        {{"export", "map", "--out", path("x.png"), "--layer", mMask, "--dpi", "5"}, "--dpi"},
        {{"export", "map", "--out", path("x.png"), "--layer", mMask, "--crs", "EPSG:999999"}, "--crs"},
        {{"export", "map", "--out", path("x.png"), "--layer", mMask + ":ndvi"}, "has no"},
        {{"export", "map", "--out", path("missing/x.png"), "--layer", mMask}, "does not exist"},
        {{"export", "polygons", "--out", path("y.gpkg")}, "--raster"},
        {{"export", "polygons", "--raster", mMask, "--out", path("y.shp")}, ".gpkg"},
        {{"export", "frobnicate"}, "unknown export action"},
    };
    for (const auto& [arguments, fragment] : cases) {
      const Run run = runPrithvi(arguments);
      QVERIFY2(run.code == 2, qPrintable(arguments.join(' ') + "\n" + describe(run)));
      QVERIFY2(oneLineError(run) && run.err.contains(fragment), qPrintable(arguments.join(' ') + "\n" + describe(run)));
    }
    QVERIFY(!QFile::exists(path("x.png")));
  }
};

QTEST_MAIN(TestExportCli)
#include "test_export_cli.moc"
