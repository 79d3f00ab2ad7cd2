#include "core/project/GeoPackage.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <memory>

#include <ogr_geometry.h>

#include "core/base/Error.h"

namespace prithvi::gpkg {

const char* coreTablesSql() {
  // Table definitions and the three required SRS rows as in GeoPackage 1.3, annex C.
  return R"sql(
CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL PRIMARY KEY,
  organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL,
  definition TEXT NOT NULL,
  description TEXT
);
INSERT INTO gpkg_spatial_ref_sys VALUES
  ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined',
   'undefined cartesian coordinate reference system'),
  ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined',
   'undefined geographic coordinate reference system'),
  ('WGS 84 geodetic', 4326, 'EPSG', 4326,
   'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]',
   'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid');
CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY,
  data_type TEXT NOT NULL,
  identifier TEXT UNIQUE,
  description TEXT DEFAULT '',
  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE,
  min_y DOUBLE,
  max_x DOUBLE,
  max_y DOUBLE,
  srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id)
);
CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL,
  column_name TEXT NOT NULL,
  geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL,
  z TINYINT NOT NULL,
  m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id)
);
)sql";
}

void Envelope::expand(const Envelope& other) {
  minX = std::min(minX, other.minX);
  maxX = std::max(maxX, other.maxX);
  minY = std::min(minY, other.minY);
  maxY = std::max(maxY, other.maxY);
}

namespace {

constexpr uint8_t kFlagLittleEndian = 0x01;
constexpr uint8_t kEnvelopeXY = 1;  // [minx, maxx, miny, maxy]
constexpr uint8_t kFlagEmpty = 0x10;

// Appends values in little-endian order whatever the host's order.
class LittleEndianWriter {
 public:
  void byte(uint8_t value) { mBytes.push_back(value); }
  void u32(uint32_t value) { raw(value); }
  void f64(double value) { raw(std::bit_cast<uint64_t>(value)); }
  std::vector<uint8_t> take() { return std::move(mBytes); }

 private:
  template <typename T>
  void raw(T value) {
    for (size_t i = 0; i < sizeof(T); ++i) mBytes.push_back(uint8_t(value >> (8 * i)));
  }
  std::vector<uint8_t> mBytes;
};

// Bounds-checked reads in either byte order; `ok` turns false on the first overrun.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : mData(data), mSize(size) {}
  bool ok() const { return mOk; }
  size_t position() const { return mPosition; }
  void skip(size_t count) { mPosition = have(count) ? mPosition + count : mSize; }
  uint8_t byte() { return have(1) ? mData[mPosition++] : 0; }
  uint32_t u32(bool littleEndian) { return uint32_t(read(4, littleEndian)); }
  double f64(bool littleEndian) { return std::bit_cast<double>(read(8, littleEndian)); }

 private:
  bool have(size_t count) {
    if (mSize - mPosition < count) mOk = false;
    return mOk;
  }
  uint64_t read(size_t count, bool littleEndian) {
    if (!have(count)) return 0;
    uint64_t value = 0;
    for (size_t i = 0; i < count; ++i) {
      size_t shift = littleEndian ? i : count - 1 - i;
      value |= uint64_t(mData[mPosition + i]) << (8 * shift);
    }
    mPosition += count;
    return value;
  }
  const uint8_t* mData;
  size_t mSize;
  size_t mPosition = 0;
  bool mOk = true;
};

struct Header {
  bool littleEndian = true;
  bool empty = false;
  std::optional<Envelope> envelope;
  size_t wkbOffset = 0;
};

std::optional<Header> readHeader(const uint8_t* blob, size_t size) {
  Reader in(blob, size);
  if (in.byte() != 'G' || in.byte() != 'P' || in.byte() != 0) return std::nullopt;
  uint8_t flags = in.byte();
  Header header;
  header.littleEndian = flags & kFlagLittleEndian;
  header.empty = flags & kFlagEmpty;
  in.u32(header.littleEndian);  // srs_id
  int envelopeCode = (flags >> 1) & 0x7;
  static constexpr int kEnvelopeDoubles[] = {0, 4, 6, 6, 8};
  if (envelopeCode > 4) return std::nullopt;
  if (envelopeCode > 0) {
    Envelope envelope;
    envelope.minX = in.f64(header.littleEndian);
    envelope.maxX = in.f64(header.littleEndian);
    envelope.minY = in.f64(header.littleEndian);
    envelope.maxY = in.f64(header.littleEndian);
    in.skip(8 * (kEnvelopeDoubles[envelopeCode] - 4));  // z and m ranges
    header.envelope = envelope;
  }
  if (!in.ok()) return std::nullopt;
  header.wkbOffset = in.position();
  return header;
}

Envelope envelopeOfRing(const std::vector<LonLat>& ring) {
  Envelope envelope{ring[0].lon, ring[0].lon, ring[0].lat, ring[0].lat};
  for (const LonLat& point : ring) envelope.expand({point.lon, point.lon, point.lat, point.lat});
  return envelope;
}

void writeHeader(LittleEndianWriter& out, int32_t srsId, const Envelope& envelope) {
  out.byte('G');
  out.byte('P');
  out.byte(0);  // version 1 of the blob format is written as 0
  out.byte(kFlagLittleEndian | (kEnvelopeXY << 1));
  out.u32(uint32_t(srsId));
  for (double value : {envelope.minX, envelope.maxX, envelope.minY, envelope.maxY}) out.f64(value);
}

}  // namespace

std::vector<uint8_t> wrapWkb(const std::vector<uint8_t>& wkb, int32_t srsId, const Envelope& envelope) {
  LittleEndianWriter out;
  writeHeader(out, srsId, envelope);
  std::vector<uint8_t> blob = out.take();
  blob.insert(blob.end(), wkb.begin(), wkb.end());
  return blob;
}

std::optional<std::pair<size_t, size_t>> wkbSpan(const uint8_t* blob, size_t size) {
  std::optional<Header> header = readHeader(blob, size);
  if (!header || header->empty || header->wkbOffset >= size) return std::nullopt;
  return std::pair(header->wkbOffset, size - header->wkbOffset);
}

std::vector<uint8_t> encodePolygon(const std::vector<LonLat>& ring, int32_t srsId) {
  OGRLinearRing outer;
  for (const LonLat& point : ring) outer.addPoint(point.lon, point.lat);
  outer.closeRings();
  if (outer.getNumPoints() < 4)
    throwBadInput("a footprint needs at least three distinct corners, got " + std::to_string(ring.size()) + " points");
  OGRPolygon polygon;
  polygon.addRing(&outer);
  // The WKB is OGR's; the GeoPackage blob header around it (OGR has no public API for it) is ours.
  std::vector<uint8_t> wkb(polygon.WkbSize());
  polygon.exportToWkb(wkbNDR, wkb.data(), wkbVariantIso);
  OGREnvelope bounds;
  polygon.getEnvelope(&bounds);
  return wrapWkb(wkb, srsId, {bounds.MinX, bounds.MaxX, bounds.MinY, bounds.MaxY});
}

std::optional<std::vector<LonLat>> decodePolygon(const uint8_t* blob, size_t size) {
  const std::optional<std::pair<size_t, size_t>> span = wkbSpan(blob, size);
  if (!span) return std::nullopt;
  OGRGeometry* parsed = nullptr;
  if (OGRGeometryFactory::createFromWkb(blob + span->first, nullptr, &parsed, span->second) != OGRERR_NONE || !parsed)
    return std::nullopt;
  const std::unique_ptr<OGRGeometry> geometry(parsed);
  if (wkbFlatten(geometry->getGeometryType()) != wkbPolygon) return std::nullopt;
  const OGRLinearRing* outer = geometry->toPolygon()->getExteriorRing();
  if (!outer) return std::nullopt;
  std::vector<LonLat> ring(size_t(outer->getNumPoints()));
  for (int i = 0; i < outer->getNumPoints(); ++i) ring[size_t(i)] = {outer->getX(i), outer->getY(i)};
  return ring;
}

std::optional<Envelope> envelopeOf(const uint8_t* blob, size_t size) {
  std::optional<Header> header = readHeader(blob, size);
  if (!header || header->empty) return std::nullopt;
  if (header->envelope) return header->envelope;
  std::optional<std::vector<LonLat>> ring = decodePolygon(blob, size);
  if (!ring || ring->empty()) return std::nullopt;
  return envelopeOfRing(*ring);
}

}  // namespace prithvi::gpkg
