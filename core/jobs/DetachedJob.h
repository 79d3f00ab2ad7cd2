#pragma once
// A job started detached from whoever started it, on this machine (LocalBackend) or over ssh
// (SshBackend): the same shell lines run through `sh -c` or `ssh host`. The job becomes its own
// process group (setsid) so one signal reaches every rank, writes its events and errors to a log
// in the run folder, and is found again later by its process id alone, so a handle survives the
// app restarting.

#include <string>
#include <vector>

#include "core/jobs/LaunchBackend.h"

namespace prithvi::jobs {

// `program <arguments> --events jsonl`, through `program launch --backend local --nproc N --`
// when the request asks for more than one process on the node.
std::vector<std::string> prithviCommand(const std::string& program, const LaunchRequest& request);

// Starts `command` in `workDir` with its output appended to `log` (the run folder is created
// first) and prints its process id, which is also its process group id.
std::string detachedStartScript(const std::string& workDir, const std::string& runDir, const std::string& log,
                                const std::vector<std::string>& command);
// Prints "running", or "stopped" and the log's last `finished` events.
std::string probeScript(const std::string& pid, const std::string& log);
// SIGTERM to the job's process group (the ranks checkpoint and finish as canceled); nothing when
// it has already ended.
std::string terminateScript(const std::string& pid);
// The state the probe's output describes: Running; after "stopped" the last `finished` event
// decides: ok -> Succeeded, canceled -> Canceled, anything else or none (killed) -> Failed.
// Unknown for output that is not a probe's.
JobState stateFromProbe(const std::string& output);

}  // namespace prithvi::jobs
