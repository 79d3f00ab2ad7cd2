#include "core/raster/HttpRanges.h"

#include <QDateTime>
#include <QUrl>
#include <QUrlQuery>
#include <ctime>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include <cpl_error.h>
#include <cpl_http.h>
#include <cpl_string.h>

namespace prithvi {

namespace {

// A signed URL is dropped this long before its query says it expires (clock skew, slow requests).
constexpr int64_t kExpiryMarginSeconds = 60;

struct SignedUrl {
  std::string url;
  int64_t expiresAt = 0;
};

struct SignedUrls {
  std::mutex mutex;
  std::unordered_map<std::string, SignedUrl> byFile;

  std::optional<std::string> usable(const std::string& file) {
    std::lock_guard lock(mutex);
    const auto it = byFile.find(file);
    if (it == byFile.end()) return std::nullopt;
    if (std::time(nullptr) + kExpiryMarginSeconds >= it->second.expiresAt) {
      byFile.erase(it);
      return std::nullopt;
    }
    return it->second.url;
  }
  void remember(const std::string& file, SignedUrl signedUrl) {
    std::lock_guard lock(mutex);
    byFile[file] = std::move(signedUrl);
  }
  void forget(const std::string& file) {
    std::lock_guard lock(mutex);
    byFile.erase(file);
  }
};

SignedUrls& signedUrls() {
  static SignedUrls instance;
  return instance;
}

struct ResultDeleter {
  void operator()(CPLHTTPResult* result) const { CPLHTTPDestroyResult(result); }
};
using HttpResult = std::unique_ptr<CPLHTTPResult, ResultDeleter>;

// One GET of the range; the headers of every hop (a redirect's Location among them) come back.
HttpResult get(const std::string& url, const std::string& headerFile, uint64_t offset, size_t length) {
  // One curl handle per thread, kept: its connections stay open between ranges (no new TCP and
  // TLS handshake per request). Every request carries a Range header, so GDAL sets each one's
  // header list afresh and nothing of a previous request's headers is sent.
  thread_local const std::string persistent =
      "PERSISTENT=prithvi-ranges-" + std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id()));
  const std::string range = "HEADERS=Range: bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1);
  std::vector<const char*> options{range.c_str(), persistent.c_str()};
  const std::string headers = "HEADER_FILE=" + headerFile;
  if (!headerFile.empty()) options.push_back(headers.c_str());
  options.push_back(nullptr);
  return HttpResult(CPLHTTPFetch(url.c_str(), const_cast<char**>(options.data())));
}

bool failed(const CPLHTTPResult* result) { return !result || result->nStatus != 0 || result->pszErrBuf; }

// The last redirect target, when it is on another host than `url` (a signed URL).
std::optional<std::string> redirectTarget(const std::string& url, const CPLHTTPResult& result) {
  std::optional<std::string> target;
  for (char** header = result.papszHeaders; header && *header; ++header) {
    char* key = nullptr;
    const char* value = CPLParseNameValue(*header, &key);
    if (key && value && EQUAL(key, "Location")) {
      // An absolute target as it is: re-encoding its query could break the signature.
      const std::string location = value;
      target = location.starts_with("http://") || location.starts_with("https://")
                   ? location
                   : QUrl(QString::fromStdString(url)).resolved(QUrl(QString::fromStdString(location))).toString(QUrl::FullyEncoded).toStdString();
    }
    CPLFree(key);
  }
  if (target && QUrl(QString::fromStdString(*target)).authority() == QUrl(QString::fromStdString(url)).authority()) return std::nullopt;
  return target;
}

// "bytes a-b/total" of the reply's Content-Range.
std::optional<std::pair<uint64_t, uint64_t>> contentRange(const CPLHTTPResult& result) {
  const char* value = CSLFetchNameValue(result.papszHeaders, "Content-Range");
  unsigned long long first = 0, last = 0, total = 0;
  if (!value || std::sscanf(value, "bytes %llu-%llu/%llu", &first, &last, &total) != 3) return std::nullopt;
  return std::make_pair(uint64_t(first), uint64_t(total));
}

std::optional<RangeReply> replyOf(const CPLHTTPResult& result, const std::string& url, uint64_t offset, size_t length) {
  RangeReply reply;
  const char* bytes = reinterpret_cast<const char*>(result.pabyData);
  const size_t received = size_t(std::max(0, result.nDataLen));
  if (const auto range = contentRange(result)) {
    if (range->first != offset) {
      CPLError(CE_Failure, CPLE_HttpResponse, "%s answered bytes from %llu when asked from %llu", url.c_str(),
               static_cast<unsigned long long>(range->first), static_cast<unsigned long long>(offset));
      return std::nullopt;
    }
    reply.fileSize = range->second;
    reply.data.assign(bytes ? bytes : "", received);
  } else {  // a 200: the host sent the whole file
    reply.fileSize = received;
    if (offset < received) reply.data.assign(bytes + offset, std::min<size_t>(length, received - offset));
  }
  const uint64_t expected = offset >= reply.fileSize ? 0 : std::min<uint64_t>(length, reply.fileSize - offset);
  if (reply.data.size() != expected) {
    CPLError(CE_Failure, CPLE_HttpResponse, "%s answered %zu bytes of the %llu asked at offset %llu (cut short)",
             url.c_str(), reply.data.size(), static_cast<unsigned long long>(expected),
             static_cast<unsigned long long>(offset));
    return std::nullopt;
  }
  return reply;
}

int64_t secondsSinceEpoch(const QDateTime& time) { return time.isValid() ? time.toSecsSinceEpoch() : 0; }

}  // namespace

HttpFile httpFileOf(const std::string& vsicurlPath) {
  HttpFile file;
  if (vsicurlPath.starts_with("/vsicurl?")) {
    // GDAL's form: options, then url= last with the URL percent-encoded.
    const auto at = vsicurlPath.find("url=");
    const std::string options = vsicurlPath.substr(9, at == std::string::npos ? std::string::npos : at - 9);
    if (at != std::string::npos)
      file.url = QUrl::fromPercentEncoding(QByteArray::fromStdString(vsicurlPath.substr(at + 4))).toStdString();
    for (const QString& option : QString::fromStdString(options).split(QLatin1Char('&'), Qt::SkipEmptyParts))
      if (option.startsWith(QLatin1String("header_file="))) file.headerFile = option.mid(12).toStdString();
  } else {
    file.url = vsicurlPath.substr(vsicurlPath.starts_with("/vsicurl/") ? 9 : 0);
  }
  return file;
}

std::optional<int64_t> signedUrlExpiry(const std::string& url) {
  const QUrlQuery query(QUrl(QString::fromStdString(url)));
  auto value = [&](const char* key) {
    for (const auto& [name, text] : query.queryItems(QUrl::FullyDecoded))
      if (name.compare(QLatin1String(key), Qt::CaseInsensitive) == 0) return text;
    return QString();
  };
  bool ok = false;
  if (const QString date = value("X-Amz-Date"); !date.isEmpty()) {
    QDateTime signedAt = QDateTime::fromString(date, QStringLiteral("yyyyMMdd'T'HHmmss'Z'"));
    signedAt.setTimeSpec(Qt::UTC);
    const qint64 lifetime = value("X-Amz-Expires").toLongLong(&ok);
    if (ok && signedAt.isValid()) return secondsSinceEpoch(signedAt) + lifetime;
    return std::nullopt;
  }
  if (const qint64 expires = value("Expires").toLongLong(&ok); ok && expires > 0) return expires;
  if (const QString se = value("se"); !se.isEmpty()) {
    if (const int64_t at = secondsSinceEpoch(QDateTime::fromString(se, Qt::ISODate)); at > 0) return at;
  }
  return std::nullopt;
}

std::optional<RangeReply> fetchHttpRange(const HttpFile& file, uint64_t offset, size_t length) {
  if (length == 0) length = 1;  // a range must name a byte; the caller gets what exists
  if (const auto direct = signedUrls().usable(file.url)) {
    CPLPushErrorHandler(CPLQuietErrorHandler);  // a refused signature is answered by asking again below
    const HttpResult result = get(*direct, std::string(), offset, length);
    std::optional<RangeReply> reply = failed(result.get()) ? std::nullopt : replyOf(*result, *direct, offset, length);
    CPLPopErrorHandler();
    if (reply) return reply;
    signedUrls().forget(file.url);
  }
  const HttpResult result = get(file.url, file.headerFile, offset, length);
  if (failed(result.get())) {
    if (result && !result->pszErrBuf) CPLError(CE_Failure, CPLE_HttpResponse, "%s: curl error %d", file.url.c_str(), result->nStatus);
    return std::nullopt;
  }
  if (const auto target = redirectTarget(file.url, *result))
    if (const auto expiresAt = signedUrlExpiry(*target)) signedUrls().remember(file.url, {*target, *expiresAt});
  return replyOf(*result, file.url, offset, length);
}

void forgetSignedUrls() {
  std::lock_guard lock(signedUrls().mutex);
  signedUrls().byFile.clear();
}

}  // namespace prithvi
