#include "core/scene/SceneReader.h"

#include <algorithm>

#include "core/base/Error.h"
#include "core/base/ThreadPool.h"

namespace prithvi {

ReflectanceConversion::ReflectanceConversion(const Scene& scene, const SceneBand& band)
    : scale(float(band.scale)), offset(float(band.offset)), hlsFill(scene.kind == SceneKind::HlsGranule) {
  if (band.nodata && std::isfinite(*band.nodata)) {
    hasNodata = true;
    nodata = float(*band.nodata);
  }
}

SceneReader::SceneReader(const Scene& scene) : mScene(scene) {
  std::vector<std::string> paths;
  for (const auto& band : scene.bands)
    if (std::find(paths.begin(), paths.end(), band.path) == paths.end()) paths.push_back(band.path);
  // Streamed band files open at once, and stay open for the next reader of the granule.
  const auto sources = openRastersShared(paths);
  for (size_t i = 0; i < paths.size(); ++i) {
    const RasterInfo& info = sources[i]->info();
    if (info.width != scene.width || info.height != scene.height)
      throwBadInput(paths[i] + " is now " + std::to_string(info.width) + "x" + std::to_string(info.height) +
                    " but scene " + scene.id + " was imported as " + std::to_string(scene.width) + "x" +
                    std::to_string(scene.height) + "; re-import it");
    mSources.emplace(paths[i], sources[i]);
  }
}

const RasterInfo& SceneReader::rasterInfo(BandRole role) const {
  const SceneBand* band = mScene.band(role);
  if (!band) throwUsage("scene " + mScene.id + " has no " + bandRoleName(role) + " band");
  return mSources.at(band->path)->info();
}

int SceneReader::overviewLevelFor(BandRole role, const Window& window, int outWidth, int outHeight) const {
  rasterInfo(role);  // Error(Usage) without the band
  return mSources.at(mScene.band(role)->path)->overviewLevelFor(window, outWidth, outHeight);
}

std::vector<const SceneBand*> SceneReader::bandsFor(const std::vector<BandRole>& roles) const {
  std::vector<const SceneBand*> bands;
  for (BandRole role : roles) {
    const SceneBand* band = mScene.band(role);
    if (!band) throwUsage("scene " + mScene.id + " has no " + bandRoleName(role) + " band");
    bands.push_back(band);
  }
  if (bands.empty()) throwUsage("no bands requested from scene " + mScene.id);
  return bands;
}

DataType SceneReader::typeFor(const SceneBand& band, std::optional<DataType> type) const {
  return type.value_or(mSources.at(band.path)->info().bands[band.bandIndex - 1].type);
}

void SceneReader::readSerial(const Window& window, const std::vector<const SceneBand*>& bands,
                             RasterBlock& block) const {
  for (size_t i = 0; i < bands.size(); ++i)
    mSources.at(bands[i]->path)
        ->readBandInto(window, bands[i]->bandIndex, block.type(), window.width, window.height, block.bandData(int(i)));
}

RasterBlock SceneReader::read(const Window& window, const std::vector<BandRole>& roles,
                              std::optional<DataType> type) const {
  const auto bands = bandsFor(roles);
  RasterBlock block(typeFor(*bands.front(), type), window.width, window.height, int(bands.size()));
  constexpr int64_t kParallelPixels = 512 * 512;
  if (int64_t(window.width) * window.height < kParallelPixels) {
    readSerial(window, bands, block);
    return block;
  }
  // One task per band: each decodes its own tiles, so the cores share the decompression.
  ThreadPool::global().parallelFor(int(bands.size()), [&](int i) {
    mSources.at(bands[i]->path)
        ->readBandInto(window, bands[i]->bandIndex, block.type(), window.width, window.height, block.bandData(i));
  });
  return block;
}

RasterBlock SceneReader::readReflectance(const Window& window, const std::vector<BandRole>& roles) const {
  RasterBlock block = read(window, roles, DataType::Float32);
  const size_t count = size_t(window.width) * size_t(window.height);
  for (size_t b = 0; b < roles.size(); ++b) {
    const ReflectanceConversion convert(mScene, *mScene.band(roles[b]));
    float* values = block.band<float>(int(b));
    for (size_t i = 0; i < count; ++i) values[i] = convert(values[i]);
  }
  return block;
}

RasterBlock SceneReader::readResampled(const Window& window, int outWidth, int outHeight,
                                       const std::vector<BandRole>& roles, std::optional<DataType> type,
                                       Resampling resampling) const {
  const auto bands = bandsFor(roles);
  if (outWidth < 1 || outHeight < 1)
    throwUsage("cannot read scene " + mScene.id + " into " + std::to_string(outWidth) + "x" +
               std::to_string(outHeight) + " pixels");
  RasterBlock block(typeFor(*bands.front(), type), outWidth, outHeight, int(bands.size()));
  auto readBand = [&](int i) {
    mSources.at(bands[i]->path)
        ->readBandInto(window, bands[i]->bandIndex, block.type(), outWidth, outHeight, block.bandData(i), resampling);
  };
  constexpr int64_t kParallelPixels = 512 * 512;
  if (int64_t(outWidth) * outHeight < kParallelPixels || bands.size() < 2) {
    for (int i = 0; i < int(bands.size()); ++i) readBand(i);
    return block;
  }
  ThreadPool::global().parallelFor(int(bands.size()), readBand);
  return block;
}

std::vector<RasterBlock> SceneReader::readMany(const std::vector<Window>& windows, const std::vector<BandRole>& roles,
                                               std::optional<DataType> type) const {
  const auto bands = bandsFor(roles);
  const DataType outType = typeFor(*bands.front(), type);
  std::vector<RasterBlock> blocks;
  blocks.reserve(windows.size());
  for (const Window& window : windows) blocks.emplace_back(outType, window.width, window.height, int(bands.size()));
  ThreadPool::global().parallelFor(int(windows.size()), [&](int i) { readSerial(windows[i], bands, blocks[i]); });
  return blocks;
}

RasterBlock SceneReader::readBands(const Window& window, std::optional<DataType> type) const {
  std::vector<const SceneBand*> bands;
  for (const auto& band : mScene.bands) bands.push_back(&band);
  if (bands.empty()) throwUsage("scene " + mScene.id + " has no bands");
  RasterBlock block(typeFor(*bands.front(), type), window.width, window.height, int(bands.size()));
  readSerial(window, bands, block);
  return block;
}

}  // namespace prithvi
