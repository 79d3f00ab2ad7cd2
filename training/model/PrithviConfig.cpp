#include "training/model/PrithviConfig.h"

#include "core/base/NumberText.h"
#include "training/model/Json.h"

#include <cmath>
#include <cstdint>

#include "core/base/Error.h"

namespace prithvi::model {

namespace {

PrithviConfig v1_100() {
  PrithviConfig c;
  c.name = "prithvi_eo_v1_100";
  c.imgSize = 224;
  c.patchSize = 16;
  c.tubeletSize = 1;
  c.numFrames = 3;
  c.inChans = 6;
  c.embedDim = 768;
  c.depth = 12;
  c.numHeads = 12;
  c.decoderEmbedDim = 512;
  c.decoderDepth = 8;
  c.decoderNumHeads = 16;
  return c;
}

PrithviConfig v2(const std::string& name, int64_t embed, int64_t depth, int64_t heads,
                 int64_t patch, int64_t frames, bool tl) {
  PrithviConfig c = v1_100();
  c.name = name;
  c.embedDim = embed;
  c.depth = depth;
  c.numHeads = heads;
  c.patchSize = patch;
  c.numFrames = frames;
  c.temporalEncoding = tl;
  c.locationEncoding = tl;
  c.coordsScaleLearn = tl;
  c.mean = {1087, 1342, 1433, 2734, 1958, 1363};  // EO-2.0 pretraining (spec 3.3)
  c.std = {2248, 2179, 2178, 1850, 1242, 1049};
  return c;
}

PrithviConfig tinyTest(const std::string& name) {
  PrithviConfig c;
  c.name = name;
  c.imgSize = 32;
  c.patchSize = 8;
  c.tubeletSize = 1;
  c.numFrames = 2;
  c.inChans = 6;
  c.embedDim = 64;
  c.depth = 2;
  c.numHeads = 4;
  c.decoderEmbedDim = 32;
  c.decoderDepth = 1;
  c.decoderNumHeads = 4;
  return c;
}

const std::vector<std::pair<std::string, PrithviConfig>>& table() {
  static const std::vector<std::pair<std::string, PrithviConfig>> t = [] {
    std::vector<std::pair<std::string, PrithviConfig>> v;
    auto add = [&](PrithviConfig c) { v.emplace_back(c.name, c); };
    add(v1_100());
    add(v2("prithvi_eo_v2_300", 1024, 24, 16, 16, 4, false));
    add(v2("prithvi_eo_v2_300_tl", 1024, 24, 16, 16, 4, true));
    add(v2("prithvi_eo_v2_600", 1280, 32, 16, 14, 4, false));
    add(v2("prithvi_eo_v2_600_tl", 1280, 32, 16, 14, 4, true));
    add(v2("prithvi_eo_v2_100_tl", 768, 12, 12, 16, 4, true));
    add(v2("prithvi_eo_v2_tiny_tl", 192, 12, 3, 16, 1, true));
    add(tinyTest("tiny_test"));
    {
      // Time and location encodings, learned scales.
      PrithviConfig c = tinyTest("tiny_test_tl");
      c.temporalEncoding = c.locationEncoding = c.coordsScaleLearn = true;
      add(c);
    }
    {
      // A mid-size model for parity runs: 3 frames of 64 x 64, 48 tokens.
      PrithviConfig c;
      c.name = "small_test";
      c.imgSize = 64;
      c.patchSize = 16;
      c.tubeletSize = 1;
      c.numFrames = 3;
      c.inChans = 6;
      c.embedDim = 128;
      c.depth = 4;
      c.numHeads = 8;
      c.decoderEmbedDim = 64;
      c.decoderDepth = 2;
      c.decoderNumHeads = 4;
      add(c);
    }
    return v;
  }();
  return t;
}

int64_t asInt(const Json& v, const std::string& key) {
  // A whole number written as 1e3 counts; outside int64 (where a cast would be undefined) it
  // is refused like a fraction.
  if (v.is_number_integer() && (!v.is_number_unsigned() || v.get<uint64_t>() <= uint64_t(INT64_MAX)))
    return v.get<int64_t>();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::floor(d) == d && fitsInteger<int64_t>(d)) return static_cast<int64_t>(d);
  }
  throwBadInput("model config JSON: '" + key + "' must be an integer");
}
double asDouble(const Json& v, const std::string& key) {
  if (!v.is_number()) throwBadInput("model config JSON: '" + key + "' must be a number");
  return v.get<double>();
}
bool asBool(const Json& v, const std::string& key) {
  if (!v.is_boolean()) throwBadInput("model config JSON: '" + key + "' must be true or false");
  return v.get<bool>();
}

}  // namespace

TokenGrid PrithviConfig::grid() const {
  return {numFrames / tubeletSize, imgSize / patchSize, imgSize / patchSize};
}

void PrithviConfig::validate() const {
  // A config usually comes from a file (a checkpoint's metadata, a config JSON): a bad one is bad
  // input, and its sizes are checked before anything is allocated from them.
  auto bad = [&](const std::string& what) { throwBadInput("model config '" + name + "': " + what); };
  if (imgSize <= 0 || patchSize <= 0 || tubeletSize <= 0 || numFrames <= 0 || inChans <= 0)
    bad("sizes must be positive");
  if (imgSize > 4096 || numFrames > 64 || inChans > 64 || patchSize > imgSize)
    bad("img_size " + std::to_string(imgSize) + ", num_frames " + std::to_string(numFrames) + ", in_chans " +
        std::to_string(inChans) + " or patch_size " + std::to_string(patchSize) +
        " is out of range (img_size at most 4096, num_frames and in_chans at most 64)");
  if (embedDim > 8192 || decoderEmbedDim > 8192 || depth > 128 || decoderDepth > 128 || numHeads > 256 ||
      decoderNumHeads > 256 || !(mlpRatio <= 16))
    bad("embed_dim, depth, num_heads or mlp_ratio is out of range (embed dims at most 8192, depths at most 128, "
        "heads at most 256, mlp_ratio at most 16)");
  for (size_t i = 0; i < std.size(); ++i) {
    if (!std::isfinite(mean[i])) bad("mean of band " + std::to_string(i + 1) + " is not a finite number");
    if (!(std[i] > 0) || !std::isfinite(std[i]))
      bad("std of band " + std::to_string(i + 1) + " is " + numberText(std[i]) +
          "; normalising by it would divide by zero or give nonsense, so the model's outputs would be meaningless");
  }
  if (imgSize % patchSize != 0) bad("img_size must be a multiple of patch_size");
  if (numFrames % tubeletSize != 0) bad("num_frames must be a multiple of tubelet_size");
  if (embedDim <= 0 || depth <= 0 || numHeads <= 0 || decoderEmbedDim <= 0 || decoderDepth <= 0 ||
      decoderNumHeads <= 0)
    bad("dims, depths and head counts must be positive");
  if (embedDim % 16 != 0) bad("embed_dim must be divisible by 16 (3D sin-cos split)");
  if (decoderEmbedDim % 16 != 0) bad("decoder_embed_dim must be divisible by 16 (3D sin-cos split)");
  if (embedDim % numHeads != 0) bad("embed_dim must be divisible by num_heads");
  if (decoderEmbedDim % decoderNumHeads != 0) bad("decoder_embed_dim must be divisible by decoder_num_heads");
  if (!(mlpRatio > 0)) bad("mlp_ratio must be positive");
  if (!(normEps > 0)) bad("norm_eps must be positive");
  if (!(maskRatio >= 0 && maskRatio < 1)) bad("mask_ratio must be in [0, 1)");
  if (temporalEncoding && tubeletSize != 1) bad("time encoding needs tubelet_size 1");
}

std::vector<std::string> PrithviConfig::names() {
  std::vector<std::string> out;
  for (const auto& [n, c] : table()) out.push_back(n);
  return out;
}

PrithviConfig PrithviConfig::byName(const std::string& name) {
  for (const auto& [n, c] : table())
    if (n == name) return c;
  std::string list;
  for (const auto& n : names()) list += (list.empty() ? "" : ", ") + n;
  throwUsage("unknown model '" + name + "'; known models: " + list);
}

std::string PrithviConfig::toJson() const {
  Json coords = Json::array();
  if (temporalEncoding) coords.push_back("time");
  if (locationEncoding) coords.push_back("location");
  const Json doc = {
      {"name", name},
      {"img_size", imgSize},
      {"patch_size", patchSize},
      {"tubelet_size", tubeletSize},
      {"num_frames", numFrames},
      {"in_chans", inChans},
      {"embed_dim", embedDim},
      {"depth", depth},
      {"num_heads", numHeads},
      {"decoder_embed_dim", decoderEmbedDim},
      {"decoder_depth", decoderDepth},
      {"decoder_num_heads", decoderNumHeads},
      {"mlp_ratio", mlpRatio},
      {"norm_eps", normEps},
      {"mask_ratio", maskRatio},
      {"norm_pix_loss", normPixLoss},
      {"coords_encoding", coords},
      {"coords_scale_learn", coordsScaleLearn},
      {"mean", mean},
      {"std", std},
  };
  try {
    return doc.dump(2) + "\n";
  } catch (const Json::type_error&) {  // 316: a string that is not UTF-8
    throwUsage("model config " + quoteForMessage(name) + ": the name is not UTF-8 text");
  }
}

PrithviConfig PrithviConfig::fromJson(const std::string& json) { return fromJson(json, v1_100()); }

PrithviConfig PrithviConfig::fromJson(const std::string& json, const PrithviConfig& base) {
  const Json doc = parseJson(json, "model config JSON");
  if (!doc.is_object()) throwBadInput("model config JSON: the document must be an object");

  PrithviConfig c = base;
  bool tubeletFromPatch = false;
  auto apply = [&](const Json& obj) {
    for (const auto& [key, v] : obj.items()) {
      if (v.is_null()) continue;
      if (key == "name") {
        if (!v.is_string()) throwBadInput("model config JSON: 'name' must be a string");
        c.name = v.get<std::string>();
      } else if (key == "img_size") {
        if (v.is_array()) {
          if (v.size() != 2 || asInt(v[0], key) != asInt(v[1], key))
            throwBadInput("model config JSON: 'img_size' must be one number or a square [h, w]");
          c.imgSize = asInt(v[0], key);
        } else {
          c.imgSize = asInt(v, key);
        }
      } else if (key == "patch_size") {
        if (v.is_array()) {
          if (v.size() == 3) {
            const int64_t t = asInt(v[0], key), h = asInt(v[1], key), w = asInt(v[2], key);
            if (h != w) throwBadInput("model config JSON: only square spatial patches are supported");
            c.tubeletSize = t;
            c.patchSize = h;
            tubeletFromPatch = true;
          } else if (v.size() == 2) {
            if (asInt(v[0], key) != asInt(v[1], key))
              throwBadInput("model config JSON: only square spatial patches are supported");
            c.patchSize = asInt(v[0], key);
          } else {
            throwBadInput("model config JSON: 'patch_size' must be p, [p, p] or [t, p, p]");
          }
        } else {
          c.patchSize = asInt(v, key);
        }
      } else if (key == "tubelet_size") {
        const int64_t t = asInt(v, key);
        if (tubeletFromPatch && t != c.tubeletSize)
          throwBadInput("model config JSON: 'tubelet_size' disagrees with patch_size[0]");
        c.tubeletSize = t;
      } else if (key == "num_frames") {
        c.numFrames = asInt(v, key);
      } else if (key == "in_chans") {
        c.inChans = asInt(v, key);
      } else if (key == "embed_dim") {
        c.embedDim = asInt(v, key);
      } else if (key == "depth") {
        c.depth = asInt(v, key);
      } else if (key == "num_heads") {
        c.numHeads = asInt(v, key);
      } else if (key == "decoder_embed_dim") {
        c.decoderEmbedDim = asInt(v, key);
      } else if (key == "decoder_depth") {
        c.decoderDepth = asInt(v, key);
      } else if (key == "decoder_num_heads") {
        c.decoderNumHeads = asInt(v, key);
      } else if (key == "mean" || key == "std") {
        // One value per Prithvi band; other lists (other band sets) leave the variant's values.
        if (!v.is_array() || v.size() != 6) continue;
        auto& target = key == "mean" ? c.mean : c.std;
        for (size_t i = 0; i < 6; ++i) target[i] = asDouble(v[i], key);
      } else if (key == "mlp_ratio") {
        c.mlpRatio = asDouble(v, key);
      } else if (key == "norm_eps") {
        c.normEps = asDouble(v, key);
      } else if (key == "mask_ratio") {
        c.maskRatio = asDouble(v, key);
      } else if (key == "norm_pix_loss") {
        c.normPixLoss = asBool(v, key);
      } else if (key == "coords_scale_learn") {
        c.coordsScaleLearn = asBool(v, key);
      } else if (key == "coords_encoding") {
        if (!v.is_array()) throwBadInput("model config JSON: 'coords_encoding' must be a list");
        c.temporalEncoding = c.locationEncoding = false;
        for (const auto& item : v) {
          if (!item.is_string()) throwBadInput("model config JSON: 'coords_encoding' entries must be strings");
          const std::string& encoding = item.get_ref<const std::string&>();
          if (encoding == "time") {
            c.temporalEncoding = true;
          } else if (encoding == "location") {
            c.locationEncoding = true;
          } else {
            throwBadInput("model config JSON: unknown coords_encoding " + quoteForMessage(encoding) +
                          " (expected time, location)");
          }
        }
      }
      // Anything else (architecture, num_features, mean/std, bands, ...) is not ours to read.
    }
  };
  apply(doc);
  if (const auto inner = doc.find("pretrained_cfg"); inner != doc.end()) {
    if (!inner->is_object()) throwBadInput("model config JSON: 'pretrained_cfg' must be an object");
    apply(*inner);
  }
  c.validate();
  return c;
}

ParameterCounts expectedParameterCounts(const PrithviConfig& c) {
  auto blockParams = [&](int64_t d) {
    const int64_t h = c.mlpHidden(d);
    return 2 * d                 // norm1
           + 3 * d * d + 3 * d   // qkv
           + d * d + d           // proj
           + 2 * d               // norm2
           + h * d + h           // fc1
           + d * h + d;          // fc2
  };
  const int64_t d = c.embedDim, dd = c.decoderEmbedDim;
  const int64_t kernel = c.inChans * c.tubeletSize * c.patchSize * c.patchSize;
  const int64_t coordScales = (c.coordsScaleLearn ? 1 : 0) *
                              ((c.temporalEncoding ? 1 : 0) + (c.locationEncoding ? 1 : 0));
  ParameterCounts p;
  p.encoderLearned = d                    // cls_token
                     + d * kernel + d      // patch_embed.proj
                     + c.depth * blockParams(d) + 2 * d  // blocks, norm
                     + coordScales;
  p.encoderPosEmbed = (1 + c.numPatches()) * d;
  p.decoderLearned = dd                       // mask_token
                     + dd * d + dd            // decoder_embed
                     + c.decoderDepth * blockParams(dd) + 2 * dd  // decoder_blocks, decoder_norm
                     + c.patchDim() * dd + c.patchDim()          // decoder_pred
                     + coordScales;
  p.decoderPosEmbed = (1 + c.numPatches()) * dd;
  return p;
}

}  // namespace prithvi::model
