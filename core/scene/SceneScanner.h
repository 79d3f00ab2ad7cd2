#pragma once
// Turns files and folders into scenes: HLS v2 granules (per-band files grouped by granule id),
// Landsat Collection products (per-band files grouped by product id) and plain multi-band
// rasters. Every file that does not become part of a scene is reported with the reason.

#include <map>
#include <string>
#include <vector>

#include "core/scene/Scene.h"

namespace prithvi {

class Feedback;

struct SkippedFile {
  std::string path;
  std::string reason;
  // The file should have been read but could not be (missing, truncated, corrupt, or a band of a
  // granule that had such a file); false for files that are rightly not imagery (sidecars, masks).
  bool failed = false;
};

struct ScanResult {
  std::vector<Scene> scenes;
  std::vector<SkippedFile> skipped;
  std::vector<std::string> warnings;  // scenes imported with something to know (assumed band roles)
};

struct ScanOptions {
  bool recursive = true;
  // Band roles for plain rasters, in band order ("Blue,Green,Red,NIR,SWIR1,SWIR2"); empty: infer.
  std::vector<BandRole> bandRoles;
  bool computeCloudCover = true;
  // Take truth and label masks (PRITHVI_TRUTH_MASK) as one-band scenes too: comparisons and map
  // layers want them; imports of imagery skip them.
  bool includeTruthMasks = false;
  // Read a file whose name starts like an HLS band file but is not one ("HLS.S30…v2.0-flood.tif",
  // a result named after its input) as a plain raster instead of skipping it.
  bool plainWhenNotHls = false;
};

// Scans `paths`: files, folders, or granules named by their id in their folder
// ("DIR/HLS.L30.T13REN.2021150T173909.v2.0"). Throws Error(Canceled) when `feedback` is canceled.
ScanResult scanForScenes(const std::vector<std::string>& paths, const ScanOptions& options = {},
                         Feedback* feedback = nullptr);

// One raster file as a scene (a model result, a mask, a plain image; truth masks included), for
// layers and comparisons that take a file rather than a project's scene. Error(BadInput) when
// the file is not a raster this program reads.
Scene sceneOfFile(const std::string& path);

// Parses "Blue,Green,Red,NIR,SWIR1,SWIR2" (Other for "-" or "other"); throws Error(Usage).
std::vector<BandRole> parseBandRoles(const std::string& text);

}  // namespace prithvi
