#pragma once
// What a fine-tuned checkpoint is, read from its safetensors header alone (no tensors, no torch):
// the task and classes, the bands, frames and window it was trained on, the head and where
// training stopped. The Run Model dialog shows it before anything runs.

#include <optional>
#include <string>
#include <vector>

namespace prithvi {

struct CheckpointSummary {
  std::string format;  // "prithvi-studio-training-checkpoint/1", or "" for other safetensors
  std::string task;    // flood | burn_scars | crop | cloud_gap | pretrain ...; "" when unknown
  std::vector<std::string> classNames;
  int bands = 0;
  int frames = 0;
  int chipSize = 0;  // the window it was trained on, in pixels
  std::string head;
  std::string model;  // the encoder's name ("prithvi_eo_v1_100", "demo_tiny_p4")
  int64_t step = 0;
  std::optional<double> validationMiou;
};

// The safetensors header's metadata, parsed. Error(BadInput) for a file that is not a
// safetensors checkpoint (too short, a header that does not fit, not JSON).
CheckpointSummary summarizeCheckpoint(const std::string& path);

}  // namespace prithvi
