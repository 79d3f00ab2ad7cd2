// RasterSource, GeoTransform, CRS transforms and overview building, on the Debian-shipped
// Landsat sample and on files the tests write.
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>
#include <clocale>
#include <cstdio>
#include <fstream>
#include <thread>

#include <gdal.h>

#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/base/NumberText.h"
#include "core/raster/GeoTransform.h"
#include "core/raster/Crs.h"
#include "core/raster/Overviews.h"
#include "core/raster/RasterSource.h"
#include "tests/support/TestSupport.h"

using namespace prithvi;
using test::expectError;

namespace {
int ramp(int band, int x, int y) { return band * 1000 + (x * 7 + y * 3) % 997; }

}  // namespace

class TestRaster : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir mDir;
  std::string path(const char* name) { return (mDir.path() + QLatin1Char('/') + QLatin1String(name)).toStdString(); }

 private Q_SLOTS:
  void initTestCase() { QVERIFY2(test::haveSamples(), "run packaging/fetch-samples.sh first"); }

  // A 32 x 32 TIFF whose header claims 12048 x 65530 tiles (found by fuzz_raster): reading any
  // pixel would make GDAL allocate 4.7 GB. It is refused when opened, before any read.
  void hugeBlocksAreRefused() {
    const std::string file = PRITHVI_SOURCE_DIR "/tests/fuzz/corpus/fuzz_raster/huge-blocks-oom.tif";
    const std::string message = expectError(ErrorKind::BadInput, [&] { RasterSource::open(file); });
    QVERIFY2(QString::fromStdString(message).contains(QStringLiteral("blocks of 12048 x 65530 pixels")), message.c_str());
    // A normal tiled file of the same size opens.
    const std::string normal = path("tiled.tif");
    test::writeInt16Tiff(normal, 32, 32, 3, ramp);
    QCOMPARE(RasterSource::open(normal)->info().width, 32);
  }

  // Numbers written to files ignore the locale: under de_DE printf writes "0,5", which read
  // back as 0 (or broke the JSON of a checkpoint's config).
  void numbersInFilesIgnoreTheLocale() {
    const std::string before = std::setlocale(LC_ALL, nullptr);
    if (!std::setlocale(LC_ALL, "de_DE.UTF-8")) QSKIP("the de_DE.UTF-8 locale is not installed (packaging/bootstrap.sh makes it)");
    char localised[16];
    std::snprintf(localised, sizeof localised, "%g", 0.5);
    QCOMPARE(QString(localised), QStringLiteral("0,5"));  // the locale really is in force
    QCOMPARE(numberText(0.5), std::string("0.5"));
    QCOMPARE(numberText(9.9999999999999995e-07), std::string("1e-06"));
    QCOMPARE(fixedNumberText(0.75, 4), std::string("0.7500"));
    QCOMPARE(parseNumber("0.5").value_or(-1), 0.5);
    QCOMPARE(parseNumber("-2.5e-3").value_or(0), -2.5e-3);
    QVERIFY(!parseNumber("0,5"));
    QVERIFY(!parseNumber("1.5x"));
    QVERIFY(!parseNumber(""));
    const GeoTransform transform({499980.5, 30, 0, 3300000.25, 0, -30});
    QCOMPARE(transform.toString(), std::string("499980.5 30 0 3300000.25 0 -30"));
    std::setlocale(LC_ALL, before.c_str());
  }

  void opensLandsatSample() {
    const auto source = RasterSource::open(test::samplePath(QStringLiteral("stars/L7_ETMs.tif")).toStdString());
    const RasterInfo& info = source->info();
    QCOMPARE(info.driver, std::string("GTiff"));
    QCOMPARE(info.width, 349);
    QCOMPARE(info.height, 352);
    QCOMPARE(int(info.bands.size()), 6);
    QCOMPARE(info.bands[0].type, DataType::Byte);
    QCOMPARE(info.epsg, 31985);  // SIRGAS 2000 / UTM zone 25S
    QVERIFY(info.hasGeoTransform);
    QCOMPARE(info.geoTransform.originX(), 288776.25000080315);
    QVERIFY(std::abs(info.geoTransform.pixelWidth() - 28.5) < 1e-6);
    QCOMPARE(int(info.overviewSizes.size()), 4);
    QCOMPARE(info.overviewSizes[0], std::make_pair(175, 176));
  }

  void windowReadEqualsGdal() {
    const std::string file = test::samplePath(QStringLiteral("stars/L7_ETMs.tif")).toStdString();
    const auto source = RasterSource::open(file);
    const Window window{40, 50, 64, 32};
    const RasterBlock block = source->read(window, {1, 4, 6});
    QCOMPARE(block.bandCount(), 3);
    GDALDatasetH dataset = GDALOpen(file.c_str(), GA_ReadOnly);
    const int bands[] = {1, 4, 6};
    for (int i = 0; i < 3; ++i) {
      std::vector<uint8_t> expected(64 * 32);
      QCOMPARE(GDALRasterIO(GDALGetRasterBand(dataset, bands[i]), GF_Read, 40, 50, 64, 32, expected.data(), 64, 32,
                            GDT_Byte, 0, 0), CE_None);
      QVERIFY(std::equal(expected.begin(), expected.end(), block.band<uint8_t>(i)));
      QCOMPARE(block.value(i, 5, 7), double(expected[7 * 64 + 5]));
    }
    GDALClose(dataset);
    // Conversion on read: the same values as Float32.
    const RasterBlock asFloat = source->read(window, {4}, DataType::Float32);
    QCOMPARE(asFloat.value(0, 10, 10), block.value(1, 10, 10));
  }

  void readsOverviewLevels() {
    const auto source = RasterSource::open(test::samplePath(QStringLiteral("stars/L7_ETMs.tif")).toStdString());
    const RasterBlock level2 = source->readLevel(2, {0, 0, 88, 88}, {1});
    QCOMPARE(level2.width(), 88);
    const RasterBlock resampled = source->readResampled({0, 0, 349, 352}, 88, 88, {1});
    QCOMPARE(resampled.height(), 88);
    QVERIFY(expectError(ErrorKind::Usage, [&] { source->readLevel(9, {0, 0, 1, 1}, {1}); }).find("no overview level") !=
            std::string::npos);
  }

  void pixelMapLonLatRoundTrip() {
    const auto source = RasterSource::open(test::samplePath(QStringLiteral("stars/L7_ETMs.tif")).toStdString());
    const GeoTransform& transform = source->info().geoTransform;
    const MapPoint map = transform.pixelToMap(100.5, 200.25);
    const auto pixel = transform.mapToPixel(map.x, map.y);
    QVERIFY(pixel);
    QVERIFY(std::abs(pixel->x - 100.5) < 1e-9 && std::abs(pixel->y - 200.25) < 1e-9);
    LonLatTransform lonLat(source->info().crsWkt);
    const auto centre = lonLat.toLonLat(transform.pixelToMap(349 / 2.0, 352 / 2.0));
    QVERIFY(centre);
    // gdalinfo: Center (34d52'16.58"W, 7d59'43.35"S)
    QVERIFY(std::abs(centre->lon - (-(34 + 52 / 60.0 + 16.58 / 3600))) < 1e-5);
    QVERIFY(std::abs(centre->lat - (-(7 + 59 / 60.0 + 43.35 / 3600))) < 1e-5);
    const auto back = lonLat.fromLonLat(*centre);
    QVERIFY(back && std::abs(back->x - 293749.5) < 1e-3);
    // EPSG:4326 keeps lon, lat order (the axis-order trap).
    LonLatTransform geographic("EPSG:4326");
    const auto same = geographic.toLonLat({10.0, 50.0});
    QVERIFY(same && std::abs(same->lon - 10.0) < 1e-12 && std::abs(same->lat - 50.0) < 1e-12);
    const auto ring = footprintLonLat(transform, 349, 352, source->info().crsWkt, 4);
    QCOMPARE(int(ring.size()), 17);
    QCOMPARE(ring.front().lon, ring.back().lon);
  }

  void threadsReadTheirOwnHandles() {
    const std::string file = path("ramp.tif");
    test::writeInt16Tiff(file, 300, 200, 3, ramp);
    const auto source = RasterSource::open(file);
    std::vector<double> sums(4, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&, t] {
        for (int i = 0; i < 20; ++i) {
          const RasterBlock block = source->read({t * 10 + i, i, 50, 50}, {1, 2, 3});
          sums[t] += block.value(2, 49, 49) - ramp(2, t * 10 + i + 49, i + 49);
        }
      });
    for (auto& thread : threads) thread.join();
    for (double sum : sums) QCOMPARE(sum, 0.0);
  }

  void opensEveryFormatUsersBring() {
    // The same pixels through GeoTIFF, COG, VRT, GeoPackage raster and Zarr.
    // (A GeoPackage raster of 16-bit data holds one band, so it gets a one-band source.)
    const std::string tiff = path("formats.tif");
    test::writeInt16Tiff(tiff, 64, 48, 2, ramp);
    const std::string oneBand = path("formats1.tif");
    test::writeInt16Tiff(oneBand, 64, 48, 1, ramp);
    struct Target {
      const char* driver;
      const char* name;
    };
    for (const Target& target : {Target{"COG", "formats.cog.tif"}, Target{"VRT", "formats.vrt"},
                                 Target{"GPKG", "formats.gpkg"}, Target{"Zarr", "formats.zarr"}}) {
      GDALDatasetH source = GDALOpen(std::string(target.driver) == "GPKG" ? oneBand.c_str() : tiff.c_str(), GA_ReadOnly);
      QVERIFY(source);
      const std::string out = path(target.name);
      GDALDatasetH copy = GDALCreateCopy(GDALGetDriverByName(target.driver), out.c_str(), source, FALSE, nullptr,
                                         nullptr, nullptr);
      QVERIFY2(copy, target.driver);
      GDALClose(copy);
      GDALClose(source);
      const bool zarr = std::string(target.driver) == "Zarr";
      if (zarr) {
        // GDAL writes each band as its own array: the container says which to open.
        const std::string message = expectError(ErrorKind::BadInput, [&] { RasterSource::open(out); });
        QVERIFY2(message.find("/Band1") != std::string::npos, message.c_str());
      }
      const auto raster = RasterSource::open(zarr ? "ZARR:\"" + out + "\":/Band1" : out);
      QCOMPARE(raster->info().width, 64);
      QCOMPARE(raster->info().epsg, 32613);
      const RasterBlock block = raster->read({10, 5, 20, 20}, {1}, DataType::Int16);
      QCOMPARE(block.value(0, 3, 4), double(ramp(0, 13, 9)));
      if (std::string(target.driver) != "GPKG" && !zarr) {  // one band each there
        const RasterBlock second = raster->read({0, 0, 8, 8}, {2}, DataType::Int16);
        QCOMPARE(second.value(0, 7, 7), double(ramp(1, 7, 7)));
      }
    }
  }

  void nodataAndTypesReported() {
    const std::string file = path("nodata.tif");
    test::writeInt16Tiff(file, 16, 16, 2, ramp);
    const auto source = RasterSource::open(file);
    QCOMPARE(source->info().bands[1].type, DataType::Int16);
    QVERIFY(source->info().bands[1].nodata);
    QCOMPARE(*source->info().bands[1].nodata, -9999.0);
    QCOMPARE(source->info().epsg, 32613);
  }

  void rejectsTextFileNamedTif() {
    const std::string file = path("notes.tif");
    std::ofstream(file) << "these are field notes, not an image\n";
    const std::string message = expectError(ErrorKind::BadInput, [&] { RasterSource::open(file); });
    QVERIFY2(message.find("cannot open") != std::string::npos, message.c_str());
    QVERIFY2(message.find("notes.tif") != std::string::npos, message.c_str());
  }

  void rejectsEmptyFile() {
    const std::string file = path("empty.tif");
    std::ofstream(file).flush();
    QVERIFY(!expectError(ErrorKind::BadInput, [&] { RasterSource::open(file); }).empty());
  }

  void truncatedTiffGivesClearError() {
    const std::string file = path("truncated.tif");
    test::writeInt16Tiff(file, 256, 256, 2, ramp, "TILED=YES,COMPRESS=DEFLATE");
    // Cut the file at several places: the header, inside the tiles, near the end.
    std::ifstream in(file, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    int failures = 0;
    for (double fraction : {0.001, 0.01, 0.3, 0.6, 0.95}) {
      const std::string cut = path("cut.tif");
      std::ofstream(cut, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size() * fraction));
      try {
        const auto source = RasterSource::open(cut);
        source->read({0, 0, 256, 256}, {1, 2});
      } catch (const Error& error) {
        QCOMPARE(error.kind(), ErrorKind::BadInput);
        QVERIFY2(std::string(error.what()).find("cut.tif") != std::string::npos, error.what());
        ++failures;
      }
    }
    QCOMPARE(failures, 5);
  }

  void rejectsHugeDimensionsBeforeAllocating() {
    const std::string file = path("huge.tif");
    test::writeHugeHeaderTiff(file, 1000000, 1000000);
    const std::string message = expectError(ErrorKind::BadInput, [&] { RasterSource::open(file); });
    QVERIFY2(message.find("1000000 x 1000000") != std::string::npos, message.c_str());
  }

  void rejectsOversizedAndOutsideReads() {
    const std::string file = path("small.tif");
    test::writeInt16Tiff(file, 64, 64, 1, ramp);
    OpenLimits limits;
    limits.maxReadBytes = 1024;
    const auto source = RasterSource::open(file, limits);
    QVERIFY(expectError(ErrorKind::Usage, [&] { source->read({0, 0, 64, 64}, {1}); }).find("over the limit") !=
            std::string::npos);
    QVERIFY(expectError(ErrorKind::Usage, [&] { source->read({60, 60, 8, 8}, {1}); }).find("outside") !=
            std::string::npos);
    QVERIFY(expectError(ErrorKind::Usage, [&] { source->read({0, 0, 4, 4}, {2}); }).find("band 2") != std::string::npos);
  }

  void buildsOverviewsWithProgressAndCancel() {
    const std::string file = path("ovr.tif");
    test::writeInt16Tiff(file, 1100, 1000, 2, ramp);
    QCOMPARE(overviewFactorsFor(1100, 1000), (std::vector<int>{2, 4}));
    Feedback canceled;
    canceled.cancel();
    QVERIFY(!expectError(ErrorKind::Canceled, [&] { buildOverviews(file, &canceled); }).empty());
    Feedback feedback;
    int64_t lastStep = 0;
    feedback.setProgressCallback([&](int64_t step, int64_t, const std::string&) { lastStep = step; });
    QCOMPARE(buildOverviews(file, &feedback), (std::vector<int>{2, 4}));
    QCOMPARE(lastStep, int64_t(1000));
    QVERIFY(QFileInfo::exists(QString::fromStdString(file + ".ovr")));  // the source file is untouched
    const auto source = RasterSource::open(file);
    QCOMPARE(int(source->info().overviewSizes.size()), 2);
    QCOMPARE(source->info().overviewSizes[0], std::make_pair(550, 500));
    // The overview holds the average of each 2x2 block.
    const RasterBlock level1 = source->readLevel(1, {10, 10, 1, 1}, {1}, DataType::Float64);
    const double expected = (ramp(0, 20, 20) + ramp(0, 21, 20) + ramp(0, 20, 21) + ramp(0, 21, 21)) / 4.0;
    QVERIFY(std::abs(level1.value(0, 0, 0) - expected) <= 1.0);
  }
};

QTEST_GUILESS_MAIN(TestRaster)
#include "test_raster.moc"
