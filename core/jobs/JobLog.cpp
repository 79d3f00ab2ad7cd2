#include "core/jobs/JobLog.h"

#include <algorithm>
#include <cstdio>

namespace prithvi {

namespace {
constexpr size_t kHeadBytes = 256;
constexpr size_t kMaxLines = 5000;  // a chatty job keeps its last lines
}  // namespace

std::optional<double> JobLogReader::fraction() const {
  if (mTotal <= 0) return std::nullopt;
  return std::clamp(double(mStep) / double(mTotal), 0.0, 1.0);
}

void JobLogReader::feed(const std::string& text) {
  if (mHead.size() < kHeadBytes) mHead += text.substr(0, kHeadBytes - mHead.size());
  mConsumed += text.size();
  mPartial += text;
  size_t begin = 0;
  for (size_t end; (end = mPartial.find('\n', begin)) != std::string::npos; begin = end + 1)
    line(mPartial.substr(begin, end - begin));
  mPartial.erase(0, begin);
}

void JobLogReader::update(const std::string& whole) {
  if (whole.size() < mConsumed || whole.compare(0, mHead.size(), mHead) != 0) clear();
  feed(whole.substr(mConsumed));
}

void JobLogReader::keep(std::string line) {
  if (mLines.size() >= kMaxLines) mLines.erase(mLines.begin(), mLines.begin() + kMaxLines / 10);
  mLines.push_back(std::move(line));
}

void JobLogReader::line(const std::string& text) {
  if (text.empty() || text == "\r") return;
  if (const std::optional<JobEvent> event = parseJobEvent(text)) add(*event);
  else keep(text);  // error output, a stray print
}

void JobLogReader::add(const JobEvent& event) {
  if (event.type == "progress") {
    mStep = event.step;
    mTotal = event.total;
    mEta = event.etaSeconds;
    if (!event.message.empty()) mMessage = event.message;
  } else if (event.type == "metric") {
    const std::string series = event.name + (event.split.empty() ? "" : " (" + event.split + ")");
    char text[64];
    std::snprintf(text, sizeof text, "%.6g", event.value);
    keep("step " + std::to_string(event.step) + "  " + series + " = " + text);
    auto& curve = mMetrics[series];
    // A resumed run repeats steps after its checkpoint: the later value replaces the earlier.
    while (!curve.empty() && curve.back().step >= event.step) curve.pop_back();
    curve.push_back({event.step, event.value});
  } else if (event.type == "log") {
    keep("[" + event.level + "] " + event.text);
  } else if (event.type == "artifact") {
    mArtifacts.push_back(event);
  } else if (event.type == "finished") {
    mFinished = event;
    if (!event.error.empty()) keep("[" + event.status + "] " + event.error);
  } else if (event.type == "started") {
    mFinished.reset();  // a requeued job starts again in the same output
  }
}

}  // namespace prithvi
