#include "core/jobs/DetachedJob.h"

#include <algorithm>
#include <optional>

#include "core/base/JobEvents.h"
#include "core/jobs/JobCommands.h"

namespace prithvi::jobs {

std::vector<std::string> prithviCommand(const std::string& program, const LaunchRequest& request) {
  std::vector<std::string> command = {program};
  if (request.arrayTasks > 0)
    command.insert(command.end(), {"launch", "--backend", "local", "--array", std::to_string(request.arrayTasks), "--"});
  else if (request.processesPerNode > 1)
    command.insert(command.end(), {"launch", "--backend", "local", "--nproc", std::to_string(request.processesPerNode), "--"});
  command.insert(command.end(), request.arguments.begin(), request.arguments.end());
  const auto& arguments = request.arguments;
  if (std::find(arguments.begin(), arguments.end(), "--events") == arguments.end() &&
      std::find(arguments.begin(), arguments.end(), "--events=jsonl") == arguments.end())
    command.insert(command.end(), {"--events", "jsonl"});
  return command;
}

std::string detachedStartScript(const std::string& workDir, const std::string& runDir, const std::string& log,
                                const std::vector<std::string>& command) {
  // The log is opened before the cd (a relative run folder stays right); `exec` makes the
  // background subshell become the program, so $! is its pid, and setsid makes that pid a
  // process group holding every rank. The log starts empty, so a `finished` event in it is this
  // run's.
  return "mkdir -p -- " + shellQuote(runDir) + " || exit 1; { cd -- " + shellQuote(workDir) + " && exec nohup setsid " +
         shellJoin(command) + "; } > " + shellQuote(log) + " 2>&1 < /dev/null & echo $!";
}

std::string probeScript(const std::string& pid, const std::string& log) {
  // The group first (every rank of a `prithvi launch`), the pid where no group was made.
  return "if kill -0 -" + pid + " 2>/dev/null || kill -0 " + pid +
         " 2>/dev/null; then echo running; else echo stopped; grep -F '\"finished\"' " + shellQuote(log) +
         " 2>/dev/null | tail -n 5; fi";
}

std::string terminateScript(const std::string& pid) {
  return "kill -TERM -" + pid + " 2>/dev/null || kill -TERM " + pid + " 2>/dev/null || true";
}

JobState stateFromProbe(const std::string& output) {
  const size_t end = output.find('\n');
  const std::string first = trimmed(output.substr(0, end));
  if (first == "running") return JobState::Running;
  if (first != "stopped") return JobState::Unknown;
  std::optional<JobEvent> finished;
  size_t begin = end == std::string::npos ? output.size() : end + 1;
  while (begin < output.size()) {
    size_t next = output.find('\n', begin);
    if (next == std::string::npos) next = output.size();
    if (auto event = parseJobEvent(output.substr(begin, next - begin)); event && event->type == "finished") finished = event;
    begin = next + 1;
  }
  if (!finished) return JobState::Failed;  // killed or crashed before it could say
  if (finished->status == "ok") return JobState::Succeeded;
  if (finished->status == "canceled") return JobState::Canceled;
  return JobState::Failed;
}

}  // namespace prithvi::jobs
