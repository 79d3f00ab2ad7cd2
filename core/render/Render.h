#pragma once
// Turning scene bands into display colours, in core (no QImage): band combinations, spectral
// indices, stretches, colour maps, Fmask overlays, and rendering one tile of a scene into a
// map grid that may use another CRS. Viewers wrap the ARGB bytes in a QImage.

#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/hls/Hls.h"
#include "core/raster/GeoTransform.h"

namespace prithvi {

class SceneReader;
struct ClassScheme;

// ---- statistics and stretches -------------------------------------------------------------

struct BandStatistics {
  int64_t count = 0;  // valid (non-NaN) values
  double min = 0, max = 0, mean = 0, stdDev = 0;
  double histogramMin = 0, histogramMax = 0;  // the histogram spans [min, max]
  std::vector<int64_t> histogram;             // equal-width bins
  // The value below which `percent` of the valid values lie (linear within a bin).
  double percentile(double percent) const;
};
// NaN marks invalid values.
BandStatistics computeStatistics(const float* values, size_t count, int bins = 256);

enum class StretchMode { MinMax, PercentClip, StdDev };
struct StretchParams {
  StretchMode mode = StretchMode::PercentClip;
  double lowPercent = 2, highPercent = 98;  // PercentClip
  double stdDevs = 2;                       // StdDev: mean +- stdDevs * sigma, clamped to [min, max]
};
struct ChannelStretch {
  double min = 0;
  double max = 1;
};
ChannelStretch stretchFor(const BandStatistics& statistics, const StretchParams& params);

// ---- indices and colour maps --------------------------------------------------------------

enum class SpectralIndex { NDVI, NDWI, MNDWI, NBR, EVI };
const char* spectralIndexName(SpectralIndex index);  // "NDVI", ...
std::optional<SpectralIndex> spectralIndexFromName(const std::string& name);
// The bands an index needs, in the order computeIndex takes them.
std::vector<BandRole> indexBands(SpectralIndex index);
// bands[i] are reflectances (scaled, not DN) of indexBands(index)[i]; NaN in -> NaN out, and
// NaN where the denominator is 0.
void computeIndex(SpectralIndex index, const std::vector<const float*>& bands, size_t count, float* out);

enum class ColorMapName { Gray, Viridis, Magma, RdYlGn, Blues, BrBG };
const char* colorMapName(ColorMapName map);
std::optional<ColorMapName> colorMapFromName(const std::string& name);
// 256 ARGB entries (0xAARRGGBB, alpha 255), interpolated from the map's control points.
const std::array<uint32_t, 256>& colorTable(ColorMapName map);

// ---- layer styles --------------------------------------------------------------------------

// One class of a class map (a model's segmentation, a label mask): its value, colour and name.
struct StyleClass {
  int value = 0;
  uint32_t argb = 0;  // 0xAARRGGBB
  std::string name;
};

struct LayerStyle {
  // Classes: a class map drawn with one colour per value (sampled by nearest neighbour, never
  // averaged), values without a class transparent.
  enum class Kind { Rgb, SingleBand, Index, Classes };
  Kind kind = Kind::Rgb;
  std::array<BandRole, 3> rgb = {BandRole::Red, BandRole::Green, BandRole::Blue};
  BandRole band = BandRole::NIR;           // SingleBand
  SpectralIndex index = SpectralIndex::NDVI;  // Index
  ColorMapName colorMap = ColorMapName::Gray;  // SingleBand and Index
  std::array<ChannelStretch, 3> stretch{};     // Rgb: R, G, B; otherwise [0]
  double gamma = 1.0;                          // applied after the stretch: out = t^(1/gamma)
  std::vector<StyleClass> classes;             // Classes, in legend order
  std::string scheme;  // Classes set from a class scheme (by the user): its name; else ""
  // The limits were set by hand (histogram handles, typed values): another date keeps them,
  // where a computed stretch is computed again for the new scene.
  bool customStretch = false;
  uint8_t fmaskOverlay = 0;  // Fmask bits (fmask::kCloud | ...) drawn over the image
  // The bands to read, in the order render() takes them.
  std::vector<BandRole> bandsToRead() const;
  bool needsFmask() const { return fmaskOverlay != 0; }
  // Rgb, SingleBand and Index stretch values to colours; Classes has no stretch.
  bool hasStretch() const { return kind != Kind::Classes; }
};

// The Classes style of a one-band class map that carries a colour table (our inference outputs
// and label masks, QGIS paletted rasters): the table's opaque entries, named by the band's
// category names where it has them. nullopt for scenes that are not class maps.
std::optional<LayerStyle> classStyleOf(const SceneReader& reader);

// The distinct values of a one-band integer raster without a colour table (a truth mask, a
// class map from another tool), read from a small overview, when there are at most `maxValues`
// of them (nodata left out); nullopt otherwise. Such a raster is offered as a class map.
std::optional<std::vector<int>> fewClassValues(const SceneReader& reader, int maxValues = 32);

// The Classes style a class scheme gives a one-band raster: its classes in their colours, plus
// a grey "class N" for each value in `present` the scheme does not name. `style.scheme` names it.
LayerStyle classStyleOfScheme(const ClassScheme& scheme, BandRole band, const std::vector<int>& present = {});

// Named band combinations, with stretches left at defaults (set them from statistics).
struct StylePreset {
  const char* name;  // "True colour", "Colour infrared", "SWIR", "Agriculture"
  std::array<BandRole, 3> rgb;
};
const std::vector<StylePreset>& stylePresets();

// Overlay colours for Fmask classes (semi-transparent), ARGB.
uint32_t fmaskOverlayColor(uint8_t bit);

// bands: float arrays of width*height following style.bandsToRead(), reflectance, NaN = invalid.
// fmask: optional byte array (nullptr when the style needs none or the scene has none).
// out: width*height ARGB (0xAARRGGBB, not premultiplied); invalid pixels get alpha 0.
void renderPixels(const LayerStyle& style, const std::vector<const float*>& bands, const uint8_t* fmask,
                  int width, int height, uint32_t* out);

// ---- rendering a tile of a scene into the map ----------------------------------------------

// The output grid: a north-up pixel grid in the map CRS.
struct MapGrid {
  GeoTransform transform;  // map CRS, north-up
  int width = 0;
  int height = 0;
  std::string crs;  // WKT or "EPSG:n"
};

struct TileRenderResult {
  std::vector<uint32_t> argb;  // grid.width * grid.height; empty when the tile misses the scene
  bool canceled = false;
  int overviewLevel = 0;       // the level read (0 = full resolution)
};

// Reads what the scene has under `grid` at the coarsest overview that still gives at least one
// source pixel per output pixel, reprojecting (nearest neighbour on an interpolated coordinate
// grid) when the scene's CRS differs from the map's, converts DN to reflectance with each band's
// scale/offset, makes nodata transparent and renders with `style`. Polls `cancel` between steps
// and returns canceled=true without finishing when it is set.
TileRenderResult renderSceneTile(const SceneReader& reader, const LayerStyle& style, const MapGrid& grid,
                                 const std::atomic<bool>* cancel = nullptr);

// Reads the bands of `style` for the whole scene at a reduced size (longest side <= maxSide)
// and returns one BandStatistics per band of bandsToRead() (or of the index for Kind::Index).
std::vector<BandStatistics> sceneStatistics(const SceneReader& reader, const LayerStyle& style, int maxSide = 512);
// The same over the part of the scene under `grid` only (the "current view").
std::vector<BandStatistics> viewStatistics(const SceneReader& reader, const LayerStyle& style, const MapGrid& grid);

}  // namespace prithvi
