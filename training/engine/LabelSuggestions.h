#pragma once
// Where to label next: the chips of a project's scenes the current model is least sure about,
// spread over what the scenes hold (greedy k-centre in Prithvi embedding space over the most
// uncertain candidates), never a chip a label set already covers. `prithvi labels suggest`
// writes them for next year's labellers.

#include <string>
#include <vector>

#include <torch/types.h>

#include "core/raster/RasterSource.h"
#include "training/engine/Network.h"

namespace prithvi {
class Feedback;
class ProjectStore;
}  // namespace prithvi

namespace prithvi::engine {

struct SuggestOptions {
  int count = 10;
  int chip = 0;                       // pixels; 0: the model's training chip size
  std::vector<std::string> sceneIds;  // empty: every scene of the project with Prithvi's bands
  // The k-centre picks among this many times `count` of the most uncertain chips: 1 ranks by
  // uncertainty alone, more trades uncertainty for variety.
  int poolFactor = 4;
  std::string device = "auto";
};

struct ChipSuggestion {
  int rank = 0;  // 1 = label first
  std::string sceneId;
  Window chip;             // pixels of the scene
  double entropy = 0;      // mean over the chip's predicted pixels (uncertaintyOf band 0)
  double margin = 0;       // mean top-2 margin
};

// Greedy k-centre over unit-length rows of `candidates` (N, D): `first`, then each time the row
// farthest in cosine distance from every pick and every row of `centres` (M, D; may be
// undefined: none); at most `count` picks, as row numbers in pick order.
std::vector<int64_t> greedyKCentre(const torch::Tensor& candidates, const torch::Tensor& centres, int64_t first, int count);

// Per chip of a batch of model inputs (B, 6, T, H, W): the mean entropy of the segmentation
// model's class probabilities (uncertaintyOf) over `usable` pixels (B, H, W; undefined: all),
// and the unit-length mean of its encoder's patch tokens (B, D): what the suggestions and the
// active-learning experiment rank and spread chips by.
struct ChipScores {
  torch::Tensor entropy;     // (B)
  torch::Tensor margin;      // (B)
  torch::Tensor directions;  // (B, D)
};
ChipScores scoreChips(Network& network, const torch::Tensor& input, const torch::Tensor& usable = {},
                      const model::Coords& coords = {});

// Error(BadInput) for an MAE checkpoint (it has no classes to be unsure about) or a model taking
// several dates; Error(Usage) for a scene id the project lacks or a count below 1. Chips with
// fill in more than half their pixels are left out.
std::vector<ChipSuggestion> suggestChips(const std::string& checkpoint, ProjectStore& project,
                                         const SuggestOptions& options, Feedback* feedback = nullptr);

}  // namespace prithvi::engine
