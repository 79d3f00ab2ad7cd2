// Part of fuzz_json: a task preset file (assets/tasks/*.json) as `prithvi train --preset` and
// `prithvi dataset build --preset` read it. Built as C++17 with the LibTorch headers
// (tests/fuzz/ClangCompat.h).

#include <cstddef>
#include <cstdint>

#include "core/dataset/ChipDataset.h"
#include "tests/fuzz/FuzzSupport.h"
#include "training/engine/TaskPreset.h"
#include "training/engine/Trainer.h"

namespace prithvi::fuzz {

void readTaskPreset(const uint8_t* data, size_t size) {
  const InputFile input("preset.json", data, size);
  const engine::TaskPreset preset = engine::loadTaskPreset(input.path());
  DatasetBuildOptions datasetOptions;
  engine::applyPreset(preset, datasetOptions);
  engine::TrainOptions trainOptions;
  engine::applyPreset(preset, trainOptions);
}

}  // namespace prithvi::fuzz
