// MGRS tile geometry and the synthetic HLS generator: names, grid, pixels, Fmask and truth.
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <thread>

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/hls/Hls.h"
#include "core/hls/Mgrs.h"
#include "core/raster/GdalErrors.h"
#include "core/synth/HlsSynth.h"

using namespace prithvi;
namespace fs = std::filesystem;

namespace {

struct Band {
  int width = 0;
  int height = 0;
  GDALDataType type = GDT_Unknown;
  std::optional<double> nodata;
  double scale = 1;
  std::array<double, 6> transform{};
  int epsg = 0;
  std::string layout;
  std::string compression;
  std::vector<double> values;
  QByteArray pixelHash;
};

Band readBand(const std::string& path) {
  ensureGdalRegistered();
  Band band;
  std::unique_ptr<GDALDataset, decltype(&GDALClose)> dataset(
      GDALDataset::FromHandle(GDALOpenEx(path.c_str(), GDAL_OF_RASTER, nullptr, nullptr, nullptr)), &GDALClose);
  if (!dataset) return band;
  band.width = dataset->GetRasterXSize();
  band.height = dataset->GetRasterYSize();
  dataset->GetGeoTransform(band.transform.data());
  if (const OGRSpatialReference* crs = dataset->GetSpatialRef())
    if (const char* code = crs->GetAuthorityCode(nullptr)) band.epsg = std::atoi(code);
  if (const char* layout = dataset->GetMetadataItem("LAYOUT", "IMAGE_STRUCTURE")) band.layout = layout;
  if (const char* compression = dataset->GetMetadataItem("COMPRESSION", "IMAGE_STRUCTURE"))
    band.compression = compression;
  GDALRasterBand* raster = dataset->GetRasterBand(1);
  band.type = raster->GetRasterDataType();
  int hasNodata = 0;
  const double nodata = raster->GetNoDataValue(&hasNodata);
  if (hasNodata) band.nodata = nodata;
  band.scale = raster->GetScale();
  band.values.resize(size_t(band.width) * band.height);
  if (raster->RasterIO(GF_Read, 0, 0, band.width, band.height, band.values.data(), band.width, band.height,
                       GDT_Float64, 0, 0, nullptr) != CE_None)
    band.values.clear();
  band.pixelHash = QCryptographicHash::hash(
      QByteArray(reinterpret_cast<const char*>(band.values.data()), qsizetype(band.values.size() * sizeof(double))),
      QCryptographicHash::Sha1);
  return band;
}

struct Degrees {
  double lon = 0;
  double lat = 0;
};

Degrees toLonLat(int epsg, double x, double y) {
  OGRSpatialReference utm, wgs84;
  utm.importFromEPSG(epsg);
  utm.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  wgs84.SetWellKnownGeogCS("WGS84");
  wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  std::unique_ptr<OGRCoordinateTransformation> transform(OGRCreateCoordinateTransformation(&utm, &wgs84));
  transform->Transform(1, &x, &y);
  return {x, y};
}

bool isClear(double fmaskValue) {
  const auto bits = uint8_t(fmaskValue);
  return bits != kFmaskFill && (bits & (fmask::kCloud | fmask::kShadow | fmask::kAdjacent)) == 0;
}

// Neither fill, cloud nor shadow (adjacent pixels are clean surface in the synthetic data).
bool isUnobscured(double fmaskValue) {
  const auto bits = uint8_t(fmaskValue);
  return bits != kFmaskFill && (bits & (fmask::kCloud | fmask::kShadow)) == 0;
}

std::vector<std::string> filesIn(const std::string& folder) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder))
    if (entry.is_regular_file()) names.push_back(entry.path().filename().string());
  return names;
}

}  // namespace

class TestSynth : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir mScratch;
  std::string mTileDir;
  HlsSynthOptions mOptions;
  HlsSynthResult mResult;
  QJsonObject mTruth;

  std::string granuleFile(const std::string& granuleId, const std::string& band) const {
    return mTileDir + "/" + granuleId + "." + band + ".tif";
  }
  Band granuleBand(const std::string& granuleId, BandRole role) const {
    const auto name = HlsFileName::parse(granuleId + ".Fmask.tif");
    return readBand(granuleFile(granuleId, hlsBandCode(name->sensor, role)));
  }
  Band truth(const char* kind) const { return readBand(mResult.truthDir + "/T13REN." + kind + ".tif"); }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(mScratch.isValid());
    mTileDir = mScratch.filePath("tile").toStdString();
    mOptions.tile = "T13REN";
    mOptions.size = 128;
    mOptions.dates = 6;
    mOptions.seed = 1;
    mOptions.outDir = mTileDir;
    mResult = synthesizeHlsTile(mOptions, nullptr);
    QFile json(QString::fromStdString(mResult.truthDir + "/T13REN.truth.json"));
    QVERIFY(json.open(QIODevice::ReadOnly));
    mTruth = QJsonDocument::fromJson(json.readAll()).object();
    QVERIFY(!mTruth.isEmpty());
  }

  // ---------------------------------------------------------------------------- MGRS

  void mgrsKnownTiles() {
    const MgrsTile tile = MgrsTile::parse("T13REN");
    QCOMPARE(tile.zone, 13);
    QCOMPARE(tile.latitudeBand, 'R');
    QCOMPARE(tile.square, std::string("EN"));
    QVERIFY(tile.north());
    QCOMPARE(tile.epsg(), 32613);
    QCOMPARE(tile.id(), std::string("13REN"));
    QCOMPARE(tile.squareWestEasting(), 500000.0);
    QCOMPARE(tile.squareSouthNorthing(), 3200000.0);
    QCOMPARE(MgrsTile::parse("13ren").id(), std::string("13REN"));
    // Sentinel-2 tiles start at the square's north-west corner snapped to 60 m.
    const GeoTransform grid = tile.sentinel2Grid(30);
    QCOMPARE(grid.originX(), 499980.0);
    QCOMPARE(grid.originY(), 3300000.0);
    QCOMPARE(grid.pixelWidth(), 30.0);
    QCOMPARE(grid.pixelHeight(), -30.0);

    const MgrsTile toulouse = MgrsTile::parse("31TCJ");
    QCOMPARE(toulouse.epsg(), 32631);
    QCOMPARE(toulouse.squareWestEasting(), 300000.0);
    QCOMPARE(toulouse.squareSouthNorthing(), 4800000.0);
    QCOMPARE(toulouse.sentinel2Grid(30).originY(), 4900020.0);

    // 30TYN's real Sentinel-2 origin (gdalinfo of an L1C tile): (699960, 4800000).
    const GeoTransform yn = MgrsTile::parse("30TYN").sentinel2Grid(10);
    QCOMPARE(yn.originX(), 699960.0);
    QCOMPARE(yn.originY(), 4800000.0);

    const MgrsTile victoria = MgrsTile::parse("55HBU");
    QVERIFY(!victoria.north());
    QCOMPARE(victoria.epsg(), 32755);
    QCOMPARE(victoria.squareWestEasting(), 200000.0);
    QCOMPARE(victoria.squareSouthNorthing(), 5800000.0);

    const MgrsTile recife = MgrsTile::parse("25MBN");
    QCOMPARE(recife.epsg(), 32725);
    QCOMPARE(recife.squareWestEasting(), 200000.0);
    QCOMPARE(recife.squareSouthNorthing(), 9200000.0);
    QCOMPARE(MgrsTile::parse("4QFJ").id(), std::string("04QFJ"));
  }

  void mgrsSquareCentreLiesInZoneAndBand_data() {
    QTest::addColumn<QString>("id");
    for (const char* id : {"13REN", "31TCJ", "55HBU", "25MBN", "18SUJ", "04QFJ", "33UUP", "60CWT", "01XEN",
                           "36NYF", "21LYG", "12VUH"})
      QTest::newRow(id) << id;
  }
  void mgrsSquareCentreLiesInZoneAndBand() {
    QFETCH(QString, id);
    const MgrsTile tile = MgrsTile::parse(id.toStdString());
    const Degrees centre = toLonLat(tile.epsg(), tile.squareWestEasting() + 50000, tile.squareSouthNorthing() + 50000);
    const double zoneWest = tile.zone * 6.0 - 186.0;
    QVERIFY2(centre.lon > zoneWest - 1 && centre.lon < zoneWest + 7, qPrintable(QString::number(centre.lon)));
    const std::string bands = "CDEFGHJKLMNPQRSTUVWX";
    const double bandSouth = -80.0 + 8.0 * double(bands.find(tile.latitudeBand));
    const double bandNorth = tile.latitudeBand == 'X' ? 84.0 : bandSouth + 8;
    QVERIFY2(centre.lat > bandSouth - 1 && centre.lat < bandNorth + 1, qPrintable(QString::number(centre.lat)));
  }

  void mgrsRejectsBadIds_data() {
    QTest::addColumn<QString>("id");
    QTest::addColumn<QString>("reason");
    QTest::newRow("empty") << "" << "malformed";
    QTest::newRow("short") << "13RE" << "malformed";
    QTest::newRow("long") << "T13RENX" << "malformed";
    QTest::newRow("zone 0") << "00REN" << "out of range 1-60";
    QTest::newRow("zone 61") << "61REN" << "out of range 1-60";
    QTest::newRow("band I") << "13IEN" << "latitude band 'I'";
    QTest::newRow("band A") << "13AEN" << "latitude band 'A'";
    QTest::newRow("column I") << "13RIN" << "column letter 'I'";
    QTest::newRow("column of another zone") << "13RSN" << "does not occur in zone 13";
    QTest::newRow("row W") << "13REW" << "row letter 'W'";
  }
  void mgrsRejectsBadIds() {
    QFETCH(QString, id);
    QFETCH(QString, reason);
    try {
      MgrsTile::parse(id.toStdString());
      QFAIL("no error");
    } catch (const Error& error) {
      QCOMPARE(error.kind(), ErrorKind::Usage);
      QVERIFY2(QString(error.what()).contains(reason), error.what());
    }
  }

  // ---------------------------------------------------------------------------- files

  void writesHlsNamedGranulesOfBothSensors() {
    QCOMPARE(int(mResult.granuleIds.size()), 6);
    QCOMPARE(int(mResult.files.size()), 6 * 7);
    std::set<HlsSensor> sensors;
    std::map<std::string, std::set<std::string>> bandsOf;
    QDateTime previous;
    for (const auto& id : mResult.granuleIds) {
      const auto name = HlsFileName::parse(id + ".Fmask.tif");
      QVERIFY2(name, id.c_str());
      QCOMPARE(name->tile, std::string("13REN"));
      QCOMPARE(name->version, std::string("2.0"));
      QVERIFY(name->acquired > previous);  // dates increase through the year
      QCOMPARE(name->acquired.date().year(), 2021);
      QVERIFY2(name->acquired.time().hour() >= 16 && name->acquired.time().hour() <= 18, id.c_str());
      previous = name->acquired;
      sensors.insert(name->sensor);
    }
    QCOMPARE(int(sensors.size()), 2);
    for (const auto& file : mResult.files) {
      QVERIFY2(fs::exists(file), file.c_str());
      const auto name = HlsFileName::parse(fs::path(file).filename().string());
      QVERIFY2(name, file.c_str());
      bandsOf[name->granuleId()].insert(name->band);
    }
    for (const auto& [id, bands] : bandsOf) {
      const bool l30 = HlsFileName::parse(id + ".Fmask.tif")->sensor == HlsSensor::L30;
      const std::set<std::string> expected =
          l30 ? std::set<std::string>{"B02", "B03", "B04", "B05", "B06", "B07", "Fmask"}
              : std::set<std::string>{"B02", "B03", "B04", "B8A", "B11", "B12", "Fmask"};
      QVERIFY2(bands == expected, id.c_str());
    }
    // Nothing else in the folder but the truth folder.
    QCOMPARE(int(filesIn(mTileDir).size()), 6 * 7);
  }

  void filesAreCogsOnTheTileGrid() {
    const std::array<double, 6> expected = {499980, 30, 0, 3300000, 0, -30};
    for (const auto& file : mResult.files) {
      const Band band = readBand(file);
      QCOMPARE(band.width, 128);
      QCOMPARE(band.height, 128);
      QCOMPARE(band.epsg, 32613);
      QVERIFY2(band.transform == expected, file.c_str());
      QCOMPARE(band.layout, std::string("COG"));
      QCOMPARE(band.compression, std::string("DEFLATE"));
      QVERIFY(band.nodata);
      if (HlsFileName::parse(fs::path(file).filename().string())->band == "Fmask") {
        QCOMPARE(band.type, GDT_Byte);
        QCOMPARE(*band.nodata, 255.0);
      } else {
        QCOMPARE(band.type, GDT_Int16);
        QCOMPARE(*band.nodata, -9999.0);
        QCOMPARE(band.scale, 0.0001);
      }
    }
    for (const char* kind : {"water", "burn_scar", "crops"}) {
      const Band mask = truth(kind);
      QCOMPARE(mask.type, GDT_Byte);
      QCOMPARE(mask.epsg, 32613);
      QVERIFY(mask.transform == expected);
      QCOMPARE(mask.width, 128);
    }
  }

  void fmaskAgreesWithThePixels() {
    int cloudyGranules = 0, clearGranules = 0, adjacentPixels = 0;
    for (const auto& id : mResult.granuleIds) {
      const Band blue = granuleBand(id, BandRole::Blue);
      const Band quality = granuleBand(id, BandRole::Fmask);
      int64_t cloudPixels = 0;
      for (size_t i = 0; i < blue.values.size(); ++i) {
        const auto bits = uint8_t(quality.values[i]);
        // Fill is the same pixels in reflectance and Fmask.
        QCOMPARE(bits == kFmaskFill, blue.values[i] == kHlsFill);
        if (bits == kFmaskFill) continue;
        QCOMPARE(bits >> fmask::kAerosolShift, 1);  // aerosol level low
        const bool cloud = bits & fmask::kCloud;
        cloudPixels += cloud;
        adjacentPixels += (bits & fmask::kAdjacent) != 0;
        // Bright pixels are cloud (or snow), never unflagged surface.
        if (blue.values[i] > 3500) QVERIFY2(bits & (fmask::kCloud | fmask::kSnowIce), id.c_str());
        // Flags exclude one another where HLS's do.
        QVERIFY(!(cloud && (bits & fmask::kShadow)));
      }
      (cloudPixels > 0 ? cloudyGranules : clearGranules) += 1;
    }
    QVERIFY(cloudyGranules > 0);
    QVERIFY(clearGranules > 0);
    QVERIFY(adjacentPixels > 0);
  }

  void waterTruthIsDrawnAsWater() {
    const Band water = truth("water");
    int64_t waterPixels = 0;
    for (double v : water.values) waterPixels += v == 1;
    QVERIFY(waterPixels > 50);
    int64_t clearWater = 0;
    for (const auto& id : mResult.granuleIds) {
      const Band nir = granuleBand(id, BandRole::NIR);
      const Band quality = granuleBand(id, BandRole::Fmask);
      int64_t clearLand = 0, darkLand = 0;
      for (size_t i = 0; i < nir.values.size(); ++i) {
        if (!isClear(quality.values[i])) continue;
        const bool waterBit = uint8_t(quality.values[i]) & fmask::kWater;
        if (water.values[i] == 1) {
          ++clearWater;
          QVERIFY2(nir.values[i] < 600, id.c_str());
          QVERIFY(waterBit);
        } else {
          ++clearLand;
          darkLand += nir.values[i] < 600;
          QVERIFY(!waterBit);
        }
      }
      QCOMPARE(darkLand, int64_t(0));
      QVERIFY(clearLand > 0);
    }
    QVERIFY(clearWater > 0);
  }

  void burnScarAppearsOnlyAfterTheFire() {
    const Band burned = truth("burn_scar");
    const Band water = truth("water");
    int64_t burnedPixels = 0;
    for (size_t i = 0; i < burned.values.size(); ++i) {
      burnedPixels += burned.values[i] == 1;
      QVERIFY(!(burned.values[i] == 1 && water.values[i] == 1));
    }
    QVERIFY(burnedPixels > 50);

    const QJsonObject fire = mTruth["fire"].toObject();
    const std::string firstBurned = fire["first_burned_granule"].toString().toStdString();
    const QDate fireDate = QDate::fromString(fire["date"].toString(), Qt::ISODate);
    QVERIFY(fireDate.isValid());
    bool afterFire = false;
    int before = 0, after = 0;
    for (const auto& id : mResult.granuleIds) {
      afterFire = afterFire || id == firstBurned;
      const QDate acquired = HlsFileName::parse(id + ".Fmask.tif")->acquired.date();
      QCOMPARE(acquired >= fireDate, afterFire);
      const Band nir = granuleBand(id, BandRole::NIR);
      const Band swir2 = granuleBand(id, BandRole::SWIR2);
      const Band quality = granuleBand(id, BandRole::Fmask);
      double nbrSum = 0;
      int64_t count = 0;
      for (size_t i = 0; i < nir.values.size(); ++i)
        if (burned.values[i] == 1 && isUnobscured(quality.values[i])) {
          nbrSum += (nir.values[i] - swir2.values[i]) / (nir.values[i] + swir2.values[i]);
          ++count;
        }
      if (count < 20) continue;  // hidden under cloud on this date
      const double nbr = nbrSum / double(count);
      if (afterFire) {
        QVERIFY2(nbr < 0.0, qPrintable(QString("%1 NBR %2").arg(id.c_str()).arg(nbr)));
        ++after;
      } else {
        QVERIFY2(nbr > 0.15, qPrintable(QString("%1 NBR %2").arg(id.c_str()).arg(nbr)));
        ++before;
      }
    }
    QVERIFY(before > 0);
    QVERIFY(after > 0);
  }

  void cropTruthHoldsCropCodes() {
    const Band crops = truth("crops");
    const Band water = truth("water");
    std::set<int> codes;
    for (size_t i = 0; i < crops.values.size(); ++i) {
      codes.insert(int(crops.values[i]));
      QVERIFY(!(crops.values[i] != 0 && water.values[i] == 1));
    }
    QVERIFY(*codes.rbegin() <= kSynthCropCount);
    QVERIFY(codes.size() >= 2);  // some crop besides "not crop"
    const QJsonObject values = mTruth["masks"].toObject()["crops"].toObject()["values"].toObject();
    QCOMPARE(values["1"].toString(), QString("corn"));
    QCOMPARE(values["0"].toString(), QString("not crop"));
  }

  void truthJsonListsEveryGranule() {
    QCOMPARE(mTruth["tile"].toString(), QString("13REN"));
    QCOMPARE(mTruth["epsg"].toInt(), 32613);
    const QJsonArray granules = mTruth["granules"].toArray();
    QCOMPARE(int(granules.size()), 6);
    for (int i = 0; i < 6; ++i) {
      const QJsonObject granule = granules[i].toObject();
      QCOMPARE(granule["id"].toString().toStdString(), mResult.granuleIds[i]);
      const double percent = granule["cloud_percent"].toDouble(-1);
      QVERIFY(percent >= 0 && percent <= 100);
    }
  }

  // ---------------------------------------------------------------------------- runs

  void sameSeedSameFilesOtherSeedOtherPixels() {
    QTemporaryDir again;
    HlsSynthOptions options = mOptions;
    options.outDir = again.filePath("tile").toStdString();
    const HlsSynthResult second = synthesizeHlsTile(options, nullptr);
    QCOMPARE(second.granuleIds, mResult.granuleIds);
    for (size_t i = 0; i < mResult.files.size(); ++i) {
      QCOMPARE(readBand(second.files[i]).pixelHash, readBand(mResult.files[i]).pixelHash);
      QFile a(QString::fromStdString(mResult.files[i])), b(QString::fromStdString(second.files[i]));
      QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
      QVERIFY2(a.readAll() == b.readAll(), second.files[i].c_str());  // byte-identical files
    }

    QTemporaryDir other;
    options.outDir = other.filePath("tile").toStdString();
    options.seed = 2;
    const HlsSynthResult third = synthesizeHlsTile(options, nullptr);
    const Band firstRed = readBand(granuleFile(mResult.granuleIds[0], "B04"));  // B04 is red on both sensors
    const Band otherRed = readBand(options.outDir + "/" + third.granuleIds[0] + ".B04.tif");
    QVERIFY(!otherRed.values.empty());
    QVERIFY(firstRed.pixelHash != otherRed.pixelHash);
  }

  void rejectsBadOptions_data() {
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("reason");
    QTest::newRow("no dates") << "dates" << "0" << "1..1000";
    QTest::newRow("too many dates") << "dates" << "1001" << "1..1000";
    QTest::newRow("tiny") << "size" << "15" << "16..3660";
    QTest::newRow("larger than a tile") << "size" << "3661" << "16..3660";
    QTest::newRow("tile") << "tile" << "13RIN" << "column letter";
    QTest::newRow("zone") << "tile" << "75REN" << "1-60";
    QTest::newRow("no folder") << "outDir" << "" << "output folder";
    QTest::newRow("folder under a file") << "outDir" << "FILE/sub" << "output folder";
    QTest::newRow("resolution") << "resolution" << "25" << "resolution";
  }
  void rejectsBadOptions() {
    QFETCH(QString, field);
    QFETCH(QString, value);
    QFETCH(QString, reason);
    QTemporaryDir scratch;
    HlsSynthOptions options;
    options.size = 32;
    options.dates = 1;
    options.outDir = scratch.filePath("out").toStdString();
    if (field == "dates") options.dates = value.toInt();
    if (field == "size") options.size = value.toInt();
    if (field == "tile") options.tile = value.toStdString();
    if (field == "resolution") options.resolution = value.toDouble();
    if (field == "outDir") {
      QFile blocker(scratch.filePath("FILE"));
      QVERIFY(blocker.open(QIODevice::WriteOnly));
      options.outDir = value.isEmpty() ? std::string() : scratch.filePath(value).toStdString();
    }
    try {
      synthesizeHlsTile(options, nullptr);
      QFAIL("no error");
    } catch (const Error& error) {
      QCOMPARE(error.kind(), ErrorKind::Usage);
      QVERIFY2(QString(error.what()).contains(reason), error.what());
    }
  }

  // Whenever the cancel lands, every file under a final HLS name is a whole granule's band.
  void cancelLeavesOnlyCompleteGranules() {
    QTemporaryDir scratch;
    HlsSynthOptions options = mOptions;
    options.dates = 5;
    options.outDir = scratch.filePath("tile").toStdString();
    Feedback feedback;
    feedback.setProgressCallback([&feedback](int64_t step, int64_t, const std::string&) {
      if (step == 3) feedback.cancel();  // while the third granule is being made
    });
    try {
      synthesizeHlsTile(options, &feedback);
      QFAIL("no cancel");
    } catch (const Error& error) {
      QCOMPARE(error.kind(), ErrorKind::Canceled);
    }
    checkOnlyWholeGranules(options.outDir, 2);
  }

  void cancelDuringWritingLeavesNoHalfFile() {
    QTemporaryDir scratch;
    HlsSynthOptions options;
    options.size = 1024;
    options.dates = 4;
    options.outDir = scratch.filePath("tile").toStdString();
    Feedback feedback;
    std::thread canceler([&feedback] {
      std::this_thread::sleep_for(std::chrono::milliseconds(700));
      feedback.cancel();
    });
    bool canceled = false;
    try {
      synthesizeHlsTile(options, &feedback);
    } catch (const Error& error) {
      canceled = error.kind() == ErrorKind::Canceled;
    }
    canceler.join();
    if (!canceled) QSKIP("the run finished before the cancel");
    checkOnlyWholeGranules(options.outDir, -1);
  }

 private:
  // Every file parses as an HLS name, opens, and comes with the granule's six other bands.
  void checkOnlyWholeGranules(const std::string& folder, int expectedGranules) {
    std::map<std::string, int> bandsPerGranule;
    for (const auto& name : filesIn(folder)) {
      const auto parsed = HlsFileName::parse(name);
      QVERIFY2(parsed, name.c_str());
      QVERIFY2(!readBand(folder + "/" + name).values.empty(), name.c_str());
      ++bandsPerGranule[parsed->granuleId()];
    }
    for (const auto& [id, count] : bandsPerGranule) QCOMPARE(count, 7);
    if (expectedGranules >= 0) QCOMPARE(int(bandsPerGranule.size()), expectedGranules);
  }
};

QTEST_GUILESS_MAIN(TestSynth)
#include "test_synth.moc"
