#pragma once
// DataType <-> GDAL's pixel types, for the files that talk to GDAL directly.

#include <memory>
#include <optional>

#include <gdal.h>
#include <gdal_priv.h>

#include "core/raster/RasterSource.h"

namespace prithvi {

// An owned GDAL dataset, closed through GDALClose (which also flushes what was written).
struct GdalCloser {
  void operator()(GDALDataset* dataset) const { GDALClose(GDALDataset::ToHandle(dataset)); }
};
using GdalDatasetPtr = std::unique_ptr<GDALDataset, GdalCloser>;

inline GDALDataType toGdal(DataType type) {
  switch (type) {
    case DataType::Byte: return GDT_Byte;
    case DataType::UInt16: return GDT_UInt16;
    case DataType::Int16: return GDT_Int16;
    case DataType::UInt32: return GDT_UInt32;
    case DataType::Int32: return GDT_Int32;
    case DataType::Float32: return GDT_Float32;
    case DataType::Float64: return GDT_Float64;
  }
  return GDT_Unknown;
}

inline std::optional<DataType> fromGdal(GDALDataType type) {
  switch (type) {
    case GDT_Byte: return DataType::Byte;
    case GDT_UInt16: return DataType::UInt16;
    case GDT_Int16: return DataType::Int16;
    case GDT_UInt32: return DataType::UInt32;
    case GDT_Int32: return DataType::Int32;
    case GDT_Float32: return DataType::Float32;
    case GDT_Float64: return DataType::Float64;
    default: return std::nullopt;
  }
}

}  // namespace prithvi
