#include "training/model/PrithviConfig.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <map>
#include <memory>
#include <sstream>
#include <variant>

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

// ---- a minimal JSON reader (objects, arrays, strings, numbers, literals) -----------------

struct JValue;
using JObject = std::vector<std::pair<std::string, std::shared_ptr<JValue>>>;
using JArray = std::vector<std::shared_ptr<JValue>>;
struct JValue {
  std::variant<std::nullptr_t, bool, double, std::string, JArray, JObject> v;
};

class JsonReader {
 public:
  explicit JsonReader(const std::string& s) : mS(s) {}

  std::shared_ptr<JValue> parseDocument() {
    auto v = parseValue(0);
    skipWs();
    if (mPos != mS.size()) fail("trailing characters");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throwBadInput("model config JSON: " + what + " at offset " + std::to_string(mPos));
  }
  void skipWs() {
    while (mPos < mS.size() && (mS[mPos] == ' ' || mS[mPos] == '\n' || mS[mPos] == '\r' ||
                                mS[mPos] == '\t'))
      ++mPos;
  }
  char peek() {
    skipWs();
    if (mPos >= mS.size()) fail("unexpected end");
    return mS[mPos];
  }
  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++mPos;
  }
  std::shared_ptr<JValue> parseValue(int depth) {
    if (depth > 32) fail("nested too deeply");
    auto out = std::make_shared<JValue>();
    const char c = peek();
    if (c == '{') {
      ++mPos;
      JObject obj;
      if (peek() == '}') {
        ++mPos;
      } else {
        for (;;) {
          if (peek() != '"') fail("expected a key");
          std::string key = parseString();
          expect(':');
          obj.emplace_back(std::move(key), parseValue(depth + 1));
          if (peek() == ',') {
            ++mPos;
            continue;
          }
          expect('}');
          break;
        }
      }
      out->v = std::move(obj);
    } else if (c == '[') {
      ++mPos;
      JArray arr;
      if (peek() == ']') {
        ++mPos;
      } else {
        for (;;) {
          arr.push_back(parseValue(depth + 1));
          if (peek() == ',') {
            ++mPos;
            continue;
          }
          expect(']');
          break;
        }
      }
      out->v = std::move(arr);
    } else if (c == '"') {
      out->v = parseString();
    } else if (mS.compare(mPos, 4, "true") == 0) {
      mPos += 4;
      out->v = true;
    } else if (mS.compare(mPos, 5, "false") == 0) {
      mPos += 5;
      out->v = false;
    } else if (mS.compare(mPos, 4, "null") == 0) {
      mPos += 4;
      out->v = nullptr;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      const size_t start = mPos;
      while (mPos < mS.size() && (std::isdigit(static_cast<unsigned char>(mS[mPos])) ||
                                  mS[mPos] == '-' || mS[mPos] == '+' || mS[mPos] == '.' ||
                                  mS[mPos] == 'e' || mS[mPos] == 'E'))
        ++mPos;
      const std::string num = mS.substr(start, mPos - start);
      char* end = nullptr;
      const double d = std::strtod(num.c_str(), &end);
      if (end != num.c_str() + num.size()) fail("bad number '" + num + "'");
      out->v = d;
    } else {
      fail(std::string("unexpected character '") + c + "'");
    }
    return out;
  }
  std::string parseString() {
    expect('"');
    std::string out;
    while (mPos < mS.size() && mS[mPos] != '"') {
      char c = mS[mPos++];
      if (c == '\\') {
        if (mPos >= mS.size()) fail("bad escape");
        const char e = mS[mPos++];
        switch (e) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '/': out += '/'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'u': {
            if (mPos + 4 > mS.size()) fail("bad \\u escape");
            const unsigned code = std::stoul(mS.substr(mPos, 4), nullptr, 16);
            mPos += 4;
            if (code < 0x80) {
              out += static_cast<char>(code);
            } else if (code < 0x800) {
              out += static_cast<char>(0xC0 | (code >> 6));
              out += static_cast<char>(0x80 | (code & 0x3F));
            } else {
              out += static_cast<char>(0xE0 | (code >> 12));
              out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
              out += static_cast<char>(0x80 | (code & 0x3F));
            }
            break;
          }
          default: fail("bad escape");
        }
      } else {
        out += c;
      }
    }
    if (mPos >= mS.size()) fail("unterminated string");
    ++mPos;
    return out;
  }

  const std::string& mS;
  size_t mPos = 0;
};

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string num(double d) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  return buf;
}

int64_t asInt(const JValue& v, const std::string& key) {
  const double* d = std::get_if<double>(&v.v);
  if (!d || std::floor(*d) != *d) throwBadInput("model config JSON: '" + key + "' must be an integer");
  return static_cast<int64_t>(*d);
}
double asDouble(const JValue& v, const std::string& key) {
  const double* d = std::get_if<double>(&v.v);
  if (!d) throwBadInput("model config JSON: '" + key + "' must be a number");
  return *d;
}
bool asBool(const JValue& v, const std::string& key) {
  const bool* b = std::get_if<bool>(&v.v);
  if (!b) throwBadInput("model config JSON: '" + key + "' must be true or false");
  return *b;
}

}  // namespace

TokenGrid PrithviConfig::grid() const {
  return {numFrames / tubeletSize, imgSize / patchSize, imgSize / patchSize};
}

void PrithviConfig::validate() const {
  auto bad = [&](const std::string& what) { throwUsage("model config '" + name + "': " + what); };
  if (imgSize <= 0 || patchSize <= 0 || tubeletSize <= 0 || numFrames <= 0 || inChans <= 0)
    bad("sizes must be positive");
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
  std::ostringstream o;
  std::string coords;
  if (temporalEncoding) coords += "\"time\"";
  if (locationEncoding) coords += std::string(coords.empty() ? "" : ", ") + "\"location\"";
  o << "{\n"
    << "  \"name\": " << quote(name) << ",\n"
    << "  \"img_size\": " << imgSize << ",\n"
    << "  \"patch_size\": " << patchSize << ",\n"
    << "  \"tubelet_size\": " << tubeletSize << ",\n"
    << "  \"num_frames\": " << numFrames << ",\n"
    << "  \"in_chans\": " << inChans << ",\n"
    << "  \"embed_dim\": " << embedDim << ",\n"
    << "  \"depth\": " << depth << ",\n"
    << "  \"num_heads\": " << numHeads << ",\n"
    << "  \"decoder_embed_dim\": " << decoderEmbedDim << ",\n"
    << "  \"decoder_depth\": " << decoderDepth << ",\n"
    << "  \"decoder_num_heads\": " << decoderNumHeads << ",\n"
    << "  \"mlp_ratio\": " << num(mlpRatio) << ",\n"
    << "  \"norm_eps\": " << num(normEps) << ",\n"
    << "  \"mask_ratio\": " << num(maskRatio) << ",\n"
    << "  \"norm_pix_loss\": " << (normPixLoss ? "true" : "false") << ",\n"
    << "  \"coords_encoding\": [" << coords << "],\n"
    << "  \"coords_scale_learn\": " << (coordsScaleLearn ? "true" : "false") << ",\n"
    << "  \"mean\": [" << num(mean[0]) << ", " << num(mean[1]) << ", " << num(mean[2]) << ", " << num(mean[3]) << ", "
    << num(mean[4]) << ", " << num(mean[5]) << "],\n"
    << "  \"std\": [" << num(std[0]) << ", " << num(std[1]) << ", " << num(std[2]) << ", " << num(std[3]) << ", "
    << num(std[4]) << ", " << num(std[5]) << "]\n"
    << "}\n";
  return o.str();
}

PrithviConfig PrithviConfig::fromJson(const std::string& json) { return fromJson(json, v1_100()); }

PrithviConfig PrithviConfig::fromJson(const std::string& json, const PrithviConfig& base) {
  JsonReader reader(json);
  auto doc = reader.parseDocument();
  const JObject* top = std::get_if<JObject>(&doc->v);
  if (!top) throwBadInput("model config JSON: the document must be an object");

  PrithviConfig c = base;
  bool tubeletFromPatch = false;
  auto apply = [&](const JObject& obj) {
    for (const auto& [key, value] : obj) {
      const JValue& v = *value;
      if (std::holds_alternative<std::nullptr_t>(v.v)) continue;
      if (key == "name") {
        const auto* s = std::get_if<std::string>(&v.v);
        if (!s) throwBadInput("model config JSON: 'name' must be a string");
        c.name = *s;
      } else if (key == "img_size") {
        if (const auto* arr = std::get_if<JArray>(&v.v)) {
          if (arr->size() != 2 || asInt(*(*arr)[0], key) != asInt(*(*arr)[1], key))
            throwBadInput("model config JSON: 'img_size' must be one number or a square [h, w]");
          c.imgSize = asInt(*(*arr)[0], key);
        } else {
          c.imgSize = asInt(v, key);
        }
      } else if (key == "patch_size") {
        if (const auto* arr = std::get_if<JArray>(&v.v)) {
          if (arr->size() == 3) {
            const int64_t t = asInt(*(*arr)[0], key), h = asInt(*(*arr)[1], key),
                          w = asInt(*(*arr)[2], key);
            if (h != w) throwBadInput("model config JSON: only square spatial patches are supported");
            c.tubeletSize = t;
            c.patchSize = h;
            tubeletFromPatch = true;
          } else if (arr->size() == 2) {
            if (asInt(*(*arr)[0], key) != asInt(*(*arr)[1], key))
              throwBadInput("model config JSON: only square spatial patches are supported");
            c.patchSize = asInt(*(*arr)[0], key);
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
        const auto* arr = std::get_if<JArray>(&v.v);
        if (!arr || arr->size() != 6) continue;
        auto& target = key == "mean" ? c.mean : c.std;
        for (size_t i = 0; i < 6; ++i) target[i] = asDouble(*(*arr)[i], key);
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
        const auto* arr = std::get_if<JArray>(&v.v);
        if (!arr) throwBadInput("model config JSON: 'coords_encoding' must be a list");
        c.temporalEncoding = c.locationEncoding = false;
        for (const auto& item : *arr) {
          const auto* s = std::get_if<std::string>(&item->v);
          if (!s) throwBadInput("model config JSON: 'coords_encoding' entries must be strings");
          if (*s == "time") {
            c.temporalEncoding = true;
          } else if (*s == "location") {
            c.locationEncoding = true;
          } else {
            throwBadInput("model config JSON: unknown coords_encoding '" + *s +
                          "' (expected time, location)");
          }
        }
      }
      // Anything else (architecture, num_features, mean/std, bands, ...) is not ours to read.
    }
  };
  apply(*top);
  for (const auto& [key, value] : *top) {
    if (key == "pretrained_cfg") {
      const JObject* inner = std::get_if<JObject>(&value->v);
      if (!inner) throwBadInput("model config JSON: 'pretrained_cfg' must be an object");
      apply(*inner);
    }
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
