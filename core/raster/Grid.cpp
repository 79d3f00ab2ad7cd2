#include "core/raster/Grid.h"

#include <algorithm>
#include <cmath>

#include "core/base/NumberText.h"
#include "core/raster/Crs.h"

namespace prithvi {

namespace {

std::string crsText(const std::string& wkt) {
  if (wkt.empty()) return "none";
  const int epsg = epsgOfWkt(wkt);
  return epsg ? "EPSG:" + std::to_string(epsg) : "a custom CRS";
}

bool close(double a, double b) { return std::abs(a - b) <= 1e-6 * std::max(1.0, std::max(std::abs(a), std::abs(b))); }

std::string metres(double value) { return fixedNumberText(value, std::abs(value - std::round(value)) < 1e-9 ? 0 : 2); }

}  // namespace

std::string gridDifference(const RasterGrid& a, const RasterGrid& b) {
  std::string differences;
  auto add = [&](const std::string& text) { differences += (differences.empty() ? "" : "; ") + text; };
  if (!sameCrs(a.crsWkt, b.crsWkt)) {
    const std::string first = crsText(a.crsWkt), second = crsText(b.crsWkt);
    add(first == second ? "CRS " + first + " defined differently" : "CRS " + first + " vs " + second);
  }
  const auto& x = a.transform.coefficients();
  const auto& y = b.transform.coefficients();
  if (!close(x[1], y[1]) || !close(x[5], y[5]) || !close(x[2], y[2]) || !close(x[4], y[4]))
    add("pixel size " + metres(x[1]) + " x " + metres(std::abs(x[5])) + " vs " + metres(y[1]) + " x " +
        metres(std::abs(y[5])));
  else if (!close(x[0], y[0]) || !close(x[3], y[3]))
    add("origin shifted by " + metres(y[0] - x[0]) + " east and " + metres(y[3] - x[3]) + " north");
  if (a.width != b.width || a.height != b.height)
    add("size " + std::to_string(a.width) + "x" + std::to_string(a.height) + " vs " + std::to_string(b.width) + "x" +
        std::to_string(b.height) + " pixels");
  return differences;
}

}  // namespace prithvi
