#include "training/model/Weights.h"

#include <fstream>
#include <set>
#include <sstream>

#include "core/base/Error.h"

namespace prithvi::model {

namespace {

bool startsWith(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

// The number of distinct N in "<prefix>N." keys.
int64_t countBlocks(const StateDict& state, const std::string& prefix) {
  std::set<int64_t> indices;
  for (const auto& [name, tensor] : state.tensors)
    if (startsWith(name, prefix)) {
      const size_t end = name.find('.', prefix.size());
      try {
        indices.insert(std::stoll(name.substr(prefix.size(), end - prefix.size())));
      } catch (...) {
      }
    }
  return int64_t(indices.size());
}

bool sameShape(const PrithviConfig& a, const PrithviConfig& b) {
  return a.embedDim == b.embedDim && a.depth == b.depth && a.patchSize == b.patchSize && a.tubeletSize == b.tubeletSize &&
         a.inChans == b.inChans && a.temporalEncoding == b.temporalEncoding && a.locationEncoding == b.locationEncoding &&
         (b.decoderDepth == 0 || (a.decoderEmbedDim == b.decoderEmbedDim && a.decoderDepth == b.decoderDepth));
}
}  // namespace

PrithviConfig inferConfig(const StateDict& canonical) {
  const torch::Tensor* patch = canonical.find("encoder.patch_embed.proj.weight");
  if (!patch || patch->dim() != 5)
    throwBadInput("the weights hold no Prithvi patch embedding (encoder.patch_embed.proj.weight [D, C, t, p, p]); "
                  "is this a Prithvi checkpoint?");
  PrithviConfig shape;
  shape.embedDim = patch->size(0);
  shape.inChans = patch->size(1);
  shape.tubeletSize = patch->size(2);
  shape.patchSize = patch->size(3);
  shape.depth = countBlocks(canonical, "encoder.blocks.");
  shape.decoderDepth = countBlocks(canonical, "decoder.decoder_blocks.");
  if (const torch::Tensor* embed = canonical.find("decoder.decoder_embed.weight")) shape.decoderEmbedDim = embed->size(0);
  shape.temporalEncoding = canonical.find("encoder.temporal_embed_enc.scale") != nullptr;
  shape.locationEncoding = canonical.find("encoder.location_embed_enc.scale") != nullptr;
  shape.coordsScaleLearn = shape.temporalEncoding || shape.locationEncoding;

  // A released variant (or test model) with these shapes lends its head counts and statistics.
  PrithviConfig config;
  bool known = false;
  for (const std::string& name : PrithviConfig::names()) {
    const PrithviConfig candidate = PrithviConfig::byName(name);
    if (sameShape(candidate, shape)) {
      config = candidate;
      known = true;
      break;
    }
  }
  if (!known) {
    config = shape;
    config.name = "inferred";
    config.numHeads = shape.embedDim % 64 == 0 ? shape.embedDim / 64 : 1;
    config.decoderNumHeads = shape.decoderEmbedDim % 32 == 0 ? shape.decoderEmbedDim / 32 : 1;
    if (shape.decoderDepth == 0) config.decoderDepth = 0;
  }
  // The stored pos-embed tells the pretraining frame count.
  if (const torch::Tensor* pos = canonical.find("encoder.pos_embed"); pos && pos->dim() == 3) {
    const int64_t perFrame = (config.imgSize / config.patchSize) * (config.imgSize / config.patchSize);
    if (perFrame > 0 && (pos->size(1) - 1) % perFrame == 0) config.numFrames = (pos->size(1) - 1) / perFrame * config.tubeletSize;
  }
  return config;
}

LoadedWeights readPrithviWeights(const std::string& path, const std::optional<PrithviConfig>& config) {
  LoadedWeights weights;
  const StateDict raw = readCheckpoint(path);
  weights.canonical = canonicalPrithviKeys(raw, &weights.notes);
  bool flat = false, mmseg = false, nested = false;
  for (const auto& [name, tensor] : raw.tensors) {
    flat |= name == "cls_token" || startsWith(name, "blocks.");
    mmseg |= startsWith(name, "state_dict.backbone.") || startsWith(name, "backbone.");
    nested |= startsWith(name, "model.") || startsWith(name, "state_dict.");
  }
  weights.layout = mmseg ? "mmseg (backbone.)" : flat ? "flat EO-1.0 (Prithvi_100M.pt)"
                   : nested ? "nested (model/state_dict)" : "PrithviMAE (encoder./decoder.)";
  if (config) {
    weights.config = *config;
    weights.notes.push_back("config " + weights.config.name + " as given");
  } else if (auto it = raw.metadata.find(kConfigMetadataKey); it != raw.metadata.end()) {
    weights.config = PrithviConfig::fromJson(it->second);
    weights.notes.push_back("config " + weights.config.name + " from the file's metadata");
  } else {
    weights.config = inferConfig(weights.canonical);
    weights.notes.push_back("config " + weights.config.name + " inferred from the tensor shapes");
  }
  weights.config.validate();
  return weights;
}

PrithviMae buildModel(const LoadedWeights& weights, CheckpointLoadReport* report) {
  PrithviConfig config = weights.config;
  PrithviMae model(config);
  const CheckpointLoadReport loaded = loadIntoModule(*model, weights.canonical);
  // The encoder must be complete; a missing decoder only rules out reconstruction.
  std::vector<std::string> encoderProblems;
  for (const auto& key : loaded.missing)
    if (startsWith(key, "encoder.")) encoderProblems.push_back(key);
  for (const auto& key : loaded.shapeMismatch) encoderProblems.push_back(key);
  if (!encoderProblems.empty())
    throwBadInput("the weights do not fit the " + config.name + " model (" + loaded.text() +
                  "); name the right variant with --config");
  if (report) *report = loaded;
  return model;
}

}  // namespace prithvi::model
