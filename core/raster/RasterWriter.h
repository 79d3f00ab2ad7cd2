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

class Feedback;

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
  std::vector<std::string> categoryNames;  // band 1's value names (a class map's legend)
  // value = stored * scale + offset for every band (HLS-style Int16 reflectance x 10000).
  std::optional<double> scale;
  std::optional<double> offset;
};

// `data` holds `bands` planes of width x height values of `type`, band-sequential.
void writeRaster(const std::string& path, int width, int height, int bands, DataType type, const void* data,
                 const GeoTransform& transform, const std::string& crsWkt, const RasterWriteOptions& options = {});

// A raster written a band of rows at a time, for results larger than memory (whole-scene
// inference): rows go to an uncompressed scratch GeoTIFF beside `path`, and finish() copies it
// to `path` (COG or tiled GeoTIFF, atomically). Destroyed unfinished, it leaves nothing.
class RasterStreamWriter {
 public:
  RasterStreamWriter(const std::string& path, int width, int height, int bands, DataType type,
                     const GeoTransform& transform, const std::string& crsWkt, const RasterWriteOptions& options = {});
  ~RasterStreamWriter();
  RasterStreamWriter(const RasterStreamWriter&) = delete;
  RasterStreamWriter& operator=(const RasterStreamWriter&) = delete;

  // `data` holds `bands` planes of width x rows values, band-sequential.
  void writeRows(int y, int rows, const void* data);
  // Metadata known only at the end (counts), added before finish().
  void addMetadata(const std::string& key, const std::string& value);
  void finish(Feedback* feedback = nullptr);

 private:
  void removeScratch();
  std::string mPath;
  std::string mScratch;
  int mWidth, mHeight, mBands;
  DataType mType;
  RasterWriteOptions mOptions;
  void* mDataset = nullptr;  // GDALDatasetH
};

}  // namespace prithvi
