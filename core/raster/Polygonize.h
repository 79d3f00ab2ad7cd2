#pragma once
// Class rasters to polygons: the one place the project polygonises (GDALPolygonize). Label
// exports feed it their composed label raster, `prithvi export polygons` a class map file.

#include <cstdint>
#include <functional>
#include <map>
#include <string>

class GDALRasterBand;
class OGRGeometry;

namespace prithvi {

class Feedback;
struct GdalProgress;

// Receives one region: a polygon (holes kept) in the band's georeferenced coordinates, and the
// value all its pixels share.
using ClassRegionSink = std::function<void(const OGRGeometry& polygon, int classValue)>;

// Hands every 4-connected region of equal value of `band` to `sink`, pixel-edged, in the
// geotransform of the band's dataset. Pixels the band's mask leaves out (nodata) form no
// region. `progress` says which steps of a larger job GDAL's progress maps to (may be null).
// Error(Canceled) when the feedback is canceled, Error(Io) when GDAL fails.
void polygonizeBand(GDALRasterBand& band, const ClassRegionSink& sink, GdalProgress* progress = nullptr);

struct ClassPolygonOptions {
  std::string layerName;  // empty: the raster's file name without its extension
  int band = 1;
};

struct ClassPolygonResult {
  std::string layerName;
  int64_t features = 0;
  std::map<int, int64_t> featuresPerClass;  // by class value
};

// Polygonises a class map (an integer band: model output, label mask, land cover map) into a
// NEW GeoPackage with one polygon layer in the raster's CRS and the fields class_value and
// class_name (the band's category name of the value, empty where it has none). The file
// appears complete or not at all. Error(Usage) when `gpkgPath` exists or its folder does not;
// Error(BadInput) for a raster without georeferencing, a band that does not exist, or
// floating-point values (not classes).
ClassPolygonResult polygonizeClassRaster(const std::string& rasterPath, const std::string& gpkgPath,
                                         const ClassPolygonOptions& options = {}, Feedback* feedback = nullptr);

}  // namespace prithvi
