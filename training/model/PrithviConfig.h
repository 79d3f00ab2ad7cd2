#pragma once
// Hyperparameters of a Prithvi masked autoencoder (spec/prithvi.md sections 1.1 and 1.2), the
// named released variants, and a small flat JSON form stored next to checkpoints.
//
// No torch here: the config is plain data that the CLI and the run store can read cheaply.

#include <cstdint>
#include <array>
#include <string>
#include <vector>

namespace prithvi::model {

// Token grid of one input: T' = T / tubelet, Hp = H / patch, Wp = W / patch. Tokens are in
// (t, h, w) order with w fastest.
struct TokenGrid {
  int64_t t = 0;
  int64_t h = 0;
  int64_t w = 0;
  int64_t tokens() const { return t * h * w; }
  int64_t tokensPerFrame() const { return h * w; }
  bool operator==(const TokenGrid&) const = default;
};

struct PrithviConfig {
  std::string name = "custom";
  int64_t imgSize = 224;      // square training crop; forward accepts any multiple of patchSize
  int64_t patchSize = 16;     // spatial patch (p x p)
  int64_t tubeletSize = 1;    // temporal patch
  int64_t numFrames = 3;      // T of the pretraining input
  int64_t inChans = 6;
  int64_t embedDim = 768;
  int64_t depth = 12;
  int64_t numHeads = 12;
  int64_t decoderEmbedDim = 512;
  int64_t decoderDepth = 8;
  int64_t decoderNumHeads = 16;
  double mlpRatio = 4.0;
  double normEps = 1e-6;
  double maskRatio = 0.75;
  bool normPixLoss = false;
  bool temporalEncoding = false;  // coords_encoding contains "time"
  bool locationEncoding = false;  // coords_encoding contains "location"
  bool coordsScaleLearn = false;  // learned scalar scale (init 0.1) instead of a fixed 1.0
  // Per-band z-score of the pretraining data, in HLS DN (reflectance x 10000), Prithvi band
  // order (spec 3.3): EO-1.0 statistics by default, EO-2.0 statistics for the v2 variants.
  std::array<double, 6> mean{775.2290211032589, 1080.992780391705, 1228.5855250417867,
                             2497.2022620507532, 2204.2139147975554, 1610.8324823273745};
  std::array<double, 6> std{1281.526139861424, 1270.0297974547493, 1399.4802505642526,
                            1368.3446143747644, 1291.6764008585435, 1154.505683480695};

  // The pretraining grid (numFrames, imgSize, imgSize).
  TokenGrid grid() const;
  int64_t numPatches() const { return grid().tokens(); }
  // Values per token of patchify / decoder_pred: tubelet * p * p * C.
  int64_t patchDim() const { return tubeletSize * patchSize * patchSize * inChans; }
  int64_t mlpHidden(int64_t dim) const { return static_cast<int64_t>(dim * mlpRatio); }

  // Throws Error(Usage) naming the first inconsistent field (dims not divisible by 16 or by
  // the head count, image not divisible by the patch, temporal encoding with tubelet != 1, ...).
  void validate() const;

  // The released variants plus small test models. byName throws Error(Usage) listing names().
  static PrithviConfig byName(const std::string& name);
  static std::vector<std::string> names();

  // Flat JSON with the official key names (img_size, patch_size, num_frames, tubelet_size,
  // in_chans, embed_dim, depth, num_heads, decoder_embed_dim, decoder_depth,
  // decoder_num_heads, mlp_ratio, norm_eps, mask_ratio, norm_pix_loss, coords_encoding,
  // coords_scale_learn, name, mean, std).
  std::string toJson() const;
  // Reads toJson() output and also the HF config.json style: patch_size may be [t, h, w]
  // (t is the tubelet), keys may sit inside a "pretrained_cfg" object, unknown keys are
  // ignored. Missing keys keep the defaults of `base` (or of prithvi_eo_v1_100 when absent).
  // Throws Error(BadInput) on malformed JSON or wrong value types, then validates.
  static PrithviConfig fromJson(const std::string& json);
  static PrithviConfig fromJson(const std::string& json, const PrithviConfig& base);

  bool operator==(const PrithviConfig&) const = default;
};

// Exact parameter counts implied by a config (no model is built). pos_embed tables for the
// configured grid are counted separately: they are persistent buffers in our modules (as in
// EO-2.0) and stored in the released checkpoints, but never learned.
struct ParameterCounts {
  int64_t encoderLearned = 0;
  int64_t encoderPosEmbed = 0;  // (1 + L) * D
  int64_t decoderLearned = 0;
  int64_t decoderPosEmbed = 0;  // (1 + L) * decoder D
  int64_t encoderTotal() const { return encoderLearned + encoderPosEmbed; }
  int64_t decoderTotal() const { return decoderLearned + decoderPosEmbed; }
  int64_t learned() const { return encoderLearned + decoderLearned; }
  int64_t checkpointFloats() const { return encoderTotal() + decoderTotal(); }
};
ParameterCounts expectedParameterCounts(const PrithviConfig& config);

}  // namespace prithvi::model
