// Fuzz target: a safetensors file as readSafetensors reads it (training/model/StateDict.h):
// 8-byte header length, JSON header (training/model/Json.h with the header's limits), tensor
// byte ranges, bool values.

#include <cstddef>
#include <cstdint>

#include "core/base/Error.h"
#include "tests/fuzz/FuzzSupport.h"
#include "training/model/StateDict.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const prithvi::fuzz::InputFile input("input.safetensors", data, size);
  prithvi::model::ReadLimits limits;
  // Allocations follow the file's size here, but keep them far below -rss_limit_mb anyway.
  limits.maxTotalBytes = 64LL << 20;
  limits.maxTensors = 4096;
  try {
    const prithvi::model::StateDict state = prithvi::model::readSafetensors(input.path(), limits);
    for (const auto& [name, tensor] : state.tensors) (void)tensor.numel();
  } catch (const prithvi::Error&) {
  }
  return 0;
}
