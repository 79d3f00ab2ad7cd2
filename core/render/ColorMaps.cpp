// Colour maps: 256-entry ARGB tables interpolated from published control points.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <initializer_list>

#include "core/render/Render.h"

namespace prithvi {

namespace {

constexpr ColorMapName kAllMaps[] = {ColorMapName::Gray,  ColorMapName::Viridis, ColorMapName::Magma,
                                     ColorMapName::RdYlGn, ColorMapName::Blues,  ColorMapName::BrBG};

// Evenly spaced control points, 0xRRGGBB, low to high.
std::vector<uint32_t> controlPoints(ColorMapName map) {
  switch (map) {
    case ColorMapName::Gray:
      return {0x000000, 0xffffff};
    case ColorMapName::Viridis:  // matplotlib's viridis at 0, 1/9, ..., 1
      return {0x440154, 0x482878, 0x3e4a89, 0x31688e, 0x26828e, 0x1f9e89, 0x35b779, 0x6dcd59, 0xb4de2c, 0xfde725};
    case ColorMapName::Magma:  // matplotlib's magma at 0, 1/9, ..., 1
      return {0x000004, 0x180f3d, 0x440f76, 0x721f81, 0x9e2f7f, 0xcd4071, 0xf1605d, 0xfd9668, 0xfec98d, 0xfcfdbf};
    case ColorMapName::RdYlGn:  // ColorBrewer, 11 classes
      return {0xa50026, 0xd73027, 0xf46d43, 0xfdae61, 0xfee08b, 0xffffbf,
              0xd9ef8b, 0xa6d96a, 0x66bd63, 0x1a9850, 0x006837};
    case ColorMapName::Blues:  // ColorBrewer, 9 classes
      return {0xf7fbff, 0xdeebf7, 0xc6dbef, 0x9ecae1, 0x6baed6, 0x4292c6, 0x2171b5, 0x08519c, 0x08306b};
    case ColorMapName::BrBG:  // ColorBrewer, 11 classes
      return {0x543005, 0x8c510a, 0xbf812d, 0xdfc27d, 0xf6e8c3, 0xf5f5f5,
              0xc7eae5, 0x80cdc1, 0x35978f, 0x01665e, 0x003c30};
  }
  return {0x000000, 0xffffff};
}

std::array<uint32_t, 256> buildTable(ColorMapName map) {
  const std::vector<uint32_t> points = controlPoints(map);
  const int segments = int(points.size()) - 1;
  std::array<uint32_t, 256> table{};
  for (int i = 0; i < 256; ++i) {
    const double position = double(i) / 255.0 * segments;
    const int segment = std::min(segments - 1, int(position));
    const double t = position - segment;
    const uint32_t a = points[size_t(segment)], b = points[size_t(segment) + 1];
    auto channel = [&](int shift) {
      const double ca = double((a >> shift) & 0xff), cb = double((b >> shift) & 0xff);
      return uint32_t(std::lround(ca + (cb - ca) * t)) << shift;
    };
    table[size_t(i)] = 0xff000000u | channel(16) | channel(8) | channel(0);
  }
  return table;
}

std::string lower(const std::string& text) {
  std::string result = text;
  for (char& c : result) c = char(std::tolower(static_cast<unsigned char>(c)));
  return result;
}

}  // namespace

const char* colorMapName(ColorMapName map) {
  switch (map) {
    case ColorMapName::Gray: return "Gray";
    case ColorMapName::Viridis: return "Viridis";
    case ColorMapName::Magma: return "Magma";
    case ColorMapName::RdYlGn: return "RdYlGn";
    case ColorMapName::Blues: return "Blues";
    case ColorMapName::BrBG: return "BrBG";
  }
  return "Gray";
}

std::optional<ColorMapName> colorMapFromName(const std::string& name) {
  const std::string key = lower(name);
  if (key == "grey") return ColorMapName::Gray;
  for (ColorMapName map : kAllMaps)
    if (key == lower(colorMapName(map))) return map;
  return std::nullopt;
}

const std::array<uint32_t, 256>& colorTable(ColorMapName map) {
  // Built once, on first use, by whichever thread asks first (static initialisation is safe).
  static const std::array<std::array<uint32_t, 256>, std::size(kAllMaps)> tables = [] {
    std::array<std::array<uint32_t, 256>, std::size(kAllMaps)> all{};
    for (ColorMapName map : kAllMaps) all[size_t(map)] = buildTable(map);
    return all;
  }();
  const size_t index = size_t(map);
  return tables[index < tables.size() ? index : 0];
}

}  // namespace prithvi
