// Training runs on the synthetic flood data: a batch can be overfitted, a canceled run resumes
// to exactly the weights of an uninterrupted one, early stopping and the schedule behave, and
// evaluation agrees with the run's own validation.

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <torch/torch.h>

#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/dataset/ChipDataset.h"
#include "core/project/ProjectStore.h"
#include "tests/support/TestSupport.h"
#include "training/data/ChipLoader.h"
#include "training/engine/Trainer.h"
#include "training/model/Checkpoint.h"

using namespace prithvi;
using namespace prithvi::engine;

class TestTrainer : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir mDir;
  std::string mDataset;      // 128 px scenes, 32 px chips, validation split
  std::string mOneBatch;     // 4 chips, no validation

  TrainOptions baseOptions(const std::string& run) {
    TrainOptions options;
    options.dataset = mDataset;
    options.runDir = mDir.filePath(QString::fromStdString(run)).toStdString();
    options.model = "tiny_test";
    options.decoderChannels = 32;
    options.batchSize = 4;
    options.workers = 2;
    options.lr = 2e-3;
    options.warmupSteps = 3;
    options.evalEvery = 4;
    options.seed = 5;
    options.device = "cpu";
    return options;
  }

  static std::string build(const std::string& project, const std::string& out, int chip, double validation,
                           int blockChips) {
    auto store = ProjectStore::open(project);
    DatasetBuildOptions build;
    build.task = "flood";
    build.chipSize = chip;
    build.minLabelledFraction = 0;
    build.maxCloudFraction = 1;
    build.maxFillFraction = 1;
    build.validationFraction = validation;
    build.testFraction = 0;
    build.blockChips = blockChips;
    build.seed = 3;
    buildChipDataset(*store, out, build);
    return out;
  }

 private Q_SLOTS:
  void initTestCase() {
    torch::set_num_threads(1);  // deterministic and quiet on the 2-core CI machines
    const test::FloodProject made = test::makeFloodProject(mDir.filePath("p1"), 192, 2, 2, 2);
    mDataset = build(made.path, mDir.filePath("flood.zarr").toStdString(), 32, 0.3, 3);
    auto dataset = ChipDataset::open(mDataset);
    QVERIFY(dataset->indices(DataSplit::Train).size() >= 8 && !dataset->indices(DataSplit::Validation).empty());
    const test::FloodProject small = test::makeFloodProject(mDir.filePath("p2"), 64, 1, 1, 1);
    mOneBatch = build(small.path, mDir.filePath("one.zarr").toStdString(), 32, 0, 1);
    QCOMPARE(ChipDataset::open(mOneBatch)->size(), int64_t(4));
  }

  void scheduleWarmsUpThenDecays() {
    TrainOptions options;
    options.lr = 1e-3;
    options.steps = 110;
    options.warmupSteps = 10;
    options.minLrRatio = 0.1;
    QCOMPARE(scheduledLearningRate(options, 0), 1e-4);
    QCOMPARE(scheduledLearningRate(options, 9), 1e-3);
    QVERIFY(std::abs(scheduledLearningRate(options, 60) - (1e-4 + 0.9e-3 * 0.5)) < 1e-12);
    QVERIFY(std::abs(scheduledLearningRate(options, 110) - 1e-4) < 1e-12);
  }

  void overfitsOneBatch() {
    TrainOptions options = baseOptions("overfit");
    options.dataset = mOneBatch;
    options.steps = 150;
    options.evalEvery = 50;
    options.lr = 3e-3;
    options.weightDecay = 0;
    options.augment = false;
    const TrainResult result = train(options);
    QCOMPARE(result.status, std::string("finished"));
    QCOMPARE(result.monitor, std::string("train_loss"));
    QCOMPARE(result.history.size(), size_t(3));
    qInfo("train loss %.4f -> %.4f -> %.4f", result.history[0].trainLoss, result.history[1].trainLoss,
          result.history[2].trainLoss);
    QVERIFY2(result.history.back().trainLoss < 0.05, qPrintable(QString::number(result.history.back().trainLoss)));
    QVERIFY(result.history.back().trainLoss < result.history.front().trainLoss / 5);
  }

  void aCanceledRunResumesExactly() {
    TrainOptions options = baseOptions("straight");
    options.steps = 10;
    const TrainResult straight = train(options);
    QCOMPARE(straight.steps, int64_t(10));

    TrainOptions interrupted = baseOptions("interrupted");
    interrupted.steps = 10;
    Feedback feedback;
    feedback.setProgressCallback([&](int64_t step, int64_t, const std::string&) {
      if (step == 6) feedback.cancel();
    });
    const TrainResult first = train(interrupted, &feedback);
    QCOMPARE(first.status, std::string("canceled"));
    QCOMPARE(first.steps, int64_t(6));
    const TrainResult second = train(interrupted);
    QCOMPARE(second.status, std::string("finished"));
    QCOMPARE(second.steps, int64_t(10));

    const model::TrainingCheckpoint a = model::loadTrainingCheckpoint(straight.lastCheckpoint);
    const model::TrainingCheckpoint b = model::loadTrainingCheckpoint(second.lastCheckpoint);
    QCOMPARE(a.model.size(), b.model.size());
    for (size_t i = 0; i < a.model.size(); ++i)
      QVERIFY2(torch::equal(a.model.tensors[i].second, b.model.tensors[i].second), a.model.tensors[i].first.c_str());
    for (size_t i = 0; i < a.optimizer.size(); ++i) QVERIFY(torch::equal(a.optimizer.tensors[i].second, b.optimizer.tensors[i].second));
    QCOMPARE(second.history.size(), straight.history.size());
    QCOMPARE(second.history.back().valLoss, straight.history.back().valLoss);
    QVERIFY(QFile::exists(QString::fromStdString(interrupted.runDir + "/events.jsonl")));
    QVERIFY(QFile::exists(QString::fromStdString(interrupted.runDir + "/config.json")));
  }

  void stopsEarlyAndEvaluatesTheBest() {
    TrainOptions options = baseOptions("early");
    options.steps = 200;
    options.evalEvery = 2;
    options.patience = 2;
    options.lr = 0;  // only batch-norm statistics move: the metric soon stops improving
    options.warmupSteps = 0;
    const TrainResult result = train(options);
    QCOMPARE(result.status, std::string("early_stopped"));
    QVERIFY(result.steps < options.steps);
    QCOMPARE(result.steps, result.bestStep + options.evalEvery * options.patience);
    const EvaluationResult evaluation = evaluateCheckpoint(result.bestCheckpoint, mDataset, int(DataSplit::Validation), "cpu");
    QVERIFY(evaluation.chips > 0);
    QCOMPARE(evaluation.confusion.classes(), 2);
    QVERIFY(std::abs(evaluation.confusion.meanIou() - result.bestMetric) < 1e-9);
    QCOMPARE(evaluation.classNames.at(1), std::string("Water"));
  }

  // The issue's bar: a tiny model fine-tuned within the CI budget finds water on places it
  // never saw (the test split's blocks) with IoU >= 0.8.
  void findsWaterOnHeldOutPlaces() {
    const test::FloodProject made = test::makeFloodProject(mDir.filePath("p3"), 512, 3, 3, 3);
    auto store = ProjectStore::open(made.path);
    DatasetBuildOptions build;
    build.task = "flood";
    build.chipSize = 64;
    build.stride = 32;
    build.minLabelledFraction = 0;
    build.maxCloudFraction = 0.3;
    build.validationFraction = 0.15;
    build.testFraction = 0.2;
    build.blockChips = 4;
    // Water is 2.7 % of the tile (a river and a lake): take the first split seed that leaves
    // water on both sides, so the test measures places the model never saw.
    const std::string path = mDir.filePath("water.zarr").toStdString();
    DatasetSummary summary;
    auto water = [&](int split) {
      return (long long)(summary.classPixels[size_t(split)].count(1) ? summary.classPixels[size_t(split)].at(1) : 0);
    };
    for (build.seed = 1; build.seed < 30; ++build.seed) {
      summary = buildChipDataset(*store, path, build);
      if (water(0) > 5000 && water(2) > 5000) break;
    }
    qInfo("split seed %d: chips %lld train, %lld val, %lld test; water pixels %lld / %lld / %lld", int(build.seed),
          (long long)summary.chipsPerSplit[0], (long long)summary.chipsPerSplit[1], (long long)summary.chipsPerSplit[2],
          water(0), water(1), water(2));
    QVERIFY(water(0) > 5000 && water(2) > 5000);
    // tiny_test with 4-pixel patches: a 30 m river is a few pixels wide.
    const QString config = mDir.filePath("tiny_p4.json");
    QFile file(config);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(R"({"name": "tiny_p4", "img_size": 64, "patch_size": [1, 4, 4], "num_frames": 1, "in_chans": 6,
                   "embed_dim": 64, "depth": 2, "num_heads": 4, "decoder_embed_dim": 32, "decoder_depth": 1,
                   "decoder_num_heads": 4})");
    file.close();
    TrainOptions options = baseOptions("water");
    options.dataset = path;
    options.model = config.toStdString();
    options.steps = 300;
    options.batchSize = 8;
    options.evalEvery = 50;
    options.lr = 3e-3;
    options.warmupSteps = 10;
    options.balanceClasses = true;
    const TrainResult result = train(options);
    const EvaluationResult test = evaluateCheckpoint(result.bestCheckpoint, path, int(DataSplit::Test), "cpu");
    qInfo("held-out water IoU %.3f (background %.3f), validation mIoU %.3f at step %lld", test.confusion.iou(1),
          test.confusion.iou(0), result.bestMetric, (long long)result.bestStep);
    QVERIFY2(test.confusion.iou(1) >= 0.8, qPrintable(QString::number(test.confusion.iou(1))));
  }

  // Cloud-gap imputation: real cloud shapes from the tile's Fmask hide whole tokens of one to
  // all frames, the MAE learns to fill them, and SSIM, PSNR and MAE are measured on the cloud
  // pixels.
  void cloudGapFillsRealCloudShapes() {
    const test::FloodProject made = test::makeFloodProject(mDir.filePath("p4"), 128, 6, 0, 0);
    auto store = ProjectStore::open(made.path);
    DatasetBuildOptions build;
    build.task = "cloud_gap";
    build.chipSize = 32;
    build.frames = 2;
    build.maxCloudFraction = 0.2;
    build.maxFillFraction = 1;
    build.validationFraction = 0.3;
    build.testFraction = 0;
    build.blockChips = 2;
    const std::string path = mDir.filePath("gap.zarr").toStdString();
    const DatasetSummary summary = buildChipDataset(*store, path, build);
    auto dataset = ChipDataset::open(path);
    QVERIFY(dataset->cloudMaskCount() > 0);
    QVERIFY(!dataset->hasMask());
    qInfo("cloud gap: %lld chips, %lld cloud shapes", (long long)summary.chips, (long long)dataset->cloudMaskCount());
    std::vector<uint8_t> shape(32 * 32);
    dataset->readCloudMask(0, shape.data());
    const int64_t cloudy = std::count(shape.begin(), shape.end(), 1);
    QVERIFY(cloudy >= 10 && cloudy <= 32 * 32);  // at least 1 % cloud

    LoaderOptions loading;
    loading.batchSize = 4;
    loading.augment = false;
    ChipLoader loader(path, loading);
    loader.start(0);
    const Batch batch = *loader.next();
    QCOMPARE(batch.cloudMask.sizes(), (std::vector<int64_t>{4, 2, 32, 32}));
    for (int i = 0; i < 4; ++i) QVERIFY(batch.cloudMask[i].sum().item<int64_t>() > 0);  // some frame is hidden

    TrainOptions options = baseOptions("gap");
    options.dataset = path;
    options.model = "tiny_test";
    options.steps = 30;
    options.evalEvery = 15;
    const TrainResult result = train(options);
    QCOMPARE(result.monitor, std::string("val_ssim"));
    QCOMPARE(result.history.size(), size_t(2));
    QVERIFY(result.history.back().trainLoss < result.history.front().trainLoss * 1.5);
    // Same batch size as the run's validation: samples of a batch hide equal token counts.
    const EvaluationResult evaluation =
        evaluateCheckpoint(result.bestCheckpoint, path, int(DataSplit::Validation), "cpu", options.batchSize);
    qInfo("validation on %lld cloud pixels: SSIM %.3f PSNR %.2f dB MAE %.4f", (long long)evaluation.imputation.pixels(),
          evaluation.imputation.ssim(), evaluation.imputation.psnr(), evaluation.imputation.meanAbsoluteError());
    QVERIFY(evaluation.imputation.pixels() > 0);
    QVERIFY(evaluation.imputation.ssim() > 0 && evaluation.imputation.ssim() <= 1);
    QVERIFY(evaluation.imputation.meanAbsoluteError() < 0.5);
    QCOMPARE(evaluation.imputation.ssim(), result.bestMetric);
  }

  // Two micro-batches of 2 per step make the same update as one batch of 4 (MAE: no batch norm,
  // masking drawn per sample).
  void accumulationEqualsALargerBatch() {
    const test::FloodProject made = test::makeFloodProject(mDir.filePath("p5"), 64, 2, 0, 0);
    auto store = ProjectStore::open(made.path);
    DatasetBuildOptions build;
    build.task = "pretrain";
    build.chipSize = 32;
    build.frames = 1;
    build.maxCloudFraction = 1;
    build.maxFillFraction = 1;
    build.validationFraction = build.testFraction = 0;
    const std::string path = mDir.filePath("mae.zarr").toStdString();
    buildChipDataset(*store, path, build);
    TrainOptions whole = baseOptions("whole");
    whole.dataset = path;
    whole.steps = 3;
    whole.lr = 1e-4;
    TrainOptions halves = whole;
    halves.runDir = mDir.filePath("halves").toStdString();
    halves.batchSize = 2;
    halves.accumulate = 2;
    const model::TrainingCheckpoint a = model::loadTrainingCheckpoint(train(whole).lastCheckpoint);
    const model::TrainingCheckpoint b = model::loadTrainingCheckpoint(train(halves).lastCheckpoint);
    double worst = 0, moved = 0;
    for (size_t i = 0; i < a.model.size(); ++i)
      worst = std::max(worst, (a.model.tensors[i].second - b.model.tensors[i].second).abs().max().item<double>());
    for (const auto& [name, tensor] : a.optimizer.tensors) moved = std::max(moved, tensor.abs().max().item<double>());
    qInfo("accumulated vs whole batch: largest weight difference %.3g", worst);
    QVERIFY(moved > 0);
    QVERIFY2(worst < 1e-5, qPrintable(QString::number(worst)));
  }

  // A frozen encoder keeps its pretrained weights; the decoder and head learn.
  void frozenEncoderKeepsItsWeights() {
    TrainOptions source = baseOptions("frozen-source");
    source.steps = 2;
    const std::string weights = train(source).lastCheckpoint;
    TrainOptions options = baseOptions("frozen");
    options.weights = weights;
    options.freezeEncoder = true;
    options.steps = 4;
    const model::TrainingCheckpoint after = model::loadTrainingCheckpoint(train(options).lastCheckpoint);
    const model::TrainingCheckpoint before = model::loadTrainingCheckpoint(weights);
    int encoder = 0, changed = 0;
    for (const auto& [name, tensor] : after.model.tensors) {
      const torch::Tensor* original = before.model.find(name);
      QVERIFY(original);
      if (name.rfind("encoder.", 0) == 0 && name.find("pos_embed") == std::string::npos) {
        QVERIFY2(torch::equal(tensor, *original), name.c_str());
        ++encoder;
      } else if (!torch::equal(tensor, *original)) {
        ++changed;
      }
    }
    QVERIFY(encoder > 10);
    QVERIFY(changed > 0);
  }

  void refusesAnotherRunsFolder() {
    TrainOptions options = baseOptions("straight");
    options.dataset = mOneBatch;
    try {
      train(options);
      QFAIL("expected a refusal");
    } catch (const Error& error) {
      QVERIFY2(QString(error.what()).contains("another dataset or model"), error.what());
    }
  }
};

QTEST_GUILESS_MAIN(TestTrainer)
#include "test_trainer.moc"
