#pragma once
// What to search for in a STAC API, and where: sources (NASA CMR-STAC, Microsoft Planetary
// Computer, any STAC API root), the area (bbox or a GeoJSON polygon), dates, cloud cover, and
// the request body those make, within the limits CMR-STAC sets (ARCHITECTURE.md, issue 19).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>

#include "core/hls/Hls.h"
#include "core/hls/Mgrs.h"

namespace prithvi {

// CMR-STAC answers at most this many items a page, whatever `limit` asks.
constexpr int kStacMaxPageSize = 100;

// A longitude/latitude box, degrees. west > east crosses the antimeridian (as in STAC's bbox).
struct LonLatBox {
  double west = 0;
  double south = 0;
  double east = 0;
  double north = 0;
};

// A STAC API and the collections that hold HLS v2.0 there.
struct StacSource {
  std::string name;     // "nasa", "planetary", or the URL given
  std::string rootUrl;  // the API root; searches go to <root>/search
  std::vector<std::string> hlsCollections;
};
constexpr const char* kNasaStacRoot = "https://cmr.earthdata.nasa.gov/stac/LPCLOUD";
constexpr const char* kPlanetaryStacRoot = "https://planetarycomputer.microsoft.com/api/stac/v1";
// "nasa" (CMR-STAC LPCLOUD: HLSL30_2.0, HLSS30_2.0), "planetary" (hls2-l30, hls2-s30) or the
// root URL of any STAC API (http or https; it gets NASA's collection names). Throws Error(Usage).
StacSource stacSource(const std::string& nameOrUrl);

// The sensor an HLS collection holds, whatever the API calls it: HLSL30_2.0, HLSL30.v2.0,
// hls2-l30 (any case). Nothing for other collections.
std::optional<HlsSensor> hlsSensorOfCollection(const std::string& collection);

struct StacSearchRequest {
  std::vector<std::string> collections;  // empty: the source's HLS collections
  std::vector<std::string> ids;          // only these items (granule ids), e.g. to fetch known granules
  // The area: a box or a GeoJSON Polygon/MultiPolygon (exterior rings counter-clockwise, see
  // intersectsGeometry), never both; neither searches everywhere.
  std::optional<LonLatBox> bbox;
  std::optional<QJsonObject> intersects;
  // Acquisition time, UTC; an absent end is open ("..").
  std::optional<QDateTime> start;
  std::optional<QDateTime> end;
  std::optional<double> maxCloudCover;  // percent: eo:cloud_cover <= this (STAC "query" extension)
  // Keeps only granules of this MGRS tile ("13REN" or "T13REN"): a search by area also returns
  // the neighbouring tiles that overlap it.
  std::string tile;
  int pageSize = kStacMaxPageSize;  // items asked per page, 1..100
  int64_t maxItems = 0;             // stop after this many granules; 0: all that match
  bool angleBands = false;          // also the SZA/SAA/VZA/VAA assets
  bool s3Hrefs = false;             // also the s3:// twins of the band assets (in-region access)
};

// Throws Error(Usage) naming what is wrong: both bbox and intersects, a box outside the globe or
// with south > north, start after end, cloud cover outside 0..100, page size outside 1..100.
void validateSearchRequest(const StacSearchRequest& request);

// "2021-05-01T00:00:00Z/2021-09-30T23:59:59Z", with ".." for an open end; empty when both are.
std::string datetimeInterval(const std::optional<QDateTime>& start, const std::optional<QDateTime>& end);

// The POST /search body: collections, ids, bbox or intersects, datetime, limit, and the cloud cover
// as {"query": {"eo:cloud_cover": {"lte": N}}} (CMR-STAC refuses CQL2 "filter").
QJsonObject searchRequestBody(const StacSearchRequest& request, const StacSource& source);

// The geometry of a GeoJSON text (a Polygon, MultiPolygon, Feature, or a FeatureCollection of
// one polygon feature) in lon/lat, with exterior rings turned counter-clockwise and holes
// clockwise as CMR requires, and rings closed. Throws Error(BadInput) naming `what` otherwise.
QJsonObject intersectsGeometry(const QByteArray& geojson, const std::string& what);

// The lon/lat box that holds an HLS tile's 109.8 km grid.
LonLatBox tileLonLatBox(const MgrsTile& tile);

}  // namespace prithvi
