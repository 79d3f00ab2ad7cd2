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

// Active learning, simulated with the dataset's masks as the labeller: every strategy starts
// from the same `perRound` random training chips (per seed), fine-tunes on what is labelled,
// scores the held-out split (test, else validation), then labels `perRound` more chips:
//   uncertainty  the highest mean entropy under the round's model;
//   diversity    greedy k-centre in Prithvi embedding space among the 4 x perRound most
//                uncertain, away from the chips labelled already ('labels suggest');
//   random       a seeded draw.
// Runs go to <folder>/<strategy>/seed-<s>/round-<r>; the table holds, per number of labelled
// chips, each strategy's mean and standard deviation over the seeds.
struct ActiveLearningOptions {
  int rounds = 4;
  int perRound = 4;
  std::vector<std::string> strategies{"uncertainty", "diversity", "random"};
  std::vector<uint64_t> seeds{1, 2, 3};
};
ExperimentTable compareLabellingStrategies(const TrainOptions& base, const ActiveLearningOptions& options,
                                           Feedback* feedback = nullptr);

// An SVG line chart: one line per series (x, y), axes with ticks, a legend.
std::string svgLineChart(const std::string& title, const std::string& xLabel, const std::string& yLabel,
                         const std::vector<std::pair<std::string, std::vector<std::pair<double, double>>>>& series);

}  // namespace prithvi::engine
