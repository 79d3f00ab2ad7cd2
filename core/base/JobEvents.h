#pragma once
// The job event protocol of ARCHITECTURE.md as JSON Lines: started, progress, metric, log,
// artifact, finished. One writer per job; lines are flushed as written so a parent process
// (the GUI, ssh, Slurm) sees them live.

#include <chrono>
#include <cstdio>
#include <mutex>
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

}  // namespace prithvi
