#pragma once
// MGRS tiles as HLS and Sentinel-2 use them: "13REN" = UTM zone 13, latitude band R, 100 km
// square EN. The tile id fixes the projection (UTM/WGS 84 north or south) and the grid of the
// 109.8 km x 109.8 km HLS tile (3660 x 3660 pixels at 30 m).
//
// Not handled: the polar UPS areas (bands A, B, Y, Z) and the irregular zones 32V and 31X-37X,
// whose tiles Sentinel-2 still names by the regular zone width.

#include <string>

#include "core/raster/GeoTransform.h"

namespace prithvi {

struct MgrsTile {
  static constexpr double kSquareSize = 100000;  // metres, one MGRS 100 km square
  static constexpr double kTileSize = 109800;    // metres, one Sentinel-2 / HLS tile a side

  int zone = 0;             // UTM zone 1..60
  char latitudeBand = 'N';  // C..X without I and O; C..M south, N..X north
  std::string square;       // the two letters of the 100 km square, e.g. "EN"

  bool north() const { return latitudeBand >= 'N'; }
  int epsg() const { return (north() ? 32600 : 32700) + zone; }  // WGS 84 / UTM zone
  double centralMeridian() const { return zone * 6.0 - 183.0; }  // degrees east
  std::string id() const;  // "13REN" (the zone always with two digits)

  // Accepts "13REN" or "T13REN" (any case); throws Error(Usage) saying which part is wrong.
  static MgrsTile parse(const std::string& id);

  // The 100 km square in UTM metres of epsg(): its west edge and its south edge (the south
  // edge includes the false northing of 10,000,000 m in the southern hemisphere).
  double squareWestEasting() const;
  double squareSouthNorthing() const;

  // The HLS / Sentinel-2 tile grid at `resolution` metres (north-up, kTileSize / resolution
  // pixels a side). Throws Error(Usage) for a resolution that is not positive.
  GeoTransform sentinel2Grid(double resolution = 30) const;
};

}  // namespace prithvi
