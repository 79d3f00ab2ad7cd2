#pragma once
// Writes rasters that keep a scene's georeferencing, atomically: the file appears complete
// under its name or not at all (temp file in the same folder, fsync, rename).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/raster/GeoTransform.h"
#include "core/raster/RasterSource.h"

namespace prithvi {

struct PaletteEntry {
  uint8_t red = 0;
  uint8_t green = 0;
  uint8_t blue = 0;
  uint8_t alpha = 255;
};

struct RasterWriteOptions {
  bool cog = true;               // Cloud-Optimized GeoTIFF (tiled, overviews); else a tiled GeoTIFF
  std::string compression = "DEFLATE";
  std::optional<double> nodata;
  std::vector<std::string> bandDescriptions;
  std::vector<std::pair<std::string, std::string>> metadata;
  // A colour table (entry i colours value i) for one-band Byte or UInt16 rasters, which viewers
  // such as QGIS then draw as classes; Error(Usage) for other rasters. COG overviews of a
  // paletted raster are resampled by nearest neighbour, so they keep class values.
  std::vector<PaletteEntry> palette;
};

// `data` holds `bands` planes of width x height values of `type`, band-sequential.
void writeRaster(const std::string& path, int width, int height, int bands, DataType type, const void* data,
                 const GeoTransform& transform, const std::string& crsWkt, const RasterWriteOptions& options = {});

}  // namespace prithvi
