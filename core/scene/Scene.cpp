#include "core/scene/Scene.h"

namespace prithvi {

const char* sceneKindName(SceneKind kind) {
  switch (kind) {
    case SceneKind::HlsGranule: return "hls_granule";
    case SceneKind::BandFiles: return "band_files";
    case SceneKind::MultiBandRaster: return "raster";
  }
  return "raster";
}

std::optional<SceneKind> sceneKindFromName(const std::string& name) {
  for (SceneKind kind : {SceneKind::HlsGranule, SceneKind::BandFiles, SceneKind::MultiBandRaster})
    if (name == sceneKindName(kind)) return kind;
  return std::nullopt;
}

const SceneBand* Scene::band(BandRole role) const {
  for (const auto& b : bands)
    if (b.role == role) return &b;
  return nullptr;
}

bool Scene::hasPrithviBands() const {
  for (BandRole role : kPrithviBands)
    if (!band(role)) return false;
  return true;
}

}  // namespace prithvi
