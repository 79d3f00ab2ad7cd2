#pragma once
// Running Prithvi over whole scenes: encoder embeddings (what many users want first) and the
// MAE reconstruction of a masked scene, as the official demo does. Scenes are read window by
// window, so memory stays bounded whatever the scene size.

#include <string>
#include <vector>

#include <torch/types.h>

#include "core/raster/RasterSource.h"
#include "core/scene/Scene.h"
#include "training/model/PrithviMae.h"

namespace prithvi {
class Feedback;
}

namespace prithvi::engine {

// The six Prithvi bands of co-registered scenes (one per date) over `window`, as DN floats
// (C=6, T, H, W); fill/nodata become NaN. Throws Error(BadInput) when a scene lacks a band or
// the dates are on different grids.
torch::Tensor readDates(const std::vector<Scene>& dates, const Window& window);

// z-score with the config's statistics; NaN (fill) becomes 0.0001 after normalising, as the
// official inference does.
torch::Tensor normalise(const torch::Tensor& dn, const model::PrithviConfig& config);
torch::Tensor denormalise(const torch::Tensor& z, const model::PrithviConfig& config);

struct SceneRunOptions {
  int batch = 4;        // windows per forward pass
  int threads = 0;      // intra-op threads (0: LibTorch's default)
  double maskRatio = 0.75;
  uint64_t seed = 0;
};

// Per-patch encoder features of the scene (of T dates when the model takes T frames), averaged
// over time, written as a float32 GeoTIFF with embed_dim bands at patch resolution.
void embedScenes(model::PrithviEncoderImpl& encoder, const std::vector<Scene>& dates, const std::string& outPath,
                 const SceneRunOptions& options, Feedback* feedback = nullptr);

struct ReconstructionFiles {
  std::vector<std::string> reconstructions;  // per date: input with hidden patches predicted (DN)
  std::string mask;                          // per date band: 1 where patches were hidden
};
// Masks random patches of every window (seeded), reconstructs them with the MAE and writes the
// results with the scene's georeferencing into `outDir`.
ReconstructionFiles reconstructScenes(model::PrithviMaeImpl& mae, const std::vector<Scene>& dates,
                                      const std::string& outDir, const SceneRunOptions& options,
                                      Feedback* feedback = nullptr);

}  // namespace prithvi::engine
