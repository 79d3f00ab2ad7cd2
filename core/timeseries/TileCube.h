#pragma once
// A tile's granules stacked once into a chunked Zarr store (GDAL's multidimensional API), so
// that a pixel profile is a handful of chunk reads instead of one file open per date.
//
// Layout (Zarr v2, readable by python3-zarr):
//   reflectance  int16 (band=6, time=T, y, x), Prithvi band order, fill -9999,
//                chunks (1, Tc, 32, 32), zlib: one profile reads 6 * ceil(T / Tc) chunks
//   fmask        uint8 (time=T, y, x), fill 255, chunks (Tc, 32, 32)
//   root attributes: prithvi_cube_version, tile, epsg, crs_wkt, geotransform (6 numbers),
//                    granules, dates (ISO 8601), sensors, bands, scale (0.0001)

#include <memory>
#include <string>
#include <vector>

#include "core/raster/RasterSource.h"
#include "core/scene/Scene.h"
#include "core/timeseries/PixelProfile.h"

namespace prithvi {

class Feedback;

struct CubeOptions {
  int spatialChunk = 32;
  int timeChunk = 64;   // dates per chunk; more dates make more chunks per profile
  int rowsPerPass = 64;  // rows read from every granule before a slab is written
};

// The cube of a tile for a project file: "<project>.cubes/T<tile>.zarr".
std::string cubePathFor(const std::string& projectPath, const std::string& tile);

// Builds the cube (written under a temporary name, renamed when complete). Reports progress
// per row pass; on cancel nothing is left under the final name.
void buildTileCube(const std::vector<Scene>& granules, const std::string& path, const CubeOptions& options = {},
                   Feedback* feedback = nullptr);

class TileCube {
 public:
  // Throws Error(BadInput) when `path` is not a cube this program wrote.
  static std::unique_ptr<TileCube> open(const std::string& path);
  ~TileCube();

  const std::string& tile() const;
  const std::vector<std::string>& granuleIds() const;
  int width() const;
  int height() const;
  int dates() const;
  // Why the cube does not hold exactly these granules as their files are now: "" when it does
  // (same ids, same order, and every source band file has the size and modification time it
  // had when the cube was built); otherwise, e.g., "B04 of HLS.… changed since the cube was built".
  std::string staleReason(const std::vector<Scene>& granules) const;
  bool covers(const std::vector<Scene>& granules) const { return staleReason(granules).empty(); }
  // One pixel through time; observations carry the granule ids, dates and sensors.
  PixelProfile profile(int pixelX, int pixelY) const;
  // A window on every date: raw is [date][band][row][col], fmask [date][row][col].
  void readWindow(const Window& window, int16_t* raw, uint8_t* fmask) const;

 private:
  TileCube();
  struct Impl;
  std::unique_ptr<Impl> mImpl;
};

// The profile from the tile's cube when it exists and covers these granules, else from files.
PixelProfile readProfile(const std::vector<Scene>& granules, int pixelX, int pixelY, const std::string& cubePath,
                         Feedback* feedback = nullptr);

}  // namespace prithvi
