#include "core/jobs/SlurmBackend.h"

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QString>
#include <QStringList>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <sstream>
#include <thread>

#include "core/base/AtomicFile.h"
#include "core/jobs/JobCommands.h"
#include "core/base/Error.h"

namespace prithvi {

namespace {

using jobs::CommandRun;
using jobs::shellQuote;
using jobs::trimmed;

CommandRun runCommand(const char* program, const std::vector<std::string>& arguments, int timeoutMs) {
  return jobs::runProgram(program, arguments, timeoutMs, "slurm-client");
}

std::string firstLine(const std::string& text) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line))
    if (!trimmed(line).empty()) return trimmed(line);
  return {};
}

bool allOf(const std::string& text, const char* extra) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || (c != '\0' && std::strchr(extra, c) != nullptr);
  });
}

// A value on an #SBATCH line. sbatch splits those lines itself (no shell): whitespace ends a
// value unless it is in double quotes, and there is no escape for a double quote or backslash,
// so such values are refused rather than passed on misread.
std::string sbatchValue(const std::string& what, const std::string& value) {
  for (char c : value)
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      throwUsage(what + " '" + value + "' holds a character an #SBATCH line cannot carry (a double quote, backslash or "
                 "control character): choose another");
  if (allOf(value, "_@%+=:,./-")) return value;
  return "\"" + value + "\"";
}

// Slurm expands %j, %x, ... in output file names; "%%" is a literal percent sign.
std::string escapePercent(const std::string& text) {
  std::string escaped;
  for (char c : text) {
    escaped += c;
    if (c == '%') escaped += '%';
  }
  return escaped;
}

std::string option(const LaunchRequest& request, const char* key) { return jobs::valueOr(request.options, key); }

const std::string& checkedJobId(const JobHandle& handle) {
  if (!allOf(handle.id, "_")) throwUsage("'" + handle.id + "' is not a Slurm job id");
  return handle.id;
}

std::string outputOf(const JobHandle& handle) {
  auto output = handle.details.find("output");
  if (output != handle.details.end() && !output->second.empty()) return output->second;
  auto runDir = handle.details.find("run_dir");
  if (runDir != handle.details.end() && !runDir->second.empty()) return SlurmBackend::outputPath(runDir->second, handle.id);
  return {};
}

}  // namespace

SlurmBackend::SlurmBackend(std::string prithviProgram) : mPrithvi(std::move(prithviProgram)) {}

std::string SlurmBackend::outputPath(const std::string& runDir, const std::string& jobId) {
  return runDir + "/slurm-" + jobId + ".out";
}

JobState SlurmBackend::stateFromSlurm(const std::string& word) {
  std::string state = trimmed(word);
  state = state.substr(0, state.find_first_of(" \t+"));  // "CANCELLED by 0", "CANCELLED+"
  std::transform(state.begin(), state.end(), state.begin(), [](char c) { return char(std::toupper(static_cast<unsigned char>(c))); });
  static const std::pair<const char*, JobState> kStates[] = {
      {"PENDING", JobState::Pending},    {"CONFIGURING", JobState::Pending}, {"REQUEUED", JobState::Pending},
      {"REQUEUE_HOLD", JobState::Pending}, {"REQUEUE_FED", JobState::Pending}, {"RESV_DEL_HOLD", JobState::Pending},
      {"RUNNING", JobState::Running},    {"COMPLETING", JobState::Running},  {"SIGNALING", JobState::Running},
      {"STAGE_OUT", JobState::Running},  {"RESIZING", JobState::Running},    {"COMPLETED", JobState::Succeeded},
      {"CANCELLED", JobState::Canceled}, {"FAILED", JobState::Failed},       {"TIMEOUT", JobState::Failed},
      {"NODE_FAIL", JobState::Failed},   {"OUT_OF_MEMORY", JobState::Failed}, {"PREEMPTED", JobState::Failed},
      {"BOOT_FAIL", JobState::Failed},   {"DEADLINE", JobState::Failed},
  };
  for (const auto& [name, value] : kStates)
    if (state == name) return value;
  return JobState::Unknown;
}

JobState SlurmBackend::combinedState(const std::vector<JobState>& tasks) {
  if (tasks.empty()) return JobState::Unknown;
  const auto any = [&](JobState state) { return std::find(tasks.begin(), tasks.end(), state) != tasks.end(); };
  // A job array is running while any task is; once all ended, one failure fails it.
  for (JobState state : {JobState::Running, JobState::Pending, JobState::Unknown, JobState::Failed, JobState::Canceled})
    if (any(state)) return state;
  return JobState::Succeeded;
}

std::string SlurmBackend::render(const LaunchRequest& request) const {
  if (request.name.empty() || request.name.size() > 200 || !allOf(request.name, "_.-"))
    throwUsage("job name '" + request.name + "' must be 1 to 200 letters, digits, '-', '_' or '.'");
  if (request.arguments.empty()) throwUsage("the job has no prithvi command to run");
  if (request.nodes < 1) throwUsage("a Slurm job needs at least one node, not " + std::to_string(request.nodes));
  if (request.processesPerNode < 1)
    throwUsage("a Slurm job needs at least one process per node, not " + std::to_string(request.processesPerNode));
  if (request.gpusPerNode < 0) throwUsage("GPUs per node cannot be negative");
  if (request.arrayTasks < 0 || request.arrayTasks > 100000) throwUsage("a job array has 1 to 100000 tasks");
  if (request.arrayTasks > 0 && (request.nodes != 1 || request.processesPerNode != 1))
    throwUsage("the tasks of a job array run one process each: leave nodes and processes per node at 1");
  if (request.runDir.empty() || request.runDir.front() != '/')
    throwUsage("the run folder must be an absolute path as the nodes see it, not '" + request.runDir + "'");
  const std::string workDir = request.workDir.empty() ? request.runDir : request.workDir;
  if (workDir.front() != '/') throwUsage("the working folder must be an absolute path as the nodes see it, not '" + workDir + "'");
  const std::string prithvi = option(request, "prithvi").empty() ? mPrithvi : option(request, "prithvi");
  if (prithvi.empty()) throwUsage("no prithvi program for the nodes: set the 'prithvi' option to its path there");
  for (const std::string& argument : request.arguments)
    if (argument.find('\0') != std::string::npos) throwUsage("a job argument holds a NUL character");

  const std::string partition = option(request, "partition");
  const std::string account = option(request, "account");
  const std::string time = option(request, "time");
  const std::string requeue = option(request, "requeue");
  if (!partition.empty() && !allOf(partition, "_.,-")) throwUsage("partition '" + partition + "' is not a Slurm partition name");
  if (!account.empty() && !allOf(account, "_.-")) throwUsage("account '" + account + "' is not a Slurm account name");
  if (!time.empty() && !allOf(time, ":-")) throwUsage("time '" + time + "' is not a Slurm time limit (HH:MM:SS, D-HH:MM:SS)");
  if (!requeue.empty() && requeue != "0" && requeue != "1") throwUsage("requeue must be 1 or 0, not '" + requeue + "'");

  std::ostringstream script;
  script << "#!/bin/bash\n"
         << "# Prithvi Studio job '" << request.name << "' for Slurm, written by the Slurm launch backend.\n"
         << "#SBATCH --job-name=" << request.name << "\n"
         << "#SBATCH --nodes=" << request.nodes << "\n"
         << "#SBATCH --ntasks-per-node=" << request.processesPerNode << "\n";
  if (request.gpusPerNode > 0) script << "#SBATCH --gpus-per-node=" << request.gpusPerNode << "\n";
  if (!partition.empty()) script << "#SBATCH --partition=" << partition << "\n";
  if (!account.empty()) script << "#SBATCH --account=" << account << "\n";
  if (!time.empty()) script << "#SBATCH --time=" << time << "\n";
  // Independent tasks: each array task is its own job with one task index.
  if (request.arrayTasks > 0) script << "#SBATCH --array=0-" << request.arrayTasks - 1 << "\n";
  // Preempted or requeued jobs run again and resume from the last checkpoint.
  script << (requeue == "0" ? "#SBATCH --no-requeue\n" : "#SBATCH --requeue\n")
         // SIGTERM to every rank two minutes before the time limit: the trainer checkpoints.
         << "#SBATCH --signal=TERM@120\n"
         // A requeued job appends to the same file, so the log holds every start.
         << "#SBATCH --open-mode=append\n"
         << "#SBATCH --output="
         << sbatchValue("run folder", escapePercent(request.runDir) + (request.arrayTasks > 0 ? "/slurm-%A_%a.out" : "/slurm-%j.out"))
         << "\n"
         << "#SBATCH --chdir=" << sbatchValue("working folder", workDir) << "\n"
         << "\n"
         << "set -eu\n";
  if (request.arrayTasks > 0)
    script << "export PRITHVI_TASK_INDEX=$SLURM_ARRAY_TASK_ID PRITHVI_TASK_COUNT=" << request.arrayTasks << "\n";
  script
         << "# The ranks meet at the first node of the allocation, on a port derived from the job id.\n"
         << "MASTER_ADDR=$(scontrol show hostnames \"$SLURM_JOB_NODELIST\" | head -n 1)\n"
         << "export MASTER_ADDR=${MASTER_ADDR:-$(hostname)}\n"
         << "export MASTER_PORT=$((10000 + SLURM_JOB_ID % 20000))\n"
         << "# One task per rank; each reads SLURM_PROCID, SLURM_NTASKS and SLURM_LOCALID. The job's output\n"
         << "# holds rank 0's standard output (the event stream) and every rank's error output.\n"
         << "exec srun --kill-on-bad-exit=1 --output=0 --error=all " << shellQuote(prithvi);
  bool events = false;
  for (size_t i = 0; i < request.arguments.size(); ++i) {
    script << " " << shellQuote(request.arguments[i]);
    if (request.arguments[i] == "--events" && i + 1 < request.arguments.size() && request.arguments[i + 1] == "jsonl") events = true;
    if (request.arguments[i] == "--events=jsonl") events = true;
  }
  if (!events) script << " --events jsonl";
  script << "\n";
  return script.str();
}

JobHandle SlurmBackend::submit(const LaunchRequest& request) {
  const std::string script = render(request);
  if (!QDir().mkpath(QString::fromStdString(request.runDir))) throwIo("cannot create the run folder " + request.runDir);
  const std::string scriptPath = request.runDir + "/" + kScriptName;
  const std::string temporary = temporaryPathFor(scriptPath);
  {
    QFile file(QString::fromStdString(temporary));
    if (!file.open(QIODevice::WriteOnly) || file.write(script.data(), qint64(script.size())) != qint64(script.size())) {
      file.remove();
      throwIo("cannot write " + scriptPath + ": " + file.errorString().toStdString());
    }
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner | QFileDevice::ReadGroup |
                        QFileDevice::ExeGroup | QFileDevice::ReadOther | QFileDevice::ExeOther);
  }
  replaceFile(temporary, scriptPath);

  const CommandRun submitted =
      runCommand("sbatch", {"--parsable", scriptPath}, mTimeoutMs);
  if (!submitted.ok()) {
    const std::string reason = submitted.message().empty() ? "exit code " + std::to_string(submitted.code) : submitted.message();
    throwIo("sbatch refused " + scriptPath + ": " + reason);
  }
  // --parsable prints "id" or "id;cluster".
  std::string id = firstLine(submitted.out);
  id = id.substr(0, id.find(';'));
  if (!allOf(id, "_")) throwIo("sbatch answered '" + trimmed(submitted.out) + "' instead of a job id");
  JobHandle handle;
  handle.backend = name();
  handle.id = id;
  handle.details = {{"script", scriptPath}, {"output", outputPath(request.runDir, id)}, {"run_dir", request.runDir}};
  if (request.arrayTasks > 0) handle.details["array_tasks"] = std::to_string(request.arrayTasks);
  return handle;
}

JobState SlurmBackend::state(const JobHandle& handle) {
  const std::string id = checkedJobId(handle);
  // Queued or running: squeue. It prints nothing (or fails with "Invalid job id") once the job
  // has left the queue.
  // Every line (or record) is one task of a job array; a plain job has one.
  const auto lineStates = [](const std::string& out) {
    std::vector<JobState> states;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);)
      if (!trimmed(line).empty()) states.push_back(stateFromSlurm(line));
    return states;
  };
  const CommandRun queued = runCommand("squeue", {"-h", "-j", id, "-o", "%T"}, mTimeoutMs);
  if (queued.ok() && !firstLine(queued.out).empty()) return combinedState(lineStates(queued.out));
  // Recently finished: the controller still knows it (MinJobAge) and is the source of truth.
  const CommandRun shown = runCommand("scontrol", {"show", "job", id}, mTimeoutMs);
  if (shown.ok()) {
    std::vector<JobState> states;
    for (auto at = shown.out.find("JobState="); at != std::string::npos; at = shown.out.find("JobState=", at + 9)) {
      const auto start = at + 9;
      states.push_back(stateFromSlurm(shown.out.substr(start, shown.out.find_first_of(" \t\n", start) - start)));
    }
    if (!states.empty()) return combinedState(states);
  }
  // Long finished: the accounting database, where there is one (slurmdbd).
  const CommandRun accounted = runCommand("sacct", {"-n", "-X", "-P", "-j", id, "-o", "State"}, mTimeoutMs);
  if (accounted.ok() && !firstLine(accounted.out).empty()) return combinedState(lineStates(accounted.out));
  return JobState::Unknown;
}

std::string SlurmBackend::logs(const JobHandle& handle) {
  const auto tasks = handle.details.find("array_tasks");
  const auto runDir = handle.details.find("run_dir");
  if (tasks != handle.details.end() && runDir != handle.details.end()) {
    std::string all;
    for (int task = 0; task < std::atoi(tasks->second.c_str()); ++task) {
      const std::string path = runDir->second + "/slurm-" + checkedJobId(handle) + "_" + std::to_string(task) + ".out";
      if (QFileInfo::exists(QString::fromStdString(path))) all += "== task " + std::to_string(task) + "\n" + jobs::readOutputFile(path);
    }
    return all;
  }
  const std::string path = outputOf(handle);
  if (path.empty()) throwUsage("the job handle names no output file or run folder");
  return jobs::readOutputFile(path);
}

void SlurmBackend::cancel(const JobHandle& handle) {
  const std::string id = checkedJobId(handle);
  const CommandRun canceled = runCommand("scancel", {id}, mTimeoutMs);
  if (canceled.ok()) return;
  if (canceled.err.find("already completing or completed") != std::string::npos) return;
  throwIo("scancel " + handle.id + " failed: " + (canceled.message().empty() ? "exit code " + std::to_string(canceled.code) : canceled.message()));
}

void SlurmBackend::requeue(const JobHandle& handle, bool startNow) {
  const std::string id = checkedJobId(handle);
  const CommandRun requeued = runCommand("scontrol", {"requeue", id}, mTimeoutMs);
  if (!requeued.ok())
    throwIo("scontrol requeue " + handle.id + " failed: " + trimmed(requeued.err));
  if (!startNow) return;
  // The job first ends (COMPLETING) and only then waits in the queue again; its start time can
  // be changed once it is pending.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(mTimeoutMs);
  for (;;) {
    const CommandRun queued = runCommand("squeue", {"-h", "-j", id, "-o", "%T"}, mTimeoutMs);
    const std::string word = firstLine(queued.out);
    if (word == "PENDING") break;
    if (std::chrono::steady_clock::now() > deadline)
      throwIo("job " + handle.id + " was requeued but is '" + word + "', not pending, after " + std::to_string(mTimeoutMs / 1000) + " s");
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  const CommandRun updated =
      runCommand("scontrol", {"update", "JobId=" + id, "StartTime=now"}, mTimeoutMs);
  if (!updated.ok())
    throwIo("scontrol update JobId=" + handle.id + " StartTime=now failed: " + trimmed(updated.err));
}

}  // namespace prithvi
