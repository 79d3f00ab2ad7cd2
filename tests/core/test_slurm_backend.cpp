// The Slurm launch backend against a real one-node Slurm on this machine (packaging/
// slurm-local.sh brings it up): the rendered batch script, a 2-rank Gloo fine-tune followed to
// completion, cancel (state and processes), and a requeue that resumes from the checkpoint.
// The Slurm tests skip when Slurm cannot be brought up (not root, no packages) unless
// PRITHVI_REQUIRE_SLURM=1, which turns that into a failure (CI sets it).

#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <unistd.h>

#include <functional>

#include "core/jobs/JobStore.h"
#include "core/jobs/SlurmBackend.h"
#include "tests/support/TestSupport.h"

using namespace prithvi;

namespace {


QByteArray readFile(const QString& path) {
  QFile file(path);
  return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// The JSON events among the lines of a job's output (Slurm's own notes are not JSON).
QList<QJsonObject> eventsIn(const std::string& text) {
  QList<QJsonObject> events;
  for (const QByteArray& line : QByteArray::fromStdString(text).split('\n')) {
    const QJsonObject event = QJsonDocument::fromJson(line).object();
    if (!event.isEmpty() && event.contains("event")) events.append(event);
  }
  return events;
}

// A job's output for a failure message: without progress events, the last 4000 characters.
QString digest(const std::string& text) {
  QStringList kept;
  for (const QString& line : QString::fromStdString(text).split('\n'))
    if (!line.contains(QStringLiteral("\"event\":\"progress\""))) kept << line;
  return kept.join('\n').right(4000);
}

// Processes (other than this one) whose command line mentions `fragment`.
QStringList processesMentioning(const QString& fragment) {
  QStringList found;
  const QByteArray needle = fragment.toUtf8();
  for (const QString& entry : QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
    bool numeric = false;
    const qint64 pid = entry.toLongLong(&numeric);
    if (!numeric || pid == qint64(::getpid())) continue;
    QByteArray commandLine = readFile(QStringLiteral("/proc/%1/cmdline").arg(entry));
    if (!commandLine.contains(needle)) continue;
    commandLine.replace('\0', ' ');
    // A zombie's command line is empty, so what is left here is alive.
    found << QStringLiteral("%1: %2").arg(pid).arg(QString::fromUtf8(commandLine.left(200)));
  }
  return found;
}

// The `metrics.csv` step column.
QList<int> metricSteps(const QString& path) {
  QList<int> steps;
  const QList<QByteArray> lines = readFile(path).split('\n');
  for (int i = 1; i < lines.size(); ++i)
    if (!lines[i].isEmpty()) steps << lines[i].split(',').first().toInt();
  return steps;
}

}  // namespace

class TestSlurmBackend : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir mDir;
  QString mSlurmProblem;  // empty when Slurm is up
  QString mFlood;
  SlurmBackend mBackend{PRITHVI_BIN_DIR "/prithvi"};

  QString path(const QString& name) const { return mDir.filePath(name); }

  // Skips (or fails, under PRITHVI_REQUIRE_SLURM=1) a test that needs Slurm when it is not up.
  bool slurmMissing() {
    if (mSlurmProblem.isEmpty()) return false;
    if (qEnvironmentVariableIntValue("PRITHVI_REQUIRE_SLURM") == 1)
      QTest::qFail(qPrintable("PRITHVI_REQUIRE_SLURM=1 but Slurm is not up: " + mSlurmProblem), __FILE__, __LINE__);
    else
      QTest::qSkip(qPrintable("no local Slurm: " + mSlurmProblem), __FILE__, __LINE__);
    return true;
  }

  LaunchRequest fineTune(const QString& name, int steps, int evalEvery) const {
    LaunchRequest request;
    request.name = name.toStdString();
    request.runDir = path(name).toStdString();
    request.workDir = mDir.path().toStdString();
    request.nodes = 1;
    request.processesPerNode = 2;
    for (const QString& argument :
         QStringList{"finetune", "--task", "flood", "--data", mFlood, "--run", path(name), "--model", "tiny_test",
                     "--decoder-channels", "16", "--steps", QString::number(steps), "--batch", "2", "--eval-every",
                     QString::number(evalEvery), "--lr", "1e-3", "--warmup", "1", "--patience", "0", "--threads", "1", "--workers", "1"})
      request.arguments.push_back(argument.toStdString());
    return request;
  }

  // Follows a job until it ends; its last state (Unknown after `seconds`).
  JobState follow(const JobHandle& handle, int seconds) {
    JobState state = JobState::Unknown;
    test::waitUntil([&] { return isFinal(state = mBackend.state(handle)); }, seconds, 250);
    return state;
  }

  QString scontrolShow(const JobHandle& handle) {
    return QString::fromUtf8(test::runProcess("scontrol", {"show", "job", QString::fromStdString(handle.id)}, 30000).out);
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(mDir.isValid());
    // PRITHVI_KEEP_TEST_DIR=1 keeps the runs and the jobs' output for a look after a failure.
    if (qEnvironmentVariableIntValue("PRITHVI_KEEP_TEST_DIR") == 1) {
      mDir.setAutoRemove(false);
      qInfo("keeping %s", qPrintable(mDir.path()));
    }
    const QString script = QStringLiteral(PRITHVI_SOURCE_DIR "/packaging/slurm-local.sh");
    if (::geteuid() != 0) {
      // Not root: use a cluster someone else brought up, if there is one.
      const test::ProcessRun ping = test::runProcess("scontrol", {"ping"}, 30000);
      if (ping.code != 0 || !ping.out.contains("UP"))
        mSlurmProblem = "not root, so " + script + " cannot set Slurm up, and no running controller answers";
    } else {
      QElapsedTimer clock;
      clock.start();
      const test::ProcessRun setup = test::runProcess("/bin/bash", {script}, 600000);
      if (setup.code != 0)
        mSlurmProblem = script + " failed (exit " + QString::number(setup.code) + "): " +
                        QString::fromUtf8(setup.err.trimmed().isEmpty() ? setup.out.trimmed() : setup.err.trimmed());
      qInfo("slurm-local.sh: %.1f s: %s", double(clock.elapsed()) / 1000, setup.out.trimmed().constData());
    }
    if (!mSlurmProblem.isEmpty()) return;

    // A tiny flood dataset: 3 labelled dates of a 128-pixel synthetic tile in 32-pixel chips.
    const std::string project = test::makeFloodProject(mDir.path(), 128, 3, 3, 3).path;
    mFlood = path("flood.zarr");
    const test::ProcessRun built = test::runPrithvi({"dataset", "build", QString::fromStdString(project), "--task", "flood",
                                                     "--out", mFlood, "--chip", "32", "--min-labelled", "0", "--max-cloud",
                                                     "1", "--block", "2", "--val", "0.25", "--test", "0", "--seed", "2"});
    QVERIFY2(built.code == 0, built.err.constData());
  }

  void rendersAQuotedBatchScript() {
    LaunchRequest request;
    request.name = "flood-ft";
    request.nodes = 2;
    request.processesPerNode = 4;
    request.gpusPerNode = 4;
    request.runDir = "/scratch/runs/flood 100%";
    request.workDir = "/scratch/work's dir";
    request.options = {{"partition", "gpu"}, {"account", "geo-lab"}, {"time", "01:30:00"},
                       {"prithvi", "/opt/prithvi studio/bin/prithvi"}};
    request.arguments = {"finetune", "--run", "/scratch/runs/flood 100%", "--note",
                         "it's $(touch /tmp/x) `id` \"q\" ; & | > * ? ~ $HOME \\ \n next", "", "--steps", "5"};
    const std::string script = mBackend.render(request);
    const QStringList lines = QString::fromStdString(script).split('\n');
    auto has = [&](const QString& line) {
      if (!lines.contains(line)) qWarning("missing line: %s\n%s", qPrintable(line), script.c_str());
      return lines.contains(line);
    };
    QVERIFY(lines.first().startsWith("#!/bin/bash"));
    QVERIFY(has("#SBATCH --job-name=flood-ft"));
    QVERIFY(has("#SBATCH --nodes=2"));
    QVERIFY(has("#SBATCH --ntasks-per-node=4"));
    QVERIFY(has("#SBATCH --gpus-per-node=4"));
    QVERIFY(has("#SBATCH --partition=gpu"));
    QVERIFY(has("#SBATCH --account=geo-lab"));
    QVERIFY(has("#SBATCH --time=01:30:00"));
    QVERIFY(has("#SBATCH --requeue"));
    QVERIFY(has("#SBATCH --signal=TERM@120"));
    QVERIFY(has("#SBATCH --open-mode=append"));
    // Slurm's own file-name patterns: %j stays, the folder's % is escaped; spaces in quotes.
    QVERIFY(has("#SBATCH --output=\"/scratch/runs/flood 100%%/slurm-%j.out\""));
    QVERIFY(has("#SBATCH --chdir=\"/scratch/work's dir\""));
    QVERIFY(has("export MASTER_PORT=$((10000 + SLURM_JOB_ID % 20000))"));
    QVERIFY(script.find("scontrol show hostnames \"$SLURM_JOB_NODELIST\"") != std::string::npos);
    QVERIFY(script.find("export MASTER_ADDR=") != std::string::npos);

    // The srun line, run by bash with srun swapped for printf, gives back every argument intact.
    const QString srunPrefix = QStringLiteral("exec srun --kill-on-bad-exit=1 --output=0 --error=all ");
    qsizetype srunAt = -1;
    for (qsizetype i = 0; i < lines.size(); ++i)
      if (lines[i].startsWith(srunPrefix)) srunAt = i;
    QVERIFY2(srunAt >= 0, script.c_str());
    // The argument with a newline spans two lines of the script.
    const QString srunCommand = lines.mid(srunAt).join('\n').mid(srunPrefix.size());
    const test::ProcessRun echoed =
        test::runProcess("/bin/bash", {"-c", "printf '%s\\0' " + srunCommand}, 30000);
    QCOMPARE(echoed.code, 0);
    QList<QByteArray> words = echoed.out.split('\0');
    QVERIFY(words.size() > 1 && words.last().isEmpty());
    words.removeLast();
    QList<QByteArray> expected = {"/opt/prithvi studio/bin/prithvi"};
    for (const std::string& argument : request.arguments) expected << QByteArray::fromStdString(argument);
    expected << "--events" << "jsonl";
    QCOMPARE(words, expected);

    // Defaults: no GPUs line, requeue off on request, the backend's own prithvi, --events not doubled.
    request.gpusPerNode = 0;
    request.options = {{"requeue", "0"}};
    request.arguments = {"infer", "--events", "jsonl"};
    const std::string plain = mBackend.render(request);
    QVERIFY(plain.find("--gpus-per-node") == std::string::npos);
    QVERIFY(plain.find("--partition") == std::string::npos);
    QVERIFY(plain.find("#SBATCH --no-requeue\n") != std::string::npos);
    QVERIFY(plain.find("#SBATCH --requeue\n") == std::string::npos);
    QVERIFY2(plain.find(" " PRITHVI_BIN_DIR "/prithvi infer --events jsonl\n") != std::string::npos, plain.c_str());

    // Requests a script cannot carry.
    LaunchRequest bad = request;
    bad.runDir = "runs/relative";
    test::expectError(ErrorKind::Usage, [&] { mBackend.render(bad); }, "absolute");
    bad = request;
    bad.processesPerNode = 0;
    test::expectError(ErrorKind::Usage, [&] { mBackend.render(bad); }, "process per node");
    bad = request;
    bad.name = "two words";
    test::expectError(ErrorKind::Usage, [&] { mBackend.render(bad); }, "job name");
    bad = request;
    bad.options["time"] = "1:00 --uid=0";
    test::expectError(ErrorKind::Usage, [&] { mBackend.render(bad); }, "time limit");
    bad = request;
    bad.runDir = "/runs/\"quoted\"";
    test::expectError(ErrorKind::Usage, [&] { mBackend.render(bad); }, "#SBATCH");
    bad = request;
    bad.arguments.clear();
    test::expectError(ErrorKind::Usage, [&] { mBackend.render(bad); }, "no prithvi command");
    test::expectError(ErrorKind::Usage, [&] { SlurmBackend("").render(request); }, "prithvi");
  }

  void mapsSlurmStates() {
    QCOMPARE(SlurmBackend::stateFromSlurm("PENDING"), JobState::Pending);
    QCOMPARE(SlurmBackend::stateFromSlurm("REQUEUED"), JobState::Pending);
    QCOMPARE(SlurmBackend::stateFromSlurm("CONFIGURING\n"), JobState::Pending);
    QCOMPARE(SlurmBackend::stateFromSlurm("RUNNING"), JobState::Running);
    QCOMPARE(SlurmBackend::stateFromSlurm("COMPLETING"), JobState::Running);
    QCOMPARE(SlurmBackend::stateFromSlurm("COMPLETED"), JobState::Succeeded);
    QCOMPARE(SlurmBackend::stateFromSlurm("CANCELLED by 0"), JobState::Canceled);
    QCOMPARE(SlurmBackend::stateFromSlurm("CANCELLED+"), JobState::Canceled);
    for (const char* failed : {"FAILED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED", "BOOT_FAIL", "DEADLINE"})
      QCOMPARE(SlurmBackend::stateFromSlurm(failed), JobState::Failed);
    QCOMPARE(SlurmBackend::stateFromSlurm("SOMETHING_NEW"), JobState::Unknown);
    QCOMPARE(SlurmBackend::stateFromSlurm(""), JobState::Unknown);
  }

  void combinesTheStatesOfArrayTasks() {
    using S = JobState;
    QCOMPARE(SlurmBackend::combinedState({S::Succeeded, S::Running, S::Pending}), S::Running);
    QCOMPARE(SlurmBackend::combinedState({S::Succeeded, S::Pending}), S::Pending);
    QCOMPARE(SlurmBackend::combinedState({S::Succeeded, S::Failed, S::Canceled}), S::Failed);
    QCOMPARE(SlurmBackend::combinedState({S::Succeeded, S::Canceled}), S::Canceled);
    QCOMPARE(SlurmBackend::combinedState({S::Succeeded, S::Succeeded}), S::Succeeded);
    QCOMPARE(SlurmBackend::combinedState({}), S::Unknown);
  }

  void jobArrayRunsEveryTask() {
    if (slurmMissing()) return;
    LaunchRequest request;
    request.name = "array";
    request.runDir = path("array").toStdString();
    request.workDir = mDir.path().toStdString();
    request.arrayTasks = 3;
    request.arguments = {"--version"};
    const JobHandle handle = mBackend.submit(request);
    const JobState state = follow(handle, 180);
    const std::string logs = mBackend.logs(handle);
    QVERIFY2(state == JobState::Succeeded, qPrintable(QString("array job %1 is %2:\n%3").arg(QString::fromStdString(handle.id), jobStateName(state), digest(logs))));
    for (int task = 0; task < 3; ++task) {
      QVERIFY(QFile::exists(path(QStringLiteral("array/slurm-%1_%2.out").arg(QString::fromStdString(handle.id)).arg(task))));
      QVERIFY2(logs.find("== task " + std::to_string(task)) != std::string::npos, logs.c_str());
    }
    QVERIFY2(logs.find("prithvi " PRITHVI_VERSION) != std::string::npos, logs.c_str());
    // Tasks that fail fail the array.
    request.name = "array-fails";
    request.runDir = path("array-fails").toStdString();
    request.arguments = {"info", path("missing.tif").toStdString()};
    QCOMPARE(follow(mBackend.submit(request), 180), JobState::Failed);
  }

  void twoRankFineTuneRunsToCompletion() {
    if (slurmMissing()) return;
    QElapsedTimer clock;
    clock.start();
    const LaunchRequest request = fineTune("ft", 6, 3);
    const JobHandle handle = mBackend.submit(request);
    QCOMPARE(QString::fromStdString(handle.backend), QStringLiteral("slurm"));
    QVERIFY(QFile::exists(path("ft/slurm-job.sh")));
    QCOMPARE(QString::fromStdString(handle.details.at("output")), path("ft/slurm-" + QString::fromStdString(handle.id) + ".out"));
    const JobState state = follow(handle, 300);
    const std::string logs = mBackend.logs(handle);
    QVERIFY2(state == JobState::Succeeded, qPrintable(QString("job %1 is %2 after %3 s:\n%4")
                                                         .arg(QString::fromStdString(handle.id), jobStateName(state))
                                                         .arg(clock.elapsed() / 1000)
                                                         .arg(digest(logs))));
    qInfo("2-rank fine-tune through Slurm: %.1f s", double(clock.elapsed()) / 1000);
    // Two tasks on one node.
    const QString shown = scontrolShow(handle);
    QVERIFY2(shown.contains("NumTasks=2"), qPrintable(shown));
    QVERIFY(QFile::exists(path("ft/checkpoints/last.safetensors")));
    QCOMPARE(metricSteps(path("ft/metrics.csv")), (QList<int>{3, 6}));
    const QList<QJsonObject> events = eventsIn(logs);
    int finishedOk = 0, started = 0;
    for (const QJsonObject& event : events) {
      finishedOk += event["event"] == "finished" && event["status"] == "ok";
      started += event["event"] == "started";
    }
    // Rank 0's stream only: one start, one successful end.
    QVERIFY2(finishedOk == 1 && started == 1, logs.c_str());
    QCOMPARE(mBackend.state(handle), JobState::Succeeded);  // still known once finished
  }

  void cancelStopsTheJobAndItsProcesses() {
    if (slurmMissing()) return;
    QElapsedTimer clock;
    clock.start();
    const JobHandle handle = mBackend.submit(fineTune("cancel", 100000, 100000));
    // Running, and training (a progress event in rank 0's stream).
    JobState state = JobState::Unknown;
    const bool training = test::waitUntil(
        [&] {
          state = mBackend.state(handle);
          return state == JobState::Running && mBackend.logs(handle).find("\"event\":\"progress\"") != std::string::npos;
        },
        120, 250);
    QVERIFY2(training, qPrintable(QString("job is %1:\n%2").arg(jobStateName(state), digest(mBackend.logs(handle)))));
    QVERIFY(!processesMentioning(path("cancel")).isEmpty());
    mBackend.cancel(handle);
    QVERIFY2(test::waitUntil([&] { return (state = mBackend.state(handle)) == JobState::Canceled; }, 60, 250),
             qPrintable(QString("after scancel the job is %1").arg(jobStateName(state))));
    QStringList left;
    QVERIFY2(test::waitUntil([&] { return (left = processesMentioning(path("cancel"))).isEmpty(); }, 60, 250), qPrintable(left.join('\n')));
    // The ranks got SIGTERM first and checkpointed on their way out.
    QVERIFY2(QFile::exists(path("cancel/checkpoints/last.safetensors")), mBackend.logs(handle).c_str());
    mBackend.cancel(handle);  // canceling an ended job is no error
    qInfo("cancel: %.1f s", double(clock.elapsed()) / 1000);
  }

  void requeueResumesFromTheCheckpoint() {
    if (slurmMissing()) return;
    QElapsedTimer clock;
    clock.start();
    constexpr int kSteps = 160, kEvery = 4;
    const JobHandle handle = mBackend.submit(fineTune("requeue", kSteps, kEvery));
    const QString csv = path("requeue/metrics.csv");
    const QString last = path("requeue/checkpoints/last.safetensors");
    JobState state = JobState::Unknown;
    QVERIFY2(test::waitUntil(
                 [&] {
                   state = mBackend.state(handle);
                   return isFinal(state) || (QFile::exists(last) && !metricSteps(csv).isEmpty());
                 },
                 180, 250),
             qPrintable(QString("no checkpoint; job is %1:\n%2").arg(jobStateName(state), digest(mBackend.logs(handle)))));
    QVERIFY2(!isFinal(state), mBackend.logs(handle).c_str());
    const int stepsBefore = metricSteps(csv).last();
    mBackend.requeue(handle, /*startNow=*/true);
    state = follow(handle, 240);
    const std::string logs = mBackend.logs(handle);
    QVERIFY2(state == JobState::Succeeded, qPrintable(QString("after requeue the job is %1:\n%2")
                                                          .arg(jobStateName(state), digest(logs))));
    qInfo("requeue: %.1f s", double(clock.elapsed()) / 1000);
    QVERIFY2(scontrolShow(handle).contains("Restarts=1"), qPrintable(scontrolShow(handle)));

    // The first start was stopped (canceled, after a checkpoint), the second resumed from it.
    static const QRegularExpression resumedPattern(QStringLiteral("resumed at step (\\d+)"));
    const QRegularExpressionMatch resumed = resumedPattern.match(QString::fromStdString(logs));
    QVERIFY2(resumed.hasMatch(), logs.c_str());
    const int resumedAt = resumed.captured(1).toInt();
    QVERIFY2(resumedAt >= stepsBefore && resumedAt < kSteps, qPrintable(QString::number(resumedAt)));
    QVERIFY(readFile(path("requeue/events.jsonl")).contains(QByteArray("resumed at step ") + QByteArray::number(resumedAt)));
    QStringList statuses;
    for (const QJsonObject& event : eventsIn(logs))
      if (event["event"] == "finished") statuses << event["status"].toString();
    QCOMPARE(statuses, (QStringList{"canceled", "ok"}));
    // metrics.csv continues where the first start left off: one row per evaluation, no restart.
    const QList<int> steps = metricSteps(csv);
    QList<int> expected;
    for (int step = kEvery; step <= kSteps; step += kEvery) expected << step;
    QCOMPARE(steps, expected);
  }

  void cleanupTestCase() {
    // Leave no job of ours behind when a test failed half-way.
    if (!mSlurmProblem.isEmpty()) return;
    const test::ProcessRun queue = test::runProcess("squeue", {"-h", "-o", "%i %Z"}, 30000);
    for (const QByteArray& line : queue.out.split('\n'))
      if (line.contains(mDir.path().toUtf8())) test::runProcess("scancel", {QString::fromUtf8(line.split(' ').first())}, 30000);
  }
};

QTEST_GUILESS_MAIN(TestSlurmBackend)
#include "test_slurm_backend.moc"
