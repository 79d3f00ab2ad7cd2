#include "training/engine/Experiments.h"

#include <QDir>
#include <QFile>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <tuple>
#include <random>
#include <numeric>
#include <map>

#include "core/base/Error.h"
#include "core/base/AtomicFile.h"
#include "core/base/Feedback.h"
#include "core/base/NumberText.h"
#include "core/dataset/ChipDataset.h"
#include "training/data/ChipLoader.h"
#include "training/engine/LabelSuggestions.h"
#include "training/engine/Network.h"

namespace prithvi::engine {

namespace {

// Locale-independent: tables are read by other programs whatever the user's locale.
std::string number(double value, int digits = 4) { return std::isnan(value) ? std::string() : fixedNumberText(value, digits); }

void writeTable(ExperimentTable& table, const std::string& folder, const std::string& stem) {
  std::string csv, markdown = "# " + table.title + "\n\n|";
  for (size_t c = 0; c < table.columns.size(); ++c) {
    csv += (c ? "," : "") + table.columns[c];
    markdown += " " + table.columns[c] + " |";
  }
  csv += "\n";
  markdown += "\n|";
  for (size_t c = 0; c < table.columns.size(); ++c) markdown += "---|";
  markdown += "\n";
  for (const std::vector<double>& row : table.rows) {
    markdown += "|";
    for (size_t c = 0; c < row.size(); ++c) {
      csv += (c ? "," : "") + number(row[c], 6);
      markdown += " " + number(row[c], row[c] == std::floor(row[c]) ? 0 : 4) + " |";
    }
    csv += "\n";
    markdown += "\n";
  }
  table.csvPath = folder + "/" + stem + ".csv";
  table.markdownPath = folder + "/" + stem + ".md";
  writeFileAtomically(table.csvPath, csv);
  writeFileAtomically(table.markdownPath, markdown);
}

// A sub-feedback: the experiment's runs one after another on one progress scale.
struct Stage {
  Feedback inner;
  Stage(Feedback* outer, int index, int count, int64_t steps) {
    if (!outer) return;
    // Steps report to the outer scale; a cancel of the outer job reaches the run in progress.
    inner.setProgressCallback([this, outer, index, count, steps](int64_t step, int64_t, const std::string& message) {
      outer->setProgress(int64_t(index) * steps + step, int64_t(count) * steps, message);
      if (outer->isCanceled()) inner.cancel();
    });
  }
};

}  // namespace

namespace {
// Text inside the SVG: a title or series name with markup stays text.
std::string xmlText(const std::string& text) { return QString::fromStdString(text).toHtmlEscaped().toStdString(); }
}  // namespace

std::string svgLineChart(const std::string& title, const std::string& xLabel, const std::string& yLabel,
                         const std::vector<std::pair<std::string, std::vector<std::pair<double, double>>>>& series) {
  const double width = 640, height = 400, left = 70, right = 170, top = 40, bottom = 50;
  double minX = 1e300, maxX = -1e300, minY = 1e300, maxY = -1e300;
  for (const auto& [name, points] : series)
    for (const auto& [x, y] : points) {
      if (std::isnan(y)) continue;
      minX = std::min(minX, x), maxX = std::max(maxX, x), minY = std::min(minY, y), maxY = std::max(maxY, y);
    }
  if (minX > maxX) minX = 0, maxX = 1, minY = 0, maxY = 1;
  if (maxX == minX) maxX = minX + 1;
  const double padding = (maxY - minY) * 0.08 + 1e-9;
  minY -= padding, maxY += padding;
  auto px = [&](double x) { return left + (x - minX) / (maxX - minX) * (width - left - right); };
  auto py = [&](double y) { return height - bottom - (y - minY) / (maxY - minY) * (height - top - bottom); };
  static const char* colours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + number(width, 0) + "\" height=\"" + number(height, 0) +
                    "\" font-family=\"DejaVu Sans, sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg += "<text x=\"" + number(width / 2, 0) + "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">" + xmlText(title) + "</text>\n";
  svg += "<line x1=\"" + number(left, 0) + "\" y1=\"" + number(height - bottom, 0) + "\" x2=\"" + number(width - right, 0) + "\" y2=\"" +
         number(height - bottom, 0) + "\" stroke=\"black\"/>\n";
  svg += "<line x1=\"" + number(left, 0) + "\" y1=\"" + number(top, 0) + "\" x2=\"" + number(left, 0) + "\" y2=\"" +
         number(height - bottom, 0) + "\" stroke=\"black\"/>\n";
  // x ticks at the data's own x values when there are few (label shares, steps), else five steps.
  std::vector<double> xTicks;
  for (const auto& [name, points] : series)
    for (const auto& point : points)
      if (std::find(xTicks.begin(), xTicks.end(), point.first) == xTicks.end()) xTicks.push_back(point.first);
  if (xTicks.size() > 10 || xTicks.empty()) {
    xTicks.clear();
    for (int i = 0; i <= 5; ++i) xTicks.push_back(minX + (maxX - minX) * i / 5);
  }
  for (double x : xTicks)
    svg += "<text x=\"" + number(px(x), 1) + "\" y=\"" + number(height - bottom + 16, 0) + "\" text-anchor=\"middle\">" +
           number(x, x == std::floor(x) ? 0 : 2) + "</text>\n";
  for (int i = 0; i <= 5; ++i) {
    const double y = minY + (maxY - minY) * i / 5;
    svg += "<text x=\"" + number(left - 6, 0) + "\" y=\"" + number(py(y) + 4, 1) + "\" text-anchor=\"end\">" + number(y, 3) + "</text>\n";
    svg += "<line x1=\"" + number(left, 0) + "\" y1=\"" + number(py(y), 1) + "\" x2=\"" + number(width - right, 0) + "\" y2=\"" +
           number(py(y), 1) + "\" stroke=\"#e0e0e0\"/>\n";
  }
  svg += "<text x=\"" + number((left + width - right) / 2, 0) + "\" y=\"" + number(height - 12, 0) + "\" text-anchor=\"middle\">" + xmlText(xLabel) +
         "</text>\n";
  svg += "<text transform=\"translate(18," + number((top + height - bottom) / 2, 0) + ") rotate(-90)\" text-anchor=\"middle\">" + xmlText(yLabel) +
         "</text>\n";
  for (size_t s = 0; s < series.size(); ++s) {
    const char* colour = colours[s % 6];
    std::string points;
    for (const auto& [x, y] : series[s].second)
      if (!std::isnan(y)) points += number(px(x), 1) + "," + number(py(y), 1) + " ";
    svg += "<polyline fill=\"none\" stroke=\"" + std::string(colour) + "\" stroke-width=\"2\" points=\"" + points + "\"/>\n";
    for (const auto& [x, y] : series[s].second)
      if (!std::isnan(y))
        svg += "<circle cx=\"" + number(px(x), 1) + "\" cy=\"" + number(py(y), 1) + "\" r=\"3\" fill=\"" + colour + "\"/>\n";
    const double legendY = top + 10 + 20 * double(s);
    svg += "<line x1=\"" + number(width - right + 15, 0) + "\" y1=\"" + number(legendY, 0) + "\" x2=\"" + number(width - right + 40, 0) +
           "\" y2=\"" + number(legendY, 0) + "\" stroke=\"" + colour + "\" stroke-width=\"2\"/>\n";
    svg += "<text x=\"" + number(width - right + 46, 0) + "\" y=\"" + number(legendY + 4, 0) + "\">" + xmlText(series[s].first) + "</text>\n";
  }
  return svg + "</svg>\n";
}

ExperimentTable comparePretrainedAndRandom(const TrainOptions& base, const std::string& weights, Feedback* feedback) {
  if (weights.empty()) throwUsage("the pretrained-vs-random experiment needs --weights (a pretrained model)");
  QDir().mkpath(QString::fromStdString(base.runDir));
  std::vector<TrainResult> results;
  const char* names[] = {"pretrained", "random"};
  for (int i = 0; i < 2; ++i) {
    TrainOptions options = base;
    options.runDir = base.runDir + "/" + names[i];
    options.weights = i == 0 ? weights : std::string();
    Stage stage(feedback, i, 2, base.steps);
    results.push_back(train(options, feedback ? &stage.inner : nullptr));
    if (results.back().status == "canceled") throw Error(ErrorKind::Canceled, "experiment canceled");
  }
  ExperimentTable table;
  table.title = "Pretrained vs random initialisation (" + results[0].monitor + ")";
  table.columns = {"step", "pretrained_" + results[0].monitor, "random_" + results[0].monitor, "pretrained_train_loss",
                   "random_train_loss"};
  const size_t rows = std::max(results[0].history.size(), results[1].history.size());
  std::vector<std::pair<double, double>> lines[2];
  for (size_t r = 0; r < rows; ++r) {
    std::vector<double> row(5, std::nan(""));
    for (int i = 0; i < 2; ++i)
      if (r < results[size_t(i)].history.size()) {
        const EvalRecord& record = results[size_t(i)].history[r];
        row[0] = double(record.step);
        row[size_t(1 + i)] = record.metric;
        row[size_t(3 + i)] = record.trainLoss;
        lines[i].emplace_back(double(record.step), record.metric);
      }
    table.rows.push_back(row);
  }
  writeTable(table, base.runDir, "pretrained_vs_random");
  table.plotPath = base.runDir + "/pretrained_vs_random.svg";
  writeFileAtomically(table.plotPath, svgLineChart(table.title, "step", results[0].monitor,
                                         {{"pretrained", lines[0]}, {"random init", lines[1]}}));
  return table;
}

ExperimentTable compareLabelFractions(const TrainOptions& base, const std::vector<double>& fractions, Feedback* feedback) {
  if (fractions.empty()) throwUsage("give at least one share of the labels");
  QDir().mkpath(QString::fromStdString(base.runDir));
  const bool hasTest = !ChipDataset::open(base.dataset)->indices(DataSplit::Test).empty();
  ExperimentTable table;
  table.title = "Data efficiency" + std::string(base.weights.empty() ? " (random initialisation)" : " (pretrained)");
  table.columns = {"labels_percent", "train_chips", "best_val_metric", "best_step", "test_miou", "test_overall_accuracy"};
  std::vector<std::pair<double, double>> validation, test;
  for (size_t i = 0; i < fractions.size(); ++i) {
    TrainOptions options = base;
    options.trainFraction = fractions[i];
    options.runDir = base.runDir + "/fraction-" + number(fractions[i] * 100, 0);
    Stage stage(feedback, int(i), int(fractions.size()), base.steps);
    const TrainResult result = train(options, feedback ? &stage.inner : nullptr);
    if (result.status == "canceled") throw Error(ErrorKind::Canceled, "experiment canceled");
    const int64_t chips = std::max<int64_t>(
        1, std::llround(double(ChipDataset::open(base.dataset)->indices(DataSplit::Train).size()) * fractions[i]));
    double testMiou = std::nan(""), testAccuracy = std::nan("");
    if (hasTest && !result.bestCheckpoint.empty()) {
      const EvaluationResult evaluation = evaluateCheckpoint(result.bestCheckpoint, base.dataset, int(DataSplit::Test), base.device);
      testMiou = evaluation.confusion.meanIou();
      testAccuracy = evaluation.confusion.overallAccuracy();
    }
    table.rows.push_back({fractions[i] * 100, double(chips), result.bestMetric, double(result.bestStep), testMiou, testAccuracy});
    validation.emplace_back(fractions[i] * 100, result.bestMetric);
    test.emplace_back(fractions[i] * 100, testMiou);
  }
  writeTable(table, base.runDir, "data_efficiency");
  table.plotPath = base.runDir + "/data_efficiency.svg";
  writeFileAtomically(table.plotPath, svgLineChart(table.title, "% of training labels", "mIoU",
                                         {{"best validation", validation}, {"test", test}}));
  return table;
}

namespace {

// Every training chip's scores under a checkpoint (rows in `chips` order).
ChipScores scoreTrainingChips(const std::string& checkpoint, const TrainOptions& base, const std::vector<int64_t>& chips) {
  const torch::Device device = deviceFor(base.device);
  LoadedRun run = loadRun(checkpoint, device);
  Network& network = run.network;
  if (network.pretraining) throwBadInput("active learning ranks chips of a segmentation task; " + checkpoint + " is an MAE");
  network.segmentation->eval();
  LoaderOptions loading;
  loading.batchSize = base.batchSize;
  loading.workers = 1;
  loading.shuffle = loading.augment = loading.dropLast = false;
  loading.mean = network.config.mean;
  loading.std = network.config.std;
  loading.only = chips;
  ChipLoader loader(base.dataset, loading);
  loader.start(0);
  std::map<int64_t, std::tuple<torch::Tensor, torch::Tensor, torch::Tensor>> byChip;
  c10::InferenceMode inference;
  while (std::optional<Batch> batch = loader.next()) {
    const ChipScores scores = scoreChips(network, batch->image.to(device), torch::Tensor(), network.coords(*batch, device));
    for (size_t i = 0; i < batch->chips.size(); ++i)
      byChip[batch->chips[i]] = {scores.entropy[int64_t(i)], scores.margin[int64_t(i)], scores.directions[int64_t(i)]};
  }
  std::vector<torch::Tensor> entropy, margin, directions;
  for (int64_t chip : chips) {
    const auto& [e, m, d] = byChip.at(chip);
    entropy.push_back(e);
    margin.push_back(m);
    directions.push_back(d);
  }
  return {torch::stack(entropy), torch::stack(margin), torch::stack(directions)};
}

// The next `count` chips a strategy labels, from `unlabelled`.
std::vector<int64_t> nextChips(const std::string& strategy, const std::string& checkpoint, const TrainOptions& base,
                               const std::vector<int64_t>& labelled, const std::vector<int64_t>& unlabelled, int count,
                               std::mt19937_64& random) {
  if (strategy == "random") {
    std::vector<int64_t> shuffled = unlabelled;
    std::shuffle(shuffled.begin(), shuffled.end(), random);
    shuffled.resize(std::min(shuffled.size(), size_t(count)));
    return shuffled;
  }
  const ChipScores scores = scoreTrainingChips(checkpoint, base, unlabelled);
  const torch::Tensor order = scores.entropy.argsort(0, /*descending=*/true);
  std::vector<int64_t> picked;
  if (strategy == "uncertainty") {
    for (int64_t i = 0; i < std::min<int64_t>(count, order.size(0)); ++i) picked.push_back(unlabelled[size_t(order[i].item<int64_t>())]);
    return picked;
  }
  // diversity: as 'labels suggest' picks, among the 4 x count most uncertain, spread away from
  // the chips labelled already.
  const int64_t pool = std::min<int64_t>(int64_t(count) * 4, order.size(0));
  const torch::Tensor rows = order.slice(0, 0, pool);
  const torch::Tensor centres = scoreTrainingChips(checkpoint, base, labelled).directions;
  for (int64_t row : greedyKCentre(scores.directions.index_select(0, rows), centres, 0, count))
    picked.push_back(unlabelled[size_t(rows[row].item<int64_t>())]);
  return picked;
}

}  // namespace

ExperimentTable compareLabellingStrategies(const TrainOptions& base, const ActiveLearningOptions& options, Feedback* feedback) {
  for (const std::string& strategy : options.strategies)
    if (strategy != "uncertainty" && strategy != "diversity" && strategy != "random")
      throwUsage("strategies are uncertainty, diversity and random, not '" + strategy + "'");
  if (options.strategies.empty() || options.seeds.empty() || options.rounds < 1 || options.perRound < 1)
    throwUsage("an active-learning experiment needs a strategy, a seed, at least one round and one chip per round");
  QDir().mkpath(QString::fromStdString(base.runDir));
  const auto dataset = ChipDataset::open(base.dataset);
  const std::vector<int64_t> pool = dataset->indices(DataSplit::Train);
  const bool hasTest = !dataset->indices(DataSplit::Test).empty();
  const DataSplit heldOut = hasTest ? DataSplit::Test : DataSplit::Validation;
  if (dataset->indices(heldOut).empty()) throwBadInput(base.dataset + " has neither test nor validation chips to evaluate on");
  if (int64_t(pool.size()) < int64_t(options.rounds) * options.perRound)
    throwBadInput(base.dataset + " has " + std::to_string(pool.size()) + " training chips, fewer than " +
                  std::to_string(options.rounds) + " rounds x " + std::to_string(options.perRound) + " per round");
  // results[strategy][round] = the held-out mIoU of each seed
  std::vector<std::vector<std::vector<double>>> results(options.strategies.size(),
                                                        std::vector<std::vector<double>>(size_t(options.rounds)));
  const int runs = int(options.seeds.size() * options.strategies.size()) * options.rounds;
  int runIndex = 0;
  for (uint64_t seed : options.seeds) {
    // Every strategy starts from the same first chips for a seed.
    std::mt19937_64 first(seed * 0x9E3779B97F4A7C15ull);
    std::vector<int64_t> start = pool;
    std::shuffle(start.begin(), start.end(), first);
    start.resize(size_t(options.perRound));
    for (size_t s = 0; s < options.strategies.size(); ++s) {
      const std::string& strategy = options.strategies[s];
      std::mt19937_64 random(seed * 31 + s);
      std::vector<int64_t> labelled = start;
      for (int round = 0; round < options.rounds; ++round) {
        TrainOptions run = base;
        run.seed = seed;
        run.trainChips = labelled;
        run.runDir = base.runDir + "/" + strategy + "/seed-" + std::to_string(seed) + "/round-" + std::to_string(round + 1);
        Stage stage(feedback, runIndex++, runs, base.steps);
        const TrainResult result = train(run, feedback ? &stage.inner : nullptr);
        if (result.status == "canceled") throw Error(ErrorKind::Canceled, "experiment canceled");
        const std::string checkpoint = result.bestCheckpoint.empty() ? result.lastCheckpoint : result.bestCheckpoint;
        results[s][size_t(round)].push_back(
            evaluateCheckpoint(checkpoint, base.dataset, int(heldOut), base.device).confusion.meanIou());
        if (round + 1 == options.rounds) break;
        std::vector<int64_t> unlabelled;
        for (int64_t chip : pool)
          if (std::find(labelled.begin(), labelled.end(), chip) == labelled.end()) unlabelled.push_back(chip);
        const std::vector<int64_t> next = nextChips(strategy, checkpoint, base, labelled, unlabelled, options.perRound, random);
        labelled.insert(labelled.end(), next.begin(), next.end());
      }
    }
  }
  ExperimentTable table;
  table.title = "Active learning: " + std::string(hasTest ? "test" : "validation") + " mIoU against labelled chips (" +
                std::to_string(options.seeds.size()) + " seed(s): mean and standard deviation)";
  table.columns = {"labelled_chips"};
  for (const std::string& strategy : options.strategies) {
    table.columns.push_back(strategy + "_miou_mean");
    table.columns.push_back(strategy + "_miou_std");
  }
  std::vector<std::pair<std::string, std::vector<std::pair<double, double>>>> series;
  for (const std::string& strategy : options.strategies) series.push_back({strategy, {}});
  for (int round = 0; round < options.rounds; ++round) {
    const double chips = double((round + 1) * options.perRound);
    std::vector<double> row{chips};
    for (size_t s = 0; s < options.strategies.size(); ++s) {
      const std::vector<double>& values = results[s][size_t(round)];
      const double mean = std::accumulate(values.begin(), values.end(), 0.0) / double(values.size());
      double squares = 0;
      for (double value : values) squares += (value - mean) * (value - mean);
      row.push_back(mean);
      row.push_back(values.size() > 1 ? std::sqrt(squares / double(values.size() - 1)) : 0.0);
      series[s].second.emplace_back(chips, mean);
    }
    table.rows.push_back(row);
  }
  writeTable(table, base.runDir, "active_learning");
  table.plotPath = base.runDir + "/active_learning.svg";
  writeFileAtomically(table.plotPath, svgLineChart(table.title, "labelled chips", "mIoU", series));
  return table;
}

}  // namespace prithvi::engine
