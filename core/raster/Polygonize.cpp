#include "core/raster/Polygonize.h"

#include <gdal_alg.h>
#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <cmath>
#include <filesystem>
#include <memory>

#include "core/base/AtomicFile.h"
#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/raster/Crs.h"
#include "core/raster/GdalErrors.h"
#include "core/raster/GdalTypes.h"
#include "core/raster/RasterSource.h"

namespace prithvi {

namespace fs = std::filesystem;

namespace {

using DatasetPtr = GdalDatasetPtr;

bool isIntegerType(DataType type) { return type != DataType::Float32 && type != DataType::Float64; }

}  // namespace

void polygonizeBand(GDALRasterBand& band, const ClassRegionSink& sink, GdalProgress* progress, double simplifyPixels) {
  ensureGdalRegistered();
  GdalErrorCapture errors;
  double tolerance = 0;  // in the band's georeferenced units
  if (simplifyPixels > 0) {
    if (!OGRGeometryFactory::haveGEOS()) throwIo("this GDAL is built without GEOS, which simplifying polygons needs");
    double transform[6] = {0, 1, 0, 0, 0, 1};
    if (GDALDataset* dataset = band.GetDataset()) dataset->GetGeoTransform(transform);
    tolerance = simplifyPixels * std::max(std::abs(transform[1]), std::abs(transform[5]));
  }
  // Regions are collected in memory first: GDALPolygonize writes one field, and callers add
  // their own (class names, label set, author) as they copy the regions out.
  DatasetPtr regions(GetGDALDriverManager()->GetDriverByName("Memory")->Create("", 0, 0, 0, GDT_Unknown, nullptr));
  if (!regions) throwIo("cannot create the in-memory polygon layer: " + errors.message());
  OGRLayer* regionLayer = regions->CreateLayer("regions", nullptr, wkbPolygon, nullptr);
  OGRFieldDefn valueField("class_value", OFTInteger);
  if (!regionLayer || regionLayer->CreateField(&valueField) != OGRERR_NONE)
    throwIo("cannot create the in-memory polygon layer: " + errors.message());
  GDALRasterBandH handle = GDALRasterBand::ToHandle(&band);
  const CPLErr polygonized = GDALPolygonize(handle, GDALGetMaskBand(handle), OGRLayer::ToHandle(regionLayer), 0, nullptr,
                                            progress ? gdalProgress : nullptr, progress);
  throwIfCanceled(progress ? progress->feedback : nullptr);
  if (polygonized != CE_None) throwIo("cannot polygonise the class raster: " + errors.message());
  regionLayer->ResetReading();
  for (auto& region : *regionLayer) {
    const OGRGeometry* geometry = region->GetGeometryRef();
    if (!geometry) continue;
    if (tolerance > 0) {
      const std::unique_ptr<OGRGeometry> simplified(geometry->SimplifyPreserveTopology(tolerance));
      if (!simplified) throwIo("cannot simplify a polygon of class " + std::to_string(region->GetFieldAsInteger(0)) + ": " + errors.message());
      if (!simplified->IsEmpty()) sink(*simplified, region->GetFieldAsInteger(0));
    } else {
      sink(*geometry, region->GetFieldAsInteger(0));
    }
  }
}

struct NewGeoPackage::State {
  std::string path;
  std::string temporary;
  GdalErrorCapture errors;
  DatasetPtr dataset;
  bool inTransaction = false;
};

NewGeoPackage::NewGeoPackage(const std::string& path) : mState(std::make_unique<State>()) {
  ensureGdalRegistered();
  mState->path = path;
  // GDAL's GPKG driver warns about any other extension.
  mState->temporary = temporaryPathFor(path) + ".gpkg";
  removeDatabaseFiles(mState->temporary);
  GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GPKG");
  if (!driver) throwIo("this GDAL has no GeoPackage driver");
  mState->dataset.reset(driver->Create(mState->temporary.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
  if (!mState->dataset) throwIo("cannot create " + path + ": " + mState->errors.message());
}

NewGeoPackage::~NewGeoPackage() {
  if (!mState->dataset && mState->temporary.empty()) return;  // published
  mState->dataset.reset();
  removeDatabaseFiles(mState->temporary);
}

OGRLayer& NewGeoPackage::addPolygonLayer(const std::string& name, const std::string& crs,
                                         std::initializer_list<std::pair<const char*, OGRFieldType>> fields) {
  std::unique_ptr<OGRSpatialReference> srs;
  if (!crs.empty()) srs = ogrSpatialReference(crs);
  const char* layerOptions[] = {"FID=fid", "GEOMETRY_NAME=geom", "SPATIAL_INDEX=YES", nullptr};
  OGRLayer* layer = mState->dataset->CreateLayer(name.c_str(), srs.get(), wkbPolygon, const_cast<char**>(layerOptions));
  if (!layer) throwIo("cannot create layer " + name + " in " + mState->path + ": " + mState->errors.message());
  for (const auto& [field, type] : fields) {
    OGRFieldDefn definition(field, type);
    if (layer->CreateField(&definition) != OGRERR_NONE)
      throwIo("cannot add field " + std::string(field) + " to " + mState->path + ": " + mState->errors.message());
  }
  return *layer;
}

void NewGeoPackage::addFeature(OGRLayer& layer, OGRFeature& feature) {
  // Features go in one transaction: thousands of polygons in one commit, not one each.
  if (!mState->inTransaction) mState->inTransaction = mState->dataset->StartTransaction() == OGRERR_NONE;
  if (layer.CreateFeature(&feature) != OGRERR_NONE)
    throwWriteFailure(mState->path, 0, mState->errors.message());
}

void NewGeoPackage::publish() {
  if (mState->inTransaction && mState->dataset->CommitTransaction() != OGRERR_NONE)
    throwWriteFailure(mState->path, 0, mState->errors.message());
  mState->dataset.reset();  // closing writes the rest
  if (!mState->errors.errors().empty())
    throwWriteFailure(mState->path, 0, mState->errors.message());
  publishNewFile(mState->temporary, mState->path);
  mState->temporary.clear();
}

ClassPolygonResult polygonizeClassRaster(const std::string& rasterPath, const std::string& gpkgPath,
                                         const ClassPolygonOptions& options, Feedback* feedback) {
  if (fs::path(gpkgPath).extension() != ".gpkg")
    throwUsage("polygons are written to a GeoPackage: give " + gpkgPath + " the extension .gpkg");
  refuseExistingPath(gpkgPath);
  const std::shared_ptr<RasterSource> source = RasterSource::open(rasterPath);
  const RasterInfo& info = source->info();
  const std::string name = fs::path(rasterPath).filename().string();
  if (options.band < 1 || options.band > int(info.bands.size()))
    throwBadInput(name + " has no band " + std::to_string(options.band) + " (it has " + std::to_string(info.bands.size()) +
                  ")");
  const BandInfo& bandInfo = info.bands[size_t(options.band) - 1];
  if (!isIntegerType(bandInfo.type))
    throwBadInput(name + " holds " + dataTypeName(bandInfo.type) +
                  " values, not classes: polygonise a class map (whole-number values such as a model's output)");
  if (!info.hasGeoTransform)
    throwBadInput(name + " has no georeferencing (geotransform): its polygons would have no place on the map");

  ClassPolygonResult result;
  result.layerName = options.layerName.empty() ? fs::path(rasterPath).stem().string() : options.layerName;
  NewGeoPackage out(gpkgPath);
  OGRLayer& layer = out.addPolygonLayer(result.layerName, info.crsWkt, {{"class_value", OFTInteger}, {"class_name", OFTString}});
  const RasterSource::HandleLease handle = source->borrowHandle();
  GDALDataset* dataset = GDALDataset::FromHandle(handle.get());
  GdalProgress progress{feedback, 0, 900, 1000, "polygonising " + name};
  polygonizeBand(*dataset->GetRasterBand(options.band), [&](const OGRGeometry& polygon, int classValue) {
    OGRFeature feature(layer.GetLayerDefn());
    feature.SetField("class_value", classValue);
    if (classValue >= 0 && size_t(classValue) < bandInfo.categoryNames.size())
      feature.SetField("class_name", bandInfo.categoryNames[size_t(classValue)].c_str());
    else
      feature.SetField("class_name", "");
    feature.SetGeometry(&polygon);
    out.addFeature(layer, feature);
    ++result.features;
    ++result.featuresPerClass[classValue];
  }, &progress, options.simplifyPixels);
  throwIfCanceled(feedback);
  out.publish();
  reportProgress(feedback, 1000, 1000, "wrote " + std::to_string(result.features) + " polygons to " + gpkgPath);
  return result;
}

}  // namespace prithvi
