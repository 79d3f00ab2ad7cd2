#pragma once
// The annual map of a region: one class per pixel voted over the year's clear observations
// (the per-granule class maps of a registered model, which carry no prediction under fill,
// Fmask cloud and cloud shadow), written as a COG with its provenance in the file itself.
//
// The map: one Byte band, the class (255 = no clear observation), with the colour table and
// category names of the class maps, so QGIS draws it as classes. Beside it, <name>.votes.tif:
// band 1 clear observations, band 2 votes for the class (Byte, saturating at 254).
// Metadata (default domain): PRITHVI_PRODUCT=annual_map, PRITHVI_MODEL_VERSION,
// PRITHVI_MODEL_SHA256, PRITHVI_MODEL_ALIAS, PRITHVI_TILE, PRITHVI_YEAR, PRITHVI_GRANULES
// (JSON array), PRITHVI_FMASK_POLICY, PRITHVI_LABEL_SET_VERSION, PRITHVI_DATASET_HASH.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace prithvi {

class Feedback;

struct MapProvenance {
  std::string product = "annual_map";
  int64_t modelVersion = 0;
  std::string modelSha256;
  std::string modelAlias;  // the alias the version had when the map was made ("champion")
  std::string region;
  int year = 0;
  std::vector<std::string> granules;
  std::string fmaskPolicy;
  std::string labelSetVersion;
  std::string datasetHash;
};

// What the map says about one pixel, with the map's provenance.
struct PixelProvenance {
  int x = 0;
  int y = 0;
  int classValue = 255;  // 255: no clear observation
  std::string className;
  int observations = 0;
  int votes = 0;
  MapProvenance map;
};

struct AnnualVoteResult {
  std::string path;
  int width = 0;
  int height = 0;
  int64_t votedPixels = 0;     // pixels with at least one clear observation
  int64_t unobservedPixels = 0;
  double meanObservations = 0;  // over voted pixels
};

// Votes the class maps (same grid, Byte, 255 = no prediction) pixel by pixel: the most frequent
// class wins, a tie goes to the lower class value. Writes `outPath` atomically. Error(BadInput)
// for no maps or maps on different grids; Error(Canceled) from `feedback`.
AnnualVoteResult writeAnnualVote(const std::vector<std::string>& classMaps, const std::string& outPath,
                                 const MapProvenance& provenance, Feedback* feedback = nullptr);

// The metadata items naming the model behind a map (product, model version, SHA-256, alias,
// tile, year, label-set version, dataset hash): the one list for annual maps and for the class
// maps 'prithvi infer' makes with a registered model. Granules and the Fmask policy go with
// the map's own items.
std::vector<std::pair<std::string, std::string>> modelProvenanceItems(const MapProvenance& provenance);

// The votes file beside an annual map: "<folder>/<stem>.votes.tif".
std::string votesPathFor(const std::string& mapPath);

// The provenance a map carries; nullopt for a raster without it (or not a raster).
std::optional<MapProvenance> readMapProvenance(const std::string& path);
// One pixel of an annual map with its provenance; Error(BadInput) outside the map or for a
// file without provenance.
PixelProvenance pixelProvenance(const std::string& path, int x, int y);

}  // namespace prithvi
