#include "core/timeseries/TileCube.h"

#include <filesystem>
#include <set>

#include <QDir>
#include <QLockFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <algorithm>
#include <cmath>

#include <gdal_priv.h>

#include "core/base/AtomicFile.h"
#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/base/NumberText.h"
#include "core/raster/GdalErrors.h"
#include "core/raster/RemoteRasters.h"
#include "core/raster/ZarrStore.h"
#include "core/scene/SceneReader.h"

namespace prithvi {

using zarr::DatasetPtr;

namespace {
// 2: records the size and modification time of every source band file ("sources").
constexpr int kCubeVersion = 2;

// What a cube records of each source file, to notice one rewritten in place after the build.
std::string sourceStamp(const SceneBand& band) {
  if (isRemoteRasterPath(band.path)) return band.name + " " + band.path;  // a streamed file: its URL
  std::error_code error;
  const auto size = std::filesystem::file_size(band.path, error);
  if (error) return band.name + " unreadable";
  const auto modified = std::filesystem::last_write_time(band.path, error).time_since_epoch().count();
  return band.name + " " + std::to_string(size) + " " + std::to_string(modified);
}

std::vector<std::string> sourceStamps(const Scene& scene) {
  std::vector<std::string> stamps;
  for (const SceneBand& band : scene.bands) stamps.push_back(sourceStamp(band));
  return stamps;
}
constexpr int kBands = 6;

}  // namespace

std::string cubePathFor(const std::string& projectPath, const std::string& tile) {
  std::string id = tile;
  if (!id.empty() && id[0] != 'T') id = "T" + id;
  return projectPath + ".cubes/" + id + ".zarr";
}

void buildTileCube(const std::vector<Scene>& granules, const std::string& path, const CubeOptions& options,
                   Feedback* feedback) {
  if (granules.empty()) throwUsage("no granules to stack into a cube");
  ensureGdalRegistered();
  const Scene& first = granules.front();
  const int width = first.width, height = first.height, dates = int(granules.size());
  const int timeChunk = std::min(dates, options.timeChunk);
  const int chunk = options.spatialChunk;
  const int rows = std::max(chunk, options.rowsPerPass / chunk * chunk);

  // One build of a cube at a time: a second `cube build` of the tile waits for the first rather
  // than both writing one .partial store and failing. QLockFile takes over a dead process's lock.
  QDir().mkpath(QFileInfo(QString::fromStdString(path)).absolutePath());
  QLockFile lock(QString::fromStdString(path + ".lock"));
  lock.setStaleLockTime(0);
  if (!lock.tryLock(0)) {
    if (lock.error() != QLockFile::LockFailedError)
      throwWriteFailure(path + ".lock", 0, "cannot create the lock file of the cube (is the folder writable?)");
    if (feedback) feedback->log("info", "another build of " + path + " is running; waiting for it to finish");
    while (!lock.tryLock(200)) throwIfCanceled(feedback);
  }
  // A .partial store left by a killed build is replaced (zarr::create); one of a failed build is removed.
  const std::string partial = path + ".partial";
  struct RemoveOnFailure {
    std::string path;
    bool done = false;
    ~RemoveOnFailure() {
      if (!done) zarr::removeTree(path);
    }
  } cleanup{partial};
  DatasetPtr dataset = zarr::create(partial);
  GdalErrorCapture errors;
  auto root = dataset->GetRootGroup();
  auto bandDim = root->CreateDimension("band", "", "", kBands);
  auto timeDim = root->CreateDimension("time", "TEMPORAL", "", dates);
  auto yDim = root->CreateDimension("y", "HORIZONTAL_Y", "", height);
  auto xDim = root->CreateDimension("x", "HORIZONTAL_X", "", width);
  const std::string reflectanceBlocks =
      "BLOCKSIZE=1," + std::to_string(timeChunk) + "," + std::to_string(chunk) + "," + std::to_string(chunk);
  const std::string fmaskBlocks = "BLOCKSIZE=" + std::to_string(timeChunk) + "," + std::to_string(chunk) + "," + std::to_string(chunk);
  const char* reflectanceOptions[] = {reflectanceBlocks.c_str(), "COMPRESS=ZLIB", nullptr};
  const char* fmaskOptions[] = {fmaskBlocks.c_str(), "COMPRESS=ZLIB", nullptr};
  auto reflectance = root->CreateMDArray("reflectance", {bandDim, timeDim, yDim, xDim},
                                         GDALExtendedDataType::Create(GDT_Int16), reflectanceOptions);
  auto fmaskArray = root->CreateMDArray("fmask", {timeDim, yDim, xDim}, GDALExtendedDataType::Create(GDT_Byte), fmaskOptions);
  if (!reflectance || !fmaskArray) throwIo("cannot create the cube arrays: " + errors.message());
  const int16_t fill = kHlsFill;
  const uint8_t fmaskFill = kFmaskFill;
  reflectance->SetNoDataValue(double(fill));
  fmaskArray->SetNoDataValue(double(fmaskFill));

  std::vector<std::string> ids, datesIso, sensors, bandNames, sources;
  for (const Scene& scene : granules) {
    for (const std::string& stamp : sourceStamps(scene)) sources.push_back(scene.id + " " + stamp);
    ids.push_back(scene.id);
    datesIso.push_back(scene.acquired.toUTC().toString(Qt::ISODate).toStdString());
    sensors.push_back(scene.sensor);
  }
  for (BandRole role : kPrithviBands) bandNames.push_back(bandRoleName(role));
  zarr::writeString(*root, "prithvi_cube_version", std::to_string(kCubeVersion));
  zarr::writeString(*root, "tile", first.tile);
  zarr::writeString(*root, "epsg", std::to_string(first.epsg));
  zarr::writeString(*root, "crs_wkt", first.crsWkt);
  zarr::writeString(*root, "geotransform", first.geoTransform.toString());
  zarr::writeString(*root, "granules", zarr::jsonList(ids));
  zarr::writeString(*root, "dates", zarr::jsonList(datesIso));
  zarr::writeString(*root, "sensors", zarr::jsonList(sensors));
  zarr::writeString(*root, "bands", zarr::jsonList(bandNames));
  zarr::writeString(*root, "scale", "0.0001");
  zarr::writeString(*root, "sources", zarr::jsonList(sources));

  std::vector<std::unique_ptr<SceneReader>> readers;
  for (const Scene& scene : granules) readers.push_back(std::make_unique<SceneReader>(scene));
  const std::vector<BandRole> roles(std::begin(kPrithviBands), std::end(kPrithviBands));
  const int passes = (height + rows - 1) / rows;
  // One pass: `rows` rows of every granule, written as whole chunks of both arrays.
  std::vector<int16_t> slab;
  std::vector<uint8_t> fmaskSlab;
  for (int pass = 0; pass < passes; ++pass) {
    throwIfCanceled(feedback);
    reportProgress(feedback, pass, passes, "stacking rows " + std::to_string(pass * rows));
    const int y0 = pass * rows;
    const int count = std::min(rows, height - y0);
    const size_t plane = size_t(count) * width;
    slab.assign(size_t(kBands) * dates * plane, fill);
    fmaskSlab.assign(size_t(dates) * plane, fmaskFill);
    for (int t = 0; t < dates; ++t) {
      const RasterBlock block = readers[t]->read({0, y0, width, count}, roles, DataType::Int16);
      for (int b = 0; b < kBands; ++b)
        std::copy_n(block.band<int16_t>(b), plane, slab.data() + (size_t(b) * dates + t) * plane);
      if (granules[t].band(BandRole::Fmask)) {
        const RasterBlock mask = readers[t]->read({0, y0, width, count}, {BandRole::Fmask}, DataType::Byte);
        std::copy_n(mask.band<uint8_t>(0), plane, fmaskSlab.data() + size_t(t) * plane);
      }
    }
    const GUInt64 start[] = {0, 0, GUInt64(y0), 0};
    const size_t extent[] = {size_t(kBands), size_t(dates), size_t(count), size_t(width)};
    if (!reflectance->Write(start, extent, nullptr, nullptr, GDALExtendedDataType::Create(GDT_Int16), slab.data()) ||
        !fmaskArray->Write(start + 1, extent + 1, nullptr, nullptr, GDALExtendedDataType::Create(GDT_Byte),
                           fmaskSlab.data()))
      throwWriteFailure(path, 0, errors.message());
  }
  reflectance.reset();
  fmaskArray.reset();
  root.reset();
  dataset.reset();  // flushes
  if (!errors.errors().empty()) throwIo("writing the cube failed: " + errors.message());
  zarr::publish(partial, path);
  cleanup.done = true;
  reportProgress(feedback, passes, passes, "cube written");
}

struct TileCube::Impl {
  DatasetPtr dataset;
  std::shared_ptr<GDALMDArray> reflectance;
  std::shared_ptr<GDALMDArray> fmask;
  std::string tile;
  int epsg = 0;
  GeoTransform geoTransform;
  std::vector<std::string> granules, dates, sensors, sources;
  int width = 0, height = 0;
};

TileCube::TileCube() : mImpl(std::make_unique<Impl>()) {}
TileCube::~TileCube() = default;

std::unique_ptr<TileCube> TileCube::open(const std::string& path) {
  std::unique_ptr<TileCube> cube(new TileCube());
  Impl& impl = *cube->mImpl;
  impl.dataset = zarr::open(path, "cube");
  auto root = impl.dataset->GetRootGroup();
  if (!root || zarr::readString(*root, "prithvi_cube_version") != std::to_string(kCubeVersion))
    throwBadInput(path + " is not a cube written by this program (rebuild it with 'prithvi cube build')");
  impl.reflectance = root->OpenMDArray("reflectance");
  impl.fmask = root->OpenMDArray("fmask");
  if (!impl.reflectance || !impl.fmask || impl.reflectance->GetDimensionCount() != 4)
    throwBadInput(path + " lacks the reflectance or fmask array");
  impl.tile = zarr::readString(*root, "tile");
  impl.epsg = std::atoi(zarr::readString(*root, "epsg").c_str());
  impl.granules = zarr::parseJsonList(zarr::readString(*root, "granules"));
  impl.dates = zarr::parseJsonList(zarr::readString(*root, "dates"));
  impl.sensors = zarr::parseJsonList(zarr::readString(*root, "sensors"));
  impl.sources = zarr::parseJsonList(zarr::readString(*root, "sources"));
  std::array<double, 6> coefficients{};
  {
    // Six numbers written by GeoTransform::toString, read without the locale; a cube written
    // under a comma-decimal locale by an older version is refused, to be built again.
    const std::string text = zarr::readString(*root, "geotransform");
    size_t at = 0, read = 0;
    for (double& c : coefficients) {
      const size_t from = text.find_first_not_of(' ', at);
      const size_t to = from == std::string::npos ? from : text.find(' ', from);
      const auto value = from == std::string::npos ? std::nullopt : parseNumber(std::string_view(text).substr(from, to - from));
      if (!value) break;
      c = *value;
      ++read;
      at = to;
    }
    if (read != coefficients.size() || text.find_first_not_of(' ', at) != std::string::npos)
      throwBadInput(path + ": its geotransform '" + text + "' is not six numbers; build the cube again (prithvi cube build)");
  }
  impl.geoTransform = GeoTransform(coefficients);
  const auto& dims = impl.reflectance->GetDimensions();
  impl.height = int(dims[2]->GetSize());
  impl.width = int(dims[3]->GetSize());
  if (dims[0]->GetSize() != size_t(kBands) || dims[1]->GetSize() != impl.granules.size() ||
      impl.dates.size() != impl.granules.size())
    throwBadInput(path + " is inconsistent: its arrays and its granule list disagree");
  return cube;
}

const std::string& TileCube::tile() const { return mImpl->tile; }
const std::vector<std::string>& TileCube::granuleIds() const { return mImpl->granules; }
int TileCube::width() const { return mImpl->width; }
int TileCube::height() const { return mImpl->height; }
int TileCube::dates() const { return int(mImpl->granules.size()); }

std::string TileCube::staleReason(const std::vector<Scene>& granules) const {
  if (granules.size() != mImpl->granules.size())
    return "it holds " + std::to_string(mImpl->granules.size()) + " dates, the tile now has " + std::to_string(granules.size());
  for (size_t i = 0; i < granules.size(); ++i)
    if (granules[i].id != mImpl->granules[i]) return "it holds " + mImpl->granules[i] + " where the tile now has " + granules[i].id;
  std::set<std::string> recorded(mImpl->sources.begin(), mImpl->sources.end());
  for (const Scene& scene : granules)
    for (const SceneBand& band : scene.bands)
      if (!recorded.count(scene.id + " " + sourceStamp(band)))
        return band.name + " of " + scene.id + " (" + band.path + ") changed since the cube was built";
  return {};
}

PixelProfile TileCube::profile(int pixelX, int pixelY) const {
  const Impl& impl = *mImpl;
  if (pixelX < 0 || pixelY < 0 || pixelX >= impl.width || pixelY >= impl.height)
    throwUsage("pixel " + std::to_string(pixelX) + "," + std::to_string(pixelY) + " lies outside the cube");
  const size_t dates = impl.granules.size();
  std::vector<int16_t> values(kBands * dates);
  std::vector<uint8_t> flags(dates);
  const GUInt64 start[] = {0, 0, GUInt64(pixelY), GUInt64(pixelX)};
  const size_t count[] = {size_t(kBands), dates, 1, 1};
  GdalErrorCapture errors;
  if (!impl.reflectance->Read(start, count, nullptr, nullptr, GDALExtendedDataType::Create(GDT_Int16), values.data()) ||
      !impl.fmask->Read(start + 1, count + 1, nullptr, nullptr, GDALExtendedDataType::Create(GDT_Byte), flags.data()))
    throwBadInput("reading the cube failed: " + errors.message("the store is damaged; rebuild it"));
  PixelProfile profile;
  profile.tile = impl.tile;
  profile.epsg = impl.epsg;
  profile.pixelX = pixelX;
  profile.pixelY = pixelY;
  profile.point = impl.geoTransform.pixelToMap(pixelX + 0.5, pixelY + 0.5);
  profile.fromCube = true;
  for (size_t t = 0; t < dates; ++t) {
    Observation observation;
    observation.sceneId = impl.granules[t];
    observation.acquired = QDateTime::fromString(QString::fromStdString(impl.dates[t]), Qt::ISODate);
    observation.sensor = t < impl.sensors.size() ? impl.sensors[t] : "";
    for (int b = 0; b < kBands; ++b) {
      const int16_t raw = values[size_t(b) * dates + t];
      observation.raw[b] = raw;
      observation.reflectance[b] = raw == kHlsFill ? std::numeric_limits<float>::quiet_NaN()
                                                   : float(raw * kHlsReflectanceScale);
    }
    observation.fmask = flags[t];
    profile.observations.push_back(observation);
  }
  return profile;
}

void TileCube::readWindow(const Window& window, int16_t* raw, uint8_t* fmask) const {
  const Impl& impl = *mImpl;
  if (window.x < 0 || window.y < 0 || window.width < 1 || window.height < 1 || window.x + window.width > impl.width ||
      window.y + window.height > impl.height)
    throwUsage("the window lies outside the cube");
  const size_t dates = impl.granules.size();
  GdalErrorCapture errors;
  // The cube is (band, time, y, x); the caller wants (time, band, y, x): read with strides.
  const GUInt64 start[] = {0, 0, GUInt64(window.y), GUInt64(window.x)};
  const size_t count[] = {size_t(kBands), dates, size_t(window.height), size_t(window.width)};
  const GPtrDiff_t plane = GPtrDiff_t(window.width) * window.height;
  const GPtrDiff_t strides[] = {plane, plane * kBands, window.width, 1};
  if (!impl.reflectance->Read(start, count, nullptr, strides, GDALExtendedDataType::Create(GDT_Int16), raw) ||
      !impl.fmask->Read(start + 1, count + 1, nullptr, nullptr, GDALExtendedDataType::Create(GDT_Byte), fmask))
    throwBadInput("reading the cube failed: " + errors.message("the store is damaged; rebuild it"));
}

PixelProfile readProfile(const std::vector<Scene>& granules, int pixelX, int pixelY, const std::string& cubePath,
                         Feedback* feedback) {
  if (!cubePath.empty() && QFileInfo::exists(QString::fromStdString(cubePath))) {
    try {
      const auto cube = TileCube::open(cubePath);
      const std::string stale = cube->staleReason(granules);
      if (stale.empty()) return cube->profile(pixelX, pixelY);
      if (feedback)
        feedback->log("warning", "the cube " + cubePath + " is out of date (" + stale +
                                     "); reading the granule files (rebuild it with 'prithvi cube build')");
    } catch (const Error& error) {
      if (feedback) feedback->log("warning", std::string(error.what()) + "; reading the granule files");
    }
  }
  return readProfileFromFiles(granules, pixelX, pixelY, feedback);
}

}  // namespace prithvi
