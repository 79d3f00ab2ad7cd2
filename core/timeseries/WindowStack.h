#pragma once
// A small window of a tile on every date at once: what the date grid, the area profile and
// the space-time cube view are drawn from. Read from the tile's cube when it is current, else
// from the granule files.

#include <string>
#include <vector>

#include "core/raster/RasterSource.h"
#include "core/timeseries/PixelProfile.h"

namespace prithvi {

class Feedback;

struct WindowStack {
  Window window;                       // in the tile's pixel grid
  std::vector<Observation> dates;      // per date: id, time, sensor (values unused)
  std::vector<int16_t> raw;            // [date][band 6][row][col], DN, fill -9999
  std::vector<uint8_t> fmask;          // [date][row][col], 255 = fill
  bool fromCube = false;

  int dateCount() const { return int(dates.size()); }
  size_t pixelsPerDate() const { return size_t(window.width) * window.height; }
  // Reflectance of band b (0..5, Prithvi order) at date t, pixel (x, y) of the window; NaN for fill.
  float reflectance(int t, int b, int x, int y) const;
  uint8_t fmaskAt(int t, int x, int y) const { return fmask[t * pixelsPerDate() + size_t(y) * window.width + x]; }
  // Every pixel of date t as an Observation (for indices and flags).
  Observation observation(int t, int x, int y) const;
  // The per-pixel profiles of the listed window pixels.
  std::vector<PixelProfile> profiles(const std::vector<std::pair<int, int>>& pixels) const;
};

// Reads `window` (clipped to the tile) of every granule. Throws Error(Usage) for an empty window.
WindowStack readWindowStack(const std::vector<Scene>& granules, Window window, const std::string& cubePath,
                            Feedback* feedback = nullptr);

}  // namespace prithvi
