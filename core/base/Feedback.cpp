#include "core/base/Feedback.h"

#include "core/base/Error.h"

namespace prithvi {

void Feedback::throwIfCanceled() const {
  if (isCanceled()) throw Error(ErrorKind::Canceled, "canceled");
}

void Feedback::setProgressCallback(ProgressCallback callback) {
  std::lock_guard lock(mMutex);
  mProgress = std::move(callback);
}

void Feedback::setLogCallback(LogCallback callback) {
  std::lock_guard lock(mMutex);
  mLog = std::move(callback);
}

void Feedback::setProgress(int64_t step, int64_t total, const std::string& message) {
  mStep.store(step);
  mTotal.store(total);
  std::lock_guard lock(mMutex);
  if (mProgress) mProgress(step, total, message);
}

void Feedback::log(const std::string& level, const std::string& text) {
  std::lock_guard lock(mMutex);
  if (mLog) mLog(level, text);
}

void throwIfCanceled(const Feedback* feedback) {
  if (feedback) feedback->throwIfCanceled();
}

void reportProgress(Feedback* feedback, int64_t step, int64_t total, const std::string& message) {
  if (feedback) feedback->setProgress(step, total, message);
}

}  // namespace prithvi
