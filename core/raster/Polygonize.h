#pragma once
// Class rasters to polygons: the one place the project polygonises (GDALPolygonize). Label
// exports feed it their composed label raster, `prithvi export polygons` a class map file.

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include <ogr_core.h>

class GDALDataset;
class GDALRasterBand;
class OGRFeature;
class OGRGeometry;
class OGRLayer;

namespace prithvi {

class Feedback;
struct GdalProgress;

// Receives one region: a polygon (holes kept) in the band's georeferenced coordinates, and the
// value all its pixels share.
using ClassRegionSink = std::function<void(const OGRGeometry& polygon, int classValue)>;

// Hands every 4-connected region of equal value of `band` to `sink`, pixel-edged, in the
// geotransform of the band's dataset. Pixels the band's mask leaves out (nodata) form no
// region. `progress` says which steps of a larger job GDAL's progress maps to (may be null).
// simplifyPixels > 0: each polygon is simplified (Douglas-Peucker that keeps it valid, GEOS through
// OGR) with that tolerance in pixels; neighbours are simplified independently, so slivers up to
// the tolerance can open between them.
// Error(Canceled) when the feedback is canceled, Error(Io) when GDAL fails.
void polygonizeBand(GDALRasterBand& band, const ClassRegionSink& sink, GdalProgress* progress = nullptr,
                    double simplifyPixels = 0);

// A new GeoPackage that appears complete or not at all: built under a temporary name beside
// `path` inside one transaction, moved into place by publish(); dropped unpublished (an error,
// a cancel) it leaves nothing. Error(Io) names the file and GDAL's reason (a full disk).
class NewGeoPackage {
 public:
  explicit NewGeoPackage(const std::string& path);
  ~NewGeoPackage();
  NewGeoPackage(const NewGeoPackage&) = delete;
  NewGeoPackage& operator=(const NewGeoPackage&) = delete;

  // A polygon layer (fid, geom, spatial index) in `crs` (none when empty) with these fields.
  OGRLayer& addPolygonLayer(const std::string& name, const std::string& crs,
                            std::initializer_list<std::pair<const char*, OGRFieldType>> fields);
  void addFeature(OGRLayer& layer, OGRFeature& feature);
  // Commits, closes and moves the file to `path`.
  void publish();

 private:
  struct State;
  std::unique_ptr<State> mState;
};

struct ClassPolygonOptions {
  std::string layerName;  // empty: the raster's file name without its extension
  int band = 1;
  double simplifyPixels = 0;  // > 0: simplify with this tolerance in pixels (polygonizeBand)
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
