#pragma once
// The one list of models and task presets that the CLI and every dialog offer: the built-in
// Prithvi variants (their numbers live in training/model/PrithviConfig), the model configs that
// ship in assets/models/<name>.json, and the task presets in assets/tasks/<name>.json. A name
// from here is what `--model` and `--preset` take.

#include <string>
#include <vector>

namespace prithvi {

struct ModelChoice {
  std::string name;
  std::string description;
  std::string configPath;  // a bundled config file; empty for a built-in variant
};

// Built-in variants first (released models, then the small test models), then bundled configs.
std::vector<ModelChoice> modelChoices();
// The bundled config file named `name` (assets/models/<name>.json), or "" when there is none.
std::string bundledModelConfig(const std::string& name);
// "a, b, c": for error messages that list what a user may type.
std::string modelChoiceNames();

struct TaskPresetChoice {
  std::string name;  // the file's base name: what --preset takes
  std::string task;  // flood | burn_scars | crop | cloud_gap | pretrain
  std::string description;
  std::string path;
  std::string model;  // the preset's train.model, "" when it names none
};

// The task presets in assets/tasks, by name; files that are not presets are left out.
std::vector<TaskPresetChoice> taskPresetChoices();

}  // namespace prithvi
