// prithvi dataset build, prithvi finetune, prithvi pretrain, prithvi evaluate (checkpoint on a
// dataset split)
#include <torch/torch.h>

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QThread>

#include <cmath>

#include "app/cli/Cli.h"
#include "training/model/CpuRuntime.h"
#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/base/JobEvents.h"
#include "core/dataset/ChipDataset.h"
#include "core/metrics/RasterAccuracy.h"
#include "core/scene/SceneScanner.h"
#include "core/project/ProjectStore.h"
#include "training/engine/Experiments.h"
#include "training/engine/TaskPreset.h"
#include "training/engine/Trainer.h"

namespace prithvi::cli {

namespace {

QString qs(const std::string& text) { return QString::fromStdString(text); }

std::vector<ReviewState> statesOf(const QString& text) {
  std::vector<ReviewState> states;
  for (const QString& name : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
    std::optional<ReviewState> state = reviewStateFromName(name.trimmed().toStdString());
    if (!state) throwUsage("--states takes draft, submitted, validated or rejected, not '" + name.toStdString() + "'");
    states.push_back(*state);
  }
  if (states.empty()) throwUsage("--states needs at least one review state");
  return states;
}

QJsonObject summaryJson(const DatasetSummary& summary, const std::string& path) {
  QJsonObject splits, classPixels;
  for (int s = 0; s < 3; ++s) {
    splits.insert(dataSplitName(DataSplit(s)), double(summary.chipsPerSplit[size_t(s)]));
    QJsonObject perClass;
    for (const auto& [value, pixels] : summary.classPixels[size_t(s)]) perClass.insert(QString::number(value), double(pixels));
    classPixels.insert(dataSplitName(DataSplit(s)), perClass);
  }
  QJsonArray mean, std, skipped;
  for (int b = 0; b < 6; ++b) mean.append(summary.bandMean[size_t(b)]), std.append(summary.bandStd[size_t(b)]);
  for (const std::string& reason : summary.skipped) skipped.append(qs(reason));
  return QJsonObject{{"path", qs(path)},
                     {"chips", double(summary.chips)},
                     {"candidates", double(summary.candidates)},
                     {"dropped_at_split_borders", double(summary.droppedAtSplitBorders)},
                     {"splits", splits},
                     {"class_pixels", classPixels},
                     {"band_mean", mean},
                     {"band_std", std},
                     {"skipped", skipped}};
}

int datasetBuild(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("dataset build"),
                  QStringLiteral("Export training chips (image, mask, dates, location) from a project's scenes and "
                                 "validated labels into a chunked Zarr store, with spatially separated splits."));
  cli.addPositional(QStringLiteral("project"), QStringLiteral("the project (.gpkg)"));
  cli.addOption({QStringLiteral("task")}, QStringLiteral("flood, burn_scars, crop, cloud, land_cover, pretrain or cloud_gap"), QStringLiteral("task"));
  cli.addOption({QStringLiteral("preset")}, QStringLiteral("task preset name or file (default: the task's, when there is one)"), QStringLiteral("preset"));
  cli.addOption({QStringLiteral("out")}, QStringLiteral("the store to write (a .zarr folder)"), QStringLiteral("dir"));
  cli.addOption({QStringLiteral("tile")}, QStringLiteral("only this MGRS tile"), QStringLiteral("tile"));
  addChipAndSplitOptions(cli);
  cli.addOption({QStringLiteral("stride")}, QStringLiteral("chip step in pixels (default: the chip size)"), QStringLiteral("n"));
  cli.addOption({QStringLiteral("frames")}, QStringLiteral("dates per chip"), QStringLiteral("n"));
  cli.addOption({QStringLiteral("max-chips")}, QStringLiteral("a stratified sample of at most n chips"), QStringLiteral("n"), QStringLiteral("0"));
  cli.addOption({QStringLiteral("stratify")}, QStringLiteral("class, cloud or none"), QStringLiteral("by"), QStringLiteral("class"));
  cli.addOption({QStringLiteral("states")}, QStringLiteral("review states of the label sets used"), QStringLiteral("list"), QStringLiteral("validated"));
  cli.addOption({QStringLiteral("seed")}, QStringLiteral("split and sampling seed"), QStringLiteral("k"), QStringLiteral("1"));
  cli.addJsonOption();
  cli.addEventsOption();
  if (auto code = cli.parse(arguments, 1, 1)) return *code;
  return runJob("dataset build", cli.jsonEvents(), [&](Feedback& feedback) {
    if (!cli.isSet(QStringLiteral("out"))) throwUsage("--out DIR.zarr is required");
    if (!cli.isSet(QStringLiteral("task")) && !cli.isSet(QStringLiteral("preset"))) throwUsage("--task (or --preset) is required");
    DatasetBuildOptions options;
    const std::string task = cli.value(QStringLiteral("task")).toStdString();
    if (cli.isSet(QStringLiteral("preset")))
      engine::applyPreset(engine::loadTaskPreset(cli.value(QStringLiteral("preset")).toStdString()), options);
    else if (task != "cloud" && task != "land_cover")
      engine::applyPreset(engine::loadTaskPreset(task), options);
    if (!task.empty()) options.task = task;
    readChipAndSplitOptions(cli, options);
    if (cli.isSet(QStringLiteral("stride"))) options.stride = int(cli.intValue(QStringLiteral("stride"), 1, 2048));
    if (cli.isSet(QStringLiteral("frames"))) options.frames = int(cli.intValue(QStringLiteral("frames"), 1, 16));
    options.tile = cli.value(QStringLiteral("tile")).toStdString();
    options.maxChips = int(cli.intValue(QStringLiteral("max-chips"), 0, 100000000));
    options.stratifyBy = cli.value(QStringLiteral("stratify")).toStdString();
    options.states = statesOf(cli.value(QStringLiteral("states")));
    options.seed = uint64_t(cli.intValue(QStringLiteral("seed"), 0, 1LL << 62));
    auto project = ProjectStore::open(cli.positional().front().toStdString());
    printStoreWarnings(*project);
    const std::string out = cli.value(QStringLiteral("out")).toStdString();
    const DatasetSummary summary = buildChipDataset(*project, out, options, &feedback);
    if (cli.json()) {
      printJson(summaryJson(summary, out));
    } else if (!cli.jsonEvents()) {
      printLine("wrote " + out + ": " + std::to_string(summary.chips) + " chips (" + std::to_string(summary.chipsPerSplit[0]) +
                " train, " + std::to_string(summary.chipsPerSplit[1]) + " val, " + std::to_string(summary.chipsPerSplit[2]) +
                " test; " + std::to_string(summary.droppedAtSplitBorders) + " dropped at split borders)");
      for (const std::string& reason : summary.skipped) printLine("  skipped " + reason);
    }
    return int(kOk);
  });
}

}  // namespace

void addChipAndSplitOptions(CommandLine& cli) {
  cli.addOption({QStringLiteral("chip")}, QStringLiteral("chip size in pixels"), QStringLiteral("n"));
  cli.addOption({QStringLiteral("min-labelled")}, QStringLiteral("least labelled share of a chip"), QStringLiteral("f"));
  cli.addOption({QStringLiteral("max-cloud")}, QStringLiteral("largest cloud and shadow share of a chip"), QStringLiteral("f"));
  cli.addOption({QStringLiteral("block")}, QStringLiteral("split blocks of n x n chips"), QStringLiteral("n"));
  cli.addOption({QStringLiteral("val")}, QStringLiteral("validation share of the blocks"), QStringLiteral("f"));
  cli.addOption({QStringLiteral("test")}, QStringLiteral("test (held-out) share of the blocks"), QStringLiteral("f"));
}

void readChipAndSplitOptions(const CommandLine& cli, DatasetBuildOptions& options) {
  if (cli.isSet(QStringLiteral("chip"))) options.chipSize = int(cli.intValue(QStringLiteral("chip"), 16, 2048));
  if (cli.isSet(QStringLiteral("min-labelled"))) options.minLabelledFraction = cli.doubleValue(QStringLiteral("min-labelled"), 0, 1);
  if (cli.isSet(QStringLiteral("max-cloud"))) options.maxCloudFraction = cli.doubleValue(QStringLiteral("max-cloud"), 0, 1);
  if (cli.isSet(QStringLiteral("block"))) options.blockChips = int(cli.intValue(QStringLiteral("block"), 1, 1000));
  if (cli.isSet(QStringLiteral("val"))) options.validationFraction = cli.doubleValue(QStringLiteral("val"), 0, 1);
  if (cli.isSet(QStringLiteral("test"))) options.testFraction = cli.doubleValue(QStringLiteral("test"), 0, 1);
}

void addTrainingHyperparameters(CommandLine& cli) {
  cli.addOption({QStringLiteral("preset")}, QStringLiteral("task preset name or file (default: the task's)"), QStringLiteral("preset"));
  cli.addOption({QStringLiteral("model")}, QStringLiteral("model variant or config JSON"), QStringLiteral("name"));
  cli.addOption({QStringLiteral("weights")}, QStringLiteral("pretrained weights (default: random initialisation)"), QStringLiteral("file"));
  cli.addOption({QStringLiteral("steps")}, QStringLiteral("optimiser steps"), QStringLiteral("n"));
  cli.addOption({QStringLiteral("batch")}, QStringLiteral("chips per step and process"), QStringLiteral("n"));
  cli.addOption({QStringLiteral("accumulate")}, QStringLiteral("batches per optimiser step"), QStringLiteral("n"), QStringLiteral("1"));
  cli.addOption({QStringLiteral("workers")}, QStringLiteral("loader threads"), QStringLiteral("n"), QStringLiteral("2"));
  cli.addOption({QStringLiteral("lr")}, QStringLiteral("peak learning rate"), QStringLiteral("x"));
  cli.addOption({QStringLiteral("weight-decay")}, QStringLiteral("AdamW weight decay"), QStringLiteral("x"));
  cli.addOption({QStringLiteral("warmup")}, QStringLiteral("linear warm-up steps"), QStringLiteral("n"));
  cli.addOption({QStringLiteral("clip")}, QStringLiteral("gradient norm clip (0: none)"), QStringLiteral("x"), QStringLiteral("1"));
  cli.addOption({QStringLiteral("eval-every")}, QStringLiteral("steps between evaluations and checkpoints"), QStringLiteral("n"));
  cli.addOption({QStringLiteral("patience")}, QStringLiteral("evaluations without improvement before stopping (0: never)"), QStringLiteral("n"));
  cli.addOption({QStringLiteral("no-augment")}, QStringLiteral("no flips or rotations"));
  cli.addOption({QStringLiteral("seed")}, QStringLiteral("random seed"), QStringLiteral("k"), QStringLiteral("1"));
  cli.addOption({QStringLiteral("device")}, QStringLiteral("auto, cpu or cuda"), QStringLiteral("device"), QStringLiteral("auto"));
  cli.addOption({QStringLiteral("threads")}, QStringLiteral("CPU threads per process (0: the physical cores, shared among local ranks)"), QStringLiteral("n"), QStringLiteral("0"));
}

void readTrainingHyperparameters(const CommandLine& cli, engine::TrainOptions& options) {
  if (cli.isSet(QStringLiteral("model"))) options.model = cli.value(QStringLiteral("model")).toStdString();
  options.weights = cli.value(QStringLiteral("weights")).toStdString();
  if (cli.isSet(QStringLiteral("steps"))) options.steps = cli.intValue(QStringLiteral("steps"), 1, 100000000);
  if (cli.isSet(QStringLiteral("batch"))) options.batchSize = int(cli.intValue(QStringLiteral("batch"), 1, 4096));
  options.accumulate = int(cli.intValue(QStringLiteral("accumulate"), 1, 4096));
  options.workers = int(cli.intValue(QStringLiteral("workers"), 1, 64));
  if (cli.isSet(QStringLiteral("lr"))) options.lr = cli.doubleValue(QStringLiteral("lr"), 0, 10);
  if (cli.isSet(QStringLiteral("weight-decay"))) options.weightDecay = cli.doubleValue(QStringLiteral("weight-decay"), 0, 10);
  if (cli.isSet(QStringLiteral("warmup"))) options.warmupSteps = cli.intValue(QStringLiteral("warmup"), 0, 100000000);
  options.clipNorm = cli.doubleValue(QStringLiteral("clip"), 0, 1e9);
  if (cli.isSet(QStringLiteral("eval-every"))) options.evalEvery = cli.intValue(QStringLiteral("eval-every"), 1, 100000000);
  if (cli.isSet(QStringLiteral("patience"))) options.patience = int(cli.intValue(QStringLiteral("patience"), 0, 1000000));
  options.augment = !cli.isSet(QStringLiteral("no-augment"));
  options.seed = uint64_t(cli.intValue(QStringLiteral("seed"), 0, 1LL << 62));
  options.device = cli.value(QStringLiteral("device")).toStdString();
  model::configureCpuThreads(int(cli.intValue(QStringLiteral("threads"), 0, 1024)));
}

namespace {

// Options shared by finetune and pretrain.
void addTrainOptions(CommandLine& cli) {
  cli.addOption({QStringLiteral("data")}, QStringLiteral("a store from 'prithvi dataset build'"), QStringLiteral("dir"));
  cli.addOption({QStringLiteral("run")}, QStringLiteral("the run folder (checkpoints, events, metrics); an existing run resumes"), QStringLiteral("dir"));
  addTrainingHyperparameters(cli);
  cli.addOption({QStringLiteral("restart")}, QStringLiteral("start over even when the run folder holds a checkpoint"));
  cli.addJsonOption();
  cli.addEventsOption();
}

// `dataset`: the store when the command made it itself (experiment active-learning --project).
void readTrainOptions(const CommandLine& cli, engine::TrainOptions& options, const std::string& dataset = {}) {
  if ((dataset.empty() && !cli.isSet(QStringLiteral("data"))) || !cli.isSet(QStringLiteral("run")))
    throwUsage("--data and --run are required");
  options.dataset = dataset.empty() ? cli.value(QStringLiteral("data")).toStdString() : dataset;
  options.runDir = cli.value(QStringLiteral("run")).toStdString();
  readTrainingHyperparameters(cli, options);
  options.resume = !cli.isSet(QStringLiteral("restart"));
}

QJsonObject resultJson(const engine::TrainResult& result) {
  QJsonArray history;
  for (const engine::EvalRecord& record : result.history)
    history.append(QJsonObject{{"step", double(record.step)},
                               {"lr", record.lr},
                               {"train_loss", record.trainLoss},
                               {"val_loss", std::isnan(record.valLoss) ? QJsonValue() : QJsonValue(record.valLoss)},
                               {"metric", record.metric}});
  return QJsonObject{{"status", qs(result.status)},
                     {"steps", double(result.steps)},
                     {"monitor", qs(result.monitor)},
                     {"best_metric", result.bestMetric},
                     {"best_step", double(result.bestStep)},
                     {"best_checkpoint", qs(result.bestCheckpoint)},
                     {"last_checkpoint", qs(result.lastCheckpoint)},
                     {"history", history}};
}

int runTraining(const CommandLine& cli, const std::string& job, engine::TrainOptions& options) {
  return runJob(job, cli.jsonEvents(), [&](Feedback& feedback, JobEventWriter* events) {
    readTrainOptions(cli, options);
    const engine::TrainResult result = engine::train(options, &feedback, events);
    if (cli.json()) {
      printJson(resultJson(result));
    } else if (!cli.jsonEvents()) {
      for (const engine::EvalRecord& record : result.history)
        printLine("step " + std::to_string(record.step) + ": train loss " + std::to_string(record.trainLoss) +
                  (std::isnan(record.valLoss) ? "" : ", val loss " + std::to_string(record.valLoss)) + ", " +
                  result.monitor + " " + std::to_string(record.metric));
      printLine(result.status + " after " + std::to_string(result.steps) + " steps; best " + result.monitor + " " +
                std::to_string(result.bestMetric) + " at step " + std::to_string(result.bestStep) + " (" +
                (result.bestCheckpoint.empty() ? result.lastCheckpoint : result.bestCheckpoint) + ")");
    }
    if (result.status == "canceled")
      throw Error(ErrorKind::Canceled, "canceled at step " + std::to_string(result.steps) + "; rerun the command to resume");
    return int(kOk);
  });
}

int finetune(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("finetune"),
                  QStringLiteral("Fine-tune Prithvi on a segmentation task (flood, burn_scars, crop, or a dataset of your "
                                 "own scheme) or on cloud-gap imputation (cloud_gap), from pretrained weights or random "
                                 "initialisation."));
  cli.addOption({QStringLiteral("task")}, QStringLiteral("flood, burn_scars, crop or cloud_gap (picks the preset)"), QStringLiteral("task"));
  cli.addOption({QStringLiteral("head")}, QStringLiteral("upernet or fcn"), QStringLiteral("head"));
  cli.addOption({QStringLiteral("decoder-channels")}, QStringLiteral("decoder width"), QStringLiteral("n"));
  cli.addOption({QStringLiteral("freeze-encoder")}, QStringLiteral("train the decoder and head only"));
  cli.addOption({QStringLiteral("class-weights")}, QStringLiteral("comma-separated weights per class, or 'balanced'"), QStringLiteral("list"));
  addTrainOptions(cli);
  if (auto code = cli.parse(arguments, 0, 0)) return *code;
  engine::TrainOptions options;
  return runCommand([&] {
    const QString preset = cli.isSet(QStringLiteral("preset")) ? cli.value(QStringLiteral("preset")) : cli.value(QStringLiteral("task"));
    if (!preset.isEmpty()) engine::applyPreset(engine::loadTaskPreset(preset.toStdString()), options);
    if (cli.isSet(QStringLiteral("head"))) options.head = cli.value(QStringLiteral("head")).toStdString();
    if (cli.isSet(QStringLiteral("decoder-channels")))
      options.decoderChannels = int(cli.intValue(QStringLiteral("decoder-channels"), 8, 4096));
    options.freezeEncoder = cli.isSet(QStringLiteral("freeze-encoder"));
    if (cli.isSet(QStringLiteral("class-weights"))) {
      const QString weights = cli.value(QStringLiteral("class-weights"));
      options.classWeights.clear();
      options.balanceClasses = weights == QStringLiteral("balanced");
      if (!options.balanceClasses)
        for (const QString& item : weights.split(QLatin1Char(','))) {
          bool ok = false;
          options.classWeights.push_back(item.toDouble(&ok));
          if (!ok || options.classWeights.back() < 0) throwUsage("--class-weights takes non-negative numbers or 'balanced'");
        }
    }
    return runTraining(cli, "finetune", options);
  });
}

int pretrain(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("pretrain"),
                  QStringLiteral("Pretrain the Prithvi masked autoencoder on a store from 'prithvi dataset build --task pretrain'."));
  cli.addOption({QStringLiteral("mask-ratio")}, QStringLiteral("share of patches hidden"), QStringLiteral("r"));
  addTrainOptions(cli);
  if (auto code = cli.parse(arguments, 0, 0)) return *code;
  engine::TrainOptions options;
  return runCommand([&] {
    engine::applyPreset(engine::loadTaskPreset(cli.isSet(QStringLiteral("preset")) ? cli.value(QStringLiteral("preset")).toStdString()
                                                                                   : std::string("pretrain")),
                        options);
    if (cli.isSet(QStringLiteral("mask-ratio"))) options.maskRatio = cli.doubleValue(QStringLiteral("mask-ratio"), 0.01, 0.99);
    return runTraining(cli, "pretrain", options);
  });
}

// The numbers of a comma-separated list option, each in [low, high].
std::vector<int64_t> integerList(const CommandLine& cli, const QString& option, int64_t low, int64_t high) {
  std::vector<int64_t> values;
  for (const QString& item : cli.value(option).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
    bool ok = false;
    const qlonglong value = item.trimmed().toLongLong(&ok);
    if (!ok || value < low || value > high)
      throwUsage("--" + option.toStdString() + " takes whole numbers from " + std::to_string(low) + " to " + std::to_string(high));
    values.push_back(value);
  }
  return values;
}

int activeLearning(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("experiment active-learning"),
                  QStringLiteral("Simulate a labeller with the dataset's masks: every strategy starts from the same "
                                 "random chips, fine-tunes, scores the held-out split (test, else validation) and labels "
                                 "--per-round more chips, --rounds times, for each seed. Strategies: uncertainty (highest "
                                 "mean entropy), diversity (greedy k-centre in Prithvi embedding space among the most "
                                 "uncertain, as 'labels suggest'), random. Writes active_learning.csv/.md/.svg (mIoU "
                                 "against labelled chips, mean and standard deviation over the seeds) into --run."));
  cli.addOption({QStringLiteral("task")}, QStringLiteral("flood, burn_scars or crop (picks the preset)"), QStringLiteral("task"));
  cli.addOption({QStringLiteral("project")},
                QStringLiteral("build the dataset from this project's validated labels into RUN/dataset.zarr (instead of --data)"),
                QStringLiteral("file.gpkg"));
  cli.addOption({QStringLiteral("rounds")}, QStringLiteral("labelling rounds"), QStringLiteral("n"), QStringLiteral("4"));
  cli.addOption({QStringLiteral("per-round")}, QStringLiteral("chips labelled per round"), QStringLiteral("n"), QStringLiteral("4"));
  cli.addOption({QStringLiteral("strategy")}, QStringLiteral("uncertainty, diversity and/or random"), QStringLiteral("list"),
                QStringLiteral("uncertainty,diversity,random"));
  cli.addOption({QStringLiteral("seeds")}, QStringLiteral("one run of every strategy per seed"), QStringLiteral("list"),
                QStringLiteral("1,2,3"));
  cli.addOption({QStringLiteral("decoder-channels")}, QStringLiteral("decoder width"), QStringLiteral("n"));
  addTrainOptions(cli);
  if (auto code = cli.parse(arguments, 0, 0)) return *code;
  engine::TrainOptions options;
  return runCommand([&] {
    const QString preset = cli.isSet(QStringLiteral("preset")) ? cli.value(QStringLiteral("preset")) : cli.value(QStringLiteral("task"));
    if (preset.isEmpty()) throwUsage("--task (or --preset) is required");
    engine::applyPreset(engine::loadTaskPreset(preset.toStdString()), options);
    if (cli.isSet(QStringLiteral("decoder-channels")))
      options.decoderChannels = int(cli.intValue(QStringLiteral("decoder-channels"), 8, 4096));
    engine::ActiveLearningOptions learning;
    learning.rounds = int(cli.intValue(QStringLiteral("rounds"), 1, 1000));
    learning.perRound = int(cli.intValue(QStringLiteral("per-round"), 1, 100000));
    learning.strategies.clear();
    for (const QString& strategy : cli.value(QStringLiteral("strategy")).split(QLatin1Char(','), Qt::SkipEmptyParts))
      learning.strategies.push_back(strategy.trimmed().toStdString());
    learning.seeds.clear();
    for (int64_t seed : integerList(cli, QStringLiteral("seeds"), 0, 1LL << 62)) learning.seeds.push_back(uint64_t(seed));
    return runJob("experiment", cli.jsonEvents(), [&](Feedback& feedback, JobEventWriter*) {
      std::string dataset;
      if (cli.isSet(QStringLiteral("project"))) {
        if (cli.isSet(QStringLiteral("data"))) throwUsage("give --project or --data, not both");
        if (!cli.isSet(QStringLiteral("run"))) throwUsage("--run DIR is required");
        DatasetBuildOptions build;
        engine::applyPreset(engine::loadTaskPreset(preset.toStdString()), build);
        build.task = cli.value(QStringLiteral("task")).isEmpty() ? build.task : cli.value(QStringLiteral("task")).toStdString();
        dataset = cli.value(QStringLiteral("run")).toStdString() + "/dataset.zarr";
        if (!QFileInfo::exists(QString::fromStdString(dataset))) {
          QDir().mkpath(cli.value(QStringLiteral("run")));
          auto project = ProjectStore::open(cli.value(QStringLiteral("project")).toStdString());
          printStoreWarnings(*project);
          buildChipDataset(*project, dataset, build, &feedback);
        }
      }
      readTrainOptions(cli, options, dataset);
      const engine::ExperimentTable table = engine::compareLabellingStrategies(options, learning, &feedback);
      if (!cli.jsonEvents()) {
        QFile markdown(qs(table.markdownPath));
        if (markdown.open(QIODevice::ReadOnly)) std::fputs(markdown.readAll().constData(), stdout);
        printLine("wrote " + table.csvPath + ", " + table.markdownPath + " and " + table.plotPath);
      }
      return int(kOk);
    });
  });
}

int experiment(const QStringList& arguments) {
  const QString kind = arguments.value(0);
  if (kind == QStringLiteral("active-learning")) return activeLearning(arguments.mid(1));
  if (kind != QStringLiteral("pretrained-vs-random") && kind != QStringLiteral("data-efficiency")) {
    printError("usage: prithvi experiment pretrained-vs-random|data-efficiency|active-learning --data D --run DIR ... "
               "(see --help of each)");
    return kind == QStringLiteral("--help") ? int(kOk) : int(kUsage);
  }
  CommandLine cli(QStringLiteral("experiment ") + kind,
                  kind == QStringLiteral("pretrained-vs-random")
                      ? QStringLiteral("Fine-tune twice with the same settings, from --weights and from random "
                                       "initialisation; writes a table (CSV, Markdown) and a plot (SVG) of the validation "
                                       "metric per evaluation into --run.")
                      : QStringLiteral("Fine-tune on nested shares of the training labels; writes a table (CSV, Markdown) "
                                       "and a plot (SVG) of the best validation and the test mIoU per share into --run."));
  cli.addOption({QStringLiteral("task")}, QStringLiteral("flood, burn_scars or crop (picks the preset)"), QStringLiteral("task"));
  cli.addOption({QStringLiteral("fractions")}, QStringLiteral("percentages of the labels"), QStringLiteral("list"), QStringLiteral("100,50,25,10"));
  cli.addOption({QStringLiteral("decoder-channels")}, QStringLiteral("decoder width"), QStringLiteral("n"));
  cli.addOption({QStringLiteral("balanced")}, QStringLiteral("class weights from the class frequencies"));
  addTrainOptions(cli);
  if (auto code = cli.parse(arguments.mid(1), 0, 0)) return *code;
  engine::TrainOptions options;
  return runCommand([&] {
    const QString preset = cli.isSet(QStringLiteral("preset")) ? cli.value(QStringLiteral("preset")) : cli.value(QStringLiteral("task"));
    if (!preset.isEmpty()) engine::applyPreset(engine::loadTaskPreset(preset.toStdString()), options);
    if (cli.isSet(QStringLiteral("decoder-channels")))
      options.decoderChannels = int(cli.intValue(QStringLiteral("decoder-channels"), 8, 4096));
    if (cli.isSet(QStringLiteral("balanced"))) options.balanceClasses = true;
    std::vector<double> fractions;
    for (const QString& item : cli.value(QStringLiteral("fractions")).split(QLatin1Char(','))) {
      bool ok = false;
      const double percent = item.toDouble(&ok);
      if (!ok || percent <= 0 || percent > 100) throwUsage("--fractions takes percentages in (0, 100]");
      fractions.push_back(percent / 100);
    }
    return runJob("experiment", cli.jsonEvents(), [&](Feedback& feedback, JobEventWriter*) {
      readTrainOptions(cli, options);
      const engine::ExperimentTable table =
          kind == QStringLiteral("pretrained-vs-random")
              ? engine::comparePretrainedAndRandom(options, options.weights, &feedback)
              : engine::compareLabelFractions(options, fractions, &feedback);
      if (!cli.jsonEvents()) {
        QFile markdown(qs(table.markdownPath));
        if (markdown.open(QIODevice::ReadOnly)) std::fputs(markdown.readAll().constData(), stdout);
        printLine("wrote " + table.csvPath + ", " + table.markdownPath + " and " + table.plotPath);
      }
      return int(kOk);
    });
  });
}

// A metrics object's JSON with the command's own fields added.
void printMetricsJson(const std::string& metricsJson, const QJsonObject& extra) {
  QJsonObject object = QJsonDocument::fromJson(QByteArray::fromStdString(metricsJson)).object();
  for (auto it = extra.begin(); it != extra.end(); ++it) object.insert(it.key(), it.value());
  printJson(object);
}

// One line per class, then the means.
void printConfusion(const ConfusionMatrix& confusion, const std::vector<std::string>& classNames, const std::string& footer) {
  for (int c = 0; c < confusion.classes(); ++c) {
    const std::string name = c < int(classNames.size()) ? classNames[size_t(c)] : "class " + std::to_string(c);
    char line[200];
    std::snprintf(line, sizeof line, "  %-24s IoU %.4f  precision %.4f  recall %.4f  F1 %.4f", name.c_str(), confusion.iou(c),
                  confusion.precision(c), confusion.recall(c), confusion.f1(c));
    printLine(line);
  }
  char line[120];
  std::snprintf(line, sizeof line, "  mIoU %.4f  overall accuracy %.4f", confusion.meanIou(), confusion.overallAccuracy());
  printLine(line + footer);
}

}  // namespace

int commandExperiment(const QStringList& arguments) { return experiment(arguments); }

int commandDataset(const QStringList& arguments) {
  if (!arguments.isEmpty() && arguments.front() == QStringLiteral("build")) return datasetBuild(arguments.mid(1));
  printError("usage: prithvi dataset build PROJECT --task T --out DIR.zarr (see 'prithvi dataset build --help')");
  return arguments.isEmpty() || arguments.front() != QStringLiteral("--help") ? int(kUsage) : int(kOk);
}

int commandFinetune(const QStringList& arguments) { return finetune(arguments); }
int commandPretrain(const QStringList& arguments) { return pretrain(arguments); }

int commandEvaluate(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("evaluate"),
                  QStringLiteral("Evaluate a checkpoint of 'prithvi finetune' on a split of a dataset: per-class IoU, "
                                 "precision, recall, F1, overall accuracy and the confusion matrix."));
  cli.addOption({QStringLiteral("model")}, QStringLiteral("checkpoint (a run's checkpoints/best.safetensors)"), QStringLiteral("file"));
  cli.addOption({QStringLiteral("data")}, QStringLiteral("a store from 'prithvi dataset build'"), QStringLiteral("dir"));
  cli.addOption({QStringLiteral("pred")},
                QStringLiteral("instead of --model: a class raster or a filled image (e.g. from 'prithvi infer')"),
                QStringLiteral("file"));
  cli.addOption({QStringLiteral("truth")},
                QStringLiteral("with --pred: the reference class raster, or the clear image (raster or granule), on the same grid"),
                QStringLiteral("path"));
  cli.addOption({QStringLiteral("mask")},
                QStringLiteral("with a filled image: the clouded input (raster or granule); only its Fmask cloud and shadow "
                               "pixels are scored"),
                QStringLiteral("path"));
  cli.addOption({QStringLiteral("classes")}, QStringLiteral("with --pred: class count (default: from the values)"), QStringLiteral("n"), QStringLiteral("0"));
  cli.addOption({QStringLiteral("split")}, QStringLiteral("train, val or test"), QStringLiteral("split"), QStringLiteral("test"));
  cli.addOption({QStringLiteral("batch")}, QStringLiteral("chips per forward pass"), QStringLiteral("n"), QStringLiteral("8"));
  cli.addOption({QStringLiteral("device")}, QStringLiteral("auto, cpu or cuda"), QStringLiteral("device"), QStringLiteral("auto"));
  cli.addOption({QStringLiteral("precision")},
                QStringLiteral("with --model: fp32 (default), bf16 or int8, as 'prithvi infer --precision' runs it"),
                QStringLiteral("p"), QStringLiteral("fp32"));
  cli.addJsonOption();
  if (auto code = cli.parse(arguments, 0, 0)) return *code;
  return runCommand([&] {
    const model::Precision precision = model::parsePrecision(cli.value(QStringLiteral("precision")).toStdString());
    if (cli.isSet(QStringLiteral("pred")) || cli.isSet(QStringLiteral("truth"))) {
      if (!cli.isSet(QStringLiteral("pred")) || !cli.isSet(QStringLiteral("truth"))) throwUsage("--pred and --truth go together");
      const Scene predicted = sceneOfFile(cli.value(QStringLiteral("pred")).toStdString());
      const Scene truth = sceneOfFile(cli.value(QStringLiteral("truth")).toStdString());
      if (predicted.hasPrithviBands() && truth.hasPrithviBands()) {
        // A filled image against held-out truth: SSIM, PSNR and MAE in reflectance.
        std::optional<Scene> mask;
        if (cli.isSet(QStringLiteral("mask"))) mask = sceneOfFile(cli.value(QStringLiteral("mask")).toStdString());
        const ImageMetrics metrics = compareImageScenes(predicted, truth, mask);
        if (cli.json()) {
          printMetricsJson(metrics.toJson(), {{"scored", mask ? "clouded pixels of the mask" : "every valid pixel"}});
        } else {
          char line[200];
          std::snprintf(line, sizeof line, "%lld pixel values (%s): SSIM %.4f  PSNR %.2f dB  MAE %.4f",
                        static_cast<long long>(metrics.pixels()), mask ? "under the mask's clouds" : "every valid pixel",
                        metrics.ssim(), metrics.psnr(), metrics.meanAbsoluteError());
          printLine(line);
        }
        return int(kOk);
      }
      if (cli.isSet(QStringLiteral("mask"))) throwUsage("--mask goes with filled images, not class rasters");
      RasterAccuracyOptions options;
      options.classes = int(cli.intValue(QStringLiteral("classes"), 0, 255));
      const RasterAccuracy accuracy = compareClassRasters(cli.value(QStringLiteral("pred")).toStdString(),
                                                          cli.value(QStringLiteral("truth")).toStdString(), options);
      if (cli.json())
        printMetricsJson(accuracy.confusion.toJson(), {{"compared_pixels", double(accuracy.comparedPixels)},
                                                       {"unpredicted_pixels", double(accuracy.unpredictedPixels)}});
      else
        printConfusion(accuracy.confusion, {},
                       "  (" + std::to_string(accuracy.comparedPixels) + " pixels compared, " +
                           std::to_string(accuracy.unpredictedPixels) + " without a prediction)");
      return int(kOk);
    }
    if (!cli.isSet(QStringLiteral("model")) || !cli.isSet(QStringLiteral("data"))) throwUsage("--model and --data are required");
    const QString splitName = cli.value(QStringLiteral("split"));
    int split = -1;
    for (int s = 0; s < 3; ++s)
      if (splitName == QLatin1String(dataSplitName(DataSplit(s)))) split = s;
    if (split < 0) throwUsage("--split takes train, val or test");
    const engine::EvaluationResult result = engine::evaluateCheckpoint(
        cli.value(QStringLiteral("model")).toStdString(), cli.value(QStringLiteral("data")).toStdString(), split,
        cli.value(QStringLiteral("device")).toStdString(), int(cli.intValue(QStringLiteral("batch"), 1, 4096)), precision);
    const QJsonObject extra{{"task", qs(result.task)}, {"split", splitName}, {"chips", double(result.chips)}, {"loss", result.loss},
                            {"precision", QString::fromLatin1(model::precisionName(precision))}};
    if (result.imputation.pixels() > 0) {
      if (cli.json()) {
        printMetricsJson(result.imputation.toJson(), extra);
      } else {
        char line[200];
        std::snprintf(line, sizeof line, "%s on %lld %s chips, %lld hidden cloud pixels: SSIM %.4f  PSNR %.2f dB  MAE %.4f  loss %.4f",
                      result.task.c_str(), static_cast<long long>(result.chips), splitName.toUtf8().constData(),
                      static_cast<long long>(result.imputation.pixels()), result.imputation.ssim(), result.imputation.psnr(),
                      result.imputation.meanAbsoluteError(), result.loss);
        printLine(line);
      }
    } else if (cli.json()) {
      printMetricsJson(result.confusion.toJson(result.classNames), extra);
    } else {
      printLine(result.task + " on " + std::to_string(result.chips) + " " + splitName.toStdString() + " chips: loss " +
                std::to_string(result.loss));
      printConfusion(result.confusion, result.classNames, "");
    }
    return int(kOk);
  });
}

}  // namespace prithvi::cli
