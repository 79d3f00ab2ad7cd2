#pragma once
// AdamW as one pass over each parameter, split across the intra-op threads. The update is
// torch.optim.AdamW's (decoupled weight decay, bias correction, eps outside the square root);
// LibTorch's C++ AdamW does the same in about eight passes with temporaries, which made the
// optimizer step the slowest part of a CPU training step of the 100M model.

#include <string>
#include <vector>

#include <torch/types.h>

namespace prithvi::engine {

struct AdamWOptions {
  double lr = 1e-4;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weightDecay = 0.01;
};

class FusedAdamW {
 public:
  FusedAdamW(std::vector<torch::Tensor> parameters, AdamWOptions options);

  void zeroGrad();
  // One update of every parameter that has a gradient (float32 parameters on the CPU take the
  // fused path; others the same arithmetic with tensor operations).
  void step();
  void setLearningRate(double lr) { mOptions.lr = lr; }
  double learningRate() const { return mOptions.lr; }
  int64_t stepCount() const { return mStep; }

  // State for checkpoints: "exp_avg.<i>", "exp_avg_sq.<i>" and "step".
  std::vector<std::pair<std::string, torch::Tensor>> state() const;
  void loadState(const std::vector<std::pair<std::string, torch::Tensor>>& state);

 private:
  std::vector<torch::Tensor> mParameters;
  std::vector<torch::Tensor> mExpAvg;
  std::vector<torch::Tensor> mExpAvgSq;
  AdamWOptions mOptions;
  int64_t mStep = 0;
};

}  // namespace prithvi::engine
