#pragma once
// The job event protocol of ARCHITECTURE.md as JSON Lines: started, progress, metric, log,
// artifact, finished. One writer per job; lines are flushed as written so a parent process
// (the GUI, ssh, Slurm) sees them live.

#include <chrono>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>

namespace prithvi {

class Feedback;

class JobEventWriter {
 public:
  explicit JobEventWriter(std::FILE* out, std::string job);

  void started();
  void progress(int64_t step, int64_t total, const std::string& message);
  void metric(const std::string& name, double value, int64_t step, const std::string& split);
  void log(const std::string& level, const std::string& text);
  void artifact(const std::string& path, const std::string& kind);
  // status: ok | canceled | failed
  void finished(const std::string& status, const std::string& error = {});

  // Routes a Feedback's progress and log to this writer (progress at most every 100 ms).
  void attach(Feedback& feedback);

 private:
  void write(const std::string& line);
  std::FILE* mOut;
  std::string mJob;
  std::mutex mMutex;
  std::chrono::steady_clock::time_point mStart;
  std::chrono::steady_clock::time_point mLastProgress;
};

// One event read back (the GUI's side of the protocol). Fields not in the event keep defaults.
struct JobEvent {
  std::string type;  // started | progress | metric | log | artifact | finished
  std::string job;
  int64_t step = 0, total = 0;  // progress, metric (step)
  std::optional<double> etaSeconds;
  std::string message;                 // progress
  std::string name, split;             // metric
  double value = 0;
  std::string level, text;             // log
  std::string path, kind;              // artifact
  std::string status, error;           // finished
};
// nullopt for a line that is not a JSON event (a stray print), so readers can log it instead.
std::optional<JobEvent> parseJobEvent(const std::string& line);

}  // namespace prithvi
