#include "core/labels/LabelGeometry.h"

#include "core/base/Error.h"
#include "core/project/GeoPackage.h"

namespace prithvi {

std::unique_ptr<OGRPolygon> toOgrPolygon(const std::vector<Ring>& rings) {
  if (rings.empty()) throwBadInput("a label polygon needs an outer ring");
  auto polygon = std::make_unique<OGRPolygon>();
  for (const Ring& ring : rings) {
    auto linearRing = std::make_unique<OGRLinearRing>();
    for (const MapPoint& point : ring) linearRing->addPoint(point.x, point.y);
    linearRing->closeRings();
    if (linearRing->getNumPoints() < 4)
      throwBadInput("a label polygon ring needs at least three distinct points, got " +
                    std::to_string(ring.size()));
    polygon->addRingDirectly(linearRing.release());
  }
  return polygon;
}

namespace {

void collectPolygons(const OGRGeometry& geometry, std::vector<std::vector<Ring>>& out) {
  switch (wkbFlatten(geometry.getGeometryType())) {
    case wkbPolygon: {
      const auto& polygon = *geometry.toPolygon();
      std::vector<Ring> rings;
      for (const OGRLinearRing* ring : polygon) {
        Ring points;
        points.reserve(size_t(ring->getNumPoints()));
        for (const OGRPoint& point : *ring) points.push_back({point.getX(), point.getY()});
        if (!points.empty()) rings.push_back(std::move(points));
      }
      if (!rings.empty()) out.push_back(std::move(rings));
      break;
    }
    case wkbMultiPolygon:
    case wkbGeometryCollection:
      for (const OGRGeometry* part : *geometry.toGeometryCollection()) collectPolygons(*part, out);
      break;
    default:
      break;
  }
}

}  // namespace

std::vector<std::vector<Ring>> polygonRingsOf(const OGRGeometry& geometry) {
  std::vector<std::vector<Ring>> polygons;
  collectPolygons(geometry, polygons);
  return polygons;
}

std::vector<uint8_t> toGpkgBlob(const std::vector<Ring>& rings, int32_t srsId) {
  std::unique_ptr<OGRPolygon> polygon = toOgrPolygon(rings);
  std::vector<uint8_t> wkb(size_t(polygon->WkbSize()));
  polygon->exportToWkb(wkbNDR, wkb.data(), wkbVariantIso);
  OGREnvelope envelope;
  polygon->getEnvelope(&envelope);
  return gpkg::wrapWkb(wkb, srsId, {envelope.MinX, envelope.MaxX, envelope.MinY, envelope.MaxY});
}

std::vector<Ring> ringsFromGpkgBlob(const uint8_t* blob, size_t size) {
  std::optional<std::pair<size_t, size_t>> span = gpkg::wkbSpan(blob, size);
  if (!span) return {};
  OGRGeometry* geometry = nullptr;
  if (OGRGeometryFactory::createFromWkb(blob + span->first, nullptr, &geometry, span->second) != OGRERR_NONE)
    return {};
  std::unique_ptr<OGRGeometry> owned(geometry);
  std::vector<std::vector<Ring>> polygons = polygonRingsOf(*owned);
  return polygons.size() == 1 ? polygons.front() : std::vector<Ring>{};
}

}  // namespace prithvi
