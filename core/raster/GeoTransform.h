#pragma once
// GDAL's affine geotransform: map = origin + pixel * size (with rotation terms).

#include <array>
#include <optional>
#include <string>

namespace prithvi {

struct MapPoint {
  double x = 0;
  double y = 0;
};

class GeoTransform {
 public:
  GeoTransform() : mCoefficients{0, 1, 0, 0, 0, 1} {}
  explicit GeoTransform(const std::array<double, 6>& coefficients) : mCoefficients(coefficients) {}

  const std::array<double, 6>& coefficients() const { return mCoefficients; }
  double originX() const { return mCoefficients[0]; }
  double originY() const { return mCoefficients[3]; }
  double pixelWidth() const { return mCoefficients[1]; }
  double pixelHeight() const { return mCoefficients[5]; }  // negative for north-up
  bool isNorthUp() const { return mCoefficients[2] == 0 && mCoefficients[4] == 0; }

  // Pixel coordinates are continuous: (0,0) is the top-left corner of the top-left pixel.
  MapPoint pixelToMap(double px, double py) const;
  // Empty when the transform cannot be inverted.
  std::optional<MapPoint> mapToPixel(double x, double y) const;

  bool operator==(const GeoTransform& other) const = default;
  std::string toString() const;

 private:
  std::array<double, 6> mCoefficients;
};

// Two rasters on one pixel lattice (same pixel size, origins whole pixels apart, north-up): the
// column and row of `other`'s top-left pixel in `base`'s pixels. nullopt otherwise.
struct PixelOffset {
  int x = 0;
  int y = 0;
};
std::optional<PixelOffset> latticeOffset(const GeoTransform& base, const GeoTransform& other);

}  // namespace prithvi
