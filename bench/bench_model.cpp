// Prithvi in LibTorch: encoder inference and one MAE training step (forward with 75 % masking,
// backward, AdamW: our fused one, as the trainer uses), timed in one process after a warm-up,
// with the bound the processor's matrix rate sets, measured in the same process.
// bench/run_model_bench.sh runs this and the idiomatic PyTorch model of
// bench/bench_model_python.py on the same threads.
//   build/bin/bench_model --config prithvi_eo_v1_100 --frames 3 --batch 1 --threads 2 --repeats 3
//       [--precision fp32|bf16|int8] [--split]
// --precision: the encoder runs with packed bf16/int8 Linear layers (model/LinearPrecision.h);
//   the training step with bf16 autocast (bf16) or fp32 (int8 is inference only).
// --split: the time of one encoder block's parts (matrix products, attention, element-wise).
// One JSON object on stdout.
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "training/engine/FusedAdamW.h"
#include "training/model/CpuRuntime.h"
#include "training/model/LinearPrecision.h"
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
// Seconds of `work` over `repeats` runs after one warm-up: the median, or the best (the
// machine's rate when nothing else interferes; this 2-core VM is shared and noisy).
double timed(int repeats, const std::function<void()>& work, bool best = false) {
  work();
  std::vector<double> times;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    work();
    times.push_back(seconds(start));
  }
  return best ? *std::min_element(times.begin(), times.end()) : median(times);
}

// Multiply-adds x 2 of the transformer blocks of width d on n tokens (batch b), MLP hidden h.
double blockFlops(double b, double n, double d, double h) {
  return b * (2 * n * d * 3 * d + 2 * n * d * d + 2 * 2 * n * d * h + 2 * 2 * n * n * d);
}

struct Flops {
  double encoder = 0;    // full encoder forward, every token
  double trainStep = 0;  // MAE forward (encoder on the kept tokens + decoder) x 3 (forward + backward)
};

Flops flopsOf(const PrithviConfig& c, int frames, int batch) {
  const double t = double(frames) / double(c.tubeletSize), hw = double(c.imgSize / c.patchSize);
  const double tokens = t * hw * hw, patchIn = double(c.inChans * c.tubeletSize * c.patchSize * c.patchSize);
  const double d = double(c.embedDim), dd = double(c.decoderEmbedDim), b = double(batch);
  const double embed = b * 2 * tokens * patchIn * d;
  Flops f;
  f.encoder = embed + double(c.depth) * blockFlops(b, tokens + 1, d, double(c.mlpHidden(c.embedDim)));
  const double kept = double(lenKeepFor(int64_t(tokens), c.maskRatio)) + 1;
  const double encoder = b * 2 * (kept - 1) * patchIn * d + double(c.depth) * blockFlops(b, kept, d, double(c.mlpHidden(c.embedDim)));
  const double decoder = b * 2 * kept * d * dd + double(c.decoderDepth) * blockFlops(b, tokens + 1, dd, double(c.mlpHidden(c.decoderEmbedDim))) +
                         b * 2 * (tokens + 1) * dd * patchIn;
  f.trainStep = 3 * (encoder + decoder);
  return f;
}

// GFLOP/s of the encoder's four Linear shapes on `tokens` rows, each a plain fp32 (or bf16)
// matrix product at its best of several runs: the rate the processor's matrix units give this
// model, flop-weighted.
double matrixRate(int64_t tokens, int64_t d, int64_t h, torch::ScalarType type, int repeats) {
  const std::vector<std::pair<int64_t, int64_t>> shapes = {{d, 3 * d}, {d, d}, {d, h}, {h, d}};
  double flops = 0, time = 0;
  for (const auto& [in, out] : shapes) {
    const auto a = torch::randn({tokens, in}).to(type), w = torch::randn({in, out}).to(type);
    flops += 2.0 * double(tokens) * double(in) * double(out);
    time += timed(repeats * 4, [&] { (void)torch::mm(a, w); }, /*best=*/true);
  }
  return flops / time / 1e9;
}

struct Split {
  double matmul = 0, attention = 0, elementwise = 0, block = 0;
};

// One encoder block's parts on the tokens of the input, run as the block runs them.
Split splitOfBlock(BlockImpl& block, const torch::Tensor& x, int repeats) {
  Split s;
  AttentionImpl& attn = *block.attn;
  const int64_t b = x.size(0), n = x.size(1), c = x.size(2);
  auto linear = [](torch::nn::Linear layer, const std::shared_ptr<const PackedLinear>& packed, const torch::Tensor& in) {
    return packed ? packed->forward(in) : layer(in);
  };
  const auto normed = block.norm1(x);
  const auto mixed = linear(attn.qkv, attn.qkvPacked, normed);
  const auto parts = mixed.reshape({b, n, 3, attn.numHeads, attn.headDim}).permute({2, 0, 3, 1, 4});
  const auto heads = attn.forward(normed);  // for shapes only
  const auto merged = torch::zeros({b, n, c}, mixed.options());
  const auto hidden = linear(block.mlp->fc1, block.mlp->fc1Packed, block.norm2(x));
  const auto activated = torch::gelu(hidden);
  s.matmul = timed(repeats, [&] { (void)linear(attn.qkv, attn.qkvPacked, normed); }) +
             timed(repeats, [&] { (void)linear(attn.proj, attn.projPacked, merged); }) +
             timed(repeats, [&] { (void)linear(block.mlp->fc1, block.mlp->fc1Packed, normed); }) +
             timed(repeats, [&] { (void)linear(block.mlp->fc2, block.mlp->fc2Packed, activated); });
  s.attention = timed(repeats, [&] {
    const torch::Tensor query = parts[0];
    const torch::Tensor key = parts[1];
    const torch::Tensor value = parts[2];
    const torch::Tensor scores =
        torch::matmul(query * attn.scale, key.transpose(-2, -1)).softmax(-1, torch::kFloat32).to(value.scalar_type());
    (void)torch::matmul(scores, value).transpose(1, 2).reshape({b, n, c});
  });
  s.elementwise = timed(repeats, [&] {
    (void)block.norm1(x);
    (void)block.norm2(x);
    (void)torch::gelu(hidden);
    (void)(x + heads);
    (void)(x + heads);
  });
  s.block = timed(repeats, [&] { (void)block.forward(x); });
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::string name = "prithvi_eo_v2_tiny_tl", precisionText = "fp32";
  int frames = 1, batch = 1, threads = 0, repeats = 3;
  bool split = false;
  for (int i = 1; i < argc; ++i) {
    const std::string key = argv[i];
    if (key == "--split") {
      split = true;
      continue;
    }
    if (i + 1 >= argc) break;
    const char* value = argv[++i];
    if (key == "--config") name = value;
    if (key == "--frames") frames = std::atoi(value);
    if (key == "--batch") batch = std::atoi(value);
    if (key == "--threads") threads = std::atoi(value);
    if (key == "--repeats") repeats = std::max(1, std::atoi(value));
    if (key == "--precision") precisionText = value;
  }
  const Precision precision = parsePrecision(precisionText);
  const torch::Device cpu(torch::kCPU);
  requirePrecision(precision, cpu);
  threads = configureCpuThreads(threads);
  const BlasThreading blas = blasThreading();
  torch::manual_seed(0);
  PrithviConfig config = PrithviConfig::byName(name);
  config.temporalEncoding = config.locationEncoding = false;  // no coordinates in the benchmark
  PrithviMae mae(config);
  const auto pixels = torch::randn({batch, config.inChans, frames, config.imgSize, config.imgSize});
  const Flops flops = flopsOf(config, frames, batch);
  const int64_t tokens = int64_t(batch) * (int64_t(frames) / config.tubeletSize * (config.imgSize / config.patchSize) *
                                               (config.imgSize / config.patchSize) + 1);
  const int64_t hidden = config.mlpHidden(config.embedDim);
  const double rate32 = matrixRate(tokens, config.embedDim, hidden, torch::kFloat32, repeats);
  const bool bf16Here = cpuFeatures().avx512Bf16 || cpuFeatures().amxBf16;
  const double rate16 = bf16Here ? matrixRate(tokens, config.embedDim, hidden, torch::kBFloat16, repeats) : 0.0;

  std::vector<double> inference, training, optimizing;
  Split parts;
  double featureError = 0;  // relative L2 distance of the encoder's features from fp32
  {
    torch::InferenceMode mode;
    mae->eval();
    const torch::Tensor reference = mae->encoder->forwardFeatures(pixels);  // fp32, also the warm-up
    setLinearPrecision(*mae->encoder, precision, cpu);
    featureError = ((mae->encoder->forwardFeatures(pixels) - reference).norm() / reference.norm()).item<double>();
    for (int r = 0; r < repeats; ++r) {
      const auto start = std::chrono::steady_clock::now();
      auto tokensOut = mae->encoder->forwardFeatures(pixels);
      inference.push_back(seconds(start));
    }
    if (split) {
      const auto x = torch::randn({batch, tokens / batch, config.embedDim});
      parts = splitOfBlock(*mae->encoder->blockList.front(), x, repeats);
    }
    setLinearPrecision(*mae->encoder, Precision::Float32, cpu);
  }
  mae->train();
  prithvi::engine::FusedAdamW optimizer(mae->parameters(), {});
  const Precision trainPrecision = precision == Precision::BFloat16 ? precision : Precision::Float32;
  for (int r = 0; r <= repeats; ++r) {  // the first step warms up
    const auto start = std::chrono::steady_clock::now();
    optimizer.zeroGrad();
    torch::Tensor loss;
    {
      Bf16Autocast autocast(cpu, trainPrecision);
      loss = mae->forward(pixels).loss;
    }
    loss.backward();
    const auto stepStart = std::chrono::steady_clock::now();
    optimizer.step();
    if (r > 0) optimizing.push_back(seconds(stepStart));
    if (r > 0) training.push_back(seconds(start));
  }
  std::printf("{\"impl\": \"C++ LibTorch %s\", \"precision\": \"%s\", \"train_precision\": \"%s\", \"config\": \"%s\", "
              "\"frames\": %d, \"batch\": %d, \"threads\": %d, \"blas\": \"%s\", \"blas_threads\": \"%s\", "
              "\"encoder_s\": %.4f, \"train_step_s\": %.4f, \"encoder_min_s\": %.4f, \"train_step_min_s\": %.4f, "
              "\"encoder_gflop\": %.2f, \"train_step_gflop\": %.2f, \"matrix_gflops\": %.1f, \"matrix_gflops_bf16\": %.1f, "
              "\"encoder_bound_s\": %.4f, \"train_step_bound_s\": %.4f, \"optimizer_min_s\": %.4f, "
              "\"feature_error\": %.3e",
              TORCH_VERSION, precisionName(precision), precisionName(trainPrecision), name.c_str(), frames, batch, threads,
              blas.library.c_str(), blasThreadsName(blas.threads), median(inference), median(training),
              *std::min_element(inference.begin(), inference.end()), *std::min_element(training.begin(), training.end()),
              flops.encoder / 1e9, flops.trainStep / 1e9, rate32, rate16, flops.encoder / (rate32 * 1e9),
              flops.trainStep / (rate32 * 1e9), *std::min_element(optimizing.begin(), optimizing.end()),
              featureError);
  if (split)
    std::printf(", \"block_matmul_s\": %.5f, \"block_attention_s\": %.5f, \"block_elementwise_s\": %.5f, \"block_s\": %.5f",
                parts.matmul, parts.attention, parts.elementwise, parts.block);
  std::printf("}\n");
  return 0;
}
