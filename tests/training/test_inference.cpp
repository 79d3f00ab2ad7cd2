// Whole-scene inference with the demo flood model: one window equals a direct forward pass,
// blended windows leave no seams, outputs keep the input's grid, fill gets no prediction, a
// region equals the same pixels of a whole-scene run, boxes snap outward to whole pixels,
// 'prithvi infer' takes project scenes and reports its artifact, and the raster comparison of
// 'prithvi evaluate --pred --truth' counts what it should.

#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <gdal.h>

#include <torch/torch.h>

#include "core/metrics/RasterAccuracy.h"
#include "core/raster/Crs.h"
#include "core/raster/GdalErrors.h"
#include "core/raster/RasterWriter.h"
#include "core/scene/SceneScanner.h"
#include "core/synth/HlsSynth.h"
#include "tests/support/TestSupport.h"
#include "training/data/ChipLoader.h"
#include "training/engine/Network.h"
#include "training/engine/SceneInference.h"
#include "training/engine/TiledInference.h"

using namespace prithvi;
using namespace prithvi::engine;

namespace {

const std::string kModel = PRITHVI_SOURCE_DIR "/assets/models/demo-flood.safetensors";

struct Raster {
  int width = 0, height = 0, bands = 0;
  std::array<double, 6> transform{};
  std::string wkt;
  std::vector<float> values;  // band-sequential
  float at(int band, int x, int y) const { return values[(size_t(band) * height + y) * width + x]; }
};

Raster readRaster(const std::string& path) {
  ensureGdalRegistered();
  GDALDatasetH dataset = GDALOpen(path.c_str(), GA_ReadOnly);
  if (!dataset) qFatal("cannot open %s", path.c_str());
  Raster raster;
  raster.width = GDALGetRasterXSize(dataset);
  raster.height = GDALGetRasterYSize(dataset);
  raster.bands = GDALGetRasterCount(dataset);
  GDALGetGeoTransform(dataset, raster.transform.data());
  raster.wkt = GDALGetProjectionRef(dataset);
  raster.values.resize(size_t(raster.width) * raster.height * raster.bands);
  for (int b = 0; b < raster.bands; ++b)
    if (GDALRasterIO(GDALGetRasterBand(dataset, b + 1), GF_Read, 0, 0, raster.width, raster.height,
                     raster.values.data() + size_t(b) * raster.width * raster.height, raster.width, raster.height,
                     GDT_Float32, 0, 0) != CE_None)
      qFatal("cannot read %s", path.c_str());
  GDALClose(dataset);
  return raster;
}

// Mean absolute change of water probability between neighbouring columns x-1 and x.
double columnStep(const Raster& raster, int x) {
  double sum = 0;
  int count = 0;
  for (int y = 0; y < raster.height; ++y) {
    const float a = raster.at(1, x - 1, y), b = raster.at(1, x, y);
    if (std::isnan(a) || std::isnan(b)) continue;
    sum += std::abs(a - b);
    ++count;
  }
  return count ? sum / count : 0;
}

}  // namespace

class TestInference : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir mDir;
  Scene mSmall;  // 64 x 64
  Scene mLarge;  // 256 x 256

  Scene firstScene(int size, const char* name) {
    HlsSynthOptions synth;
    synth.size = size;
    synth.dates = 3;
    synth.outDir = mDir.filePath(name).toStdString();
    synthesizeHlsTile(synth);
    ScanOptions scan;
    std::vector<Scene> scenes = scanForScenes({synth.outDir}, scan).scenes;
    // The least cloudy date.
    std::sort(scenes.begin(), scenes.end(), [](const Scene& a, const Scene& b) {
      return a.cloudCoverPercent.value_or(100) < b.cloudCoverPercent.value_or(100);
    });
    return scenes.front();
  }

 private Q_SLOTS:
  void initTestCase() {
    torch::set_num_threads(1);
    mSmall = firstScene(64, "small");
    mLarge = firstScene(256, "large");
  }

  // Entropy over ln(classes) and the top-2 margin, at the extremes and between.
  void uncertaintyOfProbabilities() {
    const torch::Tensor p = torch::tensor({1.0f, 1.0f / 3, 0.5f, 0.0f, 1.0f / 3, 0.5f, 0.0f, 1.0f / 3, 0.0f}).reshape({3, 1, 3});
    const torch::Tensor u = uncertaintyOf(p);
    QCOMPARE(u.sizes().vec(), (std::vector<int64_t>{2, 1, 3}));
    QVERIFY(std::abs(u[0][0][0].item<float>() - 0.0f) < 1e-6);  // one class has it all
    QVERIFY(std::abs(u[1][0][0].item<float>() - 1.0f) < 1e-6);
    QVERIFY(std::abs(u[0][0][1].item<float>() - 1.0f) < 1e-6);  // all alike
    QVERIFY(std::abs(u[1][0][1].item<float>() - 0.0f) < 1e-6);
    QVERIFY(std::abs(u[0][0][2].item<float>() - float(std::log(2.0) / std::log(3.0))) < 1e-6);  // torn between two
    QVERIFY(std::abs(u[1][0][2].item<float>() - 0.0f) < 1e-6);
  }

  // --output uncertainty is the entropy and top-2 margin of exactly the probabilities
  // --output probabilities writes, with no prediction in the same places.
  void uncertaintyOutputFollowsTheProbabilities() {
    InferenceOptions options;
    options.window = 64;
    options.output = "probabilities";
    const std::string probabilitiesPath = mDir.filePath("small-prob-u.tif").toStdString();
    inferScenes(kModel, {mSmall}, probabilitiesPath, options);
    options.output = "uncertainty";
    const std::string uncertaintyPath = mDir.filePath("small-uncertainty.tif").toStdString();
    const InferenceResult result = inferScenes(kModel, {mSmall}, uncertaintyPath, options);
    QCOMPARE(result.artifactKind, std::string(kArtifactUncertainty));
    QCOMPARE(result.output, std::string("uncertainty"));
    const Raster probabilities = readRaster(probabilitiesPath), uncertainty = readRaster(uncertaintyPath);
    QCOMPARE(uncertainty.bands, 2);
    QCOMPARE(uncertainty.width, probabilities.width);
    GDALDatasetH dataset = GDALOpen(uncertaintyPath.c_str(), GA_ReadOnly);
    QCOMPARE(QString::fromUtf8(GDALGetDescription(GDALGetRasterBand(dataset, 1))), QStringLiteral("entropy"));
    QCOMPARE(QString::fromUtf8(GDALGetDescription(GDALGetRasterBand(dataset, 2))), QStringLiteral("top-2 margin"));
    GDALClose(dataset);
    double worst = 0;
    int compared = 0, unsure = 0;
    for (int y = 0; y < probabilities.height; ++y)
      for (int x = 0; x < probabilities.width; ++x) {
        const double p0 = probabilities.at(0, x, y), p1 = probabilities.at(1, x, y);
        if (std::isnan(p0)) {
          QVERIFY(std::isnan(uncertainty.at(0, x, y)) && std::isnan(uncertainty.at(1, x, y)));
          continue;
        }
        auto term = [](double p) { return p > 0 ? -p * std::log(p) : 0.0; };
        const double entropy = (term(p0) + term(p1)) / std::log(2.0);
        worst = std::max({worst, std::abs(uncertainty.at(0, x, y) - entropy), std::abs(uncertainty.at(1, x, y) - std::abs(p0 - p1))});
        unsure += uncertainty.at(1, x, y) < 0.5;
        ++compared;
      }
    qInfo("uncertainty vs probabilities: largest difference %.3g over %d pixels (%d with margin < 0.5)", worst, compared, unsure);
    QVERIFY(compared > 1000);
    QVERIFY2(worst < 1e-5, qPrintable(QString::number(worst)));
  }

  void oneWindowEqualsADirectForwardPass() {
    InferenceOptions options;
    options.output = "probabilities";
    options.window = 64;
    const std::string out = mDir.filePath("small-prob.tif").toStdString();
    const InferenceResult result = inferScenes(kModel, {mSmall}, out, options);
    QCOMPARE(result.windows, int64_t(1));
    const Raster tiled = readRaster(out);
    QCOMPARE(tiled.bands, 2);

    LoadedRun run = loadRun(kModel, torch::kCPU);
    torch::NoGradGuard noGrad;
    const torch::Tensor dn = readDates({mSmall}, {0, 0, 64, 64});
    const torch::Tensor input = normaliseChip(dn, run.network.config.mean, run.network.config.std).unsqueeze(0);
    const torch::Tensor direct = torch::softmax(run.network.segmentation->forward(input), 1)[0];
    const torch::Tensor valid = dn.isfinite().all(0).all(0);
    double worst = 0;
    int compared = 0;
    for (int y = 0; y < 64; ++y)
      for (int x = 0; x < 64; ++x) {
        if (!valid[y][x].item<bool>()) {
          QVERIFY(std::isnan(tiled.at(0, x, y)));
          continue;
        }
        for (int c = 0; c < 2; ++c) worst = std::max(worst, std::abs(double(tiled.at(c, x, y)) - direct[c][y][x].item<double>()));
        ++compared;
      }
    qInfo("one window vs direct forward: largest difference %.3g over %d pixels", worst, compared);
    QVERIFY(compared > 1000);
    QVERIFY2(worst < 1e-4, qPrintable(QString::number(worst)));
  }

  void blendedWindowsLeaveNoSeams() {
    auto run = [&](const char* name, double overlap, const char* blend) {
      InferenceOptions options;
      options.output = "probabilities";
      options.window = 64;
      options.overlap = overlap;
      options.blend = blend;
      const std::string out = mDir.filePath(name).toStdString();
      inferScenes(kModel, {mLarge}, out, options);
      return readRaster(out);
    };
    const Raster hard = run("hard.tif", 0, "none"), blended = run("blended.tif", 0.5, "cosine");
    // Window borders of the unblended run: columns 64, 128, 192. Elsewhere: every other column.
    auto seamRatio = [&](const Raster& raster) {
      double seams = 0, others = 0;
      int otherCount = 0;
      for (int x = 1; x < 256; ++x) {
        if (x % 64 == 0)
          seams += columnStep(raster, x) / 3;
        else
          others += columnStep(raster, x), ++otherCount;
      }
      return seams / (others / otherCount);
    };
    const double hardRatio = seamRatio(hard), blendedRatio = seamRatio(blended);
    qInfo("probability step at window borders / elsewhere: %.2f without blending, %.2f with cosine blending", hardRatio,
          blendedRatio);
    QVERIFY2(blendedRatio < 1.5, qPrintable(QString::number(blendedRatio)));
    QVERIFY(blendedRatio < hardRatio);
  }

  void classMapsKeepTheGridAndSkipFill() {
    InferenceOptions options;
    const std::string out = mDir.filePath("classes.tif").toStdString();
    const InferenceResult result = inferScenes(kModel, {mLarge}, out, options);
    const Raster classes = readRaster(out);
    QCOMPARE(classes.width, mLarge.width);
    QCOMPARE(classes.transform, mLarge.geoTransform.coefficients());
    QVERIFY(sameCrs(classes.wkt, mLarge.crsWkt));
    const torch::Tensor dn = readDates({mLarge}, {0, 0, 256, 256});
    const torch::Tensor valid = dn.isfinite().all(0).all(0);
    int64_t fill = 0;
    for (int y = 0; y < 256; ++y)
      for (int x = 0; x < 256; ++x) {
        const float value = classes.at(0, x, y);
        if (!valid[y][x].item<bool>()) {
          QCOMPARE(value, 255.0f);
          ++fill;
        } else {
          QVERIFY(value == 0 || value == 1);
        }
      }
    QCOMPARE(result.predictedPixels, int64_t(256 * 256) - fill);
    // Against the synthetic truth: the demo model finds the water.
    const RasterAccuracy accuracy =
        compareClassRasters(out, QFileInfo(QString::fromStdString(mLarge.bands[0].path)).absolutePath().toStdString() +
                                     "/truth/T13REN.water.tif");
    qInfo("demo model on a 256-pixel tile: water IoU %.3f, overall accuracy %.3f, %lld pixels without a prediction",
          accuracy.confusion.iou(1), accuracy.confusion.overallAccuracy(), (long long)accuracy.unpredictedPixels);
    QCOMPARE(accuracy.unpredictedPixels, fill);
    QVERIFY(accuracy.confusion.iou(1) > 0.5);
  }

  // The clean-up option gives exactly cleanClassMap of the raw map, never touches pixels without
  // a prediction, and is refused for outputs other than classes.
  void cleanupPostProcessesTheClassMap() {
    InferenceOptions options;
    options.region = Window{0, 0, 256, 128};
    const std::string rawPath = mDir.filePath("raw-classes.tif").toStdString();
    inferScenes(kModel, {mLarge}, rawPath, options);
    options.cleanup.openRadius = 1;
    options.cleanup.minRegionPixels = 30;
    const std::string cleanPath = mDir.filePath("clean-classes.tif").toStdString();
    const InferenceResult result = inferScenes(kModel, {mLarge}, cleanPath, options);
    const Raster raw = readRaster(rawPath), clean = readRaster(cleanPath);
    std::vector<uint8_t> expected(raw.values.begin(), raw.values.end());
    ClassMapCleanup fill = options.cleanup;
    fill.fillFromNearestClass = true;
    const int64_t changed = cleanClassMap(expected, raw.width, raw.height, 255, false, fill);
    QVERIFY2(changed > 0, "the demo model's raw map has specks to clean");
    QCOMPARE(result.cleanedPixels, changed);
    int64_t differing = 0;
    for (size_t p = 0; p < expected.size(); ++p) {
      QCOMPARE(clean.values[p], float(expected[p]));
      QCOMPARE(clean.values[p] == 255.0f, raw.values[p] == 255.0f);
      differing += clean.values[p] != raw.values[p];
    }
    QCOMPARE(differing, changed);
    GDALDatasetH dataset = GDALOpen(cleanPath.c_str(), GA_ReadOnly);
    QCOMPARE(QString(GDALGetMetadataItem(dataset, "PRITHVI_CLEANUP", nullptr)), QString("open 1, min 30 px"));
    GDALClose(dataset);
    options.output = "probabilities";
    QVERIFY(test::expectError(ErrorKind::Usage, [&] { inferScenes(kModel, {mLarge}, mDir.filePath("p.tif").toStdString(), options); })
                .find("class maps") != std::string::npos);
  }

  // bf16 and int8 runs of the demo model keep its water map: the same classes almost
  // everywhere and the same IoU against the synthetic truth within 0.02; the file says how it
  // was made. Their speed is in bench/run_model_bench.sh, not here.
  void reducedPrecisionsKeepTheWaterMap() {
    const std::string truth =
        QFileInfo(QString::fromStdString(mLarge.bands[0].path)).absolutePath().toStdString() + "/truth/T13REN.water.tif";
    InferenceOptions options;
    const std::string reference = mDir.filePath("classes-fp32.tif").toStdString();
    inferScenes(kModel, {mLarge}, reference, options);
    const double referenceIou = compareClassRasters(reference, truth).confusion.iou(1);
    const model::CpuFeatures cpu = model::cpuFeatures();
    std::vector<model::Precision> precisions = {model::Precision::Int8};
    if (cpu.avx512Bf16 || cpu.amxBf16) precisions.push_back(model::Precision::BFloat16);
    for (const model::Precision precision : precisions) {
      options.precision = precision;
      const std::string out = mDir.filePath(QStringLiteral("classes-%1.tif").arg(model::precisionName(precision))).toStdString();
      inferScenes(kModel, {mLarge}, out, options);
      const RasterAccuracy agreement = compareClassRasters(out, reference);
      const double iou = compareClassRasters(out, truth).confusion.iou(1);
      qInfo("%s: %.4f of pixels as fp32, water IoU %.4f (fp32 %.4f)", model::precisionName(precision),
            agreement.confusion.overallAccuracy(), iou, referenceIou);
      QVERIFY(agreement.confusion.overallAccuracy() > 0.99);
      QVERIFY(std::abs(iou - referenceIou) < 0.02);
      GDALDatasetH dataset = GDALOpen(out.c_str(), GA_ReadOnly);
      QVERIFY(dataset);
      QCOMPARE(QString(GDALGetMetadataItem(dataset, "PRITHVI_PRECISION", nullptr)),
               QString(model::precisionName(precision)));
      GDALClose(dataset);
    }
    options.precision = model::Precision::BFloat16;
    if (!(cpu.avx512Bf16 || cpu.amxBf16))  // refused with the reason, nothing written
      QVERIFY_THROWS_EXCEPTION(Error, inferScenes(kModel, {mLarge}, mDir.filePath("no.tif").toStdString(), options));
  }

  void rasterAccuracyCountsByHand() {
    // prediction 0 1 1 255 / truth 0 1 0 1 with truth nodata 9 at the end.
    const std::vector<uint8_t> predicted{0, 1, 1, 255, 1}, truth{0, 1, 0, 1, 9};
    RasterWriteOptions writePredicted, writeTruth;
    writePredicted.nodata = 255;
    writeTruth.nodata = 9;
    const GeoTransform grid({500000, 30, 0, 3300000, 0, -30});
    const std::string p = mDir.filePath("p.tif").toStdString(), t = mDir.filePath("t.tif").toStdString();
    writeRaster(p, 5, 1, 1, DataType::Byte, predicted.data(), grid, test::utm13Wkt(), writePredicted);
    writeRaster(t, 5, 1, 1, DataType::Byte, truth.data(), grid, test::utm13Wkt(), writeTruth);
    const RasterAccuracy accuracy = compareClassRasters(p, t);
    QCOMPARE(accuracy.confusion.classes(), 2);
    QCOMPARE(accuracy.comparedPixels, int64_t(4));
    QCOMPARE(accuracy.unpredictedPixels, int64_t(1));
    QCOMPARE(accuracy.confusion.at(0, 0), int64_t(1));
    QCOMPARE(accuracy.confusion.at(0, 1), int64_t(1));
    QCOMPARE(accuracy.confusion.at(1, 1), int64_t(1));
    QCOMPARE(accuracy.confusion.iou(1), 0.5);
    // A reference covering part of the grid (a drawn area) is compared where both are.
    const std::vector<uint8_t> shorter{0, 0};
    const std::string s = mDir.filePath("s.tif").toStdString();
    writeRaster(s, 2, 1, 1, DataType::Byte, shorter.data(), GeoTransform({500030, 30, 0, 3300000, 0, -30}),
                test::utm13Wkt(), writeTruth);
    const RasterAccuracy part = compareClassRasters(p, s);
    QCOMPARE(part.comparedPixels, int64_t(2));
    QCOMPARE(part.confusion.at(0, 1), int64_t(2));  // predicted 1 1 over truth 0 0
    // Half a pixel off the grid, or in another CRS: refused, not resampled silently.
    const std::string shifted = mDir.filePath("shifted.tif").toStdString();
    writeRaster(shifted, 2, 1, 1, DataType::Byte, shorter.data(), GeoTransform({500015, 30, 0, 3300000, 0, -30}),
                test::utm13Wkt(), writeTruth);
    test::expectError(ErrorKind::BadInput, [&] { compareClassRasters(p, shifted); }, "one pixel grid");
  }

  void aRegionEqualsTheSameWindowOfAWholeRun() {
    InferenceOptions options;
    options.output = "probabilities";
    options.window = 64;
    const std::string wholePath = mDir.filePath("whole-prob.tif").toStdString();
    const InferenceResult whole = inferScenes(kModel, {mLarge}, wholePath, options);
    const Raster all = readRaster(wholePath);
    // Smaller than one window, wider than a few windows, a band of full rows, one touching the
    // far corner, one pixel.
    for (const Window region : {Window{70, 50, 40, 30}, Window{30, 41, 150, 90}, Window{0, 0, 256, 100}, Window{200, 190, 56, 66},
                                Window{5, 250, 1, 1}}) {
      options.region = region;
      const std::string out = mDir.filePath("region.tif").toStdString();
      const InferenceResult result = inferScenes(kModel, {mLarge}, out, options);
      QCOMPARE(result.width, region.width);
      QCOMPARE(result.height, region.height);
      QVERIFY(result.windows <= whole.windows);
      const Raster part = readRaster(out);
      QCOMPARE(part.width, region.width);
      QCOMPARE(part.height, region.height);
      const MapPoint origin = mLarge.geoTransform.pixelToMap(region.x, region.y);
      QCOMPARE(part.transform[0], origin.x);
      QCOMPARE(part.transform[3], origin.y);
      QCOMPARE(part.transform[1], all.transform[1]);
      QCOMPARE(part.transform[5], all.transform[5]);
      QVERIFY(sameCrs(part.wkt, mLarge.crsWkt));
      double worst = 0;
      int64_t predicted = 0;
      for (int c = 0; c < 2; ++c)
        for (int y = 0; y < region.height; ++y)
          for (int x = 0; x < region.width; ++x) {
            const float a = part.at(c, x, y), b = all.at(c, x + region.x, y + region.y);
            QCOMPARE(std::isnan(a), std::isnan(b));
            if (!std::isnan(a)) worst = std::max(worst, double(std::abs(a - b)));
            predicted += c == 0 && !std::isnan(a);
          }
      qInfo("region %d,%d %dx%d: %lld of %lld windows, largest difference from the whole run %.3g", region.x, region.y,
            region.width, region.height, (long long)result.windows, (long long)whole.windows, worst);
      QVERIFY2(worst < 1e-4, qPrintable(QString::number(worst)));
      QCOMPARE(result.predictedPixels, predicted);
    }
    options.region = Window{250, 0, 10, 10};
    test::expectError(ErrorKind::Usage, [&] { inferScenes(kModel, {mLarge}, mDir.filePath("x.tif").toStdString(), options); },
                      "is not inside scene");
    options.region = Window{0, 0, 0, 10};
    test::expectError(ErrorKind::Usage, [&] { inferScenes(kModel, {mLarge}, mDir.filePath("x.tif").toStdString(), options); },
                      "is not inside scene");
  }

  void boxesSnapOutwardToWholePixels() {
    const GeoTransform& t = mLarge.geoTransform;  // north-up, 30 m
    const double x0 = t.originX(), y0 = t.originY(), size = t.pixelWidth();
    QCOMPARE(size, 30.0);
    auto box = [&](double left, double top, double right, double bottom) {  // in pixels, converted to map units
      return pixelWindowOfBox(mLarge, x0 + left * size, y0 - bottom * size, x0 + right * size, y0 - top * size);
    };
    auto same = [](const Window& a, const Window& b) {
      return a.x == b.x && a.y == b.y && a.width == b.width && a.height == b.height;
    };
    QVERIFY(same(box(10, 20, 50, 40), {10, 20, 40, 20}));                // on pixel edges: exactly those pixels
    QVERIFY(same(box(10.5, 20.2, 49.1, 39.99), {10, 20, 40, 20}));       // inside pixels: outward
    QVERIFY(same(box(10.2, 20.7, 10.4, 20.9), {10, 20, 1, 1}));          // inside one pixel: that pixel
    QVERIFY(same(box(-30, -5.5, 12.01, 3), {0, 0, 13, 3}));              // over the top-left corner: clipped
    QVERIFY(same(box(250.5, 255.5, 400, 300), {250, 255, 6, 1}));        // over the bottom-right corner
    test::expectError(ErrorKind::Usage, [&] { box(300, 10, 320, 20); }, "misses scene");
    test::expectError(ErrorKind::Usage, [&] { box(-20, -20, 0, 0); }, "misses scene");  // touches the corner only
    test::expectError(ErrorKind::Usage, [&] { pixelWindowOfBox(mLarge, x0 + 100, y0 - 100, x0 + 50, y0 - 50); }, "minx < maxx");
  }

  void theCommandRunsAProjectSceneInABoxAndReportsTheArtifact() {
    const test::FloodProject project = test::makeFloodProject(mDir.filePath("cli"), 128, 1, 0, 0);
    const Scene& scene = project.scenes.front();
    const GeoTransform& t = scene.geoTransform;
    // Pixels 20.5 .. 70.2 across, 30.1 .. 61 down: snapped to columns 20..70 and rows 30..60.
    const QString bbox = QString("%1,%2,%3,%4")
                             .arg(t.originX() + 20.5 * 30, 0, 'f', 3)
                             .arg(t.originY() - 61.0 * 30, 0, 'f', 3)
                             .arg(t.originX() + 70.2 * 30, 0, 'f', 3)
                             .arg(t.originY() - 30.1 * 30, 0, 'f', 3);
    const QString out = mDir.filePath("cli/box.tif");
    const test::ProcessRun run = test::runPrithvi({"infer", "--model", QString::fromStdString(kModel), "--project",
                                                   QString::fromStdString(project.path), "--scene", QString::fromStdString(scene.id),
                                                   "--bbox", bbox, "--threads", "1", "--out", out, "--events", "jsonl"});
    QVERIFY2(run.code == 0, run.err.constData());
    bool artifact = false, finished = false;
    for (const QByteArray& line : run.out.split('\n')) {
      const QJsonObject event = QJsonDocument::fromJson(line).object();
      if (event["event"].toString() == "artifact") {
        artifact = true;
        QCOMPARE(event["path"].toString(), out);
        QCOMPARE(event["kind"].toString(), QString("class_map"));
      }
      finished |= event["event"].toString() == "finished" && event["status"].toString() == "ok";
    }
    QVERIFY2(artifact && finished, run.out.constData());
    const Raster classes = readRaster(out.toStdString());
    QCOMPARE(classes.width, 51);
    QCOMPARE(classes.height, 31);
    QCOMPARE(classes.transform[0], t.originX() + 20 * 30);
    QCOMPARE(classes.transform[3], t.originY() - 30 * 30);

    // The same pixels given as a pixel region; an MAE output from a segmentation model and a
    // box beside the scene are refused with the reason.
    const QString regionOut = mDir.filePath("cli/region.tif");
    const test::ProcessRun region = test::runPrithvi({"infer", "--model", QString::fromStdString(kModel), "--project",
                                                      QString::fromStdString(project.path), "--scene",
                                                      QString::fromStdString(scene.id), "--region", "20,30,51,31", "--threads", "1", "--out",
                                                      regionOut, "--json"});
    QVERIFY2(region.code == 0, region.err.constData());
    QCOMPARE(region.json()["kind"].toString(), QString("class_map"));
    QCOMPARE(readRaster(regionOut.toStdString()).values, classes.values);
    const test::ProcessRun windowForm = test::runPrithvi({"infer", "--model", QString::fromStdString(kModel), "--project",
                                                          QString::fromStdString(project.path), "--scene",
                                                          QString::fromStdString(scene.id), "--window", "20,30,51,31", "--threads", "1", "--out",
                                                          regionOut});
    QVERIFY2(windowForm.code == 0, windowForm.err.constData());
    QCOMPARE(readRaster(regionOut.toStdString()).values, classes.values);
    test::ProcessRun refused = test::runPrithvi({"infer", "--model", QString::fromStdString(kModel), "--input",
                                                 QFileInfo(QString::fromStdString(scene.bands.front().path)).absolutePath(), "--output", "filled",
                                                 "--out", mDir.filePath("cli/never.tif")});
    QCOMPARE(refused.code, 2);
    QVERIFY2(refused.err.contains("needs an MAE checkpoint"), refused.err.constData());
    refused = test::runPrithvi({"infer", "--model", QString::fromStdString(kModel), "--project",
                                QString::fromStdString(project.path), "--scene", QString::fromStdString(scene.id), "--bbox",
                                QString("%1,%2,%3,%4")
                                    .arg(t.originX() - 9000, 0, 'f', 1)
                                    .arg(t.originY() - 300, 0, 'f', 1)
                                    .arg(t.originX() - 3000, 0, 'f', 1)
                                    .arg(t.originY(), 0, 'f', 1),
                                "--out", mDir.filePath("cli/never.tif")});
    QCOMPARE(refused.code, 2);
    QVERIFY2(refused.err.contains("misses scene"), refused.err.constData());
    refused = test::runPrithvi({"infer", "--model", QString::fromStdString(kModel), "--project",
                                QString::fromStdString(project.path), "--scene", "HLS.L30.T99XXX.2021001T000000.v2.0", "--out",
                                mDir.filePath("cli/never.tif")});
    QCOMPARE(refused.code, 2);
    QVERIFY2(refused.err.contains("has no scene"), refused.err.constData());
    QVERIFY(!QFileInfo::exists(mDir.filePath("cli/never.tif")));
  }

  void refusesWhatItCannotRun() {
    InferenceOptions options;
    const std::string out = mDir.filePath("never.tif").toStdString();
    QVERIFY(test::expectError(ErrorKind::Usage, [&] { inferScenes(kModel, {mLarge, mLarge}, out, options); })
                .find("1 date(s)") != std::string::npos);
    options.blend = "wavy";
    QVERIFY(!test::expectError(ErrorKind::Usage, [&] { inferScenes(kModel, {mLarge}, out, options); }).empty());
    QVERIFY(!QFileInfo::exists(QString::fromStdString(out)));
  }

  // An output onto an input band would replace the imagery with class codes (later time series
  // read Red 0.0); one in a scene's folder would be scanned as imagery. Both are refused before
  // anything is written; --force (outputBesideInputs) allows the folder, never the file.
  void neverWritesOverItsInputs() {
    const std::string red = mSmall.band(BandRole::Red)->path;
    const QByteArray before = [&] {
      QFile file(QString::fromStdString(red));
      return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }();
    QVERIFY(!before.isEmpty());
    InferenceOptions options;
    const std::string onInput = test::expectError(ErrorKind::Usage, [&] { inferScenes(kModel, {mSmall}, red, options); });
    QVERIFY2(onInput.find("is an input of this run (Red") != std::string::npos, onInput.c_str());
    options.outputBesideInputs = true;
    QVERIFY(!test::expectError(ErrorKind::Usage, [&] { inferScenes(kModel, {mSmall}, red, options); }).empty());
    QFile file(QString::fromStdString(red));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(file.readAll() == before);  // untouched
    const std::string beside = QFileInfo(QString::fromStdString(red)).absolutePath().toStdString() + "/water.tif";
    options.outputBesideInputs = false;
    QVERIFY(test::expectError(ErrorKind::Usage, [&] { inferScenes(kModel, {mSmall}, beside, options); })
                .find("--force") != std::string::npos);
    QVERIFY(!QFileInfo::exists(QString::fromStdString(beside)));
    options.outputBesideInputs = true;
    inferScenes(kModel, {mSmall}, beside, options);
    QVERIFY(QFileInfo::exists(QString::fromStdString(beside)));
    QFile::remove(QString::fromStdString(beside));
    // The command says the same and exits 2.
    const test::ProcessRun refused = test::runPrithvi({"infer", "--model", QString::fromStdString(kModel), "--input",
                                                       QString::fromStdString(red).section('.', 0, -3), "--out",
                                                       QString::fromStdString(red)});
    QCOMPARE(refused.code, 2);
    QVERIFY2(refused.err.contains("is an input of this run"), refused.err.constData());
  }
};

QTEST_GUILESS_MAIN(TestInference)
#include "test_inference.moc"
