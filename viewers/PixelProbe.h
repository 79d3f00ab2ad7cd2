#pragma once
// The values of every band of a layer under one map point: what the status bar and the
// identify panel show. Reads from disk, so call it off the GUI thread.

#include <optional>
#include <string>
#include <vector>

#include "core/hls/Hls.h"
#include "core/raster/GeoTransform.h"
#include "viewers/LayerStack.h"

namespace prithvi {

struct ProbedBand {
  std::string name;  // "B05"
  BandRole role = BandRole::Other;
  double raw = 0;
  double value = 0;  // raw * scale + offset
  bool valid = true;  // not nodata/fill
};

struct PixelProbe {
  int layerId = 0;
  std::string sceneId;
  bool inside = false;  // the point lies on the scene
  int pixelX = 0;
  int pixelY = 0;
  std::vector<ProbedBand> bands;
  std::optional<FmaskFlags> fmask;
};

// `point` is in `mapCrs`. Throws nothing: read failures give inside=false.
PixelProbe probePixel(const MapLayer& layer, const MapPoint& point, const std::string& mapCrs);

}  // namespace prithvi
