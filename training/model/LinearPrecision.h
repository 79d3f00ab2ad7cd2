#pragma once
// Inference precision of the transformer blocks' Linear layers (qkv, proj, fc1, fc2: over 90 %
// of the encoder's arithmetic). The fp32 weights stay the model's parameters, untouched; a
// block with a packed copy runs its products from the copy instead:
//  - bf16: bf16 weights, inputs cast to bf16, products through oneDNN's bf16 matmul (AVX512_BF16
//    or AMX), results in bf16; residual sums, norms and softmax stay fp32. Packing casts the
//    weights once, where autocast would cast them per call unless they require gradients (a
//    frozen encoder does not); inference runs the rest of a network (heads) under Bf16Autocast;
//  - int8: weights quantised once, symmetric per output channel, activations quantised per call
//    (dynamic quantisation) by LibTorch's quantised engine; results in fp32.
// Inference only: the copies do not follow later changes of the weights and carry no gradients.

#include <memory>

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/types.h>

#include "training/model/CpuRuntime.h"

namespace prithvi::model {

class PackedLinear {
 public:
  PackedLinear(const torch::nn::Linear& linear, Precision precision);
  ~PackedLinear();
  // (..., in) -> (..., out); bf16 results for Precision::BFloat16, fp32 for Int8.
  torch::Tensor forward(const torch::Tensor& x) const;
  Precision precision() const { return mPrecision; }

 private:
  struct Int8Weights;
  Precision mPrecision;
  torch::Tensor mWeight, mBias;           // bf16
  std::unique_ptr<Int8Weights> mInt8;     // int8
};

// Packs every Attention and Mlp under `root` for `precision` (Float32 drops the packed copies)
// and returns how many Linear layers now run in it. Checks requirePrecision on `device` first.
int setLinearPrecision(torch::nn::Module& root, Precision precision, const torch::Device& device);

}  // namespace prithvi::model
