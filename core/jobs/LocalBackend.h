#pragma once
// This machine: the job runs detached (core/jobs/DetachedJob.h) as `prithvi ... --events jsonl`,
// through `prithvi launch --backend local --nproc N` for N ranks, with its events and errors in
// <runDir>/job.log. Detached, it outlives the app that started it; the handle (its process id
// and log) is all a restarted app needs to find it again.

#include <string>

#include "core/jobs/LaunchBackend.h"

namespace prithvi {

class LocalBackend : public LaunchBackend {
 public:
  // `prithviProgram`: the `prithvi` program, used when the request's options carry no "prithvi".
  explicit LocalBackend(std::string prithviProgram);

  std::string name() const override { return "local"; }
  // The shell line submit() runs. Error(Usage) for more than one node or no run folder.
  std::string render(const LaunchRequest& request) const override;
  // The handle's id is the process id (also the job's process group); details: pid, log, run_dir.
  JobHandle submit(const LaunchRequest& request) override;
  JobState state(const JobHandle& handle) override;
  // <runDir>/job.log so far; empty before the job has written anything.
  std::string logs(const JobHandle& handle) override;
  // SIGTERM to every rank: they checkpoint and finish as canceled. Nothing when it has ended.
  void cancel(const JobHandle& handle) override;

  static constexpr const char* kLogName = "job.log";

 private:
  std::string mPrithvi;
};

}  // namespace prithvi
