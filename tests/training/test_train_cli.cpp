// The training commands end to end: dataset build, finetune, evaluate, experiments, a 2-rank
// Gloo run through 'prithvi launch' that equals a 1-rank run with the same global batch, and
// a run killed with SIGKILL that resumes to the weights of an uninterrupted one.

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <csignal>
#include <functional>

#include <torch/torch.h>

#include "tests/support/TestSupport.h"
#include "core/base/Error.h"
#include "core/base/ModelCatalog.h"
#include "training/engine/Network.h"
#include "training/model/Checkpoint.h"
#include "training/model/StateDict.h"

using namespace prithvi;

namespace {

// Largest absolute difference between the model tensors of two training checkpoints.
double maxDifference(const std::string& a, const std::string& b) {
  const model::TrainingCheckpoint first = model::loadTrainingCheckpoint(a);
  const model::TrainingCheckpoint second = model::loadTrainingCheckpoint(b);
  if (first.model.size() != second.model.size()) return INFINITY;
  double worst = 0;
  for (size_t i = 0; i < first.model.size(); ++i) {
    if (first.model.tensors[i].first != second.model.tensors[i].first) return INFINITY;
    const torch::Tensor x = first.model.tensors[i].second.to(torch::kFloat64);
    const torch::Tensor y = second.model.tensors[i].second.to(torch::kFloat64);
    if (x.numel()) worst = std::max(worst, (x - y).abs().max().item<double>());
  }
  return worst;
}

}  // namespace

class TestTrainCli : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir mDir;
  std::string mProject;
  QString mFlood, mPretrain;

  QString path(const char* name) { return mDir.filePath(name); }

 private Q_SLOTS:
  void initTestCase() {
    mProject = test::makeFloodProject(mDir.path(), 128, 3, 3, 3).path;
    mFlood = path("flood.zarr");
    const test::ProcessRun built = test::runPrithvi({"dataset", "build", QString::fromStdString(mProject), "--task", "flood",
                                                     "--out", mFlood, "--chip", "32", "--min-labelled", "0", "--max-cloud",
                                                     "1", "--block", "2", "--val", "0.25", "--test", "0", "--seed", "2", "--json"});
    QVERIFY2(built.code == 0, built.err.constData());
    const QJsonObject summary = built.json();
    QVERIFY(summary["chips"].toInt() > 0);
    QVERIFY(summary["splits"].toObject()["val"].toInt() > 0);
    mPretrain = path("pretrain.zarr");
    const test::ProcessRun unlabelled = test::runPrithvi({"dataset", "build", QString::fromStdString(mProject), "--task",
                                                          "pretrain", "--out", mPretrain, "--chip", "32", "--frames", "1",
                                                          "--max-cloud", "1", "--val", "0", "--test", "0"});
    QVERIFY2(unlabelled.code == 0, unlabelled.err.constData());
  }

  // One list of models for the CLI and every dialog (core/base/ModelCatalog): each name it offers
  // resolves to a model, and each built-in variant is offered.
  void theModelCatalogueNamesEveryModel() {
    std::vector<std::string> offered;
    for (const ModelChoice& choice : modelChoices()) {
      offered.push_back(choice.name);
      const model::PrithviConfig config = engine::configFor(choice.name);
      QVERIFY2(config.embedDim > 0, choice.name.c_str());
    }
    for (const std::string& name : model::PrithviConfig::names())
      QVERIFY2(std::find(offered.begin(), offered.end(), name) != offered.end(), name.c_str());
    QVERIFY(std::find(offered.begin(), offered.end(), "demo_tiny_p4") != offered.end());
    for (const TaskPresetChoice& preset : taskPresetChoices())
      QVERIFY2(preset.model.empty() || std::find(offered.begin(), offered.end(), preset.model) != offered.end(), preset.name.c_str());
    test::expectError(ErrorKind::Usage, [] { engine::configFor("prithvi_eo_v2_100"); }, "choose one of");
  }

  void badUsageIsExplained() {
    test::ProcessRun run = test::runPrithvi({"dataset", "build", QString::fromStdString(mProject), "--task", "burn_scars",
                                             "--out", path("none.zarr")});
    QCOMPARE(run.code, 3);
    QVERIFY2(run.err.contains("no validated label set of task 'burn_scars'"), run.err.constData());
    run = test::runPrithvi({"finetune", "--data", mFlood});
    QCOMPARE(run.code, 2);
    QVERIFY2(run.err.contains("--data and --run are required"), run.err.constData());
    run = test::runPrithvi({"launch", "--nproc", "2"});
    QCOMPARE(run.code, 2);
  }

  void finetunesAndEvaluates() {
    const test::ProcessRun run = test::runPrithvi({"finetune", "--task", "flood", "--data", mFlood, "--run", path("ft"),
                                                   "--model", "tiny_test", "--decoder-channels", "16", "--steps", "6",
                                                   "--batch", "4", "--eval-every", "3", "--lr", "1e-3", "--threads", "1",
                                                   "--events", "jsonl"});
    QVERIFY2(run.code == 0, run.err.constData());
    int metrics = 0, finished = 0;
    for (const QByteArray& line : run.out.split('\n')) {
      if (line.isEmpty()) continue;
      const QJsonObject event = QJsonDocument::fromJson(line).object();
      QVERIFY2(!event.isEmpty(), line.constData());
      metrics += event["event"] == "metric";
      finished += event["event"] == "finished";
    }
    QVERIFY(metrics >= 4);
    QCOMPARE(finished, 1);
    const test::ProcessRun evaluation = test::runPrithvi({"evaluate", "--model", path("ft/checkpoints/best.safetensors"),
                                                          "--data", mFlood, "--split", "val", "--json"});
    QVERIFY2(evaluation.code == 0, evaluation.err.constData());
    const QJsonObject result = evaluation.json();
    QCOMPARE(result["classes"].toInt(), 2);
    QCOMPARE(result["class_names"].toArray()[1].toString(), QString("Water"));
    QVERIFY(result["overall_accuracy"].toDouble() > 0);
  }

  // Issue 18 item 6 and exit codes: a checkpoint with a NaN weight, a zero std in its
  // normalisation or an absurd chip size once gave a confident map (or LibTorch's backtrace).
  // Each is refused with exit 3 naming the tensor or key, and no output is written; `weights
  // inspect` reads the program's own checkpoints without --config.
  void damagedCheckpointsAreRefused() {
    const std::string demo = PRITHVI_SOURCE_DIR "/assets/models/demo-flood.safetensors";
    const test::ProcessRun inspect = test::runPrithvi({"weights", "inspect", QString::fromStdString(demo), "--json"});
    QVERIFY2(inspect.code == 0, inspect.err.constData());
    QCOMPARE(inspect.json()["task"].toString(), QString("flood"));
    QCOMPARE(inspect.json()["config"].toString(), QString("demo_tiny_p4"));
    // A model name from the catalogue works wherever a config path does.
    QCOMPARE(test::runPrithvi({"weights", "init", path("p4.safetensors"), "--config", "demo_tiny_p4"}).code, 0);
    const test::ProcessRun named = test::runPrithvi({"weights", "inspect", path("p4.safetensors"), "--config", "demo_tiny_p4"});
    QVERIFY2(named.code == 0 && named.out.contains("model    demo_tiny_p4"), named.err.constData());

    const std::string scene = test::makeFloodProject(path("damaged-scene"), 64, 1, 0, 0).scenes.front().bands.front().path;
    auto damaged = [&](const char* name, const std::function<void(model::StateDict&, QJsonObject&)>& damage) {
      model::StateDict file = model::readSafetensors(demo);
      QJsonObject config = QJsonDocument::fromJson(QByteArray::fromStdString(file.metadata["prithvi.config"])).object();
      damage(file, config);
      file.metadata["prithvi.config"] = QJsonDocument(config).toJson().toStdString();
      const std::string out = path(name).toStdString();
      model::writeSafetensors(out, file);
      return QString::fromStdString(out);
    };
    auto setModelConfig = [](QJsonObject& config, const char* key, const QJsonValue& value) {
      QJsonObject model = config["model_config"].toObject();
      model[key] = value;
      config["model_config"] = model;
    };
    struct Case {
      QString checkpoint;
      const char* expected;
    };
    std::vector<Case> cases = {
        {damaged("nan.safetensors",
                 [](model::StateDict& file, QJsonObject&) {
                   torch::Tensor weight = file.find("model.encoder.blocks.0.attn.qkv.weight")->clone();
                   weight[3][5] = std::nanf("");
                   file.set("model.encoder.blocks.0.attn.qkv.weight", weight);
                 }),
         "'encoder.blocks.0.attn.qkv.weight' holds 1 non-finite value"},
        {damaged("zero-std.safetensors",
                 [&](model::StateDict&, QJsonObject& config) {
                   setModelConfig(config, "std", QJsonArray{2248.0, 2179.0, 0.0, 1850.0, 1242.0, 1049.0});
                 }),
         "std of band 3 is 0"},
        {damaged("huge.safetensors",
                 [&](model::StateDict&, QJsonObject& config) { setModelConfig(config, "img_size", 1000000); }),
         "img_size 1000000"},
    };
    // A torch.save file whose pickle calls os.system: infer says why, as `weights inspect` does
    // (made by: pickle.dumps of an object whose __reduce__ returns (os.system, ...), zipped as
    // archive/data.pkl).
    cases.push_back({QStringLiteral(PRITHVI_TRAINING_TESTS_DIR) + "/fixtures/refused-global.pt", "posix.system"});
    for (const Case& item : cases) {
      const QString out = path("damaged-map.tif");
      const test::ProcessRun run = test::runPrithvi({"infer", "--model", item.checkpoint, "--input",
                                                     QFileInfo(QString::fromStdString(scene)).path(), "--out", out});
      QVERIFY2(run.code == 3 && run.err.contains(item.expected), run.err.constData());
      QVERIFY2(!run.err.contains("frame #"), run.err.constData());
      QVERIFY(!QFileInfo::exists(out));
    }
  }

  // Issue 18: a run folder with a history but no last.safetensors once restarted silently at
  // step 0 and wrote over best.safetensors and the metrics. It is refused; --restart keeps the
  // old files under a dated name.
  void aHistoryWithoutCheckpointIsNotOverwritten() {
    const QString run = path("ft-history");
    const QStringList common = {"finetune", "--task", "flood", "--data", mFlood, "--run", run, "--model", "tiny_test",
                                "--decoder-channels", "16", "--steps", "3", "--batch", "4", "--eval-every", "3",
                                "--lr", "1e-3", "--threads", "1"};
    QVERIFY(test::runPrithvi(common).code == 0);
    QVERIFY(QFile::remove(run + "/checkpoints/last.safetensors"));
    QFile best(run + "/checkpoints/best.safetensors");
    const qint64 bestSize = best.size();
    QVERIFY(bestSize > 0);
    test::ProcessRun refused = test::runPrithvi(common);
    QCOMPARE(refused.code, 3);
    QVERIFY2(refused.err.contains("--restart"), refused.err.constData());
    QCOMPARE(best.size(), bestSize);  // untouched
    const test::ProcessRun restarted = test::runPrithvi(QStringList(common) << "--restart");
    QVERIFY2(restarted.code == 0, restarted.err.constData());
    const QStringList kept = QDir(run + "/checkpoints").entryList({"best.safetensors.before-*"});
    QCOMPARE(kept.size(), 1);
    QCOMPARE(QFileInfo(run + "/checkpoints/" + kept.front()).size(), bestSize);
    QCOMPARE(QDir(run).entryList({"metrics.csv.before-*"}).size(), 1);
  }

  void twoGlooRanksEqualOneProcess() {
    // Summation order differs (two half batches, then an all-reduce), and Adam's division by
    // sqrt(v) magnifies rounding in near-zero gradients in proportion to the learning rate.
    const QStringList common = {"--data", mPretrain, "--model", "tiny_test", "--steps", "5", "--eval-every", "5",
                                "--lr", "1e-4", "--warmup", "1", "--threads", "1", "--workers", "1"};
    const test::ProcessRun one = test::runPrithvi(QStringList{"pretrain", "--run", path("one"), "--batch", "4"} + common);
    QVERIFY2(one.code == 0, one.err.constData());
    const test::ProcessRun two = test::runPrithvi(QStringList{"launch", "--backend", "local", "--nproc", "2", "--", "pretrain",
                                                              "--run", path("two"), "--batch", "2"} + common);
    QVERIFY2(two.code == 0, two.err.constData());
    const double difference = maxDifference(path("one/checkpoints/last.safetensors").toStdString(),
                                            path("two/checkpoints/last.safetensors").toStdString());
    qInfo("largest weight difference, 2 ranks x 2 vs 1 rank x 4: %.3g", difference);
    QVERIFY2(difference < 1e-5, qPrintable(QString::number(difference)));
    // The batches were really split: a 1-rank run with the per-rank batch differs.
    const test::ProcessRun small = test::runPrithvi(QStringList{"pretrain", "--run", path("small"), "--batch", "2"} + common);
    QVERIFY(maxDifference(path("one/checkpoints/last.safetensors").toStdString(),
                          path("small/checkpoints/last.safetensors").toStdString()) > 1e-4);
  }

  void aKilledRunResumesToTheSameWeights() {
    const QStringList common = {"--task", "flood", "--data", mFlood, "--model", "tiny_test", "--decoder-channels", "16",
                                "--steps", "12", "--batch", "4", "--eval-every", "3", "--lr", "1e-3", "--threads", "1",
                                "--workers", "1"};
    const test::ProcessRun straight = test::runPrithvi(QStringList{"finetune", "--run", path("straight")} + common);
    QVERIFY2(straight.code == 0, straight.err.constData());

    // Kill at step 7 (after the step-6 checkpoint), then run the same command again.
    QProcess victim;
    victim.start(QStringLiteral(PRITHVI_BIN_DIR "/prithvi"),
                 QStringList{"finetune", "--run", path("killed"), "--events", "jsonl"} + common);
    QVERIFY(victim.waitForStarted());
    bool killed = false;
    QByteArray buffer;
    while (!killed && victim.state() != QProcess::NotRunning && victim.waitForReadyRead(60000)) {
      buffer += victim.readAllStandardOutput();
      int newline;
      while ((newline = int(buffer.indexOf('\n'))) >= 0) {
        const QJsonObject event = QJsonDocument::fromJson(buffer.left(newline)).object();
        buffer.remove(0, newline + 1);
        if (event["event"] == "progress" && event["step"].toInt() >= 7) {
          ::kill(pid_t(victim.processId()), SIGKILL);
          killed = true;
          break;
        }
      }
    }
    victim.waitForFinished();
    QVERIFY2(killed, "the run ended before it could be killed");
    QCOMPARE(victim.exitStatus(), QProcess::CrashExit);
    const test::ProcessRun resumed = test::runPrithvi(QStringList{"finetune", "--run", path("killed"), "--json"} + common);
    QVERIFY2(resumed.code == 0, resumed.err.constData());
    QCOMPARE(resumed.json()["steps"].toInt(), 12);
    const double difference = maxDifference(path("straight/checkpoints/last.safetensors").toStdString(),
                                            path("killed/checkpoints/last.safetensors").toStdString());
    QCOMPARE(difference, 0.0);
  }

  // SIGTERM (a scheduler's preemption, Ctrl-C) checkpoints and exits 130; the next run resumes.
  void sigtermCheckpointsAndExitsCanceled() {
    const QStringList command = {"finetune", "--run", path("term"), "--task", "flood", "--data", mFlood, "--model",
                                 "tiny_test", "--decoder-channels", "16", "--steps", "200", "--batch", "4",
                                 "--eval-every", "100", "--threads", "1", "--events", "jsonl"};
    QProcess job;
    job.start(QStringLiteral(PRITHVI_BIN_DIR "/prithvi"), command);
    QVERIFY(job.waitForStarted());
    QByteArray output;
    bool signalled = false;
    while (!signalled && job.state() != QProcess::NotRunning && job.waitForReadyRead(60000)) {
      output += job.readAllStandardOutput();
      static const QRegularExpression stepPattern(QStringLiteral("\"event\":\"progress\"[^\n]*\"step\":(\\d+)"));
      int step = 0;
      for (auto match = stepPattern.globalMatch(QString::fromUtf8(output)); match.hasNext();)
        step = std::max(step, match.next().captured(1).toInt());
      if (step >= 3) {
        ::kill(pid_t(job.processId()), SIGTERM);
        signalled = true;
      }
    }
    QVERIFY(job.waitForFinished(60000));
    output += job.readAllStandardOutput();
    QVERIFY(signalled);
    QCOMPARE(job.exitStatus(), QProcess::NormalExit);
    QCOMPARE(job.exitCode(), 130);
    QVERIFY2(output.contains("\"status\":\"canceled\""), output.right(400).constData());
    const model::TrainingCheckpoint checkpoint = model::loadTrainingCheckpoint(path("term/checkpoints/last.safetensors").toStdString());
    const int step = std::stoi(checkpoint.extra.at("step"));
    QVERIFY(step >= 3 && step < 200);
  }

  void experimentsWriteTablesAndPlots() {
    const QStringList common = {"--task", "flood", "--data", mFlood, "--model", "tiny_test", "--decoder-channels", "16",
                                "--steps", "4", "--batch", "4", "--eval-every", "2", "--threads", "1"};
    const test::ProcessRun fractions =
        test::runPrithvi(QStringList{"experiment", "data-efficiency", "--run", path("efficiency"), "--fractions", "100,50"} + common);
    QVERIFY2(fractions.code == 0, fractions.err.constData());
    QFile table(path("efficiency/data_efficiency.csv"));
    QVERIFY(table.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = table.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), 3);
    QVERIFY(lines[1].startsWith("100.000000,") && lines[2].startsWith("50.000000,"));
    QFile plot(path("efficiency/data_efficiency.svg"));
    QVERIFY(plot.open(QIODevice::ReadOnly));
    QVERIFY(plot.readAll().contains("<polyline"));

    // Pretrained weights from our own pretraining run (twoGlooRanksEqualOneProcess).
    const test::ProcessRun comparison = test::runPrithvi(QStringList{"experiment", "pretrained-vs-random", "--run",
                                                                     path("init"), "--weights",
                                                                     path("one/checkpoints/last.safetensors")} + common);
    QVERIFY2(comparison.code == 0, comparison.err.constData());
    QVERIFY(QFile::exists(path("init/pretrained_vs_random.md")));
    QVERIFY(QFile::exists(path("init/pretrained/checkpoints/last.safetensors")));
    QVERIFY(QFile::exists(path("init/random/checkpoints/last.safetensors")));
    // The two runs started from different weights.
    QVERIFY(maxDifference(path("init/pretrained/checkpoints/last.safetensors").toStdString(),
                          path("init/random/checkpoints/last.safetensors").toStdString()) > 1e-3);
  }

  // Active learning simulated on the flood store: a table row per round (2, then 4 labelled
  // chips), mean and spread per strategy, a line per strategy; each round trains on exactly
  // the chips labelled so far, the same first chips for every strategy.
  void activeLearningComparesStrategies() {
    const QStringList common = {"--task", "flood", "--data", mFlood, "--model", "tiny_test", "--decoder-channels", "16",
                                "--steps", "4", "--batch", "2", "--eval-every", "2", "--threads", "1"};
    const test::ProcessRun run = test::runPrithvi(QStringList{"experiment", "active-learning", "--run", path("active"), "--rounds",
                                                              "2", "--per-round", "2", "--seeds", "1,2"} + common);
    QVERIFY2(run.code == 0, run.err.constData());
    QFile table(path("active/active_learning.csv"));
    QVERIFY(table.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = table.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), 3);
    QCOMPARE(lines[0], QByteArray("labelled_chips,uncertainty_miou_mean,uncertainty_miou_std,diversity_miou_mean,"
                                  "diversity_miou_std,random_miou_mean,random_miou_std"));
    for (int row = 1; row <= 2; ++row) {
      const QList<QByteArray> cells = lines[row].split(',');
      QCOMPARE(cells.size(), 7);
      QCOMPARE(cells[0].toDouble(), double(row * 2));
      for (int c = 1; c < 7; ++c) {
        bool ok = false;
        const double value = cells[c].toDouble(&ok);  // '.' decimals whatever the locale
        QVERIFY2(ok && value >= 0 && value <= 1, lines[row].constData());
      }
    }
    QFile plot(path("active/active_learning.svg"));
    QVERIFY(plot.open(QIODevice::ReadOnly));
    QCOMPARE(int(plot.readAll().count("<polyline")), 3);
    auto chipsOf = [&](const QString& run) {
      QFile config(QDir(path("active")).filePath(run + QStringLiteral("/config.json")));
      if (!config.open(QIODevice::ReadOnly)) return QJsonArray();
      return QJsonDocument::fromJson(config.readAll()).object()[QStringLiteral("train_chips")].toArray();
    };
    for (const QString strategy : {QStringLiteral("uncertainty"), QStringLiteral("diversity"), QStringLiteral("random")}) {
      QCOMPARE(chipsOf(strategy + "/seed-1/round-1").size(), 2);
      QCOMPARE(chipsOf(strategy + "/seed-1/round-1"), chipsOf("uncertainty/seed-1/round-1"));
      const QJsonArray second = chipsOf(strategy + "/seed-1/round-2");
      QCOMPARE(second.size(), 4);
      QSet<double> distinct;
      for (const QJsonValue& chip : second) distinct.insert(chip.toDouble());
      QCOMPARE(int(distinct.size()), 4);
    }
    const test::ProcessRun wrong = test::runPrithvi(QStringList{"experiment", "active-learning", "--run", path("active2"),
                                                                "--strategy", "loudest"} + common);
    QCOMPARE(wrong.code, 2);
  }
};

QTEST_GUILESS_MAIN(TestTrainCli)
#include "test_train_cli.moc"
