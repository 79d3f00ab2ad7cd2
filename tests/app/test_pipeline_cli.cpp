// The annual pipeline and the model registry through the CLI, on a synthetic tile of two years:
// year 1 trains and becomes champion; year 2 has more validated labels, trains from year 1's
// champion and goes through the gate (refused with a high margin, promoted with a low one);
// rolling back restores year 1's model; both annual maps exist with their provenance; every
// version's lineage is complete; changing one validated label changes the dataset hash and
// makes a watching pipeline retrain.

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

#include "core/labels/LabelEditor.h"
#include "core/labels/LabelStore.h"
#include "core/project/ProjectStore.h"
#include "tests/support/TestSupport.h"

using namespace prithvi;

namespace {

constexpr int kSize = 256;

// Small and quick: a tiny model on 32-pixel chips.
QStringList pipelineArguments(const QString& project, int year) {
  return {"pipeline", "annual", project, "--region", "T13REN", "--year", QString::number(year), "--task", "flood",
          "--model", "tiny_test", "--chip", "32", "--block", "2", "--val", "0.15", "--test", "0.15", "--min-labelled", "0",
          "--max-cloud", "1", "--steps", "16", "--batch", "4", "--eval-every", "8", "--warmup", "2", "--lr", "0.001",
          "--patience", "0", "--workers", "1", "--seed", "2", "--json"};
}

QJsonObject lastJsonLine(const QByteArray& out) {
  const QList<QByteArray> lines = out.trimmed().split('\n');
  return QJsonDocument::fromJson(lines.isEmpty() ? QByteArray() : lines.last()).object();
}

}  // namespace

class TestPipelineCli : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir mDir;
  QString mProject;
  test::FloodProject mYear2;

  QJsonObject runPipeline(int year, const QStringList& extra = {}) {
    const test::ProcessRun run = test::runPrithvi(pipelineArguments(mProject, year) + extra);
    if (run.code != 0) qWarning("%s", run.err.constData());
    [&] { QCOMPARE(run.code, 0); }();
    return lastJsonLine(run.out);
  }

  QJsonObject version(int id) {
    const test::ProcessRun run = test::runPrithvi({"models", "show", mProject, QString::number(id), "--json"});
    [&] { QVERIFY2(run.code == 0, run.err.constData()); }();
    return run.json();
  }

  int champion(int year) {
    const test::ProcessRun run = test::runPrithvi({"models", "list", mProject, "--json"});
    for (const QJsonValue& value : run.json()["versions"].toArray())
      if (value.toObject()["aliases"].toArray().contains(QStringLiteral("champion/%1").arg(year)))
        return value.toObject()["version"].toInt();
    return 0;
  }

  // Every lineage field present and non-empty.
  void verifyLineageComplete(const QJsonObject& lineage) {
    for (const QString& key : {"dataset_path", "dataset_hash", "label_set_version", "label_sets", "validated_label_sets",
                               "validated_pixels", "granules", "config", "program_version", "parent", "run_dir"}) {
      const QJsonValue value = lineage[key];
      const bool empty = value.isUndefined() || value.isNull() || (value.isString() && value.toString().isEmpty()) ||
                         (value.isArray() && value.toArray().isEmpty()) || (value.isObject() && value.toObject().isEmpty()) ||
                         (value.isDouble() && value.toDouble() <= 0);
      QVERIFY2(!empty, qPrintable("lineage field " + key + " is empty"));
    }
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(mDir.isValid());
    mDir.setAutoRemove(qEnvironmentVariableIsEmpty("PRITHVI_KEEP_TEST_DIR"));
    const test::FloodProject year1 = test::makeFloodProject(mDir.path(), kSize, 2, 1, 1);
    mProject = QString::fromStdString(year1.path);
    mYear2 = test::addFloodYear(year1.path, mDir.path(), kSize, 2, 2022, 2, 2);  // more validated labels
    QCOMPARE(int(mYear2.scenes.size()), 2);
  }

  void yearOneBecomesChampion() {
    const QJsonObject result = runPipeline(2021);
    QCOMPARE(result["status"].toString(), QStringLiteral("trained"));
    QCOMPARE(result["challenger"].toInt(), 1);
    QCOMPARE(result["champion"].toInt(), 1);
    QVERIFY(result["promoted"].toBool());
    QCOMPARE(result["parent"].toInt(), 0);
    QVERIFY(QFileInfo::exists(result["map"].toString()));
    QVERIFY(result["voted_pixels"].toDouble() > 0);
    QCOMPARE(champion(2021), 1);
    const QJsonObject v1 = version(1);
    verifyLineageComplete(v1["lineage"].toObject());
    QCOMPARE(v1["lineage"].toObject()["parent"].toString(), QStringLiteral("random initialisation"));
    QVERIFY(v1["metrics"].toObject().contains("test_miou"));
    // Nothing changed: a rerun does nothing.
    const QJsonObject again = runPipeline(2021);
    QCOMPARE(again["status"].toString(), QStringLiteral("up_to_date"));
    QCOMPARE(again["champion"].toInt(), 1);
  }

  void yearTwoGoesThroughTheGate() {
    // An impossible margin: the new model is registered as challenger but not promoted.
    const QJsonObject refused = runPipeline(2022, {"--margin", "1"});
    QCOMPARE(refused["challenger"].toInt(), 2);
    QCOMPARE(refused["parent"].toInt(), 1);     // fine-tuned from last year's champion
    QCOMPARE(refused["incumbent"].toInt(), 1);  // and compared with it
    QVERIFY(!refused["promoted"].toBool());
    QVERIFY2(refused["decision"].toString().startsWith("not promoted"), qPrintable(refused["decision"].toString()));
    QCOMPARE(champion(2022), 1);  // the year keeps last year's model
    const QJsonObject v2 = version(2);
    verifyLineageComplete(v2["lineage"].toObject());
    QCOMPARE(v2["lineage"].toObject()["parent_version"].toInt(), 1);
    QFile events(v2["lineage"].toObject()["run_dir"].toString() + "/events.jsonl");
    QVERIFY(events.open(QIODevice::ReadOnly));
    QVERIFY(events.readAll().contains("every weight from the earlier model"));  // v1's head included
    QCOMPARE(v2["lineage"].toObject()["validated_label_sets"].toInt(), 2);
    QVERIFY(v2["aliases"].toArray().contains(QStringLiteral("challenger/2022")));
    QVERIFY(v2["lineage"].toObject()["dataset_hash"] != version(1)["lineage"].toObject()["dataset_hash"]);
    const QString map2022 = refused["map"].toString();
    QVERIFY(map2022.endsWith("13REN_2022_v1.tif"));

    // A low margin: the same training (resumed run folder, same weights) is the same version,
    // and it is promoted now. Its class maps are made by a job array (the local backend: one
    // task per granule), recorded in the project's jobs.
    const QJsonObject promoted = runPipeline(2022, {"--margin", "-1", "--force", "--maps-backend", "local"});
    QCOMPARE(promoted["challenger"].toInt(), 2);
    QVERIFY(promoted["promoted"].toBool());
    QCOMPARE(champion(2022), 2);
    QVERIFY(QFileInfo::exists(promoted["map"].toString()));
    QVERIFY(promoted["map"].toString().endsWith("13REN_2022_v2.tif"));
    const test::ProcessRun listed = test::runPrithvi({"models", "list", mProject, "--json"});
    QCOMPARE(listed.json()["versions"].toArray().size(), 2);  // no duplicate version
    const test::ProcessRun jobs = test::runPrithvi({"jobs", "list", mProject, "--json"});
    const QJsonArray recorded = QJsonDocument::fromJson(jobs.out).array();
    QVERIFY2(!recorded.isEmpty(), jobs.out.constData());
    QCOMPARE(recorded.first().toObject()["name"].toString(), QStringLiteral("annual-maps-13REN-2022"));
    QCOMPARE(recorded.first().toObject()["state"].toString(), QStringLiteral("succeeded"));
  }

  void arraysRenderForSlurmAndKubernetes() {
    const QStringList command = {"--", "pipeline", "infer-task", "--plan", "/data/p/plan.json"};
    const test::ProcessRun slurm =
        test::runPrithvi(QStringList{"launch", "--backend", "slurm", "--array", "3", "--name", "maps", "--run", "/data/p/job", "--render"} +
                         command);
    QVERIFY2(slurm.code == 0, slurm.err.constData());
    QVERIFY(slurm.out.contains("#SBATCH --array=0-2\n"));
    QVERIFY(slurm.out.contains("/data/p/job/slurm-%A_%a.out"));
    QVERIFY(slurm.out.contains("export PRITHVI_TASK_INDEX=$SLURM_ARRAY_TASK_ID PRITHVI_TASK_COUNT=3"));
    const test::ProcessRun k8s = test::runPrithvi(QStringList{"launch", "--backend", "k8s", "--array", "3", "--name", "maps", "--run",
                                                              "/data/p/job", "--set", "image=prithvi:1", "--set", "parallelism=2", "--render"} +
                                                  command);
    QVERIFY2(k8s.code == 0, k8s.err.constData());
    QVERIFY2(k8s.out.contains("\"completions\": 3"), k8s.out.constData());
    QVERIFY(k8s.out.contains("\"parallelism\": 2"));
    QVERIFY(k8s.out.contains("PRITHVI_TASK_INDEX"));
    QVERIFY(!k8s.out.contains("MASTER_ADDR"));
    const test::ProcessRun ranksAndArray = test::runPrithvi(
        QStringList{"launch", "--backend", "slurm", "--array", "3", "--nproc", "2", "--run", "/data/p/job", "--render"} + command);
    QCOMPARE(ranksAndArray.code, 2);
  }

  void rollingBackRestoresYearOne() {
    const test::ProcessRun rolled =
        test::runPrithvi({"models", "rollback", mProject, "--region", "T13REN", "--year", "2022", "--reason", "field check"});
    QVERIFY2(rolled.code == 0, rolled.err.constData());
    QVERIFY2(rolled.out.contains("v2 -> v1"), rolled.out.constData());
    QCOMPARE(champion(2022), 1);
    QCOMPARE(champion(2021), 1);
    const test::ProcessRun history = test::runPrithvi({"models", "history", mProject, "--region", "T13REN", "--year", "2022",
                                                       "--alias", "champion", "--json"});
    const QJsonArray moves = history.json()["moves"].toArray();
    QCOMPARE(moves.size(), 3);  // kept v1, promoted v2, rolled back to v1
    QCOMPARE(moves.last().toObject()["reason"].toString(), QStringLiteral("field check"));
    // Rolling back the first year's champion has nothing to go back to.
    const test::ProcessRun nothing = test::runPrithvi({"models", "rollback", mProject, "--region", "T13REN", "--year", "2021"});
    QCOMPARE(nothing.code, 3);
    QVERIFY2(nothing.err.contains("no earlier model"), nothing.err.constData());
  }

  void classMapsOfRegisteredModelsCarryProvenance() {
    const QJsonObject v2 = version(2);
    const QString out = mDir.filePath("water-2022.tif");
    const test::ProcessRun inferred =
        test::runPrithvi({"infer", "--model", v2["artifact"].toString(), "--project", mProject, "--scene",
                          QString::fromStdString(mYear2.scenes.back().id), "--mask-clouds", "--out", out});
    QVERIFY2(inferred.code == 0, inferred.err.constData());
    const test::ProcessRun pixel = test::runPrithvi({"models", "provenance", out, "--pixel", "3,4", "--json"});
    QVERIFY2(pixel.code == 0, pixel.err.constData());
    const QJsonObject chain = pixel.json();
    QCOMPARE(chain["product"].toString(), QStringLiteral("class_map"));
    QCOMPARE(chain["model_version"].toInt(), 2);
    QCOMPARE(chain["label_set_version"].toString(), v2["lineage"].toObject()["label_set_version"].toString());
    QCOMPARE(chain["granules"].toArray(), QJsonArray{QString::fromStdString(mYear2.scenes.back().id)});
    QVERIFY2(chain["fmask_policy"].toString().contains("cloud shadow"), qPrintable(chain["fmask_policy"].toString()));
  }

  void annualMapsCarryTheirProvenance() {
    const test::ProcessRun maps = test::runPrithvi({"models", "maps", mProject, "--json"});
    QVERIFY2(maps.code == 0, maps.err.constData());
    QSet<int> years;
    for (const QJsonValue& value : maps.json()["maps"].toArray()) {
      const QJsonObject map = value.toObject();
      if (map["kind"].toString() != QStringLiteral("annual_map")) continue;
      years.insert(map["year"].toInt());
      QVERIFY(QFileInfo::exists(map["path"].toString()));
      QVERIFY(!map["granules"].toArray().isEmpty());
      QVERIFY(!map["fmask_policy"].toString().isEmpty());
      QVERIFY(map["label_set_version"].toString().startsWith("ls-"));
      // A water pixel of the truth, clicked: the chain behind it.
      int x = -1, y = -1;
      for (int p = 0; p < kSize * kSize && x < 0; ++p)
        if (mYear2.water[size_t(p)] == 1) x = p % kSize, y = p / kSize;
      const test::ProcessRun pixel = test::runPrithvi(
          {"models", "provenance", map["path"].toString(), "--pixel", QStringLiteral("%1,%2").arg(x).arg(y), "--json"});
      QVERIFY2(pixel.code == 0, pixel.err.constData());
      const QJsonObject chain = pixel.json();
      QCOMPARE(chain["model_version"].toInt(), map["version"].toInt());
      QCOMPARE(chain["year"].toInt(), map["year"].toInt());
      QCOMPARE(chain["granules"].toArray(), map["granules"].toArray());
      QCOMPARE(chain["label_set_version"].toString(), map["label_set_version"].toString());
      QVERIFY(chain["dataset_hash"].toString().size() == 64);
      QVERIFY(chain["model_sha256"].toString().size() == 64);
      QVERIFY(chain["observations"].toInt() >= chain["votes"].toInt());
      QVERIFY(chain["observations"].toInt() <= map["granules"].toArray().size());
    }
    QVERIFY(years.contains(2021));
    QVERIFY(years.contains(2022));
  }

  void modelCards() {
    const QString md = mDir.filePath("card.md"), html = mDir.filePath("card.html");
    QCOMPARE(test::runPrithvi({"models", "card", mProject, "v2", "--out", md}).code, 0);
    QCOMPARE(test::runPrithvi({"models", "card", mProject, "2", "--out", html}).code, 0);
    QFile mdFile(md), htmlFile(html);
    QVERIFY(mdFile.open(QIODevice::ReadOnly) && htmlFile.open(QIODevice::ReadOnly));
    const QByteArray markdown = mdFile.readAll(), page = htmlFile.readAll();
    const QByteArray hash = version(2)["lineage"].toObject()["dataset_hash"].toString().toUtf8();
    QVERIFY(markdown.startsWith("# Model v2: flood, 13REN 2022"));
    QVERIFY(markdown.contains(hash));
    QVERIFY(markdown.contains("test_miou"));
    QVERIFY(markdown.contains("version 1 (champion 2021)"));
    QVERIFY(page.contains("<h2>Lineage</h2>") && page.contains(hash));
    QCOMPARE(test::runPrithvi({"models", "card", mProject, "2", "--out", mDir.filePath("card.txt")}).code, 2);
  }

  void changedLabelRetrainsInWatchMode() {
    QProcess watcher;
    watcher.setProgram(QStringLiteral(PRITHVI_BIN_DIR "/prithvi"));
    watcher.setArguments(pipelineArguments(mProject, 2022) + QStringList{"--watch", "--interval", "0.3", "--no-maps"});
    watcher.start();
    QVERIFY(watcher.waitForStarted());
    QByteArray out;
    // The first check finds the labels unchanged.
    QVERIFY(test::waitUntil([&] { return watcher.waitForReadyRead(50), out += watcher.readAllStandardOutput(), out.contains('\n'); }, 120));
    QCOMPARE(lastJsonLine(out)["status"].toString(), QStringLiteral("up_to_date"));

    // One pixel of one validated label set changes (reopened, edited, validated again).
    {
      auto project = ProjectStore::open(mProject.toStdString());
      LabelStore labels(*project);
      const int64_t id = mYear2.labelSets.front();
      labels.review(id, ReviewAction::Reopen, "ana");
      LabelEditor editor(labels, id);
      PixelRegion one{{5, 5, 1, 1}, {1}};
      editor.fillRegion(mYear2.water[size_t(5 * kSize + 5)] == 1 ? 0 : 1, one);
      labels.review(id, ReviewAction::Submit, "ana");
      labels.review(id, ReviewAction::Validate, "rev");
    }
    QVERIFY2(test::waitUntil([&] { return watcher.waitForReadyRead(50), out += watcher.readAllStandardOutput(), out.count('\n') >= 2; }, 240),
             watcher.readAllStandardError().constData());
    const QJsonObject retrained = lastJsonLine(out);
    QCOMPARE(retrained["status"].toString(), QStringLiteral("trained"));
    QCOMPARE(retrained["challenger"].toInt(), 3);
    ::kill(pid_t(watcher.processId()), SIGTERM);
    QVERIFY(watcher.waitForFinished(60000));
    QCOMPARE(watcher.exitCode(), 130);

    const QJsonObject v2 = version(2)["lineage"].toObject(), v3 = version(3)["lineage"].toObject();
    verifyLineageComplete(v3);
    QVERIFY(v3["dataset_hash"] != v2["dataset_hash"]);
    QVERIFY(v3["label_set_version"] != v2["label_set_version"]);
    QCOMPARE(v3["validated_label_sets"].toInt(), 2);
  }

  void damagedWeightsAreRefused() {
    QCOMPARE(test::runPrithvi({"models", "verify", mProject}).code, 0);
    const QString artifact = version(1)["artifact"].toString();
    QFile file(artifact);
    QVERIFY(file.open(QIODevice::Append));
    file.write("x");
    file.close();
    const test::ProcessRun verify = test::runPrithvi({"models", "verify", mProject});
    QCOMPARE(verify.code, 3);
    QVERIFY2(verify.err.contains("do not match their SHA-256"), verify.err.constData());
    const test::ProcessRun promote = test::runPrithvi({"models", "promote", mProject, "1"});
    QCOMPARE(promote.code, 3);
    QCOMPARE(champion(2021), 1);  // unchanged
  }
};

QTEST_MAIN(TestPipelineCli)
#include "test_pipeline_cli.moc"
