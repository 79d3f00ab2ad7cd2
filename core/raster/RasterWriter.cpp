#include "core/raster/RasterWriter.h"

#include <QFile>
#include <QFileInfo>

#include <cpl_string.h>
#include <gdal.h>

#include "core/base/AtomicFile.h"
#include "core/base/Error.h"
#include "core/raster/GdalErrors.h"
#include "core/raster/GdalTypes.h"

namespace prithvi {

void writeRaster(const std::string& path, int width, int height, int bands, DataType type, const void* data,
                 const GeoTransform& transform, const std::string& crsWkt, const RasterWriteOptions& options) {
  if (!options.palette.empty() && (bands != 1 || (type != DataType::Byte && type != DataType::UInt16)))
    throwUsage("a colour table needs a one-band Byte or UInt16 raster, not " + std::to_string(bands) + " band(s) of " +
               dataTypeName(type));
  ensureGdalRegistered();
  GdalErrorCapture errors;
  GDALDriverH memory = GDALGetDriverByName("MEM");
  GDALDatasetH source = GDALCreate(memory, "", width, height, bands, toGdal(type), nullptr);
  if (!source) throwIo("cannot allocate a " + std::to_string(width) + "x" + std::to_string(height) + " raster: " + errors.message());
  std::array<double, 6> coefficients = transform.coefficients();
  GDALSetGeoTransform(source, coefficients.data());
  if (!crsWkt.empty()) GDALSetProjection(source, crsWkt.c_str());
  for (const auto& [key, value] : options.metadata) GDALSetMetadataItem(source, key.c_str(), value.c_str(), nullptr);
  const size_t plane = size_t(width) * height * dataTypeSize(type);
  for (int b = 0; b < bands; ++b) {
    GDALRasterBandH band = GDALGetRasterBand(source, b + 1);
    if (GDALRasterIO(band, GF_Write, 0, 0, width, height,
                     const_cast<std::byte*>(static_cast<const std::byte*>(data) + plane * b), width, height,
                     toGdal(type), 0, 0) != CE_None)
      throwIo("cannot fill the raster: " + errors.message());
    if (options.nodata) GDALSetRasterNoDataValue(band, *options.nodata);
    if (b < int(options.bandDescriptions.size())) GDALSetDescription(band, options.bandDescriptions[b].c_str());
  }
  if (!options.palette.empty()) {
    GDALColorTableH table = GDALCreateColorTable(GPI_RGB);
    for (size_t i = 0; i < options.palette.size(); ++i) {
      const PaletteEntry& entry = options.palette[i];
      const GDALColorEntry color{entry.red, entry.green, entry.blue, entry.alpha};
      GDALSetColorEntry(table, int(i), &color);
    }
    GDALRasterBandH band = GDALGetRasterBand(source, 1);
    GDALSetRasterColorTable(band, table);
    GDALSetRasterColorInterpretation(band, GCI_PaletteIndex);
    GDALDestroyColorTable(table);
  }
  const std::string temporary = QFileInfo(QString::fromStdString(path)).absolutePath().toStdString() + "/." +
                                QFileInfo(QString::fromStdString(path)).fileName().toStdString() + ".partial";
  CPLStringList createOptions;
  createOptions.AddNameValue("COMPRESS", options.compression.c_str());
  if (options.compression == "DEFLATE" || options.compression == "ZSTD" || options.compression == "LZW")
    createOptions.AddNameValue("PREDICTOR", type == DataType::Float32 || type == DataType::Float64 ? "3" : "2");
  if (!options.cog) createOptions.AddNameValue("TILED", "YES");
  if (!options.cog && bands > 1) createOptions.AddNameValue("INTERLEAVE", "BAND");
  GDALDatasetH written = GDALCreateCopy(GDALGetDriverByName(options.cog ? "COG" : "GTiff"), temporary.c_str(), source,
                                        FALSE, createOptions.List(), nullptr, nullptr);
  GDALClose(source);
  const bool ok = written && errors.errors().empty();
  if (written) GDALClose(written);
  if (!ok) {
    QFile::remove(QString::fromStdString(temporary));
    throwIo("cannot write " + path + " (is the disk full?): " + errors.message());
  }
  replaceFile(temporary, path);
}

}  // namespace prithvi
