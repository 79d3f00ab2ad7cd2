// Whole-scene embedding and MAE reconstruction: the embedding GeoTIFF holds exactly the
// encoder's features of each window, reconstructions keep visible pixels, hide the asked share
// of patches, keep fill as fill, and repeat for the same seed.
#include <torch/torch.h>

#include <QTemporaryDir>
#include <QTest>
#include <cmath>

#include "core/raster/RasterSource.h"
#include "core/scene/SceneScanner.h"
#include "core/synth/HlsSynth.h"
#include "training/engine/SceneInference.h"
#include "training/model/PrithviMae.h"

using namespace prithvi;

class TestSceneInference : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir mDir;
  std::vector<Scene> mDates;
  model::PrithviConfig mConfig = model::PrithviConfig::byName("tiny_test");

 private Q_SLOTS:
  void initTestCase() {
    HlsSynthOptions options;
    options.dates = 2;
    options.size = 70;  // not a multiple of the 32-px window: edges are padded
    options.seed = 4;
    options.outDir = mDir.filePath(QStringLiteral("hls")).toStdString();
    synthesizeHlsTile(options);
    mDates = scanForScenes({options.outDir}).scenes;
    QCOMPARE(int(mDates.size()), 2);
    torch::manual_seed(1);
  }

  void normaliseMatchesTheSpec() {
    const auto dn = engine::readDates(mDates, {3, 4, 5, 6});
    QCOMPARE(dn.sizes(), (c10::IntArrayRef{6, 2, 6, 5}));
    const auto z = engine::normalise(dn, mConfig);
    for (int b = 0; b < 6; ++b) {
      const float raw = dn[b][0][1][1].item<float>();
      const float expected = std::isnan(raw) ? 0.0001f : float((raw - mConfig.mean[b]) / mConfig.std[b]);
      QVERIFY(std::abs(z[b][0][1][1].item<float>() - expected) < 1e-5f);
    }
    QVERIFY(torch::allclose(engine::denormalise(engine::normalise(dn.nan_to_num(0), mConfig), mConfig), dn.nan_to_num(0), 1e-4, 1e-2));
  }

  void embeddingHoldsTheEncoderFeatures() {
    model::PrithviMae mae(mConfig);
    const std::string out = mDir.filePath(QStringLiteral("embedding.tif")).toStdString();
    engine::SceneRunOptions options;
    options.batch = 3;
    engine::embedScenes(*mae->encoder, mDates, out, options);
    const auto raster = RasterSource::open(out);
    QCOMPARE(int(raster->info().bands.size()), 64);
    QCOMPARE(raster->info().width, 9);  // ceil(70 / 8)
    // The window at (32, 0) computed by hand: features of its patch (1, 2) are pixels (32+8, 16).
    torch::NoGradGuard noGrad;
    mae->eval();
    const auto pixels = engine::normalise(engine::readDates(mDates, {32, 0, 32, 32}), mConfig).unsqueeze(0);
    const auto tokens = mae->encoder->forwardFeatures(pixels);  // (1, 1 + 2*16, 64)
    const auto perPatch = tokens.slice(1, 1).reshape({1, 2, 4, 4, 64}).mean(1);
    const RasterBlock block = raster->read({4 + 1, 2, 1, 1}, [] {
      std::vector<int> all(64);
      for (int i = 0; i < 64; ++i) all[i] = i + 1;
      return all;
    }());
    for (int d = 0; d < 64; ++d)
      QVERIFY(std::abs(block.value(d, 0, 0) - perPatch[0][2][1][d].item<double>()) < 1e-5);
  }

  void reconstructionKeepsVisiblePixelsAndHidesTheAskedShare() {
    model::PrithviMae mae(mConfig);
    engine::SceneRunOptions options;
    options.maskRatio = 0.5;
    options.seed = 9;
    const auto first = engine::reconstructScenes(*mae, mDates, mDir.filePath(QStringLiteral("rec1")).toStdString(), options);
    const auto again = engine::reconstructScenes(*mae, mDates, mDir.filePath(QStringLiteral("rec2")).toStdString(), options);
    QCOMPARE(int(first.reconstructions.size()), 2);
    const auto mask = RasterSource::open(first.mask);
    const RasterBlock hidden = mask->read({0, 0, 70, 70}, {1, 2});
    int64_t hiddenCount = 0;
    for (int y = 0; y < 64; ++y)  // whole windows only: the padded edge windows are partly outside
      for (int x = 0; x < 64; ++x) hiddenCount += hidden.value(0, x, y) > 0;
    QVERIFY(std::abs(hiddenCount / 4096.0 - 0.5) < 0.01);  // 8 of 16 patches per window and frame
    for (int t = 0; t < 2; ++t) {
      const auto reconstructed = RasterSource::open(first.reconstructions[t]);
      const auto repeated = RasterSource::open(again.reconstructions[t]);
      const RasterBlock a = reconstructed->read({0, 0, 70, 70}, {1, 2, 3, 4, 5, 6});
      const RasterBlock b = repeated->read({0, 0, 70, 70}, {1, 2, 3, 4, 5, 6});
      QVERIFY(std::memcmp(a.bandData(0), b.bandData(0), a.bandBytes() * 6) == 0);  // same seed, same result
      const auto input = engine::readDates({mDates[t]}, {0, 0, 70, 70});
      int changedHidden = 0;
      for (int y = 0; y < 70; ++y)
        for (int x = 0; x < 70; ++x)
          for (int band = 0; band < 6; ++band) {
            const float dn = input[band][0][y][x].item<float>();
            const double value = a.value(band, x, y);
            if (std::isnan(dn)) {
              QCOMPARE(value, double(kHlsFill));
            } else if (hidden.value(t, x, y) == 0) {
              QCOMPARE(value, double(dn));
            } else {
              changedHidden += value != double(dn);
            }
          }
      QVERIFY(changedHidden > 0);
    }
  }
};

QTEST_GUILESS_MAIN(TestSceneInference)
#include "test_scene_inference.moc"
