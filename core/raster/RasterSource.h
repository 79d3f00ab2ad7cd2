#pragma once
// A raster file opened through GDAL, safe to read from many threads: each thread gets its own
// GDAL dataset handle (GDAL 3.6 datasets are not thread-safe). Open checks the file before any
// pixel is allocated (drivers allowed, dimensions capped) and turns GDAL's own messages into an
// Error the user can act on.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/raster/GeoTransform.h"

typedef void* GDALDatasetH;

namespace prithvi {

enum class DataType { Byte, UInt16, Int16, UInt32, Int32, Float32, Float64 };
const char* dataTypeName(DataType type);
int dataTypeSize(DataType type);

// One colour of a raster's colour table (entry i colours value i).
struct PaletteEntry {
  uint8_t red = 0;
  uint8_t green = 0;
  uint8_t blue = 0;
  uint8_t alpha = 255;
};

struct BandInfo {
  int index = 0;  // 1-based, as GDAL counts
  DataType type = DataType::Byte;
  std::optional<double> nodata;
  double scale = 1.0;
  double offset = 0.0;
  std::string description;
  std::string colorInterpretation;
  std::vector<PaletteEntry> palette;       // the colour table; empty when the band has none
  std::vector<std::string> categoryNames;  // name of value i (class maps); empty when none
  int blockWidth = 0;
  int blockHeight = 0;
  int overviewCount = 0;
};

struct RasterInfo {
  std::string path;
  std::string driver;
  int width = 0;
  int height = 0;
  std::vector<BandInfo> bands;
  bool hasGeoTransform = false;
  GeoTransform geoTransform;
  int epsg = 0;         // 0 when the CRS has no EPSG code or there is no CRS
  std::string crsWkt;   // empty when there is no CRS
  std::vector<std::pair<int, int>> overviewSizes;  // of band 1, finest first
  std::map<std::string, std::string> metadata;     // the dataset's default metadata domain
};

// Metadata item that marks a raster as a truth mask (its value names the mask, e.g. "water"):
// masks are labels, not imagery, so the scanner does not turn them into scenes.
constexpr const char* kTruthMaskMetadataKey = "PRITHVI_TRUTH_MASK";

// How a resampled read combines source pixels: Average for reflectance, Nearest for bit fields
// such as Fmask. A read whose output size equals its window size is always nearest.
enum class Resampling { Nearest, Average };

// A pixel window at full resolution.
struct Window {
  int x = 0;
  int y = 0;
  int width = 0;
  int height = 0;
};

// Pixels of several bands of one window, band-sequential, in one data type.
class RasterBlock {
 public:
  RasterBlock() = default;
  RasterBlock(DataType type, int width, int height, int bandCount);

  DataType type() const { return mType; }
  int width() const { return mWidth; }
  int height() const { return mHeight; }
  int bandCount() const { return mBandCount; }
  size_t bandBytes() const { return size_t(mWidth) * mHeight * dataTypeSize(mType); }
  std::byte* bandData(int band) { return mData.data() + bandBytes() * band; }
  const std::byte* bandData(int band) const { return mData.data() + bandBytes() * band; }
  template <typename T>
  const T* band(int band) const { return reinterpret_cast<const T*>(bandData(band)); }
  template <typename T>
  T* band(int band) { return reinterpret_cast<T*>(bandData(band)); }
  // Any type as double; band is 0-based within the block.
  double value(int band, int x, int y) const;

 private:
  DataType mType = DataType::Byte;
  int mWidth = 0;
  int mHeight = 0;
  int mBandCount = 0;
  std::vector<std::byte> mData;
};

struct OpenLimits {
  int64_t maxSide = 200000;          // pixels per side; a Sentinel-2 10 m tile is 10980
  int maxBands = 4096;
  int64_t maxReadBytes = 4LL << 30;  // one read may not allocate more than this
  // GDAL decodes a whole block (every band's, pixel-interleaved) to read any pixel of it. COGs
  // use 256-1024 px tiles; uncompressed strips are virtually chopped by GDAL.
  int64_t maxBlockBytes = 2LL << 30;
};

class RasterSource {
 public:
  // Throws Error(BadInput) with GDAL's message when the file cannot be used.
  static std::shared_ptr<RasterSource> open(const std::string& path, const OpenLimits& limits = {});
  ~RasterSource();
  RasterSource(const RasterSource&) = delete;
  RasterSource& operator=(const RasterSource&) = delete;

  const RasterInfo& info() const { return mInfo; }
  const std::string& path() const { return mInfo.path; }

  // Reads a window of the given 1-based bands at full resolution, in the bands' own type
  // (or `type` when given). Throws Error(Usage) for a window outside the raster.
  RasterBlock read(const Window& window, const std::vector<int>& bands,
                   std::optional<DataType> type = std::nullopt) const;
  // Reads a full-resolution window resampled to outWidth x outHeight; GDAL picks the overview
  // level that fits, so a zoomed-out view decodes few pixels.
  RasterBlock readResampled(const Window& window, int outWidth, int outHeight,
                            const std::vector<int>& bands,
                            std::optional<DataType> type = std::nullopt,
                            Resampling resampling = Resampling::Average) const;
  // The overview level (0 = full resolution) readResampled reads for these sizes: GDAL's own
  // choice (GDALBandGetBestOverviewLevel2 on band 1), for reporting it.
  int overviewLevelFor(const Window& window, int outWidth, int outHeight) const;
  // Reads a window given in the pixel grid of overview `level` (0 = full resolution).
  RasterBlock readLevel(int level, const Window& levelWindow, const std::vector<int>& bands,
                        std::optional<DataType> type = std::nullopt) const;

  // Reads one band of a full-resolution window into `destination`, which holds
  // outWidth x outHeight values of `type` (no intermediate copy).
  void readBandInto(const Window& window, int band, DataType type, int outWidth, int outHeight,
                    std::byte* destination, Resampling resampling = Resampling::Average) const;

  // A dataset handle lent to the caller alone until the lease ends (a GDAL handle is never for two
  // threads at once), then kept for the next reader: a source read from many threads holds only
  // as many handles as were ever in use together.
  class HandleLease {
   public:
    HandleLease(const RasterSource& source, GDALDatasetH handle) : mSource(source), mHandle(handle) {}
    ~HandleLease();
    HandleLease(const HandleLease&) = delete;
    HandleLease& operator=(const HandleLease&) = delete;
    GDALDatasetH get() const { return mHandle; }

   private:
    const RasterSource& mSource;
    GDALDatasetH mHandle;
  };
  HandleLease borrowHandle() const;

 private:
  RasterSource() = default;
  void checkRequest(const Window& window, int outWidth, int outHeight, const std::vector<int>& bands,
                    DataType type) const;
  void readInto(const Window& window, int outWidth, int outHeight, const std::vector<int>& bands, DataType type,
                std::byte* destination, Resampling resampling) const;

  RasterInfo mInfo;
  OpenLimits mLimits;
  mutable std::mutex mHandlesMutex;
  mutable std::vector<GDALDatasetH> mIdleHandles;
};

// A raster through a cache of open sources when it is streamed: a time series, a pan or a second
// view asks the same files again and again, and each open costs a request (or a disk read) and
// GDAL's parsing of the header. The sources used last are kept (512 of them). Local files are
// opened afresh each time: they may be rewritten.
std::shared_ptr<RasterSource> openRasterShared(const std::string& path);
// The same for several at once: streamed ones are opened in parallel (each open waits on the
// network). Throws the first failure.
std::vector<std::shared_ptr<RasterSource>> openRastersShared(const std::vector<std::string>& paths);
// Closes the kept streamed sources (a benchmark starting cold; credentials that changed).
void forgetOpenStreamedRasters();

// Opens a dataset only with drivers that are safe for untrusted imagery and that we support.
// Returns nullptr and sets *error (GDAL's message) on failure.
GDALDatasetH openGdalDataset(const std::string& path, std::string* error, bool update = false);

}  // namespace prithvi
