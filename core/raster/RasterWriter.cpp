#include "core/raster/RasterWriter.h"

#include <QFile>
#include <QFileInfo>

#include <cpl_string.h>
#include <gdal.h>

#include "core/base/AtomicFile.h"
#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/raster/GdalErrors.h"
#include "core/raster/GdalTypes.h"

namespace prithvi {

namespace {

// Nodata, band descriptions, metadata and the colour table of a dataset about to be copied out.
void describe(GDALDatasetH dataset, int bands, const RasterWriteOptions& options) {
  for (const auto& [key, value] : options.metadata) GDALSetMetadataItem(dataset, key.c_str(), value.c_str(), nullptr);
  for (int b = 0; b < bands; ++b) {
    GDALRasterBandH band = GDALGetRasterBand(dataset, b + 1);
    if (options.nodata) GDALSetRasterNoDataValue(band, *options.nodata);
    if (b < int(options.bandDescriptions.size())) GDALSetDescription(band, options.bandDescriptions[size_t(b)].c_str());
    if (options.scale) GDALSetRasterScale(band, *options.scale);
    if (options.offset) GDALSetRasterOffset(band, *options.offset);
  }
  if (!options.palette.empty()) {
    GDALColorTableH table = GDALCreateColorTable(GPI_RGB);
    for (size_t i = 0; i < options.palette.size(); ++i) {
      const PaletteEntry& entry = options.palette[i];
      const GDALColorEntry color{entry.red, entry.green, entry.blue, entry.alpha};
      GDALSetColorEntry(table, int(i), &color);
    }
    GDALRasterBandH band = GDALGetRasterBand(dataset, 1);
    GDALSetRasterColorTable(band, table);
    GDALSetRasterColorInterpretation(band, GCI_PaletteIndex);
    GDALDestroyColorTable(table);
  }
  if (!options.categoryNames.empty()) {
    std::vector<const char*> names;
    for (const std::string& name : options.categoryNames) names.push_back(name.c_str());
    names.push_back(nullptr);
    GDALSetRasterCategoryNames(GDALGetRasterBand(dataset, 1), const_cast<char**>(names.data()));
  }
}

void checkPalette(int bands, DataType type, const RasterWriteOptions& options) {
  if (!options.palette.empty() && (bands != 1 || (type != DataType::Byte && type != DataType::UInt16)))
    throwUsage("a colour table needs a one-band Byte or UInt16 raster, not " + std::to_string(bands) + " band(s) of " +
               dataTypeName(type));
}

GDALDatasetH createGeoreferenced(const char* driver, const std::string& path, int width, int height, int bands,
                                 DataType type, const GeoTransform& transform, const std::string& crsWkt,
                                 char** createOptions, GdalErrorCapture& errors) {
  GDALDatasetH dataset =
      GDALCreate(GDALGetDriverByName(driver), path.c_str(), width, height, bands, toGdal(type), createOptions);
  if (!dataset)
    throwIo("cannot create a " + std::to_string(width) + "x" + std::to_string(height) + " raster: " + errors.message());
  std::array<double, 6> coefficients = transform.coefficients();
  GDALSetGeoTransform(dataset, coefficients.data());
  if (!crsWkt.empty()) GDALSetProjection(dataset, crsWkt.c_str());
  return dataset;
}

// Copies `source` to `path` as a COG or tiled GeoTIFF under a temporary name, then renames it
// into place; closes `source`.
void copyOut(GDALDatasetH source, const std::string& path, int bands, DataType type, const RasterWriteOptions& options,
             GdalErrorCapture& errors, Feedback* feedback) {
  const std::string temporary = QFileInfo(QString::fromStdString(path)).absolutePath().toStdString() + "/." +
                                QFileInfo(QString::fromStdString(path)).fileName().toStdString() + ".partial";
  CPLStringList createOptions;
  createOptions.AddNameValue("COMPRESS", options.compression.c_str());
  if (options.compression == "DEFLATE" || options.compression == "ZSTD" || options.compression == "LZW")
    createOptions.AddNameValue("PREDICTOR", type == DataType::Float32 || type == DataType::Float64 ? "3" : "2");
  if (!options.cog) createOptions.AddNameValue("TILED", "YES");
  if (!options.cog && bands > 1) createOptions.AddNameValue("INTERLEAVE", "BAND");
  GdalProgress progress;
  progress.feedback = feedback;
  progress.message = "writing " + QFileInfo(QString::fromStdString(path)).fileName().toStdString();
  GDALDatasetH written = GDALCreateCopy(GDALGetDriverByName(options.cog ? "COG" : "GTiff"), temporary.c_str(), source,
                                        FALSE, createOptions.List(), gdalProgress, &progress);
  GDALClose(source);
  const bool ok = written && errors.errors().empty();
  if (written) GDALClose(written);
  // GeoTIFF keeps what TIFF tags cannot hold (category names) in a .aux.xml sidecar, which
  // must follow the file under its final name, and must not outlive an older version of it.
  const QString sidecar = QString::fromStdString(temporary + ".aux.xml");
  if (!ok) {
    QFile::remove(QString::fromStdString(temporary));
    QFile::remove(sidecar);
    throwIfCanceled(feedback);
    throwWriteFailure(path, 0, errors.message());
  }
  if (QFile::exists(sidecar))
    replaceFile(sidecar.toStdString(), path + ".aux.xml");
  else
    QFile::remove(QString::fromStdString(path + ".aux.xml"));
  replaceFile(temporary, path);
}

}  // namespace

void writeRaster(const std::string& path, int width, int height, int bands, DataType type, const void* data,
                 const GeoTransform& transform, const std::string& crsWkt, const RasterWriteOptions& options) {
  checkPalette(bands, type, options);
  ensureGdalRegistered();
  GdalErrorCapture errors;
  GDALDatasetH source = createGeoreferenced("MEM", "", width, height, bands, type, transform, crsWkt, nullptr, errors);
  const size_t plane = size_t(width) * height * dataTypeSize(type);
  for (int b = 0; b < bands; ++b) {
    if (GDALRasterIO(GDALGetRasterBand(source, b + 1), GF_Write, 0, 0, width, height,
                     const_cast<std::byte*>(static_cast<const std::byte*>(data) + plane * b), width, height,
                     toGdal(type), 0, 0) != CE_None) {
      GDALClose(source);
      throwIo("cannot fill the raster: " + errors.message());
    }
  }
  describe(source, bands, options);
  copyOut(source, path, bands, type, options, errors, nullptr);
}

RasterStreamWriter::RasterStreamWriter(const std::string& path, int width, int height, int bands, DataType type,
                                       const GeoTransform& transform, const std::string& crsWkt,
                                       const RasterWriteOptions& options)
    : mPath(path), mWidth(width), mHeight(height), mBands(bands), mType(type), mOptions(options) {
  checkPalette(bands, type, options);
  ensureGdalRegistered();
  mScratch = QFileInfo(QString::fromStdString(path)).absolutePath().toStdString() + "/." +
             QFileInfo(QString::fromStdString(path)).fileName().toStdString() + ".rows.tif";
  GdalErrorCapture errors;
  // Uncompressed and tiled: rows go in fast, and the final copy reads it back block by block.
  const char* createOptions[] = {"TILED=YES", "BIGTIFF=IF_SAFER", "INTERLEAVE=BAND", nullptr};
  mDataset = createGeoreferenced("GTiff", mScratch, width, height, bands, type, transform, crsWkt,
                                 const_cast<char**>(createOptions), errors);
  describe(static_cast<GDALDatasetH>(mDataset), bands, options);
}

RasterStreamWriter::~RasterStreamWriter() {
  if (mDataset) {
    GDALClose(static_cast<GDALDatasetH>(mDataset));
    removeScratch();
  }
}

void RasterStreamWriter::removeScratch() {
  // The scratch file's sidecar holds its category names; the copy carries its own.
  QFile::remove(QString::fromStdString(mScratch));
  QFile::remove(QString::fromStdString(mScratch + ".aux.xml"));
}

void RasterStreamWriter::writeRows(int y, int rows, const void* data) {
  if (!mDataset) throwUsage("the raster " + mPath + " is already finished");
  if (y < 0 || rows < 0 || y + rows > mHeight) throwUsage("rows outside the raster " + mPath);
  GdalErrorCapture errors;
  const size_t plane = size_t(mWidth) * rows * dataTypeSize(mType);
  for (int b = 0; b < mBands; ++b)
    if (GDALRasterIO(GDALGetRasterBand(static_cast<GDALDatasetH>(mDataset), b + 1), GF_Write, 0, y, mWidth, rows,
                     const_cast<std::byte*>(static_cast<const std::byte*>(data) + plane * b), mWidth, rows, toGdal(mType), 0,
                     0) != CE_None)
      throwWriteFailure(mPath, 0, errors.message());
}

void RasterStreamWriter::addMetadata(const std::string& key, const std::string& value) {
  if (!mDataset) throwUsage("the raster " + mPath + " is already finished");
  GDALSetMetadataItem(static_cast<GDALDatasetH>(mDataset), key.c_str(), value.c_str(), nullptr);
}

void RasterStreamWriter::finish(Feedback* feedback) {
  if (!mDataset) throwUsage("the raster " + mPath + " is already finished");
  GdalErrorCapture errors;
  GDALDatasetH dataset = static_cast<GDALDatasetH>(mDataset);
  mDataset = nullptr;
  try {
    copyOut(dataset, mPath, mBands, mType, mOptions, errors, feedback);
  } catch (...) {
    removeScratch();
    throw;
  }
  removeScratch();
}

}  // namespace prithvi
