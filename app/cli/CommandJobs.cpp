// prithvi launch (a training or inference command through a launch backend: local, ssh, slurm,
// k8s) and prithvi jobs (the project's jobs: list, show, logs, cancel, retry, wait).
#include <QCoreApplication>
#include <QDir>
#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTcpServer>
#include <QThread>

#include <cstdio>

#include "app/cli/Cli.h"
#include "core/base/Error.h"
#include "core/jobs/JobLog.h"
#include "core/jobs/JobStore.h"
#include "core/project/ProjectStore.h"

namespace prithvi::cli {

namespace {

QString q(const std::string& text) { return QString::fromStdString(text); }

// Starts N copies of `prithvi <subcommand...>` as the ranks of one data-parallel job, as
// torchrun does: RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR and a free MASTER_PORT. Rank 0's
// output passes through, the others' error output too. When one rank fails the others are
// asked to stop (SIGTERM: they save a checkpoint); Ctrl-C at a terminal, or a SIGTERM to the
// process group (a canceled detached job), reaches every rank.
int runRanksHere(int ranks, const QStringList& command) {
  int port = 0;
  {
    QTcpServer probe;  // a free port for the rendezvous
    if (!probe.listen(QHostAddress::LocalHost)) throwIo("cannot find a free local port for the ranks to meet");
    port = probe.serverPort();
  }
  std::vector<std::unique_ptr<QProcess>> processes;
  for (int rank = 0; rank < ranks; ++rank) {
    auto process = std::make_unique<QProcess>();
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert("RANK", QString::number(rank));
    environment.insert("LOCAL_RANK", QString::number(rank));
    environment.insert("WORLD_SIZE", QString::number(ranks));
    environment.insert("LOCAL_WORLD_SIZE", QString::number(ranks));  // each rank takes its share of the cores
    environment.insert("MASTER_ADDR", "127.0.0.1");
    environment.insert("MASTER_PORT", QString::number(port));
    process->setProcessEnvironment(environment);
    process->setProcessChannelMode(rank == 0 ? QProcess::ForwardedChannels : QProcess::ForwardedErrorChannel);
    if (rank > 0) process->setStandardOutputFile(QProcess::nullDevice());
    process->start(QCoreApplication::applicationFilePath(), command);
    if (!process->waitForStarted(30000)) throwIo("cannot start rank " + std::to_string(rank) + " of the job");
    processes.push_back(std::move(process));
  }
  int worst = 0;
  std::vector<bool> done(size_t(ranks), false);
  for (int finished = 0; finished < ranks;) {
    for (int rank = 0; rank < ranks; ++rank) {
      QProcess& process = *processes[size_t(rank)];
      if (done[size_t(rank)] || !process.waitForFinished(50)) continue;
      done[size_t(rank)] = true;
      ++finished;
      const int code = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : int(kFailure);
      if (code != 0 && worst == 0) {
        worst = code;
        if (rank > 0) printError("rank " + std::to_string(rank) + " failed with exit code " + std::to_string(code));
        for (auto& other : processes)
          if (other->state() != QProcess::NotRunning) other->terminate();  // they checkpoint and stop
      }
    }
  }
  return worst;
}

// The value of `--name VALUE` or `--name=VALUE` in a command, or "".
std::string argumentValue(const QStringList& command, const QString& name) {
  for (int i = 0; i < command.size(); ++i) {
    if (command[i] == name && i + 1 < command.size()) return command[i + 1].toStdString();
    if (command[i].startsWith(name + "=")) return command[i].mid(name.size() + 1).toStdString();
  }
  return {};
}

std::string stateWord(const JobRecord& record) {
  std::string word = jobStateName(record.state);
  if (record.progress && !isFinal(record.state)) word += " " + std::to_string(int(*record.progress * 100 + 0.5)) + "%";
  return word;
}

QJsonObject recordJson(const JobRecord& record) {
  QJsonArray arguments;
  for (const auto& argument : record.request.arguments) arguments.append(q(argument));
  QJsonObject object{{"id", double(record.id)},
                     {"name", q(record.name)},
                     {"kind", q(record.kind)},
                     {"backend", q(record.handle.backend)},
                     {"handle", q(record.handle.id)},
                     {"state", jobStateName(record.state)},
                     {"run_dir", q(record.request.runDir)},
                     {"arguments", arguments},
                     {"submitted", record.submitted.toString(Qt::ISODateWithMs)}};
  if (record.progress) object.insert("progress", *record.progress);
  if (!record.error.empty()) object.insert("error", q(record.error));
  if (record.finished.isValid()) object.insert("finished", record.finished.toString(Qt::ISODateWithMs));
  return object;
}

// Asks the job's backend where it stands, stores a change; returns the poll (its log).
JobPoll refresh(JobStore& store, JobRecord& record) {
  const auto backend = makeLaunchBackend(record.handle.backend, QCoreApplication::applicationFilePath().toStdString());
  const JobPoll poll = pollJob(record, *backend);
  if (applyPoll(record, poll)) store.update(record);
  if (!poll.reachable) printError("job " + std::to_string(record.id) + ": cannot reach its backend: " + poll.error);
  return poll;
}

int exitCodeOf(JobState state) {
  switch (state) {
    case JobState::Succeeded: return kOk;
    case JobState::Canceled: return kCanceled;
    default: return kFailure;
  }
}

// Follows a job to its end: its new log lines and progress on stderr, 2 s apart.
int follow(JobStore& store, JobRecord& record) {
  JobLogReader reader;
  size_t shownLines = 0;
  for (;;) {
    const JobPoll poll = refresh(store, record);
    reader.update(poll.log);
    if (reader.lines().size() < shownLines) shownLines = 0;
    for (; shownLines < reader.lines().size(); ++shownLines) printError(reader.lines()[shownLines]);
    if (isFinal(record.state)) break;
    if (reader.fraction())
      std::fprintf(stderr, "job %lld: %s, step %lld/%lld\n", static_cast<long long>(record.id), stateWord(record).c_str(),
                   static_cast<long long>(reader.step()), static_cast<long long>(reader.total()));
    QThread::msleep(2000);
  }
  printLine("job " + std::to_string(record.id) + " " + jobStateName(record.state) +
            (record.error.empty() ? "" : ": " + record.error));
  return exitCodeOf(record.state);
}

struct ProjectJobs {
  std::unique_ptr<ProjectStore> project;
  std::unique_ptr<JobStore> store;
  explicit ProjectJobs(const QString& path) : project(ProjectStore::open(path.toStdString())) {
    printStoreWarnings(*project);
    store = std::make_unique<JobStore>(*project);
  }
  JobRecord job(const QString& idText) {
    bool ok = false;
    const qlonglong id = idText.toLongLong(&ok);
    if (!ok) throwUsage("'" + idText.toStdString() + "' is not a job number (see prithvi jobs list)");
    auto record = store->job(id);
    if (!record) throwBadInput("there is no job " + idText.toStdString() + " in " + project->path());
    return *record;
  }
};

// The parser of a `jobs <action> PROJECT [ID]` command.
std::optional<int> parseJobAction(CommandLine& cli, const QStringList& arguments, bool needsId) {
  cli.addPositional(QStringLiteral("project"), QStringLiteral("the project (.gpkg)"));
  if (needsId) cli.addPositional(QStringLiteral("id"), QStringLiteral("the job number (prithvi jobs list)"));
  return cli.parse(arguments, needsId ? 2 : 1, needsId ? 2 : 1);
}

int jobsList(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("jobs list"), QStringLiteral("The project's jobs, newest first, as their backends see them now."));
  cli.addJsonOption();
  cli.addOption({QStringLiteral("no-refresh")}, QStringLiteral("show the stored states without asking the backends"));
  if (auto code = parseJobAction(cli, arguments, false)) return *code;
  return runCommand([&] {
    ProjectJobs jobs(cli.positional()[0]);
    std::vector<JobRecord> records = jobs.store->jobs();
    if (!cli.isSet(QStringLiteral("no-refresh")))
      for (auto& record : records)
        if (!isFinal(record.state)) refresh(*jobs.store, record);
    if (cli.json()) {
      QJsonArray array;
      for (const auto& record : records) array.append(recordJson(record));
      printJson(array);
      return int(kOk);
    }
    if (records.empty()) printLine("no jobs in " + jobs.project->path());
    for (const auto& record : records) {
      char line[512];
      std::snprintf(line, sizeof line, "%4lld  %-20s %-10s %-6s %-14s %-12s %s", static_cast<long long>(record.id),
                    record.name.c_str(), record.kind.c_str(), record.handle.backend.c_str(), record.handle.id.c_str(),
                    stateWord(record).c_str(), record.submitted.toLocalTime().toString("yyyy-MM-dd HH:mm").toUtf8().constData());
      printLine(line + (record.error.empty() ? std::string() : "  " + record.error));
    }
    return int(kOk);
  });
}

int jobsShow(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("jobs show"), QStringLiteral("One job: its request, state, progress and last metrics."));
  cli.addJsonOption();
  if (auto code = parseJobAction(cli, arguments, true)) return *code;
  return runCommand([&] {
    ProjectJobs jobs(cli.positional()[0]);
    JobRecord record = jobs.job(cli.positional()[1]);
    JobLogReader reader;
    reader.feed(refresh(*jobs.store, record).log);
    QJsonObject object = recordJson(record);
    QJsonObject metrics;
    for (const auto& [name, curve] : reader.metrics())
      if (!curve.empty()) metrics.insert(q(name), QJsonObject{{"step", double(curve.back().step)}, {"value", curve.back().value}});
    object.insert("metrics", metrics);
    object.insert("step", double(reader.step()));
    object.insert("total", double(reader.total()));
    if (cli.json()) {
      printJson(object);
      return int(kOk);
    }
    printLine("job " + std::to_string(record.id) + " '" + record.name + "': " + record.kind + " on " + record.handle.backend + " (" +
              record.handle.id + "), " + stateWord(record));
    printLine("  run folder: " + record.request.runDir);
    if (reader.total() > 0) printLine("  step " + std::to_string(reader.step()) + " of " + std::to_string(reader.total()));
    for (const auto& [name, curve] : reader.metrics())
      if (!curve.empty())
        printLine("  " + name + ": " + std::to_string(curve.back().value) + " at step " + std::to_string(curve.back().step));
    if (!record.error.empty()) printLine("  error: " + record.error);
    return int(kOk);
  });
}

int jobsLogs(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("jobs logs"), QStringLiteral("A job's output so far: its events and error output."));
  if (auto code = parseJobAction(cli, arguments, true)) return *code;
  return runCommand([&] {
    ProjectJobs jobs(cli.positional()[0]);
    JobRecord record = jobs.job(cli.positional()[1]);
    std::fputs(refresh(*jobs.store, record).log.c_str(), stdout);
    return int(kOk);
  });
}

int jobsCancel(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("jobs cancel"),
                  QStringLiteral("Cancel a job: its ranks checkpoint and stop (scancel, kubectl delete, SIGTERM)."));
  if (auto code = parseJobAction(cli, arguments, true)) return *code;
  return runCommand([&] {
    ProjectJobs jobs(cli.positional()[0]);
    JobRecord record = jobs.job(cli.positional()[1]);
    if (isFinal(record.state)) {
      printLine("job " + std::to_string(record.id) + " has already " + (record.state == JobState::Canceled ? "been canceled" : "ended"));
      return int(kOk);
    }
    makeLaunchBackend(record.handle.backend, QCoreApplication::applicationFilePath().toStdString())->cancel(record.handle);
    printLine("job " + std::to_string(record.id) + ": cancel sent");
    return int(kOk);
  });
}

int jobsRetry(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("jobs retry"),
                  QStringLiteral("Submit a finished job's request again, as a new job (a training run resumes from its last "
                                 "checkpoint)."));
  cli.addOption({QStringLiteral("wait")}, QStringLiteral("follow the new job to its end"));
  if (auto code = parseJobAction(cli, arguments, true)) return *code;
  return runCommand([&] {
    ProjectJobs jobs(cli.positional()[0]);
    const JobRecord old = jobs.job(cli.positional()[1]);
    JobRecord record = launchJob(*makeLaunchBackend(old.handle.backend, QCoreApplication::applicationFilePath().toStdString()),
                                 old.request, jobs.store.get());
    printLine("job " + std::to_string(record.id) + " submitted (" + record.handle.backend + " " + record.handle.id + ")");
    return cli.isSet(QStringLiteral("wait")) ? follow(*jobs.store, record) : int(kOk);
  });
}

int jobsWait(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("jobs wait"), QStringLiteral("Follow a job to its end; the exit code tells how it ended."));
  if (auto code = parseJobAction(cli, arguments, true)) return *code;
  return runCommand([&] {
    ProjectJobs jobs(cli.positional()[0]);
    JobRecord record = jobs.job(cli.positional()[1]);
    return follow(*jobs.store, record);
  });
}

// Runs `prithvi <subcommand...>` once per task of a job array, one after another, with
// PRITHVI_TASK_INDEX and PRITHVI_TASK_COUNT set; stops at the first task that fails.
int runTasksHere(int tasks, const QStringList& command) {
  for (int task = 0; task < tasks; ++task) {
    QProcess process;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert("PRITHVI_TASK_INDEX", QString::number(task));
    environment.insert("PRITHVI_TASK_COUNT", QString::number(tasks));
    process.setProcessEnvironment(environment);
    process.setProcessChannelMode(QProcess::ForwardedChannels);
    process.start(QCoreApplication::applicationFilePath(), command);
    if (!process.waitForStarted(30000)) throwIo("cannot start task " + std::to_string(task) + " of the job array");
    process.waitForFinished(-1);
    const int code = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : int(kFailure);
    if (code != 0) {
      printError("task " + std::to_string(task) + " of " + std::to_string(tasks) + " failed (exit code " + std::to_string(code) + ")");
      return code;
    }
  }
  return int(kOk);
}

}  // namespace

int commandLaunch(const QStringList& arguments) {
  const int split = int(arguments.indexOf(QStringLiteral("--")));
  CommandLine cli(QStringLiteral("launch"),
                  QStringLiteral("Run a command (finetune, pretrain, infer, ...) as a job: N data-parallel processes on this "
                                 "machine, on another over SSH, on a Slurm cluster or on Kubernetes.\n"
                                 "  prithvi launch --nproc 2 -- finetune --data D --run R\n"
                                 "  prithvi launch --backend slurm --nodes 2 --gpus 4 --set partition=gpu --project P.gpkg -- "
                                 "finetune ...\n"
                                 "Backend settings (--set key=value): slurm: partition, account, time, requeue; ssh: host, "
                                 "remote_dir, sync_up, identity, port, local_run_dir; k8s: image, namespace, volume_claim, "
                                 "mount_path, cpu, memory, context; every backend: prithvi (the program to start)."));
  cli.addOption({QStringLiteral("backend")}, QStringLiteral("local, ssh, slurm or k8s"), QStringLiteral("backend"), QStringLiteral("local"));
  cli.addOption({QStringLiteral("nproc")}, QStringLiteral("processes (ranks) per node"), QStringLiteral("n"), QStringLiteral("1"));
  cli.addOption({QStringLiteral("nodes")}, QStringLiteral("nodes (slurm, k8s)"), QStringLiteral("n"), QStringLiteral("1"));
  cli.addOption({QStringLiteral("gpus")}, QStringLiteral("GPUs per node"), QStringLiteral("n"), QStringLiteral("0"));
  cli.addOption({QStringLiteral("array")},
                QStringLiteral("n independent tasks instead of ranks (a Slurm job array, a Kubernetes Indexed Job, one "
                               "after another locally); each gets PRITHVI_TASK_INDEX"),
                QStringLiteral("n"), QStringLiteral("0"));
  cli.addOption({QStringLiteral("name")}, QStringLiteral("job name (default: the run folder's name)"), QStringLiteral("name"));
  cli.addOption({QStringLiteral("run")}, QStringLiteral("run folder (default: the command's --run)"), QStringLiteral("dir"));
  cli.addOption({QStringLiteral("workdir")}, QStringLiteral("where the job starts (default: here)"), QStringLiteral("dir"));
  cli.addOption({QStringLiteral("set")}, QStringLiteral("a backend setting, key=value (repeatable)"), QStringLiteral("key=value"));
  cli.addOption({QStringLiteral("project")}, QStringLiteral("record the job in this project (prithvi jobs, the jobs dock)"),
                QStringLiteral("project"));
  cli.addOption({QStringLiteral("render")}, QStringLiteral("print the batch script, manifest or command lines and stop"));
  cli.addOption({QStringLiteral("detach")}, QStringLiteral("local: start the job in the background and return"));
  cli.addOption({QStringLiteral("wait")}, QStringLiteral("follow a submitted job to its end"));
  if (auto code = cli.parse(split >= 0 ? arguments.mid(0, split) : arguments, 0, 0)) return *code;
  return runCommand([&] {
    if (split < 0 || split + 1 >= arguments.size()) throwUsage("give the command to run after '--', e.g. -- finetune --data D --run R");
    const QStringList command = arguments.mid(split + 1);
    const std::string backendName = cli.value(QStringLiteral("backend")).toStdString();
    LaunchRequest request;
    request.processesPerNode = int(cli.intValue(QStringLiteral("nproc"), 1, 256));
    request.nodes = int(cli.intValue(QStringLiteral("nodes"), 1, 4096));
    request.gpusPerNode = int(cli.intValue(QStringLiteral("gpus"), 0, 64));
    request.arrayTasks = int(cli.intValue(QStringLiteral("array"), 0, 100000));
    const bool submit = backendName != "local" || cli.isSet(QStringLiteral("detach")) || cli.isSet(QStringLiteral("project")) ||
                        cli.isSet(QStringLiteral("render"));
    if (!submit) {
      if (request.nodes != 1) throwUsage("the local backend runs on one node: use --backend slurm or k8s for more");
      if (request.arrayTasks > 0) return runTasksHere(request.arrayTasks, command);
      return runRanksHere(request.processesPerNode, command);
    }
    for (const QString& argument : command) request.arguments.push_back(argument.toStdString());
    request.runDir = cli.isSet(QStringLiteral("run")) ? cli.value(QStringLiteral("run")).toStdString() : argumentValue(command, "--run");
    request.workDir = cli.isSet(QStringLiteral("workdir")) ? cli.value(QStringLiteral("workdir")).toStdString()
                                                           : QDir::currentPath().toStdString();
    if (backendName == "local" && !request.runDir.empty())
      request.runDir = QDir(q(request.workDir)).absoluteFilePath(q(request.runDir)).toStdString();
    request.name = cli.isSet(QStringLiteral("name")) ? cli.value(QStringLiteral("name")).toStdString()
                                                     : QDir(q(request.runDir.empty() ? "job" : request.runDir)).dirName().toStdString();
    for (const QString& setting : cli.parser().values(QStringLiteral("set"))) {
      const int equals = int(setting.indexOf('='));
      if (equals <= 0) throwUsage("--set takes key=value, not '" + setting.toStdString() + "'");
      request.options[setting.left(equals).toStdString()] = setting.mid(equals + 1).toStdString();
    }
    const auto backend = makeLaunchBackend(backendName, QCoreApplication::applicationFilePath().toStdString());
    if (cli.isSet(QStringLiteral("render"))) {
      std::fputs(backend->render(request).c_str(), stdout);
      return int(kOk);
    }
    std::optional<ProjectJobs> jobs;
    if (cli.isSet(QStringLiteral("project"))) jobs.emplace(cli.value(QStringLiteral("project")));
    JobRecord record = launchJob(*backend, request, jobs ? jobs->store.get() : nullptr);
    printLine((record.id ? "job " + std::to_string(record.id) + " " : std::string("job ")) + "submitted (" + backendName + " " +
              record.handle.id + ")");
    if (!cli.isSet(QStringLiteral("wait"))) return int(kOk);
    if (!jobs) throwUsage("--wait follows a job recorded in a project: add --project");
    return follow(*jobs->store, record);
  });
}

int commandJobs(const QStringList& arguments) {
  static const std::vector<Action> kActions = {
      {"list", jobsList, "the project's jobs and where they stand"},
      {"show", jobsShow, "one job: state, progress, last metrics"},
      {"logs", jobsLogs, "a job's output so far"},
      {"cancel", jobsCancel, "cancel a job (its ranks checkpoint)"},
      {"retry", jobsRetry, "submit a job's request again"},
      {"wait", jobsWait, "follow a job to its end"},
  };
  return runAction("jobs", "jobs <action> PROJECT [ID] [options]", kActions, arguments);
}

}  // namespace prithvi::cli
