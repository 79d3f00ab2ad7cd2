#include "core/raster/RasterSource.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <list>
#include <string_view>

#include <cpl_vsi.h>

#include <gdal.h>

#include "core/base/Error.h"
#include "core/base/ThreadPool.h"
#include "core/raster/Crs.h"
#include "core/raster/GdalErrors.h"
#include "core/raster/GdalTypes.h"
#include "core/raster/RemoteRasters.h"

namespace prithvi {

namespace {

// Formats users bring: HLS and Landsat COGs/GeoTIFFs, VRT mosaics, Zarr cubes, GeoPackage
// rasters, and the common image formats. Rarely used drivers with a record of memory-safety
// bugs (HDF4, netCDF, PCIDSK, ...) stay closed to imported files.
const char* const kAllowedDrivers[] = {"GTiff", "COG", "VRT", "Zarr", "GPKG", "PNG", "JPEG",
                                       "JP2OpenJPEG", "ENVI", "HFA", "EHdr", nullptr};

std::string quoted(const std::string& path) { return "'" + path + "'"; }

// The end of the furthest block a TIFF's directory points at, of every band and overview; 0 when
// the driver does not say (not a TIFF, or too many blocks to look at). GDAL opens a TIFF cut short
// by an interrupted download or copy without complaint and fails only when a missing block is read.
uint64_t tiffDataEnd(GDALDatasetH dataset) {
  const std::string driver = GDALGetDriverShortName(GDALGetDatasetDriver(dataset));
  if (driver != "GTiff" && driver != "COG") return 0;
  constexpr int64_t kMaxBlocksChecked = 1 << 20;
  uint64_t end = 0;
  int64_t checked = 0;
  auto scan = [&](GDALRasterBandH band) {
    int blockWidth = 0, blockHeight = 0;
    GDALGetBlockSize(band, &blockWidth, &blockHeight);
    if (blockWidth < 1 || blockHeight < 1) return;
    const int columns = (GDALGetRasterBandXSize(band) + blockWidth - 1) / blockWidth;
    const int rows = (GDALGetRasterBandYSize(band) + blockHeight - 1) / blockHeight;
    for (int y = 0; y < rows; ++y)
      for (int x = 0; x < columns; ++x) {
        if (++checked > kMaxBlocksChecked) return;
        const std::string block = std::to_string(x) + "_" + std::to_string(y);
        const char* offset = GDALGetMetadataItem(band, ("BLOCK_OFFSET_" + block).c_str(), "TIFF");
        const char* size = GDALGetMetadataItem(band, ("BLOCK_SIZE_" + block).c_str(), "TIFF");
        if (offset && size) end = std::max<uint64_t>(end, std::strtoull(offset, nullptr, 10) + std::strtoull(size, nullptr, 10));
      }
  };
  for (int b = 1; b <= GDALGetRasterCount(dataset); ++b) {
    GDALRasterBandH band = GDALGetRasterBand(dataset, b);
    scan(band);
    for (int o = 0; o < GDALGetOverviewCount(band); ++o) scan(GDALGetOverview(band, o));
  }
  return end;
}

void refuseTruncatedTiff(GDALDatasetH dataset, const std::string& path) {
  const uint64_t end = tiffDataEnd(dataset);
  VSIStatBufL stat{};
  // The size of the file as GDAL opened it (a streamed one with its credentials and cache).
  if (end == 0 || VSIStatL(GDALGetDescription(dataset), &stat) != 0) return;
  if (end > uint64_t(stat.st_size))
    throwBadInput(quoted(path) + " is truncated: its image data runs to byte " + std::to_string(end) +
                  " but the file has only " + std::to_string(stat.st_size) +
                  " bytes (an interrupted download or copy?); fetch or copy it again");
}

}  // namespace

const char* dataTypeName(DataType type) {
  switch (type) {
    case DataType::Byte: return "Byte";
    case DataType::UInt16: return "UInt16";
    case DataType::Int16: return "Int16";
    case DataType::UInt32: return "UInt32";
    case DataType::Int32: return "Int32";
    case DataType::Float32: return "Float32";
    case DataType::Float64: return "Float64";
  }
  return "?";
}

int dataTypeSize(DataType type) { return GDALGetDataTypeSizeBytes(toGdal(type)); }

RasterBlock::RasterBlock(DataType type, int width, int height, int bandCount)
    : mType(type), mWidth(width), mHeight(height), mBandCount(bandCount),
      mData(size_t(width) * height * bandCount * dataTypeSize(type)) {}

double RasterBlock::value(int bandIndex, int x, int y) const {
  const size_t i = size_t(y) * mWidth + x;
  switch (mType) {
    case DataType::Byte: return band<uint8_t>(bandIndex)[i];
    case DataType::UInt16: return band<uint16_t>(bandIndex)[i];
    case DataType::Int16: return band<int16_t>(bandIndex)[i];
    case DataType::UInt32: return band<uint32_t>(bandIndex)[i];
    case DataType::Int32: return band<int32_t>(bandIndex)[i];
    case DataType::Float32: return band<float>(bandIndex)[i];
    case DataType::Float64: return band<double>(bandIndex)[i];
  }
  return 0;
}

GDALDatasetH openGdalDataset(const std::string& path, std::string* error, bool update) {
  ensureGdalRegistered();
  GdalErrorCapture capture;
  const unsigned flags = GDAL_OF_RASTER | GDAL_OF_VERBOSE_ERROR | (update ? GDAL_OF_UPDATE : GDAL_OF_READONLY);
  const std::string gdalPath = gdalOpenPath(path);  // streamed rasters get their host's options
  // A streamed raster has no side-car files to look for: no directory listing for it (it would
  // go without the token and draw a 401 per granule), and GDAL keeps that empty list for the
  // dataset's later overview and .aux.xml lookups. Set for this thread's open only: local rasters
  // keep their side-cars (.ovr overviews, .aux.xml category names).
  const bool remote = isRemoteRasterPath(path);
  if (remote) CPLSetThreadLocalConfigOption("GDAL_DISABLE_READDIR_ON_OPEN", "EMPTY_DIR");
  GDALDatasetH dataset = GDALOpenEx(gdalPath.c_str(), flags, kAllowedDrivers, nullptr, nullptr);
  if (remote) CPLSetThreadLocalConfigOption("GDAL_DISABLE_READDIR_ON_OPEN", nullptr);
  if (!dataset && error) *error = capture.message("not a raster format this program reads");
  return dataset;
}

std::shared_ptr<RasterSource> RasterSource::open(const std::string& path, const OpenLimits& limits) {
  std::string why;
  GDALDatasetH dataset = openGdalDataset(path, &why);
  if (!dataset) throwBadInput("cannot open " + quoted(path) + " as a raster: " + why);

  std::shared_ptr<RasterSource> source(new RasterSource());
  source->mLimits = limits;
  source->mIdleHandles.push_back(dataset);  // owned from here on
  RasterInfo& info = source->mInfo;
  info.path = path;
  info.driver = GDALGetDriverShortName(GDALGetDatasetDriver(dataset));
  info.width = GDALGetRasterXSize(dataset);
  info.height = GDALGetRasterYSize(dataset);
  const int bandCount = GDALGetRasterCount(dataset);

  if (bandCount < 1) {
    // Containers (Zarr groups, HDF-like files) list their arrays as subdatasets.
    std::vector<std::string> names;
    for (char** item = GDALGetMetadata(dataset, "SUBDATASETS"); item && *item; ++item) {
      const std::string entry(*item);
      const size_t nameAt = entry.find("_NAME=");
      if (nameAt != std::string::npos) names.push_back(entry.substr(nameAt + 6));
    }
    if (names.empty()) throwBadInput(quoted(path) + " has no raster bands");
    std::string examples;
    for (size_t i = 0; i < std::min<size_t>(names.size(), 3); ++i) examples += (i ? ", " : "") + names[i];
    throwBadInput(quoted(path) + " holds " + std::to_string(names.size()) +
                  " arrays rather than one raster; open one of them, e.g. " + examples);
  }
  if (info.width < 1 || info.height < 1 || info.width > limits.maxSide || info.height > limits.maxSide)
    throwBadInput(quoted(path) + " declares " + std::to_string(info.width) + " x " +
                  std::to_string(info.height) + " pixels, outside 1.." + std::to_string(limits.maxSide) +
                  " per side; the file is corrupt or not an image this program can handle");
  if (bandCount > limits.maxBands)
    throwBadInput(quoted(path) + " declares " + std::to_string(bandCount) + " bands, more than the " +
                  std::to_string(limits.maxBands) + " this program accepts");
  refuseTruncatedTiff(dataset, path);

  std::array<double, 6> coefficients{};
  info.hasGeoTransform = GDALGetGeoTransform(dataset, coefficients.data()) == CE_None;
  if (info.hasGeoTransform) info.geoTransform = GeoTransform(coefficients);
  if (const char* wkt = GDALGetProjectionRef(dataset); wkt && *wkt) {
    info.crsWkt = wkt;
    info.epsg = epsgOfWkt(info.crsWkt);
  }

  for (char** item = GDALGetMetadata(dataset, nullptr); item && *item; ++item) {
    const std::string entry(*item);
    const size_t equals = entry.find('=');
    if (equals != std::string::npos) info.metadata[entry.substr(0, equals)] = entry.substr(equals + 1);
  }

  for (int b = 1; b <= bandCount; ++b) {
    GDALRasterBandH band = GDALGetRasterBand(dataset, b);
    BandInfo bandInfo;
    bandInfo.index = b;
    const auto type = fromGdal(GDALGetRasterDataType(band));
    if (!type)
      throwBadInput(quoted(path) + " band " + std::to_string(b) + " has data type " +
                    GDALGetDataTypeName(GDALGetRasterDataType(band)) +
                    ", which this program does not read (use 8-32 bit integers or floats)");
    bandInfo.type = *type;
    int hasNodata = 0;
    const double nodata = GDALGetRasterNoDataValue(band, &hasNodata);
    if (hasNodata) bandInfo.nodata = nodata;
    int hasScale = 0, hasOffset = 0;
    const double scale = GDALGetRasterScale(band, &hasScale);
    const double offset = GDALGetRasterOffset(band, &hasOffset);
    if (hasScale) bandInfo.scale = scale;
    if (hasOffset) bandInfo.offset = offset;
    if (const char* description = GDALGetDescription(band)) bandInfo.description = description;
    bandInfo.colorInterpretation = GDALGetColorInterpretationName(GDALGetRasterColorInterpretation(band));
    if (GDALColorTableH table = GDALGetRasterColorTable(band)) {
      for (int i = 0; i < GDALGetColorEntryCount(table); ++i) {
        GDALColorEntry entry{};
        GDALGetColorEntryAsRGB(table, i, &entry);
        bandInfo.palette.push_back({uint8_t(entry.c1), uint8_t(entry.c2), uint8_t(entry.c3), uint8_t(entry.c4)});
      }
    }
    if (char** names = GDALGetRasterCategoryNames(band))
      for (int i = 0; names[i]; ++i) bandInfo.categoryNames.emplace_back(names[i]);
    GDALGetBlockSize(band, &bandInfo.blockWidth, &bandInfo.blockHeight);
    // GDAL allocates a whole block to read any pixel of it (every band's, for pixel-interleaved
    // files): a crafted header with huge blocks on a tiny image would ask for gigabytes.
    const char* interleave = GDALGetMetadataItem(dataset, "INTERLEAVE", "IMAGE_STRUCTURE");
    const int bandsPerBlock = interleave && std::string_view(interleave) == "PIXEL" ? bandCount : 1;
    const double blockBytes = double(bandInfo.blockWidth) * bandInfo.blockHeight * dataTypeSize(*type) * bandsPerBlock;
    if (bandInfo.blockWidth < 1 || bandInfo.blockHeight < 1 || blockBytes > double(limits.maxBlockBytes))
      throwBadInput(quoted(path) + " band " + std::to_string(b) + " is stored in blocks of " +
                    std::to_string(bandInfo.blockWidth) + " x " + std::to_string(bandInfo.blockHeight) + " pixels (" +
                    std::to_string(int64_t(blockBytes / 1e6)) + " MB to read any pixel), more than the " +
                    std::to_string(limits.maxBlockBytes >> 20) + " MiB a block may hold; the file is corrupt or crafted");
    bandInfo.overviewCount = GDALGetOverviewCount(band);
    if (b == 1) {
      for (int o = 0; o < bandInfo.overviewCount; ++o) {
        GDALRasterBandH overview = GDALGetOverview(band, o);
        info.overviewSizes.emplace_back(GDALGetRasterBandXSize(overview), GDALGetRasterBandYSize(overview));
      }
    }
    info.bands.push_back(bandInfo);
  }
  return source;
}

RasterSource::~RasterSource() {
  // Every lease has ended: a lease lives within a call on a source its caller holds.
  for (GDALDatasetH handle : mIdleHandles) GDALClose(handle);
}

int RasterSource::overviewLevelFor(const Window& window, int outWidth, int outHeight) const {
  const HandleLease lease = borrowHandle();
  GDALRasterBand* band = GDALDataset::FromHandle(lease.get())->GetRasterBand(1);
  int x = window.x, y = window.y, width = window.width, height = window.height;
  return GDALBandGetBestOverviewLevel2(band, x, y, width, height, outWidth, outHeight, nullptr) + 1;
}

RasterSource::HandleLease RasterSource::borrowHandle() const {
  {
    std::lock_guard lock(mHandlesMutex);
    if (!mIdleHandles.empty()) {
      GDALDatasetH handle = mIdleHandles.back();
      mIdleHandles.pop_back();
      return HandleLease(*this, handle);
    }
  }
  std::string why;
  GDALDatasetH dataset = openGdalDataset(mInfo.path, &why);
  if (!dataset) throwIo("cannot reopen " + quoted(mInfo.path) + ": " + why);
  return HandleLease(*this, dataset);
}

RasterSource::HandleLease::~HandleLease() {
  std::lock_guard lock(mSource.mHandlesMutex);
  mSource.mIdleHandles.push_back(mHandle);
}

RasterBlock RasterSource::read(const Window& window, const std::vector<int>& bands,
                               std::optional<DataType> type) const {
  return readResampled(window, window.width, window.height, bands, type);
}

void RasterSource::checkRequest(const Window& window, int outWidth, int outHeight, const std::vector<int>& bands,
                                DataType type) const {
  if (window.width < 1 || window.height < 1 || window.x < 0 || window.y < 0 ||
      window.x + window.width > mInfo.width || window.y + window.height > mInfo.height)
    throwUsage("window " + std::to_string(window.x) + "," + std::to_string(window.y) + " " +
               std::to_string(window.width) + "x" + std::to_string(window.height) + " lies outside " +
               quoted(mInfo.path) + " (" + std::to_string(mInfo.width) + "x" + std::to_string(mInfo.height) + ")");
  if (bands.empty()) throwUsage("no bands requested from " + quoted(mInfo.path));
  for (int b : bands)
    if (b < 1 || b > int(mInfo.bands.size()))
      throwUsage("band " + std::to_string(b) + " does not exist in " + quoted(mInfo.path) + " (it has " +
                 std::to_string(mInfo.bands.size()) + ")");
  const int64_t bytes = int64_t(outWidth) * outHeight * int64_t(bands.size()) * dataTypeSize(type);
  if (outWidth < 1 || outHeight < 1 || bytes > mLimits.maxReadBytes)
    throwUsage("a read of " + std::to_string(outWidth) + "x" + std::to_string(outHeight) + "x" +
               std::to_string(bands.size()) + " " + dataTypeName(type) + " from " + quoted(mInfo.path) +
               " needs " + std::to_string(bytes >> 20) + " MiB, over the limit of " +
               std::to_string(mLimits.maxReadBytes >> 20) + " MiB; read a smaller window");
}

RasterBlock RasterSource::readResampled(const Window& window, int outWidth, int outHeight,
                                        const std::vector<int>& bands, std::optional<DataType> type,
                                        Resampling resampling) const {
  const DataType outType =
      type.value_or(bands.empty() || bands.front() < 1 || bands.front() > int(mInfo.bands.size())
                        ? DataType::Byte
                        : mInfo.bands[bands.front() - 1].type);
  checkRequest(window, outWidth, outHeight, bands, outType);
  RasterBlock block(outType, outWidth, outHeight, int(bands.size()));
  readInto(window, outWidth, outHeight, bands, outType, block.bandData(0), resampling);
  return block;
}

void RasterSource::readBandInto(const Window& window, int band, DataType type, int outWidth, int outHeight,
                                std::byte* destination, Resampling resampling) const {
  checkRequest(window, outWidth, outHeight, {band}, type);
  readInto(window, outWidth, outHeight, {band}, type, destination, resampling);
}

RasterBlock RasterSource::readLevel(int level, const Window& levelWindow, const std::vector<int>& bands,
                                    std::optional<DataType> type) const {
  if (level == 0) return read(levelWindow, bands, type);
  if (level < 0 || level > int(mInfo.overviewSizes.size()))
    throwUsage(quoted(mInfo.path) + " has no overview level " + std::to_string(level) + " (it has " +
               std::to_string(mInfo.overviewSizes.size()) + ")");
  // Map the level window back to full resolution; GDAL then reads that very overview because
  // the output size matches it.
  const auto [levelWidth, levelHeight] = mInfo.overviewSizes[level - 1];
  const double fx = double(mInfo.width) / levelWidth;
  const double fy = double(mInfo.height) / levelHeight;
  Window full{int(levelWindow.x * fx + 0.5), int(levelWindow.y * fy + 0.5), int(levelWindow.width * fx + 0.5),
              int(levelWindow.height * fy + 0.5)};
  full.width = std::min(full.width, mInfo.width - full.x);
  full.height = std::min(full.height, mInfo.height - full.y);
  return readResampled(full, levelWindow.width, levelWindow.height, bands, type);
}

void RasterSource::readInto(const Window& window, int outWidth, int outHeight, const std::vector<int>& bands,
                            DataType type, std::byte* destination, Resampling resampling) const {
  const HandleLease lease = borrowHandle();
  GDALDatasetH dataset = lease.get();
  GdalErrorCapture capture;
  GDALRasterIOExtraArg extra;
  INIT_RASTERIO_EXTRA_ARG(extra);
  const bool sameSize = outWidth == window.width && outHeight == window.height;
  extra.eResampleAlg =
      (sameSize || resampling == Resampling::Nearest) ? GRIORA_NearestNeighbour : GRIORA_Average;
  std::vector<int> bandList(bands);
  const GSpacing bandSpacing = GSpacing(outWidth) * outHeight * dataTypeSize(type);
  const CPLErr result =
      GDALDatasetRasterIOEx(dataset, GF_Read, window.x, window.y, window.width, window.height, destination, outWidth,
                            outHeight, toGdal(type), int(bandList.size()), bandList.data(), 0, 0, bandSpacing, &extra);
  if (result != CE_None)
    throwBadInput("reading " + quoted(mInfo.path) + " failed: " +
                  capture.message("the file is truncated or corrupt"));
}

namespace {

// The streamed sources used last, most recent first.
class OpenStreamedRasters {
 public:
  std::shared_ptr<RasterSource> find(const std::string& path) {
    std::lock_guard lock(mMutex);
    const auto it = mByPath.find(path);
    if (it == mByPath.end()) return nullptr;
    mRecent.splice(mRecent.begin(), mRecent, it->second);
    return it->second->second;
  }
  void keep(const std::string& path, std::shared_ptr<RasterSource> source) {
    std::lock_guard lock(mMutex);
    if (const auto it = mByPath.find(path); it != mByPath.end()) mRecent.erase(it->second);
    mRecent.emplace_front(path, std::move(source));
    mByPath[path] = mRecent.begin();
    if (mRecent.size() > kKept) {
      mByPath.erase(mRecent.back().first);
      mRecent.pop_back();
    }
  }
  void clear() {
    std::lock_guard lock(mMutex);
    mByPath.clear();
    mRecent.clear();
  }

 private:
  static constexpr size_t kKept = 512;  // a season of dates x 7 band files, twice over
  std::mutex mMutex;
  std::list<std::pair<std::string, std::shared_ptr<RasterSource>>> mRecent;
  std::unordered_map<std::string, decltype(mRecent)::iterator> mByPath;
};

OpenStreamedRasters& openStreamedRasters() {
  static OpenStreamedRasters instance;
  return instance;
}

}  // namespace

std::shared_ptr<RasterSource> openRasterShared(const std::string& path) {
  if (!isRemoteRasterPath(path)) return RasterSource::open(path);
  if (auto kept = openStreamedRasters().find(path)) return kept;
  auto source = RasterSource::open(path);
  openStreamedRasters().keep(path, source);
  return source;
}

std::vector<std::shared_ptr<RasterSource>> openRastersShared(const std::vector<std::string>& paths) {
  std::vector<std::shared_ptr<RasterSource>> sources(paths.size());
  std::vector<int> toOpen;  // streamed ones not kept open
  for (size_t i = 0; i < paths.size(); ++i) {
    if (isRemoteRasterPath(paths[i]) && !(sources[i] = openStreamedRasters().find(paths[i]))) toOpen.push_back(int(i));
    else if (!sources[i]) sources[i] = RasterSource::open(paths[i]);
  }
  auto openOne = [&](int k) { sources[size_t(toOpen[size_t(k)])] = openRasterShared(paths[size_t(toOpen[size_t(k)])]); };
  if (toOpen.size() < 2) {
    for (int k = 0; k < int(toOpen.size()); ++k) openOne(k);
  } else {
    // 24 at once: a season's files without hammering the host (bench_streaming). Only this
    // function uses the pool, so no task of it waits on the pool itself.
    static ThreadPool streamedOpens(24);
    streamedOpens.parallelFor(int(toOpen.size()), openOne);
  }
  return sources;
}

void forgetOpenStreamedRasters() { openStreamedRasters().clear(); }

}  // namespace prithvi
