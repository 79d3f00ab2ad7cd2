#include "training/engine/Network.h"

#include <QByteArray>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>

#include "core/base/Error.h"
#include "core/base/ModelCatalog.h"
#include "training/model/Checkpoint.h"
#include "training/model/Weights.h"

namespace prithvi::engine {

PrithviConfig configFor(const std::string& model) {
  // A config file, a config that ships with the program, or a built-in variant: the names of
  // the model catalogue, which every dialog offers too.
  std::string file = QFileInfo(QString::fromStdString(model)).isFile() ? model : bundledModelConfig(model);
  if (!file.empty()) {
    QFile input(QString::fromStdString(file));
    if (!input.open(QIODevice::ReadOnly)) throwBadInput("cannot read model config " + file);
    return PrithviConfig::fromJson(input.readAll().toStdString());
  }
  const std::vector<std::string> builtIn = PrithviConfig::names();
  if (std::find(builtIn.begin(), builtIn.end(), model) == builtIn.end())
    throwUsage("unknown model '" + model + "'; choose one of " + modelChoiceNames() + ", or give a model config JSON file");
  return PrithviConfig::byName(model);
}

torch::Device deviceFor(const std::string& name) {
  if (name == "cpu") return torch::kCPU;
  if (name == "cuda") {
    if (!torch::cuda::is_available()) throwUsage("--device cuda: no CUDA device is available here");
    return torch::kCUDA;
  }
  if (name != "auto") throwUsage("device must be auto, cpu or cuda");
  return torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
}

// Absent classes get 1: rare classes such as water count as much as common ones.
torch::Tensor balancedWeights(const ChipLoader& loader) {
  const auto& classes = loader.dataset().scheme()->classes;
  const std::map<int, int64_t> pixels = loader.dataset().classPixels(DataSplit::Train);
  int64_t total = 0;
  for (const auto& [value, count] : pixels) total += count;
  std::vector<double> weights;
  for (const LabelClass& labelClass : classes) {
    auto found = pixels.find(labelClass.value);
    weights.push_back(found == pixels.end() || found->second == 0 || total == 0
                          ? 1.0
                          : double(total) / (double(classes.size()) * double(found->second)));
  }
  double mean = 0;
  for (double weight : weights) mean += weight / double(weights.size());
  for (double& weight : weights) weight /= mean;
  return torch::tensor(weights, torch::kFloat32);
}

NetworkShape shapeOf(const ChipLoader& loader) {
  return {!loader.dataset().hasMask(), loader.dataset().cloudMaskCount() > 0, loader.classCount(),
          loader.dataset().chipSize(), loader.dataset().frames()};
}

Network buildNetwork(const PrithviConfig& base, const NetworkShape& shape, const TrainOptions& options,
                     const ChipLoader* loader) {
  Network network;
  network.pretraining = shape.pretraining;
  network.cloudGap = shape.cloudGap;
  network.config = base;
  network.config.imgSize = shape.chipSize;
  network.config.numFrames = shape.frames;
  network.config.validate();
  network.maskRatio = options.maskRatio;
  if (network.pretraining) {
    network.mae = model::PrithviMae(network.config);
  } else {
    model::SegmentationOptions segmentation;
    segmentation.arch = options.head == "fcn" ? model::SegmentationArch::FcnV1 : model::SegmentationArch::UperNet;
    if (options.head != "fcn" && options.head != "upernet") throwUsage("head must be upernet or fcn");
    segmentation.numClasses = shape.classes;
    segmentation.decoderChannels = options.decoderChannels;
    segmentation.fcnChannels = options.decoderChannels;
    segmentation.freezeEncoder = options.freezeEncoder;
    network.segmentation = model::SegmentationModel(network.config, segmentation);
    if (!options.classWeights.empty()) {
      if (int(options.classWeights.size()) != shape.classes)
        throwUsage("give one class weight per class (" + std::to_string(shape.classes) + ")");
      network.classWeights = torch::tensor(options.classWeights, torch::kFloat32);
    } else if (options.balanceClasses && loader) {
      network.classWeights = balancedWeights(*loader);
    }
  }
  return network;
}

namespace {

// Released or converted Prithvi weights with their MAE decoder (Prithvi_100M.pt, a
// 'prithvi weights convert' output): the pretrained MAE, for zero-shot gap filling. Empty when
// the file holds no Prithvi weights (with the reason in whyNot; left empty for a training checkpoint
// that failed to load); Error(BadInput) when they lack the decoder.
std::optional<LoadedRun> releasedMae(const std::string& path, const torch::Device& device, std::string* whyNot) {
  // A training checkpoint that failed to load (another format version, damaged) is not retried
  // as released weights: its safetensors header names the format.
  if (model::isTrainingCheckpoint(path)) return std::nullopt;
  model::LoadedWeights weights;
  try {
    weights = model::readPrithviWeights(path);
  } catch (const Error& error) {
    if (error.kind() != ErrorKind::BadInput) throw;
    *whyNot = error.what();
    return std::nullopt;
  }
  if (weights.config.decoderDepth == 0 || !weights.canonical.find("decoder.decoder_pred.weight"))
    throwBadInput(path + " holds Prithvi weights without the MAE decoder (" + weights.layout +
                  "): gap filling needs the full pretrained MAE or a cloud_gap checkpoint, and classes need a "
                  "checkpoint of 'prithvi finetune'");
  LoadedRun run;
  run.task = "pretrain";
  run.network.pretraining = true;
  run.network.config = weights.config;
  run.network.maskRatio = weights.config.maskRatio;
  run.network.mae = model::buildModel(weights);
  run.network.module().to(device);
  run.network.module().eval();
  return run;
}

}  // namespace

LoadedRun loadRun(const std::string& path, const torch::Device& device) {
  model::TrainingCheckpoint checkpoint;
  try {
    checkpoint = model::loadTrainingCheckpoint(path);
  } catch (const Error& error) {
    if (error.kind() != ErrorKind::BadInput) throw;
    std::string whyNotReleased;
    if (std::optional<LoadedRun> released = releasedMae(path, device, &whyNotReleased)) return std::move(*released);
    if (whyNotReleased.empty()) throw;  // a training checkpoint with a problem of its own
    // Neither kind: the reason the file is not usable weights (a refused pickle, a damaged
    // archive) says more than "not a training checkpoint".
    throwBadInput("cannot use " + path + " as a model: it is not a checkpoint of 'prithvi finetune' or 'prithvi pretrain', "
                  "and not released Prithvi weights either: " + whyNotReleased);
  }
  const QJsonObject saved = QJsonDocument::fromJson(QByteArray::fromStdString(checkpoint.configJson)).object();
  auto extra = [&](const char* key) {
    auto found = checkpoint.extra.find(key);
    return found == checkpoint.extra.end() ? std::string() : found->second;
  };
  TrainOptions options;
  options.head = saved.value("head").toString("upernet").toStdString();
  options.decoderChannels = saved.value("decoder_channels").toInt(256);
  options.maskRatio = saved.value("mask_ratio").toDouble(0.75);
  const PrithviConfig config =
      PrithviConfig::fromJson(QJsonDocument(saved.value("model_config").toObject()).toJson().toStdString());
  LoadedRun run;
  run.task = extra("task");
  if (!extra("scheme").empty()) run.scheme = ClassScheme::fromJson(extra("scheme"));
  NetworkShape shape;
  shape.pretraining = run.task == "pretrain" || run.task == "cloud_gap";
  shape.cloudGap = run.task == "cloud_gap";
  shape.chipSize = int(config.imgSize);
  shape.frames = int(config.numFrames);
  // The head's output width tells the class count of checkpoints saved without their scheme.
  for (const auto& [name, tensor] : checkpoint.model.tensors)
    if (name == "head.head.2.weight" || name == "decode_head.conv_seg.weight") shape.classes = int(tensor.size(0));
  if (run.scheme) shape.classes = int(run.scheme->classes.size());
  run.network = buildNetwork(config, shape, options);
  model::CheckpointLoadOptions strict;
  strict.strict = true;
  model::loadIntoModule(run.network.module(), checkpoint.model, strict);
  run.network.module().to(device);
  run.network.module().eval();
  return run;
}


}  // namespace prithvi::engine
