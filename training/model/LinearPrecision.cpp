#include "training/model/LinearPrecision.h"

#include <ATen/Context.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/native/quantized/PackedParams.h>
#include <torch/torch.h>

#include "core/base/Error.h"
#include "training/model/PrithviMae.h"

namespace prithvi::model {

struct PackedLinear::Int8Weights {
  c10::intrusive_ptr<LinearPackedParamsBase> packed;
};

namespace {

// The quantised engine with x86 int8 kernels first (fbgemm/x86 use VNNI; oneDNN too).
void selectQuantizedEngine() {
  const auto& engines = at::globalContext().supportedQEngines();
  for (const at::QEngine preferred : {at::QEngine::X86, at::QEngine::FBGEMM, at::QEngine::ONEDNN, at::QEngine::QNNPACK})
    if (std::find(engines.begin(), engines.end(), preferred) != engines.end()) {
      if (at::globalContext().qEngine() != preferred) at::globalContext().setQEngine(preferred);
      return;
    }
  throwUsage("--precision int8: this LibTorch has no quantised engine");
}

c10::intrusive_ptr<LinearPackedParamsBase> packInt8(const torch::Tensor& weight, const torch::Tensor& bias) {
  torch::NoGradGuard noGrad;
  const auto w = weight.detach().to(torch::kFloat32).contiguous();
  // Symmetric per output channel: the largest magnitude of each row maps to 127.
  const auto scales = (w.abs().amax(1) / 127.0).clamp_min(1e-12).to(torch::kFloat64);
  const auto zeroPoints = torch::zeros({w.size(0)}, torch::kLong);
  const auto quantized = torch::quantize_per_channel(w, scales, zeroPoints, 0, torch::kQInt8);
  static const auto prepack =
      c10::Dispatcher::singleton().findSchemaOrThrow("quantized::linear_prepack", "").typed<
          c10::intrusive_ptr<LinearPackedParamsBase>(at::Tensor, c10::optional<at::Tensor>)>();
  return prepack.call(quantized, bias.defined() ? c10::optional<at::Tensor>(bias.detach().to(torch::kFloat32).contiguous())
                                                : c10::nullopt);
}

std::shared_ptr<const PackedLinear> packedOrNone(const torch::nn::Linear& linear, Precision precision) {
  if (precision == Precision::Float32) return nullptr;
  return std::make_shared<const PackedLinear>(linear, precision);
}

}  // namespace

PackedLinear::PackedLinear(const torch::nn::Linear& linear, Precision precision) : mPrecision(precision) {
  torch::NoGradGuard noGrad;
  if (precision == Precision::BFloat16) {
    mWeight = linear->weight.detach().to(torch::kBFloat16).contiguous();
    if (linear->bias.defined()) mBias = linear->bias.detach().to(torch::kBFloat16).contiguous();
  } else if (precision == Precision::Int8) {
    mInt8 = std::make_unique<Int8Weights>();
    mInt8->packed = packInt8(linear->weight, linear->bias);
  } else {
    throwUsage("a packed Linear layer is bf16 or int8");
  }
}

PackedLinear::~PackedLinear() = default;

torch::Tensor PackedLinear::forward(const torch::Tensor& x) const {
  if (mInt8) {
    const auto in = x.scalar_type() == torch::kFloat32 ? x.contiguous() : x.to(torch::kFloat32).contiguous();
    return mInt8->packed->apply_dynamic(in, /*reduce_range=*/false);
  }
  return torch::nn::functional::linear(x.scalar_type() == torch::kBFloat16 ? x : x.to(torch::kBFloat16), mWeight, mBias);
}

int setLinearPrecision(torch::nn::Module& root, Precision precision, const torch::Device& device) {
  requirePrecision(precision, device);
  if (precision == Precision::Int8) selectQuantizedEngine();
  int packed = 0;
  for (const auto& module : root.modules(/*include_self=*/true)) {
    if (auto* attention = module->as<AttentionImpl>()) {
      attention->qkvPacked = packedOrNone(attention->qkv, precision);
      attention->projPacked = packedOrNone(attention->proj, precision);
      packed += precision == Precision::Float32 ? 0 : 2;
    } else if (auto* mlp = module->as<MlpImpl>()) {
      mlp->fc1Packed = packedOrNone(mlp->fc1, precision);
      mlp->fc2Packed = packedOrNone(mlp->fc2, precision);
      packed += precision == Precision::Float32 ? 0 : 2;
    }
  }
  return packed;
}

}  // namespace prithvi::model
