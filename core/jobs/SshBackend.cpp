#include "core/jobs/SshBackend.h"

#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QString>
#include <QStringList>

#include <algorithm>

#include "core/base/Error.h"
#include "core/base/JobEvents.h"
#include "core/jobs/DetachedJob.h"
#include "core/jobs/JobCommands.h"

namespace prithvi {

namespace {

constexpr int kSshTimeoutMs = 120000;

using Command = std::vector<std::string>;
using jobs::isAllDigits;
using jobs::shellQuote;
using jobs::trimmed;

std::string option(const std::map<std::string, std::string>& options, const std::string& key,
                   const std::string& fallback = {}) {
  return jobs::valueOr(options, key, fallback);
}

// A remote path as ssh and rsync see it: absolute, or relative to the remote home ("~/" dropped,
// since the remote shell would not expand a quoted tilde).
std::string remotePath(std::string path) {
  if (path == "~") return ".";
  if (path.rfind("~/", 0) == 0) path = path.substr(2);
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path.empty() ? "." : path;
}

std::string joinPath(const std::string& base, const std::string& path) {
  if (path.empty()) return base;
  if (path[0] == '/' || path[0] == '~' || base == ".") return remotePath(path);
  return base + "/" + remotePath(path);
}

// How to reach the host: from a request's options, or back from a handle's details.
struct Connection {
  std::string host, port, identity, knownHosts, connectTimeout;

  static Connection from(const std::map<std::string, std::string>& values) {
    Connection connection;
    connection.host = option(values, "host");
    connection.port = option(values, "port");
    connection.identity = option(values, "identity");
    connection.knownHosts = option(values, "known_hosts");
    connection.connectTimeout = option(values, "connect_timeout", "15");
    if (connection.host.empty()) throwUsage("the SSH backend needs the 'host' option (host or user@host)");
    if (connection.host[0] == '-' || connection.host.find_first_of(" \t\r\n:/'\"\\") != std::string::npos)
      throwUsage("the host '" + connection.host + "' is not a host name (host or user@host)");
    if (!connection.port.empty() && !isAllDigits(connection.port)) throwUsage("the port '" + connection.port + "' is not a number");
    if (!isAllDigits(connection.connectTimeout))
      throwUsage("connect_timeout '" + connection.connectTimeout + "' is not a number of seconds");
    return connection;
  }

  void save(std::map<std::string, std::string>& details) const {
    details["host"] = host;
    if (!port.empty()) details["port"] = port;
    if (!identity.empty()) details["identity"] = identity;
    if (!knownHosts.empty()) details["known_hosts"] = knownHosts;
    details["connect_timeout"] = connectTimeout;
  }

  // ssh's value syntax for -o: a value with spaces goes in double quotes.
  static std::string optionValue(const std::string& value) {
    return value.find_first_of(" \t") == std::string::npos ? value : "\"" + value + "\"";
  }

  // `ssh <options>`, without the host: never asks anything (BatchMode), trusts a new host key
  // once, refuses a changed one.
  Command ssh() const {
    Command command = {"ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=accept-new", "-o",
                       "ConnectTimeout=" + connectTimeout};
    if (!port.empty()) command.insert(command.end(), {"-p", port});
    if (!identity.empty()) command.insert(command.end(), {"-i", identity, "-o", "IdentitiesOnly=yes"});
    if (!knownHosts.empty()) command.insert(command.end(), {"-o", "UserKnownHostsFile=" + optionValue(knownHosts)});
    return command;
  }

  Command remote(const std::string& script) const {
    Command command = ssh();
    command.push_back(host);
    command.push_back(script);
    return command;
  }

  // rsync's -e value: words split on spaces, quotes keep spaces (no backslashes).
  std::string rsyncShell() const {
    std::string text;
    for (const auto& word : ssh()) {
      std::string quoted = word;
      if (word.empty() || word.find_first_of(" '\"") != std::string::npos) {
        if (word.find('\'') == std::string::npos) quoted = "'" + word + "'";
        else if (word.find('"') == std::string::npos) quoted = "\"" + word + "\"";
        else throwUsage("an ssh setting holds both kinds of quote, which rsync cannot pass on: " + word);
      }
      text += (text.empty() ? "" : " ") + quoted;
    }
    return text;
  }

  // `rsync -a`: archive mode; --protect-args sends the file names through rsync's protocol, not
  // the remote shell, so spaces and quotes in them arrive as they are.
  Command rsync(const std::vector<std::string>& sources, const std::string& destination) const {
    Command command = {"rsync", "-a", "--protect-args", "-e", rsyncShell()};
    command.insert(command.end(), sources.begin(), sources.end());
    command.push_back(destination);
    return command;
  }
};

// Everything submit() does, worked out once (render shows the same commands).
struct Plan {
  Connection connection;
  std::string remoteDir, workDir, runDir, log;
  std::vector<std::string> syncUp;
  Command prepare, upload, start, download;
};

std::vector<std::string> splitList(const std::string& list) {
  std::vector<std::string> items;
  size_t begin = 0;
  while (begin <= list.size()) {
    size_t end = list.find(',', begin);
    if (end == std::string::npos) end = list.size();
    std::string item = list.substr(begin, end - begin);
    while (!item.empty() && item.front() == ' ') item.erase(item.begin());
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (!item.empty()) items.push_back(item);
    begin = end + 1;
  }
  return items;
}

Plan makePlan(const LaunchRequest& request, const std::string& localRunDir) {
  Plan plan;
  plan.connection = Connection::from(request.options);
  if (request.nodes != 1)
    throwUsage("the SSH backend runs a job on one host; for " + std::to_string(request.nodes) +
               " nodes use Slurm or Kubernetes");
  if (request.processesPerNode < 1) throwUsage("a job needs at least one process");
  const std::string remoteDir = option(request.options, "remote_dir");
  if (remoteDir.empty()) throwUsage("the SSH backend needs the 'remote_dir' option: the work folder on " + plan.connection.host);
  plan.remoteDir = remotePath(remoteDir);
  plan.workDir = joinPath(plan.remoteDir, request.workDir);
  plan.runDir = joinPath(plan.workDir, request.runDir.empty() ? "runs/" + (request.name.empty() ? std::string("job") : request.name)
                                                              : request.runDir);
  plan.log = plan.runDir + "/job.log";
  for (const auto& path : {plan.remoteDir, plan.workDir, plan.runDir})
    if (path.find_first_of("\r\n") != std::string::npos) throwUsage("a remote path contains a line break");

  const std::string& host = plan.connection.host;
  plan.syncUp = splitList(option(request.options, "sync_up"));
  if (!plan.syncUp.empty()) {
    plan.prepare = plan.connection.remote("mkdir -p -- " + shellQuote(plan.remoteDir));
    plan.upload = plan.connection.rsync(plan.syncUp, host + ":" + plan.remoteDir + "/");
  }

  plan.start = plan.connection.remote(jobs::detachedStartScript(
      plan.workDir, plan.runDir, plan.log, jobs::prithviCommand(option(request.options, "prithvi", "prithvi"), request)));
  std::string local = localRunDir;
  if (local.empty()) {
    const size_t slash = plan.runDir.rfind('/');
    local = "./" + (slash == std::string::npos ? plan.runDir : plan.runDir.substr(slash + 1));
  }
  while (local.size() > 1 && local.back() == '/') local.pop_back();
  plan.download = plan.connection.rsync({host + ":" + plan.runDir + "/"}, local + "/");
  return plan;
}

std::string renderCommand(const Command& command) { return jobs::shellJoin(command); }

jobs::CommandRun runCommand(const Command& command, int timeoutMs) {
  return jobs::runProgram(command[0], Command(command.begin() + 1, command.end()), timeoutMs,
                          command[0] == "rsync" ? "rsync" : "openssh-client");
}

jobs::CommandRun runChecked(const Command& command, int timeoutMs, const std::string& what) {
  return jobs::runProgramChecked(command[0], Command(command.begin() + 1, command.end()), timeoutMs, what,
                                 command[0] == "rsync" ? "rsync" : "openssh-client");
}

std::string detail(const JobHandle& handle, const std::string& key) {
  const auto found = handle.details.find(key);
  if (found == handle.details.end() || found->second.empty())
    throwUsage("the SSH job handle '" + handle.id + "' lacks its " + key);
  return found->second;
}

std::string pidOf(const JobHandle& handle) {
  const std::string pid = detail(handle, "pid");
  if (!isAllDigits(pid)) throwUsage("the SSH job handle '" + handle.id + "' has no process id");
  return pid;
}

}  // namespace

std::string SshBackend::render(const LaunchRequest& request) const {
  const Plan plan = makePlan(request, option(request.options, "local_run_dir"));
  std::string text = "# Prithvi Studio: `" + option(request.options, "prithvi", "prithvi") + "` on " + plan.connection.host +
                     " in " + plan.workDir + "; its events and errors go to " + plan.log + "\n";
  if (!plan.upload.empty()) {
    text += "# the remote work folder, and the inputs copied into it\n";
    text += renderCommand(plan.prepare) + "\n" + renderCommand(plan.upload) + "\n";
  }
  std::string script = plan.start.back();  // the remote shell's command, as it reads it
  std::replace(script.begin(), script.end(), '\n', ' ');
  text += "# the job, detached in its own process group; prints its process id. On " + plan.connection.host + ":\n#   " +
          script + "\n";
  text += renderCommand(plan.start) + "\n";
  text += "# when it has finished: the run folder back\n";
  text += renderCommand(plan.download) + "\n";
  return text;
}

JobHandle SshBackend::submit(const LaunchRequest& request) {
  const Plan plan = makePlan(request, {});
  for (const auto& path : plan.syncUp)
    if (!QFileInfo::exists(QString::fromStdString(path))) throwUsage("the input '" + path + "' to copy to the host does not exist");
  if (!plan.upload.empty()) {
    runChecked(plan.prepare, kSshTimeoutMs, "creating " + plan.remoteDir + " on " + plan.connection.host);
    runChecked(plan.upload, -1, "copying the inputs to " + plan.connection.host);
  }
  const jobs::CommandRun started = runChecked(plan.start, kSshTimeoutMs, "starting the job on " + plan.connection.host);
  std::string pid = trimmed(started.out);
  const size_t newline = pid.rfind('\n');
  if (newline != std::string::npos) pid = pid.substr(newline + 1);
  if (!isAllDigits(pid))
    throwIo("the job on " + plan.connection.host + " did not report its process id: " + trimmed(started.out + started.err));
  JobHandle handle;
  handle.backend = name();
  handle.id = plan.connection.host + ":" + pid;
  plan.connection.save(handle.details);
  handle.details["pid"] = pid;
  handle.details["remote_dir"] = plan.remoteDir;
  handle.details["work_dir"] = plan.workDir;
  handle.details["run_dir"] = plan.runDir;
  handle.details["log"] = plan.log;
  return handle;
}

JobState SshBackend::state(const JobHandle& handle) {
  const Connection connection = Connection::from(handle.details);
  const std::string pid = pidOf(handle);
  const jobs::CommandRun ran = runCommand(connection.remote(jobs::probeScript(pid, detail(handle, "log"))), kSshTimeoutMs);
  if (!ran.ok()) return JobState::Unknown;  // 255: the host cannot be reached
  return jobs::stateFromProbe(ran.out);
}

std::string SshBackend::logs(const JobHandle& handle) {
  const Connection connection = Connection::from(handle.details);
  const std::string log = detail(handle, "log");
  return runChecked(connection.remote("cat -- " + shellQuote(log)), kSshTimeoutMs, "reading " + log + " on " + connection.host).out;
}

void SshBackend::cancel(const JobHandle& handle) {
  const Connection connection = Connection::from(handle.details);
  const std::string pid = pidOf(handle);
  // Nothing to stop when it has already ended; only a failed connection is an error.
  const jobs::CommandRun ran = runCommand(connection.remote(jobs::terminateScript(pid)), kSshTimeoutMs);
  if (!ran.ok()) throwIo("cannot reach " + connection.host + " to cancel the job: " + ran.message());
}

void SshBackend::syncBack(const JobHandle& handle, const std::string& localRunDir) {
  if (localRunDir.empty()) throwUsage("syncBack needs a local folder for the run");
  const Connection connection = Connection::from(handle.details);
  if (!QDir().mkpath(QString::fromStdString(localRunDir))) throwIo("cannot create the folder " + localRunDir);
  std::string local = localRunDir;
  while (local.size() > 1 && local.back() == '/') local.pop_back();
  runChecked(connection.rsync({connection.host + ":" + detail(handle, "run_dir") + "/"}, local + "/"), -1,
             "copying the run folder back from " + connection.host);
}

}  // namespace prithvi
