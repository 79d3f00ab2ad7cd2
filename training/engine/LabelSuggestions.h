#pragma once
// Where to label next: the chips of a project's scenes the current model is least sure about,
// spread over what the scenes hold (greedy k-centre in Prithvi embedding space over the most
// uncertain candidates), never a chip a label set already covers. `prithvi labels suggest`
// writes them for next year's labellers.

#include <string>
#include <vector>

#include "core/raster/RasterSource.h"

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
  double labelledShare = 0;  // always 0: chips with labels are never suggested
};

// Error(BadInput) for an MAE checkpoint (it has no classes to be unsure about) or a model taking
// several dates; Error(Usage) for a scene id the project lacks or a count below 1. Chips with
// fill in more than half their pixels are left out.
std::vector<ChipSuggestion> suggestChips(const std::string& checkpoint, ProjectStore& project,
                                         const SuggestOptions& options, Feedback* feedback = nullptr);

}  // namespace prithvi::engine
