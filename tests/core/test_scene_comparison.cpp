// Comparing scenes on one pixel grid: overlaps of shifted windows, refusals of other grids and
// CRSs, SSIM/PSNR/MAE of a filled image against the truth over the clouded pixels only, and the
// reflectance difference map, all against values computed here by hand; and the same numbers
// through `prithvi evaluate --pred --truth --mask --json`.
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>

#include <cpl_conv.h>
#include <ogr_spatialref.h>

#include "core/hls/Hls.h"
#include "core/metrics/SceneComparison.h"
#include "core/raster/RasterSource.h"
#include "core/raster/RasterWriter.h"
#include "core/scene/SceneScanner.h"
#include "tests/support/TestSupport.h"

using namespace prithvi;

namespace {

constexpr int kSize = 40;
constexpr int kShift = 100;  // DN added to the "filled" pixels: 0.01 reflectance

int16_t truthValue(int band, int x, int y) { return int16_t(500 + 300 * band + 7 * x + 11 * y); }
bool clouded(int x, int y) { return x >= 10 && x < 20 && y >= 5 && y < 25; }  // 200 pixels
bool changed(int x, int y) { return clouded(x, y) || (x == 30 && y == 30); }     // one clear pixel off too

GeoTransform gridAt(double originX, double originY) { return GeoTransform({originX, 30, 0, originY, 0, -30}); }

// Six bands named Blue..SWIR2 with the HLS scale, plus Fmask when `fmask` is given.
void writeImage(const std::string& path, const GeoTransform& grid, int16_t (*value)(int, int, int),
                const std::vector<uint8_t>* fmask = nullptr, const std::string& wkt = test::utm13Wkt()) {
  const int bands = fmask ? 7 : 6;
  std::vector<int16_t> data(size_t(bands) * kSize * kSize);
  for (int b = 0; b < 6; ++b)
    for (int y = 0; y < kSize; ++y)
      for (int x = 0; x < kSize; ++x) data[(size_t(b) * kSize + y) * kSize + x] = value(b, x, y);
  if (fmask)
    for (size_t i = 0; i < fmask->size(); ++i) data[size_t(6) * kSize * kSize + i] = int16_t((*fmask)[i]);
  RasterWriteOptions options;
  options.bandDescriptions = {"Blue", "Green", "Red", "NIR", "SWIR1", "SWIR2"};
  if (fmask) options.bandDescriptions.push_back("Fmask");
  options.scale = 0.0001;
  options.nodata = -9999;
  writeRaster(path, kSize, kSize, bands, DataType::Int16, data.data(), grid, wkt, options);
}

int16_t filledValue(int band, int x, int y) { return int16_t(truthValue(band, x, y) + (changed(x, y) ? kShift : 0)); }

}  // namespace

class TestSceneComparison : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir mDir;
  Scene mTruth, mFilled, mClouded;
  std::string path(const char* name) { return mDir.filePath(QLatin1String(name)).toStdString(); }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(mDir.isValid());
    writeImage(path("truth.tif"), gridAt(500000, 3300000), truthValue);
    writeImage(path("filled.tif"), gridAt(500000, 3300000), filledValue);
    std::vector<uint8_t> fmask(size_t(kSize) * kSize, 0);
    for (int y = 0; y < kSize; ++y)
      for (int x = 0; x < kSize; ++x)
        if (clouded(x, y)) fmask[size_t(y) * kSize + x] = (x % 2) ? fmask::kCloud : fmask::kShadow;
    writeImage(path("clouded.tif"), gridAt(500000, 3300000), truthValue, &fmask);
    mTruth = sceneOfFile(path("truth.tif"));
    mFilled = sceneOfFile(path("filled.tif"));
    mClouded = sceneOfFile(path("clouded.tif"));
    QVERIFY(mFilled.hasPrithviBands());
    QVERIFY(mClouded.band(BandRole::Fmask));
  }

  // A file named after its input ("HLS.S30….v2.0-result.tif") is no HLS band file: as a layer it
  // is a plain raster (issue 17, break 1), while an import still skips it with the reason.
  void resultNamedLikeAGranuleIsAPlainRaster() {
    const std::string named = path("HLS.S30.T13REN.2021150T173909.v2.0-20261207-093000.tif");
    writeImage(named, gridAt(500000, 3300000), truthValue);
    const Scene scene = sceneOfFile(named);
    QCOMPARE(scene.width, kSize);
    QVERIFY(scene.hasPrithviBands());
    const ScanResult imported = scanForScenes({named});
    QVERIFY(imported.scenes.empty());
    QCOMPARE(int(imported.skipped.size()), 1);
    QVERIFY(imported.skipped.front().reason.find("HLS file name") != std::string::npos);
  }

  void overlapsOfShiftedWindows() {
    writeImage(path("shifted.tif"), gridAt(500000 + 30 * 5, 3300000 - 30 * 3), truthValue);
    const SceneOverlap overlap = overlapOf(mTruth, sceneOfFile(path("shifted.tif")));
    QCOMPARE(overlap.first.x, 5);
    QCOMPARE(overlap.first.y, 3);
    QCOMPARE(overlap.first.width, kSize - 5);
    QCOMPARE(overlap.first.height, kSize - 3);
    QCOMPARE(overlap.second.x, 0);
    QCOMPARE(overlap.second.y, 0);
    QCOMPARE(overlap.transform.originX(), 500000.0 + 150);
    QCOMPARE(overlap.transform.originY(), 3300000.0 - 90);

    writeImage(path("half.tif"), gridAt(500015, 3300000), truthValue);
    test::expectError(ErrorKind::BadInput, [&] { overlapOf(mTruth, sceneOfFile(path("half.tif"))); }, "one pixel grid");
    writeImage(path("far.tif"), gridAt(500000 + 30 * 1000, 3300000), truthValue);
    test::expectError(ErrorKind::BadInput, [&] { overlapOf(mTruth, sceneOfFile(path("far.tif"))); }, "do not overlap");
    OGRSpatialReference other;
    other.importFromEPSG(32614);
    char* wkt = nullptr;
    other.exportToWkt(&wkt);
    writeImage(path("zone14.tif"), gridAt(500000, 3300000), truthValue, nullptr, wkt);
    CPLFree(wkt);
    test::expectError(ErrorKind::BadInput, [&] { overlapOf(mTruth, sceneOfFile(path("zone14.tif"))); }, "different CRSs");
  }

  void filledPixelsScoredUnderTheMask() {
    const ImageMetrics masked = compareImageScenes(mFilled, mTruth, mClouded);
    QCOMPARE(masked.pixels(), int64_t(6 * 200));
    QVERIFY(std::abs(masked.meanAbsoluteError() - 0.01) < 1e-6);
    QVERIFY(std::abs(masked.psnr() - 40.0) < 1e-3);  // 10 log10(1 / 0.01^2)
    // Every pixel: the one changed clear pixel counts too.
    const ImageMetrics all = compareImageScenes(mFilled, mTruth);
    QCOMPARE(all.pixels(), int64_t(6 * kSize * kSize));
    QVERIFY(std::abs(all.meanAbsoluteError() - 0.01 * 201 / (kSize * kSize)) < 1e-7);
    // The truth against itself: no error, SSIM 1.
    const ImageMetrics same = compareImageScenes(mTruth, mTruth, mClouded);
    QCOMPARE(same.meanAbsoluteError(), 0.0);
    QVERIFY(std::abs(same.ssim() - 1.0) < 1e-9);
    test::expectError(ErrorKind::BadInput, [&] { compareImageScenes(mFilled, mTruth, mTruth); }, "no Fmask band");
  }

  void reflectanceDifferenceMap() {
    const DifferenceResult result = writeDifference(mFilled, mTruth, path("difference.tif"));
    QCOMPARE(result.kind, DifferenceKind::Reflectance);
    QCOMPARE(result.comparedPixels, int64_t(kSize * kSize));
    QVERIFY(std::abs(result.meanDifference - 0.01 * 201 / (kSize * kSize)) < 1e-7);
    auto source = RasterSource::open(path("difference.tif"));
    QVERIFY(source->info().geoTransform == mTruth.geoTransform);
    const RasterBlock block = source->read({0, 0, kSize, kSize}, {1}, DataType::Float32);
    for (int y = 0; y < kSize; ++y)
      for (int x = 0; x < kSize; ++x)
        QVERIFY(std::abs(block.band<float>(0)[y * kSize + x] - (changed(x, y) ? 0.01f : 0.0f)) < 1e-6f);
  }

  void evaluateCommandScoresFilledImages() {
    const test::ProcessRun run = test::runPrithvi({"evaluate", "--pred", QString::fromStdString(path("filled.tif")), "--truth",
                                                   QString::fromStdString(path("truth.tif")), "--mask",
                                                   QString::fromStdString(path("clouded.tif")), "--json"});
    QVERIFY2(run.code == 0, run.err.constData());
    const QJsonObject json = run.json();
    QCOMPARE(json.value(QStringLiteral("pixels")).toInteger(), 1200);
    QVERIFY(std::abs(json.value(QStringLiteral("mae")).toDouble() - 0.01) < 1e-6);
    const test::ProcessRun wrong = test::runPrithvi({"evaluate", "--pred", QString::fromStdString(path("filled.tif")), "--truth",
                                                     QString::fromStdString(path("half.tif"))});
    QCOMPARE(wrong.code, 3);
    QVERIFY(wrong.err.contains("one pixel grid"));
  }
};

QTEST_GUILESS_MAIN(TestSceneComparison)
#include "test_scene_comparison.moc"
