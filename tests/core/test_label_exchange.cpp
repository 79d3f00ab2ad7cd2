// Label export and import: masks, GeoPackages and training chips checked against the scene and
// LabelStore::rasterize with GDAL's own tools; imports from other CRSs checked against the
// same labels made in the scene's CRS.

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <fstream>

#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/labels/LabelEditor.h"
#include "core/labels/LabelExchange.h"
#include "core/labels/LabelStore.h"
#include "core/project/ProjectStore.h"
#include "core/raster/Crs.h"
#include "core/raster/GdalErrors.h"
#include "core/raster/RasterSource.h"
#include "core/scene/SceneScanner.h"
#include "tests/support/TestSupport.h"

using namespace prithvi;
using test::expectError;

namespace {

constexpr int kWidth = 600;
constexpr int kHeight = 520;
constexpr int kBandsSize = 300;

int bandPattern(int band, int x, int y) { return band * 1000 + (x * 7 + y * 13) % 997; }

struct Raster {
  int width = 0;
  int height = 0;
  int bands = 0;
  std::array<double, 6> transform{};
  std::string wkt;
  GDALDataType type = GDT_Unknown;
  std::optional<double> nodata;
  std::vector<double> values;  // band-sequential
  std::map<std::string, std::string> metadata;
  std::vector<GDALColorEntry> palette;
  std::string description;
};

// An independent read with plain GDAL (not RasterSource).
Raster readRaster(const QString& path) {
  Raster raster;
  GDALDatasetH dataset = GDALOpen(path.toUtf8().constData(), GA_ReadOnly);
  if (!dataset) return raster;
  raster.width = GDALGetRasterXSize(dataset);
  raster.height = GDALGetRasterYSize(dataset);
  raster.bands = GDALGetRasterCount(dataset);
  GDALGetGeoTransform(dataset, raster.transform.data());
  raster.wkt = GDALGetProjectionRef(dataset);
  GDALRasterBandH band = GDALGetRasterBand(dataset, 1);
  raster.type = GDALGetRasterDataType(band);
  int hasNodata = 0;
  const double nodata = GDALGetRasterNoDataValue(band, &hasNodata);
  if (hasNodata) raster.nodata = nodata;
  raster.description = GDALGetDescription(band);
  for (char** item = GDALGetMetadata(dataset, nullptr); item && *item; ++item) {
    const std::string text = *item;
    raster.metadata[text.substr(0, text.find('='))] = text.substr(text.find('=') + 1);
  }
  if (GDALColorTableH table = GDALGetRasterColorTable(band))
    for (int i = 0; i < GDALGetColorEntryCount(table); ++i) raster.palette.push_back(*GDALGetColorEntry(table, i));
  raster.values.resize(size_t(raster.width) * raster.height * raster.bands);
  for (int b = 0; b < raster.bands; ++b)
    if (GDALRasterIO(GDALGetRasterBand(dataset, b + 1), GF_Read, 0, 0, raster.width, raster.height,
                     raster.values.data() + size_t(b) * raster.width * raster.height, raster.width, raster.height,
                     GDT_Float64, 0, 0) != CE_None)
      raster.values.clear();
  GDALClose(dataset);
  return raster;
}

std::vector<uint8_t> bytesOf(const Raster& raster) { return {raster.values.begin(), raster.values.end()}; }

Ring pixelRing(const GeoTransform& grid, std::vector<std::pair<double, double>> points) {
  Ring ring;
  for (auto [x, y] : points) ring.push_back(grid.pixelToMap(x, y));
  return ring;
}

// Intersection over union of the pixels of one class.
double iou(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b, uint8_t value) {
  int64_t both = 0, either = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    both += a[i] == value && b[i] == value;
    either += a[i] == value || b[i] == value;
  }
  return either ? double(both) / double(either) : 1.0;
}

QString lonLatRing(const LonLatTransform& toLonLat, const Ring& ring) {
  QStringList points;
  Ring closed = ring;
  closed.push_back(ring.front());
  for (const MapPoint& point : closed) {
    const LonLat lonLat = *toLonLat.toLonLat(point);
    points << QString("[%1, %2]").arg(lonLat.lon, 0, 'f', 10).arg(lonLat.lat, 0, 'f', 10);
  }
  return "[" + points.join(", ") + "]";
}

void writeText(const QString& path, const QString& text) {
  QFile file(path);
  QVERIFY(file.open(QIODevice::WriteOnly));
  file.write(text.toUtf8());
}

}  // namespace

class TestLabelExchange : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir mDir;
  QString mPath;
  std::unique_ptr<ProjectStore> mProject;
  std::unique_ptr<LabelStore> mStore;
  Scene mGrid;
  Scene mBands;
  GeoTransform mTransform{{500000, 30, 0, 3300000, 0, -30}};

  QString path(const QString& name) const { return mDir.filePath(name); }

  // Polygons (one with a hole), a brush stroke, an eraser and a wand region.
  int64_t labelledSet(const std::string& sceneId = "grid") {
    const int64_t id = mStore->createLabelSet(sceneId, "flood", "ana");
    LabelEditor editor(*mStore, id);
    editor.addRectangle(1, {20, 30}, {180, 200});
    LabelEdit edit;
    edit.addPolygons.push_back({0, 0, {pixelRing(mTransform, {{150.3, 100.2}, {290.7, 120.5}, {260.1, 260.8}, {140.6, 240.4}}),
                                       pixelRing(mTransform, {{190.5, 150.5}, {240.5, 150.5}, {230.5, 210.5}})}});
    mStore->apply(id, edit);
    editor.reload();
    editor.beginStroke(1, 8);
    for (int i = 0; i <= 10; ++i) editor.strokeTo({40.0 + i * 20, 230.0 + i * 3});
    editor.endStroke();
    editor.beginStroke(LabelEditor::kErase, 4);
    editor.strokeTo({30, 40});
    editor.strokeTo({170, 190});
    editor.endStroke();
    const int side = std::min(editor.width(), 280) - 200;
    if (side > 0) {
      PixelRegion region{{200, 20, side, 60}, std::vector<uint8_t>(size_t(side) * 60)};
      for (int y = 0; y < 60; ++y)
        for (int x = 0; x < side; ++x) region.inside[size_t(y) * side + x] = (x / 5 + y / 4) % 2;
      editor.fillRegion(0, region, "magic wand");
    }
    return id;
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(mDir.isValid());
    mPath = path("exchange.gpkg");
    mProject = ProjectStore::create(mPath.toStdString());
    mGrid = test::gridOnlyScene("grid", kWidth, kHeight);
    Scene zone14 = test::gridOnlyScene("zone14", 200, 200);
    zone14.epsg = 32614;
    zone14.crsWkt = wktOfEpsg(32614);
    // A real scene with the six Prithvi bands (undescribed 6-band stacks take Prithvi's order).
    test::writeInt16Tiff(path("bands.tif").toStdString(), kBandsSize, kBandsSize, 6, bandPattern);
    const ScanResult scanned = scanForScenes({path("bands.tif").toStdString()});
    QCOMPARE(int(scanned.scenes.size()), 1);
    mBands = scanned.scenes.front();
    QVERIFY(mBands.hasPrithviBands());
    mProject->addScenes({mGrid, zone14, mBands});
    mStore = std::make_unique<LabelStore>(*mProject);
  }

  void cleanupTestCase() {
    mStore.reset();
    mProject.reset();
  }

  void maskKeepsTheSceneGridColoursAndValues() {
    const int64_t id = labelledSet();
    const QString out = path("mask.tif");
    Feedback feedback;
    int64_t last = 0, total = 0;
    feedback.setProgressCallback([&](int64_t step, int64_t all, const std::string&) { last = step, total = all; });
    exportLabelMask(*mStore, id, out.toStdString(), {}, &feedback);
    QVERIFY(total > 1);
    QCOMPARE(last, total);

    const Raster mask = readRaster(out);
    QCOMPARE(mask.width, kWidth);
    QCOMPARE(mask.height, kHeight);
    QCOMPARE(mask.bands, 1);
    QCOMPARE(mask.type, GDT_Byte);
    QCOMPARE(mask.transform, mGrid.geoTransform.coefficients());
    QVERIFY(sameCrs(mask.wkt, mGrid.crsWkt));
    QCOMPARE(mask.nodata, std::optional<double>(255));
    QCOMPARE(bytesOf(mask), mStore->rasterize(id, {0, 0, kWidth, kHeight}));
    // flood: 0 "#f2d14b", 1 "#1f78d1"; the ignore value is transparent.
    QCOMPARE(mask.palette.size(), size_t(256));
    QCOMPARE(mask.palette[1].c1, short(0x1f));
    QCOMPARE(mask.palette[1].c2, short(0x78));
    QCOMPARE(mask.palette[1].c3, short(0xd1));
    QCOMPARE(mask.palette[1].c4, short(255));
    QCOMPARE(mask.palette[0].c1, short(0xf2));
    QCOMPARE(mask.palette[255].c4, short(0));
    QCOMPARE(mask.metadata.at("PRITHVI_LABEL_SET_ID"), std::to_string(id));
    QCOMPARE(mask.metadata.at("PRITHVI_SCENE_ID"), std::string("grid"));
    QCOMPARE(mask.metadata.at("PRITHVI_REVIEW_STATE"), std::string("draft"));
    QCOMPARE(mask.metadata.at("PRITHVI_LABEL_AUTHOR"), std::string("ana"));
    QCOMPARE(mask.metadata.at("PRITHVI_LABEL_DATE"), std::string("2021-06-01T17:00:00Z"));
    QCOMPARE(ClassScheme::fromJson(mask.metadata.at("PRITHVI_CLASS_SCHEME")).toJson(), mStore->scheme("flood").toJson());
    QCOMPARE(mask.description, std::string("labels (flood)"));
    // A COG, and nothing left behind beside it.
    GDALDatasetH dataset = GDALOpen(out.toUtf8().constData(), GA_ReadOnly);
    QCOMPARE(QString(GDALGetMetadataItem(dataset, "LAYOUT", "IMAGE_STRUCTURE")), QString("COG"));
    GDALClose(dataset);
    QCOMPARE(QDir(mDir.path()).entryList({"*.part*", ".*.partial"}, QDir::Files | QDir::Hidden).size(), 0);
    // The scanner takes a label mask for labels, not for a scene.
    QVERIFY(scanForScenes({out.toStdString()}).scenes.empty());
    // An export never replaces the project.
    expectError(ErrorKind::Usage, [&] { exportLabelMask(*mStore, id, mPath.toStdString()); }, "project file itself");
    Feedback canceled;
    canceled.cancel();
    expectError(ErrorKind::Canceled, [&] { exportLabelMask(*mStore, id, path("canceled.tif").toStdString(), {}, &canceled); },
                "canceled");
    QVERIFY(!QFile::exists(path("canceled.tif")));
  }

  void polygonsGoToANewGeoPackageOneLayerPerCrs() {
    const int64_t first = labelledSet();
    const int64_t second = mStore->createLabelSet("grid", "burn_scars", "bo");
    LabelEditor(*mStore, second).addRectangle(1, {300, 300}, {400, 380});
    const int64_t other = mStore->createLabelSet("zone14", "flood", "cy");
    LabelEditor otherEditor(*mStore, other);
    otherEditor.addRectangle(1, {10, 10}, {50, 60});
    otherEditor.addPolygon(0, {{60, 60}, {120, 70}, {90, 150}});

    const QString out = path("polygons.gpkg");
    const PolygonExportResult result = exportLabelPolygons(*mStore, {first, second, other}, out.toStdString());
    QCOMPARE(result.layers.size(), size_t(2));
    QCOMPARE(result.layers[0].name, std::string("labels_32613"));
    QCOMPARE(result.layers[0].features, int64_t(2 + 1));
    QCOMPARE(result.layers[1].name, std::string("labels_32614"));
    QCOMPARE(result.layers[1].features, int64_t(2));
    QCOMPARE(result.features, int64_t(5));
    QCOMPARE(result.setsWithPixelEdits, std::vector<int64_t>{first});

    const test::ProcessRun info = test::runProcess("ogrinfo", {"-ro", "-so", "-al", out});
    QVERIFY2(info.code == 0, info.err.constData());
    const QString text = QString::fromUtf8(info.out);
    QVERIFY2(text.contains("Layer name: labels_32613"), qPrintable(text));
    QVERIFY2(text.contains("Feature Count: 3"), qPrintable(text));
    QVERIFY2(text.contains("Feature Count: 2"), qPrintable(text));
    QVERIFY2(text.contains("UTM zone 13N") && text.contains("UTM zone 14N"), qPrintable(text));
    for (const char* field : {"label_set_id: Integer64", "scene_id: String", "class_value: Integer", "class_name: String",
                              "state: String", "author: String", "label_date: DateTime"})
      QVERIFY2(text.contains(field), field);
    const test::ProcessRun burn = test::runProcess(
        "ogrinfo", {"-ro", "-q", out, "labels_32613", "-where", QString("label_set_id = %1").arg(second)});
    QVERIFY2(QString::fromUtf8(burn.out).contains("class_name (String) = Burn scar"), burn.out.constData());
    QVERIFY2(QString::fromUtf8(burn.out).contains("author (String) = bo"), burn.out.constData());

    expectError(ErrorKind::Usage, [&] { exportLabelPolygons(*mStore, {first}, out.toStdString()); }, "already exists");
    expectError(ErrorKind::BadInput, [&] { exportLabelPolygons(*mStore, {9999}, path("none.gpkg").toStdString()); },
                "no label set 9999");
    QVERIFY(!QFile::exists(path("none.gpkg")));
    QCOMPARE(QDir(mDir.path()).entryList({"*.part-*"}, QDir::Files).size(), 0);
  }

  void polygonisedExportHoldsEverythingTheRasterHolds() {
    const int64_t id = labelledSet();
    const QString out = path("polygonized.gpkg");
    PolygonExportOptions options;
    options.polygonize = true;
    const PolygonExportResult result = exportLabelPolygons(*mStore, {id}, out.toStdString(), options);
    QVERIFY(result.features > 3);
    QVERIFY(result.setsWithPixelEdits.empty());
    const QString burnt = path("polygonized.tif");
    const test::ProcessRun run = test::runProcess(
        "gdal_rasterize", {"-q", "-l", "labels_32613", "-a", "class_value", "-init", "255", "-ot", "Byte", "-te", "500000",
                           QString::number(3300000 - 30 * kHeight), QString::number(500000 + 30 * kWidth), "3300000",
                           "-tr", "30", "30", out, burnt});
    QVERIFY2(run.code == 0, run.err.constData());
    QCOMPARE(bytesOf(readRaster(burnt)), mStore->rasterize(id, {0, 0, kWidth, kHeight}));
  }

  void chipsCutTheSceneIntoGeoreferencedPairs() {
    const int64_t id = labelledSet(mBands.id);
    const std::vector<uint8_t> labels = mStore->rasterize(id, {0, 0, kBandsSize, kBandsSize});
    const QString out = path("chips");
    ChipExportOptions options;
    options.chipSize = 64;
    options.minLabelledFraction = 0.5;
    const ChipExportResult result = exportTrainingChips(*mStore, {id}, out.toStdString(), options);

    // 4 x 4 windows fit (x, y = 0, 64, 128, 192); the edge ones at 256 would run past 300.
    int64_t expected = 0;
    for (int y = 0; y + 64 <= kBandsSize; y += 64)
      for (int x = 0; x + 64 <= kBandsSize; x += 64) {
        int64_t labelled = 0;
        for (int row = 0; row < 64; ++row)
          for (int column = 0; column < 64; ++column) labelled += labels[size_t(y + row) * kBandsSize + x + column] != 255;
        expected += labelled > 0 && labelled >= 0.5 * 64 * 64;
      }
    QVERIFY(expected >= 4 && expected < 16);
    QCOMPARE(result.chips, expected);
    QCOMPARE(result.windowsSkipped, 16 - expected);

    QFile index(out + "/chips.csv");
    QVERIFY(index.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(index.readAll()).trimmed().split('\n');
    QCOMPARE(lines.size(), int(expected) + 1);
    const QStringList header = lines[0].split(',');
    QCOMPARE(header.mid(0, 12), QStringList({"chip_id", "image", "mask", "label_set_id", "scene_id", "label_date", "x", "y",
                                             "size", "centre_lon", "centre_lat", "labelled_fraction"}));
    QCOMPARE(header.mid(12), QStringList({"pixels_0", "pixels_1"}));
    const auto source = RasterSource::open(path("bands.tif").toStdString());
    for (int i = 1; i < lines.size(); ++i) {
      const QStringList row = lines[i].split(',');
      const int x = row[6].toInt(), y = row[7].toInt();
      QVERIFY(x + 64 <= kBandsSize && y + 64 <= kBandsSize);
      QCOMPARE(row[3].toLongLong(), id);
      QCOMPARE(row[4], QString("bands.tif"));
      const Raster image = readRaster(out + "/" + row[1]);
      const Raster mask = readRaster(out + "/" + row[2]);
      // Georeferenced to the window of the scene grid.
      const MapPoint origin = mBands.geoTransform.pixelToMap(x, y);
      const std::array<double, 6> expectedTransform = {origin.x, 30, 0, origin.y, 0, -30};
      QCOMPARE(image.transform, expectedTransform);
      QCOMPARE(mask.transform, expectedTransform);
      QVERIFY(sameCrs(image.wkt, mBands.crsWkt) && sameCrs(mask.wkt, mBands.crsWkt));
      QCOMPARE(image.bands, 6);
      QCOMPARE(image.type, GDT_Int16);
      QCOMPARE(image.nodata, std::optional<double>(-9999));
      const RasterBlock pixels = source->read({x, y, 64, 64}, {1, 2, 3, 4, 5, 6}, DataType::Int16);
      for (int b = 0; b < 6; ++b)
        for (int p = 0; p < 64 * 64; ++p)
          QCOMPARE(image.values[size_t(b) * 4096 + p], double(pixels.band<int16_t>(b)[p]));
      QCOMPARE(mask.type, GDT_Byte);
      QCOMPARE(mask.nodata, std::optional<double>(255));
      QCOMPARE(bytesOf(mask), mStore->rasterize(id, {x, y, 64, 64}));
      int64_t ones = 0, zeros = 0;
      for (double value : mask.values) ones += value == 1, zeros += value == 0;
      QCOMPARE(row[13].toLongLong(), ones);
      QCOMPARE(row[12].toLongLong(), zeros);
      QVERIFY(std::abs(row[11].toDouble() - double(ones + zeros) / 4096) < 1e-9);
      // Centre in lon/lat: UTM 13N lies between 108W and 102W.
      QVERIFY(row[9].toDouble() > -108 && row[9].toDouble() < -102);
    }
    expectError(ErrorKind::Usage, [&] { exportTrainingChips(*mStore, {id}, out.toStdString(), options); }, "chips.csv");
    // Canceled half way: neither an index nor chips are left.
    Feedback feedback;
    feedback.setProgressCallback([&](int64_t step, int64_t total, const std::string&) {
      if (step * 2 >= total) feedback.cancel();
    });
    expectError(ErrorKind::Canceled, [&] { exportTrainingChips(*mStore, {id}, path("halfway").toStdString(), options, &feedback); },
                "canceled");
    QVERIFY(!QFile::exists(path("halfway/chips.csv")));
    QCOMPARE(QDir(path("halfway/images")).entryList(QDir::Files).size(), 0);
    QCOMPARE(QDir(path("halfway/masks")).entryList(QDir::Files).size(), 0);
    const int64_t gridSet = labelledSet();
    expectError(ErrorKind::BadInput, [&] { exportTrainingChips(*mStore, {gridSet}, path("nochips").toStdString()); },
                "lacks the band(s) Blue, Green, Red, NIR, SWIR1, SWIR2");
    ChipExportOptions zero;
    zero.chipSize = 0;
    expectError(ErrorKind::Usage, [&] { exportTrainingChips(*mStore, {id}, path("bad").toStdString(), zero); },
                "chip size");
  }

  void maskFromAnotherCrsLandsOnTheGridAsOneEdit() {
    const int64_t original = labelledSet();
    exportLabelMask(*mStore, original, path("utm.tif").toStdString());
    const test::ProcessRun warp = test::runProcess(
        "gdalwarp", {"-q", "-t_srs", "EPSG:4326", "-r", "near", path("utm.tif"), path("wgs84.tif")});
    QVERIFY2(warp.code == 0, warp.err.constData());
    QCOMPARE(RasterSource::open(path("wgs84.tif").toStdString())->info().epsg, 4326);

    const int64_t imported = mStore->createLabelSet("grid", "flood", "ana");
    LabelEditor editor(*mStore, imported);
    const MaskImportResult result = importLabelMask(editor, path("wgs84.tif").toStdString());
    QCOMPARE(editor.undoText(), std::string("import wgs84.tif"));
    QCOMPARE(editor.savedEdits(), int64_t(1));
    const std::vector<uint8_t> expected = mStore->rasterize(original, {0, 0, kWidth, kHeight});
    const std::vector<uint8_t> got = mStore->rasterize(imported, {0, 0, kWidth, kHeight});
    QCOMPARE(editor.raster(), got);
    // Two nearest-neighbour resamplings (to gdalwarp's default ~30 m lon/lat grid and back) move
    // edges by up to a pixel: the measured agreement over pixels labelled in either is 99.5 %.
    int64_t labelled = 0, agree = 0;
    for (size_t i = 0; i < got.size(); ++i) {
      if (got[i] == 255 && expected[i] == 255) continue;
      ++labelled;
      agree += got[i] == expected[i];
    }
    const double agreement = double(agree) / double(labelled);
    qInfo("mask round trip through EPSG:4326: %.4f %% of %lld labelled pixels agree", agreement * 100, (long long)labelled);
    QVERIFY2(agreement >= 0.99, qPrintable(QString::number(agreement)));
    int64_t counted = 0;
    for (const auto& [value, count] : result.pixelsPerValue) counted += count;
    QCOMPARE(counted, int64_t(got.size()) - int64_t(std::count(got.begin(), got.end(), 255)));
    // One undo step takes it all back.
    editor.undo();
    QVERIFY(!editor.canUndo());
    const std::vector<uint8_t> empty = mStore->rasterize(imported, {0, 0, kWidth, kHeight});
    QCOMPARE(std::count(empty.begin(), empty.end(), 255), std::ptrdiff_t(empty.size()));
    editor.redo();
    QCOMPARE(mStore->rasterize(imported, {0, 0, kWidth, kHeight}), got);

    // The same grid imports exactly.
    const int64_t same = mStore->createLabelSet("grid", "flood", "ana");
    LabelEditor sameEditor(*mStore, same);
    importLabelMask(sameEditor, path("utm.tif").toStdString());
    QCOMPARE(mStore->rasterize(same, {0, 0, kWidth, kHeight}), expected);
  }

  void badMasksAreRefusedWithTheReason() {
    LabelEditor editor(*mStore, mStore->createLabelSet("grid", "flood", "ana"));
    ensureGdalRegistered();
    auto write = [&](const QString& name, const char* crs, double originX, std::vector<uint8_t> values) {
      GDALDatasetH dataset = GDALCreate(GDALGetDriverByName("GTiff"), path(name).toUtf8().constData(), 20, 20, 1,
                                        GDT_Byte, nullptr);
      double transform[6] = {originX, 30, 0, 3299000, 0, -30};
      GDALSetGeoTransform(dataset, transform);
      if (crs) GDALSetProjection(dataset, wktOfEpsg(32613).c_str());
      QCOMPARE(GDALRasterIO(GDALGetRasterBand(dataset, 1), GF_Write, 0, 0, 20, 20, values.data(), 20, 20, GDT_Byte, 0, 0),
               CE_None);
      GDALClose(dataset);
    };
    std::vector<uint8_t> values(400, 1);
    values[5] = 7;
    values[6] = 9;
    values[7] = 9;
    write("unknown.tif", "utm", 501000, values);
    expectError(ErrorKind::BadInput, [&] { importLabelMask(editor, path("unknown.tif").toStdString()); },
                "not classes of scheme 'flood' (0 No water, 1 Water; ignore value 255): 7 (1 pixels), 9 (2 pixels)");
    write("nocrs.tif", nullptr, 501000, std::vector<uint8_t>(400, 1));
    expectError(ErrorKind::BadInput, [&] { importLabelMask(editor, path("nocrs.tif").toStdString()); },
                "has no coordinate reference system");
    write("far.tif", "utm", 900000, std::vector<uint8_t>(400, 1));
    expectError(ErrorKind::BadInput, [&] { importLabelMask(editor, path("far.tif").toStdString()); }, "does not overlap");
    write("ignored.tif", "utm", 501000, std::vector<uint8_t>(400, 255));
    expectError(ErrorKind::BadInput, [&] { importLabelMask(editor, path("ignored.tif").toStdString()); }, "labels no pixel");
    MaskImportOptions secondBand;
    secondBand.band = 2;
    expectError(ErrorKind::Usage, [&] { importLabelMask(editor, path("ignored.tif").toStdString(), secondBand); },
                "has no band 2");
    expectError(ErrorKind::Usage, [&] { importLabelMask(editor, mPath.toStdString()); }, "project file itself");
    QVERIFY(!editor.canUndo());
    // keepValues leave pixels alone: only the 1s of a 0/1 mask label.
    std::vector<uint8_t> binary(400, 0);
    for (int i = 0; i < 100; ++i) binary[size_t(i)] = 1;
    write("binary.tif", "utm", 501000, binary);
    MaskImportOptions keepZero;
    keepZero.keepValues = {0};
    const MaskImportResult kept = importLabelMask(editor, path("binary.tif").toStdString(), keepZero);
    QCOMPARE(kept.pixelsPerValue, (std::map<int, int64_t>{{1, 100}}));
    QCOMPARE(kept.window.width * kept.window.height - 100, int(kept.keptPixels));
  }

  void vectorsInLonLatLandWhereTheSameUtmPolygonsDo() {
    // Polygons in the scene's CRS; the GeoJSON gets the same vertices in lon, lat order.
    const std::vector<LabelPolygon> utm = {
        {0, 1, {pixelRing(mTransform, {{40.3, 50.2}, {250.7, 60.1}, {230.2, 240.9}, {60.5, 210.4}}),
                pixelRing(mTransform, {{100.5, 100.5}, {180.5, 110.5}, {150.5, 180.5}})}},
        {0, 0, {pixelRing(mTransform, {{300.2, 300.7}, {420.6, 310.3}, {400.4, 420.5}})}},
        {0, 0, {pixelRing(mTransform, {{450.1, 100.2}, {560.8, 90.4}, {540.3, 200.6}})}},
        {0, 1, {pixelRing(mTransform, {{520.2, 400.3}, {700.6, 380.1}, {680.4, 600.9}, {510.1, 500.2}})}},  // partly outside
    };
    const Ring outside = pixelRing(mTransform, {{900, 900}, {950, 900}, {950, 950}});
    const LonLatTransform toLonLat(mGrid.crsWkt);
    const QString json =
        QString(R"({"type": "FeatureCollection", "features": [
  {"type": "Feature", "properties": {"class_value": 1, "class": "Water"}, "geometry": {"type": "Polygon", "coordinates": [%1, %2]}},
  {"type": "Feature", "properties": {"class_value": 0, "class": "no water"}, "geometry": {"type": "MultiPolygon", "coordinates": [[%3], [%4]]}},
  {"type": "Feature", "properties": {"class_value": 1, "class": "Water"}, "geometry": {"type": "Polygon", "coordinates": [%5]}},
  {"type": "Feature", "properties": {"class_value": 1, "class": "Water"}, "geometry": {"type": "Polygon", "coordinates": [%6]}},
  {"type": "Feature", "properties": {"class_value": 1, "class": "Water"}, "geometry": {"type": "Point", "coordinates": [-104.9, 29.8]}}
]})")
            .arg(lonLatRing(toLonLat, utm[0].rings[0]), lonLatRing(toLonLat, utm[0].rings[1]),
                 lonLatRing(toLonLat, utm[1].rings[0]), lonLatRing(toLonLat, utm[2].rings[0]),
                 lonLatRing(toLonLat, utm[3].rings[0]), lonLatRing(toLonLat, outside));
    writeText(path("labels.geojson"), json);

    const int64_t fromJson = mStore->createLabelSet("grid", "flood", "ana");
    LabelEditor editor(*mStore, fromJson);
    const VectorImportResult result = importLabelVectors(editor, path("labels.geojson").toStdString());
    QCOMPARE(result.features, int64_t(5));
    QCOMPARE(result.polygons, int64_t(4));
    QCOMPARE(result.clipped, int64_t(1));
    QCOMPARE(result.outside, int64_t(1));
    QCOMPARE(result.skipped.size(), size_t(2));
    QCOMPARE(result.skipped[0].reason, std::string("outside the scene"));
    QVERIFY(QString::fromStdString(result.skipped[1].reason).contains("not a polygon (Point)"));
    QCOMPARE(result.polygonsPerValue, (std::map<int, int64_t>{{0, 2}, {1, 2}}));
    QCOMPARE(editor.savedEdits(), int64_t(1));
    QCOMPARE(editor.undoText(), std::string("import labels.geojson"));
    // Clipped to the scene's extent: no stored vertex lies outside it.
    for (const LabelPolygon& polygon : editor.polygons())
      for (const Ring& ring : polygon.rings)
        for (const MapPoint& point : ring)
          QVERIFY(point.x >= 500000 - 1e-6 && point.x <= 500000 + 30 * kWidth + 1e-6 && point.y <= 3300000 + 1e-6 &&
                  point.y >= 3300000 - 30 * kHeight - 1e-6);

    const int64_t fromUtm = mStore->createLabelSet("grid", "flood", "ana");
    LabelEditor utmEditor(*mStore, fromUtm);
    utmEditor.addPolygons(utm, "same in UTM");
    const std::vector<uint8_t> a = mStore->rasterize(fromJson, {0, 0, kWidth, kHeight});
    const std::vector<uint8_t> b = mStore->rasterize(fromUtm, {0, 0, kWidth, kHeight});
    for (uint8_t value : {0, 1}) {
      const double overlap = iou(a, b, value);
      qInfo("GeoJSON (EPSG:4326) vs UTM polygons, class %d: IoU %.5f", value, overlap);
      QVERIFY2(overlap >= 0.99, qPrintable(QString::number(overlap)));
    }
    QVERIFY(std::count(a.begin(), a.end(), 1) > 20000);
    editor.undo();
    const std::vector<uint8_t> undone = mStore->rasterize(fromJson, {0, 0, kWidth, kHeight});
    QCOMPARE(std::count(undone.begin(), undone.end(), 255), std::ptrdiff_t(undone.size()));

    // Class names in a text field, whatever their case.
    LabelEditor named(*mStore, mStore->createLabelSet("grid", "flood", "ana"));
    VectorImportOptions nameOptions;
    nameOptions.classField = "class";
    const VectorImportResult byName = importLabelVectors(named, path("labels.geojson").toStdString(), nameOptions);
    QCOMPARE(byName.polygonsPerValue, result.polygonsPerValue);
    QCOMPARE(mStore->rasterize(named.labelSet().id, {0, 0, kWidth, kHeight}), a);
  }

  void badVectorsAreRefusedWithTheReason() {
    LabelEditor editor(*mStore, mStore->createLabelSet("grid", "flood", "ana"));
    const LonLatTransform toLonLat(mGrid.crsWkt);
    const QString inside = lonLatRing(toLonLat, pixelRing(mTransform, {{10, 10}, {50, 10}, {50, 50}}));
    writeText(path("lava.geojson"),
              QString(R"({"type": "FeatureCollection", "features": [
  {"type": "Feature", "properties": {"class": "Lava"}, "geometry": {"type": "Polygon", "coordinates": [%1]}},
  {"type": "Feature", "properties": {"class": "Water"}, "geometry": {"type": "Polygon", "coordinates": [%1]}}]})")
                  .arg(inside));
    VectorImportOptions byName;
    byName.classField = "class";
    expectError(ErrorKind::BadInput, [&] { importLabelVectors(editor, path("lava.geojson").toStdString(), byName); },
                "holds values that are not classes of scheme 'flood' (0 No water, 1 Water; ignore value 255): 'Lava' (1 features)");
    expectError(ErrorKind::BadInput, [&] { importLabelVectors(editor, path("lava.geojson").toStdString()); },
                "no field 'class_value' (fields: class)");
    byName.layer = "nope";
    expectError(ErrorKind::BadInput, [&] { importLabelVectors(editor, path("lava.geojson").toStdString(), byName); },
                "no layer 'nope'");
    const QString far = lonLatRing(toLonLat, pixelRing(mTransform, {{2000, 2000}, {2100, 2000}, {2100, 2100}}));
    writeText(path("far.geojson"),
              QString(R"({"type": "FeatureCollection", "features": [
  {"type": "Feature", "properties": {"class_value": 1}, "geometry": {"type": "Polygon", "coordinates": [%1]}}]})")
                  .arg(far));
    expectError(ErrorKind::BadInput, [&] { importLabelVectors(editor, path("far.geojson").toStdString()); },
                "none of the 1 features of far.geojson labels scene grid: 1 lie outside it");

    // A shapefile without a .prj has no CRS: refused unless one is assumed.
    ensureGdalRegistered();
    GDALDatasetH shapefile = GDALCreate(GDALGetDriverByName("ESRI Shapefile"), path("nocrs.shp").toUtf8().constData(), 0,
                                        0, 0, GDT_Unknown, nullptr);
    OGRLayerH layer = GDALDatasetCreateLayer(shapefile, "nocrs", nullptr, wkbPolygon, nullptr);
    OGRFieldDefnH field = OGR_Fld_Create("cls", OFTInteger);  // shapefile names are short
    OGR_L_CreateField(layer, field, TRUE);
    OGR_Fld_Destroy(field);
    OGRFeatureH feature = OGR_F_Create(OGR_L_GetLayerDefn(layer));
    OGR_F_SetFieldInteger(feature, 0, 1);
    OGRGeometryH polygon = nullptr;
    QByteArray wkt = "POLYGON ((500300 3299700,501500 3299700,501500 3298500,500300 3299700))";
    char* cursor = wkt.data();
    OGR_G_CreateFromWkt(&cursor, nullptr, &polygon);
    OGR_F_SetGeometryDirectly(feature, polygon);
    QCOMPARE(OGR_L_CreateFeature(layer, feature), OGRERR_NONE);
    OGR_F_Destroy(feature);
    GDALClose(shapefile);
    VectorImportOptions shapefileOptions;
    shapefileOptions.classField = "cls";
    expectError(ErrorKind::BadInput, [&] { importLabelVectors(editor, path("nocrs.shp").toStdString(), shapefileOptions); },
                "has no coordinate reference system");
    QVERIFY(!editor.canUndo());
    shapefileOptions.assumeCrs = "EPSG:32613";
    const VectorImportResult assumed = importLabelVectors(editor, path("nocrs.shp").toStdString(), shapefileOptions);
    QCOMPARE(assumed.polygons, int64_t(1));
    QCOMPARE(editor.valueAt(40, 15), uint8_t(1));
    QCOMPARE(editor.valueAt(15, 40), uint8_t(255));
    expectError(ErrorKind::Usage, [&] { importLabelVectors(editor, mPath.toStdString()); }, "project file itself");
  }

  void paintValuesAndAddPolygonsUndoExactly() {
    const int64_t id = mStore->createLabelSet("grid", "flood", "ana");
    LabelEditor editor(*mStore, id);
    editor.addRectangle(1, {0, 0}, {300, 300});
    const std::vector<uint8_t> before = editor.raster();
    // Across four mask tiles: keep, erase, and both classes.
    const Window window{200, 200, 120, 100};
    std::vector<int16_t> values(size_t(window.width) * window.height, int16_t(LabelEditor::kKeep));
    for (size_t i = 0; i < values.size(); ++i) values[i] = int16_t(i % 4 == 0 ? LabelEditor::kErase : i % 4 == 1 ? 0 : i % 4 == 2 ? 1 : LabelEditor::kKeep);
    editor.paintValues(window, values, "paint");
    for (int y = 0; y < window.height; ++y)
      for (int x = 0; x < window.width; ++x) {
        const int16_t value = values[size_t(y) * window.width + x];
        const uint8_t expected = value == LabelEditor::kKeep ? before[size_t(window.y + y) * kWidth + window.x + x]
                                 : value == LabelEditor::kErase ? uint8_t(255)
                                                                : uint8_t(value);
        QCOMPARE(editor.valueAt(window.x + x, window.y + y), expected);
      }
    QCOMPARE(mStore->rasterize(id, {0, 0, kWidth, kHeight}), editor.raster());
    editor.undo();
    QCOMPARE(editor.raster(), before);
    QCOMPARE(mStore->rasterize(id, {0, 0, kWidth, kHeight}), before);
    editor.redo();
    QCOMPARE(mStore->rasterize(id, {0, 0, kWidth, kHeight}), editor.raster());
    values[3] = 7;
    values[8] = -5;
    expectError(ErrorKind::BadInput, [&] { editor.paintValues(window, values); }, "value(s) -5, 7 are not classes");
    expectError(ErrorKind::BadInput, [&] { editor.paintValues(window, {1, 2}); }, "one value per pixel");

    // addPolygons: one edit, vertices kept, mask codes under them cleared, undo and redo exact.
    const std::vector<uint8_t> painted = editor.raster();
    const std::vector<LabelPolygon> polygons = {
        {0, 0, {pixelRing(mTransform, {{210.25, 210.75}, {300.5, 215.1}, {260.3, 290.2}})}},
        {0, 1, {pixelRing(mTransform, {{400.1, 20.2}, {500.3, 20.2}, {450.2, 80.9}})}}};
    const std::vector<int64_t> fids = editor.addPolygons(polygons, "two polygons");
    QCOMPARE(fids.size(), size_t(2));
    QCOMPARE(editor.undoText(), std::string("two polygons"));
    const std::vector<LabelPolygon> stored = mStore->polygons(id);
    QCOMPARE(stored.size(), size_t(3));
    QCOMPARE(stored[1].rings.front().front().x, polygons[0].rings.front().front().x);  // not snapped
    QCOMPARE(editor.valueAt(250, 240), uint8_t(0));  // over the painted pixels
    const std::vector<uint8_t> withPolygons = editor.raster();
    editor.undo();
    QCOMPARE(mStore->rasterize(id, {0, 0, kWidth, kHeight}), painted);
    QCOMPARE(mStore->polygons(id).size(), size_t(1));
    editor.redo();
    QCOMPARE(mStore->rasterize(id, {0, 0, kWidth, kHeight}), withPolygons);
    QCOMPARE(mStore->polygons(id)[2].fid, fids[1]);
    expectError(ErrorKind::BadInput,
                [&] { editor.addPolygons({{0, 1, {pixelRing(mTransform, {{10.1, 10.1}, {10.4, 10.2}, {10.2, 10.4}})}}}); },
                "covers no pixel centre");
  }
};

QTEST_GUILESS_MAIN(TestLabelExchange)
#include "test_label_exchange.moc"
