#pragma once
// GDAL reports problems through CPLError; by default they go to stderr. This collects the
// messages raised on the current thread while it lives, so they can reach the user.

#include <string>
#include <vector>

namespace prithvi {

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

}  // namespace prithvi
