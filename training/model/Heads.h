#pragma once
// Task heads on the Prithvi encoder (spec/prithvi.md sections 1.10, 1.11 and 5.4):
//  - v1 (hls-foundation-os): ConvTransformerTokensToEmbeddingNeck + FCNHead,
//  - v2 (TerraTorch): selected block outputs -> ReshapeTokensToImage -> UperNet -> head,
//  - SegmentationModel wrapping encoder + neck/decoder + head, with a frozen-encoder option,
//  - the MAE reconstruction path used for cloud-gap imputation.
//
// Sub-module names follow the reference implementations (mmseg: neck.fpn1.0, decode_head.convs.0.conv,
// decode_head.convs.0.bn, decode_head.conv_seg; TerraTorch: decoder.fpn1.0, decoder.psp_modules.N.1.conv,
// decoder.lateral_convs.N.conv, decoder.fpn_bottleneck.norm, head.head.2).

#include <cstdint>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include "training/model/PrithviConfig.h"
#include "training/model/PrithviMae.h"

namespace prithvi::model {

// ---- token reshapes ---------------------------------------------------------------------------

// v1 neck order: drop cls, (B, L, D) -> (B, D, L) -> (B, D*T', Hp, Wp): channel d*T' + t.
torch::Tensor tokensToEmbeddingV1(const torch::Tensor& tokens, const TokenGrid& grid, bool dropCls = true);
// TerraTorch ReshapeTokensToImage: "b (t h w) e -> b (t e) h w": channel t*D + e.
torch::Tensor tokensToImage(const torch::Tensor& tokens, const TokenGrid& grid, bool dropCls = true);

// ---- v1: neck + FCN head ----------------------------------------------------------------------

// LayerNorm over the channels of a (B, C, H, W) map (mmseg Norm2d, eps 1e-6).
struct Norm2dImpl : torch::nn::Module {
  explicit Norm2dImpl(int64_t channels, double eps = 1e-6);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::LayerNorm ln{nullptr};
};
TORCH_MODULE(Norm2d);

// ConvTransformerTokensToEmbeddingNeck: two stages of ConvT(2,2) -> Norm2d -> GELU -> ConvT(2,2)
// (x16 in all); inChannels = D * T'.
struct ConvTokensNeckImpl : torch::nn::Module {
  ConvTokensNeckImpl(int64_t inChannels, int64_t outChannels, double eps = 1e-6);
  // tokens (B, 1 + L, D) -> (B, outChannels, 16 Hp, 16 Wp)
  torch::Tensor forward(const torch::Tensor& tokens, const TokenGrid& grid);
  int64_t inChannels;
  int64_t outChannels;
  torch::nn::Sequential fpn1{nullptr};
  torch::nn::Sequential fpn2{nullptr};
};
TORCH_MODULE(ConvTokensNeck);

// conv (no bias) -> BatchNorm -> ReLU; normName is "bn" (mmseg) or "norm" (TerraTorch).
struct ConvNormActImpl : torch::nn::Module {
  ConvNormActImpl(int64_t in, int64_t out, int64_t kernel, int64_t padding, const std::string& normName);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Conv2d conv{nullptr};
  torch::nn::BatchNorm2d norm{nullptr};
};
TORCH_MODULE(ConvNormAct);

// mmseg FCNHead: numConvs x [conv3x3 -> BN -> ReLU], Dropout2d, conv1x1 -> classes.
struct FcnHeadImpl : torch::nn::Module {
  FcnHeadImpl(int64_t inChannels, int64_t numClasses, int64_t channels = 256, int64_t numConvs = 1,
              double dropout = 0.1);
  torch::Tensor forward(const torch::Tensor& x);  // logits at the input's resolution
  torch::nn::Sequential convs{nullptr};
  torch::nn::Dropout2d dropout{nullptr};
  torch::nn::Conv2d conv_seg{nullptr};
};
TORCH_MODULE(FcnHead);

// ---- v2: UperNet ------------------------------------------------------------------------------

// TerraTorch UperNetDecoder with scale_modules (x4, x2, x1, /2 for the four inputs), PPM,
// FPN and fpn_bottleneck; bilinear resizes with align_corners (default true).
struct UperNetDecoderImpl : torch::nn::Module {
  UperNetDecoderImpl(const std::vector<int64_t>& embedDims, int64_t channels = 256,
                     std::vector<int64_t> poolScales = {1, 2, 3, 6}, bool scaleModules = true,
                     bool alignCorners = true);
  // four maps (B, E_i, h, w) -> (B, channels, h0, w0), h0 the size of the first scaled input
  torch::Tensor forward(const std::vector<torch::Tensor>& features);

  int64_t channels;
  bool scaleModules;
  bool alignCorners;
  std::vector<int64_t> dims;  // after the scale modules
  torch::nn::Sequential fpn1{nullptr}, fpn2{nullptr}, fpn3{nullptr}, fpn4{nullptr};
  torch::nn::ModuleList psp_modules{nullptr};  // Sequential(AdaptiveAvgPool2d(s), ConvNormAct 1x1)
  ConvNormAct bottleneck{nullptr};
  torch::nn::ModuleList lateral_convs{nullptr};
  torch::nn::ModuleList fpn_convs{nullptr};
  ConvNormAct fpn_bottleneck{nullptr};
};
TORCH_MODULE(UperNetDecoder);

// TerraTorch SegmentationHead without extra convs: Sequential(Identity, Dropout(p), Conv1x1).
struct SegmentationHeadImpl : torch::nn::Module {
  SegmentationHeadImpl(int64_t inChannels, int64_t numClasses, double dropout = 0.1);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Sequential head{nullptr};
};
TORCH_MODULE(SegmentationHead);

// ---- segmentation model ---------------------------------------------------------------------

enum class SegmentationArch { FcnV1, UperNet };

struct SegmentationOptions {
  SegmentationArch arch = SegmentationArch::UperNet;
  int64_t numClasses = 2;
  bool freezeEncoder = false;
  double headDropout = 0.1;
  // FcnV1
  int64_t neckOutputDim = 0;  // 0: D * T' (the v1 configs keep the width)
  int64_t fcnChannels = 256;
  int64_t fcnNumConvs = 1;
  // UperNet
  std::vector<int64_t> blockIndices;  // empty: (i+1)*depth/4 - 1, e.g. [2,5,8,11] for depth 12
  int64_t decoderChannels = 256;
  std::vector<int64_t> poolScales = {1, 2, 3, 6};
};

// Default UperNet block indices for a depth.
std::vector<int64_t> defaultBlockIndices(int64_t depth);

// encoder (+ neck) + decoder/head. Keys: encoder.*, then neck.* and decode_head.* (FcnV1) or
// decoder.* and head.* (UperNet). The number of frames T' is fixed by the encoder config
// (config.numFrames / tubelet), because the neck width depends on it.
struct SegmentationModelImpl : torch::nn::Module {
  SegmentationModelImpl(const PrithviConfig& encoderConfig, const SegmentationOptions& options);
  // pixels (B, C, T, H, W) -> logits (B, classes, H, W) (bilinear resize to the input size)
  torch::Tensor forward(const torch::Tensor& pixels, const Coords& coords = {});
  // forward under torch::InferenceMode (call eval() first for BatchNorm statistics).
  torch::Tensor predict(const torch::Tensor& pixels, const Coords& coords = {});
  // Frozen: encoder parameters need no grad and the encoder runs without autograd.
  void setEncoderFrozen(bool frozen);
  bool encoderFrozen() const { return frozen; }

  PrithviConfig cfg;
  SegmentationOptions opts;
  bool frozen = false;
  PrithviEncoder encoder{nullptr};
  ConvTokensNeck neck{nullptr};
  FcnHead decode_head{nullptr};
  UperNetDecoder decoder{nullptr};
  SegmentationHead head{nullptr};
};
TORCH_MODULE(SegmentationModel);

// ---- MAE reconstruction (cloud-gap imputation) -------------------------------------------

// Token mask from a pixel mask (B, T, H, W) or (B, C, T, H, W), nonzero = cloudy: a token is
// hidden when any of its pixels (any band) is cloudy. Returns (B, L) float.
torch::Tensor tokenMaskFromPixelMask(const torch::Tensor& pixelMask, int64_t tubelet, int64_t patch);

struct GapFillResult {
  torch::Tensor filled;      // (B, C, T, H, W): input where visible, prediction where hidden
  torch::Tensor prediction;  // (B, C, T, H, W): the unpatchified decoder output everywhere
  torch::Tensor tokenMask;   // (B, L) float, 1 = hidden
  torch::Tensor loss;        // MAE loss over the hidden tokens (NaN when nothing is hidden)
};

// Encoder on the visible tokens, decoder on all, unpatchify, replace hidden tokens. Samples
// hiding different numbers of tokens run one at a time. inference: under torch::InferenceMode.
GapFillResult reconstructMasked(PrithviMaeImpl& model, const torch::Tensor& pixels, const torch::Tensor& tokenMask,
                                const Coords& coords = {}, bool inference = true);

}  // namespace prithvi::model
