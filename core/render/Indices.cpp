// Spectral indices computed from reflectance bands.
#include <cctype>
#include <cmath>
#include <limits>

#include "core/base/Error.h"
#include "core/render/Render.h"

namespace prithvi {

namespace {

constexpr SpectralIndex kAllIndices[] = {SpectralIndex::NDVI, SpectralIndex::NDWI, SpectralIndex::MNDWI,
                                         SpectralIndex::NBR, SpectralIndex::EVI};
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// (a - b) / (a + b); NaN in gives NaN out through the arithmetic, a zero sum gives NaN.
void normalizedDifference(const float* a, const float* b, size_t count, float* out) {
  for (size_t i = 0; i < count; ++i) {
    const float sum = a[i] + b[i];
    out[i] = sum != 0.0f ? (a[i] - b[i]) / sum : kNaN;
  }
}

}  // namespace

const char* spectralIndexName(SpectralIndex index) {
  switch (index) {
    case SpectralIndex::NDVI: return "NDVI";
    case SpectralIndex::NDWI: return "NDWI";
    case SpectralIndex::MNDWI: return "MNDWI";
    case SpectralIndex::NBR: return "NBR";
    case SpectralIndex::EVI: return "EVI";
  }
  return "NDVI";
}

std::optional<SpectralIndex> spectralIndexFromName(const std::string& name) {
  std::string key = name;
  for (char& c : key) c = char(std::toupper(static_cast<unsigned char>(c)));
  for (SpectralIndex index : kAllIndices)
    if (key == spectralIndexName(index)) return index;
  return std::nullopt;
}

std::vector<BandRole> indexBands(SpectralIndex index) {
  switch (index) {
    case SpectralIndex::NDVI: return {BandRole::NIR, BandRole::Red};
    case SpectralIndex::NDWI: return {BandRole::Green, BandRole::NIR};
    case SpectralIndex::MNDWI: return {BandRole::Green, BandRole::SWIR1};
    case SpectralIndex::NBR: return {BandRole::NIR, BandRole::SWIR2};
    case SpectralIndex::EVI: return {BandRole::NIR, BandRole::Red, BandRole::Blue};
  }
  return {};
}

void computeIndex(SpectralIndex index, const std::vector<const float*>& bands, size_t count, float* out) {
  const size_t needed = indexBands(index).size();
  if (bands.size() != needed)
    throwUsage(std::string(spectralIndexName(index)) + " needs " + std::to_string(needed) + " bands, got " +
               std::to_string(bands.size()));
  for (const float* band : bands)
    if (!band && count > 0) throwUsage(std::string(spectralIndexName(index)) + " was given a missing band");
  if (count == 0) return;
  if (!out) throwUsage("computeIndex needs an output array");
  if (index == SpectralIndex::EVI) {
    const float* nir = bands[0];
    const float* red = bands[1];
    const float* blue = bands[2];
    for (size_t i = 0; i < count; ++i) {
      const float denominator = nir[i] + 6.0f * red[i] - 7.5f * blue[i] + 1.0f;
      out[i] = denominator != 0.0f ? 2.5f * (nir[i] - red[i]) / denominator : kNaN;
    }
    return;
  }
  // Every other index is a normalized difference of its two bands, in indexBands' order.
  normalizedDifference(bands[0], bands[1], count, out);
}

}  // namespace prithvi
