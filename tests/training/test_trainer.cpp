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
