#include "core/raster/GdalErrors.h"

#include <mutex>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal.h>

#include "core/base/Feedback.h"

namespace prithvi {

struct GdalErrorSink {
  static void CPL_STDCALL handle(CPLErr errorClass, CPLErrorNum, const char* message) {
    auto* self = static_cast<GdalErrorCapture*>(CPLGetErrorHandlerUserData());
    if (!self || !message) return;
    if (errorClass >= CE_Failure)
      self->mErrors.emplace_back(message);
    else if (errorClass == CE_Warning)
      self->mWarnings.emplace_back(message);
  }
};

GdalErrorCapture::GdalErrorCapture() { CPLPushErrorHandlerEx(&GdalErrorSink::handle, this); }

GdalErrorCapture::~GdalErrorCapture() { CPLPopErrorHandler(); }

std::string GdalErrorCapture::message(const std::string& fallback) const {
  if (mErrors.empty()) return fallback;
  std::string joined;
  for (const auto& error : mErrors) {
    if (!joined.empty()) joined += "; ";
    joined += error;
  }
  return joined;
}

void ensureGdalRegistered() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Imported files are local; never let a crafted file make GDAL reach the network.
    CPLSetConfigOption("GDAL_HTTP_TIMEOUT", "1");
    CPLSetConfigOption("CPL_VSIL_CURL_ALLOWED_EXTENSIONS", "none");
    GDALAllRegister();
  });
}

int CPL_STDCALL gdalProgress(double complete, const char*, void* argument) {
  const auto* progress = static_cast<const GdalProgress*>(argument);
  if (!progress || !progress->feedback) return TRUE;
  const double clamped = complete < 0 ? 0 : complete > 1 ? 1 : complete;
  progress->feedback->setProgress(progress->first + int64_t(clamped * double(progress->count)), progress->total,
                                  progress->message);
  return progress->feedback->isCanceled() ? FALSE : TRUE;
}

}  // namespace prithvi
