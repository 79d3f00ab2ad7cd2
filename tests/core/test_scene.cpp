// Scanning files and folders into scenes: HLS granules, Landsat band files, plain rasters,
// and every file left out with its reason.
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <fstream>

#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/raster/RasterSource.h"
#include "core/scene/SceneScanner.h"
#include "core/synth/HlsSynth.h"
#include "tests/support/TestSupport.h"

using namespace prithvi;

namespace {
int flat(int band, int, int) { return 100 + band; }

const SkippedFile* skippedFile(const ScanResult& result, const std::string& nameEnd) {
  for (const auto& file : result.skipped)
    if (file.path.size() >= nameEnd.size() && file.path.compare(file.path.size() - nameEnd.size(), nameEnd.size(), nameEnd) == 0)
      return &file;
  return nullptr;
}
}  // namespace

class TestScene : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir mDir;
  QString mHlsDir;

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY2(test::haveSamples(), "run packaging/fetch-samples.sh first");
    HlsSynthOptions options;
    options.tile = "T13REN";
    options.dates = 4;
    options.size = 96;
    options.seed = 3;
    options.outDir = (mDir.path() + QStringLiteral("/hls")).toStdString();
    synthesizeHlsTile(options);
    mHlsDir = mDir.path() + QStringLiteral("/hls");
  }

  void groupsHlsGranules() {
    const ScanResult result = scanForScenes({mHlsDir.toStdString()});
    QCOMPARE(int(result.scenes.size()), 4);
    for (const Scene& scene : result.scenes) {
      QCOMPARE(scene.kind, SceneKind::HlsGranule);
      QCOMPARE(scene.tile, std::string("13REN"));
      QCOMPARE(scene.epsg, 32613);
      QCOMPARE(scene.width, 96);
      QVERIFY(scene.hasPrithviBands());
      QVERIFY(scene.band(BandRole::Fmask));
      QCOMPARE(int(scene.bands.size()), 7);
      QCOMPARE(scene.band(BandRole::Red)->scale, kHlsReflectanceScale);
      QCOMPARE(*scene.band(BandRole::Red)->nodata, double(kHlsFill));
      QVERIFY(scene.acquired.isValid());
      QCOMPARE(scene.band(BandRole::NIR)->name, std::string(scene.sensor == "L30" ? "B05" : "B8A"));
      // Cloud cover equals the share of valid Fmask pixels with the cloud or cirrus bit.
      const auto fmaskFile = RasterSource::open(scene.band(BandRole::Fmask)->path);
      const RasterBlock fmaskBlock = fmaskFile->read({0, 0, 96, 96}, {1});
      QVERIFY(scene.cloudCoverPercent);
      QCOMPARE(*scene.cloudCoverPercent, cloudCoverOf(fmaskBlock.band<uint8_t>(0), 96 * 96).cloudPercent());
      QCOMPARE(int(scene.footprint.size()), 33);
      QVERIFY(scene.footprint[0].lon > -106 && scene.footprint[0].lon < -104);  // zone 13: 108W-102W
    }
    // Truth masks are plain rasters beside the granules; nothing is silently dropped.
    int masks = 0;
    for (const auto& file : result.skipped) masks += file.reason.find("truth mask") != std::string::npos;
    QCOMPARE(masks, 3);
    QVERIFY(skippedFile(result, ".truth.json"));
    QCOMPARE(int(result.skipped.size()), 4);
  }

  void landsatSamplesBecomeScenes() {
    const ScanResult result = scanForScenes({test::samplePath(QStringLiteral("satellite")).toStdString()});
    QCOMPARE(int(result.scenes.size()), 2);
    const Scene& l8 = result.scenes[0];
    QCOMPARE(l8.sensor, std::string("LC08"));
    QCOMPARE(l8.tile, std::string("195025"));
    QCOMPARE(l8.acquired.date(), QDate(2013, 7, 7));
    QCOMPARE(l8.band(BandRole::NIR)->name, std::string("B5"));
    const Scene& l7 = result.scenes[1];
    QCOMPARE(l7.sensor, std::string("LE07"));
    QCOMPARE(l7.band(BandRole::NIR)->name, std::string("B4"));
    QCOMPARE(l7.band(BandRole::SWIR2)->name, std::string("B7"));
    // The 15 m panchromatic bands do not share the 30 m grid and are reported.
    const SkippedFile* pan = skippedFile(result, "LC08_L1TP_195025_20130707_20170503_01_T1_B8.TIF");
    QVERIFY(pan);
    QVERIFY2(pan->reason.find("82x82") != std::string::npos, pan->reason.c_str());
    QVERIFY(skippedFile(result, "_MTL.txt"));
  }

  void plainRasterRolesDefaultAndOverride() {
    const std::string l7 = test::samplePath(QStringLiteral("stars/L7_ETMs.tif")).toStdString();
    ScanResult result = scanForScenes({l7});
    QCOMPARE(int(result.scenes.size()), 1);
    QVERIFY(result.scenes[0].hasPrithviBands());
    QCOMPARE(result.scenes[0].band(BandRole::SWIR2)->bandIndex, 6);
    QCOMPARE(int(result.warnings.size()), 1);
    QVERIFY(result.warnings[0].find("--band-roles") != std::string::npos);

    ScanOptions options;
    options.bandRoles = parseBandRoles("Red, Green, Blue, NIR, -, Other");
    result = scanForScenes({l7}, options);
    QCOMPARE(result.scenes[0].band(BandRole::Red)->bandIndex, 1);
    QVERIFY(!result.scenes[0].band(BandRole::SWIR1));
    QVERIFY(result.warnings.empty());

    options.bandRoles = parseBandRoles("Red,Green");
    QVERIFY_THROWS_EXCEPTION(Error, scanForScenes({l7}, options));
    QVERIFY_THROWS_EXCEPTION(Error, parseBandRoles("Red,Ultraviolet"));
  }

  void badFilesAreReportedWithReasons() {
    QTemporaryDir dir;
    const QString bad = dir.path();
    std::ofstream((bad + QStringLiteral("/field_notes.tif")).toStdString()) << "not an image";
    std::ofstream((bad + QStringLiteral("/HLS.L30.T13REN.2021400T173909.v2.0.B04.tif")).toStdString()) << "x";
    test::writeHugeHeaderTiff((bad + QStringLiteral("/huge.tif")).toStdString(), 1000000, 1000000);
    // A granule whose B05 has a different size from its other bands.
    for (const char* band : {"B02", "B03", "B04", "B06", "B07"})
      test::writeInt16Tiff((bad + QStringLiteral("/HLS.L30.T13REN.2021150T173909.v2.0.%1.tif").arg(QLatin1String(band))).toStdString(),
                           32, 32, 1, flat);
    test::writeInt16Tiff((bad + QStringLiteral("/HLS.L30.T13REN.2021150T173909.v2.0.B05.tif")).toStdString(), 16, 16, 1, flat);
    const ScanResult result = scanForScenes({bad.toStdString(), "/no/such/folder"});
    QCOMPARE(int(result.scenes.size()), 1);
    QCOMPARE(int(result.scenes[0].bands.size()), 5);
    QVERIFY(!result.scenes[0].band(BandRole::NIR));
    QVERIFY(skippedFile(result, "v2.0.B05.tif")->reason.find("16x16") != std::string::npos);
    QVERIFY(skippedFile(result, "field_notes.tif")->reason.find("cannot open") != std::string::npos);
    QVERIFY(skippedFile(result, "2021400T173909.v2.0.B04.tif")->reason.find("no such day of year") != std::string::npos);
    QVERIFY(skippedFile(result, "huge.tif")->reason.find("1000000 x 1000000") != std::string::npos);
    QVERIFY(skippedFile(result, "/no/such/folder")->reason.find("no such file") != std::string::npos);
    bool warnedMissing = false;
    for (const auto& warning : result.warnings) warnedMissing |= warning.find("lacks NIR, Fmask") != std::string::npos;
    QVERIFY(warnedMissing);
  }

  void scanReportsProgressAndCancels() {
    Feedback feedback;
    int64_t last = -1, total = 0;
    feedback.setProgressCallback([&](int64_t step, int64_t all, const std::string&) {
      last = step;
      total = all;
    });
    scanForScenes({mHlsDir.toStdString()}, {}, &feedback);
    QVERIFY(total > 0);
    QCOMPARE(last, total);
    Feedback canceled;
    canceled.cancel();
    QVERIFY_THROWS_EXCEPTION(Error, scanForScenes({mHlsDir.toStdString()}, {}, &canceled));
  }
};

QTEST_GUILESS_MAIN(TestScene)
#include "test_scene.moc"
