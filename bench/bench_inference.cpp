// Whole-tile inference ('prithvi infer', engine::inferScenes) against the machine's compute bound.
//
// A single-date 3660x3660 synthetic HLS tile (or --size N) goes through Prithvi EO-1.0 100M
// (ViT-B/16: 768 wide, 12 blocks, 224-px windows, 1 frame) with the v1 neck + FCN head (2
// classes), random weights saved as a training checkpoint, with inferScenes' defaults (window
// 224, overlap 0.25, cosine blending, class map). The bound is the model's forward FLOPs per
// window (counted from the layer shapes, formula below) x windows / the matrix-multiply rate
// measured in the same process with the encoder's own Linear shapes and the same threads.
// With CUDA (LibTorch 2.x builds), the same run on the GPU under bf16 autocast (goal: < 2 s
// per tile); without a GPU that part says so and is skipped.
// --precision bf16|int8 runs the tile as 'prithvi infer --precision' does (the model-alone split
// stays fp32 so the parts compare with their fp32 bounds).
//   build/bin/bench_inference [--size 3660] [--threads 0 (physical cores)] [--batch 4] [--data DIR] [--no-cpu]
//                             [--precision fp32|bf16|int8]
#include <torch/torch.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "core/scene/SceneScanner.h"
#include "core/synth/HlsSynth.h"
#include "training/engine/Network.h"
#include "training/engine/TiledInference.h"
#include "training/model/Checkpoint.h"
#include "training/model/CpuRuntime.h"

using namespace prithvi;

namespace {

double seconds(const std::chrono::steady_clock::time_point& start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// A single-date synthetic granule of `size` pixels a side, made once per data folder
// (bench/BenchData.h's folder for the full tile, so the benchmarks share it).
Scene granuleOfSize(const std::string& dataDir, int size) {
  const std::string dir = dataDir + "/hls-" + std::to_string(size);
  if (!QFileInfo::exists(QString::fromStdString(dir + "/done"))) {
    HlsSynthOptions options;
    options.dates = 1;
    options.size = size;
    options.outDir = dir;
    synthesizeHlsTile(options);
    QFile done(QString::fromStdString(dir + "/done"));
    done.open(QIODevice::WriteOnly);
  }
  ScanOptions scan;
  scan.computeCloudCover = false;
  return scanForScenes({dir}, scan).scenes.at(0);
}

// Windows inferScenes places along one axis: every stride, plus one flush with the far edge.
int64_t windowsAlong(int extent, int window, int stride) {
  int64_t count = 1;
  for (int origin = 0; origin + window < extent; origin += stride) ++count;
  return count;
}

// Forward FLOPs of one window (a multiply-add counts 2), from the layer shapes. With S the
// window, p the patch, C = 6 bands, T frames, D the width, L = T (S/p)^2 patch tokens and
// N = L + 1 tokens with cls:
//   patch embed      2 L (C p^2) D                      (the Conv3d as a matrix product)
//   per block (x12)  qkv 2 N D 3D + proj 2 N D^2         (attention Linears)
//                    2 N^2 D (q k^T) + 2 N^2 D (attn v)  (attention matmuls, all heads)
//                    2 N D 4D + 2 N 4D D                 (MLP)
//   v1 neck          four ConvTranspose2d(k 2, s 2):  2 So^2 Cin Cout at So = 2S/p, 4S/p, 8S/p, 16S/p,
//                    Cin = Cout = E = D T
//   FCN head         conv3x3 E -> F: 2 S^2 9 E F; conv1x1 F -> K classes: 2 S^2 F K
// LayerNorm, GELU, softmax, BatchNorm, ReLU, biases, the blending and the argmax are O(elements)
// and left out (well under 1 %).
struct Flops {
  double patchEmbed = 0, attentionLinear = 0, attentionMatmul = 0, mlp = 0, neck = 0, head = 0;
  double encoder() const { return patchEmbed + attentionLinear + attentionMatmul + mlp; }
  double total() const { return encoder() + neck + head; }
};

Flops windowFlops(const model::PrithviConfig& config, int window, int64_t fcnChannels, int64_t classes) {
  const double S = window, p = double(config.patchSize), C = double(config.inChans), T = double(config.numFrames),
               D = double(config.embedDim), depth = double(config.depth), hidden = D * 4;
  const double L = T * (S / p) * (S / p), N = L + 1, E = D * T, F = double(fcnChannels), K = double(classes);
  Flops f;
  f.patchEmbed = 2 * L * (C * p * p) * D;
  f.attentionLinear = depth * (2 * N * D * 3 * D + 2 * N * D * D);
  f.attentionMatmul = depth * (2 * N * N * D * 2);
  f.mlp = depth * (2 * N * D * hidden * 2);
  for (double scale : {2.0, 4.0, 8.0, 16.0}) {
    const double so = scale * S / p;
    f.neck += 2 * so * so * E * E;
  }
  f.head = 2 * S * S * 9 * E * F + 2 * S * S * F * K;
  return f;
}

// FLOP/s of torch::linear (addmm, as nn::Linear runs) for (rows x k) by a (n x k) weight,
// timed for about `budget` seconds after a warm-up.
double linearRate(int64_t rows, int64_t k, int64_t n, double budget, const torch::Device& device,
                  torch::ScalarType type = torch::kFloat32) {
  const torch::Tensor x = torch::randn({rows, k}, torch::TensorOptions().device(device).dtype(type));
  const torch::Tensor w = torch::randn({n, k}, x.options()), b = torch::randn({n}, x.options());
  torch::Tensor y = torch::linear(x, w, b);
  if (device.is_cuda()) torch::cuda::synchronize();
  int64_t calls = 0;
  const auto start = std::chrono::steady_clock::now();
  while (seconds(start) < budget || calls < 3) {
    y = torch::linear(x, w, b);
    ++calls;
    if (device.is_cuda() && calls % 16 == 0) torch::cuda::synchronize();
  }
  if (device.is_cuda()) torch::cuda::synchronize();
  return 2.0 * double(rows) * double(k) * double(n) * double(calls) / seconds(start);
}

// FLOP/s of the same product as a 1x1 convolution (oneDNN, LibTorch's own threads): what the
// Linears could reach through oneDNN instead of the BLAS.
double convolutionRate(int64_t batch, int64_t k, int64_t n, double budget) {
  const torch::Tensor x = torch::randn({batch, k, 14, 14});
  const torch::Tensor w = torch::randn({n, k, 1, 1}), b = torch::randn({n});
  torch::Tensor y = torch::conv2d(x, w, b);
  int64_t calls = 0;
  const auto start = std::chrono::steady_clock::now();
  while (seconds(start) < budget || calls < 3) {
    y = torch::conv2d(x, w, b);
    ++calls;
  }
  return 2.0 * double(batch) * 196 * double(k) * double(n) * double(calls) / seconds(start);
}

}  // namespace

int main(int argc, char** argv) {
  int size = 3660, threads = 0, batch = 4;
  std::string dataDir = "bench-data";
  std::string precisionText = "fp32";
  bool cpu = true;
  for (int i = 1; i < argc; ++i) {
    const std::string key = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : "";
    if (key == "--size") size = std::atoi(value), ++i;
    else if (key == "--threads") threads = std::atoi(value), ++i;
    else if (key == "--batch") batch = std::atoi(value), ++i;
    else if (key == "--data") dataDir = value, ++i;
    else if (key == "--precision") precisionText = value, ++i;
    else if (key == "--no-cpu") cpu = false;
    else {
      std::fprintf(stderr, "usage: bench_inference [--size N] [--threads N] [--batch N] [--data DIR] [--no-cpu] "
                           "[--precision fp32|bf16|int8]\n");
      return 2;
    }
  }
  // 'prithvi infer' defaults to the physical cores; the rates are measured with the same count.
  // Matrix products run in the OpenMP OpenBLAS the programs link (one pool with LibTorch's
  // threads), convolutions in oneDNN on the same threads.
  const model::Precision precision = model::parsePrecision(precisionText);
  threads = model::configureCpuThreads(threads);
  const model::BlasThreading blas = model::blasThreading();
  std::printf("BLAS %s (%s threads)%s\n", blas.library.c_str(), model::blasThreadsName(blas.threads),
              blas.contended ? ": CONTENDED with LibTorch's threads" : "");
  torch::manual_seed(0);

  // The model: EO-1.0 100M encoder for one frame, v1 neck + FCN head, random weights.
  model::PrithviConfig config = model::PrithviConfig::byName("prithvi_eo_v1_100");
  config.numFrames = 1;
  config.imgSize = 224;
  engine::NetworkShape shape;
  shape.classes = 2;
  shape.chipSize = 224;
  shape.frames = 1;
  engine::TrainOptions train;
  train.head = "fcn";
  train.decoderChannels = 256;
  engine::Network network = engine::buildNetwork(config, shape, train);
  network.module().eval();
  QDir().mkpath(QString::fromStdString(dataDir));
  const std::string checkpoint = dataDir + "/bench-infer-100m-fcn.safetensors";
  model::saveTrainingCheckpoint(checkpoint, model::toStateDict(network.module()), {},
                                "{\"head\": \"fcn\", \"decoder_channels\": 256, \"model_config\": " + network.config.toJson() + "}",
                                "{}", {{"task", "flood"}});

  const int window = 224, stride = int(std::lround(window * (1.0 - 0.25)));
  const int64_t windows = windowsAlong(size, window, stride) * windowsAlong(size, window, stride);
  const int64_t fullWindows = windowsAlong(3660, window, stride) * windowsAlong(3660, window, stride);
  const Flops flops = windowFlops(network.config, window, train.decoderChannels, shape.classes);
  std::printf("Prithvi EO-1.0 100M + v1 neck + FCN head (2 classes), window %d, overlap 0.25 (stride %d), batch %d, %d threads\n",
              window, stride, batch, threads);
  std::printf("forward FLOPs per window: %.1f GFLOP = patch embed %.2f + attention linears %.1f + attention matmuls %.2f + "
              "MLP %.1f (encoder %.1f) + neck %.1f + FCN head %.1f\n",
              flops.total() / 1e9, flops.patchEmbed / 1e9, flops.attentionLinear / 1e9, flops.attentionMatmul / 1e9,
              flops.mlp / 1e9, flops.encoder() / 1e9, flops.neck / 1e9, flops.head / 1e9);

  if (cpu) {
    // The matrix-multiply rate with the encoder's Linear shapes, the same threads.
    const int64_t rows = int64_t(batch) * 196;
    const double qkv = linearRate(rows, 768, 2304, 2.0, torch::kCPU), fc1 = linearRate(rows, 768, 3072, 2.0, torch::kCPU);
    const double fc2 = linearRate(rows, 3072, 768, 2.0, torch::kCPU);
    // One rate for the bound: the encoder's mix (per token: qkv 3D^2, proj D^2, fc1 4D^2, fc2
    // 4D^2), the proj at the qkv rate; the time of the mix over its FLOPs.
    const double rate = 12.0 / (4.0 / qkv + 4.0 / fc1 + 4.0 / fc2);
    std::printf("CPU matrix-multiply rate (torch::linear, %d threads): [%lld,768]x[768,2304] %.1f GFLOP/s, "
                "[%lld,768]x[768,3072] %.1f GFLOP/s, [%lld,3072]x[3072,768] %.1f GFLOP/s -> %.1f GFLOP/s for the bound\n",
                threads, (long long)rows, qkv / 1e9, (long long)rows, fc1 / 1e9, (long long)rows, fc2 / 1e9, rate / 1e9);
    std::printf("for comparison, [%lld,768]x[768,3072] as a 1x1 convolution (oneDNN): %.1f GFLOP/s\n", (long long)rows,
                convolutionRate(batch, 768, 3072, 2.0) / 1e9);

    // Where a window's time goes: the model alone on a batch of random windows (after a warm-up).
    {
      c10::InferenceMode mode;
      model::SegmentationModelImpl& segmentation = *network.segmentation;
      const torch::Tensor pixels = torch::randn({batch, 6, 1, window, window});
      segmentation.forward(pixels);
      auto start = std::chrono::steady_clock::now();
      const torch::Tensor tokens = segmentation.encoder->forwardFeatures(pixels);
      const double encoder = seconds(start);
      start = std::chrono::steady_clock::now();
      const torch::Tensor neck = segmentation.neck->forward(tokens, segmentation.encoder->gridFor(pixels));
      const double neckSeconds = seconds(start);
      start = std::chrono::steady_clock::now();
      segmentation.decode_head->forward(neck);
      const double head = seconds(start);
      std::printf("model alone, per window: encoder %.3f s (%.1f GFLOP/s), neck %.3f s (%.1f GFLOP/s), FCN head %.3f s "
                  "(%.1f GFLOP/s), total %.3f s\n",
                  encoder / batch, flops.encoder() * batch / encoder / 1e9, neckSeconds / batch,
                  flops.neck * batch / neckSeconds / 1e9, head / batch, flops.head * batch / head / 1e9,
                  (encoder + neckSeconds + head) / batch);
      std::printf("per part against its bound at %.1f GFLOP/s: encoder %.2fx, neck %.2fx, FCN head %.2fx\n", rate / 1e9,
                  encoder / batch / (flops.encoder() / rate), neckSeconds / batch / (flops.neck / rate),
                  head / batch / (flops.head / rate));
    }

    const Scene scene = granuleOfSize(dataDir, size);
    engine::InferenceOptions options;
    options.batch = batch;
    options.device = "cpu";
    options.threads = threads;
    options.precision = precision;
    const std::string out = dataDir + "/bench-infer-" + std::to_string(size) + ".tif";
    const auto start = std::chrono::steady_clock::now();
    const engine::InferenceResult result = engine::inferScenes(checkpoint, {scene}, out, options);
    const double measured = seconds(start);
    if (result.windows != windows)
      std::printf("note: inferScenes ran %lld windows, the count here expected %lld\n", (long long)result.windows,
                  (long long)windows);
    const double bound = flops.total() * double(result.windows) / rate;
    std::printf("CPU %s ", model::precisionName(precision));
    std::printf("%dx%d tile: %.1f s for %lld windows (%.2f s per window), bound %.1f s (%.1f TFLOP at %.1f GFLOP/s), "
                "ratio measured / bound %.2f\n",
                size, size, measured, (long long)result.windows, measured / double(result.windows), bound,
                flops.total() * double(result.windows) / 1e12, rate / 1e9, measured / bound);
    if (size != 3660)
      std::printf("CPU 3660x3660 tile, extrapolated by window count (%lld windows): %.0f s measured-rate, bound %.0f s\n",
                  (long long)fullWindows, measured / double(result.windows) * double(fullWindows),
                  flops.total() * double(fullWindows) / rate);
    else
      std::printf("CPU seconds per 3660x3660 tile: %.1f (bound %.1f)\n", measured, bound);
  }

  if (!torch::cuda::is_available()) {
    std::printf("CUDA: no GPU here, the GPU run is skipped\n");
    return 0;
  }
  {
    const Scene scene = granuleOfSize(dataDir, size);
    engine::InferenceOptions options;
    options.batch = std::max(batch, 16);
    options.device = "cuda";
    const std::string out = dataDir + "/bench-infer-" + std::to_string(size) + "-cuda.tif";
    engine::inferScenes(checkpoint, {scene}, out, options);  // warm-up: CUDA context, cuBLAS, allocator
    const auto start = std::chrono::steady_clock::now();
    const engine::InferenceResult result = engine::inferScenes(checkpoint, {scene}, out, options);
    const double measured = seconds(start);
    const double rate = linearRate(int64_t(options.batch) * 196, 768, 3072, 1.0, torch::kCUDA, torch::kBFloat16);
    std::printf("CUDA bf16 %dx%d tile: %.2f s for %lld windows (batch %d), goal < 2 s per 3660 tile; bf16 GEMM rate "
                "%.0f GFLOP/s, bound %.2f s\n",
                size, size, measured, (long long)result.windows, options.batch, rate / 1e9,
                flops.total() * double(result.windows) / rate);
    if (size != 3660)
      std::printf("CUDA 3660x3660 tile, extrapolated by window count: %.2f s\n",
                  measured / double(result.windows) * double(fullWindows));
  }
  return 0;
}
