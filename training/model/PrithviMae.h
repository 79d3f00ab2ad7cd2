#pragma once
// The Prithvi masked autoencoder in LibTorch (spec/prithvi.md sections 1.3-1.9).
//
// Module and member names equal the official ones, so named_parameters() + named_buffers()
// of PrithviMae give exactly the keys of the EO-1.0/EO-2.0 "PrithviMAE layout" checkpoints:
//   encoder.cls_token, encoder.pos_embed (buffer), encoder.patch_embed.proj.{weight,bias},
//   encoder.blocks.N.{norm1,attn.qkv,attn.proj,norm2,mlp.fc1,mlp.fc2}.{weight,bias},
//   encoder.norm.{weight,bias}, [encoder.temporal_embed_enc.scale, encoder.location_embed_enc.scale],
//   decoder.mask_token, decoder.decoder_pos_embed (buffer), decoder.decoder_embed.*,
//   decoder.decoder_blocks.N.*, decoder.decoder_norm.*, decoder.decoder_pred.*,
//   [decoder.temporal_embed_dec.scale, decoder.location_embed_dec.scale].
// The pos-embed buffers hold the table of the configured grid; forward recomputes the sin-cos
// table for whatever grid the input has (any T, any H and W divisible by the patch).
//
// Tensor conventions: pixels (B, C, T, H, W) float (a 4D (B, C, H, W) input is T = 1); tokens
// in (t, h, w) order, w fastest; masks (B, L) float with 1 = hidden/removed, 0 = visible.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include "training/model/CpuRuntime.h"
#include "training/model/PrithviConfig.h"
#include "training/model/StateDict.h"

namespace prithvi::model {

class PackedLinear;  // training/model/LinearPrecision.h

// Optional metadata of the -TL models. Either may be left undefined: that encoding is then
// not added (as in the official code).
struct Coords {
  torch::Tensor temporal;  // (B, T', 2) = [year, day of year]
  torch::Tensor location;  // (B, 2) = [lat, lon] in degrees
};

// ---- building blocks (timm Block layout) ---------------------------------------------------

struct AttentionImpl : torch::nn::Module {
  AttentionImpl(int64_t dim, int64_t numHeads);
  torch::Tensor forward(const torch::Tensor& x);  // (B, N, D) -> (B, N, D)

  int64_t numHeads;
  int64_t headDim;
  double scale;  // headDim^-0.5
  torch::nn::Linear qkv{nullptr};   // D -> 3D, rows [q; k; v], heads contiguous in each
  torch::nn::Linear proj{nullptr};  // D -> D
  // bf16 or int8 copies that run instead of qkv/proj when set (setLinearPrecision).
  std::shared_ptr<const PackedLinear> qkvPacked, projPacked;
};
TORCH_MODULE(Attention);

struct MlpImpl : torch::nn::Module {
  MlpImpl(int64_t dim, int64_t hidden);
  torch::Tensor forward(const torch::Tensor& x);  // fc2(gelu_exact(fc1(x)))

  torch::nn::Linear fc1{nullptr};
  torch::nn::Linear fc2{nullptr};
  std::shared_ptr<const PackedLinear> fc1Packed, fc2Packed;  // as in AttentionImpl
};
TORCH_MODULE(Mlp);

// Pre-norm transformer block: x + attn(norm1(x)), then x + mlp(norm2(x)).
struct BlockImpl : torch::nn::Module {
  BlockImpl(int64_t dim, int64_t numHeads, int64_t mlpHidden, double eps);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::LayerNorm norm1{nullptr};
  Attention attn{nullptr};
  torch::nn::LayerNorm norm2{nullptr};
  Mlp mlp{nullptr};
};
TORCH_MODULE(Block);

// Conv3d(C -> D, kernel = stride = (tubelet, p, p)) followed by flatten to (B, L, D). Computed
// as one matrix product of patchify(x) with the kernel laid out in the same (s, p, q, c) order
// (the same sums as the strided convolution; the Conv3d holds the weights under proj.*).
struct PatchEmbedImpl : torch::nn::Module {
  PatchEmbedImpl(int64_t inChans, int64_t embedDim, int64_t tubelet, int64_t patch);
  torch::Tensor forward(const torch::Tensor& pixels);  // (B, C, T, H, W) -> (B, L, D)

  int64_t tubelet;
  int64_t patch;
  torch::nn::Conv3d proj{nullptr};
};
TORCH_MODULE(PatchEmbed);

// scale * [sincos(year) | sincos(doy)], repeated over the tokens of each frame.
struct TemporalEncoderImpl : torch::nn::Module {
  TemporalEncoderImpl(int64_t dim, bool learnScale);
  // coords (B, T', 2) -> (B, T' * tokensPerFrame, dim)
  torch::Tensor forward(const torch::Tensor& coords, int64_t tokensPerFrame);

  int64_t dim;
  torch::Tensor scale;  // parameter [1] init 0.1 when learned, else buffer [1] = 1
};
TORCH_MODULE(TemporalEncoder);

// scale * [sincos(lat) | sincos(lon)], the same for every token.
struct LocationEncoderImpl : torch::nn::Module {
  LocationEncoderImpl(int64_t dim, bool learnScale);
  torch::Tensor forward(const torch::Tensor& coords);  // (B, 2) -> (B, 1, dim)

  int64_t dim;
  torch::Tensor scale;
};
TORCH_MODULE(LocationEncoder);

// ---- masking --------------------------------------------------------------------------------

struct MaskSpec {
  enum class Kind { None, Random, Tokens };
  Kind kind = Kind::None;
  double ratio = 0.75;   // Random: len_keep = floor(L * (1 - ratio))
  torch::Tensor noise;   // Random: optional (B, L); small noise = keep. Drawn U[0,1) if absent.
  torch::Tensor tokens;  // Tokens: (B, L), 1 = hide; every sample must hide the same count

  static MaskSpec none() { return {}; }
  static MaskSpec random(double ratio, torch::Tensor noise = {}) {
    MaskSpec m;
    m.kind = Kind::Random;
    m.ratio = ratio;
    m.noise = std::move(noise);
    return m;
  }
  static MaskSpec fromTokens(torch::Tensor tokenMask) {
    MaskSpec m;
    m.kind = Kind::Tokens;
    m.tokens = std::move(tokenMask);
    return m;
  }
};

struct MaskingResult {
  torch::Tensor kept;        // (B, lenKeep, D) in ids_shuffle order
  torch::Tensor mask;        // (B, L) float, 1 = removed, original token order
  torch::Tensor idsRestore;  // (B, L) int64
};

// ids_shuffle = argsort(noise) (stable), ids_restore = argsort(ids_shuffle), keep the first
// lenKeep of ids_shuffle. `x` is (B, L, D), `noise` (B, L).
MaskingResult maskTokens(const torch::Tensor& x, const torch::Tensor& noise, int64_t lenKeep);
// The official random_masking with floor len_keep (noise drawn U[0,1) when undefined).
MaskingResult randomMasking(const torch::Tensor& x, double maskRatio, const torch::Tensor& noise = {});
int64_t lenKeepFor(int64_t tokens, double maskRatio);

// ---- patchify ---------------------------------------------------------------------------------

// b c (t s) (h p) (w q) -> b (t h w) (s p q c): channel fastest inside a token.
torch::Tensor patchify(const torch::Tensor& pixels, int64_t tubelet, int64_t patch);
// The exact inverse: (B, L, s*p*q*C) -> (B, C, T'*s, Hp*p, Wp*q).
torch::Tensor unpatchify(const torch::Tensor& tokens, int64_t channels, const TokenGrid& grid,
                         int64_t tubelet, int64_t patch);

// Masked MSE: per-token mean of (pred - target)^2, then sum(loss * mask) / sum(mask).
// normPixLoss: target normalised per token by its mean and unbiased variance (+1e-6).
torch::Tensor maeLoss(const torch::Tensor& targetTokens, const torch::Tensor& pred,
                      const torch::Tensor& mask, bool normPixLoss);

// ---- encoder / decoder / MAE ------------------------------------------------------------------

struct EncoderOutput {
  torch::Tensor tokens;      // (B, 1 + kept, D) after the final norm, cls first
  torch::Tensor mask;        // (B, L) or undefined when nothing was masked
  torch::Tensor idsRestore;  // (B, L) or undefined when nothing was masked
  TokenGrid grid;
};

struct PrithviEncoderImpl : torch::nn::Module {
  explicit PrithviEncoderImpl(const PrithviConfig& config);

  // Patch-embed, + pos-embed, + time/location, mask, prepend cls (+ pos row 0), blocks, norm.
  EncoderOutput forward(const torch::Tensor& pixels, const Coords& coords = {},
                        const MaskSpec& mask = {});
  // All tokens (no masking), final-normed, cls first: (B, 1 + L, D).
  torch::Tensor forwardFeatures(const torch::Tensor& pixels, const Coords& coords = {});
  // Outputs of the listed blocks (0-based, ascending or not), each (B, 1 + L, D); the output
  // of the last block is taken after the final norm (TerraTorch's convention for UperNet).
  std::vector<torch::Tensor> forwardBlocks(const torch::Tensor& pixels, const Coords& coords,
                                           const std::vector<int64_t>& blockIndices);

  // The grid of an input; throws Error(BadInput) on a wrong rank/channel count or sizes that
  // the patch/tubelet do not divide.
  TokenGrid gridFor(const torch::Tensor& pixels) const;
  // (1 + L, D) for this grid: the buffer when it is the configured grid, else recomputed.
  torch::Tensor posEmbedFor(const TokenGrid& grid) const;
  const PrithviConfig& config() const { return cfg; }

  PrithviConfig cfg;
  PatchEmbed patch_embed{nullptr};
  TemporalEncoder temporal_embed_enc{nullptr};
  LocationEncoder location_embed_enc{nullptr};
  torch::Tensor cls_token;  // (1, 1, D)
  torch::Tensor pos_embed;  // buffer (1, 1 + L, D)
  torch::nn::ModuleList blocks{nullptr};
  std::vector<Block> blockList;
  torch::nn::LayerNorm norm{nullptr};

 private:
  torch::Tensor embed(const torch::Tensor& pixels5, const TokenGrid& grid, const Coords& coords,
                      torch::Tensor* clsOut);
};
TORCH_MODULE(PrithviEncoder);

struct PrithviDecoderImpl : torch::nn::Module {
  explicit PrithviDecoderImpl(const PrithviConfig& config);

  // latent (B, 1 + kept, D_enc) from the encoder; idsRestore (B, L) (undefined when the
  // latent holds all L tokens in order). Returns pred (B, L, tubelet*p*p*C), cls dropped.
  torch::Tensor forward(const torch::Tensor& latent, const torch::Tensor& idsRestore,
                        const TokenGrid& grid, const Coords& coords = {});
  torch::Tensor posEmbedFor(const TokenGrid& grid) const;

  PrithviConfig cfg;
  torch::nn::Linear decoder_embed{nullptr};
  torch::Tensor mask_token;         // (1, 1, Dd)
  torch::Tensor decoder_pos_embed;  // buffer (1, 1 + L, Dd)
  torch::nn::ModuleList decoder_blocks{nullptr};
  std::vector<Block> blockList;
  torch::nn::LayerNorm decoder_norm{nullptr};
  torch::nn::Linear decoder_pred{nullptr};
  TemporalEncoder temporal_embed_dec{nullptr};
  LocationEncoder location_embed_dec{nullptr};
};
TORCH_MODULE(PrithviDecoder);

struct MaeOutput {
  torch::Tensor loss;        // scalar
  torch::Tensor pred;        // (B, L, tubelet*p*p*C)
  torch::Tensor mask;        // (B, L), 1 = masked
  torch::Tensor latent;      // (B, 1 + kept, D)
  torch::Tensor idsRestore;  // (B, L)
  TokenGrid grid;
};

struct PrithviMaeImpl : torch::nn::Module {
  explicit PrithviMaeImpl(const PrithviConfig& config);

  // Random masking at maskRatio (the config's when not given), with optional injected noise.
  MaeOutput forward(const torch::Tensor& pixels, const Coords& coords = {},
                    std::optional<double> maskRatio = std::nullopt, const torch::Tensor& noise = {});
  // Any masking (MaskSpec::fromTokens for cloud-gap imputation).
  MaeOutput forwardMasked(const torch::Tensor& pixels, const MaskSpec& mask, const Coords& coords = {});

  torch::Tensor patchify(const torch::Tensor& pixels) const;
  torch::Tensor unpatchify(const torch::Tensor& tokens, const TokenGrid& grid) const;
  torch::Tensor forwardLoss(const torch::Tensor& pixels, const torch::Tensor& pred,
                            const torch::Tensor& mask) const;
  const PrithviConfig& config() const { return cfg; }

  PrithviConfig cfg;
  PrithviEncoder encoder{nullptr};
  PrithviDecoder decoder{nullptr};
};
TORCH_MODULE(PrithviMae);

// ---- sizes, weights, runtime --------------------------------------------------------------

struct ModuleCounts {
  int64_t parameters = 0;  // all parameter elements
  int64_t trainable = 0;   // of which requires_grad
  int64_t buffers = 0;     // buffer elements (pos-embeds, fixed scales, BN statistics)
};
ModuleCounts countParameters(const torch::nn::Module& module);

// Named parameters then buffers of `module`, detached, contiguous, on the CPU.
StateDict toStateDict(const torch::nn::Module& module, bool includeBuffers = true);

// bf16 autocast while alive: always on CUDA; on the CPU only for Precision::BFloat16 (training
// and benchmarks: gradients reach the fp32 weights; inference packs its weights instead, see
// LinearPrecision.h). Weight casts are cached until the outermost autocast ends.
class Bf16Autocast {
 public:
  explicit Bf16Autocast(const torch::Device& device, Precision cpuPrecision = Precision::Float32);
  ~Bf16Autocast();
  Bf16Autocast(const Bf16Autocast&) = delete;
  Bf16Autocast& operator=(const Bf16Autocast&) = delete;
  bool active() const { return mActive; }

 private:
  bool mActive = false;
  bool mCuda = false;
  bool mPrevEnabled = false;
  int mPrevDtype = 0;
};

}  // namespace prithvi::model
