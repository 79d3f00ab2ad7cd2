#include "core/synth/HlsSynth.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <numbers>
#include <optional>
#include <utility>

#include <QDate>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTime>

#include <cpl_string.h>
#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include "core/base/AtomicFile.h"
#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/hls/Hls.h"
#include "core/hls/Mgrs.h"
#include "core/raster/GdalErrors.h"
#include "core/raster/RasterSource.h"

namespace prithvi {

const char* synthCropName(SynthCrop crop) {
  switch (crop) {
    case SynthCrop::Corn: return "corn";
    case SynthCrop::Soybean: return "soybean";
    case SynthCrop::WinterWheat: return "winter_wheat";
    case SynthCrop::Alfalfa: return "alfalfa";
    case SynthCrop::None: break;
  }
  return "none";
}

namespace {

namespace fs = std::filesystem;

// ------------------------------------------------------------------------------------------
// Random numbers. Our own generator and conversions: the standard distributions produce
// different numbers in different standard libraries, and the output must not.

constexpr uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

uint64_t mixSeed(uint64_t a, uint64_t b) { return splitmix64(a ^ splitmix64(b)); }

uint64_t mixSeed(uint64_t a, const char* tag) {
  uint64_t h = 0xCBF29CE484222325ull;  // FNV-1a of the tag
  for (const char* c = tag; *c; ++c) h = (h ^ uint8_t(*c)) * 0x100000001B3ull;
  return mixSeed(a, h);
}

double unitOf(uint64_t bits) { return double(bits >> 11) * 0x1.0p-53; }  // [0, 1)

class Random {
 public:
  explicit Random(uint64_t seed) : mState(seed) {}
  uint64_t next() {
    mState += 0x9E3779B97F4A7C15ull;
    return splitmix64(mState);
  }
  double uniform() { return unitOf(next()); }
  double uniform(double low, double high) { return low + (high - low) * uniform(); }
  int below(int count) { return int(next() % uint64_t(count)); }

 private:
  uint64_t mState;
};

// ------------------------------------------------------------------------------------------
// Smooth noise: value noise on an integer lattice, summed over octaves (fbm), in [0, 1].

float smoothStep(float t) { return t * t * (3 - 2 * t); }

class Fbm {
 public:
  Fbm(uint64_t seed, double wavelengthPx, int octaves)
      : mFrequency(1.0 / wavelengthPx), mOctaves(std::clamp(octaves, 1, kMaxOctaves)) {
    for (int octave = 0; octave < mOctaves; ++octave) mSeeds[octave] = mixSeed(seed, uint64_t(octave));
  }

  float at(double x, double y) const {
    float sum = 0, norm = 0, amplitude = 1;
    double frequency = mFrequency;
    for (int octave = 0; octave < mOctaves; ++octave) {
      sum += amplitude * valueNoise(mSeeds[octave], x * frequency, y * frequency);
      norm += amplitude;
      amplitude *= 0.5f;
      frequency *= 2;
    }
    return sum / norm;
  }

 private:
  static constexpr int kMaxOctaves = 8;

  static float lattice(uint64_t seed, int64_t ix, int64_t iy) {
    return float(unitOf(splitmix64(seed ^ (uint64_t(ix) * 0x9E3779B97F4A7C15ull) ^
                                    (uint64_t(iy) * 0xD1B54A32D192ED03ull))));
  }
  static float valueNoise(uint64_t seed, double x, double y) {
    const double fx = std::floor(x), fy = std::floor(y);
    const int64_t ix = int64_t(fx), iy = int64_t(fy);
    const float tx = smoothStep(float(x - fx)), ty = smoothStep(float(y - fy));
    const float top = std::lerp(lattice(seed, ix, iy), lattice(seed, ix + 1, iy), tx);
    const float bottom = std::lerp(lattice(seed, ix, iy + 1), lattice(seed, ix + 1, iy + 1), tx);
    return std::lerp(top, bottom, ty);
  }

  double mFrequency;
  int mOctaves;
  std::array<uint64_t, kMaxOctaves> mSeeds{};
};

// Noise sampled every `step` pixels and interpolated bilinearly: smooth fields need no
// per-pixel noise evaluation, which keeps a 3660 x 3660 map cheap.
class SmoothField {
 public:
  SmoothField(const Fbm& noise, int width, int height, int step)
      : mStep(std::max(1, step)), mColumns((width + mStep - 1) / mStep + 2), mRows((height + mStep - 1) / mStep + 2) {
    mSamples.resize(size_t(mColumns) * mRows);
    for (int row = 0; row < mRows; ++row)
      for (int column = 0; column < mColumns; ++column)
        mSamples[size_t(row) * mColumns + column] = noise.at(double(column) * mStep, double(row) * mStep);
    mRowBuffer.resize(mColumns);
  }

  // Fills out[0..width) with the field on pixel row y (pixel centres not needed: it is noise).
  void row(int y, int width, float* out) {
    const int coarseRow = y / mStep;
    const float ty = float(y - coarseRow * mStep) / float(mStep);
    const float* upper = &mSamples[size_t(coarseRow) * mColumns];
    const float* lower = upper + mColumns;
    for (int column = 0; column < mColumns; ++column) mRowBuffer[column] = std::lerp(upper[column], lower[column], ty);
    for (int x = 0; x < width; ++x) {
      const int coarseColumn = x / mStep;
      const float tx = float(x - coarseColumn * mStep) / float(mStep);
      out[x] = std::lerp(mRowBuffer[coarseColumn], mRowBuffer[coarseColumn + 1], tx);
    }
  }

  // The value below which a fraction q of the samples lies.
  float quantile(double q) const {
    std::vector<float> sorted(mSamples);
    const size_t index = std::min(sorted.size() - 1, size_t(std::clamp(q, 0.0, 1.0) * double(sorted.size())));
    std::nth_element(sorted.begin(), sorted.begin() + ptrdiff_t(index), sorted.end());
    return sorted[index];
  }

 private:
  int mStep;
  int mColumns;
  int mRows;
  std::vector<float> mSamples;
  std::vector<float> mRowBuffer;
};

// ------------------------------------------------------------------------------------------
// Spectra: surface reflectance x 10000 in Prithvi's band order Blue, Green, Red, NIR, SWIR1,
// SWIR2 (typical library values for each cover).

constexpr int kBands = 6;
using Spectrum = std::array<double, kBands>;

constexpr Spectrum kGreenVegetation = {250, 520, 280, 3900, 1850, 820};
constexpr Spectrum kDryVegetation = {520, 820, 1100, 2300, 3000, 2150};
constexpr Spectrum kForestInLeaf = {190, 420, 230, 3100, 1450, 620};
constexpr Spectrum kForestDormant = {300, 520, 480, 2300, 1750, 950};
constexpr Spectrum kBareSoil = {950, 1300, 1750, 2350, 3050, 2650};  // rises with wavelength
constexpr Spectrum kWaterBody = {420, 560, 330, 170, 110, 70};
constexpr Spectrum kUrbanSurface = {1450, 1550, 1700, 2150, 2400, 2250};
constexpr Spectrum kCharredGround = {330, 520, 720, 1200, 2300, 2500};  // NBR about -0.35
constexpr Spectrum kSnowCover = {8600, 8400, 8100, 7000, 900, 700};
constexpr std::array<int32_t, kBands> kCloudTop = {5400, 5200, 5100, 5300, 3900, 2800};
// S30 relative to L30: MSI and OLI bandpasses differ by a few percent even after HLS's
// bandpass adjustment.
constexpr Spectrum kS30BandpassGain = {0.985, 1.012, 0.992, 1.025, 1.008, 0.985};

Spectrum blend(const Spectrum& a, const Spectrum& b, double t) {
  Spectrum out;
  for (int band = 0; band < kBands; ++band) out[band] = a[band] + (b[band] - a[band]) * t;
  return out;
}

// Materials: what a pixel is drawn with. Crops get one material per (crop, sowing shift) so a
// date's spectra are a small table and the per-pixel work is a lookup.
enum Material : uint8_t { kWater, kForest, kGrassland, kBare, kUrban, kFirstCrop };
constexpr int kSowingShifts = 8;  // parcels sow up to 12 days earlier or later than the norm
constexpr int kBurned = kFirstCrop + kSynthCropCount * kSowingShifts;
constexpr int kSnow = kBurned + 1;
constexpr int kMaterialCount = kSnow + 1;

uint8_t cropMaterial(SynthCrop crop, int shift) {
  return uint8_t(kFirstCrop + (int(crop) - 1) * kSowingShifts + shift);
}

double dayDistance(double day, double other) {
  double d = std::fmod(day - other, 365.0);
  if (d > 182.5) d -= 365;
  if (d < -182.5) d += 365;
  return d;
}
double bell(double day, double peak, double width) {
  const double d = dayDistance(day, peak) / width;
  return std::exp(-d * d);
}
double ramp(double day, double from, double to) {
  const double t = std::clamp((day - from) / (to - from), 0.0, 1.0);
  return t * t * (3 - 2 * t);
}

Spectrum grasslandOn(double day) { return blend(kDryVegetation, kGreenVegetation, 0.1 + 0.8 * bell(day, 160, 55)); }
Spectrum forestOn(double day) { return blend(kForestDormant, kForestInLeaf, 0.25 + 0.75 * bell(day, 195, 75)); }

// Canopy of a crop on a day of the season: green and dry (senescent or residue) fractions,
// the rest is bare soil. Sowing, peak, senescence and harvest days differ per crop.
struct Canopy {
  double green = 0;
  double dry = 0;
};
Canopy cropCanopyOn(SynthCrop crop, double day) {
  day = std::fmod(std::fmod(day - 1, 365.0) + 365.0, 365.0) + 1;
  auto summerCrop = [day](double sow, double peak, double senesced, double harvest, double maxGreen) -> Canopy {
    if (day < sow) return {0, 0.15};  // last year's residue
    if (day < peak) {
      const double green = maxGreen * ramp(day, sow, peak);
      return {green, 0.15 * (1 - green)};
    }
    if (day < senesced) {
      const double t = ramp(day, peak, senesced);
      return {maxGreen * (1 - t), maxGreen * t};
    }
    if (day < harvest) return {0, 0.9};
    return {0, 0.35};  // stubble
  };
  switch (crop) {
    case SynthCrop::Corn: return summerCrop(125, 205, 255, 280, 0.95);
    case SynthCrop::Soybean: return summerCrop(145, 215, 262, 285, 0.92);
    case SynthCrop::WinterWheat:
      if (day < 60) return {0.35, 0.05};  // tillered in autumn, dormant over winter
      if (day < 130) return {0.35 + 0.6 * ramp(day, 60, 130), 0.05};
      if (day < 170) {
        const double t = ramp(day, 130, 170);
        return {0.95 * (1 - t), 0.95 * t};
      }
      if (day < 188) return {0, 0.9};
      if (day < 285) return {0, 0.4};
      return {0.35 * ramp(day, 285, 330), 0.1};  // next year's crop emerges
    case SynthCrop::Alfalfa: {
      if (day < 90 || day > 290) return {0.3, 0.2};
      const double regrowth = ramp(std::fmod(day - 90, 42.0), 0, 30);  // cut every six weeks
      const double green = 0.3 + 0.6 * regrowth;
      return {green, 0.2 * (1 - green)};
    }
    case SynthCrop::None: break;
  }
  return {};
}

Spectrum cropOn(SynthCrop crop, double day) {
  const Canopy canopy = cropCanopyOn(crop, day);
  const double soil = std::max(0.0, 1 - canopy.green - canopy.dry);
  Spectrum out;
  for (int band = 0; band < kBands; ++band)
    out[band] = soil * kBareSoil[band] + canopy.green * kGreenVegetation[band] + canopy.dry * kDryVegetation[band];
  return out;
}

using SpectrumTable = std::array<std::array<int32_t, kBands>, kMaterialCount>;

// Every material's spectrum on one date. `seasonDay` is the day of year shifted by half a
// year in the southern hemisphere, so phenology follows the local seasons.
SpectrumTable spectraOn(double seasonDay, int daysSinceFire, HlsSensor sensor) {
  std::array<Spectrum, kMaterialCount> spectra{};
  spectra[kWater] = kWaterBody;
  spectra[kForest] = forestOn(seasonDay);
  spectra[kGrassland] = grasslandOn(seasonDay);
  spectra[kBare] = kBareSoil;
  spectra[kUrban] = kUrbanSurface;
  for (int crop = 1; crop <= kSynthCropCount; ++crop)
    for (int shift = 0; shift < kSowingShifts; ++shift) {
      const double sowingShift = -12.0 + 24.0 * shift / (kSowingShifts - 1);
      spectra[cropMaterial(SynthCrop(crop), shift)] = cropOn(SynthCrop(crop), seasonDay - sowingShift);
    }
  // Burned ground slowly regrows towards grassland (e-folding about 400 days).
  const double recovered = daysSinceFire < 0 ? 0 : 1 - std::exp(-daysSinceFire / 400.0);
  spectra[kBurned] = blend(kCharredGround, grasslandOn(seasonDay), recovered);
  spectra[kSnow] = kSnowCover;

  SpectrumTable table{};
  for (int material = 0; material < kMaterialCount; ++material)
    for (int band = 0; band < kBands; ++band) {
      const double gain = sensor == HlsSensor::S30 ? kS30BandpassGain[band] : 1.0;
      table[material][band] = int32_t(std::lround(spectra[material][band] * gain));
    }
  return table;
}

// ------------------------------------------------------------------------------------------
// The static scene: one land-cover map for all dates, and the truth derived from it.

struct Scene {
  int size = 0;
  std::vector<uint8_t> material;
  std::vector<uint16_t> gain;  // per-pixel brightness, 1024 = 1: texture within a cover
  std::vector<uint8_t> water;  // truth 0/1
  std::vector<uint8_t> burned; // truth 0/1: burns on the fire date
  std::vector<uint8_t> crops;  // truth: SynthCrop code
  std::vector<uint8_t> snow;   // where snow lies on winter dates
};

struct Blob {
  double cx, cy, rx, ry;  // pixels
  double ragged;          // how much the outline noise bends the ellipse
  // < 1 inside; `wobble` in [-0.5, 0.5] is the outline noise here.
  double distance(double x, double y, double wobble) const {
    const double dx = (x - cx) / rx, dy = (y - cy) / ry;
    return std::sqrt(dx * dx + dy * dy) + ragged * wobble;
  }
};

// Rectangular field parcels: strips of columns, each cut into parcels along y.
struct Parcels {
  std::vector<int> stripOfColumn;
  std::vector<uint8_t> stripStartsAt;               // 1 on a strip's first column
  std::vector<std::vector<uint16_t>> parcelOfRow;   // per strip
  std::vector<std::vector<uint8_t>> parcelStartsAt; // per strip, 1 on a parcel's first row
};

Parcels layParcels(Random& random, int size, double resolution) {
  const int smallest = std::max(4, int(std::lround(360 / resolution)));  // 360 m .. 1.2 km
  const int largest = std::max(smallest + 1, int(std::lround(1200 / resolution)));
  Parcels parcels;
  parcels.stripOfColumn.resize(size);
  parcels.stripStartsAt.assign(size, 0);
  int strip = 0;
  for (int x = 0; x < size; ++strip) {
    const int width = smallest + random.below(largest - smallest + 1);
    parcels.stripStartsAt[x] = 1;
    for (int k = x; k < std::min(size, x + width); ++k) parcels.stripOfColumn[k] = strip;
    x += width;
    std::vector<uint16_t> parcelOfRow(size);
    std::vector<uint8_t> startsAt(size, 0);
    int parcel = 0;
    for (int y = 0; y < size; ++parcel) {
      const int height = smallest + random.below(largest - smallest + 1);
      startsAt[y] = 1;
      for (int k = y; k < std::min(size, y + height); ++k) parcelOfRow[k] = uint16_t(parcel);
      y += height;
    }
    parcels.parcelOfRow.push_back(std::move(parcelOfRow));
    parcels.parcelStartsAt.push_back(std::move(startsAt));
  }
  return parcels;
}

Scene buildScene(uint64_t seed, int size, double resolution) {
  Scene scene;
  scene.size = size;
  const size_t count = size_t(size) * size;
  scene.material.assign(count, kGrassland);
  scene.gain.assign(count, 1024);
  scene.water.assign(count, 0);
  scene.burned.assign(count, 0);
  scene.crops.assign(count, 0);
  scene.snow.assign(count, 0);

  // Large features sit at fractions of the area, so a small sub-area still holds all of them.
  Random layout(mixSeed(seed, "layout"));
  const double s = size;
  const Blob lake{s * layout.uniform(0.2, 0.36), s * layout.uniform(0.62, 0.76), s * layout.uniform(0.08, 0.12),
                  s * layout.uniform(0.05, 0.08), 0.6};
  const Blob town{s * layout.uniform(0.64, 0.8), s * layout.uniform(0.16, 0.32), s * layout.uniform(0.07, 0.1),
                  s * layout.uniform(0.07, 0.1), 0.8};
  // Fire scars are ragged: fingers of burned and spared ground.
  const Blob fire{s * layout.uniform(0.22, 0.36), s * layout.uniform(0.18, 0.32), s * layout.uniform(0.09, 0.13),
                  s * layout.uniform(0.07, 0.11), 1.6};
  const double riverBase = layout.uniform(0.48, 0.58);
  const double riverAmplitude = layout.uniform(0.08, 0.13);
  const double riverMeanders = layout.uniform(1.2, 2.0);
  const double riverPhase = layout.uniform(0, 1);
  const double riverHalfWidth = std::clamp(0.004 * s, 1.2, 8.0);

  const Fbm riverWander(mixSeed(seed, "river"), 0.25, 3);
  const int coarseStep = std::max(1, size / 256);
  SmoothField outline(Fbm(mixSeed(seed, "outline"), s / 6, 3), size, size, coarseStep);
  SmoothField region(Fbm(mixSeed(seed, "region"), std::clamp(s / 3, 40.0, 1200.0), 4), size, size, coarseStep);
  SmoothField bareness(Fbm(mixSeed(seed, "bare"), std::clamp(s / 8, 20.0, 400.0), 3), size, size, coarseStep);
  SmoothField snowiness(Fbm(mixSeed(seed, "snow"), std::clamp(s / 10, 12.0, 300.0), 3), size, size, coarseStep);
  SmoothField texture(Fbm(mixSeed(seed, "texture"), 6, 2), size, size, 2);
  // Shares of the agricultural landscape from quantiles, whatever the noise's distribution.
  const float forestAbove = region.quantile(0.70);      // 30 % forest
  const float grasslandAbove = region.quantile(0.55);   // 15 % grassland
  const float burnForestAbove = region.quantile(0.15);  // the burn is mostly forest
  const float bareAbove = bareness.quantile(0.9);
  const float snowAbove = snowiness.quantile(0.995);

  Random parcelLayout(mixSeed(seed, "parcels"));
  const Parcels parcels = layParcels(parcelLayout, size, resolution);
  const uint64_t parcelSeed = mixSeed(seed, "parcel crops");
  const uint64_t grainSeed = mixSeed(seed, "grain");

  std::vector<float> outlineRow(size), regionRow(size), barenessRow(size), snowRow(size), textureRow(size);
  for (int y = 0; y < size; ++y) {
    outline.row(y, size, outlineRow.data());
    region.row(y, size, regionRow.data());
    bareness.row(y, size, barenessRow.data());
    snowiness.row(y, size, snowRow.data());
    texture.row(y, size, textureRow.data());
    const double v = (y + 0.5) / s;
    const double meander = std::sin(2 * std::numbers::pi * (riverMeanders * v + riverPhase));
    const double riverX = s * (riverBase + riverAmplitude * meander + 0.08 * (riverWander.at(v, 0.5) - 0.5));
    for (int x = 0; x < size; ++x) {
      const size_t i = size_t(y) * size + x;
      const double px = x + 0.5, py = y + 0.5;
      const double wobble = outlineRow[x] - 0.5;
      double amplitude = 0.1;  // how much brightness varies within the cover
      int parcelGain = 0;
      uint8_t material;
      if (lake.distance(px, py, wobble) < 1 || std::abs(px - riverX) < riverHalfWidth) {
        material = kWater;
        scene.water[i] = 1;
        amplitude = 0.04;
      } else if (fire.distance(px, py, wobble) < 1) {
        material = regionRow[x] > burnForestAbove ? kForest : kGrassland;
        scene.burned[i] = 1;
        amplitude = 0.1;
      } else if (town.distance(px, py, wobble) < 1) {
        material = kUrban;
        amplitude = 0.2;
      } else if (regionRow[x] > forestAbove) {
        material = kForest;
        amplitude = 0.12;
      } else if (regionRow[x] > grasslandAbove) {
        material = kGrassland;
      } else if (barenessRow[x] > bareAbove) {
        material = kBare;
        amplitude = 0.15;
      } else {
        const int strip = parcels.stripOfColumn[x];
        const int parcel = parcels.parcelOfRow[strip][y];
        if (parcels.stripStartsAt[x] || parcels.parcelStartsAt[strip][y]) {
          material = kGrassland;  // field margins and tracks
        } else {
          Random draw(mixSeed(parcelSeed, (uint64_t(strip) << 24) ^ uint64_t(parcel)));
          const double kind = draw.uniform();
          parcelGain = int((draw.uniform() - 0.5) * 140);  // +-7 % per parcel
          const int sowingShift = draw.below(kSowingShifts);
          amplitude = 0.05;
          if (kind < 0.12) {
            material = kBare;  // fallow
          } else {
            const SynthCrop crop = kind < 0.42   ? SynthCrop::Corn
                                   : kind < 0.68 ? SynthCrop::Soybean
                                   : kind < 0.87 ? SynthCrop::WinterWheat
                                                 : SynthCrop::Alfalfa;
            material = cropMaterial(crop, sowingShift);
            scene.crops[i] = uint8_t(crop);
          }
        }
      }
      scene.material[i] = material;
      if (snowRow[x] > snowAbove && material != kWater && material != kUrban) scene.snow[i] = 1;
      // Texture: smooth noise plus a per-pixel grain (strong in town: roofs, roads, gardens).
      const double smooth = std::clamp((textureRow[x] - 0.5) * 4.0, -1.0, 1.0);
      const double grain = unitOf(splitmix64(grainSeed ^ i)) - 0.5;
      const double relative = amplitude * smooth + (material == kUrban ? 0.3 : 0.04) * grain;
      scene.gain[i] = uint16_t(std::clamp(1024.0 * (1 + relative) + parcelGain, 600.0, 1500.0));
    }
  }
  return scene;
}

// ------------------------------------------------------------------------------------------
// The acquisition plan: what each date looks like, decided before any pixel is drawn.

struct DatePlan {
  HlsSensor sensor = HlsSensor::L30;
  QDateTime acquired;
  int dayIndex = 0;        // days since 1 January of the first year
  double seasonDay = 0;    // day of year, shifted half a year in the south
  double cloudCover = 0;   // target fraction of the area under cloud
  int shadowDx = 0;        // cloud shadow displacement, pixels
  int shadowDy = 0;
  bool swathEdge = false;  // Landsat: no data beyond a diagonal orbit edge
  bool fillEast = true;
  double edgeX = 0;        // the edge's column at mid-height; it leans with the orbit
  bool postFire = false;
  int daysSinceFire = -1;
  bool snow = false;
  uint64_t seed = 0;
  std::string granuleId;
};

struct Plan {
  std::vector<DatePlan> dates;
  int fireIndex = 0;  // the first date that shows the burn scar
  QDate fireDate;
};

Plan planDates(const HlsSynthOptions& options, const MgrsTile& tile, uint64_t seed) {
  Random random(mixSeed(seed, "dates"));
  const int count = options.dates;
  // About a date every 2.4 days at most (HLS's combined revisit); beyond that, more years.
  const int years = (count + 149) / 150;
  const double span = 365.0 * years;
  const QDate firstDay(options.year, 1, 1);
  Plan plan;
  plan.dates.resize(count);
  for (int i = 0; i < count; ++i) {
    DatePlan& date = plan.dates[i];
    date.seed = mixSeed(seed, uint64_t(1000 + i));
    const double jitter = random.uniform(-0.25, 0.25);  // keeps days strictly increasing
    date.dayIndex = int(std::floor((i + 0.5 + jitter) * span / count));
    const QDate day = firstDay.addDays(date.dayIndex);
    date.seasonDay = day.dayOfYear() + (tile.north() ? 0 : 182);
    date.sensor = random.uniform() < 0.5 ? HlsSensor::L30 : HlsSensor::S30;
    date.cloudCover = random.uniform() < 0.3 ? 0.0 : random.uniform(0.03, 0.6);
    // Shadows fall away from the morning sun: north-west in the north, south-west in the south.
    const double shadowLength = std::min(options.size * 0.12, random.uniform(20, 60) * 30 / options.resolution);
    const double angle = (tile.north() ? 225.0 : 135.0) + random.uniform(-20, 20);
    date.shadowDx = int(std::lround(shadowLength * std::cos(angle * std::numbers::pi / 180)));
    date.shadowDy = int(std::lround(shadowLength * std::sin(angle * std::numbers::pi / 180)));
    date.swathEdge = date.sensor == HlsSensor::L30 && random.uniform() < 0.4;
    date.fillEast = random.uniform() < 0.5;
    date.edgeX = options.size * (date.fillEast ? random.uniform(0.6, 0.9) : random.uniform(0.1, 0.4));
    // Local overpass about 10:15 (Landsat) and 10:35 (Sentinel-2) at the zone's central meridian.
    const int localSeconds = (date.sensor == HlsSensor::L30 ? 36900 : 38100) + random.below(50);
    const qint64 utcSeconds = localSeconds - qint64(std::lround(tile.centralMeridian() * 240));
    date.acquired = QDateTime(day, QTime(0, 0), Qt::UTC).addSecs(utcSeconds);
    const double dayOfYear = std::fmod(date.seasonDay - 1, 365.0) + 1;
    date.snow = dayOfYear <= 50 || dayOfYear >= 340;
  }
  // Both sensors whenever there are two dates or more.
  if (count >= 2) {
    const bool allSame = std::all_of(plan.dates.begin(), plan.dates.end(),
                                     [&](const DatePlan& d) { return d.sensor == plan.dates[0].sensor; });
    if (allSame) {
      DatePlan& flipped = plan.dates[count / 2];
      flipped.sensor = flipped.sensor == HlsSensor::L30 ? HlsSensor::S30 : HlsSensor::L30;
      flipped.swathEdge = false;
      const int seconds = flipped.sensor == HlsSensor::L30 ? -1200 : 1200;
      flipped.acquired = flipped.acquired.addSecs(seconds);
    }
  }
  // Some clear dates and some cloudy ones whenever the series is long enough to show both.
  if (count >= 3) {
    auto byCover = [](const DatePlan& a, const DatePlan& b) { return a.cloudCover < b.cloudCover; };
    auto least = std::min_element(plan.dates.begin(), plan.dates.end(), byCover);
    if (least->cloudCover > 0) least->cloudCover = 0;
    auto most = std::max_element(plan.dates.begin(), plan.dates.end(), byCover);
    if (most->cloudCover < 0.2) most->cloudCover = 0.35;
  }
  // The fire burns between the middle date and the one before it.
  plan.fireIndex = count / 2;
  const int next = plan.dates[plan.fireIndex].dayIndex;
  const int previous = plan.fireIndex > 0 ? plan.dates[plan.fireIndex - 1].dayIndex : next - 6;
  const int fireDay = next - std::max(1, (next - previous) / 2);
  plan.fireDate = firstDay.addDays(fireDay);
  for (int i = 0; i < count; ++i) {
    DatePlan& date = plan.dates[i];
    date.postFire = i >= plan.fireIndex;
    date.daysSinceFire = date.postFire ? date.dayIndex - fireDay : -1;
    HlsFileName name;
    name.sensor = date.sensor;
    name.tile = tile.id();
    name.acquired = date.acquired;
    name.version = "2.0";
    date.granuleId = name.granuleId();
  }
  return plan;
}

// ------------------------------------------------------------------------------------------
// One date's pixels.

struct DateImage {
  std::array<std::vector<int16_t>, kBands> bands;
  std::vector<uint8_t> fmask;
  double cloudPercent = 0;
  double fillPercent = 0;
};

// Square dilation by `radius`: out = 1 where any input pixel within the (2r+1)^2 window is set.
// Two running-count passes, linear in the area whatever the radius.
void dilate(const std::vector<uint8_t>& in, std::vector<uint8_t>& out, std::vector<uint8_t>& across,
            std::vector<int>& columnCounts, int size, int radius) {
  for (int y = 0; y < size; ++y) {
    const uint8_t* row = &in[size_t(y) * size];
    uint8_t* target = &across[size_t(y) * size];
    int count = 0;
    for (int x = 0; x <= std::min(radius, size - 1); ++x) count += row[x];
    for (int x = 0; x < size; ++x) {
      target[x] = count > 0;
      if (x + radius + 1 < size) count += row[x + radius + 1];
      if (x - radius >= 0) count -= row[x - radius];
    }
  }
  columnCounts.assign(size, 0);
  for (int y = 0; y <= std::min(radius, size - 1); ++y)
    for (int x = 0; x < size; ++x) columnCounts[x] += across[size_t(y) * size + x];
  for (int y = 0; y < size; ++y) {
    uint8_t* target = &out[size_t(y) * size];
    for (int x = 0; x < size; ++x) target[x] = columnCounts[x] > 0;
    if (y + radius + 1 < size)
      for (int x = 0; x < size; ++x) columnCounts[x] += across[size_t(y + radius + 1) * size + x];
    if (y - radius >= 0)
      for (int x = 0; x < size; ++x) columnCounts[x] -= across[size_t(y - radius) * size + x];
  }
}

class DateRenderer {
 public:
  DateRenderer(const Scene& scene, uint64_t seed)
      : mScene(scene),
        mSize(scene.size),
        mCloudEdges(Fbm(mixSeed(seed, "cloud edges"), 5, 2), scene.size, scene.size, 2) {
    const size_t count = size_t(mSize) * mSize;
    for (auto& band : mImage.bands) band.resize(count);
    mImage.fmask.resize(count);
    mCloud.resize(count);
    mObscured.resize(count);
    mNear.resize(count);
    mScratch.resize(count);
  }

  const DateImage& render(const DatePlan& date, const Feedback* feedback) {
    drawClouds(date);
    throwIfCanceled(feedback);
    flagNeighbourhood(date);
    throwIfCanceled(feedback);
    drawSurface(date);
    return mImage;
  }

 private:
  // Cloud opacity 0..255 from fbm blobs thresholded to the date's target cover.
  void drawClouds(const DatePlan& date) {
    std::fill(mCloud.begin(), mCloud.end(), 0);
    if (date.cloudCover <= 0) return;
    const double wavelength = std::clamp(mSize / 3.0, 24.0, 700.0);
    SmoothField cloudiness(Fbm(mixSeed(date.seed, "clouds"), wavelength, 5), mSize, mSize, std::max(1, mSize / 320));
    const float threshold = cloudiness.quantile(1 - date.cloudCover);
    Random offsets(mixSeed(date.seed, "cloud edge offset"));
    const int edgeDx = offsets.below(mSize), edgeDy = offsets.below(mSize);
    std::vector<float> fieldRow(mSize), edgeRow(mSize);
    for (int y = 0; y < mSize; ++y) {
      cloudiness.row(y, mSize, fieldRow.data());
      mCloudEdges.row((y + edgeDy) % mSize, mSize, edgeRow.data());
      uint8_t* out = &mCloud[size_t(y) * mSize];
      for (int x = 0; x < mSize; ++x) {
        const float edge = edgeRow[(x + edgeDx) % mSize] - 0.5f;
        const float opacity = (fieldRow[x] + 0.05f * edge - threshold) * 20.0f;  // 0.05 of fbm: soft rim
        out[x] = uint8_t(std::clamp(opacity, 0.0f, 1.0f) * 255.0f);
      }
    }
  }

  // Cloud or shadow, and the 5-pixel ring around them that HLS flags as adjacent.
  void flagNeighbourhood(const DatePlan& date) {
    if (date.cloudCover <= 0) {
      std::fill(mNear.begin(), mNear.end(), 0);
      return;
    }
    for (int y = 0; y < mSize; ++y)
      for (int x = 0; x < mSize; ++x) {
        const size_t i = size_t(y) * mSize + x;
        mObscured[i] = mCloud[i] > 0 || shadowAt(date, x, y) > 0;
      }
    dilate(mObscured, mNear, mScratch, mColumnCounts, mSize, 5);
  }

  // Opacity of the cloud that shades (x, y): the cloud field displaced along the shadow.
  uint8_t shadowAt(const DatePlan& date, int x, int y) const {
    const int cx = x - date.shadowDx, cy = y - date.shadowDy;
    if (cx < 0 || cy < 0 || cx >= mSize || cy >= mSize) return 0;
    return mCloud[size_t(cy) * mSize + cx];
  }

  void drawSurface(const DatePlan& date) {
    const SpectrumTable table = spectraOn(date.seasonDay, date.daysSinceFire, date.sensor);
    constexpr uint8_t kClearBase = 1 << fmask::kAerosolShift;  // aerosol level low
    const double edgeLean = -0.21;  // tan(12 deg): Landsat's descending track runs NNE to SSW
    int64_t valid = 0;
    for (int y = 0; y < mSize; ++y) {
      const double edgeX = date.edgeX + edgeLean * (y - mSize / 2.0);
      for (int x = 0; x < mSize; ++x) {
        const size_t i = size_t(y) * mSize + x;
        if (date.swathEdge && (date.fillEast ? x > edgeX : x < edgeX)) {
          for (auto& band : mImage.bands) band[i] = kHlsFill;
          mImage.fmask[i] = kFmaskFill;
          continue;
        }
        ++valid;
        int material = mScene.material[i];
        if (date.postFire && mScene.burned[i]) material = kBurned;
        if (date.snow && mScene.snow[i]) material = kSnow;
        const int32_t* spectrum = table[material].data();
        const int32_t gain = mScene.gain[i];
        const uint64_t noise = splitmix64(date.seed ^ (uint64_t(i) * 0x2545F4914F6CDD1Dull));
        const int32_t cloud = mCloud[i];
        const int32_t cloudWeight = cloud + (cloud >> 7);  // 0..256
        const int32_t shade = cloud ? 0 : shadowAt(date, x, y);
        const int32_t keep = 256 - std::min(166, shade * 2);  // a full shadow keeps 35 %
        for (int band = 0; band < kBands; ++band) {
          int32_t value = (spectrum[band] * gain) >> 10;
          const int32_t jitter = int32_t((noise >> (band * 10)) & 1023) - 512;  // +-1.5 % + 12
          value += (jitter * (value / 64 + 12)) >> 9;
          value = (value * keep) >> 8;
          value = (value * (256 - cloudWeight) + kCloudTop[band] * cloudWeight) >> 8;
          mImage.bands[band][i] = int16_t(std::clamp(value, 1, 16000));
        }
        uint8_t bits = kClearBase;
        if (cloud) bits |= fmask::kCloud;
        else if (shade) bits |= fmask::kShadow;
        else if (mNear[i]) bits |= fmask::kAdjacent;
        if (material == kSnow && !cloud) bits |= fmask::kSnowIce;
        if (mScene.water[i] && !cloud && !shade) bits |= fmask::kWater;
        mImage.fmask[i] = bits;
      }
    }
    const CloudCover cover = cloudCoverOf(mImage.fmask.data(), int64_t(mImage.fmask.size()));
    mImage.cloudPercent = valid ? cover.cloudPercent() : 0;
    mImage.fillPercent = 100.0 * double(int64_t(mImage.fmask.size()) - valid) / double(mImage.fmask.size());
  }

  const Scene& mScene;
  int mSize;
  SmoothField mCloudEdges;  // fine noise that roughens cloud rims, shifted per date
  DateImage mImage;
  std::vector<uint8_t> mCloud;
  std::vector<uint8_t> mObscured;
  std::vector<uint8_t> mNear;
  std::vector<uint8_t> mScratch;
  std::vector<int> mColumnCounts;
};

// ------------------------------------------------------------------------------------------
// Files.

// Files written under a temporary name beside their final one; commit() renames them all,
// otherwise the destructor removes them, so a failed or canceled run leaves no partial file
// under a real name.
class PendingFiles {
 public:
  PendingFiles() = default;
  PendingFiles(const PendingFiles&) = delete;
  PendingFiles& operator=(const PendingFiles&) = delete;
  ~PendingFiles() {
    std::error_code ignored;
    for (const auto& file : mFiles) {
      fs::remove(file.first, ignored);
      fs::remove(file.first + ".ovr.tmp", ignored);  // the COG driver's overview scratch file
    }
  }

  // The temporary path to write `finalPath` under (hidden, and not an HLS name).
  std::string add(const std::string& finalPath) {
    const fs::path target(finalPath);
    const fs::path temporary = target.parent_path() / ("." + target.filename().string() + ".part");
    mFiles.emplace_back(temporary.string(), finalPath);
    return temporary.string();
  }

  void commit() {
    for (const auto& [temporary, final] : mFiles) {
      std::error_code error;
      fs::rename(temporary, final, error);
      if (error) throwIo("cannot rename " + temporary + " to " + final + ": " + error.message());
    }
    mFiles.clear();
  }

 private:
  std::vector<std::pair<std::string, std::string>> mFiles;
};

constexpr int kCogBlockSize = 256;

struct Grid {
  int size = 0;
  GeoTransform transform;
  OGRSpatialReference crs;
};

struct BandFile {
  std::string description;
  std::optional<double> nodata;
  double scale = 1;
  std::vector<std::pair<std::string, std::string>> metadata;
};

int CPL_STDCALL continueUnlessCanceled(double, const char*, void* feedback) {
  return !isCanceled(static_cast<const Feedback*>(feedback));
}

// How a raster goes to disk: a driver, its creation options, and for COGs the overview
// resampling (the overviews are built in memory first: the COG driver then reuses them
// instead of computing them through a compressed temporary file, about twice as fast).
struct RasterFormat {
  const char* driver = "GTiff";
  CPLStringList options;
  const char* overviewResampling = nullptr;
};

RasterFormat cogFormat(const char* overviewResampling) {
  RasterFormat format;
  format.driver = "COG";
  format.options.SetNameValue("COMPRESS", "DEFLATE");
  format.options.SetNameValue("PREDICTOR", "2");
  format.options.SetNameValue("BLOCKSIZE", std::to_string(kCogBlockSize).c_str());
  format.options.SetNameValue("OVERVIEWS", "AUTO");  // AUTO uses the source's overviews
  format.options.SetNameValue("RESAMPLING", overviewResampling);
  // The noisy reflectance compresses no better at higher levels; level 1 is 1.5x faster.
  format.options.SetNameValue("LEVEL", "1");
  format.overviewResampling = overviewResampling;
  return format;
}

RasterFormat geoTiffFormat() {
  RasterFormat format;
  format.options.SetNameValue("COMPRESS", "DEFLATE");
  format.options.SetNameValue("TILED", "YES");
  return format;
}

// The overview factors the COG driver would choose: halve until one block holds the image.
std::vector<int> cogOverviewFactors(int size) {
  std::vector<int> factors;
  for (int factor = 2, level = size; level > kCogBlockSize; factor *= 2) {
    factors.push_back(factor);
    level = (size + factor - 1) / factor;
  }
  return factors;
}

// Builds a one-band MEM dataset and copies it to `path` in `format`.
void writeRaster(const std::string& path, const RasterFormat& format, GDALDataType type, const void* pixels,
                 const Grid& grid, const BandFile& band, const Feedback* feedback) {
  GdalErrorCapture errors;
  GDALDriver* memory = GetGDALDriverManager()->GetDriverByName("MEM");
  GDALDriver* driver = GetGDALDriverManager()->GetDriverByName(format.driver);
  if (!memory || !driver) throwIo(std::string("this GDAL lacks the ") + (memory ? format.driver : "MEM") + " driver");
  using Dataset = std::unique_ptr<GDALDataset, decltype(&GDALClose)>;
  Dataset source(memory->Create("", grid.size, grid.size, 1, type, nullptr), &GDALClose);
  if (!source) throwIo("cannot allocate an in-memory raster: " + errors.message());
  std::array<double, 6> transform = grid.transform.coefficients();
  source->SetGeoTransform(transform.data());
  source->SetSpatialRef(&grid.crs);
  for (const auto& [key, value] : band.metadata) source->SetMetadataItem(key.c_str(), value.c_str());
  GDALRasterBand* target = source->GetRasterBand(1);
  if (target->RasterIO(GF_Write, 0, 0, grid.size, grid.size, const_cast<void*>(pixels), grid.size, grid.size, type, 0,
                       0, nullptr) != CE_None)
    throwIo("cannot fill an in-memory raster: " + errors.message());
  target->SetDescription(band.description.c_str());
  if (band.nodata) target->SetNoDataValue(*band.nodata);
  if (band.scale != 1) {
    target->SetScale(band.scale);
    target->SetOffset(0);
  }
  if (format.overviewResampling) {
    std::vector<int> factors = cogOverviewFactors(grid.size);
    if (!factors.empty() && source->BuildOverviews(format.overviewResampling, int(factors.size()), factors.data(), 0,
                                                   nullptr, nullptr, nullptr) != CE_None)
      throwIo("cannot build overviews for " + path + ": " + errors.message());
  }
  Dataset written(driver->CreateCopy(path.c_str(), source.get(), FALSE, format.options.List(), continueUnlessCanceled,
                                     const_cast<Feedback*>(feedback)),
                  &GDALClose);
  if (written) written->FlushCache();
  const bool ok = written && errors.errors().empty();
  written.reset();  // closes the file
  throwIfCanceled(feedback);
  if (!ok) throwIo("cannot write " + path + ": " + errors.message());
}

std::string percentText(double percent) { return std::to_string(int(std::lround(percent))); }

void writeGranule(const DatePlan& date, const DateImage& image, const MgrsTile& tile, const Grid& grid,
                  const fs::path& outDir, uint64_t userSeed, HlsSynthResult& result, const Feedback* feedback) {
  const std::vector<std::pair<std::string, std::string>> metadata = {
      {"MGRS_TILE_ID", tile.id()},
      {"SENSING_TIME", date.acquired.toString(Qt::ISODate).toStdString()},
      {"SENSOR", date.sensor == HlsSensor::L30 ? "OLI_TIRS" : "MSI"},
      {"HORIZONTAL_CS_CODE", "EPSG:" + std::to_string(tile.epsg())},
      {"cloud_coverage", percentText(image.cloudPercent)},
      {"spatial_coverage", percentText(100 - image.fillPercent)},
      {"SYNTHETIC", "Prithvi Studio synthetic HLS, seed " + std::to_string(userSeed)},
  };
  HlsFileName name;
  name.sensor = date.sensor;
  name.tile = tile.id();
  name.acquired = date.acquired;
  name.version = "2.0";

  // Fmask bits must not be averaged; reflectance overviews average the valid pixels.
  const RasterFormat reflectanceFormat = cogFormat("AVERAGE");
  const RasterFormat fmaskFormat = cogFormat("NEAREST");
  PendingFiles pending;
  std::vector<std::string> finals;
  for (int band = 0; band <= kBands; ++band) {
    const bool isFmask = band == kBands;
    const BandRole role = isFmask ? BandRole::Fmask : kPrithviBands[band];
    name.band = hlsBandCode(date.sensor, role);
    const std::string finalPath = (outDir / name.fileName()).string();
    BandFile file;
    file.description = bandRoleName(role);
    file.metadata = metadata;
    if (isFmask) {
      file.nodata = kFmaskFill;
      writeRaster(pending.add(finalPath), fmaskFormat, GDT_Byte, image.fmask.data(), grid, file, feedback);
    } else {
      file.nodata = kHlsFill;
      file.scale = kHlsReflectanceScale;
      writeRaster(pending.add(finalPath), reflectanceFormat, GDT_Int16, image.bands[band].data(), grid, file,
                  feedback);
    }
    finals.push_back(finalPath);
  }
  pending.commit();
  result.files.insert(result.files.end(), finals.begin(), finals.end());
}

void writeTruthMasks(const Scene& scene, const MgrsTile& tile, const Grid& grid, const fs::path& truthDir,
                     const Feedback* feedback) {
  const std::string prefix = "T" + tile.id();
  const std::pair<const char*, const std::vector<uint8_t>*> masks[] = {
      {"water", &scene.water}, {"burn_scar", &scene.burned}, {"crops", &scene.crops}};
  PendingFiles pending;
  for (const auto& [kind, pixels] : masks) {
    BandFile file;
    file.description = kind;
    file.metadata = {{"MGRS_TILE_ID", tile.id()}, {kTruthMaskMetadataKey, kind}};
    writeRaster(pending.add((truthDir / (prefix + "." + kind + ".tif")).string()), geoTiffFormat(), GDT_Byte,
                pixels->data(), grid, file, feedback);
  }
  pending.commit();
}

QJsonObject valueNames(std::initializer_list<std::pair<int, const char*>> names) {
  QJsonObject object;
  for (const auto& [value, name] : names) object.insert(QString::number(value), name);
  return object;
}

void writeTruthJson(const fs::path& path, const HlsSynthOptions& options, const MgrsTile& tile, const Grid& grid,
                    const Plan& plan, const std::vector<double>& cloudPercents,
                    const std::vector<double>& fillPercents) {
  const std::string prefix = "T" + tile.id();
  QJsonObject masks;
  auto mask = [&](const char* kind, QJsonObject values) {
    QJsonObject entry;
    entry.insert("file", QString::fromStdString(prefix + "." + kind + ".tif"));
    entry.insert("values", values);
    masks.insert(kind, entry);
  };
  mask("water", valueNames({{0, "not water"}, {1, "water"}}));
  mask("burn_scar", valueNames({{0, "not burned"}, {1, "burned"}}));
  QJsonObject cropValues{{"0", "not crop"}};
  for (int crop = 1; crop <= kSynthCropCount; ++crop)
    cropValues.insert(QString::number(crop), synthCropName(SynthCrop(crop)));
  mask("crops", cropValues);

  QJsonArray granules;
  for (size_t i = 0; i < plan.dates.size() && i < cloudPercents.size(); ++i) {
    const DatePlan& date = plan.dates[i];
    granules.append(QJsonObject{
        {"id", QString::fromStdString(date.granuleId)},
        {"sensor", hlsSensorName(date.sensor)},
        {"acquired", date.acquired.toString(Qt::ISODate)},
        {"cloud_percent", std::round(cloudPercents[i] * 100) / 100},
        {"fill_percent", std::round(fillPercents[i] * 100) / 100},
        {"burn_scar_visible", date.postFire},
        {"snow", date.snow},
    });
  }
  const auto& t = grid.transform.coefficients();
  QJsonObject root{
      {"generator", "Prithvi Studio synthetic HLS v2.0"},
      {"tile", QString::fromStdString(tile.id())},
      {"epsg", tile.epsg()},
      {"width", grid.size},
      {"height", grid.size},
      {"geotransform", QJsonArray{t[0], t[1], t[2], t[3], t[4], t[5]}},
      {"seed", QString::number(options.seed)},  // a string: JSON numbers lose 64-bit integers
      {"year", options.year},
      {"masks", masks},
      {"fire", QJsonObject{{"date", plan.fireDate.toString(Qt::ISODate)},
                           {"first_burned_granule", QString::fromStdString(plan.dates[plan.fireIndex].granuleId)}}},
      {"granules", granules},
  };
  writeFileAtomically(path.string(), QJsonDocument(root).toJson().toStdString());
}

// ------------------------------------------------------------------------------------------

void validate(const HlsSynthOptions& options) {
  if (options.dates < 1 || options.dates > 1000)
    throwUsage("the number of dates must be 1..1000, not " + std::to_string(options.dates));
  const double resolutions[] = {10, 20, 30, 60};
  if (std::find(std::begin(resolutions), std::end(resolutions), options.resolution) == std::end(resolutions))
    throwUsage("the resolution must be 10, 20, 30 or 60 m (HLS is 30), not " + std::to_string(options.resolution));
  const int tilePixels = int(std::lround(MgrsTile::kTileSize / options.resolution));
  const int largest = std::min(3660, tilePixels);
  if (options.size < 16 || options.size > largest)
    throwUsage("the size must be 16.." + std::to_string(largest) + " pixels, not " + std::to_string(options.size));
  if (options.year < 1970 || options.year > 2200)
    throwUsage("the year must be 1970..2200, not " + std::to_string(options.year));
  if (options.outDir.empty()) throwUsage("choose an output folder for the synthetic tile");
}

fs::path prepareFolder(const std::string& folder) {
  std::error_code error;
  fs::create_directories(folder, error);
  if (error) throwUsage("cannot create the output folder " + folder + ": " + error.message());
  if (!fs::is_directory(folder)) throwUsage("the output folder " + folder + " is not a folder");
  const fs::path probe = fs::path(folder) / ".prithvi-synth-write-test";
  { std::ofstream(probe) << "probe"; }
  if (!fs::exists(probe, error)) throwUsage("the output folder " + folder + " is not writable");
  fs::remove(probe, error);
  return fs::path(folder);
}

}  // namespace

HlsSynthResult synthesizeHlsTile(const HlsSynthOptions& options, Feedback* feedback) {
  validate(options);
  const MgrsTile tile = MgrsTile::parse(options.tile);
  const fs::path outDir = prepareFolder(options.outDir);
  const fs::path truthDir = prepareFolder((outDir / "truth").string());
  ensureGdalRegistered();

  // Each tile gets its own scene for one user seed.
  const uint64_t seed = mixSeed(mixSeed(options.seed, "prithvi synth hls"), tile.id().c_str());
  Grid grid;
  grid.size = options.size;
  grid.transform = tile.sentinel2Grid(options.resolution);
  if (grid.crs.importFromEPSG(tile.epsg()) != OGRERR_NONE)
    throwIo("cannot load EPSG:" + std::to_string(tile.epsg()) + " from the PROJ database");

  const int64_t totalSteps = options.dates + 1;
  reportProgress(feedback, 0, totalSteps, "drawing the land-cover map of T" + tile.id());
  const Plan plan = planDates(options, tile, seed);
  const Scene scene = buildScene(seed, options.size, options.resolution);
  throwIfCanceled(feedback);
  writeTruthMasks(scene, tile, grid, truthDir, feedback);

  HlsSynthResult result;
  result.truthDir = truthDir.string();
  std::vector<double> cloudPercents, fillPercents;
  DateRenderer renderer(scene, seed);
  for (int i = 0; i < options.dates; ++i) {
    const DatePlan& date = plan.dates[i];
    reportProgress(feedback, i + 1, totalSteps, date.granuleId);
    const DateImage& image = renderer.render(date, feedback);
    throwIfCanceled(feedback);
    writeGranule(date, image, tile, grid, outDir, options.seed, result, feedback);
    result.granuleIds.push_back(date.granuleId);
    cloudPercents.push_back(image.cloudPercent);
    fillPercents.push_back(image.fillPercent);
  }
  writeTruthJson(truthDir / ("T" + tile.id() + ".truth.json"), options, tile, grid, plan, cloudPercents, fillPercents);
  reportProgress(feedback, totalSteps, totalSteps, "done");
  return result;
}

}  // namespace prithvi
