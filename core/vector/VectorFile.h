#pragma once
// Vector files a user adds to the map (GeoPackage, GeoJSON, Shapefile: what OGR reads), read
// once into the map's CRS: each feature's geometry for drawing and for "what is here", and its
// attributes for identify. Used as areas of interest for the model and for exports.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/raster/GeoTransform.h"

class OGRGeometry;

namespace prithvi {

struct VectorFeature {
  enum class Kind { Point, Line, Polygon };
  int64_t fid = 0;
  Kind kind = Kind::Polygon;
  // Polygons: every ring (outer and holes) of every part; lines: every part; points: one point each.
  std::vector<std::vector<MapPoint>> parts;
  std::vector<std::pair<std::string, std::string>> attributes;  // field name, value as text
  std::shared_ptr<OGRGeometry> geometry;                        // in the map CRS
};

struct VectorBounds {
  double minX = 0, minY = 0, maxX = 0, maxY = 0;
  bool isEmpty() const { return !(maxX > minX && maxY > minY); }
};

struct VectorData {
  std::string path;
  std::string layerName;
  std::vector<VectorFeature> features;
  VectorBounds bounds;        // of all features, in the map CRS
  int64_t skippedFeatures = 0;  // without a geometry, or one that cannot be placed in the map CRS
};

// The first layer with features (or `layer` by name) of a vector file, reprojected into `mapCrs`
// (WKT or "EPSG:n"). At most `maxFeatures`; Error(BadInput) for a file OGR cannot open, one
// without vector layers, a layer without a CRS, or more features than the cap.
VectorData readVectorFile(const std::string& path, const std::string& mapCrs, const std::string& layer = {},
                          int64_t maxFeatures = 200000);

// The layer's polygons as one GeoJSON geometry in longitude/latitude (their union; its convex
// hull when that has more than `maxVertices` points, as search APIs cap polygon sizes), for a
// search by area. Empty when the layer has no polygon. `mapCrs` is the CRS the data is in.
std::string polygonsAsLonLatGeoJson(const VectorData& data, const std::string& mapCrs, int maxVertices = 500);

// The features at `point`: polygons that contain it, lines and points within `tolerance` map units.
std::vector<const VectorFeature*> featuresAt(const VectorData& data, const MapPoint& point, double tolerance);

}  // namespace prithvi
