#pragma once
// An HLS v2.0 granule as a STAC API describes it. CMR-STAC items carry no platform, projection
// or MGRS property and no media types: sensor, tile and date come from the granule id
// (HLS.S30.T10TEK.2021122T185911.v2.0), bands from the asset keys or the file names. Planetary
// Computer items also have platform, proj:* and mgrs:* properties, used where the id says less.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <QDateTime>
#include <QJsonObject>
#include <QUrl>

#include "core/hls/Hls.h"
#include "core/raster/Crs.h"
#include "core/stac/StacSearch.h"

namespace prithvi {

struct StacGranule {
  std::string id;          // "HLS.S30.T10TEK.2021122T185911.v2.0"
  std::string collection;  // "HLSS30_2.0", "hls2-s30", ...
  HlsSensor sensor = HlsSensor::L30;
  std::string tile;        // MGRS tile without the leading T ("10TEK"), as in HlsFileName
  QDateTime datetime;      // acquisition, UTC
  std::optional<double> cloudCover;  // percent (eo:cloud_cover); absent when the item has none
  // Band code ("B02".."B12", "B8A", "Fmask"; with angle bands also "SZA", "SAA", "VZA", "VAA")
  // -> absolute href. hlsBandRole(sensor, code) tells what each is for.
  std::map<std::string, std::string> bandHrefs;
  std::map<std::string, std::string> s3Hrefs;  // the same codes -> s3:// hrefs, when asked for
  std::string browseHref;                      // "browse" or "thumbnail" asset; empty when absent
  std::vector<std::vector<LonLat>> footprint;  // exterior ring of each polygon of the geometry
  std::optional<LonLatBox> bbox;
  std::string platform;  // "sentinel-2a", "landsat-8", ... when the item says
  int epsg = 0;          // proj:epsg (or proj:code) when the item says

  // The href of the band with `role` on this sensor (NIR: B05 on L30, B8A on S30); empty when absent.
  std::string hrefOf(BandRole role) const;
};

struct GranuleAssetOptions {
  bool angleBands = false;  // keep SZA/SAA/VZA/VAA
  bool s3Hrefs = false;     // keep the s3_ twins (CMR: "s3_B04") in s3Hrefs
};

// The granule a STAC item describes, its relative hrefs resolved against `base` (the page's
// URL). Nothing, with *whyNot set, when the item is not an HLS v2 granule (no sensor or tile to
// be found in its id, collection or properties). Never looks at asset media types.
std::optional<StacGranule> granuleFromStacItem(const QJsonObject& item, const QUrl& base,
                                               const GranuleAssetOptions& options, std::string* whyNot = nullptr);

}  // namespace prithvi
