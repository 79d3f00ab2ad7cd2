#pragma once
// Training runs: fine-tuning a segmentation task or pretraining the MAE on a ChipDataset,
// with AdamW, linear warm-up then cosine decay, gradient clipping and accumulation, bf16
// autocast on CUDA, evaluation every N steps, early stopping, best and last checkpoints, and
// exact resume. A run lives in its folder (ARCHITECTURE.md, "Runs"):
//   config.json         the options and model config the run was started with
//   events.jsonl        the job events (also sent to the caller's writer)
//   metrics.csv         step, learning rate, train loss, validation loss and metric
//   checkpoints/last.safetensors, checkpoints/best.safetensors (written atomically)
// Resuming restores the model, the optimiser, the step (so the schedule), the CPU random
// generator and the data position (epoch, batch); on the CPU a resumed run ends with the same
// weights as an uninterrupted one. Cancel (Feedback, e.g. on SIGTERM) saves `last` first.

#include <cstdint>
#include <string>
#include <vector>

#include "core/metrics/ConfusionMatrix.h"
#include "core/metrics/ImageMetrics.h"
#include "training/model/CpuRuntime.h"

namespace prithvi {
class Feedback;
class JobEventWriter;
}  // namespace prithvi

namespace prithvi::engine {

struct TrainOptions {
  std::string dataset;                 // a store from 'prithvi dataset build'
  std::string runDir;
  std::string model = "tiny_test";     // a variant name or a config JSON file
  std::string weights;                 // pretrained weights; empty: random initialisation
  bool freezeEncoder = false;
  std::string head = "upernet";        // upernet | fcn
  int decoderChannels = 256;           // UperNet width (TerraTorch's 256); FCN head width
  int64_t steps = 500;                 // optimiser steps
  int batchSize = 8;
  int accumulate = 1;                  // micro-batches per optimiser step
  int workers = 2;
  bool augment = true;                 // random flips and 90-degree rotations
  double trainFraction = 1.0;          // share of the training chips used (data-efficiency runs)
  std::vector<int64_t> trainChips;     // only these training chips (active-learning rounds); empty: all
  double lr = 5e-4;
  double weightDecay = 0.05;
  int64_t warmupSteps = 20;
  double minLrRatio = 0.0;             // the cosine ends at lr * minLrRatio
  double clipNorm = 1.0;               // 0: no clipping
  int64_t evalEvery = 50;              // evaluation and `last` checkpoint cadence
  int patience = 0;                    // evaluations without improvement before stopping; 0: never
  std::vector<double> classWeights;    // cross-entropy weights per class; empty: equal
  bool balanceClasses = false;         // weights from the training split's class frequencies
  double maskRatio = 0.75;             // pretraining
  uint64_t seed = 1;
  std::string device = "auto";         // auto | cpu | cuda
  bool resume = true;                  // continue from checkpoints/last.safetensors when present
};

struct EvalRecord {
  int64_t step = 0;
  double lr = 0;
  double trainLoss = 0;
  double valLoss = 0;
  double metric = 0;  // validation mIoU (segmentation), SSIM (cloud gap) or loss (pretraining)
};

struct TrainResult {
  std::string status;  // finished | early_stopped | canceled
  int64_t steps = 0;
  std::string monitor;  // val_miou, val_ssim or val_loss
  double bestMetric = 0;
  int64_t bestStep = 0;
  std::string bestCheckpoint;
  std::string lastCheckpoint;
  std::vector<EvalRecord> history;
};

TrainResult train(const TrainOptions& options, Feedback* feedback = nullptr, JobEventWriter* events = nullptr);

struct EvaluationResult {
  std::string task;
  double loss = 0;
  int64_t chips = 0;
  ConfusionMatrix confusion;          // segmentation
  ImageMetrics imputation;            // cloud-gap imputation: on the hidden cloud pixels
  std::vector<std::string> classNames;
};

// A checkpoint of train() on a split of a dataset ("test" by default in the CLI). Cloud-gap
// results depend on the batch size a little: the MAE hides the same number of tokens in every
// sample of a batch, so samples with fewer cloudy tokens hide a few more (spec §5.4 notes the
// reference code's same simplification).
// `precision`: the inference precision to evaluate (bf16 and int8 cost some accuracy; this says how much).
EvaluationResult evaluateCheckpoint(const std::string& checkpoint, const std::string& dataset, int split,
                                    const std::string& device = "auto", int batchSize = 8,
                                    model::Precision precision = model::Precision::Float32);

// The learning rate at `step` (0-based): linear warm-up to `lr`, then cosine to lr * minLrRatio.
double scheduledLearningRate(const TrainOptions& options, int64_t step);

}  // namespace prithvi::engine
