#pragma once
// A raster's pixel grid (size, geotransform, CRS) and what differs between two of them. Dates of
// a tile are stacked pixel by pixel only when their grids are one: equal numbers in another CRS
// (EPSG:32614 vs 32613) are another place.

#include <string>

#include "core/raster/GeoTransform.h"

namespace prithvi {

struct RasterGrid {
  int width = 0;
  int height = 0;
  GeoTransform transform;
  std::string crsWkt;
};

// "" when `a` and `b` are one grid; otherwise what differs, for an error message: "CRS EPSG:32614
// vs EPSG:32613", "origin shifted by 15 m east and 0 m north", "pixel size 30 x 30 vs 20 x 20",
// "size 3660x3660 vs 1830x1830 pixels" (joined by "; ").
std::string gridDifference(const RasterGrid& a, const RasterGrid& b);

}  // namespace prithvi
