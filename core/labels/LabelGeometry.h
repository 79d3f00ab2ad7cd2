#pragma once
// Label polygons as OGR geometries and GeoPackage blobs: the one conversion used to store,
// rasterise, export and import them.

#include <cstdint>
#include <memory>
#include <vector>

#include <ogr_geometry.h>

#include "core/labels/LabelStore.h"

namespace prithvi {

// Error(BadInput) for a ring of fewer than three distinct points.
std::unique_ptr<OGRPolygon> toOgrPolygon(const std::vector<Ring>& rings);
// Polygons (outer ring, holes) of a polygon, multipolygon or collection; other geometry types
// (points, lines) give none. Closing points are kept.
std::vector<std::vector<Ring>> polygonRingsOf(const OGRGeometry& geometry);

std::vector<uint8_t> toGpkgBlob(const std::vector<Ring>& rings, int32_t srsId);
// Empty when the blob is not a polygon.
std::vector<Ring> ringsFromGpkgBlob(const uint8_t* blob, size_t size);

}  // namespace prithvi
