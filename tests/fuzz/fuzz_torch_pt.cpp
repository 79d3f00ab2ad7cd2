// Fuzz target: a torch.save archive as readTorchCheckpoint reads it (training/model/StateDict.h):
// the zip container through libzip (stored records only, sizes checked before reading, CRC, the
// opening budget), the restricted unpickler of data.pkl (allow-listed
// globals, persistent storage ids, memo, marks) and the tensor views it builds. Also the
// format sniffing of readCheckpoint, which sends legacy pickles and safetensors elsewhere.

#include <cstddef>
#include <cstdint>

#include "core/base/Error.h"
#include "tests/fuzz/FuzzSupport.h"
#include "training/model/StateDict.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const prithvi::fuzz::InputFile input("input.pt", data, size);
  prithvi::model::ReadLimits limits;
  // A tensor may be a broadcast view (stride 0) of a small storage: its clone is bounded by
  // maxTotalBytes only, so keep that far below -rss_limit_mb. The other limits are the defaults.
  limits.maxTotalBytes = 64LL << 20;
  try {
    const prithvi::model::StateDict state = prithvi::model::readCheckpoint(input.path(), limits);
    for (const auto& [name, tensor] : state.tensors) (void)tensor.numel();
  } catch (const prithvi::Error&) {
  }
  return 0;
}
