#include "training/engine/LabelSuggestions.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/labels/LabelStore.h"
#include "core/project/ProjectStore.h"
#include "training/data/ChipLoader.h"
#include "training/engine/Network.h"
#include "training/engine/SceneInference.h"
#include "training/engine/TiledInference.h"

namespace prithvi::engine {

namespace {

struct Candidate {
  ChipSuggestion suggestion;
  torch::Tensor direction;  // the chip's mean encoder token, unit length
};

// Whether any label set of the scene labels a pixel of the chip.
bool labelled(LabelStore& labels, const std::vector<LabelSet>& sets, const Window& chip) {
  for (const LabelSet& set : sets) {
    const int ignore = labels.scheme(set.scheme).ignoreValue;
    const std::vector<uint8_t> codes = labels.rasterize(set.id, chip);
    if (std::any_of(codes.begin(), codes.end(), [&](uint8_t code) { return code != ignore; })) return true;
  }
  return false;
}

// Greedy k-centre: the most uncertain first, then each time the candidate farthest (in cosine
// distance) from every chip already picked.
std::vector<ChipSuggestion> spread(std::vector<Candidate> pool, int count) {
  std::vector<ChipSuggestion> picked;
  if (pool.empty()) return picked;
  std::vector<double> nearest(pool.size(), std::numeric_limits<double>::infinity());
  size_t next = 0;  // pool is sorted by entropy, highest first
  std::vector<bool> taken(pool.size(), false);
  while (int(picked.size()) < count) {
    taken[next] = true;
    picked.push_back(pool[next].suggestion);
    picked.back().rank = int(picked.size());
    const torch::Tensor& chosen = pool[next].direction;
    std::optional<size_t> farthest;
    for (size_t i = 0; i < pool.size(); ++i) {
      if (taken[i]) continue;
      nearest[i] = std::min(nearest[i], 1.0 - pool[i].direction.dot(chosen).item<double>());
      if (!farthest || nearest[i] > nearest[*farthest]) farthest = i;
    }
    if (!farthest) break;
    next = *farthest;
  }
  return picked;
}

}  // namespace

std::vector<ChipSuggestion> suggestChips(const std::string& checkpoint, ProjectStore& project,
                                         const SuggestOptions& options, Feedback* feedback) {
  if (options.count < 1) throwUsage("ask for at least one suggestion");
  const torch::Device device = deviceFor(options.device);
  LoadedRun run = loadRun(checkpoint, device);
  Network& network = run.network;
  if (network.pretraining)
    throwBadInput(checkpoint + " is an MAE (task " + run.task + "): it has no classes to be unsure about; use a "
                  "segmentation model's checkpoint");
  const PrithviConfig& config = network.config;
  if (config.numFrames != 1)
    throwBadInput(checkpoint + " takes " + std::to_string(config.numFrames) +
                  " dates per pixel; suggestions come from single-date models");
  std::vector<Scene> scenes;
  if (options.sceneIds.empty()) {
    for (const Scene& scene : project.scenes())
      if (scene.hasPrithviBands()) scenes.push_back(scene);
  } else {
    for (const std::string& id : options.sceneIds) {
      std::optional<Scene> scene = project.scene(id);
      if (!scene) throwUsage("project " + project.path() + " has no scene " + id);
      if (!scene->hasPrithviBands()) throwBadInput("scene " + id + " lacks some of Prithvi's six bands");
      scenes.push_back(std::move(*scene));
    }
  }
  if (scenes.empty()) throwBadInput("project " + project.path() + " has no scene with Prithvi's six bands");
  const int chip = options.chip > 0 ? options.chip : int(config.imgSize);
  if (chip % int(config.patchSize) != 0)
    throwUsage("the chip size must be a multiple of the model's " + std::to_string(config.patchSize) + "-pixel patch");

  LabelStore labels(project);
  std::vector<Candidate> candidates;
  int64_t done = 0, total = 0;
  for (const Scene& scene : scenes) total += int64_t(scene.width / chip) * (scene.height / chip);
  network.segmentation->eval();
  c10::InferenceMode inference;
  for (const Scene& scene : scenes) {
    const std::vector<LabelSet> sets = labels.labelSets({.sceneId = scene.id});
    for (int y = 0; y + chip <= scene.height; y += chip)
      for (int x = 0; x + chip <= scene.width; x += chip) {
        throwIfCanceled(feedback);
        reportProgress(feedback, done++, total, "chips of " + scene.id);
        const Window window{x, y, chip, chip};
        if (labelled(labels, sets, window)) continue;
        const torch::Tensor dn = readDates({scene}, window);  // (6, 1, chip, chip), NaN = fill
        const torch::Tensor usable = dn.isfinite().all(0).all(0);
        const int64_t predicted = usable.sum().item<int64_t>();
        if (predicted * 2 < int64_t(chip) * chip) continue;
        const torch::Tensor input = normaliseChip(dn, config.mean, config.std).unsqueeze(0).to(device);
        const torch::Tensor probabilities =
            torch::softmax(network.segmentation->forward(input).to(torch::kFloat32), 1)[0].to(torch::kCPU);
        const torch::Tensor uncertainty = uncertaintyOf(probabilities);
        Candidate candidate;
        candidate.suggestion.sceneId = scene.id;
        candidate.suggestion.chip = window;
        candidate.suggestion.entropy = uncertainty[0].masked_select(usable).mean().item<double>();
        candidate.suggestion.margin = uncertainty[1].masked_select(usable).mean().item<double>();
        // The chip's place in embedding space: its patch tokens' mean (cls left out).
        const torch::Tensor tokens = network.segmentation->encoder->forwardFeatures(input).to(torch::kCPU);
        const torch::Tensor mean = tokens[0].slice(0, 1).mean(0);
        candidate.direction = mean / mean.norm().clamp_min(1e-12);
        candidates.push_back(std::move(candidate));
      }
  }
  reportProgress(feedback, total, total, "ranking " + std::to_string(candidates.size()) + " chips");
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) { return a.suggestion.entropy > b.suggestion.entropy; });
  const size_t pool = std::min(candidates.size(), size_t(options.count) * size_t(std::max(1, options.poolFactor)));
  candidates.resize(pool);
  return spread(std::move(candidates), options.count);
}

}  // namespace prithvi::engine
