#pragma once
// HTTP requests of the STAC client: synchronous (for callers on worker threads, each call runs a
// local event loop), cancellable, and retried with bounded exponential backoff when a service is
// busy (429), failing upstream (502, 503, 504) or drops the connection, the way NASA CMR-STAC
// and its rate-limiting firewall behave under load. Needs a QCoreApplication.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <QByteArray>
#include <QDateTime>
#include <QUrl>

class QNetworkAccessManager;

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
  std::string service = "the server";  // who answers, for messages: "the STAC API"
};

struct HttpResponse {
  int status = 0;
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

// Sends `request` until it gets a 2xx answer. Retries retryable statuses and dropped or timed-out
// connections after waits of firstDelaySeconds, doubled each time, or what Retry-After asks;
// at most maxAttempts tries and maxTotalWaitSeconds of waiting. Throws Error naming the URL and
// the status: Canceled when `feedback` is canceled (checked while a request is under way and
// while waiting), Io when the tries or the time allowed run out or the host cannot be reached,
// Usage for an answer that says the request itself is wrong (400, 404, 422, ...).
HttpResponse sendWithRetries(QNetworkAccessManager& network, const HttpRequest& request, const RetryPolicy& policy,
                             Feedback* feedback);

}  // namespace prithvi
