#pragma once
// Byte ranges of a file on an HTTP(S) host, for the disk block cache (BlockCache.h): one request
// per range through GDAL's HTTP client (curl, with GDAL's retries on 429/502/503/504 and its
// proxy and timeout settings), one kept-alive connection per thread and host.
//
// Why not /vsicurl/ underneath: on LP DAAC every request to the data host (with the token) is
// answered by a redirect to a signed S3 URL, so each range costs two round trips, and /vsicurl/
// asks for the size in a request of its own before the first range. Here the first range of a
// file also tells its size (Content-Range), and the signed URL a redirect names is asked
// directly, without the token, until shortly before it expires: one round trip per range. curl
// drops the Authorization header when it follows a redirect to another host, so the token only
// ever reaches the host it was given for.

#include <cstdint>
#include <optional>
#include <string>

namespace prithvi {

// What GDAL was told to open: the URL and the header file of "/vsicurl?header_file=F&url=U" (URL-
// encoded) or of "/vsicurl/URL".
struct HttpFile {
  std::string url;
  std::string headerFile;  // empty: no headers of our own
};
HttpFile httpFileOf(const std::string& vsicurlPath);

struct RangeReply {
  std::string data;       // the range's bytes (fewer at the end of the file)
  uint64_t fileSize = 0;  // the whole file's, from Content-Range (or the body of a 200)
};

// Reads [offset, offset + length). On failure returns nullopt, having reported why through
// CPLError ("HTTP error code : 401", curl's message, or a reply shorter than asked).
std::optional<RangeReply> fetchHttpRange(const HttpFile& file, uint64_t offset, size_t length);

// When a signed URL stops working, in seconds since the epoch, from its query: X-Amz-Date +
// X-Amz-Expires (S3 presigned), Expires (CloudFront, Google Cloud Storage) or se (Azure SAS).
// nullopt when the query does not say: such a URL is never reused.
std::optional<int64_t> signedUrlExpiry(const std::string& url);

// Forgets the signed URLs learned from redirects (a test or benchmark starting cold).
void forgetSignedUrls();

}  // namespace prithvi
