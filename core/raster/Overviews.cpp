#include "core/raster/Overviews.h"

#include <algorithm>

#include <gdal.h>

#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/raster/GdalErrors.h"
#include "core/raster/RasterSource.h"

namespace prithvi {

namespace {
int CPL_STDCALL overviewProgress(double complete, const char*, void* data) {
  auto* feedback = static_cast<Feedback*>(data);
  if (!feedback) return TRUE;
  feedback->setProgress(int64_t(complete * 1000), 1000, "building overviews");
  return feedback->isCanceled() ? FALSE : TRUE;
}
}  // namespace

std::vector<int> overviewFactorsFor(int width, int height, int minSide) {
  std::vector<int> factors;
  for (int factor = 2; std::min(width, height) / (factor / 2) > minSide; factor *= 2) factors.push_back(factor);
  return factors;
}

std::vector<int> buildOverviews(const std::string& path, Feedback* feedback, OverviewPlacement placement,
                                const std::string& resampling) {
  // Validate (drivers, dimensions) through the same gate as every read.
  const auto source = RasterSource::open(path);
  std::vector<int> factors = overviewFactorsFor(source->info().width, source->info().height);
  if (factors.empty()) return factors;
  std::string why;
  // GDAL writes internal overviews in update mode and an external .ovr in read-only mode.
  GDALDatasetH dataset = openGdalDataset(path, &why, placement == OverviewPlacement::Internal);
  if (!dataset) throwIo("cannot open " + path + " to build overviews: " + why);
  GdalErrorCapture capture;
  const CPLErr result = GDALBuildOverviews(dataset, resampling.c_str(), int(factors.size()), factors.data(), 0,
                                           nullptr, overviewProgress, feedback);
  const bool canceled = isCanceled(feedback);
  GDALClose(dataset);
  if (canceled) throw Error(ErrorKind::Canceled, "overview building canceled");
  if (result != CE_None) throwIo("building overviews of " + path + " failed: " + capture.message());
  return factors;
}

}  // namespace prithvi
