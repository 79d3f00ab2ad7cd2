#pragma once
// Prithvi checkpoints on top of StateDict: the key layouts of the released files mapped to one
// canonical layout, copying into a module by name, patch-embed band subsetting, pos-embed
// resizing, and our own training checkpoints (one safetensors file, written atomically).

#include <map>
#include <string>
#include <vector>

#include <torch/nn/module.h>
#include <torch/types.h>

#include "training/model/StateDict.h"

namespace prithvi::model {

// The PrithviMAE layout ("encoder.<name>", "decoder.<name>", names as in spec 2.2) from any
// released layout (spec 2.1):
// - descends into "state_dict." / "model." / "model_state." / "model_state_dict." (nested
//   checkpoint dicts, flattened with '.'); other top-level entries (optimizer, meta, epoch, ...)
//   are dropped; a DistributedDataParallel "module." prefix is stripped;
// - mmseg fine-tuned checkpoints: "backbone." -> "encoder."; neck./decode_head./auxiliary_head.
//   keys are kept as they are;
// - keys already under "encoder." / "decoder." are kept;
// - the flat EO-1.0 layout (Prithvi_100M.pt): keys containing "decoder" or "_dec", or equal to
//   "mask_token", go to "decoder.", the rest to "encoder." (TerraTorch's rule).
// Metadata is copied. `notes` (optional) receives one line per decision taken.
StateDict canonicalPrithviKeys(const StateDict& raw, std::vector<std::string>* notes = nullptr);

struct CheckpointLoadOptions {
  // Missing, unexpected or shape-mismatched keys throw Error(BadInput) listing them all.
  bool strict = false;
  // "pos_embed" / "decoder_pos_embed" (under any prefix) are recomputed by the model: neither
  // copied, nor reported missing; checkpoint entries are listed under `ignored`.
  bool ignorePosEmbed = true;
  // Checkpoint keys under these prefixes that the module lacks are listed under `ignored`
  // instead of `unexpected` (e.g. {"decoder."} for an encoder-only model).
  std::vector<std::string> ignorePrefixes;
  // Loads a part of a model: checkpoint keys under `prefix` ("encoder.") match module keys
  // without it; keys outside the prefix are listed under `ignored`.
  std::string prefix;
};

struct CheckpointLoadReport {
  std::vector<std::string> loaded;         // copied into the module
  std::vector<std::string> missing;        // in the module, not in the checkpoint
  std::vector<std::string> unexpected;     // in the checkpoint, not in the module
  std::vector<std::string> shapeMismatch;  // in both, shapes differ (not copied)
  std::vector<std::string> ignored;        // in the checkpoint, skipped on purpose
  std::vector<std::string> details;        // "name: checkpoint [..] vs module [..]" per mismatch

  bool complete() const { return missing.empty() && unexpected.empty() && shapeMismatch.empty(); }
  // Human-readable summary: counts, then every missing / unexpected / mismatched name.
  std::string text() const;
};

// Copies tensors by exact name into module.named_parameters() and named_buffers() (recursive)
// under torch::NoGradGuard; dtype and device follow the module's tensors.
CheckpointLoadReport loadIntoModule(torch::nn::Module& module, const StateDict& canonical,
                                    const CheckpointLoadOptions& options = {});

// Band subsetting of the Conv3d patch-embed weight [D, C, t, p, p] (spec 2.3, TerraTorch's
// select_patch_embed_weights): the result has freshInit's shape [D, modelBands.size(), t, p, p];
// channel i is the checkpoint slice of the band with the same name (exact, case-sensitive
// match) if the checkpoint has it, else freshInit's channel i. Bands only in the checkpoint are
// dropped. Throws Error(Usage) for shape/band-count mismatches or repeated band names.
torch::Tensor selectPatchEmbedChannels(const torch::Tensor& weight,
                                       const std::vector<std::string>& checkpointBands,
                                       const std::vector<std::string>& modelBands,
                                       const torch::Tensor& freshInit,
                                       std::vector<std::string>* notes = nullptr);

// Resizes a stored position embedding [1, 1 + T*H*W, D] (tokens in (t, h, w) order, w fastest)
// from the grid (fromFrames, fromH, fromW) to (toFrames, toH, toW), as TerraTorch's
// _interpolate_pos_encoding does:
// - row 0 (cls) is kept unchanged;
// - same grid: an exact copy;
// - frames: for toFrames < fromFrames the first toFrames frames are kept (exact for the sin-cos
//   table, whose first frames do not depend on T); for toFrames > fromFrames the last stored
//   frame is repeated, which loses the temporal encoding of the extra frames — for the fixed
//   sin-cos table the model should regenerate it instead (a note says so);
// - spatial: each frame's [H, W] grid of D channels is resized to [toH, toW] with bicubic
//   interpolation, align_corners=True (computed in float32, returned in the input dtype).
// Throws Error(Usage) when the shape does not match the grid.
torch::Tensor interpolatePosEmbed(const torch::Tensor& posEmbed, int64_t fromFrames, int64_t fromH,
                                  int64_t fromW, int64_t toFrames, int64_t toH, int64_t toW,
                                  std::vector<std::string>* notes = nullptr);

// Our own training checkpoints: one safetensors file holding the model tensors as
// "model.<name>", the optimizer state as "optimizer.<name>", and in __metadata__ the format tag
// "prithvi.format" = kTrainingCheckpointFormat, "prithvi.config" (JSON text),
// "prithvi.metrics" (JSON text) and each extra entry as "extra.<key>". Written atomically
// (temp file, fsync, rename, fsync of the folder); on failure the previous file is intact and
// Error(Io) is thrown.
inline constexpr const char* kTrainingCheckpointFormat = "prithvi-studio-training-checkpoint/1";

struct TrainingCheckpoint {
  StateDict model;
  StateDict optimizer;
  std::string configJson;
  std::string metricsJson;
  std::map<std::string, std::string> extra;
};

void saveTrainingCheckpoint(const std::string& path, const StateDict& model,
                            const StateDict& optimizer, const std::string& configJson,
                            const std::string& metricsJson,
                            const std::map<std::string, std::string>& extra);
// Whether `path` is a safetensors file whose header names a training checkpoint of ours (of any
// format version); reads only the header.
bool isTrainingCheckpoint(const std::string& path);
// Throws Error(BadInput) for a file that is not a training checkpoint of ours.
TrainingCheckpoint loadTrainingCheckpoint(const std::string& path, const ReadLimits& limits = {});

}  // namespace prithvi::model
