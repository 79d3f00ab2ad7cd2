#pragma once
// A job's output read as the event protocol (ARCHITECTURE.md): where its progress stands, its
// metric curves, its log lines and how it finished. Fed in pieces as the output grows (the app
// polls a backend's logs()), or whole (`prithvi jobs show`).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/base/JobEvents.h"

namespace prithvi {

struct MetricPoint {
  int64_t step = 0;
  double value = 0;
};

class JobLogReader {
 public:
  // Appends output; a partial last line waits for the rest.
  void feed(const std::string& text);
  // Reads `whole` (everything the job has written so far): only what is new since the last call
  // is parsed; output that no longer starts as before (a retried job's new log) starts over.
  void update(const std::string& whole);
  void clear() { *this = JobLogReader(); }
  // One event that arrived some other way (a child process the app reads itself).
  void add(const JobEvent& event);

  int64_t step() const { return mStep; }
  int64_t total() const { return mTotal; }
  std::optional<double> etaSeconds() const { return mEta; }
  const std::string& message() const { return mMessage; }
  // 0..1, or nullopt before the first progress event with a total.
  std::optional<double> fraction() const;
  // Curves by "<name> (<split>)", e.g. "loss (train)", "loss (val)", "miou (val)"; steps ascend.
  const std::map<std::string, std::vector<MetricPoint>>& metrics() const { return mMetrics; }
  // Human lines: metrics as "step N  loss (train) = 0.25", log events as "[level] text", and
  // output that is not an event (errors).
  const std::vector<std::string>& lines() const { return mLines; }
  const std::vector<JobEvent>& artifacts() const { return mArtifacts; }
  // The `finished` event, once there is one.
  const std::optional<JobEvent>& finished() const { return mFinished; }
  size_t bytesRead() const { return mConsumed; }

 private:
  void line(const std::string& text);
  void keep(std::string line);

  std::string mPartial;
  std::string mHead;  // the first bytes seen, to notice a log that was started again
  size_t mConsumed = 0;
  int64_t mStep = 0, mTotal = 0;
  std::optional<double> mEta;
  std::string mMessage;
  std::map<std::string, std::vector<MetricPoint>> mMetrics;
  std::vector<std::string> mLines;
  std::vector<JobEvent> mArtifacts;
  std::optional<JobEvent> mFinished;
};

}  // namespace prithvi
