#pragma once
// Rasters read over HTTP(S) through GDAL's /vsicurl/ (streamed HLS granules: "/vsicurl/https://
// data.lpdaac.earthdatacloud.nasa.gov/.../HLS.S30....B04.tif"). Projects store those paths as
// they are; only the moment of opening adds what a host needs:
// - the Earthdata token, as "Authorization: Bearer" from a header file only its owner can read,
//   for the data hosts that take it and no other (GDAL's per-URL header_file form; curl drops it
//   on the cross-host redirects to signed URLs, and GDAL is told not to reuse those redirects
//   with the header, CPL_VSIL_CURL_USE_S3_REDIRECT=NO);
// - Microsoft Planetary Computer's SAS token for its Azure blob hosts (PlanetarySas.h);
// - GDAL's retries on 429/5xx, its in-memory block cache, and our disk cache (BlockCache.h), so
//   a second view, a time series or a later session does not fetch the same blocks again.
// GDAL's network stays off in a process until it opens a remote path (ensureGdalRegistered); from
// then on it is on for that process.

#include <optional>
#include <string>
#include <vector>

namespace prithvi {

// "/vsicurl/..." or a plain "http(s)://..." URL.
bool isRemoteRasterPath(const std::string& path);
// "host" or "host:port" of a URL, as the host lists below name them.
std::string urlHost(const std::string& url);

// The Earthdata data hosts ("host" or "host:port") and the token they get. The default: the token
// from $EARTHDATA_TOKEN for data.lpdaac.earthdatacloud.nasa.gov and the hosts listed in
// $PRITHVI_EARTHDATA_HOSTS (comma-separated; how tests name a loopback server). Thread-safe.
void setEarthdataCredentials(const std::optional<std::string>& token, const std::vector<std::string>& hosts);
std::vector<std::string> defaultEarthdataHosts();

// What GDAL should open for `path`: a remote path of a data host that gets the token becomes
// "/vsicurl?header_file=...&url=..."; a plain URL becomes "/vsicurl/URL"; anything else is
// returned as it is. Sets GDAL's network options on first use.
std::string gdalOpenPath(const std::string& path);

}  // namespace prithvi
