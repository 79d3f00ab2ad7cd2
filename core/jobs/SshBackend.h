#pragma once
// SSH: one job on another machine. The inputs are copied up with rsync, the job starts detached
// (`nohup setsid prithvi ... --events jsonl > RUN/job.log`, its own process group so a cancel
// reaches every rank), and the run folder comes back with rsync. Every later question (state,
// logs, cancel) is one short ssh command, so a handle survives the app restarting.
//
// Options (LaunchRequest::options):
//   host          the machine, `host` or `user@host` (required)
//   remote_dir    the remote work folder (required); relative paths are under the remote home.
//                 A relative workDir or runDir is taken inside it (runDir inside workDir).
//   prithvi       the program on the remote machine (default `prithvi` on the remote PATH)
//   identity      private key file (ssh -i), port: ssh port
//   known_hosts   the known-hosts file to use (default ssh's own); new host keys are accepted
//                 once (StrictHostKeyChecking=accept-new), changed ones refused
//   connect_timeout  seconds (default 15)
//   sync_up       comma-separated local paths rsynced into remote_dir before the start
//   local_run_dir where render() shows the run folder coming back (syncBack takes it as argument)
// processesPerNode > 1 runs `prithvi launch --backend local --nproc N -- ...` on the host.
// The remote login shell must be a POSIX shell (sh, bash, dash, zsh).

#include <string>
#include <vector>

#include "core/jobs/LaunchBackend.h"

namespace prithvi {

class SshBackend : public LaunchBackend {
 public:
  std::string name() const override { return "ssh"; }
  // The commands submit() runs, one per line, quoted for a local shell, and the rsync back.
  std::string render(const LaunchRequest& request) const override;
  // rsync up, then the detached start; the handle's id is "host:pid".
  JobHandle submit(const LaunchRequest& request) override;
  // Running while the job's process group lives; then the last `finished` event of the log:
  // ok -> Succeeded, canceled -> Canceled, anything else (or none: killed) -> Failed.
  // Unknown when the host cannot be reached.
  JobState state(const JobHandle& handle) override;
  // The remote log: rank 0's event stream and everyone's error output.
  std::string logs(const JobHandle& handle) override;
  // SIGTERM to the job's process group: the ranks checkpoint and finish with `canceled`.
  void cancel(const JobHandle& handle) override;
  // Copies the remote run folder into localRunDir (created when missing).
  void syncBack(const JobHandle& handle, const std::string& localRunDir);
};

}  // namespace prithvi
