#include "training/model/Heads.h"

#include <torch/torch.h>

#include <optional>

#include "core/base/Error.h"

namespace prithvi::model {

namespace F = torch::nn::functional;

namespace {


torch::Tensor patchTokens(const torch::Tensor& tokens, const TokenGrid& grid, bool dropCls) {
  if (tokens.dim() != 3) throwBadInput("expected tokens (B, N, D), got " + shapeText(tokens.sizes()));
  const auto x = dropCls ? tokens.slice(1, 1) : tokens;
  if (x.size(1) != grid.tokens())
    throwBadInput("token count " + std::to_string(x.size(1)) + " does not match the grid " +
                  shapeText({grid.t, grid.h, grid.w}));
  return x;
}

torch::Tensor resizeBilinear(const torch::Tensor& x, int64_t h, int64_t w, bool alignCorners) {
  if (x.size(-2) == h && x.size(-1) == w) return x;
  return F::interpolate(x, F::InterpolateFuncOptions()
                               .size(std::vector<int64_t>{h, w})
                               .mode(torch::kBilinear)
                               .align_corners(alignCorners));
}

torch::nn::ConvTranspose2d convT(int64_t in, int64_t out) {
  return torch::nn::ConvTranspose2d(torch::nn::ConvTranspose2dOptions(in, out, 2).stride(2));
}

}  // namespace

// ---- token reshapes ---------------------------------------------------------------------------

torch::Tensor tokensToEmbeddingV1(const torch::Tensor& tokens, const TokenGrid& grid, bool dropCls) {
  const auto x = patchTokens(tokens, grid, dropCls);
  const int64_t b = x.size(0), d = x.size(2);
  return x.permute({0, 2, 1}).reshape({b, d * grid.t, grid.h, grid.w});
}

torch::Tensor tokensToImage(const torch::Tensor& tokens, const TokenGrid& grid, bool dropCls) {
  const auto x = patchTokens(tokens, grid, dropCls);
  const int64_t b = x.size(0), d = x.size(2);
  return x.reshape({b, grid.t, grid.h, grid.w, d}).permute({0, 1, 4, 2, 3}).reshape({b, grid.t * d, grid.h, grid.w});
}

// ---- v1 ---------------------------------------------------------------------------------------

Norm2dImpl::Norm2dImpl(int64_t channels, double eps) {
  ln = register_module("ln", torch::nn::LayerNorm(torch::nn::LayerNormOptions({channels}).eps(eps)));
}

torch::Tensor Norm2dImpl::forward(const torch::Tensor& x) {
  return ln(x.permute({0, 2, 3, 1})).permute({0, 3, 1, 2}).contiguous();
}

ConvTokensNeckImpl::ConvTokensNeckImpl(int64_t in, int64_t out, double eps) : inChannels(in), outChannels(out) {
  fpn1 = register_module("fpn1", torch::nn::Sequential(convT(in, out), Norm2d(out, eps), torch::nn::GELU(), convT(out, out)));
  fpn2 = register_module("fpn2", torch::nn::Sequential(convT(out, out), Norm2d(out, eps), torch::nn::GELU(), convT(out, out)));
}

torch::Tensor ConvTokensNeckImpl::forward(const torch::Tensor& tokens, const TokenGrid& grid) {
  const auto x = tokensToEmbeddingV1(tokens, grid, true);
  if (x.size(1) != inChannels)
    throwBadInput("neck expects " + std::to_string(inChannels) + " channels (D * T'), got " + std::to_string(x.size(1)));
  return fpn2->forward(fpn1->forward(x));
}

ConvNormActImpl::ConvNormActImpl(int64_t in, int64_t out, int64_t kernel, int64_t padding, const std::string& normName) {
  conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel).padding(padding).bias(false)));
  norm = register_module(normName, torch::nn::BatchNorm2d(out));
}

torch::Tensor ConvNormActImpl::forward(const torch::Tensor& x) { return torch::relu(norm(conv(x))); }

FcnHeadImpl::FcnHeadImpl(int64_t in, int64_t numClasses, int64_t channels, int64_t numConvs, double p) {
  if (numConvs < 1) throwUsage("FCN head needs at least one conv");
  convs = register_module("convs", torch::nn::Sequential());
  for (int64_t i = 0; i < numConvs; ++i) convs->push_back(ConvNormAct(i == 0 ? in : channels, channels, 3, 1, "bn"));
  dropout = register_module("dropout", torch::nn::Dropout2d(torch::nn::Dropout2dOptions(p)));
  conv_seg = register_module("conv_seg", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, numClasses, 1)));
}

torch::Tensor FcnHeadImpl::forward(const torch::Tensor& x) { return conv_seg(dropout(convs->forward(x))); }

// ---- UperNet ---------------------------------------------------------------------------------

UperNetDecoderImpl::UperNetDecoderImpl(const std::vector<int64_t>& embedDims, int64_t ch, std::vector<int64_t> poolScales,
                                       bool scale, bool align)
    : channels(ch), scaleModules(scale), alignCorners(align) {
  if (embedDims.size() != 4) throwUsage("UperNet takes four feature maps");
  if (scaleModules) {
    const int64_t e0 = embedDims[0], e1 = embedDims[1];
    if (e0 % 4 != 0 || e1 % 2 != 0) throwUsage("UperNet scale modules need widths divisible by 4 and 2");
    fpn1 = register_module("fpn1", torch::nn::Sequential(convT(e0, e0 / 2), torch::nn::BatchNorm2d(e0 / 2),
                                                         torch::nn::GELU(), convT(e0 / 2, e0 / 4)));
    fpn2 = register_module("fpn2", torch::nn::Sequential(convT(e1, e1 / 2)));
    fpn3 = register_module("fpn3", torch::nn::Sequential(torch::nn::Identity()));
    fpn4 = register_module("fpn4", torch::nn::Sequential(torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(2).stride(2))));
    dims = {e0 / 4, e1 / 2, embedDims[2], embedDims[3]};
  } else {
    dims = embedDims;
  }
  psp_modules = register_module("psp_modules", torch::nn::ModuleList());
  for (const auto s : poolScales)
    psp_modules->push_back(torch::nn::Sequential(torch::nn::AdaptiveAvgPool2d(torch::nn::AdaptiveAvgPool2dOptions(s)),
                                                 ConvNormAct(dims[3], channels, 1, 0, "norm")));
  bottleneck = register_module(
      "bottleneck", ConvNormAct(dims[3] + static_cast<int64_t>(poolScales.size()) * channels, channels, 3, 1, "norm"));
  lateral_convs = register_module("lateral_convs", torch::nn::ModuleList());
  fpn_convs = register_module("fpn_convs", torch::nn::ModuleList());
  for (size_t i = 0; i + 1 < dims.size(); ++i) {
    lateral_convs->push_back(ConvNormAct(dims[i], channels, 1, 0, "norm"));
    fpn_convs->push_back(ConvNormAct(channels, channels, 3, 1, "norm"));
  }
  fpn_bottleneck = register_module("fpn_bottleneck", ConvNormAct(4 * channels, channels, 3, 1, "norm"));
}

torch::Tensor UperNetDecoderImpl::forward(const std::vector<torch::Tensor>& features) {
  if (features.size() != 4) throwBadInput("UperNet takes four feature maps");
  std::vector<torch::Tensor> in = features;
  if (scaleModules) {
    in[0] = fpn1->forward(in[0]);
    in[1] = fpn2->forward(in[1]);
    in[2] = fpn3->forward(in[2]);
    in[3] = fpn4->forward(in[3]);
  }
  // PSP on the top level.
  const auto& top = in[3];
  std::vector<torch::Tensor> psp{top};
  for (const auto& m : *psp_modules) {
    auto y = m->as<torch::nn::SequentialImpl>()->forward(top);
    psp.push_back(resizeBilinear(y, top.size(2), top.size(3), alignCorners));
  }
  std::vector<torch::Tensor> laterals;
  for (size_t i = 0; i < lateral_convs->size(); ++i)
    laterals.push_back(lateral_convs[i]->as<ConvNormActImpl>()->forward(in[i]));
  laterals.push_back(bottleneck(torch::cat(psp, 1)));
  // Top-down path.
  for (size_t i = laterals.size() - 1; i > 0; --i)
    laterals[i - 1] = laterals[i - 1] + resizeBilinear(laterals[i], laterals[i - 1].size(2), laterals[i - 1].size(3), alignCorners);
  std::vector<torch::Tensor> outs;
  for (size_t i = 0; i + 1 < laterals.size(); ++i) outs.push_back(fpn_convs[i]->as<ConvNormActImpl>()->forward(laterals[i]));
  outs.push_back(laterals.back());
  for (size_t i = outs.size() - 1; i > 0; --i) outs[i] = resizeBilinear(outs[i], outs[0].size(2), outs[0].size(3), alignCorners);
  return fpn_bottleneck(torch::cat(outs, 1));
}

SegmentationHeadImpl::SegmentationHeadImpl(int64_t in, int64_t numClasses, double p) {
  head = register_module("head", torch::nn::Sequential(torch::nn::Identity(), torch::nn::Dropout(torch::nn::DropoutOptions(p)),
                                                       torch::nn::Conv2d(torch::nn::Conv2dOptions(in, numClasses, 1))));
}

torch::Tensor SegmentationHeadImpl::forward(const torch::Tensor& x) { return head->forward(x); }

// ---- segmentation model ---------------------------------------------------------------------

std::vector<int64_t> defaultBlockIndices(int64_t depth) {
  std::vector<int64_t> out;
  for (int64_t i = 0; i < 4; ++i) out.push_back(std::max<int64_t>(0, (i + 1) * depth / 4 - 1));
  return out;
}

SegmentationModelImpl::SegmentationModelImpl(const PrithviConfig& config, const SegmentationOptions& options)
    : cfg(config), opts(options) {
  cfg.validate();
  if (opts.numClasses < 1) throwUsage("segmentation needs at least one class");
  encoder = register_module("encoder", PrithviEncoder(cfg));
  const int64_t frames = cfg.grid().t;
  const int64_t width = cfg.embedDim * frames;
  if (opts.arch == SegmentationArch::FcnV1) {
    const int64_t out = opts.neckOutputDim > 0 ? opts.neckOutputDim : width;
    neck = register_module("neck", ConvTokensNeck(width, out, 1e-6));
    decode_head = register_module("decode_head", FcnHead(out, opts.numClasses, opts.fcnChannels, opts.fcnNumConvs, opts.headDropout));
  } else {
    if (opts.blockIndices.empty()) opts.blockIndices = defaultBlockIndices(cfg.depth);
    if (opts.blockIndices.size() != 4) throwUsage("UperNet takes four block indices");
    decoder = register_module("decoder", UperNetDecoder(std::vector<int64_t>(4, width), opts.decoderChannels, opts.poolScales, true, true));
    head = register_module("head", SegmentationHead(opts.decoderChannels, opts.numClasses, opts.headDropout));
  }
  setEncoderFrozen(opts.freezeEncoder);
}

void SegmentationModelImpl::setEncoderFrozen(bool f) {
  frozen = f;
  for (auto& p : encoder->parameters(true)) p.set_requires_grad(!f);
}

torch::Tensor SegmentationModelImpl::forward(const torch::Tensor& pixels, const Coords& coords) {
  const auto grid = encoder->gridFor(pixels);
  if (grid.t != cfg.grid().t)
    throwBadInput("this segmentation model takes " + std::to_string(cfg.numFrames) + " frames, the input has " +
                  std::to_string(grid.t * cfg.tubeletSize));
  const int64_t h = pixels.size(-2), w = pixels.size(-1);
  std::optional<torch::NoGradGuard> noGrad;
  torch::Tensor logits;
  if (opts.arch == SegmentationArch::FcnV1) {
    torch::Tensor tokens;
    {
      if (frozen) noGrad.emplace();
      tokens = encoder->forwardFeatures(pixels, coords);
      noGrad.reset();
    }
    logits = decode_head(neck(tokens, grid));
    logits = resizeBilinear(logits, h, w, /*alignCorners=*/false);
  } else {
    std::vector<torch::Tensor> feats;
    {
      if (frozen) noGrad.emplace();
      feats = encoder->forwardBlocks(pixels, coords, opts.blockIndices);
      noGrad.reset();
    }
    for (auto& f : feats) f = tokensToImage(f, grid, true);
    logits = head(decoder(feats));
    logits = resizeBilinear(logits, h, w, /*alignCorners=*/false);
  }
  return logits;
}

torch::Tensor SegmentationModelImpl::predict(const torch::Tensor& pixels, const Coords& coords) {
  c10::InferenceMode guard;
  return forward(pixels, coords);
}

// ---- MAE reconstruction --------------------------------------------------------------------

torch::Tensor tokenMaskFromPixelMask(const torch::Tensor& pixelMask, int64_t tubelet, int64_t patch) {
  torch::Tensor m;
  if (pixelMask.dim() == 4) {
    m = pixelMask.unsqueeze(1);
  } else if (pixelMask.dim() == 5) {
    m = pixelMask;
  } else {
    throwBadInput("pixel mask must be (B, T, H, W) or (B, C, T, H, W), got " + shapeText(pixelMask.sizes()));
  }
  const auto cloudy = (m != 0).to(torch::kFloat32);
  return std::get<0>(patchify(cloudy, tubelet, patch).max(-1));
}

GapFillResult reconstructMasked(PrithviMaeImpl& model, const torch::Tensor& pixels, const torch::Tensor& tokenMask,
                                const Coords& coords, bool inference) {
  std::optional<c10::InferenceMode> guard;
  if (inference) guard.emplace();
  const auto px = pixels.dim() == 4 ? pixels.unsqueeze(2) : pixels;
  const auto grid = model.encoder->gridFor(px);
  const int64_t b = px.size(0), l = grid.tokens();
  if (tokenMask.dim() != 2 || tokenMask.size(0) != b || tokenMask.size(1) != l)
    throwBadInput("token mask must have shape " + shapeText({b, l}) + ", got " + shapeText(tokenMask.sizes()));
  const auto hidden = (tokenMask.to(px.device()).to(torch::kFloat32) > 0.5).to(torch::kFloat32);
  const auto counts = hidden.sum(1).to(torch::kInt64).cpu();
  torch::Tensor pred;
  if (counts.eq(counts[0]).all().item<bool>()) {
    pred = model.forwardMasked(px, MaskSpec::fromTokens(hidden), coords).pred;
  } else {
    std::vector<torch::Tensor> parts;
    for (int64_t i = 0; i < b; ++i) {
      Coords c;
      if (coords.temporal.defined()) c.temporal = coords.temporal.slice(0, i, i + 1);
      if (coords.location.defined()) c.location = coords.location.slice(0, i, i + 1);
      parts.push_back(model.forwardMasked(px.slice(0, i, i + 1), MaskSpec::fromTokens(hidden.slice(0, i, i + 1)), c).pred);
    }
    pred = torch::cat(parts, 0);
  }
  GapFillResult r;
  r.tokenMask = hidden;
  r.prediction = model.unpatchify(pred, grid);
  const auto hiddenPixels = model.unpatchify(hidden.unsqueeze(-1).expand({b, l, model.cfg.patchDim()}), grid) > 0.5;
  r.filled = torch::where(hiddenPixels, r.prediction.to(px.scalar_type()), px);
  r.loss = model.forwardLoss(px, pred, hidden);
  return r;
}

}  // namespace prithvi::model
