#include "training/engine/LabelSuggestions.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

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

// Whether any label set of the scene labels a pixel of the chip.
bool labelled(LabelStore& labels, const std::vector<LabelSet>& sets, const Window& chip) {
  for (const LabelSet& set : sets) {
    const int ignore = labels.scheme(set.scheme).ignoreValue;
    const std::vector<uint8_t> codes = labels.rasterize(set.id, chip);
    if (std::any_of(codes.begin(), codes.end(), [&](uint8_t code) { return code != ignore; })) return true;
  }
  return false;
}

}  // namespace

std::vector<int64_t> greedyKCentre(const torch::Tensor& candidates, const torch::Tensor& centres, int64_t first, int count) {
  std::vector<int64_t> picked;
  const int64_t n = candidates.size(0);
  if (n == 0 || count < 1) return picked;
  // Cosine distance to the nearest centre or pick so far; picks are pushed out of reach.
  torch::Tensor nearest = torch::full({n}, std::numeric_limits<float>::infinity());
  if (centres.defined() && centres.size(0) > 0) nearest = (1 - candidates.matmul(centres.t())).amin(1);
  int64_t next = first;
  while (int(picked.size()) < count && int64_t(picked.size()) < n) {
    picked.push_back(next);
    nearest = torch::minimum(nearest, 1 - candidates.matmul(candidates[next]));
    for (int64_t taken : picked) nearest[taken] = -std::numeric_limits<float>::infinity();
    next = nearest.argmax().item<int64_t>();
  }
  return picked;
}

ChipScores scoreChips(Network& network, const torch::Tensor& input, const torch::Tensor& usable, const model::Coords& coords) {
  ChipScores scores;
  const torch::Tensor probabilities = torch::softmax(network.segmentation->forward(input, coords).to(torch::kFloat32), 1).to(torch::kCPU);
  std::vector<torch::Tensor> entropy, margin;
  for (int64_t b = 0; b < probabilities.size(0); ++b) {
    const torch::Tensor uncertainty = uncertaintyOf(probabilities[b]);
    const torch::Tensor where = usable.defined() ? usable[b].to(torch::kCPU) : torch::ones_like(uncertainty[0], torch::kBool);
    entropy.push_back(uncertainty[0].masked_select(where).mean());
    margin.push_back(uncertainty[1].masked_select(where).mean());
  }
  scores.entropy = torch::stack(entropy);
  scores.margin = torch::stack(margin);
  // The chip's place in embedding space: its patch tokens' mean (cls left out).
  const torch::Tensor mean =
      network.segmentation->encoder->forwardFeatures(input, coords).to(torch::kCPU).to(torch::kFloat32).slice(1, 1).mean(1);
  scores.directions = mean / mean.norm(2, {1}, true).clamp_min(1e-12);
  return scores;
}

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
  std::vector<ChipSuggestion> candidates;
  std::vector<torch::Tensor> directions;
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
        if (usable.sum().item<int64_t>() * 2 < int64_t(chip) * chip) continue;
        const torch::Tensor input = normaliseChip(dn, config.mean, config.std).unsqueeze(0).to(device);
        const ChipScores scores = scoreChips(network, input, usable.unsqueeze(0));
        ChipSuggestion candidate;
        candidate.sceneId = scene.id;
        candidate.chip = window;
        candidate.entropy = scores.entropy[0].item<double>();
        candidate.margin = scores.margin[0].item<double>();
        candidates.push_back(candidate);
        directions.push_back(scores.directions[0]);
      }
  }
  reportProgress(feedback, total, total, "ranking " + std::to_string(candidates.size()) + " chips");
  if (candidates.empty()) return {};
  // The most uncertain `count` x poolFactor, then spread: the most uncertain first.
  std::vector<size_t> order(candidates.size());
  std::iota(order.begin(), order.end(), size_t(0));
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return candidates[a].entropy > candidates[b].entropy; });
  order.resize(std::min(order.size(), size_t(options.count) * size_t(std::max(1, options.poolFactor))));
  std::vector<torch::Tensor> pool;
  for (size_t i : order) pool.push_back(directions[i]);
  std::vector<ChipSuggestion> picked;
  for (int64_t row : greedyKCentre(torch::stack(pool), torch::Tensor(), 0, options.count)) {
    picked.push_back(candidates[order[size_t(row)]]);
    picked.back().rank = int(picked.size());
  }
  return picked;
}

}  // namespace prithvi::engine
