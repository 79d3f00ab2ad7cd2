#pragma once
// A STAC API client for HLS: item search with every page followed, retries, progress and cancel,
// and results as HLS granules. Synchronous, for worker threads (and the CLI); each search runs
// its own network manager and local event loop, so one client may serve several threads.
//
// Paging follows the page's "next" link: CMR-STAC gives a GET URL with an opaque cursor even
// after a POST; other APIs give a POST link whose body is merged into the search's. A page that
// repeats (the same next link again, or only items already returned) ends the search with a
// warning instead of looping. No credential is ever added here: search needs none, and the
// Earthdata token belongs to the data host only.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/stac/StacGranule.h"
#include "core/stac/StacHttp.h"
#include "core/stac/StacSearch.h"

namespace prithvi {

class Feedback;

struct StacSearchResult {
  std::vector<StacGranule> granules;  // in the API's order, each id once
  std::optional<int64_t> matched;     // what the API said matched (context.matched or numberMatched)
  int pages = 0;                      // pages read
  int64_t itemsRead = 0;              // items on those pages, skipped ones included
  std::vector<std::string> warnings;  // a repeating page, items that are not HLS granules, ...
};

class StacClient {
 public:
  explicit StacClient(StacSource source);

  const StacSource& source() const { return mSource; }
  void setRetryPolicy(const RetryPolicy& policy) { mRetry = policy; }
  const RetryPolicy& retryPolicy() const { return mRetry; }
  // A header sent with every request to the API's own host (never to another host a next link
  // may point at), for APIs that want a key. Throws Error(Usage) for an empty or malformed name.
  void addHeader(const std::string& name, const std::string& value);

  // Called after each page with the granules it added, so a caller can show them as they come.
  using PageCallback = std::function<void(const std::vector<StacGranule>& added)>;

  // Every granule that matches, across all pages, up to request.maxItems. Progress on
  // `feedback`: items read so far of the number matched; warnings and retries are logged on it.
  // Throws Error: Usage for a bad request, Canceled when `feedback` is canceled (nothing is
  // returned), Io when the API stays unreachable or busy, BadInput for a page that is not JSON
  // or not a STAC item collection (naming its URL).
  StacSearchResult search(const StacSearchRequest& request, Feedback* feedback = nullptr,
                          const PageCallback& onPage = {}) const;

 private:
  StacSource mSource;
  RetryPolicy mRetry;
  std::vector<std::pair<QByteArray, QByteArray>> mHeaders;
};

}  // namespace prithvi
