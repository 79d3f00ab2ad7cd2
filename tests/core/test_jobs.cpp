// The project's jobs: the jobs table, requests stored and read back, the event-log reader, and
// the local backend running real detached `prithvi` jobs (succeed, cancel, killed), through the
// API and through `prithvi launch` / `prithvi jobs`.
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <functional>

#include "core/base/Error.h"
#include "core/jobs/DetachedJob.h"
#include "core/jobs/JobLog.h"
#include "core/jobs/JobStore.h"
#include "core/jobs/LocalBackend.h"
#include "core/project/ProjectStore.h"
#include "tests/support/TestSupport.h"

using namespace prithvi;

namespace {

std::string eventLine(const std::string& body) { return "{" + body + "}\n"; }

}  // namespace

class TestJobs : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir mDir;
  LocalBackend mLocal{PRITHVI_BIN_DIR "/prithvi"};

  QString path(const QString& name) const { return mDir.filePath(name); }

  // A `prithvi synth hls` job: about `dates` x 0.1 s of work at 512 pixels.
  LaunchRequest synthJob(const QString& name, int dates) const {
    LaunchRequest request;
    request.name = name.toStdString();
    request.runDir = path("runs/" + name).toStdString();
    request.workDir = mDir.path().toStdString();
    request.arguments = {"synth", "hls", "--dates", std::to_string(dates), "--size", "512", "--out", path(name).toStdString()};
    return request;
  }

  JobState follow(const JobHandle& handle, int seconds) {
    JobState state = JobState::Unknown;
    test::waitUntil([&] { return isFinal(state = mLocal.state(handle)); }, seconds);
    return state;
  }

 private Q_SLOTS:
  void initTestCase() { QVERIFY(mDir.isValid()); }

  void storesJobsInTheProject() {
    const std::string file = path("store.gpkg").toStdString();
    {
      auto project = ProjectStore::create(file);
      QCOMPARE(project->schemaVersion(), ProjectStore::latestSchemaVersion());
      JobStore store(*project);
      JobRecord record;
      record.name = "flood-ft";
      record.kind = "finetune";
      record.request = synthJob("stored", 1);
      record.request.options = {{"partition", "gpu"}, {"time", "01:00:00"}};
      record.request.nodes = 2;
      record.request.processesPerNode = 4;
      record.request.gpusPerNode = 4;
      record.handle = {"slurm", "4242", {{"output", "/runs/x/slurm-4242.out"}, {"run_dir", "/runs/x"}}};
      record.state = JobState::Running;
      record.progress = 0.25;
      store.add(record);
      QVERIFY(record.id > 0);
      QVERIFY(record.submitted.isValid());
      JobRecord second = record;
      second.name = "later";
      store.add(second);
      QVERIFY(second.id > record.id);

      record.state = JobState::Failed;
      record.error = "rank 1 ran out of memory";
      record.finished = QDateTime::currentDateTimeUtc();
      store.update(record);
    }
    // Read back by a new connection, as after a restart.
    auto project = ProjectStore::open(file);
    JobStore store(*project);
    const std::vector<JobRecord> jobs = store.jobs();
    QCOMPARE(int(jobs.size()), 2);
    QCOMPARE(jobs[0].name, std::string("later"));  // newest first
    const JobRecord& job = jobs[1];
    QCOMPARE(job.kind, std::string("finetune"));
    QCOMPARE(job.state, JobState::Failed);
    QCOMPARE(job.error, std::string("rank 1 ran out of memory"));
    QVERIFY(job.finished.isValid());
    QCOMPARE(*job.progress, 0.25);
    QCOMPARE(job.handle.backend, std::string("slurm"));
    QCOMPARE(job.handle.id, std::string("4242"));
    QCOMPARE(job.handle.details.at("output"), std::string("/runs/x/slurm-4242.out"));
    QCOMPARE(job.request.arguments, synthJob("stored", 1).arguments);
    QCOMPARE(job.request.nodes, 2);
    QCOMPARE(job.request.processesPerNode, 4);
    QCOMPARE(job.request.gpusPerNode, 4);
    QCOMPARE(job.request.options.at("time"), std::string("01:00:00"));
    store.remove(job.id);
    QVERIFY(!store.job(job.id));
    QCOMPARE(int(store.jobs().size()), 1);
    JobRecord missing;
    missing.id = 999;
    QVERIFY_THROWS_EXCEPTION(Error, store.update(missing));
    QVERIFY_THROWS_EXCEPTION(Error, requestFromJson("not json"));
    QVERIFY_THROWS_EXCEPTION(Error, makeLaunchBackend("pbs", "prithvi"));
  }

  void readsTheEventLogInPieces() {
    const std::string log =
        eventLine("\"event\":\"started\",\"job\":\"finetune\"") +
        eventLine("\"event\":\"progress\",\"job\":\"finetune\",\"step\":10,\"total\":40,\"eta_s\":30,\"message\":\"training\"") +
        eventLine("\"event\":\"metric\",\"job\":\"finetune\",\"name\":\"loss\",\"value\":0.9,\"step\":10,\"split\":\"train\"") +
        eventLine("\"event\":\"metric\",\"job\":\"finetune\",\"name\":\"loss\",\"value\":0.7,\"step\":20,\"split\":\"train\"") +
        "Traceback: not an event\n" +
        // Resumed from the step-10 checkpoint: step 20 again, with another value.
        eventLine("\"event\":\"metric\",\"job\":\"finetune\",\"name\":\"loss\",\"value\":0.6,\"step\":20,\"split\":\"train\"") +
        eventLine("\"event\":\"metric\",\"job\":\"finetune\",\"name\":\"miou\",\"value\":0.5,\"step\":20,\"split\":\"val\"") +
        eventLine("\"event\":\"log\",\"job\":\"finetune\",\"level\":\"warning\",\"text\":\"slow disk\"") +
        eventLine("\"event\":\"finished\",\"job\":\"finetune\",\"status\":\"failed\",\"error\":\"out of memory\"");
    // Byte by byte, in uneven pieces: the same as all at once.
    JobLogReader pieces;
    for (size_t at = 0; at < log.size(); at += 7) pieces.feed(log.substr(at, 7));
    JobLogReader whole;
    whole.update(log);
    for (const JobLogReader* reader : {&pieces, &whole}) {
      QCOMPARE(reader->step(), int64_t(10));
      QCOMPARE(reader->total(), int64_t(40));
      QCOMPARE(*reader->fraction(), 0.25);
      QCOMPARE(*reader->etaSeconds(), 30.0);
      QCOMPARE(reader->message(), std::string("training"));
      const auto& loss = reader->metrics().at("loss (train)");
      QCOMPARE(int(loss.size()), 2);
      QCOMPARE(loss[1].step, int64_t(20));
      QCOMPARE(loss[1].value, 0.6);
      QCOMPARE(reader->metrics().at("miou (val)").front().value, 0.5);
      QCOMPARE(reader->lines(), (std::vector<std::string>{"step 10  loss (train) = 0.9", "step 20  loss (train) = 0.7",
                                                          "Traceback: not an event", "step 20  loss (train) = 0.6",
                                                          "step 20  miou (val) = 0.5", "[warning] slow disk",
                                                          "[failed] out of memory"}));
      QVERIFY(reader->finished());
      QCOMPARE(reader->finished()->status, std::string("failed"));
    }
    // Growing output is read incrementally; output that starts over (a retried job) resets.
    JobLogReader growing;
    growing.update(log.substr(0, 200));
    growing.update(log);
    QCOMPARE(growing.metrics().at("loss (train)").size(), size_t(2));
    growing.update(eventLine("\"event\":\"progress\",\"job\":\"finetune\",\"step\":1,\"total\":5"));
    QCOMPARE(growing.step(), int64_t(1));
    QVERIFY(growing.metrics().empty());
    QVERIFY(!growing.finished());
  }

  void probesDetachedJobs() {
    QCOMPARE(jobs::stateFromProbe("running\n"), JobState::Running);
    QCOMPARE(jobs::stateFromProbe("stopped\n" + eventLine("\"event\":\"finished\",\"job\":\"x\",\"status\":\"ok\"")), JobState::Succeeded);
    QCOMPARE(jobs::stateFromProbe("stopped\n"), JobState::Failed);
    QCOMPARE(jobs::stateFromProbe("garbage"), JobState::Unknown);
    LaunchRequest request = synthJob("ranks", 1);
    request.processesPerNode = 3;
    const std::vector<std::string> command = jobs::prithviCommand("prithvi", request);
    QCOMPARE(std::vector<std::string>(command.begin(), command.begin() + 7),
             (std::vector<std::string>{"prithvi", "launch", "--backend", "local", "--nproc", "3", "--"}));
    QCOMPARE(command.back(), std::string("jsonl"));
  }

  void runsALocalJobToTheEnd() {
    const LaunchRequest request = synthJob("done", 3);
    const std::string rendered = mLocal.render(request);
    QVERIFY2(rendered.find("setsid") != std::string::npos && rendered.find("synth hls") != std::string::npos, rendered.c_str());
    JobRecord record = launchJob(mLocal, request, nullptr);
    QCOMPARE(record.kind, std::string("synth"));
    QCOMPARE(record.handle.backend, std::string("local"));
    QCOMPARE(follow(record.handle, 120), JobState::Succeeded);
    const JobPoll poll = pollJob(record, mLocal);
    QCOMPARE(poll.state, JobState::Succeeded);
    QCOMPARE(*poll.progress, 1.0);
    QVERIFY(applyPoll(record, poll));
    QVERIFY(record.finished.isValid());
    QVERIFY(QFile::exists(path("done")));
    QVERIFY(QFile::exists(path("runs/done/job.log")));

    LaunchRequest twoNodes = request;
    twoNodes.nodes = 2;
    QVERIFY_THROWS_EXCEPTION(Error, mLocal.render(twoNodes));
    LaunchRequest noRun = request;
    noRun.runDir.clear();
    QVERIFY_THROWS_EXCEPTION(Error, mLocal.render(noRun));
  }

  void cancelsAndNoticesAKilledJob() {
    // Long enough to be caught running: 200 dates at 512 pixels.
    const JobHandle canceled = mLocal.submit(synthJob("canceled", 200));
    QVERIFY(test::waitUntil([&] { return mLocal.logs(canceled).find("\"progress\"") != std::string::npos; }, 60));
    QCOMPARE(mLocal.state(canceled), JobState::Running);
    mLocal.cancel(canceled);
    QCOMPARE(follow(canceled, 60), JobState::Canceled);
    mLocal.cancel(canceled);  // an ended job: nothing to do, no error

    // Killed outright: no `finished` event, so it failed.
    const JobHandle killed = mLocal.submit(synthJob("killed", 200));
    QVERIFY(test::waitUntil([&] { return mLocal.logs(killed).find("\"progress\"") != std::string::npos; }, 60));
    ::kill(-std::stoi(killed.id), SIGKILL);
    QCOMPARE(follow(killed, 30), JobState::Failed);
  }

  void launchesAndFollowsFromTheCli() {
    const QString project = path("cli.gpkg");
    QCOMPARE(test::runPrithvi({"project", "create", project}).code, 0);
    const test::ProcessRun launched = test::runPrithvi({"launch", "--project", project, "--run", path("runs/cli"), "--wait", "--",
                                                        "synth", "hls", "--dates", "2", "--size", "256", "--out", path("cli")});
    QVERIFY2(launched.code == 0, launched.err.constData());
    QVERIFY2(launched.out.contains("job 1 succeeded"), launched.out.constData());
    const test::ProcessRun listed = test::runPrithvi({"jobs", "list", project, "--json"});
    QCOMPARE(listed.code, 0);
    const QJsonArray jobs = QJsonDocument::fromJson(listed.out).array();
    QCOMPARE(jobs.size(), 1);
    QCOMPARE(jobs[0]["state"].toString(), QStringLiteral("succeeded"));
    QCOMPARE(jobs[0]["kind"].toString(), QStringLiteral("synth"));
    QCOMPARE(jobs[0]["progress"].toDouble(), 1.0);
    // Retry: the same request as a new job.
    const test::ProcessRun retried = test::runPrithvi({"jobs", "retry", project, "1", "--wait"});
    QVERIFY2(retried.code == 0, retried.err.constData());
    QCOMPARE(QJsonDocument::fromJson(test::runPrithvi({"jobs", "list", project, "--json"}).out).array().size(), 2);
    // The script a Slurm submission would use, without submitting.
    const test::ProcessRun rendered = test::runPrithvi({"launch", "--backend", "slurm", "--render", "--nproc", "2", "--run",
                                                        "/scratch/r", "--set", "partition=gpu", "--", "finetune", "--run", "/scratch/r"});
    QVERIFY2(rendered.code == 0, rendered.err.constData());
    QVERIFY(rendered.out.contains("#SBATCH --partition=gpu"));
    QCOMPARE(test::runPrithvi({"jobs", "show", project, "7"}).code, 3);  // no such job
    QCOMPARE(test::runPrithvi({"launch", "--backend", "pbs", "--project", project, "--", "synth"}).code, 2);
  }
};

QTEST_GUILESS_MAIN(TestJobs)
#include "test_jobs.moc"
