#include "core/raster/GeoTransform.h"

#include <cmath>
#include <cstdio>

#include "core/base/NumberText.h"

namespace prithvi {

MapPoint GeoTransform::pixelToMap(double px, double py) const {
  const auto& c = mCoefficients;
  return {c[0] + px * c[1] + py * c[2], c[3] + px * c[4] + py * c[5]};
}

std::optional<MapPoint> GeoTransform::mapToPixel(double x, double y) const {
  const auto& c = mCoefficients;
  const double det = c[1] * c[5] - c[2] * c[4];
  if (det == 0) return std::nullopt;
  const double dx = x - c[0];
  const double dy = y - c[3];
  return MapPoint{(dx * c[5] - dy * c[2]) / det, (dy * c[1] - dx * c[4]) / det};
}

std::optional<PixelOffset> latticeOffset(const GeoTransform& base, const GeoTransform& other) {
  constexpr double kTolerance = 1e-6;  // of a pixel: rounding in text-stored transforms
  if (!base.isNorthUp() || !other.isNorthUp()) return std::nullopt;
  const double width = base.pixelWidth(), height = base.pixelHeight();
  if (std::abs(other.pixelWidth() - width) > kTolerance * std::abs(width) ||
      std::abs(other.pixelHeight() - height) > kTolerance * std::abs(height))
    return std::nullopt;
  const double px = (other.originX() - base.originX()) / width;
  const double py = (other.originY() - base.originY()) / height;
  if (std::abs(px - std::round(px)) > kTolerance || std::abs(py - std::round(py)) > kTolerance) return std::nullopt;
  return PixelOffset{int(std::lround(px)), int(std::lround(py))};
}

std::string GeoTransform::toString() const {
  std::string text;
  for (const double c : mCoefficients) text += (text.empty() ? "" : " ") + numberText(c);
  return text;
}

}  // namespace prithvi
