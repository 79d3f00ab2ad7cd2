// Fuzz target: every JSON reader of the program, each given the same input text.
//   training/model/Json.h  parseJson: nlohmann-json under our limits (size, depth, values,
//                          top-level members, no duplicate keys), for safetensors headers and
//                          model configs; with its default limits and with tight ones
//   PrithviConfig::fromJson: model configs (ours and Hugging Face config.json style)
//   core/base/Json.h       parseJsonObject (Qt's reader, used for project and preset JSON)
//   ClassScheme::fromJson: label class schemes (stored in projects, exchanged as files)
//   loadTaskPreset + applyPreset + applyDatasetPreset: task presets (assets/tasks/*.json)

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/base/Error.h"
#include "core/base/Json.h"
#include "core/labels/ClassScheme.h"
#include "tests/fuzz/FuzzSupport.h"
#include "training/model/Json.h"
#include "training/model/PrithviConfig.h"

namespace prithvi::fuzz {
// fuzz_json_presets.cpp: the task preset readers include LibTorch headers, so they are built as
// C++17 (ClangCompat.h) and PrithviConfig.h needs C++20.
void readTaskPreset(const uint8_t* data, size_t size);
}  // namespace prithvi::fuzz

namespace {

// A property the program relies on failed: report it as a crash, with the input saved by libFuzzer.
[[noreturn]] void finding(const std::string& what) {
  std::fprintf(stderr, "prithvi fuzz finding: %s\n", what.c_str());
  std::abort();
}

}  // namespace

using prithvi::fuzz::expectOnlyPrithviErrors;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);

  expectOnlyPrithviErrors([&] { (void)prithvi::model::parseJson(text, "fuzz"); });
  expectOnlyPrithviErrors([&] {
    prithvi::model::JsonLimits limits;
    limits.maxTopLevelMembers = 4;
    limits.topLevelMembers = "4 tensor entries (the limit)";
    limits.maxNodes = 64;
    limits.maxDepth = 3;
    (void)prithvi::model::parseJson(text, "fuzz", limits);
  });
  expectOnlyPrithviErrors([&] {
    const prithvi::model::PrithviConfig config = prithvi::model::PrithviConfig::fromJson(text);
    // What the program writes next to a checkpoint it must read back unchanged.
    const std::string written = config.toJson();
    try {
      if (!(prithvi::model::PrithviConfig::fromJson(written) == config))
        finding("PrithviConfig::fromJson(toJson()) differs from the config:\n" + written);
    } catch (const prithvi::Error& error) {
      finding("PrithviConfig::toJson() wrote a config fromJson refuses (" + std::string(error.what()) + "):\n" + written);
    }
  });
  expectOnlyPrithviErrors([&] { (void)prithvi::parseJsonObject(text, "fuzz"); });
  expectOnlyPrithviErrors([&] {
    const prithvi::ClassScheme scheme = prithvi::ClassScheme::fromJson(text);
    (void)scheme.palette();
    (void)scheme.categoryNames();
    // Schemes are stored in the project as toJson() and read back with fromJson().
    const std::string written = scheme.toJson();
    try {
      if (prithvi::ClassScheme::fromJson(written).toJson() != written)
        finding("ClassScheme::fromJson(toJson()) differs from the scheme:\n" + written);
    } catch (const prithvi::Error& error) {
      finding("ClassScheme::toJson() wrote a scheme fromJson refuses (" + std::string(error.what()) + "):\n" + written);
    }
  });
  expectOnlyPrithviErrors([&] { prithvi::fuzz::readTaskPreset(data, size); });
  return 0;
}
