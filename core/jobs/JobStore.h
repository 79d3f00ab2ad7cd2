#pragma once
// The jobs of a project (its `jobs` table): every launched job with its request (to run it
// again), its backend handle (to find it again after the app restarts) and its last known state.
// Also the one place that asks a backend where a job stands and records the answer, for the app
// and `prithvi jobs` alike.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <QDateTime>

#include "core/jobs/LaunchBackend.h"

namespace prithvi {

class ProjectStore;

struct JobRecord {
  int64_t id = 0;
  std::string name;
  std::string kind;  // what it runs: the subcommand (finetune, pretrain, infer, ...)
  LaunchRequest request;
  JobHandle handle;  // handle.backend is always set; the id once submitted
  JobState state = JobState::Pending;
  std::optional<double> progress;  // 0..1, last seen
  std::string error;
  QDateTime submitted, finished;
};

bool isFinal(JobState state);
// jobStateName's inverse; Unknown for anything else.
JobState jobStateFromName(const std::string& name);

std::string requestToJson(const LaunchRequest& request);
// Error(BadInput) for text that is not a stored request.
LaunchRequest requestFromJson(const std::string& json);

// local | ssh | slurm | k8s; Error(Usage) for another name. `prithviProgram` is the program the
// local and Slurm backends start when a request names none.
std::unique_ptr<LaunchBackend> makeLaunchBackend(const std::string& name, const std::string& prithviProgram);
const std::vector<std::string>& launchBackendNames();

class JobStore {
 public:
  explicit JobStore(ProjectStore& project);

  // Inserts the record (its id and submitted time are set here).
  void add(JobRecord& record);
  // Writes the handle, state, progress, error and finished time.
  void update(const JobRecord& record);
  std::vector<JobRecord> jobs();  // newest first
  std::optional<JobRecord> job(int64_t id);
  void remove(int64_t id);

 private:
  ProjectStore& mProject;
};

// Submits the request through the backend and records it in `store` (when given) as running or
// pending; its kind is the request's subcommand. Error(Io/Usage) from the backend, nothing stored.
JobRecord launchJob(LaunchBackend& backend, const LaunchRequest& request, JobStore* store);

// Where a job stands now, from its backend. A state the backend cannot tell (a host that does
// not answer) keeps the last known one and reports reachable = false.
struct JobPoll {
  JobState state = JobState::Unknown;
  bool reachable = true;
  std::string log;    // the job's output so far (events and errors)
  std::optional<double> progress;  // 0..1, from its last progress event
  std::string error;  // why it failed, from its `finished` event or the backend
};
// Asks the backend (slow: ssh, kubectl; keep it off the GUI thread). Does not touch the project.
JobPoll pollJob(const JobRecord& record, LaunchBackend& backend);
// Folds a poll into the record: state, progress and error; the finished time once final. True
// when something changed.
bool applyPoll(JobRecord& record, const JobPoll& poll);

}  // namespace prithvi
