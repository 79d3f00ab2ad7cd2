#include "training/engine/Experiments.h"

#include <QDir>
#include <QFile>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/base/Error.h"
#include "core/base/AtomicFile.h"
#include "core/base/Feedback.h"
#include "core/dataset/ChipDataset.h"

namespace prithvi::engine {

namespace {

std::string number(double value, int digits = 4) {
  if (std::isnan(value)) return "";
  char text[40];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

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

}  // namespace prithvi::engine
