#pragma once
// A deterministic synthetic HLS v2.0 time series of one MGRS tile, with truth masks.
//
// It covers what the Debian-shipped Landsat samples cannot: real HLS file names, the real tile
// grid and projection, Fmask, many dates, and labels that agree with the pixels. The scene is
// a static land-cover map drawn from the seed (a lake and a meandering river, forest,
// grassland, rectangular crop parcels of four crop types with their own phenology, bare soil,
// a town, and a burn scar that appears in the middle of the series and slowly recovers);
// each date adds its own clouds, cloud shadows, Fmask bits and, on some Landsat dates, the
// fill beyond a diagonal swath edge.
//
// Output in outDir (flat, as an LP DAAC download lays it out):
//   HLS.<L30|S30>.T<tile>.<YYYYDDD>T<HHMMSS>.v2.0.<band>.tif   one COG per band and date
//       L30: B02 B03 B04 B05 B06 B07 Fmask   S30: B02 B03 B04 B8A B11 B12 Fmask
//       reflectance int16 (scale 0.0001, nodata -9999); Fmask uint8 (nodata 255)
//   truth/T<tile>.water.tif      uint8 1 = water (the pixels drawn with the water spectrum)
//   truth/T<tile>.burn_scar.tif  uint8 1 = burned (visible from the fire date on)
//   truth/T<tile>.crops.tif      uint8 crop code, 0 = not crop (codes in the JSON)
//   truth/T<tile>.truth.json     class names and values, the fire date, each granule's cloud cover
// Same options -> byte-identical files. Files appear only complete: each granule's bands are
// written under temporary names and renamed once all of them are done.

#include <cstdint>
#include <string>
#include <vector>

namespace prithvi {

class Feedback;

struct HlsSynthOptions {
  std::string tile = "13REN";  // MGRS tile id, with or without the leading T
  int dates = 12;              // 1..1000, spread over `year` (and the following years beyond ~150)
  int size = 3660;             // pixels a side, 16..3660; below 3660 a sub-area at the tile's corner
  uint64_t seed = 1;
  int year = 2021;             // 1970..2200
  std::string outDir;          // created when missing
  double resolution = 30;      // metres: 10, 20, 30 or 60 (HLS itself is 30)
};

struct HlsSynthResult {
  std::vector<std::string> granuleIds;  // "HLS.L30.T13REN.2021150T173909.v2.0", by date
  std::vector<std::string> files;       // every band file written, by date then band
  std::string truthDir;                 // <outDir>/truth
};

// Crop codes of the crops truth mask (0 = not crop).
enum class SynthCrop : uint8_t { None = 0, Corn = 1, Soybean = 2, WinterWheat = 3, Alfalfa = 4 };
const char* synthCropName(SynthCrop crop);  // "corn", ...
constexpr int kSynthCropCount = 4;

// Throws Error(Usage) for bad options, Error(Io) when writing fails, Error(Canceled) when
// `feedback` is canceled (complete granules stay; no partial file keeps a final name).
HlsSynthResult synthesizeHlsTile(const HlsSynthOptions& options, Feedback* feedback = nullptr);

}  // namespace prithvi
