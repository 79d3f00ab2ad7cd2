#include "core/jobs/LocalBackend.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include "core/base/Error.h"
#include "core/jobs/DetachedJob.h"
#include "core/jobs/JobCommands.h"

namespace prithvi {

namespace {

constexpr int kShellTimeoutMs = 30000;

struct Plan {
  std::string workDir, runDir, log, script;
};

std::string absoluteIn(const std::string& base, const std::string& path) {
  return QDir::cleanPath(QDir(QString::fromStdString(base)).absoluteFilePath(QString::fromStdString(path))).toStdString();
}

Plan makePlan(const LaunchRequest& request, const std::string& prithvi) {
  if (request.nodes != 1)
    throwUsage("the local backend runs a job on this machine; for " + std::to_string(request.nodes) +
               " nodes use Slurm or Kubernetes");
  if (request.processesPerNode < 1) throwUsage("a job needs at least one process");
  if (request.arguments.empty()) throwUsage("a job needs a command (finetune, pretrain, infer, ...)");
  if (request.runDir.empty()) throwUsage("a local job needs a run folder for its log");
  Plan plan;
  plan.workDir = absoluteIn(QDir::currentPath().toStdString(), request.workDir.empty() ? "." : request.workDir);
  plan.runDir = absoluteIn(plan.workDir, request.runDir);
  plan.log = plan.runDir + "/" + LocalBackend::kLogName;
  const std::string program = jobs::valueOr(request.options, "prithvi", prithvi);
  if (program.empty()) throwUsage("no prithvi program to start");
  plan.script = jobs::detachedStartScript(plan.workDir, plan.runDir, plan.log, jobs::prithviCommand(program, request));
  return plan;
}

std::string detail(const JobHandle& handle, const std::string& key) {
  const std::string value = jobs::valueOr(handle.details, key);
  if (value.empty()) throwUsage("the local job handle '" + handle.id + "' lacks its " + key);
  return value;
}

std::string pidOf(const JobHandle& handle) {
  const std::string pid = detail(handle, "pid");
  if (!jobs::isAllDigits(pid) || pid == "0") throwUsage("the local job handle '" + handle.id + "' has no process id");
  return pid;
}

jobs::CommandRun shell(const std::string& script, const std::string& what) {
  return jobs::runProgramChecked("/bin/sh", {"-c", script}, kShellTimeoutMs, what);
}

}  // namespace

LocalBackend::LocalBackend(std::string prithviProgram) : mPrithvi(std::move(prithviProgram)) {}

std::string LocalBackend::render(const LaunchRequest& request) const {
  const Plan plan = makePlan(request, mPrithvi);
  return "# Prithvi Studio: on this machine, in " + plan.workDir + ", detached in its own process group;\n" +
         "# its events and errors go to " + plan.log + "\n/bin/sh -c " + jobs::shellQuote(plan.script) + "\n";
}

JobHandle LocalBackend::submit(const LaunchRequest& request) {
  const Plan plan = makePlan(request, mPrithvi);
  if (!QFileInfo(QString::fromStdString(plan.workDir)).isDir()) throwUsage("the work folder " + plan.workDir + " does not exist");
  const std::string pid = jobs::trimmed(shell(plan.script, "starting the job").out);
  if (!jobs::isAllDigits(pid)) throwIo("the job did not report its process id: " + pid);
  JobHandle handle;
  handle.backend = name();
  handle.id = pid;
  handle.details = {{"pid", pid}, {"log", plan.log}, {"run_dir", plan.runDir}, {"work_dir", plan.workDir}};
  return handle;
}

JobState LocalBackend::state(const JobHandle& handle) {
  const jobs::CommandRun probe = jobs::runProgram("/bin/sh", {"-c", jobs::probeScript(pidOf(handle), detail(handle, "log"))},
                                                  kShellTimeoutMs);
  return probe.ok() ? jobs::stateFromProbe(probe.out) : JobState::Unknown;
}

std::string LocalBackend::logs(const JobHandle& handle) {
  return jobs::readOutputFile(detail(handle, "log"));
}

void LocalBackend::cancel(const JobHandle& handle) { shell(jobs::terminateScript(pidOf(handle)), "canceling the job"); }

}  // namespace prithvi
