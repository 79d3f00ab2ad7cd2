#include "core/scene/SceneReader.h"

#include <cstring>

#include "core/base/Error.h"
#include "core/base/ThreadPool.h"

namespace prithvi {

SceneReader::SceneReader(const Scene& scene) : mScene(scene) {
  for (const auto& band : scene.bands) {
    if (mSources.count(band.path)) continue;
    auto source = RasterSource::open(band.path);
    if (source->info().width != scene.width || source->info().height != scene.height)
      throwBadInput(band.path + " is now " + std::to_string(source->info().width) + "x" +
                    std::to_string(source->info().height) + " but scene " + scene.id + " was imported as " +
                    std::to_string(scene.width) + "x" + std::to_string(scene.height) + "; re-import it");
    mSources.emplace(band.path, std::move(source));
  }
}

RasterBlock SceneReader::read(const Window& window, const std::vector<BandRole>& roles,
                              std::optional<DataType> type) const {
  std::vector<const SceneBand*> bands;
  for (BandRole role : roles) {
    const SceneBand* band = mScene.band(role);
    if (!band) throwUsage("scene " + mScene.id + " has no " + bandRoleName(role) + " band");
    bands.push_back(band);
  }
  if (bands.empty()) throwUsage("no bands requested from scene " + mScene.id);
  const DataType outType =
      type.value_or(mSources.at(bands.front()->path)->info().bands[bands.front()->bandIndex - 1].type);
  RasterBlock block(outType, window.width, window.height, int(bands.size()));
  // One task per band: each decodes its own tiles, so the cores share the decompression.
  ThreadPool::global().parallelFor(int(bands.size()), [&](int i) {
    const RasterBlock one = mSources.at(bands[i]->path)->read(window, {bands[i]->bandIndex}, outType);
    std::memcpy(block.bandData(i), one.bandData(0), block.bandBytes());
  });
  return block;
}

}  // namespace prithvi
