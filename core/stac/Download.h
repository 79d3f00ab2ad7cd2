#pragma once
// Downloads of granule files over HTTP: several at once, each into NAME.part first and renamed
// into place only when its size is what the server said, resumed with a Range request after a
// dropped connection (and on a later call, from a .part an interrupted run left), with retries
// as for search (StacHttp.h). A name that exists is never overwritten: it counts as done.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <QByteArray>
#include <QUrl>

#include "core/stac/StacHttp.h"

namespace prithvi {

class Feedback;

struct DownloadItem {
  QUrl url;
  std::string path;  // where the file goes
};

struct DownloadOptions {
  int parallel = 4;  // files in flight at once
  RetryPolicy retry;
  // Sent to each item's own host only (never after a redirect elsewhere): an Earthdata token.
  std::vector<std::pair<QByteArray, QByteArray>> hostOnlyHeaders;
  std::string service = "the data host";
  std::string refusedHint;  // what a 401/403 means (HttpRequest::refusedHint)
};

struct DownloadSummary {
  int downloaded = 0;     // files written by this call
  int alreadyThere = 0;   // files that existed and were left alone
  int resumed = 0;        // files continued from a .part
  int64_t bytes = 0;      // bytes received by this call
};

// Downloads every item (their folders must exist). Progress on `feedback` in bytes of the known
// total ("12.1 of 64.0 MB, 3 of 7 files"). Throws Error naming the file: the first failure
// stops the others, which keep their .part for a later call; on cancel (Error(Canceled)) every
// .part of this call is removed and so are the files it completed, so nothing is left behind.
DownloadSummary downloadFiles(const std::vector<DownloadItem>& items, const DownloadOptions& options, Feedback* feedback);

// The Content-Range header's total ("bytes 0-99/1234" -> 1234; "bytes */1234" -> 1234); -1 when
// the header is absent, malformed or the total unknown ("*").
int64_t contentRangeTotal(const QByteArray& header);
// Its first byte ("bytes 100-199/1234" -> 100); -1 when absent or malformed.
int64_t contentRangeStart(const QByteArray& header);

}  // namespace prithvi
