// Reading checkpoints and model configs, in one run: the 453.6 MB Prithvi 100M torch.save
// archive (zip container, restricted unpickler, CRC of every record), the same weights as
// safetensors (the header's JSON parse alone, and the whole file), and a model config's JSON.
// Built against any revision with these calls, so an older build's libraries give the baseline
// (bench/run_baseline.sh). The .pt comes from the checkpoint fixture script (python3-torch):
//   /usr/bin/python3 tests/training/fixtures/checkpoint_fixtures.py prithvi100m /tmp/p100m.pt /tmp/p100m.json
//   build/bin/bench_checkpoints --pt /tmp/p100m.pt [--repeats 5]
#include <QElapsedTimer>
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "bench/BenchTiming.h"
#include "training/model/PrithviConfig.h"
#include "training/model/StateDict.h"

using namespace prithvi::model;

using prithvi::bench::medianMs;

int main(int argc, char** argv) {
  std::string pt;
  int repeats = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--pt")) pt = argv[i + 1];
    if (!std::strcmp(argv[i], "--repeats")) repeats = std::max(1, std::atoi(argv[i + 1]));
  }
  if (pt.empty()) {
    std::fprintf(stderr, "usage: bench_checkpoints --pt PRITHVI_100M.pt [--repeats N]\n");
    return 2;
  }
  size_t tensors = 0;
  const double ptMs = medianMs(repeats, [&] { tensors = readTorchCheckpoint(pt).tensors.size(); });
  std::printf(".pt load (453.6 MB):           %8.1f ms median of %d (%zu tensors)\n", ptMs, repeats, tensors);

  // The same weights as safetensors: the whole file, and a header-only file (its tensors empty)
  // so that the JSON parse of a 254-entry header is timed on its own.
  const std::string st = pt + ".safetensors";
  const StateDict state = readTorchCheckpoint(pt);
  writeSafetensors(st, state);
  const double stMs = medianMs(repeats, [&] { tensors = readSafetensors(st).tensors.size(); });
  std::printf("safetensors load (453.6 MB):   %8.1f ms median of %d (%zu tensors)\n", stMs, repeats, tensors);
  StateDict empty;
  for (const auto& [name, tensor] : state.tensors)
    empty.tensors.emplace_back(name, at::empty({0, 1}, tensor.options()));
  const std::string header = pt + ".header.safetensors";
  writeSafetensors(header, empty);
  const double headerMs = medianMs(repeats * 40, [&] { tensors = readSafetensors(header).tensors.size(); });
  std::printf("safetensors header parse:      %8.3f ms median of %d (%zu entries)\n", headerMs, repeats * 40, tensors);

  const std::string config = PrithviConfig::byName("prithvi_eo_v1_100").toJson();
  PrithviConfig parsed;
  const double configMs = medianMs(repeats * 200, [&] { parsed = PrithviConfig::fromJson(config); });
  std::printf("model config JSON parse:       %8.4f ms median of %d (%lld-dim encoder)\n", configMs, repeats * 200,
              (long long)parsed.embedDim);
  std::remove(st.c_str());
  std::remove(header.c_str());
  return 0;
}
