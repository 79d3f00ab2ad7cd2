#include "training/engine/Trainer.h"

#include <torch/torch.h>

#include <QByteArray>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>
#include <map>
#include <cstdio>

#include "core/base/AtomicFile.h"
#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/base/JobEvents.h"
#include "core/base/NumberText.h"
#include "core/metrics/ImageMetrics.h"
#include "training/data/ChipLoader.h"
#include "training/distributed/Communicator.h"
#include "training/engine/FusedAdamW.h"
#include "training/engine/Network.h"
#include "training/model/Checkpoint.h"
#include "training/model/Heads.h"
#include "training/model/LinearPrecision.h"
#include "training/model/Weights.h"

namespace prithvi::engine {

namespace {

using model::PrithviConfig;

// A checkpoint's best metric. Checkpoints written before numbers were locale-independent may
// hold a comma-decimal "0,8123" (a German locale): read as the number it meant, so they resume.
double bestMetricOf(const std::string& text, const std::string& path) {
  if (const auto value = parseNumber(text)) return *value;
  std::string legacy = text;
  std::replace(legacy.begin(), legacy.end(), ',', '.');
  if (const auto value = parseNumber(legacy)) return *value;
  throwBadInput(path + ": its best metric '" + text + "' is not a number; it cannot be resumed");
}

constexpr const char* kLastName = "last.safetensors";
constexpr const char* kBestName = "best.safetensors";
// Evaluation draws (which clouds hide which frames) do not depend on the training seed, so a
// checkpoint's evaluation repeats its run's validation exactly.
constexpr uint64_t kEvaluationSeed = 0;

// True when the checkpoint holds exactly the module's tensors (names and shapes; position
// embeddings are recomputed, so they do not count).
bool sameTensors(torch::nn::Module& module, const model::StateDict& checkpoint) {
  std::map<std::string, std::vector<int64_t>> wanted;
  for (const auto& item : module.named_parameters(true)) wanted[item.key()] = item.value().sizes().vec();
  for (const auto& item : module.named_buffers(true)) wanted[item.key()] = item.value().sizes().vec();
  const auto positional = [](const std::string& name) { return name.find("pos_embed") != std::string::npos; };
  size_t matched = 0;
  for (const auto& [name, tensor] : checkpoint.tensors) {
    if (positional(name)) continue;
    const auto found = wanted.find(name);
    if (found == wanted.end() || found->second != tensor.sizes().vec()) return false;
    ++matched;
  }
  size_t needed = 0;
  for (const auto& [name, shape] : wanted) needed += positional(name) ? 0 : 1;
  return matched > 0 && matched == needed;
}

// Pretrained encoder weights (and the MAE decoder for pretraining runs). A checkpoint of an
// earlier train() run with exactly this network (last year's model of the same task, scheme
// and size) gives every weight, head included; any other checkpoint gives its encoder.
std::string loadPretrained(Network& network, const std::string& path) {
  std::optional<model::TrainingCheckpoint> earlier;
  try {
    earlier = model::loadTrainingCheckpoint(path);
  } catch (const Error& error) {
    if (error.kind() != ErrorKind::BadInput) throw;  // not one of ours: released weights
  }
  if (earlier && sameTensors(network.module(), earlier->model)) {
    const model::CheckpointLoadReport report = model::loadIntoModule(network.module(), earlier->model, {});
    if (network.segmentation && network.segmentation->encoderFrozen()) network.segmentation->setEncoderFrozen(true);
    return "every weight from the earlier model: " + report.text();
  }
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
                     {"train_chips", [&] {
                        QJsonArray chips;
                        for (int64_t chip : options.trainChips) chips.append(double(chip));
                        return chips;
                      }()},
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

namespace {

// A run folder with history (a best checkpoint, metrics, events) but nothing to resume from would
// silently start at step 0 and write over that history: refuse, and say what to do. A restart
// keeps the old files under a dated name instead of overwriting them.
void keepOrRefuseHistory(const TrainOptions& options, const std::string& lastPath, const std::string& bestPath, bool writer) {
  const QString run = QString::fromStdString(options.runDir);
  const QStringList history{QString::fromStdString(bestPath), QString::fromStdString(lastPath), run + QStringLiteral("/metrics.csv"),
                            run + QStringLiteral("/events.jsonl")};
  QStringList present;
  for (const QString& file : history)
    if (QFileInfo(file).size() > 0) present << file;
  if (present.isEmpty()) return;
  const bool resumable = QFileInfo::exists(QString::fromStdString(lastPath));
  if (options.resume && resumable) return;  // resumed, history and all
  // A best checkpoint or a metrics history is worth keeping; the events of a run that failed
  // before its first checkpoint are not (a retry starts it again).
  const bool worthKeeping = QFileInfo(history[0]).size() > 0 || QFileInfo(history[2]).size() > 0;
  if (options.resume && !worthKeeping) return;
  if (options.resume)
    throwBadInput("run folder " + options.runDir + " holds the history of an earlier run (" +
                  QFileInfo(present.front()).fileName().toStdString() + ") but no " + kLastName +
                  " to resume from; pass --restart to start over (the old files are kept under a dated name), or "
                  "choose another run folder");
  if (!writer) return;
  const QString stamp = QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"));
  for (const QString& file : present) {
    const QString kept = file + QStringLiteral(".before-") + stamp;
    if (!QFile::rename(file, kept)) throwIo("cannot keep " + file.toStdString() + " as " + kept.toStdString() + " before restarting");
  }
}

}  // namespace

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
  const std::string lastPath = options.runDir + "/checkpoints/" + kLastName;
  const std::string bestPath = options.runDir + "/checkpoints/" + kBestName;
  keepOrRefuseHistory(options, lastPath, bestPath, writer);
  if (writer) QDir().mkpath(QString::fromStdString(options.runDir + "/checkpoints"));

  torch::manual_seed(options.seed);
  PrithviConfig config = configFor(options.model);
  LoaderOptions trainLoading;
  trainLoading.batchSize = options.batchSize;
  trainLoading.workers = options.workers;
  trainLoading.seed = options.seed;
  trainLoading.augment = options.augment;
  trainLoading.fraction = options.trainFraction;
  trainLoading.only = options.trainChips;
  trainLoading.rank = env.rank;
  trainLoading.worldSize = env.worldSize;
  trainLoading.mean = config.mean;
  trainLoading.std = config.std;
  ChipLoader trainLoader(options.dataset, trainLoading);
  Network network = buildNetwork(config, shapeOf(trainLoader), options, &trainLoader);
  std::unique_ptr<ChipLoader> validationLoader;
  if (!trainLoader.dataset().indices(DataSplit::Validation).empty()) {
    // Every rank evaluates the whole split, so all agree on the metric and on stopping.
    LoaderOptions validationLoading = trainLoading;
    validationLoading.split = DataSplit::Validation;
    validationLoading.rank = 0;
    validationLoading.worldSize = 1;
    validationLoading.fraction = 1.0;
    validationLoading.only.clear();
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
    state.bestMetric = bestMetricOf(extra("best_metric"), lastPath);
    state.bestStep = std::stoll(extra("best_step"));
    state.badEvaluations = std::stoi(extra("bad_evaluations"));
    torch::Generator generator = at::detail::getDefaultCPUGenerator();
    {
      std::lock_guard<std::mutex> lock(generator.mutex());
      generator.set_state(bytesOf(extra("rng_cpu")));
    }
    for (const QJsonValue& item : QJsonDocument::fromJson(QByteArray::fromStdString(extra("history"))).array()) {
      const QJsonObject record = item.toObject();
      result.history.push_back({int64_t(record["step"].toInteger()), record["lr"].toDouble(), record["train_loss"].toDouble(),
                                record["val_loss"].toDouble(), record["metric"].toDouble()});
    }
    events.each([&](JobEventWriter& writer) { writer.log("info", "resumed at step " + std::to_string(state.step)); });
  } else if (writer) {
    writeFileAtomically(options.runDir + "/config.json", optionsJson(options, network.config));
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
    auto number = [](double value) { return numberText(value); };
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
                                   {"task", trainLoader.dataset().task()},
                                   {"scheme", trainLoader.dataset().scheme() ? trainLoader.dataset().scheme()->toJson() : ""}});
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
        model::Bf16Autocast autocast(device);
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
        model::Bf16Autocast autocast(device);
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
                                    const std::string& deviceName, int batchSize, model::Precision precision) {
  const torch::Device device = deviceFor(deviceName);
  LoadedRun run = loadRun(checkpointPath, device);
  Network& network = run.network;
  model::setLinearPrecision(network.module(), precision, device);
  LoaderOptions loading;
  loading.split = DataSplit(split);
  loading.batchSize = batchSize;
  loading.shuffle = loading.augment = loading.dropLast = false;
  loading.seed = kEvaluationSeed;
  loading.mean = network.config.mean;
  loading.std = network.config.std;
  ChipLoader loader(dataset, loading);
  const NetworkShape shape = shapeOf(loader);
  if (shape.pretraining != network.pretraining || shape.cloudGap != network.cloudGap ||
      (!shape.pretraining && shape.classes != network.segmentation->opts.numClasses) ||
      shape.chipSize != int(network.config.imgSize) || shape.frames != int(network.config.numFrames))
    throwBadInput("the checkpoint " + checkpointPath + " was trained for other data than " + dataset +
                  " (task, classes, chip size or frames differ)");
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
    model::Bf16Autocast autocast(device, precision);
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
