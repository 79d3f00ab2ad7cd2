#include "core/vector/VectorFile.h"

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cmath>

#include "core/base/Error.h"
#include "core/raster/Crs.h"
#include "core/raster/GdalErrors.h"

namespace prithvi {

namespace {

OGRSpatialReference spatialReference(const std::string& crs) {
  OGRSpatialReference reference;
  if (reference.SetFromUserInput(crs.c_str()) != OGRERR_NONE) throwBadInput("the map's CRS cannot be read: " + crs.substr(0, 80));
  reference.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  return reference;
}

void addRing(const OGRSimpleCurve& curve, std::vector<std::vector<MapPoint>>& parts) {
  std::vector<MapPoint> points;
  points.reserve(size_t(curve.getNumPoints()));
  for (int i = 0; i < curve.getNumPoints(); ++i) points.push_back({curve.getX(i), curve.getY(i)});
  if (!points.empty()) parts.push_back(std::move(points));
}

// Flattens a geometry (multi-geometries and collections included) into drawable parts.
void collectParts(const OGRGeometry& geometry, VectorFeature& feature) {
  switch (wkbFlatten(geometry.getGeometryType())) {
    case wkbPoint: {
      const auto& point = *geometry.toPoint();
      feature.kind = VectorFeature::Kind::Point;
      feature.parts.push_back({{point.getX(), point.getY()}});
      break;
    }
    case wkbLineString:
      feature.kind = VectorFeature::Kind::Line;
      addRing(*geometry.toLineString(), feature.parts);
      break;
    case wkbPolygon: {
      feature.kind = VectorFeature::Kind::Polygon;
      for (const OGRLinearRing* ring : *geometry.toPolygon()) addRing(*ring, feature.parts);
      break;
    }
    case wkbMultiPoint:
    case wkbMultiLineString:
    case wkbMultiPolygon:
    case wkbGeometryCollection:
      for (const OGRGeometry* part : *geometry.toGeometryCollection()) collectParts(*part, feature);
      break;
    default: {
      // Curves and surfaces: their linear approximation.
      std::unique_ptr<OGRGeometry> linear(geometry.getLinearGeometry());
      if (linear && wkbFlatten(linear->getGeometryType()) != wkbFlatten(geometry.getGeometryType())) collectParts(*linear, feature);
      break;
    }
  }
}

}  // namespace

VectorData readVectorFile(const std::string& path, const std::string& mapCrs, const std::string& layerName, int64_t maxFeatures) {
  GDALAllRegister();
  GdalErrorCapture errors;
  std::unique_ptr<GDALDataset> dataset(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
  if (!dataset) throwBadInput("cannot open " + path + " as vector data (GeoPackage, GeoJSON, Shapefile): " + errors.message());
  OGRLayer* layer = nullptr;
  if (!layerName.empty()) {
    layer = dataset->GetLayerByName(layerName.c_str());
    if (!layer) throwBadInput(path + " has no layer named " + layerName);
  } else {
    for (int i = 0; i < dataset->GetLayerCount() && !layer; ++i)
      if (dataset->GetLayer(i)->GetGeomType() != wkbNone && dataset->GetLayer(i)->GetFeatureCount() != 0) layer = dataset->GetLayer(i);
  }
  if (!layer) throwBadInput(path + " holds no vector layer with features");
  const OGRSpatialReference* source = layer->GetSpatialRef();
  if (!source) throwBadInput("layer " + std::string(layer->GetName()) + " of " + path + " has no CRS: it cannot be placed on the map");
  if (layer->GetFeatureCount() > maxFeatures)
    throwBadInput(path + " has " + std::to_string(layer->GetFeatureCount()) + " features; at most " + std::to_string(maxFeatures) +
                  " are drawn (filter the layer in QGIS or ogr2ogr first)");
  const OGRSpatialReference target = spatialReference(mapCrs);
  OGRSpatialReference sourceCopy(*source);
  sourceCopy.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  std::unique_ptr<OGRCoordinateTransformation> transform;
  if (!sourceCopy.IsSame(&target)) {
    transform.reset(OGRCreateCoordinateTransformation(&sourceCopy, &target));
    if (!transform) throwBadInput("the CRS of " + path + " cannot be transformed into the map's");
  }

  VectorData data;
  data.path = path;
  data.layerName = layer->GetName();
  data.bounds = {INFINITY, INFINITY, -INFINITY, -INFINITY};
  layer->ResetReading();
  const OGRFeatureDefn* definition = layer->GetLayerDefn();
  for (auto& feature : *layer) {
    const OGRGeometry* geometry = feature->GetGeometryRef();
    if (!geometry || geometry->IsEmpty()) {
      ++data.skippedFeatures;
      continue;
    }
    std::shared_ptr<OGRGeometry> placed(geometry->clone());
    if (transform && placed->transform(transform.get()) != OGRERR_NONE) {
      ++data.skippedFeatures;
      continue;
    }
    VectorFeature out;
    out.fid = feature->GetFID();
    collectParts(*placed, out);
    if (out.parts.empty()) {
      ++data.skippedFeatures;
      continue;
    }
    for (int field = 0; field < definition->GetFieldCount(); ++field)
      out.attributes.emplace_back(definition->GetFieldDefn(field)->GetNameRef(),
                                  feature->IsFieldSetAndNotNull(field) ? feature->GetFieldAsString(field) : "");
    OGREnvelope envelope;
    placed->getEnvelope(&envelope);
    data.bounds.minX = std::min(data.bounds.minX, envelope.MinX), data.bounds.maxX = std::max(data.bounds.maxX, envelope.MaxX);
    data.bounds.minY = std::min(data.bounds.minY, envelope.MinY), data.bounds.maxY = std::max(data.bounds.maxY, envelope.MaxY);
    out.geometry = std::move(placed);
    data.features.push_back(std::move(out));
  }
  if (data.features.empty()) throwBadInput("no feature of " + path + " can be placed on the map");
  return data;
}

std::vector<const VectorFeature*> featuresAt(const VectorData& data, const MapPoint& point, double tolerance) {
  std::vector<const VectorFeature*> found;
  const OGRPoint here(point.x, point.y);
  for (const VectorFeature& feature : data.features) {
    const bool hit = feature.kind == VectorFeature::Kind::Polygon ? feature.geometry->Contains(&here) != 0
                                                                  : feature.geometry->Distance(&here) <= tolerance;
    if (hit) found.push_back(&feature);
  }
  return found;
}

std::string polygonsAsLonLatGeoJson(const VectorData& data, const std::string& mapCrs, int maxVertices) {
  OGRMultiPolygon polygons;
  for (const VectorFeature& feature : data.features) {
    if (feature.kind != VectorFeature::Kind::Polygon || !feature.geometry) continue;
    const OGRwkbGeometryType type = wkbFlatten(feature.geometry->getGeometryType());
    if (type == wkbPolygon) {
      polygons.addGeometry(feature.geometry.get());
    } else if (type == wkbMultiPolygon) {
      for (const OGRPolygon* part : *feature.geometry->toMultiPolygon()) polygons.addGeometry(part);
    }
  }
  if (polygons.IsEmpty()) return {};
  std::unique_ptr<OGRGeometry> area(polygons.UnionCascaded());
  if (!area) area.reset(polygons.clone());
  CrsTransform toLonLat(mapCrs, "EPSG:4326");
  if (area->transform(&toLonLat.ogr()) != OGRERR_NONE) return {};
  int vertices = 0;
  const OGRwkbGeometryType type = wkbFlatten(area->getGeometryType());
  auto countRings = [&](const OGRPolygon* polygon) {
    for (const OGRLinearRing* ring : *polygon) vertices += ring->getNumPoints();
  };
  if (type == wkbPolygon) countRings(area->toPolygon());
  else if (type == wkbMultiPolygon)
    for (const OGRPolygon* part : *area->toMultiPolygon()) countRings(part);
  if (vertices > maxVertices) area.reset(area->ConvexHull());
  char* json = area ? area->exportToJson() : nullptr;
  const std::string text = json ? json : "";
  CPLFree(json);
  return text;
}

}  // namespace prithvi
