#pragma once
// The paper's two fine-tuning experiments, run with train() and written as a table (CSV and
// Markdown) and a plot (SVG) in their folder:
//  - pretrained vs random initialisation: the same fine-tune twice, validation metric per
//    evaluation for both;
//  - data efficiency: the same fine-tune on 100/50/25/10 % of the training labels (nested
//    subsets), best validation metric and test metrics per share.

#include <string>
#include <vector>

#include "training/engine/Trainer.h"

namespace prithvi::engine {

struct ExperimentTable {
  std::string title;
  std::vector<std::string> columns;
  std::vector<std::vector<double>> rows;
  std::string csvPath, markdownPath, plotPath;
};

// base.runDir is the experiment folder; runs go to <folder>/pretrained and <folder>/random.
ExperimentTable comparePretrainedAndRandom(const TrainOptions& base, const std::string& weights, Feedback* feedback = nullptr);
// Runs go to <folder>/fraction-<percent>; `base.weights` (if any) is used by every run.
ExperimentTable compareLabelFractions(const TrainOptions& base, const std::vector<double>& fractions,
                                      Feedback* feedback = nullptr);

// An SVG line chart: one line per series (x, y), axes with ticks, a legend.
std::string svgLineChart(const std::string& title, const std::string& xLabel, const std::string& yLabel,
                         const std::vector<std::pair<std::string, std::vector<std::pair<double, double>>>>& series);

}  // namespace prithvi::engine
