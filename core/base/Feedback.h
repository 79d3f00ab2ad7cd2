#pragma once
// Progress and cooperative cancel for every long job (the job protocol in ARCHITECTURE.md).
// Thread-safe: workers report and poll from any thread; the owner cancels from any thread.

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

namespace prithvi {

class Feedback {
 public:
  // Called on the reporting thread with (step, total, message). Keep it cheap.
  using ProgressCallback = std::function<void(int64_t step, int64_t total, const std::string& message)>;
  using LogCallback = std::function<void(const std::string& level, const std::string& text)>;

  void cancel() { mCanceled.store(true); }
  bool isCanceled() const { return mCanceled.load(); }
  // Throws Error(Canceled) when cancel() was called; call between steps.
  void throwIfCanceled() const;

  void setProgressCallback(ProgressCallback callback);
  void setLogCallback(LogCallback callback);

  void setProgress(int64_t step, int64_t total, const std::string& message = {});
  void log(const std::string& level, const std::string& text);

  int64_t step() const { return mStep.load(); }
  int64_t total() const { return mTotal.load(); }

 private:
  std::atomic<bool> mCanceled{false};
  std::atomic<int64_t> mStep{0};
  std::atomic<int64_t> mTotal{0};
  std::mutex mMutex;  // guards the callbacks
  ProgressCallback mProgress;
  LogCallback mLog;
};

// Feedback may be null in every API that takes it; these keep call sites short.
inline bool isCanceled(const Feedback* feedback) { return feedback && feedback->isCanceled(); }
void throwIfCanceled(const Feedback* feedback);
void reportProgress(Feedback* feedback, int64_t step, int64_t total, const std::string& message = {});

}  // namespace prithvi
