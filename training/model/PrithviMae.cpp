#include "training/model/PrithviMae.h"

#include <ATen/autocast_mode.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <set>

#include "core/base/Error.h"
#include "training/model/LinearPrecision.h"
#include "training/model/PositionEmbedding.h"

namespace prithvi::model {

namespace F = torch::nn::functional;

namespace {


// Linear: xavier_uniform weight, zero bias; LayerNorm: 1 / 0 (spec 1.3).
void initTransformerWeights(torch::nn::Module& root) {
  torch::NoGradGuard noGrad;
  for (const auto& m : root.modules(/*include_self=*/false)) {
    if (auto* linear = m->as<torch::nn::LinearImpl>()) {
      torch::nn::init::xavier_uniform_(linear->weight);
      if (linear->bias.defined()) linear->bias.zero_();
    } else if (auto* ln = m->as<torch::nn::LayerNormImpl>()) {
      ln->weight.fill_(1.0);
      ln->bias.zero_();
    }
  }
}

}  // namespace

// ---- blocks --------------------------------------------------------------------------------

AttentionImpl::AttentionImpl(int64_t dim, int64_t heads)
    : numHeads(heads), headDim(dim / heads), scale(1.0 / std::sqrt(static_cast<double>(dim / heads))) {
  if (dim % heads != 0) throwUsage("attention: dim must be divisible by the head count");
  qkv = register_module("qkv", torch::nn::Linear(torch::nn::LinearOptions(dim, 3 * dim).bias(true)));
  proj = register_module("proj", torch::nn::Linear(torch::nn::LinearOptions(dim, dim).bias(true)));
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x) {
  const int64_t b = x.size(0), n = x.size(1), c = x.size(2);
  // (B, N, 3, heads, hd) -> (3, B, heads, N, hd)
  const auto mixed = qkvPacked ? qkvPacked->forward(x) : qkv(x);
  const auto parts = mixed.reshape({b, n, 3, numHeads, headDim}).permute({2, 0, 3, 1, 4});
  const auto q = parts[0], k = parts[1], v = parts[2];
#if TORCH_VERSION_MAJOR >= 2
  auto out = at::scaled_dot_product_attention(q, k, v);
#else
  // Scores in the products' precision (fp32, or bf16 when packed/autocast), softmax in fp32.
  const auto attn = torch::matmul(q * scale, k.transpose(-2, -1)).softmax(-1, torch::kFloat32).to(v.scalar_type());
  auto out = torch::matmul(attn, v);
#endif
  out = out.transpose(1, 2).reshape({b, n, c});
  return projPacked ? projPacked->forward(out) : proj(out);
}

MlpImpl::MlpImpl(int64_t dim, int64_t hidden) {
  fc1 = register_module("fc1", torch::nn::Linear(dim, hidden));
  fc2 = register_module("fc2", torch::nn::Linear(hidden, dim));
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) {
  const auto hidden = torch::gelu(fc1Packed ? fc1Packed->forward(x) : fc1(x));
  return fc2Packed ? fc2Packed->forward(hidden) : fc2(hidden);
}

BlockImpl::BlockImpl(int64_t dim, int64_t heads, int64_t mlpHidden, double eps) {
  norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(eps)));
  attn = register_module("attn", Attention(dim, heads));
  norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(eps)));
  mlp = register_module("mlp", Mlp(dim, mlpHidden));
}

torch::Tensor BlockImpl::forward(const torch::Tensor& input) {
  auto x = input + attn(norm1(input));
  return x + mlp(norm2(x));
}

PatchEmbedImpl::PatchEmbedImpl(int64_t inChans, int64_t embedDim, int64_t tub, int64_t p)
    : tubelet(tub), patch(p) {
  proj = register_module(
      "proj", torch::nn::Conv3d(torch::nn::Conv3dOptions(inChans, embedDim, {tub, p, p}).stride({tub, p, p}).bias(true)));
}

torch::Tensor PatchEmbedImpl::forward(const torch::Tensor& pixels) {
  // The strided Conv3d itself (its CPU kernel is several times faster here than patchify plus
  // a matrix product), flattened to tokens in (t, h, w) order.
  return proj(pixels).flatten(2).transpose(1, 2);
}

TemporalEncoderImpl::TemporalEncoderImpl(int64_t d, bool learnScale) : dim(d) {
  if (learnScale)
    scale = register_parameter("scale", torch::full({1}, 0.1));
  else
    scale = register_buffer("scale", torch::ones({1}));
}

torch::Tensor TemporalEncoderImpl::forward(const torch::Tensor& coords, int64_t tokensPerFrame) {
  const auto emb = temporalSinCos(dim, coords).to(scale.device());
  return (scale * emb).repeat_interleave(tokensPerFrame, 1);
}

LocationEncoderImpl::LocationEncoderImpl(int64_t d, bool learnScale) : dim(d) {
  if (learnScale)
    scale = register_parameter("scale", torch::full({1}, 0.1));
  else
    scale = register_buffer("scale", torch::ones({1}));
}

torch::Tensor LocationEncoderImpl::forward(const torch::Tensor& coords) {
  return scale * locationSinCos(dim, coords).to(scale.device());
}

// ---- masking / patchify / loss -------------------------------------------------------------

int64_t lenKeepFor(int64_t tokens, double maskRatio) {
  // Python's int(L * (1 - ratio)): the same double arithmetic, truncated.
  return static_cast<int64_t>(static_cast<double>(tokens) * (1.0 - maskRatio));
}

MaskingResult maskTokens(const torch::Tensor& x, const torch::Tensor& noiseIn, int64_t lenKeep) {
  const int64_t b = x.size(0), l = x.size(1), d = x.size(2);
  if (noiseIn.dim() != 2 || noiseIn.size(0) != b || noiseIn.size(1) != l)
    throwBadInput("masking noise must have shape " + shapeText({b, l}) + ", got " +
                  shapeText(noiseIn.sizes()));
  if (lenKeep < 0 || lenKeep > l) throwBadInput("masking: cannot keep " + std::to_string(lenKeep) + " of " + std::to_string(l) + " tokens");
  const auto noise = noiseIn.to(x.device());
  const auto idsShuffle = std::get<1>(noise.sort(/*stable=*/true, /*dim=*/1, /*descending=*/false));
  const auto idsRestore = std::get<1>(idsShuffle.sort(/*stable=*/true, 1, false));
  const auto idsKeep = idsShuffle.slice(1, 0, lenKeep);
  MaskingResult r;
  r.kept = x.gather(1, idsKeep.unsqueeze(-1).expand({b, lenKeep, d}));
  auto mask = torch::ones({b, l}, x.options().dtype(torch::kFloat32));
  mask.slice(1, 0, lenKeep).zero_();
  r.mask = mask.gather(1, idsRestore);
  r.idsRestore = idsRestore;
  return r;
}

MaskingResult randomMasking(const torch::Tensor& x, double maskRatio, const torch::Tensor& noise) {
  if (!(maskRatio >= 0 && maskRatio < 1)) throwUsage("mask ratio must be in [0, 1)");
  const auto n = noise.defined() ? noise
                                 : torch::rand({x.size(0), x.size(1)}, x.options().dtype(torch::kFloat32));
  return maskTokens(x, n, lenKeepFor(x.size(1), maskRatio));
}

torch::Tensor patchify(const torch::Tensor& pixels, int64_t tub, int64_t p) {
  if (pixels.dim() != 5) throwBadInput("patchify: expected (B, C, T, H, W), got " + shapeText(pixels.sizes()));
  const int64_t b = pixels.size(0), c = pixels.size(1), t = pixels.size(2), h = pixels.size(3), w = pixels.size(4);
  if (t % tub != 0 || h % p != 0 || w % p != 0)
    throwBadInput("patchify: T, H, W " + shapeText({t, h, w}) + " not divisible by " + shapeText({tub, p, p}));
  const int64_t gt = t / tub, gh = h / p, gw = w / p;
  // b c gt s gh p gw q -> b gt gh gw s p q c
  return pixels.reshape({b, c, gt, tub, gh, p, gw, p})
      .permute({0, 2, 4, 6, 3, 5, 7, 1})
      .reshape({b, gt * gh * gw, tub * p * p * c});
}

torch::Tensor unpatchify(const torch::Tensor& tokens, int64_t c, const TokenGrid& g, int64_t tub, int64_t p) {
  if (tokens.dim() != 3 || tokens.size(1) != g.tokens() || tokens.size(2) != tub * p * p * c)
    throwBadInput("unpatchify: expected (B, " + std::to_string(g.tokens()) + ", " +
                  std::to_string(tub * p * p * c) + "), got " + shapeText(tokens.sizes()));
  const int64_t b = tokens.size(0);
  // b gt gh gw s p q c -> b c gt s gh p gw q
  return tokens.reshape({b, g.t, g.h, g.w, tub, p, p, c})
      .permute({0, 7, 1, 4, 2, 5, 3, 6})
      .reshape({b, c, g.t * tub, g.h * p, g.w * p});
}

torch::Tensor maeLoss(const torch::Tensor& targetTokens, const torch::Tensor& pred, const torch::Tensor& mask,
                      bool normPixLoss) {
  if (!pred.sizes().equals(targetTokens.sizes()))
    throwBadInput("MAE loss: prediction " + shapeText(pred.sizes()) + " and target " +
                  shapeText(targetTokens.sizes()) + " differ");
  auto target = targetTokens;
  if (normPixLoss) {
    const auto mean = target.mean(-1, true);
    const auto var = target.var(-1, /*unbiased=*/true, /*keepdim=*/true);
    target = (target - mean) / (var + 1e-6).sqrt();
  }
  const auto perToken = (pred - target).pow(2).mean(-1);
  const auto m = mask.to(perToken.dtype());
  return (perToken * m).sum() / m.sum();
}

// ---- encoder ---------------------------------------------------------------------------------

PrithviEncoderImpl::PrithviEncoderImpl(const PrithviConfig& config) : cfg(config) {
  cfg.validate();
  const int64_t d = cfg.embedDim;
  // Registration order follows the official modules (parameters, buffers, then children).
  cls_token = register_parameter("cls_token", torch::zeros({1, 1, d}));
  pos_embed = register_buffer("pos_embed", get3dSinCos(d, cfg.grid(), true).unsqueeze(0));
  patch_embed = register_module("patch_embed", PatchEmbed(cfg.inChans, d, cfg.tubeletSize, cfg.patchSize));
  if (cfg.temporalEncoding)
    temporal_embed_enc = register_module("temporal_embed_enc", TemporalEncoder(d, cfg.coordsScaleLearn));
  if (cfg.locationEncoding)
    location_embed_enc = register_module("location_embed_enc", LocationEncoder(d, cfg.coordsScaleLearn));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < cfg.depth; ++i) {
    blockList.emplace_back(d, cfg.numHeads, cfg.mlpHidden(d), cfg.normEps);
    blocks->push_back(blockList.back());
  }
  norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d}).eps(cfg.normEps)));

  torch::NoGradGuard noGrad;
  // Patch embedding like a Linear over the flattened kernel; tokens normal(0.02).
  auto w = patch_embed->proj->weight;
  torch::nn::init::xavier_uniform_(w.view({w.size(0), -1}));
  torch::nn::init::normal_(cls_token, 0.0, 0.02);
  initTransformerWeights(*this);
}

TokenGrid PrithviEncoderImpl::gridFor(const torch::Tensor& pixels) const {
  if (pixels.dim() != 5 && pixels.dim() != 4)
    throwBadInput("expected pixels (B, C, T, H, W) or (B, C, H, W), got " + shapeText(pixels.sizes()));
  if (pixels.size(1) != cfg.inChans)
    throwBadInput("the model takes " + std::to_string(cfg.inChans) + " bands, the input has " +
                  std::to_string(pixels.size(1)));
  const int64_t t = pixels.dim() == 5 ? pixels.size(2) : 1;
  const int64_t h = pixels.size(-2), w = pixels.size(-1);
  if (t % cfg.tubeletSize != 0)
    throwBadInput(std::to_string(t) + " frames are not a multiple of the tubelet size " + std::to_string(cfg.tubeletSize));
  if (h % cfg.patchSize != 0 || w % cfg.patchSize != 0 || h == 0 || w == 0)
    throwBadInput("image size " + std::to_string(h) + " x " + std::to_string(w) +
                  " is not a positive multiple of the patch size " + std::to_string(cfg.patchSize));
  return {t / cfg.tubeletSize, h / cfg.patchSize, w / cfg.patchSize};
}

torch::Tensor PrithviEncoderImpl::posEmbedFor(const TokenGrid& grid) const {
  if (grid == cfg.grid()) return pos_embed[0];
  return get3dSinCos(cfg.embedDim, grid, true).to(pos_embed.device(), pos_embed.scalar_type());
}

torch::Tensor PrithviEncoderImpl::embed(const torch::Tensor& pixels5, const TokenGrid& grid,
                                         const Coords& coords, torch::Tensor* clsOut) {
  auto x = patch_embed(pixels5);  // (B, L, D)
  const auto pos = posEmbedFor(grid);
  x = x + pos.slice(0, 1).unsqueeze(0);
  if (temporal_embed_enc && coords.temporal.defined()) {
    if (coords.temporal.dim() != 3 || coords.temporal.size(0) != x.size(0) || coords.temporal.size(1) != grid.t)
      throwBadInput("temporal coordinates must have shape " + shapeText({x.size(0), grid.t, 2}) + ", got " +
                    shapeText(coords.temporal.sizes()));
    x = x + temporal_embed_enc(coords.temporal, grid.tokensPerFrame());
  }
  if (location_embed_enc && coords.location.defined()) {
    if (coords.location.dim() != 2 || coords.location.size(0) != x.size(0))
      throwBadInput("location coordinates must have shape " + shapeText({x.size(0), 2}) + ", got " +
                    shapeText(coords.location.sizes()));
    x = x + location_embed_enc(coords.location);
  }
  *clsOut = (cls_token + pos.slice(0, 0, 1).unsqueeze(0)).expand({x.size(0), 1, cfg.embedDim});
  return x;
}

EncoderOutput PrithviEncoderImpl::forward(const torch::Tensor& pixels, const Coords& coords, const MaskSpec& mask) {
  EncoderOutput out;
  out.grid = gridFor(pixels);
  const auto px = pixels.dim() == 4 ? pixels.unsqueeze(2) : pixels;
  torch::Tensor cls;
  auto x = embed(px, out.grid, coords, &cls);
  switch (mask.kind) {
    case MaskSpec::Kind::None:
      break;
    case MaskSpec::Kind::Random: {
      auto r = randomMasking(x, mask.ratio, mask.noise);
      x = r.kept;
      out.mask = r.mask;
      out.idsRestore = r.idsRestore;
      break;
    }
    case MaskSpec::Kind::Tokens: {
      const auto& t = mask.tokens;
      if (t.dim() != 2 || t.size(0) != x.size(0) || t.size(1) != x.size(1))
        throwBadInput("token mask must have shape " + shapeText({x.size(0), x.size(1)}) + ", got " +
                      shapeText(t.sizes()));
      const auto hidden = (t.to(torch::kFloat32) > 0.5).to(torch::kFloat32).to(x.device());
      const auto counts = hidden.sum(1).to(torch::kInt64).cpu();
      const int64_t nHidden = counts[0].item<int64_t>();
      if (!counts.eq(nHidden).all().item<bool>())
        throwBadInput("token mask: every sample of a batch must hide the same number of tokens");
      // Visible tokens first (stable order), then the hidden ones.
      auto r = maskTokens(x, hidden, x.size(1) - nHidden);
      x = r.kept;
      out.mask = r.mask;
      out.idsRestore = r.idsRestore;
      break;
    }
  }
  x = torch::cat({cls, x}, 1);
  for (auto& block : blockList) x = block(x);
  out.tokens = norm(x);
  return out;
}

torch::Tensor PrithviEncoderImpl::forwardFeatures(const torch::Tensor& pixels, const Coords& coords) {
  return forward(pixels, coords, MaskSpec::none()).tokens;
}

std::vector<torch::Tensor> PrithviEncoderImpl::forwardBlocks(const torch::Tensor& pixels, const Coords& coords,
                                                             const std::vector<int64_t>& indices) {
  for (const auto i : indices)
    if (i < 0 || i >= cfg.depth)
      throwUsage("block index " + std::to_string(i) + " out of range 0.." + std::to_string(cfg.depth - 1));
  const auto grid = gridFor(pixels);
  const auto px = pixels.dim() == 4 ? pixels.unsqueeze(2) : pixels;
  torch::Tensor cls;
  const auto patches = embed(px, grid, coords, &cls);
  auto x = torch::cat({cls, patches}, 1);
  int64_t last = 0;
  for (const auto i : indices) last = std::max(last, i);
  std::vector<torch::Tensor> perBlock(static_cast<size_t>(last + 1));
  for (int64_t i = 0; i <= last; ++i) {
    x = blockList[static_cast<size_t>(i)](x);
    perBlock[static_cast<size_t>(i)] = (i == cfg.depth - 1) ? norm(x) : x;
  }
  std::vector<torch::Tensor> out;
  out.reserve(indices.size());
  for (const auto i : indices) out.push_back(perBlock[static_cast<size_t>(i)]);
  return out;
}

// ---- decoder ---------------------------------------------------------------------------------

PrithviDecoderImpl::PrithviDecoderImpl(const PrithviConfig& config) : cfg(config) {
  cfg.validate();
  const int64_t dd = cfg.decoderEmbedDim;
  mask_token = register_parameter("mask_token", torch::zeros({1, 1, dd}));
  decoder_pos_embed = register_buffer("decoder_pos_embed", get3dSinCos(dd, cfg.grid(), true).unsqueeze(0));
  decoder_embed = register_module("decoder_embed", torch::nn::Linear(cfg.embedDim, dd));
  decoder_blocks = register_module("decoder_blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < cfg.decoderDepth; ++i) {
    blockList.emplace_back(dd, cfg.decoderNumHeads, cfg.mlpHidden(dd), cfg.normEps);
    decoder_blocks->push_back(blockList.back());
  }
  decoder_norm =
      register_module("decoder_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dd}).eps(cfg.normEps)));
  decoder_pred = register_module("decoder_pred", torch::nn::Linear(dd, cfg.patchDim()));
  if (cfg.temporalEncoding)
    temporal_embed_dec = register_module("temporal_embed_dec", TemporalEncoder(dd, cfg.coordsScaleLearn));
  if (cfg.locationEncoding)
    location_embed_dec = register_module("location_embed_dec", LocationEncoder(dd, cfg.coordsScaleLearn));

  torch::NoGradGuard noGrad;
  torch::nn::init::normal_(mask_token, 0.0, 0.02);
  initTransformerWeights(*this);
}

torch::Tensor PrithviDecoderImpl::posEmbedFor(const TokenGrid& grid) const {
  if (grid == cfg.grid()) return decoder_pos_embed[0];
  return get3dSinCos(cfg.decoderEmbedDim, grid, true).to(decoder_pos_embed.device(), decoder_pos_embed.scalar_type());
}

torch::Tensor PrithviDecoderImpl::forward(const torch::Tensor& latent, const torch::Tensor& idsRestore,
                                          const TokenGrid& grid, const Coords& coords) {
  const int64_t b = latent.size(0), l = grid.tokens(), dd = cfg.decoderEmbedDim;
  auto x = decoder_embed(latent);
  auto cls = x.slice(1, 0, 1);
  auto rest = x.slice(1, 1);
  if (idsRestore.defined()) {
    if (idsRestore.dim() != 2 || idsRestore.size(0) != b || idsRestore.size(1) != l)
      throwBadInput("ids_restore must have shape " + shapeText({b, l}));
    const int64_t nMasked = l - rest.size(1);
    if (nMasked < 0) throwBadInput("decoder: more visible tokens than the grid holds");
    rest = torch::cat({rest, mask_token.expand({b, nMasked, dd}).to(rest.scalar_type())}, 1);
    rest = rest.gather(1, idsRestore.to(rest.device()).unsqueeze(-1).expand({b, l, dd}));
  } else if (rest.size(1) != l) {
    throwBadInput("decoder: the latent holds " + std::to_string(rest.size(1)) + " tokens, the grid " +
                  std::to_string(l) + "; pass ids_restore");
  }
  const auto pos = posEmbedFor(grid);
  cls = cls + pos.slice(0, 0, 1).unsqueeze(0);
  rest = rest + pos.slice(0, 1).unsqueeze(0);
  if (temporal_embed_dec && coords.temporal.defined()) {
    if (coords.temporal.dim() != 3 || coords.temporal.size(1) != grid.t)
      throwBadInput("temporal coordinates must have shape (B, " + std::to_string(grid.t) + ", 2)");
    rest = rest + temporal_embed_dec(coords.temporal, grid.tokensPerFrame());
  }
  if (location_embed_dec && coords.location.defined()) rest = rest + location_embed_dec(coords.location);
  x = torch::cat({cls, rest}, 1);
  for (auto& block : blockList) x = block(x);
  x = decoder_pred(decoder_norm(x));
  return x.slice(1, 1);
}

// ---- MAE -----------------------------------------------------------------------------------

PrithviMaeImpl::PrithviMaeImpl(const PrithviConfig& config) : cfg(config) {
  cfg.validate();
  encoder = register_module("encoder", PrithviEncoder(cfg));
  decoder = register_module("decoder", PrithviDecoder(cfg));
}

MaeOutput PrithviMaeImpl::forward(const torch::Tensor& pixels, const Coords& coords, std::optional<double> maskRatio,
                                  const torch::Tensor& noise) {
  return forwardMasked(pixels, MaskSpec::random(maskRatio.value_or(cfg.maskRatio), noise), coords);
}

MaeOutput PrithviMaeImpl::forwardMasked(const torch::Tensor& pixels, const MaskSpec& mask, const Coords& coords) {
  const auto px = pixels.dim() == 4 ? pixels.unsqueeze(2) : pixels;
  auto enc = encoder->forward(px, coords, mask);
  MaeOutput out;
  out.grid = enc.grid;
  out.latent = enc.tokens;
  out.idsRestore = enc.idsRestore;
  out.pred = decoder->forward(enc.tokens, enc.idsRestore, enc.grid, coords);
  out.mask = enc.mask.defined() ? enc.mask : torch::zeros({px.size(0), enc.grid.tokens()}, out.pred.options().dtype(torch::kFloat32));
  out.loss = forwardLoss(px, out.pred, out.mask);
  return out;
}

torch::Tensor PrithviMaeImpl::patchify(const torch::Tensor& pixels) const {
  const auto px = pixels.dim() == 4 ? pixels.unsqueeze(2) : pixels;
  return prithvi::model::patchify(px, cfg.tubeletSize, cfg.patchSize);
}

torch::Tensor PrithviMaeImpl::unpatchify(const torch::Tensor& tokens, const TokenGrid& grid) const {
  return prithvi::model::unpatchify(tokens, cfg.inChans, grid, cfg.tubeletSize, cfg.patchSize);
}

torch::Tensor PrithviMaeImpl::forwardLoss(const torch::Tensor& pixels, const torch::Tensor& pred,
                                          const torch::Tensor& mask) const {
  return maeLoss(patchify(pixels), pred, mask, cfg.normPixLoss);
}

// ---- sizes, weights, runtime ---------------------------------------------------------------

ModuleCounts countParameters(const torch::nn::Module& module) {
  ModuleCounts c;
  for (const auto& p : module.parameters(true)) {
    c.parameters += p.numel();
    if (p.requires_grad()) c.trainable += p.numel();
  }
  for (const auto& b : module.buffers(true)) c.buffers += b.numel();
  return c;
}

StateDict toStateDict(const torch::nn::Module& module, bool includeBuffers) {
  StateDict sd;
  for (const auto& item : module.named_parameters(true))
    sd.tensors.emplace_back(item.key(), item.value().detach().to(torch::kCPU).contiguous().clone());
  if (includeBuffers)
    for (const auto& item : module.named_buffers(true))
      sd.tensors.emplace_back(item.key(), item.value().detach().to(torch::kCPU).contiguous().clone());
  return sd;
}

Bf16Autocast::Bf16Autocast(const torch::Device& device, Precision cpuPrecision) {
  mCuda = device.is_cuda();
  if (!mCuda && !(device.is_cpu() && cpuPrecision == Precision::BFloat16)) return;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  const auto type = mCuda ? at::kCUDA : at::kCPU;
  mPrevEnabled = at::autocast::is_autocast_enabled(type);
  mPrevDtype = static_cast<int>(at::autocast::get_autocast_dtype(type));
  at::autocast::set_autocast_dtype(type, at::kBFloat16);
  at::autocast::set_autocast_enabled(type, true);
#else
  if (mCuda) {
    mPrevEnabled = at::autocast::is_enabled();
    mPrevDtype = static_cast<int>(at::autocast::get_autocast_gpu_dtype());
    at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
    at::autocast::set_enabled(true);
  } else {
    mPrevEnabled = at::autocast::is_cpu_enabled();
    mPrevDtype = static_cast<int>(at::autocast::get_autocast_cpu_dtype());
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
    at::autocast::set_cpu_enabled(true);
  }
#endif
  at::autocast::increment_nesting();
  mActive = true;
}

Bf16Autocast::~Bf16Autocast() {
  if (!mActive) return;
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  const auto type = mCuda ? at::kCUDA : at::kCPU;
  at::autocast::set_autocast_enabled(type, mPrevEnabled);
  at::autocast::set_autocast_dtype(type, static_cast<at::ScalarType>(mPrevDtype));
#else
  if (mCuda) {
    at::autocast::set_enabled(mPrevEnabled);
    at::autocast::set_autocast_gpu_dtype(static_cast<at::ScalarType>(mPrevDtype));
  } else {
    at::autocast::set_cpu_enabled(mPrevEnabled);
    at::autocast::set_autocast_cpu_dtype(static_cast<at::ScalarType>(mPrevDtype));
  }
#endif
}

}  // namespace prithvi::model
