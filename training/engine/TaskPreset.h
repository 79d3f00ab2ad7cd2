#pragma once
// Task presets (assets/tasks/<name>.json): a task's dataset and training defaults, taken from
// the reference configurations in spec/prithvi.md. Command-line options override them.
//   {"task": ..., "description": ..., "dataset": {chip_size, stride, frames, min_labelled,
//    max_cloud, block_chips, validation, test}, "train": {model, head, decoder_channels, lr,
//    weight_decay, warmup_steps, batch_size, steps, eval_every, patience, class_weights,
//    balance_classes, mask_ratio}}
// A "model" ending in .json names a config file beside the preset.

#include <string>

#include "core/dataset/ChipDataset.h"
#include "training/engine/Trainer.h"

namespace prithvi::engine {

struct TaskPreset {
  std::string name;
  std::string path;
  std::string task;
  std::string description;
  std::string json;
};

// A preset by name (flood, burn_scars, crop, pretrain, demo_flood) or by file path; Error(BadInput)
// for an unknown name or a malformed file.
TaskPreset loadTaskPreset(const std::string& nameOrPath);
void applyPreset(const TaskPreset& preset, DatasetBuildOptions& options);
void applyPreset(const TaskPreset& preset, TrainOptions& options);

}  // namespace prithvi::engine
