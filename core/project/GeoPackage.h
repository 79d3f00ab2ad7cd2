#pragma once
// The GeoPackage 1.3 parts of a project file (OGC 12-128r18): the header values, the core
// tables, and the geometry blob format. Pure data and codecs: no database access here, so
// ProjectStore runs every statement through one place.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/raster/Crs.h"

namespace prithvi::gpkg {

// 'GPKG' in the SQLite header's application_id, and 1.3.0 in its user_version.
constexpr int32_t kApplicationId = 0x47504B47;
constexpr int32_t kUserVersion = 10300;
// WGS 84 longitude/latitude: footprints are stored in it (x = lon, y = lat, whatever EPSG
// says about axis order, as GeoPackage requires).
constexpr int32_t kWgs84SrsId = 4326;

// Creates gpkg_spatial_ref_sys with its three required rows (-1, 0, 4326), gpkg_contents and
// gpkg_geometry_columns. Run once, on an empty database, inside a transaction.
const char* coreTablesSql();

// Axis-aligned bounds in lon/lat.
struct Envelope {
  double minX = 0;
  double maxX = 0;
  double minY = 0;
  double maxY = 0;
  void expand(const Envelope& other);
};

// A GeoPackage geometry blob ("GP", version 0, little-endian, [minx,maxx,miny,maxy] envelope)
// holding a little-endian WKB Polygon with one ring. An open ring is closed; a ring of fewer
// than three distinct points is refused (Error BadInput).
std::vector<uint8_t> encodePolygon(const std::vector<LonLat>& ring, int32_t srsId = kWgs84SrsId);

// The outer ring of a blob written by encodePolygon (or by GDAL: any byte order, any envelope).
// Empty when the blob is not a GeoPackage Polygon.
std::optional<std::vector<LonLat>> decodePolygon(const uint8_t* blob, size_t size);

// The envelope of a geometry blob: its header's envelope when it has one, else computed from
// the polygon. Empty for an empty or unreadable geometry.
std::optional<Envelope> envelopeOf(const uint8_t* blob, size_t size);

// A GeoPackage geometry blob around any WKB geometry (label polygons with holes come from
// OGR's exportToWkb), with the given XY envelope.
std::vector<uint8_t> wrapWkb(const std::vector<uint8_t>& wkb, int32_t srsId, const Envelope& envelope);

// The WKB part of a geometry blob (offset and size within it); empty for an empty geometry or
// an unreadable header.
std::optional<std::pair<size_t, size_t>> wkbSpan(const uint8_t* blob, size_t size);

}  // namespace prithvi::gpkg
