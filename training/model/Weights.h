#pragma once
// Prithvi weights from any released or converted file, with the model they fit: the config is
// taken from the caller, else from the file's own metadata (our safetensors), else inferred
// from the tensor shapes.

#include <optional>
#include <string>
#include <vector>

#include "training/model/Checkpoint.h"
#include "training/model/PrithviMae.h"

namespace prithvi::model {

// Metadata key under which converted safetensors carry the model config (JSON).
constexpr const char* kConfigMetadataKey = "prithvi.config";

// The variant whose shapes the canonical state dict has (embed dim, depth, patch, decoder,
// coordinate encodings, frames from a stored pos-embed). Throws Error(BadInput) when the
// tensors are not a Prithvi MAE or encoder.
PrithviConfig inferConfig(const StateDict& canonical);

struct LoadedWeights {
  PrithviConfig config;
  StateDict canonical;              // PrithviMAE layout
  std::vector<std::string> notes;   // how keys were mapped, where the config came from
  std::string layout;               // "PrithviMAE (encoder./decoder.)", "flat v1", "mmseg", ...
};

// Reads and canonicalises a checkpoint; `config` (the user's choice, resolved by the model
// catalogue) wins over the file's metadata, which wins over inference.
LoadedWeights readPrithviWeights(const std::string& path, const std::optional<PrithviConfig>& config = std::nullopt);

// A model built for the weights and loaded with them (decoder-less files load the encoder and
// report the decoder missing). The report says what was loaded.
PrithviMae buildModel(const LoadedWeights& weights, CheckpointLoadReport* report = nullptr);

}  // namespace prithvi::model
