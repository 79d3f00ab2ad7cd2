#pragma once
// Comparing two scenes on one pixel lattice (a model's output and its input, a filled image and
// held-out truth, two runs): where they overlap, how far apart filled images are (SSIM, PSNR,
// MAE), and difference maps written as COGs on the overlap's grid. Scenes may cover different
// windows of the lattice (a result of a drawn area against the whole scene); different CRSs or
// pixel grids are refused with a message saying to warp one first.

#include <optional>
#include <string>

#include "core/metrics/ImageMetrics.h"
#include "core/raster/RasterSource.h"
#include "core/scene/Scene.h"

namespace prithvi {

class Feedback;

// The common pixels of two scenes: the same area as a window of each.
struct SceneOverlap {
  Window first;
  Window second;
  GeoTransform transform;  // of the overlap's top-left pixel
};
// Error(BadInput) when the scenes are in different CRSs, not on one pixel lattice, or do not
// overlap.
SceneOverlap overlapOf(const Scene& first, const Scene& second);

// SSIM, PSNR and MAE of `predicted` against `truth` over the six Prithvi bands in reflectance,
// on the pixels both have. With `mask` (the clouded input a filled image was made from), only
// the pixels its Fmask flags as cloud or cloud shadow count: the ones the model had to invent.
ImageMetrics compareImageScenes(const Scene& predicted, const Scene& truth, const std::optional<Scene>& mask = {},
                                Feedback* feedback = nullptr);

// A difference map of two scenes on their overlap, written atomically as a COG:
//  - two class maps (one band each): Byte, 0 = same class, 1 = different class, 255 = either
//    has no class; with a colour table and category names;
//  - two images with the six Prithvi bands: Float32 root-mean-square reflectance difference over
//    the bands, NaN where either has no data.
// Error(BadInput) for other pairs.
enum class DifferenceKind { Classes, Reflectance };
struct DifferenceResult {
  std::string path;
  DifferenceKind kind = DifferenceKind::Classes;
  int64_t comparedPixels = 0;
  int64_t differentPixels = 0;  // Classes: pixels whose class differs
  double meanDifference = 0;    // Reflectance: mean RMS difference
};
DifferenceResult writeDifference(const Scene& first, const Scene& second, const std::string& outPath,
                                 Feedback* feedback = nullptr);

// True for a one-band scene whose band has a colour table (a class map).
bool isClassMap(const Scene& scene);

}  // namespace prithvi
