#include "core/stac/StacClient.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <string_view>

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>

#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/base/NumberText.h"

namespace prithvi {

namespace {

constexpr const char* kService = "the STAC API";
// A million items: far beyond any HLS search a person runs, and a bound on a server that never
// stops handing out new pages.
constexpr int kMaxPages = 10000;

QString key(const char* name) { return QString::fromLatin1(name); }

std::string urlText(const QUrl& url) { return url.toString(QUrl::RemoveUserInfo).toStdString(); }

// What identifies a page request, to notice one that comes around again.
QByteArray pageKey(const HttpRequest& request) {
  return request.method + ' ' + request.url.toEncoded() + ' ' + request.body;
}

QJsonObject parsePage(const QByteArray& body, const QUrl& url) {
  QJsonParseError error;
  const QJsonDocument document = QJsonDocument::fromJson(body, &error);
  if (error.error != QJsonParseError::NoError)
    throwBadInput(std::string(kService) + " at " + urlText(url) + " answered with a page that is not JSON (" +
                  error.errorString().toStdString() + " at byte " + std::to_string(error.offset) +
                  "); the service may be failing: try again later, or check the address");
  if (!document.isObject() || !document.object().value(key("features")).isArray())
    throwBadInput(std::string(kService) + " at " + urlText(url) +
                  " answered with JSON that is not a STAC item collection (no \"features\" list); check that the "
                  "address is the root of a STAC API");
  return document.object();
}

// numberMatched (OGC API) or context.matched (the context extension, which CMR-STAC uses).
std::optional<int64_t> matchedOf(const QJsonObject& page) {
  const QJsonValue numberMatched = page.value(key("numberMatched"));
  if (numberMatched.isDouble()) return int64_t(numberMatched.toDouble());
  const QJsonValue contextMatched = page.value(key("context")).toObject().value(key("matched"));
  if (contextMatched.isDouble()) return int64_t(contextMatched.toDouble());
  return std::nullopt;
}

// The request for the page a "next" link points at: a GET URL (CMR's cursor), or a POST whose
// body replaces the search's or, with "merge": true, is merged into it.
std::optional<HttpRequest> nextPageRequest(const QJsonObject& page, const HttpRequest& current) {
  for (const QJsonValue& value : page.value(key("links")).toArray()) {
    const QJsonObject link = value.toObject();
    if (link.value(key("rel")).toString() != QLatin1String("next")) continue;
    const QUrl url = current.url.resolved(QUrl(link.value(key("href")).toString()));
    if (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https"))
      throwBadInput(std::string(kService) + " at " + urlText(current.url) + " gave a next-page link that is not an " +
                    "http(s) URL: '" + link.value(key("href")).toString().toStdString() + "'");
    HttpRequest next;
    next.url = url;
    next.service = current.service;
    next.method = link.value(key("method")).toString(QStringLiteral("GET")).toUpper().toLatin1();
    if (next.method == "POST") {
      QJsonObject body = link.value(key("merge")).toBool() ? QJsonDocument::fromJson(current.body).object() : QJsonObject();
      const QJsonObject linkBody = link.value(key("body")).toObject();
      for (auto it = linkBody.begin(); it != linkBody.end(); ++it) body[it.key()] = it.value();
      next.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    } else if (next.method != "GET") {
      throwBadInput(std::string(kService) + " at " + urlText(current.url) + " gave a next-page link with method '" +
                    next.method.toStdString() + "'; only GET and POST are STAC's");
    }
    const QJsonObject headers = link.value(key("headers")).toObject();
    for (auto it = headers.begin(); it != headers.end(); ++it)
      next.headers.emplace_back(it.key().toLatin1(), it.value().toString().toUtf8());
    return next;
  }
  return std::nullopt;
}

// What one page added, and what it held that was left out.
struct PageItems {
  std::vector<StacGranule> added;
  int64_t items = 0;        // features on the page
  int64_t repeated = 0;     // ids already returned by an earlier page
  int64_t notHls = 0;       // items that are not HLS granules
  int64_t overCloud = 0;    // above the cloud cover asked for: the API ignored the query
  std::string firstNotHls;  // why the first one is not
};

PageItems takePageItems(const QJsonArray& features, const QUrl& pageUrl, const StacSearchRequest& request,
                        const std::string& tile, std::set<std::string>& seenIds) {
  const GranuleAssetOptions assetOptions{request.angleBands, request.s3Hrefs};
  PageItems page;
  for (const QJsonValue& feature : features) {
    const std::string id = feature.toObject().value(key("id")).toString().toStdString();
    if (!feature.isObject() || id.empty())
      throwBadInput(std::string(kService) + " at " + urlText(pageUrl) +
                    " answered with a page holding an item without an id; the service may be failing: try again later");
    ++page.items;
    if (!seenIds.insert(id).second) {
      ++page.repeated;
      continue;
    }
    std::string whyNot;
    auto granule = granuleFromStacItem(feature.toObject(), pageUrl, assetOptions, &whyNot);
    if (!granule) {
      if (page.notHls++ == 0) page.firstNotHls = whyNot;
      continue;
    }
    if (!tile.empty() && granule->tile != tile) continue;  // a neighbouring tile that overlaps the area
    if (request.maxCloudCover && granule->cloudCover && *granule->cloudCover > *request.maxCloudCover) {
      ++page.overCloud;
      continue;
    }
    page.added.push_back(std::move(*granule));
  }
  return page;
}

void warn(StacSearchResult& result, Feedback* feedback, const std::string& text) {
  result.warnings.push_back(text);
  if (feedback) feedback->log("warning", text);
}

// The warnings of items left out over the whole search, once each.
void warnLeftOut(StacSearchResult& result, Feedback* feedback, int64_t notHls, const std::string& firstNotHls,
                 int64_t overCloud, const StacSearchRequest& request) {
  if (notHls > 0)
    warn(result, feedback, std::to_string(notHls) + " item(s) left out as not HLS v2 granules (first: " + firstNotHls + ")");
  if (overCloud > 0)
    warn(result, feedback, std::to_string(overCloud) + " item(s) above " + numberText(*request.maxCloudCover) +
                               "% cloud cover left out: the API ignored the cloud filter (it may not support STAC's " +
                               "query extension)");
}

}  // namespace

StacClient::StacClient(StacSource source) : mSource(std::move(source)) {}

void StacClient::addHeader(const std::string& name, const std::string& value) {
  const bool tokenChars = !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(char(c)) != std::string_view::npos;
  });
  if (!tokenChars) throwUsage("'" + name + "' is not an HTTP header name");
  if (value.find_first_of("\r\n") != std::string::npos) throwUsage("the value of header " + name + " holds a line break");
  mHeaders.emplace_back(QByteArray::fromStdString(name), QByteArray::fromStdString(value));
}

StacSearchResult StacClient::search(const StacSearchRequest& request, Feedback* feedback, const PageCallback& onPage) const {
  validateSearchRequest(request);
  const std::string tile = request.tile.empty() ? std::string() : MgrsTile::parse(request.tile).id();
  const QUrl root(QString::fromStdString(mSource.rootUrl));
  HttpRequest page;
  page.url = QUrl(QString::fromStdString(mSource.rootUrl + "/search"));
  page.method = "POST";
  page.body = QJsonDocument(searchRequestBody(request, mSource)).toJson(QJsonDocument::Compact);
  page.service = kService;

  QNetworkAccessManager network;
  StacSearchResult result;
  std::set<std::string> seenIds;
  std::set<QByteArray> seenPages;
  int64_t notHls = 0, overCloud = 0;
  std::string firstNotHls;
  for (;;) {
    throwIfCanceled(feedback);
    seenPages.insert(pageKey(page));
    HttpRequest sent = page;
    if (sent.url.host() == root.host())  // the caller's headers (API keys) stay with the API's own host
      sent.headers.insert(sent.headers.begin(), mHeaders.begin(), mHeaders.end());
    const QJsonObject json = parsePage(sendWithRetries(network, sent, mRetry, feedback).body, page.url);
    ++result.pages;
    if (const auto matched = matchedOf(json)) result.matched = matched;

    PageItems items = takePageItems(json.value(key("features")).toArray(), page.url, request, tile, seenIds);
    result.itemsRead += items.items;
    if (items.notHls > 0 && notHls == 0) firstNotHls = items.firstNotHls;
    notHls += items.notHls;
    overCloud += items.overCloud;
    if (request.maxItems > 0 && int64_t(result.granules.size() + items.added.size()) > request.maxItems)
      items.added.resize(size_t(request.maxItems - int64_t(result.granules.size())));
    result.granules.insert(result.granules.end(), items.added.begin(), items.added.end());
    reportProgress(feedback, result.itemsRead, result.matched.value_or(0),
                   "page " + std::to_string(result.pages) + ": " + std::to_string(result.granules.size()) + " granule(s)");
    if (onPage && !items.added.empty()) onPage(items.added);

    if (items.items > 0 && items.repeated == items.items) {
      warn(result, feedback, "page " + std::to_string(result.pages) + " at " + urlText(page.url) +
                                 " repeats items already returned; stopped there so the search does not loop (the API " +
                                 "may have lost its place: results may be incomplete)");
      break;
    }
    if (request.maxItems > 0 && int64_t(result.granules.size()) >= request.maxItems) break;
    const auto next = nextPageRequest(json, page);
    if (!next || items.items == 0) break;
    if (seenPages.count(pageKey(*next))) {
      warn(result, feedback, "page " + std::to_string(result.pages) + " links back to a page already read (" +
                                 urlText(next->url) + "); stopped there so the search does not loop (results may " +
                                 "be incomplete)");
      break;
    }
    if (result.pages >= kMaxPages) {
      warn(result, feedback, "stopped after " + std::to_string(kMaxPages) + " pages; narrow the search");
      break;
    }
    page = *next;
  }
  warnLeftOut(result, feedback, notHls, firstNotHls, overCloud, request);
  return result;
}

}  // namespace prithvi
