// Layer styles and the per-pixel renderer: stretch, gamma, colour map, Fmask overlay.
#include <algorithm>
#include <cmath>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <set>

#include "core/base/Error.h"
#include "core/labels/ClassScheme.h"
#include "core/render/Render.h"
#include "core/scene/SceneReader.h"

namespace prithvi {

std::vector<BandRole> LayerStyle::bandsToRead() const {
  switch (kind) {
    case Kind::Rgb: return {rgb[0], rgb[1], rgb[2]};
    case Kind::SingleBand: return {band};
    case Kind::Index: return indexBands(index);
    case Kind::Classes: return {band};
  }
  return {};
}

std::optional<LayerStyle> classStyleOf(const SceneReader& reader) {
  const Scene& scene = reader.scene();
  if (scene.bands.size() != 1) return std::nullopt;
  const SceneBand& band = scene.bands.front();
  const BandInfo& info = reader.rasterInfo(band.role).bands.at(size_t(band.bandIndex - 1));
  if (info.palette.empty()) return std::nullopt;
  // GeoTIFF colour tables hold 256 opaque entries whatever the classes: the legend lists the
  // values that are named, or else those that occur (read from a small overview).
  std::vector<bool> listed(info.palette.size(), false);
  bool named = false;
  for (size_t value = 0; value < info.categoryNames.size() && value < listed.size(); ++value)
    if (!info.categoryNames[value].empty()) listed[value] = named = true;
  if (!named) {
    constexpr int kSampleSide = 512;
    const double shrink = std::min(1.0, double(kSampleSide) / std::max(1, std::max(scene.width, scene.height)));
    const int w = std::max(1, int(scene.width * shrink)), h = std::max(1, int(scene.height * shrink));
    const RasterBlock sample = reader.readResampled({0, 0, scene.width, scene.height}, w, h, {band.role},
                                                    DataType::Float32, Resampling::Nearest);
    const float* values = sample.band<float>(0);
    for (size_t i = 0; i < size_t(w) * size_t(h); ++i)
      if (values[i] >= 0 && values[i] < float(listed.size()) && values[i] == std::floor(values[i]))
        listed[size_t(values[i])] = true;
  }
  LayerStyle style;
  style.kind = LayerStyle::Kind::Classes;
  style.band = band.role;
  for (size_t value = 0; value < info.palette.size(); ++value) {
    const PaletteEntry& entry = info.palette[value];
    if (!listed[value] || entry.alpha == 0 || (info.nodata && *info.nodata == double(value))) continue;
    StyleClass styleClass;
    styleClass.value = int(value);
    styleClass.argb = 0xff000000u | uint32_t(entry.red) << 16 | uint32_t(entry.green) << 8 | entry.blue;
    styleClass.name = value < info.categoryNames.size() && !info.categoryNames[value].empty()
                          ? info.categoryNames[value]
                          : "class " + std::to_string(value);
    style.classes.push_back(styleClass);
  }
  if (style.classes.empty()) return std::nullopt;
  return style;
}

std::optional<std::vector<int>> fewClassValues(const SceneReader& reader, int maxValues) {
  const Scene& scene = reader.scene();
  if (scene.bands.size() != 1) return std::nullopt;
  const SceneBand& band = scene.bands.front();
  const BandInfo& info = reader.rasterInfo(band.role).bands.at(size_t(band.bandIndex - 1));
  if (!info.palette.empty() || info.type == DataType::Float32 || info.type == DataType::Float64) return std::nullopt;
  if (info.scale != 1.0 || info.offset != 0.0) return std::nullopt;  // scaled reflectance, not codes
  constexpr int kSampleSide = 512;
  const double shrink = std::min(1.0, double(kSampleSide) / std::max(1, std::max(scene.width, scene.height)));
  const int w = std::max(1, int(scene.width * shrink)), h = std::max(1, int(scene.height * shrink));
  const RasterBlock sample =
      reader.readResampled({0, 0, scene.width, scene.height}, w, h, {band.role}, DataType::Float32, Resampling::Nearest);
  const float* values = sample.band<float>(0);
  std::set<int> distinct;
  for (size_t i = 0; i < size_t(w) * size_t(h); ++i) {
    if (!std::isfinite(values[i]) || (info.nodata && double(values[i]) == *info.nodata)) continue;
    if (values[i] < 0 || values[i] > 255) return std::nullopt;  // codes fit a byte
    distinct.insert(int(values[i]));
    if (int(distinct.size()) > maxValues) return std::nullopt;
  }
  if (distinct.empty()) return std::nullopt;
  return std::vector<int>(distinct.begin(), distinct.end());
}

LayerStyle classStyleOfScheme(const ClassScheme& scheme, BandRole band, const std::vector<int>& present) {
  LayerStyle style;
  style.kind = LayerStyle::Kind::Classes;
  style.band = band;
  style.scheme = scheme.name;
  for (const LabelClass& labelClass : scheme.classes) {
    const PaletteEntry colour = labelClass.paletteEntry();
    style.classes.push_back({labelClass.value, 0xff000000u | uint32_t(colour.red) << 16 | uint32_t(colour.green) << 8 | colour.blue,
                             labelClass.name});
  }
  // Values the scheme does not know still show, in greys, and say so in the legend.
  for (int value : present)
    if (!scheme.find(value) && value != scheme.ignoreValue) {
      const uint32_t grey = uint32_t(90 + (value * 37) % 140);
      style.classes.push_back({value, 0xff000000u | grey << 16 | grey << 8 | grey, "class " + std::to_string(value)});
    }
  return style;
}

const std::vector<StylePreset>& stylePresets() {
  static const std::vector<StylePreset> presets = {
      {"True colour", {BandRole::Red, BandRole::Green, BandRole::Blue}},
      {"Colour infrared", {BandRole::NIR, BandRole::Red, BandRole::Green}},
      {"SWIR", {BandRole::SWIR2, BandRole::NIR, BandRole::Red}},
      {"Agriculture", {BandRole::SWIR1, BandRole::NIR, BandRole::Blue}},
  };
  return presets;
}

uint32_t fmaskOverlayColor(uint8_t bit) {
  switch (bit) {
    case fmask::kCloud: return 0x99f2f2f2;    // near white, 60 %
    case fmask::kShadow: return 0x80202020;   // dark grey, 50 %
    case fmask::kSnowIce: return 0x9980ffff;  // light cyan, 60 %
    case fmask::kWater: return 0x990a50ff;    // blue, 60 %
    case fmask::kCirrus: return 0x66dce6ff;   // pale blue-white, 40 %
    case fmask::kAdjacent: return 0x66ffb000;  // amber, 40 % (not drawn unless asked for)
    default: return 0;
  }
}

namespace {

// Maps a band value to t in [0, 1] with a channel stretch: t = (v - min) * scale, clamped
// with min/max (no branches: stretched data crosses the ends all the time).
struct Linear {
  float min = 0;
  float scale = 1;
  explicit Linear(const ChannelStretch& stretch) {
    const double range = stretch.max - stretch.min;
    min = float(stretch.min);
    // min == max (a hand-set stretch): a threshold, through a very steep ramp.
    scale = (range != 0 && std::isfinite(range)) ? float(1.0 / range) : 1e30f;  // min > max inverts
  }
  float operator()(float v) const { return std::min(std::max((v - min) * scale, 0.0f), 1.0f); }
};

// t in [0, 1] -> t^(1/gamma) * 255, from a 1025-entry table with linear interpolation (no
// std::pow per pixel). Kept per thread and rebuilt only when gamma changes.
class GammaLut {
 public:
  static const GammaLut* forGamma(double gamma) {
    if (!(gamma > 0) || gamma == 1.0) return nullptr;
    thread_local GammaLut lut;
    if (lut.mGamma != gamma) {
      const double exponent = 1.0 / gamma;
      for (int i = 0; i <= kSize; ++i) lut.mTable[size_t(i)] = float(std::pow(double(i) / kSize, exponent) * 255.0);
      lut.mTable[kSize + 1] = lut.mTable[kSize];  // t == 1 interpolates with weight 0 past the end
      lut.mGamma = gamma;
    }
    return &lut;
  }
  // t in [0, 1]
  float operator()(float t) const {
    const float position = t * float(kSize);
    const int i = int(position);
    const float fraction = position - float(i);
    return mTable[size_t(i)] + fraction * (mTable[size_t(i) + 1] - mTable[size_t(i)]);
  }

 private:
  static constexpr int kSize = 1024;
  double mGamma = -1;
  std::array<float, kSize + 2> mTable{};
};

// t in [0, 1] -> 0..255, rounding half up.
template <bool kGamma>
inline uint32_t toByte(float t, const GammaLut* gamma) {
  if constexpr (kGamma) {
    return uint32_t((*gamma)(t) + 0.5f);
  } else {
    return uint32_t(t * 255.0f + 0.5f);
  }
}

#if defined(__SSE2__)
// Four values at a time: t clamped to [0, 1] with minps/maxps (branch-free: stretched data
// crosses the ends all the time, and branches on it mispredict). NaN comes out as 0; the
// caller masks it. Same arithmetic as Linear, so SIMD and scalar pixels agree exactly.
struct Linear4 {
  __m128 min, scale;
  explicit Linear4(const Linear& linear) : min(_mm_set1_ps(linear.min)), scale(_mm_set1_ps(linear.scale)) {}
  __m128 operator()(__m128 v) const {
    return _mm_min_ps(_mm_max_ps(_mm_mul_ps(_mm_sub_ps(v, min), scale), _mm_setzero_ps()), _mm_set1_ps(1.0f));
  }
};
inline __m128i toBytes4(__m128 t) {
  return _mm_cvttps_epi32(_mm_add_ps(_mm_mul_ps(t, _mm_set1_ps(255.0f)), _mm_set1_ps(0.5f)));
}
inline __m128 isNumber4(__m128 v) { return _mm_cmpord_ps(v, v); }
#endif

template <bool kGamma>
void renderRgbLoop(const LayerStyle& style, const std::vector<const float*>& bands, size_t count, uint32_t* out,
                   const GammaLut* gamma) {
  const Linear mapR(style.stretch[0]), mapG(style.stretch[1]), mapB(style.stretch[2]);
  const float* r = bands[0];
  const float* g = bands[1];
  const float* b = bands[2];
  size_t i = 0;
#if defined(__SSE2__)
  const Linear4 mapR4(mapR), mapG4(mapG), mapB4(mapB);
  const __m128i opaque = _mm_set1_epi32(int(0xff000000u));
  for (; i + 4 <= count; i += 4) {
    const __m128 vr = _mm_loadu_ps(r + i), vg = _mm_loadu_ps(g + i), vb = _mm_loadu_ps(b + i);
    const __m128i valid = _mm_castps_si128(_mm_and_ps(isNumber4(vr), _mm_and_ps(isNumber4(vg), isNumber4(vb))));
    const __m128 tr = mapR4(vr), tg = mapG4(vg), tb = mapB4(vb);
    __m128i pixels;
    if constexpr (kGamma) {
      alignas(16) float t[3][4];
      _mm_store_ps(t[0], tr);
      _mm_store_ps(t[1], tg);
      _mm_store_ps(t[2], tb);
      alignas(16) uint32_t packed[4];
      for (int k = 0; k < 4; ++k)
        packed[k] = (toByte<true>(t[0][k], gamma) << 16) | (toByte<true>(t[1][k], gamma) << 8) |
                    toByte<true>(t[2][k], gamma);
      pixels = _mm_load_si128(reinterpret_cast<const __m128i*>(packed));
    } else {
      pixels = _mm_or_si128(_mm_or_si128(_mm_slli_epi32(toBytes4(tr), 16), _mm_slli_epi32(toBytes4(tg), 8)),
                            toBytes4(tb));
    }
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), _mm_and_si128(_mm_or_si128(pixels, opaque), valid));
  }
#endif
  for (; i < count; ++i) {
    const float vr = r[i], vg = g[i], vb = b[i];
    if (std::isnan(vr) | std::isnan(vg) | std::isnan(vb)) {
      out[i] = 0;
      continue;
    }
    out[i] = 0xff000000u | (toByte<kGamma>(mapR(vr), gamma) << 16) | (toByte<kGamma>(mapG(vg), gamma) << 8) |
             toByte<kGamma>(mapB(vb), gamma);
  }
}

void renderRgb(const LayerStyle& style, const std::vector<const float*>& bands, size_t count, uint32_t* out) {
  if (const GammaLut* gamma = GammaLut::forGamma(style.gamma))
    renderRgbLoop<true>(style, bands, count, out, gamma);
  else
    renderRgbLoop<false>(style, bands, count, out, nullptr);
}

template <bool kGamma>
void renderMappedLoop(const LayerStyle& style, const float* values, size_t count, uint32_t* out,
                      const GammaLut* gamma) {
  const Linear map(style.stretch[0]);
  const std::array<uint32_t, 256>& table = colorTable(style.colorMap);
  size_t i = 0;
#if defined(__SSE2__)
  const Linear4 map4(map);
  for (; i + 4 <= count; i += 4) {
    const __m128 v = _mm_loadu_ps(values + i);
    alignas(16) int32_t valid[4];
    _mm_store_si128(reinterpret_cast<__m128i*>(valid), _mm_castps_si128(isNumber4(v)));
    const __m128 t = map4(v);
    if constexpr (kGamma) {
      alignas(16) float ts[4];
      _mm_store_ps(ts, t);
      for (int k = 0; k < 4; ++k) out[i + size_t(k)] = table[toByte<true>(ts[k], gamma)] & uint32_t(valid[k]);
    } else {
      alignas(16) int32_t levels[4];
      _mm_store_si128(reinterpret_cast<__m128i*>(levels), toBytes4(t));
      for (int k = 0; k < 4; ++k) out[i + size_t(k)] = table[size_t(levels[k])] & uint32_t(valid[k]);
    }
  }
#endif
  for (; i < count; ++i) {
    const float v = values[i];
    out[i] = std::isnan(v) ? 0u : table[toByte<kGamma>(map(v), gamma)];
  }
}

void renderClasses(const LayerStyle& style, const float* values, size_t count, uint32_t* out) {
  int last = 0;
  for (const StyleClass& styleClass : style.classes) last = std::max(last, styleClass.value);
  std::vector<uint32_t> lookup(size_t(last) + 1, 0u);
  for (const StyleClass& styleClass : style.classes)
    if (styleClass.value >= 0) lookup[size_t(styleClass.value)] = styleClass.argb;
  for (size_t i = 0; i < count; ++i) {
    const float v = values[i];
    // NaN (nodata) and values outside the table fail the range check.
    out[i] = v >= 0 && v <= float(last) ? lookup[size_t(v + 0.5f)] : 0u;
  }
}

void renderMapped(const LayerStyle& style, const float* values, size_t count, uint32_t* out) {
  if (const GammaLut* gamma = GammaLut::forGamma(style.gamma))
    renderMappedLoop<true>(style, values, count, out, gamma);
  else
    renderMappedLoop<false>(style, values, count, out, nullptr);
}

// The overlay colour for an Fmask byte, 0 when none of the selected bits is set.
// Cloud wins over shadow over snow over water over cirrus over adjacent.
uint32_t overlayFor(uint8_t bits) {
  if (!bits) return 0;
  if (bits & fmask::kCloud) return fmaskOverlayColor(fmask::kCloud);
  if (bits & fmask::kShadow) return fmaskOverlayColor(fmask::kShadow);
  if (bits & fmask::kSnowIce) return fmaskOverlayColor(fmask::kSnowIce);
  if (bits & fmask::kWater) return fmaskOverlayColor(fmask::kWater);
  if (bits & fmask::kCirrus) return fmaskOverlayColor(fmask::kCirrus);
  if (bits & fmask::kAdjacent) return fmaskOverlayColor(fmask::kAdjacent);
  return 0;
}

// What each of the 256 Fmask bytes does to a pixel: nothing, transparency (fill), or an
// overlay blended as out = (colour * a + pixel * (255 - a)) / 255, with colour * a + 127
// precomputed per channel.
struct OverlayTable {
  enum Action : uint8_t { None, Clear, Blend };
  std::array<Action, 256> action{};
  std::array<std::array<uint32_t, 3>, 256> premultiplied{};  // R, G, B
  std::array<uint32_t, 256> inverseAlpha{};
  explicit OverlayTable(uint8_t selected) {
    for (int value = 0; value < 256; ++value) {
      if (value == kFmaskFill) {
        action[size_t(value)] = Clear;
        continue;
      }
      const uint32_t colour = overlayFor(uint8_t(value) & selected);
      if (!colour) continue;
      const uint32_t a = colour >> 24;
      action[size_t(value)] = Blend;
      inverseAlpha[size_t(value)] = 255 - a;
      for (int c = 0; c < 3; ++c) premultiplied[size_t(value)][size_t(c)] = ((colour >> (16 - 8 * c)) & 0xff) * a + 127;
    }
  }
};

void applyOverlay(uint8_t selected, const uint8_t* fmaskValues, size_t count, uint32_t* out) {
  const OverlayTable table(selected);
  for (size_t i = 0; i < count; ++i) {
    const uint8_t value = fmaskValues[i];
    const auto action = table.action[value];
    if (action == OverlayTable::None) continue;
    if (action == OverlayTable::Clear || out[i] == 0) {
      out[i] = 0;
      continue;
    }
    const uint32_t pixel = out[i];
    const uint32_t inverse = table.inverseAlpha[value];
    const auto& over = table.premultiplied[value];
    const uint32_t r = (over[0] + ((pixel >> 16) & 0xff) * inverse) / 255;
    const uint32_t g = (over[1] + ((pixel >> 8) & 0xff) * inverse) / 255;
    const uint32_t b = (over[2] + (pixel & 0xff) * inverse) / 255;
    out[i] = (pixel & 0xff000000u) | (r << 16) | (g << 8) | b;
  }
}

}  // namespace

void renderPixels(const LayerStyle& style, const std::vector<const float*>& bands, const uint8_t* fmaskValues,
                  int width, int height, uint32_t* out) {
  if (width <= 0 || height <= 0) return;
  if (!out) throwUsage("renderPixels needs an output array");
  const size_t needed = style.bandsToRead().size();
  if (bands.size() != needed)
    throwUsage("the layer style needs " + std::to_string(needed) + " bands, " + std::to_string(bands.size()) +
               " were given");
  for (const float* band : bands)
    if (!band) throwUsage("renderPixels was given a missing band");
  const size_t count = size_t(width) * size_t(height);

  switch (style.kind) {
    case LayerStyle::Kind::Rgb:
      renderRgb(style, bands, count, out);
      break;
    case LayerStyle::Kind::SingleBand:
      renderMapped(style, bands[0], count, out);
      break;
    case LayerStyle::Kind::Classes:
      renderClasses(style, bands[0], count, out);
      break;
    case LayerStyle::Kind::Index: {
      // Row by row through one reused buffer: the index never needs a full-size array.
      std::vector<float> row(static_cast<size_t>(width));
      std::vector<const float*> rowBands(bands.size());
      for (int y = 0; y < height; ++y) {
        const size_t offset = size_t(y) * size_t(width);
        for (size_t b = 0; b < bands.size(); ++b) rowBands[b] = bands[b] + offset;
        computeIndex(style.index, rowBands, size_t(width), row.data());
        renderMapped(style, row.data(), size_t(width), out + offset);
      }
      break;
    }
  }

  if (fmaskValues) applyOverlay(style.fmaskOverlay, fmaskValues, count, out);
}

}  // namespace prithvi
