#pragma once
// HTTP requests of the STAC client: synchronous (for callers on worker threads, each call runs a
// local event loop), cancellable, and retried with bounded exponential backoff when a service is
// busy (429), failing upstream (502, 503, 504) or drops the connection, the way NASA CMR-STAC
// and its rate-limiting firewall behave under load. Needs a QCoreApplication.

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <QByteArray>
#include <QDateTime>
#include <QUrl>

class QNetworkAccessManager;
class QNetworkReply;

namespace prithvi {

class Feedback;

struct RetryPolicy {
  int maxAttempts = 5;                 // tries of one request, the first included
  double firstDelaySeconds = 1.0;      // the wait after the first failure, doubled after each next one
  double maxDelaySeconds = 30.0;       // no single wait is longer (a longer Retry-After gives up)
  double maxTotalWaitSeconds = 120.0;  // all waits of one request together
  int transferTimeoutSeconds = 60;     // a request that moves no byte this long fails (and is retried)
};

struct HttpRequest {
  QUrl url;
  QByteArray method = "GET";  // GET or POST
  QByteArray body;            // POST only: a JSON document
  std::vector<std::pair<QByteArray, QByteArray>> headers;
  // Sent to this URL's own scheme, host and port only, never after a redirect elsewhere: an
  // Earthdata token goes to the data host, not to the signed URLs LP DAAC redirects to.
  std::vector<std::pair<QByteArray, QByteArray>> hostOnlyHeaders;
  std::string service = "the server";  // who answers, for messages: "the STAC API"
  // What a 401 or 403 means here and what to do, when the caller knows better than "the
  // service refuses" ("Earthdata login failed: ... set EARTHDATA_TOKEN").
  std::string refusedHint;
};

// Where a body goes when it is streamed (downloads) instead of kept in the response.
struct HttpBodySink {
  // Before each try: may change the request (a Range header for the bytes already kept).
  std::function<void(HttpRequest& request)> prepare;
  // The final answer's status and headers, before any byte of its body (after redirects).
  std::function<void(int status, const QNetworkReply& reply)> begin;
  // Each part of a 2xx body as it arrives; may throw (a full disk) to stop the transfer.
  std::function<void(const QByteArray& chunk)> write;
};

struct HttpResponse {
  int status = 0;
  QUrl finalUrl;               // after redirects
  QByteArray body;
  int attempts = 0;            // 1 when the first try succeeded
  double waitedSeconds = 0;    // time spent in backoff waits
};

// 429, 502, 503 and 504: answers that say "later", not "never".
bool isRetryableStatus(int status);
// The seconds a Retry-After header asks for (delta-seconds or an HTTP date, relative to `now`);
// nothing when the value is empty or unreadable.
std::optional<double> parseRetryAfter(const QByteArray& value, const QDateTime& now);
// The human part of an error answer: "description", "message", "detail" or "errors" of a JSON
// body, else the start of a text body; empty when there is nothing readable.
std::string serverMessage(const QByteArray& body);

// Sends `request` until it gets a 2xx answer, following up to 5 redirects itself (so that
// hostOnlyHeaders stay with their host). Retries retryable statuses and dropped or timed-out
// connections after waits of firstDelaySeconds, doubled each time, or what Retry-After asks;
// at most maxAttempts tries and maxTotalWaitSeconds of waiting. Throws Error naming the URL and
// the status: Canceled when `feedback` is canceled (checked while a request is under way and
// while waiting), Io when the tries or the time allowed run out or the host cannot be reached,
// Usage for an answer that says the request itself is wrong (400, 404, 422, ...).
// With a `sink`, a 2xx body is streamed to it (the response's body stays empty), each retry
// after a cut-off body goes through sink->prepare again, and a 416 is returned to the caller
// too (the bytes asked for are past the end: what it kept may already be complete).
HttpResponse sendWithRetries(QNetworkAccessManager& network, const HttpRequest& request, const RetryPolicy& policy,
                             Feedback* feedback, HttpBodySink* sink = nullptr);

}  // namespace prithvi
