#pragma once
// Microsoft Planetary Computer keeps its HLS files (collections hls2-l30, hls2-s30) in Azure blob
// storage, which wants a read SAS token in every URL's query. Tokens come from PC's SAS API, one
// per storage account and container (GET <api>/token/<account>/<container>: {"token": ...,
// "msft:expiry": ...}); they last about an hour. Each is asked for once and kept until five
// minutes before it expires: signing every URL on its own draws PC's rate limits (429).
// Projects store the URLs unsigned; they are signed when a file is opened or downloaded.
//
// Which hosts: *.blob.core.windows.net, and those in $PRITHVI_PLANETARY_HOSTS (comma-separated
// host or host:port; how tests name a loopback server). The API: $PRITHVI_PLANETARY_SAS_API, else
// https://planetarycomputer.microsoft.com/api/sas/v1.

#include <string>

namespace prithvi {

class Feedback;

// True when `url` (http(s), no /vsicurl/ prefix) is on a Planetary Computer storage host.
bool needsPlanetarySas(const std::string& url);

// `url` with its container's SAS token as the query (replacing any query it had); `url` itself
// for other hosts. Thread-safe; the first URL of a container waits for PC's answer (retried as
// STAC requests are). Throws Error(Io) when the SAS API cannot be reached or answers no token.
std::string signPlanetaryUrl(const std::string& url, Feedback* feedback = nullptr);

// Forgets the cached tokens (tests; a token PC revoked).
void clearPlanetarySasTokens();

}  // namespace prithvi
