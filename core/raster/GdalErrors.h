#pragma once
// GDAL reports problems through CPLError; by default they go to stderr. This collects the
// messages raised on the current thread while it lives, so they can reach the user.

#include <cstdint>
#include <string>
#include <vector>

#include <cpl_port.h>

namespace prithvi {

class Feedback;

class GdalErrorCapture {
 public:
  GdalErrorCapture();
  ~GdalErrorCapture();
  GdalErrorCapture(const GdalErrorCapture&) = delete;
  GdalErrorCapture& operator=(const GdalErrorCapture&) = delete;

  const std::vector<std::string>& errors() const { return mErrors; }
  const std::vector<std::string>& warnings() const { return mWarnings; }
  // The errors joined with "; ", or `fallback` when GDAL said nothing.
  std::string message(const std::string& fallback = "unknown GDAL error") const;

 private:
  friend struct GdalErrorSink;
  std::vector<std::string> mErrors;
  std::vector<std::string> mWarnings;
};

// Calls GDALAllRegister once and sets the process-wide options the project relies on.
void ensureGdalRegistered();

// Lets a GDAL operation report into a Feedback: pass gdalProgress as its GDALProgressFunc and a
// GdalProgress* as the argument. GDAL's 0..1 becomes steps first .. first + count of `total`,
// and GDAL stops (its callback returns FALSE) once the feedback is canceled; the caller then
// throws with throwIfCanceled(feedback).
struct GdalProgress {
  Feedback* feedback = nullptr;  // may be null
  int64_t first = 0;
  int64_t count = 1000;
  int64_t total = 1000;
  std::string message;
};
int CPL_STDCALL gdalProgress(double complete, const char* message, void* progress);

}  // namespace prithvi
