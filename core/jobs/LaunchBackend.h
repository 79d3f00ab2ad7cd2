#pragma once
// Where a long job runs: this machine, another one over SSH, a Slurm cluster or a Kubernetes
// cluster. Every backend starts the same thing, `prithvi <subcommand> ... --events jsonl` on each
// rank (ARCHITECTURE.md: the job protocol), and answers the same questions: what will you run
// (render, shown to the user before submitting), submit, state, logs, cancel. Scheduling is the
// engine's (Slurm, Kubernetes); nothing here queues or places work itself.

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace prithvi {

struct LaunchRequest {
  std::string name;                    // job name, [a-z0-9-], shown by squeue / kubectl
  std::vector<std::string> arguments;  // after `prithvi`: {"finetune", "--task", "flood", ...}
  int nodes = 1;
  int processesPerNode = 1;            // ranks per node (GPUs per node when gpusPerNode > 0)
  int gpusPerNode = 0;
  std::string runDir;                  // the run folder (checkpoints, events.jsonl), as the job sees it
  std::string workDir;                 // where the job starts, as the job sees it
  // > 0: an array of this many independent tasks (a Slurm job array, a Kubernetes Indexed Job,
  // one task after another locally) instead of ranks of one job; each task runs the command
  // with PRITHVI_TASK_INDEX (0-based) and PRITHVI_TASK_COUNT set. Tasks have one process each.
  int arrayTasks = 0;
  // Backend settings: slurm: partition, account, time (HH:MM:SS), requeue (1/0), prithvi (path
  // of the program on the nodes); ssh: host, remote_dir, prithvi; k8s: image, namespace,
  // volume_claim, cpu, memory.
  std::map<std::string, std::string> options;
};

// A submitted job, enough to find it again after the app restarts.
struct JobHandle {
  std::string backend;  // local | ssh | slurm | k8s
  std::string id;       // pid, "host:pid", Slurm job id, Kubernetes job name
  std::map<std::string, std::string> details;  // what the backend needs besides the id (host, namespace)
};

enum class JobState { Pending, Running, Succeeded, Failed, Canceled, Unknown };
const char* jobStateName(JobState state);  // pending, running, succeeded, failed, canceled, unknown

class LaunchBackend {
 public:
  virtual ~LaunchBackend() = default;
  virtual std::string name() const = 0;
  // What submit() would run, for the user to read first: a batch script, a YAML manifest, the
  // command lines. Error(Usage) for a request the backend cannot run (a missing option).
  virtual std::string render(const LaunchRequest& request) const = 0;
  // Error(Io) with the engine's own message when it refuses (sbatch, kubectl, ssh).
  virtual JobHandle submit(const LaunchRequest& request) = 0;
  virtual JobState state(const JobHandle& handle) = 0;
  // The job's output so far (rank 0's event stream and log).
  virtual std::string logs(const JobHandle& handle) = 0;
  virtual void cancel(const JobHandle& handle) = 0;
};

}  // namespace prithvi
