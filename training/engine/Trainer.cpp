#include "training/engine/Trainer.h"

#include <torch/torch.h>

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>
#include <cstdio>

#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/base/JobEvents.h"
#include "core/metrics/ImageMetrics.h"
#include "training/data/ChipLoader.h"
#include "training/distributed/Communicator.h"
#include "training/engine/FusedAdamW.h"
#include "training/model/Checkpoint.h"
#include "training/model/Heads.h"
#include "training/model/Weights.h"

namespace prithvi::engine {

namespace {

using model::PrithviConfig;

constexpr const char* kLastName = "last.safetensors";
constexpr const char* kBestName = "best.safetensors";
// Evaluation draws (which clouds hide which frames) do not depend on the training seed, so a
// checkpoint's evaluation repeats its run's validation exactly.
constexpr uint64_t kEvaluationSeed = 0;

PrithviConfig configFor(const std::string& model) {
  if (QFileInfo(QString::fromStdString(model)).isFile()) {
    QFile file(QString::fromStdString(model));
    if (!file.open(QIODevice::ReadOnly)) throwBadInput("cannot read model config " + model);
    return PrithviConfig::fromJson(file.readAll().toStdString());
  }
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

// Inverse class frequency of the training split, scaled to a mean of 1 (absent classes get 1):
// rare classes such as water count as much as common ones.
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

Network buildNetwork(const PrithviConfig& base, const ChipLoader& loader, const TrainOptions& options) {
  Network network;
  network.pretraining = !loader.dataset().hasMask();
  network.cloudGap = loader.dataset().cloudMaskCount() > 0;
  network.config = base;
  network.config.imgSize = loader.dataset().chipSize();
  network.config.numFrames = loader.dataset().frames();
  network.config.validate();
  network.maskRatio = options.maskRatio;
  if (network.pretraining) {
    network.mae = model::PrithviMae(network.config);
  } else {
    model::SegmentationOptions segmentation;
    segmentation.arch = options.head == "fcn" ? model::SegmentationArch::FcnV1 : model::SegmentationArch::UperNet;
    if (options.head != "fcn" && options.head != "upernet") throwUsage("head must be upernet or fcn");
    segmentation.numClasses = loader.classCount();
    segmentation.decoderChannels = options.decoderChannels;
    segmentation.fcnChannels = options.decoderChannels;
    segmentation.freezeEncoder = options.freezeEncoder;
    network.segmentation = model::SegmentationModel(network.config, segmentation);
    if (!options.classWeights.empty()) {
      if (int(options.classWeights.size()) != loader.classCount())
        throwUsage("give one class weight per class (" + std::to_string(loader.classCount()) + ")");
      network.classWeights = torch::tensor(options.classWeights, torch::kFloat32);
    } else if (options.balanceClasses) {
      network.classWeights = balancedWeights(loader);
    }
  }
  return network;
}

// Pretrained encoder weights (and the MAE decoder for pretraining runs).
std::string loadPretrained(Network& network, const std::string& path) {
  const model::LoadedWeights weights = model::readPrithviWeights(path);
  model::CheckpointLoadOptions load;
  model::CheckpointLoadReport report;
  if (network.pretraining) {
    report = model::loadIntoModule(*network.mae, weights.canonical, load);
  } else {
    load.prefix = "encoder.";
    report = model::loadIntoModule(*network.segmentation->encoder, weights.canonical, load);
  }
  if (report.loaded.empty() || !report.shapeMismatch.empty())
    throwBadInput("the weights in " + path + " do not fit the model: " + report.text());
  if (network.segmentation && network.segmentation->encoderFrozen()) network.segmentation->setEncoderFrozen(true);
  return report.text();
}

std::vector<torch::Tensor> trainableParameters(torch::nn::Module& module) {
  std::vector<torch::Tensor> result;
  for (const torch::Tensor& parameter : module.parameters())
    if (parameter.requires_grad()) result.push_back(parameter);
  return result;
}

std::string base64Of(const torch::Tensor& bytes) {
  const torch::Tensor data = bytes.contiguous().cpu();
  return QByteArray(reinterpret_cast<const char*>(data.data_ptr()), qsizetype(data.nbytes())).toBase64().toStdString();
}

torch::Tensor bytesOf(const std::string& base64) {
  const QByteArray data = QByteArray::fromBase64(QByteArray::fromStdString(base64));
  return torch::from_blob(const_cast<char*>(data.data()), {data.size()}, torch::kUInt8).clone();
}

std::string optionsJson(const TrainOptions& options, const PrithviConfig& config) {
  QJsonArray weights;
  for (double weight : options.classWeights) weights.append(weight);
  QJsonObject object{{"dataset", QString::fromStdString(options.dataset)},
                     {"model", QString::fromStdString(options.model)},
                     {"weights", QString::fromStdString(options.weights)},
                     {"freeze_encoder", options.freezeEncoder},
                     {"head", QString::fromStdString(options.head)},
                     {"decoder_channels", options.decoderChannels},
                     {"steps", double(options.steps)},
                     {"batch_size", options.batchSize},
                     {"accumulate", options.accumulate},
                     {"augment", options.augment},
                     {"train_fraction", options.trainFraction},
                     {"lr", options.lr},
                     {"weight_decay", options.weightDecay},
                     {"warmup_steps", double(options.warmupSteps)},
                     {"min_lr_ratio", options.minLrRatio},
                     {"clip_norm", options.clipNorm},
                     {"eval_every", double(options.evalEvery)},
                     {"patience", options.patience},
                     {"class_weights", weights},
                     {"balance_classes", options.balanceClasses},
                     {"mask_ratio", options.maskRatio},
                     {"seed", QString::number(options.seed)},
                     {"model_config", QJsonDocument::fromJson(QByteArray::fromStdString(config.toJson())).object()}};
  return QJsonDocument(object).toJson(QJsonDocument::Indented).toStdString();
}

void writeTextAtomically(const std::string& path, const std::string& text) {
  const QString partial = QString::fromStdString(path + ".partial");
  QFile file(partial);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(text.data(), qint64(text.size())) != qint64(text.size()) ||
      !file.flush())
    throwIo("cannot write " + path + " (is the disk full?)");
  file.close();
  QFile::remove(QString::fromStdString(path));
  if (!QFile::rename(partial, QString::fromStdString(path))) throwIo("cannot move " + path + " into place");
}

// Events go to the run folder and to the caller's writer.
class RunEvents {
 public:
  // Ranks other than 0 write nothing.
  RunEvents(const std::string& path, JobEventWriter* caller, bool writer) : mCaller(writer ? caller : nullptr) {
    if (!writer) return;
    mFile = std::fopen(path.c_str(), "a");
    if (!mFile) throwIo("cannot write " + path);
    mOwn = std::make_unique<JobEventWriter>(mFile, "train");
  }
  ~RunEvents() {
    mOwn.reset();
    if (mFile) std::fclose(mFile);
  }
  template <typename F>
  void each(F&& call) {
    if (mOwn) call(*mOwn);
    if (mCaller) call(*mCaller);
  }
  // started/finished: the caller's writer reports its own job's start and end.
  template <typename F>
  void ownOnly(F&& call) {
    if (mOwn) call(*mOwn);
  }

 private:
  std::FILE* mFile = nullptr;
  std::unique_ptr<JobEventWriter> mOwn;
  JobEventWriter* mCaller;
};

struct RunState {
  int64_t step = 0;
  int64_t epoch = 0;
  int64_t batch = 0;
  double bestMetric = std::nan("");
  int64_t bestStep = 0;
  int badEvaluations = 0;
};

bool better(double candidate, double best, bool higherIsBetter) {
  if (std::isnan(candidate)) return false;
  if (std::isnan(best)) return true;
  return higherIsBetter ? candidate > best : candidate < best;
}

}  // namespace

double scheduledLearningRate(const TrainOptions& options, int64_t step) {
  if (options.warmupSteps > 0 && step < options.warmupSteps)
    return options.lr * double(step + 1) / double(options.warmupSteps);
  const int64_t decaySteps = std::max<int64_t>(1, options.steps - options.warmupSteps);
  const double progress = std::clamp(double(step - options.warmupSteps) / double(decaySteps), 0.0, 1.0);
  const double floor = options.lr * options.minLrRatio;
  return floor + (options.lr - floor) * 0.5 * (1 + std::cos(M_PI * progress));
}

TrainResult train(const TrainOptions& options, Feedback* feedback, JobEventWriter* callerEvents) {
  if (options.steps < 1) throwUsage("train for at least one step");
  if (options.accumulate < 1) throwUsage("accumulate at least one batch per step");
  if (options.evalEvery < 1) throwUsage("evaluate every one or more steps");
  if (options.runDir.empty()) throwUsage("choose a run folder");
  const distributed::DistributedEnv env = distributed::DistributedEnv::fromEnvironment();
  torch::Device device = deviceFor(options.device);
  if (device.is_cuda()) device = torch::Device(torch::kCUDA, env.localRank % std::max<int>(1, int(torch::cuda::device_count())));
  std::unique_ptr<distributed::Communicator> world;
  if (env.enabled()) world = distributed::Communicator::create(env, device);
  distributed::Communicator* const worldPtr = world.get();
  // Rank 0 writes the run folder; the others only compute.
  const bool writer = env.rank == 0;
  if (writer) QDir().mkpath(QString::fromStdString(options.runDir + "/checkpoints"));
  const std::string lastPath = options.runDir + "/checkpoints/" + kLastName;
  const std::string bestPath = options.runDir + "/checkpoints/" + kBestName;

  torch::manual_seed(options.seed);
  PrithviConfig config = configFor(options.model);
  LoaderOptions trainLoading;
  trainLoading.batchSize = options.batchSize;
  trainLoading.workers = options.workers;
  trainLoading.seed = options.seed;
  trainLoading.augment = options.augment;
  trainLoading.fraction = options.trainFraction;
  trainLoading.rank = env.rank;
  trainLoading.worldSize = env.worldSize;
  trainLoading.mean = config.mean;
  trainLoading.std = config.std;
  ChipLoader trainLoader(options.dataset, trainLoading);
  Network network = buildNetwork(config, trainLoader, options);
  std::unique_ptr<ChipLoader> validationLoader;
  if (!trainLoader.dataset().indices(DataSplit::Validation).empty()) {
    // Every rank evaluates the whole split, so all agree on the metric and on stopping.
    LoaderOptions validationLoading = trainLoading;
    validationLoading.split = DataSplit::Validation;
    validationLoading.rank = 0;
    validationLoading.worldSize = 1;
    validationLoading.fraction = 1.0;
    validationLoading.seed = kEvaluationSeed;
    validationLoading.shuffle = validationLoading.augment = validationLoading.dropLast = false;
    validationLoader = std::make_unique<ChipLoader>(options.dataset, validationLoading);
  }
  if (trainLoader.batchesPerEpoch() < 1)
    throwBadInput(options.dataset + " has fewer training chips than one batch of " +
                  std::to_string(options.batchSize * env.worldSize));
  const bool segmentation = !network.pretraining;
  // Segmentation watches validation mIoU, cloud-gap imputation validation SSIM (both higher is
  // better); pretraining watches the loss.
  const bool cloudGap = network.cloudGap;
  const bool higherIsBetter = (segmentation || cloudGap) && validationLoader;
  TrainResult result;
  result.monitor = validationLoader ? (segmentation ? "val_miou" : cloudGap ? "val_ssim" : "val_loss") : "train_loss";

  RunEvents events(options.runDir + "/events.jsonl", callerEvents, writer);
  events.ownOnly([](JobEventWriter& writer) { writer.started(); });
  if (!options.weights.empty() && !QFileInfo::exists(QString::fromStdString(lastPath))) {
    const std::string report = loadPretrained(network, options.weights);
    events.each([&](JobEventWriter& writer) { writer.log("info", "pretrained weights: " + report); });
  }
  network.module().to(device);
  if (world) {
    std::vector<torch::Tensor> initial = network.module().parameters();
    for (torch::Tensor& buffer : network.module().buffers()) initial.push_back(buffer);
    torch::NoGradGuard noGrad;
    world->broadcast(initial, 0);
  }
  FusedAdamW optimizer(trainableParameters(network.module()), {options.lr, 0.9, 0.999, 1e-8, options.weightDecay});

  RunState state;
  if (options.resume && QFileInfo::exists(QString::fromStdString(lastPath))) {
    const model::TrainingCheckpoint checkpoint = model::loadTrainingCheckpoint(lastPath);
    const QJsonObject saved = QJsonDocument::fromJson(QByteArray::fromStdString(checkpoint.configJson)).object();
    if (saved.value("dataset").toString().toStdString() != options.dataset ||
        saved.value("model").toString().toStdString() != options.model)
      throwUsage("run folder " + options.runDir + " holds a run of another dataset or model: choose a new folder");
    model::CheckpointLoadOptions strict;
    strict.strict = true;
    model::loadIntoModule(network.module(), checkpoint.model, strict);
    std::vector<std::pair<std::string, torch::Tensor>> optimizerState;
    for (const auto& [name, tensor] : checkpoint.optimizer.tensors) optimizerState.emplace_back(name, tensor.to(device));
    optimizer.loadState(optimizerState);
    const auto extra = [&](const char* key) {
      auto found = checkpoint.extra.find(key);
      if (found == checkpoint.extra.end()) throwBadInput(lastPath + " lacks '" + key + "': it cannot be resumed");
      return found->second;
    };
    state.step = std::stoll(extra("step"));
    state.epoch = std::stoll(extra("epoch"));
    state.batch = std::stoll(extra("batch"));
    state.bestMetric = std::stod(extra("best_metric"));
    state.bestStep = std::stoll(extra("best_step"));
    state.badEvaluations = std::stoi(extra("bad_evaluations"));
    torch::Generator generator = at::detail::getDefaultCPUGenerator();
    {
      std::lock_guard<std::mutex> lock(generator.mutex());
      generator.set_state(bytesOf(extra("rng_cpu")));
    }
    for (const QJsonValue& item : QJsonDocument::fromJson(QByteArray::fromStdString(extra("history"))).array()) {
      const QJsonObject record = item.toObject();
      result.history.push_back({int64_t(record["step"].toDouble()), record["lr"].toDouble(), record["train_loss"].toDouble(),
                                record["val_loss"].toDouble(), record["metric"].toDouble()});
    }
    events.each([&](JobEventWriter& writer) { writer.log("info", "resumed at step " + std::to_string(state.step)); });
  } else if (writer) {
    writeTextAtomically(options.runDir + "/config.json", optionsJson(options, network.config));
  }

  auto historyJson = [&] {
    QJsonArray array;
    for (const EvalRecord& record : result.history)
      array.append(QJsonObject{{"step", double(record.step)},
                               {"lr", record.lr},
                               {"train_loss", record.trainLoss},
                               {"val_loss", record.valLoss},
                               {"metric", record.metric}});
    return QJsonDocument(array).toJson(QJsonDocument::Compact).toStdString();
  };
  auto saveCheckpoint = [&](const std::string& path, const std::string& metricsJson) {
    if (!writer) return;
    model::StateDict optimizerState;
    for (const auto& [name, tensor] : optimizer.state()) optimizerState.set(name, tensor.cpu());
    torch::Generator generator = at::detail::getDefaultCPUGenerator();
    torch::Tensor rng;
    {
      std::lock_guard<std::mutex> lock(generator.mutex());
      rng = generator.get_state();
    }
    auto number = [](double value) {
      char text[40];
      std::snprintf(text, sizeof text, "%.17g", value);
      return std::string(text);
    };
    model::saveTrainingCheckpoint(path, model::toStateDict(network.module()), optimizerState, optionsJson(options, network.config),
                                  metricsJson,
                                  {{"step", std::to_string(state.step)},
                                   {"epoch", std::to_string(state.epoch)},
                                   {"batch", std::to_string(state.batch)},
                                   {"best_metric", number(state.bestMetric)},
                                   {"best_step", std::to_string(state.bestStep)},
                                   {"bad_evaluations", std::to_string(state.badEvaluations)},
                                   {"rng_cpu", base64Of(rng)},
                                   {"history", historyJson()},
                                   {"task", trainLoader.dataset().task()}});
  };

  auto evaluate = [&](double trainLoss) {
    EvalRecord record;
    record.step = state.step;
    record.lr = optimizer.learningRate();
    record.trainLoss = trainLoss;
    std::string metricsJson = "{}";
    if (validationLoader) {
      torch::NoGradGuard noGrad;
      network.module().eval();
      ConfusionMatrix confusion(trainLoader.classCount());
      ImageMetrics imputation;
      double lossSum = 0;
      int64_t batches = 0;
      validationLoader->start(0);
      while (auto batch = validationLoader->next()) {
        model::CudaBf16Autocast autocast(device);
        lossSum += network.loss(*batch, device, segmentation ? &confusion : nullptr, nullptr, 0, cloudGap ? &imputation : nullptr)
                       .item<double>();
        ++batches;
      }
      network.module().train();
      record.valLoss = lossSum / double(std::max<int64_t>(1, batches));
      record.metric = segmentation ? confusion.meanIou() : cloudGap ? imputation.ssim() : record.valLoss;
      if (segmentation) {
        std::vector<std::string> names;
        for (const LabelClass& labelClass : trainLoader.dataset().scheme()->classes) names.push_back(labelClass.name);
        metricsJson = confusion.toJson(names);
      } else if (cloudGap) {
        metricsJson = imputation.toJson();
      }
    } else {
      record.valLoss = std::nan("");
      record.metric = trainLoss;
    }
    result.history.push_back(record);
    events.each([&](JobEventWriter& writer) {
      writer.metric("loss", record.trainLoss, record.step, "train");
      if (validationLoader) writer.metric("loss", record.valLoss, record.step, "val");
      if (segmentation && validationLoader) writer.metric("miou", record.metric, record.step, "val");
      if (cloudGap && validationLoader) writer.metric("ssim", record.metric, record.step, "val");
    });
    return std::pair(record.metric, metricsJson);
  };

  QFile csv(QString::fromStdString(options.runDir + "/metrics.csv"));
  const bool newCsv = !csv.exists() || state.step == 0;
  if (writer && !csv.open(newCsv ? (QIODevice::WriteOnly | QIODevice::Truncate) : QIODevice::Append))
    throwIo("cannot write " + options.runDir + "/metrics.csv");
  if (writer && newCsv) csv.write("step,lr,train_loss,val_loss,metric\n");

  network.module().train();
  std::vector<torch::Tensor> parameters = trainableParameters(network.module());
  trainLoader.start(state.epoch, state.batch);
  double lossSinceEval = 0;
  int64_t stepsSinceEval = 0;
  result.status = "finished";
  while (state.step < options.steps) {
    bool stop = isCanceled(feedback);
    if (world) {
      // Every rank stops at the same step, whichever of them got the signal.
      std::vector<torch::Tensor> flag{torch::full({1}, stop ? 1.0 : 0.0, torch::kFloat64)};
      world->allReduceSum(flag);
      stop = flag[0].item<double>() > 0;
    }
    if (stop) {
      saveCheckpoint(lastPath, "{}");
      result.status = "canceled";
      break;
    }
    optimizer.zeroGrad();
    double stepLoss = 0;
    for (int micro = 0; micro < options.accumulate; ++micro) {
      std::optional<Batch> batch = trainLoader.next();
      if (!batch) {
        ++state.epoch;
        trainLoader.start(state.epoch, 0);
        batch = trainLoader.next();
      }
      state.batch = batch->index + 1;
      torch::Tensor loss;
      {
        model::CudaBf16Autocast autocast(device);
        loss = network.loss(*batch, device, nullptr, worldPtr, options.seed) / double(options.accumulate);
      }
      loss.backward();
      stepLoss += loss.item<double>();
    }
    if (world) {
      std::vector<torch::Tensor> gradients;
      for (const torch::Tensor& parameter : parameters)
        if (parameter.grad().defined()) gradients.push_back(parameter.mutable_grad());
      world->allReduceSum(gradients);
      std::vector<torch::Tensor> total{torch::full({1}, stepLoss, torch::kFloat64)};
      world->allReduceSum(total);
      stepLoss = total[0].item<double>();
    }
    if (!std::isfinite(stepLoss))
      throwBadInput("the training loss became " + std::to_string(stepLoss) + " at step " + std::to_string(state.step) +
                    ": lower the learning rate or check the dataset");
    if (options.clipNorm > 0) torch::nn::utils::clip_grad_norm_(parameters, options.clipNorm);
    optimizer.setLearningRate(scheduledLearningRate(options, state.step));
    optimizer.step();
    ++state.step;
    lossSinceEval += stepLoss;
    ++stepsSinceEval;
    reportProgress(feedback, state.step, options.steps, "step " + std::to_string(state.step) + " loss " + std::to_string(stepLoss));
    events.each([&](JobEventWriter& writer) {
      writer.progress(state.step, options.steps, "training");
      if (state.step % 10 == 0) writer.metric("loss", stepLoss, state.step, "train_step");
    });

    if (state.step % options.evalEvery == 0 || state.step == options.steps) {
      const auto [metric, metricsJson] = evaluate(lossSinceEval / double(stepsSinceEval));
      lossSinceEval = 0;
      stepsSinceEval = 0;
      const EvalRecord& record = result.history.back();
      if (writer) csv.write(QStringLiteral("%1,%2,%3,%4,%5\n")
                    .arg(record.step)
                    .arg(record.lr, 0, 'g', 8)
                    .arg(record.trainLoss, 0, 'g', 8)
                    .arg(record.valLoss, 0, 'g', 8)
                    .arg(record.metric, 0, 'g', 8)
                    .toUtf8());
      if (writer) csv.flush();
      if (better(metric, state.bestMetric, higherIsBetter)) {
        state.bestMetric = metric;
        state.bestStep = state.step;
        state.badEvaluations = 0;
        saveCheckpoint(bestPath, metricsJson);
        events.each([&](JobEventWriter& writer) { writer.artifact(bestPath, "checkpoint"); });
      } else {
        ++state.badEvaluations;
      }
      saveCheckpoint(lastPath, metricsJson);
      if (options.patience > 0 && state.badEvaluations >= options.patience) {
        result.status = "early_stopped";
        events.each([&](JobEventWriter& writer) {
          writer.log("info", "stopped early: no better " + result.monitor + " in " + std::to_string(options.patience) + " evaluations");
        });
        break;
      }
    }
  }
  result.steps = state.step;
  result.bestMetric = state.bestMetric;
  result.bestStep = state.bestStep;
  result.bestCheckpoint = QFileInfo::exists(QString::fromStdString(bestPath)) ? bestPath : "";
  result.lastCheckpoint = lastPath;
  events.each([&](JobEventWriter& writer) { writer.artifact(lastPath, "checkpoint"); });
  events.ownOnly([&](JobEventWriter& writer) { writer.finished(result.status == "canceled" ? "canceled" : "ok"); });
  return result;
}

EvaluationResult evaluateCheckpoint(const std::string& checkpointPath, const std::string& dataset, int split,
                                    const std::string& deviceName, int batchSize) {
  const torch::Device device = deviceFor(deviceName);
  const model::TrainingCheckpoint checkpoint = model::loadTrainingCheckpoint(checkpointPath);
  const QJsonObject saved = QJsonDocument::fromJson(QByteArray::fromStdString(checkpoint.configJson)).object();
  TrainOptions options;
  options.head = saved.value("head").toString("upernet").toStdString();
  options.decoderChannels = saved.value("decoder_channels").toInt(256);
  options.maskRatio = saved.value("mask_ratio").toDouble(0.75);
  const PrithviConfig config =
      PrithviConfig::fromJson(QJsonDocument(saved.value("model_config").toObject()).toJson().toStdString());
  LoaderOptions loading;
  loading.split = DataSplit(split);
  loading.batchSize = batchSize;
  loading.shuffle = loading.augment = loading.dropLast = false;
  loading.seed = kEvaluationSeed;
  loading.mean = config.mean;
  loading.std = config.std;
  ChipLoader loader(dataset, loading);
  Network network = buildNetwork(config, loader, options);
  model::CheckpointLoadOptions strict;
  strict.strict = true;
  model::loadIntoModule(network.module(), checkpoint.model, strict);
  network.module().to(device);
  network.module().eval();
  torch::NoGradGuard noGrad;
  EvaluationResult result;
  result.task = loader.dataset().task();
  result.confusion = ConfusionMatrix(loader.classCount());
  if (loader.dataset().scheme())
    for (const LabelClass& labelClass : loader.dataset().scheme()->classes) result.classNames.push_back(labelClass.name);
  double lossSum = 0;
  int64_t batches = 0;
  loader.start(0);
  while (auto batch = loader.next()) {
    model::CudaBf16Autocast autocast(device);
    lossSum += network
                   .loss(*batch, device, network.pretraining ? nullptr : &result.confusion, nullptr, 0,
                         network.cloudGap ? &result.imputation : nullptr)
                   .item<double>();
    result.chips += int64_t(batch->chips.size());
    ++batches;
  }
  result.loss = lossSum / double(std::max<int64_t>(1, batches));
  return result;
}

}  // namespace prithvi::engine
