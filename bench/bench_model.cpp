// Prithvi in LibTorch: encoder inference and one MAE training step (forward with 75 % masking,
// backward, AdamW: our fused one, as the trainer uses), timed in one process after a warm-up. bench/run_model_bench.sh runs this
// and the idiomatic PyTorch model of bench/bench_model_python.py on the same threads.
//   build/bin/bench_model --config prithvi_eo_v1_100 --frames 3 --batch 1 --threads 2 --repeats 3
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "training/engine/FusedAdamW.h"
#include "training/model/PrithviMae.h"

using namespace prithvi::model;

namespace {
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}
double seconds(const std::chrono::steady_clock::time_point& start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}
}  // namespace

int main(int argc, char** argv) {
  std::string name = "prithvi_eo_v2_tiny_tl";
  int frames = 1, batch = 1, threads = 2, repeats = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    if (key == "--config") name = argv[i + 1];
    if (key == "--frames") frames = std::atoi(argv[i + 1]);
    if (key == "--batch") batch = std::atoi(argv[i + 1]);
    if (key == "--threads") threads = std::atoi(argv[i + 1]);
    if (key == "--repeats") repeats = std::atoi(argv[i + 1]);
  }
  at::set_num_threads(threads);
  torch::manual_seed(0);
  PrithviConfig config = PrithviConfig::byName(name);
  config.temporalEncoding = config.locationEncoding = false;  // no coordinates in the benchmark
  PrithviMae mae(config);
  const auto pixels = torch::randn({batch, config.inChans, frames, config.imgSize, config.imgSize});

  std::vector<double> inference, training;
  {
    torch::InferenceMode mode;
    mae->eval();
    mae->encoder->forwardFeatures(pixels);  // warm-up
    for (int r = 0; r < repeats; ++r) {
      const auto start = std::chrono::steady_clock::now();
      auto tokens = mae->encoder->forwardFeatures(pixels);
      inference.push_back(seconds(start));
    }
  }
  mae->train();
  prithvi::engine::FusedAdamW optimizer(mae->parameters(), {});
  for (int r = 0; r <= repeats; ++r) {  // the first step warms up
    const auto start = std::chrono::steady_clock::now();
    optimizer.zeroGrad();
    auto out = mae->forward(pixels);
    out.loss.backward();
    optimizer.step();
    if (r > 0) training.push_back(seconds(start));
  }
  std::printf("{\"impl\": \"C++ LibTorch %s\", \"config\": \"%s\", \"frames\": %d, \"batch\": %d, \"threads\": %d, "
              "\"encoder_s\": %.4f, \"train_step_s\": %.4f, \"encoder_min_s\": %.4f, \"train_step_min_s\": %.4f}\n",
              TORCH_VERSION, name.c_str(), frames, batch, threads, median(inference), median(training),
              *std::min_element(inference.begin(), inference.end()), *std::min_element(training.begin(), training.end()));
  return 0;
}
