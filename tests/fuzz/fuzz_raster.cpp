// Fuzz target: a raster file as RasterSource::open reads it (GDAL with the drivers the program
// allows: GeoTIFF/COG, VRT, Zarr, GPKG, PNG, JPEG, ...), then a few small reads of its pixels.
// The input lives in GDAL's /vsimem/ (RasterSource::open takes any GDAL path).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_vsi.h>

#include "core/base/Error.h"
#include "core/raster/RasterSource.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Quiet, bounded and local: GDAL's block cache stays small, nothing is looked up beside the
  // file, no .aux.xml is read or written.
  CPLSetConfigOption("GDAL_CACHEMAX", "64");
  CPLSetConfigOption("GDAL_PAM_ENABLED", "NO");
  CPLSetConfigOption("GDAL_DISABLE_READDIR_ON_OPEN", "EMPTY_DIR");
  CPLSetConfigOption("CPL_DEBUG", "OFF");
  CPLSetErrorHandler(CPLQuietErrorHandler);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/vsimem/prithvi-fuzz/input.tif";
  // Not copied, not owned: the buffer outlives the handle below.
  VSIFCloseL(VSIFileFromMemBuffer(path.c_str(), const_cast<GByte*>(data), vsi_l_offset(size), FALSE));
  try {
    prithvi::OpenLimits limits;
    limits.maxSide = 1 << 16;
    limits.maxBands = 256;
    limits.maxReadBytes = 16LL << 20;
    limits.maxBlockBytes = 64LL << 20;
    const auto source = prithvi::RasterSource::open(path, limits);
    const prithvi::RasterInfo& info = source->info();
    std::vector<int> bands;
    for (int b = 1; b <= std::min<int>(3, int(info.bands.size())); ++b) bands.push_back(b);
    // The top-left corner at full resolution, in the bands' own type and as Float32.
    const prithvi::Window corner{0, 0, std::min(info.width, 32), std::min(info.height, 32)};
    prithvi::RasterBlock block = source->read(corner, bands);
    if (block.width() > 0) (void)block.value(0, block.width() - 1, block.height() - 1);
    (void)source->read(corner, {1}, prithvi::DataType::Float32);
    // A zoomed-out view of the whole raster, only where decoding all of it stays cheap.
    if (int64_t(info.width) * info.height <= (1 << 20))
      (void)source->readResampled({0, 0, info.width, info.height}, 8, 8, bands);
    // The coarsest overview, if any.
    if (!info.overviewSizes.empty()) {
      const int level = int(info.overviewSizes.size());
      const auto [w, h] = info.overviewSizes.back();
      (void)source->readLevel(level, {0, 0, std::min(w, 16), std::min(h, 16)}, {1});
    }
  } catch (const prithvi::Error&) {
    // Refused with a message: the expected outcome for a malformed file.
  }
  VSIUnlink(path.c_str());
  return 0;
}
