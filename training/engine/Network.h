#pragma once
// The network a training run trains, and the same network rebuilt from a run's checkpoint for
// evaluation and inference: a segmentation model (encoder, decoder, head) or the MAE
// (pretraining, cloud-gap imputation), with the loss of a batch. Shared by the trainer and
// whole-scene inference.

#include <optional>
#include <string>

#include <torch/torch.h>

#include "core/labels/ClassScheme.h"
#include "core/metrics/ConfusionMatrix.h"
#include "core/metrics/ImageMetrics.h"
#include "training/data/ChipLoader.h"
#include "training/distributed/Communicator.h"
#include "training/engine/Trainer.h"
#include "training/model/Heads.h"

namespace prithvi::engine {

using model::PrithviConfig;

// A variant name or a config JSON file.
PrithviConfig configFor(const std::string& model);
// auto | cpu | cuda; Error(Usage) for cuda without a device.
torch::Device deviceFor(const std::string& name);

// The network of a run: a segmentation model or the MAE, with its loss.
struct Network {
  bool pretraining = false;
  bool cloudGap = false;  // MAE hiding real cloud shapes (the batch's cloudMask) instead of random patches
  PrithviConfig config;
  model::SegmentationModel segmentation{nullptr};
  model::PrithviMae mae{nullptr};
  torch::Tensor classWeights;
  double maskRatio = 0.75;

  torch::nn::Module& module() {
    return pretraining ? static_cast<torch::nn::Module&>(*mae) : static_cast<torch::nn::Module&>(*segmentation);
  }
  model::Coords coords(const Batch& batch, const torch::Device& device) const {
    model::Coords coords;
    if (config.temporalEncoding) coords.temporal = batch.temporal.to(device);
    if (config.locationEncoding) coords.location = batch.location.to(device);
    return coords;
  }
  // Masking noise drawn per sample from its place in the epoch, so a sample is masked alike
  // however the batch is split across ranks, and a resumed run masks as the first one did.
  torch::Tensor maskNoise(const Batch& batch, uint64_t seed) const {
    const int64_t tokens = config.grid().tokens();
    std::vector<torch::Tensor> rows;
    for (int64_t position : batch.positions) {
      torch::Generator generator = at::detail::createCPUGenerator(
          uint64_t(position) * 0x9E3779B97F4A7C15ull ^ (seed + uint64_t(batch.epoch) * 0xBF58476D1CE4E5B9ull));
      rows.push_back(torch::rand({tokens}, generator));
    }
    return torch::stack(rows);
  }
  // Tokens to hide for cloud-gap imputation, (B, L) with 1 = hidden: a token is hidden when any
  // of its pixels is under a cloud (spec §5.4). The MAE needs the same count in every sample,
  // so samples with fewer get extra tokens and samples with more give some back, chosen by the
  // per-sample noise; at least one token stays visible.
  torch::Tensor cloudTokens(const Batch& batch, uint64_t seed) const {
    const model::TokenGrid grid = config.grid();
    const int64_t b = batch.cloudMask.size(0), tubelet = config.tubeletSize, patch = config.patchSize;
    torch::Tensor hidden = batch.cloudMask.to(torch::kFloat32)
                               .reshape({b, grid.t, tubelet, grid.h, patch, grid.w, patch})
                               .amax({2, 4, 6})
                               .reshape({b, grid.tokens()});
    const torch::Tensor counts = hidden.sum(1);
    const int64_t target = std::min<int64_t>(int64_t(counts.max().item<float>()), grid.tokens() - 1);
    const torch::Tensor noise = maskNoise(batch, seed);
    for (int64_t i = 0; i < b; ++i) {
      const int64_t have = int64_t(counts[i].item<float>());
      if (have == target) continue;
      // Lowest noise first among the tokens that must change.
      const bool add = have < target;
      torch::Tensor candidates = (hidden[i] == (add ? 0.0f : 1.0f)).nonzero().squeeze(1);
      torch::Tensor order = noise[i].index_select(0, candidates).argsort();
      torch::Tensor chosen = candidates.index_select(0, order.slice(0, 0, std::abs(target - have)));
      hidden[i].index_fill_(0, chosen, add ? 1.0f : 0.0f);
    }
    return hidden;
  }
  // Reconstruction accuracy on the cloud pixels, in reflectance (spec §5.4: de-normalise to HLS
  // values, then x 0.0001).
  void addImputationMetrics(const Batch& batch, const model::MaeOutput& out, ImageMetrics& metrics) const {
    const torch::Tensor mean = torch::tensor(std::vector<double>(config.mean.begin(), config.mean.end()), torch::kFloat32)
                                   .reshape({1, 6, 1, 1, 1});
    const torch::Tensor std = torch::tensor(std::vector<double>(config.std.begin(), config.std.end()), torch::kFloat32)
                                  .reshape({1, 6, 1, 1, 1});
    const torch::Tensor predicted =
        ((mae->unpatchify(out.pred.detach().to(torch::kCPU, torch::kFloat32), out.grid) * std + mean) * 1e-4f).contiguous();
    const torch::Tensor truth = ((batch.image * std + mean) * 1e-4f).contiguous();
    const torch::Tensor cloud = batch.cloudMask.contiguous();
    const int64_t frames = truth.size(2), height = truth.size(3), width = truth.size(4);
    for (int64_t i = 0; i < truth.size(0); ++i)
      for (int64_t band = 0; band < 6; ++band)
        for (int64_t t = 0; t < frames; ++t)
          metrics.addPlane(predicted[i][band][t].data_ptr<float>(), truth[i][band][t].data_ptr<float>(),
                           cloud[i][t].data_ptr<uint8_t>(), int(width), int(height));
  }
  // Loss of a batch as this rank's share of the global batch's loss: the shares of all ranks
  // add up to the loss one process would compute over the whole global batch.
  // `confusion` (segmentation, when given) collects the predictions.
  torch::Tensor loss(const Batch& batch, const torch::Device& device, ConfusionMatrix* confusion = nullptr,
                     distributed::Communicator* world = nullptr, uint64_t seed = 0, ImageMetrics* imputation = nullptr) {
    const torch::Tensor pixels = batch.image.to(device);
    if (cloudGap) {
      const model::MaeOutput out = mae->forwardMasked(pixels, model::MaskSpec::fromTokens(cloudTokens(batch, seed).to(device)),
                                                      coords(batch, device));
      if (imputation) addImputationMetrics(batch, out, *imputation);
      return world ? out.loss / double(world->worldSize()) : out.loss;
    }
    if (pretraining) {
      const torch::Tensor value = mae->forward(pixels, coords(batch, device), maskRatio, maskNoise(batch, seed).to(device)).loss;
      return world ? value / double(world->worldSize()) : value;
    }
    const torch::Tensor logits = segmentation->forward(pixels, coords(batch, device)).to(torch::kFloat32);
    const torch::Tensor target = batch.mask.to(device);
    const torch::Tensor valid = target >= 0;
    // Summed over labelled pixels then divided by their count (over all ranks): a batch with
    // none adds nothing.
    std::vector<torch::Tensor> count{valid.sum().to(torch::kFloat64).cpu().reshape({1})};
    if (world) world->allReduceSum(count);
    const int64_t labelled = int64_t(count[0].item<double>());
    auto options = torch::nn::functional::CrossEntropyFuncOptions().ignore_index(-1).reduction(torch::kSum);
    if (classWeights.defined()) options.weight(classWeights.to(device));
    torch::Tensor value = torch::nn::functional::cross_entropy(logits, target, options) / double(std::max<int64_t>(1, labelled));
    if (confusion) {
      const int64_t classes = logits.size(1);
      const torch::Tensor predicted = logits.argmax(1);
      const torch::Tensor cells = (target.masked_select(valid) * classes + predicted.masked_select(valid)).cpu();
      const torch::Tensor counts = torch::bincount(cells, {}, classes * classes).to(torch::kInt64);
      confusion->addCounts(std::vector<int64_t>(counts.data_ptr<int64_t>(), counts.data_ptr<int64_t>() + counts.numel()));
    }
    return value;
  }
};

// What a network must fit: the dataset's kind, classes, chip size and frames.
struct NetworkShape {
  bool pretraining = false;
  bool cloudGap = false;
  int classes = 0;
  int chipSize = 224;
  int frames = 1;
};

NetworkShape shapeOf(const ChipLoader& loader);
// Inverse class frequency of the training split, scaled to a mean of 1.
torch::Tensor balancedWeights(const ChipLoader& loader);
// `loader` (optional) supplies class frequencies for balanced class weights.
Network buildNetwork(const PrithviConfig& base, const NetworkShape& shape, const TrainOptions& options,
                     const ChipLoader* loader = nullptr);

// A checkpoint of train() with the network it fits, loaded (strict). Released or converted
// Prithvi weights that hold the MAE decoder (Prithvi_100M.pt, 'prithvi weights convert'
// output) load as the pretrained MAE, task "pretrain", for zero-shot gap filling.
struct LoadedRun {
  Network network;
  std::string task;
  std::optional<ClassScheme> scheme;
};

LoadedRun loadRun(const std::string& path, const torch::Device& device);

}  // namespace prithvi::engine
