#include "core/stac/StacHttp.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <memory>
#include <thread>

#include <QCoreApplication>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/base/NumberText.h"

namespace prithvi {

namespace {

constexpr int kCancelPollMs = 50;

// What one try got: an HTTP answer, a network error, or both (a body cut off after the headers).
struct Attempt {
  int status = 0;
  QByteArray reason;  // "Service Unavailable"
  QNetworkReply::NetworkError error = QNetworkReply::NoError;
  QString errorText;
  bool timedOut = false;
  QByteArray body;
  QByteArray retryAfter;
  QUrl url;  // where the answer came from, after redirects
};

std::string secondsText(double seconds) { return fixedNumberText(seconds, seconds < 10 ? 1 : 0) + " s"; }

std::string urlText(const QUrl& url) { return url.toString(QUrl::RemoveUserInfo).toStdString(); }

QNetworkRequest networkRequestFor(const HttpRequest& request, int timeoutSeconds) {
  QNetworkRequest networkRequest(request.url);
  networkRequest.setTransferTimeout(timeoutSeconds * 1000);
  networkRequest.setHeader(QNetworkRequest::UserAgentHeader, QByteArray("prithvi-studio/" PRITHVI_VERSION));
  networkRequest.setRawHeader("Accept", "application/geo+json, application/json;q=0.9");
  if (request.method == "POST") networkRequest.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
  for (const auto& [name, value] : request.headers) networkRequest.setRawHeader(name, value);
  return networkRequest;
}

bool sameOrigin(const QUrl& a, const QUrl& b) {
  return a.scheme() == b.scheme() && a.host() == b.host() && a.port(a.scheme() == QLatin1String("https") ? 443 : 80) ==
                                                                     b.port(b.scheme() == QLatin1String("https") ? 443 : 80);
}

bool isRedirect(int status) { return status == 301 || status == 302 || status == 303 || status == 307 || status == 308; }

constexpr int kMaxRedirects = 5;

// One try, waiting in a local event loop that polls for cancel; redirects are followed here, so
// that hostOnlyHeaders go to the first URL's origin only. With a sink, a 2xx or 416 body is
// streamed to it; other bodies are kept for the error message.
Attempt sendOnce(QNetworkAccessManager& network, const HttpRequest& request, int timeoutSeconds, Feedback* feedback,
                 HttpBodySink* sink) {
  HttpRequest hop = request;
  for (int redirects = 0;; ++redirects) {
    QNetworkRequest networkRequest = networkRequestFor(hop, timeoutSeconds);
    networkRequest.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    if (sameOrigin(hop.url, request.url))
      for (const auto& [name, value] : request.hostOnlyHeaders) networkRequest.setRawHeader(name, value);
    std::unique_ptr<QNetworkReply> reply(hop.method == "POST" ? network.post(networkRequest, hop.body)
                                                               : network.get(networkRequest));
    bool canceled = false;
    bool began = false;
    std::exception_ptr sinkError;  // thrown by the sink inside a slot; rethrown after the loop
    auto status = [&] { return reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(); };
    auto streams = [&] { return sink && status() >= 200 && status() < 300; };
    QEventLoop loop;
    QObject::connect(reply.get(), &QNetworkReply::finished, &loop, &QEventLoop::quit);
    if (sink)
      QObject::connect(reply.get(), &QNetworkReply::readyRead, &loop, [&] {
        if (sinkError || !streams()) return;
        try {
          if (!began && sink->begin) sink->begin(status(), *reply);
          began = true;
          if (sink->write) sink->write(reply->readAll());
        } catch (...) {
          sinkError = std::current_exception();
          reply->abort();
        }
      });
    QTimer cancelPoll;
    QObject::connect(&cancelPoll, &QTimer::timeout, [&] {
      if (!isCanceled(feedback)) return;
      canceled = true;
      reply->abort();  // emits finished, which ends the loop
    });
    cancelPoll.start(kCancelPollMs);
    if (!reply->isFinished()) loop.exec();
    cancelPoll.stop();
    if (canceled || isCanceled(feedback)) throw Error(ErrorKind::Canceled, "canceled");
    if (sinkError) std::rethrow_exception(sinkError);

    Attempt attempt;
    attempt.status = status();
    attempt.reason = reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toByteArray();
    attempt.error = reply->error();
    attempt.errorText = reply->errorString();
    // The transfer timeout aborts the reply the same way a cancel would; only ours sets `canceled`.
    attempt.timedOut = attempt.error == QNetworkReply::OperationCanceledError;
    attempt.retryAfter = reply->rawHeader("Retry-After");
    attempt.url = hop.url;
    const QUrl location = reply->attribute(QNetworkRequest::RedirectionTargetAttribute).toUrl();
    if (isRedirect(attempt.status) && location.isValid()) {
      if (redirects == kMaxRedirects) {
        attempt.errorText = QStringLiteral("more than %1 redirects").arg(kMaxRedirects);
        attempt.error = QNetworkReply::TooManyRedirectsError;
        return attempt;
      }
      hop.url = hop.url.resolved(location);
      if (attempt.status != 307 && attempt.status != 308 && hop.method == "POST") {
        hop.method = "GET";  // as browsers do for 301, 302 and 303
        hop.body.clear();
      }
      continue;
    }
    if (streams() || (sink && attempt.status == 416)) {
      if (!began && sink->begin) sink->begin(attempt.status, *reply);
      if (streams() && sink->write) sink->write(reply->readAll());
    } else {
      attempt.body = reply->readAll();
    }
    return attempt;
  }
}

// An answer with an error status; otherwise a failure of the connection (which may come after
// a 200's headers, when the body is cut off).
bool isHttpError(const Attempt& attempt) { return attempt.status >= 400; }

bool isRetryableNetworkError(const Attempt& attempt) {
  if (attempt.timedOut) return true;
  switch (attempt.error) {
    case QNetworkReply::RemoteHostClosedError:
    case QNetworkReply::TimeoutError:
    case QNetworkReply::TemporaryNetworkFailureError:
    case QNetworkReply::NetworkSessionFailedError:
    case QNetworkReply::UnknownNetworkError:
    case QNetworkReply::ProxyTimeoutError:
      return true;
    default:
      return false;
  }
}

// "answered 503 (Service Unavailable)", "closed the connection without an answer", ...
std::string outcomeText(const Attempt& attempt, int timeoutSeconds) {
  if (isHttpError(attempt)) {
    std::string text = "answered " + std::to_string(attempt.status);
    if (!attempt.reason.isEmpty()) text += " (" + attempt.reason.toStdString() + ")";
    return text;
  }
  if (attempt.timedOut) return "sent nothing for " + std::to_string(timeoutSeconds) + " s";
  if (attempt.error == QNetworkReply::RemoteHostClosedError) return "closed the connection without an answer";
  return "failed: " + attempt.errorText.toStdString();
}

// Sleeps `seconds` in short steps so a cancel is seen promptly.
void waitCancellable(double seconds, Feedback* feedback) {
  using Clock = std::chrono::steady_clock;
  const auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  while (Clock::now() < end) {
    throwIfCanceled(feedback);
    const Clock::duration step = std::chrono::milliseconds(kCancelPollMs);
    std::this_thread::sleep_for(std::min(end - Clock::now(), step));
  }
  throwIfCanceled(feedback);
}

// The error for an answer that retrying cannot fix.
[[noreturn]] void throwFinalFailure(const HttpRequest& request, const Attempt& attempt, int timeoutSeconds) {
  const std::string where = request.service + " at " + urlText(request.url);
  const std::string said = serverMessage(attempt.body);
  const std::string detail = said.empty() ? std::string() : ": " + said;
  const std::string outcome = outcomeText(attempt, timeoutSeconds);
  const int status = isHttpError(attempt) ? attempt.status : 0;
  if (status == 404)
    throwUsage(where + " " + outcome + detail + "; check the address (a STAC API root such as " +
               "https://cmr.earthdata.nasa.gov/stac/LPCLOUD) and the collection names");
  if ((status == 401 || status == 403) && !request.refusedHint.empty())
    throwUsage(request.refusedHint + " (" + where + " " + outcome + detail + ")");
  if (status == 401 || status == 403)
    throwIo(where + " " + outcome + detail + "; it refuses this request: it may need an API key header, or it " +
            "blocks this address for a while after too many requests (try again later)");
  if (status >= 400 && status < 500)
    throwUsage(where + " refused the request, it " + outcome + detail + "; check the search options");
  if (status > 0)
    throwIo(where + " " + outcome + detail + "; the service is failing: try again later");
  if (attempt.error == QNetworkReply::HostNotFoundError)
    throwIo("cannot find the host of " + urlText(request.url) + "; check the address and the network connection");
  if (attempt.error == QNetworkReply::ConnectionRefusedError)
    throwIo("nothing answers at " + urlText(request.url) + " (connection refused); check the address");
  throwIo("cannot reach " + where + ": " + attempt.errorText.toStdString() + "; check the network connection");
}

// How long to wait before try `attempt + 1`, or why not to.
double delayBeforeRetry(const HttpRequest& request, const Attempt& failed, const RetryPolicy& policy, int attempt,
                        double waitedSoFar, const std::string& failures) {
  const double backoff = policy.firstDelaySeconds * std::pow(2.0, attempt - 1);
  double delay = std::min(backoff, policy.maxDelaySeconds);
  if (const auto asked = parseRetryAfter(failed.retryAfter, QDateTime::currentDateTimeUtc())) {
    if (*asked > policy.maxDelaySeconds)
      throwIo(request.service + " at " + urlText(request.url) + " " + failures + " and asks to wait " +
              secondsText(*asked) + " before the next try, longer than " + secondsText(policy.maxDelaySeconds) +
              "; try again later");
    delay = *asked;  // the service's own word on when to come back
  }
  if (waitedSoFar + delay > policy.maxTotalWaitSeconds)
    throwIo(request.service + " at " + urlText(request.url) + " " + failures + "; gave up after waiting " +
            secondsText(waitedSoFar) + " in " + std::to_string(attempt) + " tries: try again later");
  return delay;
}

}  // namespace

bool isRetryableStatus(int status) { return status == 429 || status == 502 || status == 503 || status == 504; }

std::optional<double> parseRetryAfter(const QByteArray& value, const QDateTime& now) {
  const QByteArray text = value.trimmed();
  if (text.isEmpty()) return std::nullopt;
  if (const auto seconds = parseNumber(text.toStdString()); seconds && *seconds >= 0 && std::isfinite(*seconds))
    return *seconds;
  const QDateTime when = QDateTime::fromString(QString::fromLatin1(text), Qt::RFC2822Date);
  if (!when.isValid()) return std::nullopt;
  return std::max(0.0, double(now.msecsTo(when)) / 1000.0);
}

std::string serverMessage(const QByteArray& body) {
  constexpr int kMaxLength = 300;
  QString text;
  const QJsonDocument document = QJsonDocument::fromJson(body);
  if (document.isObject()) {
    const QJsonObject object = document.object();
    for (const char* key : {"description", "message", "detail", "error"})
      if (object.value(QLatin1String(key)).isString()) {
        text = object.value(QLatin1String(key)).toString();
        break;
      }
    if (text.isEmpty() && object.value(QLatin1String("errors")).isArray()) {
      QStringList errors;
      for (const QJsonValue& error : object.value(QLatin1String("errors")).toArray())
        errors << (error.isString() ? error.toString() : QString::fromUtf8(QJsonDocument(error.toObject()).toJson(QJsonDocument::Compact)));
      text = errors.join(QStringLiteral("; "));
    }
  } else if (!body.trimmed().startsWith('<')) {  // HTML error pages say nothing useful in one line
    text = QString::fromUtf8(body).simplified();
  }
  if (text.size() > kMaxLength) text = text.left(kMaxLength) + QStringLiteral("...");
  return text.toStdString();
}

HttpResponse sendWithRetries(QNetworkAccessManager& network, const HttpRequest& request, const RetryPolicy& policy,
                             Feedback* feedback, HttpBodySink* sink) {
  if (!QCoreApplication::instance()) throwIo("HTTP requests need a QCoreApplication (an internal error)");
  const int maxAttempts = std::max(1, policy.maxAttempts);
  double waited = 0;
  std::string firstOutcome;
  bool allSame = true;
  for (int attempt = 1;; ++attempt) {
    throwIfCanceled(feedback);
    HttpRequest thisTry = request;
    if (sink && sink->prepare) sink->prepare(thisTry);
    const Attempt result = sendOnce(network, thisTry, policy.transferTimeoutSeconds, feedback, sink);
    if ((result.status >= 200 && result.status < 300 && result.error == QNetworkReply::NoError) ||
        (sink && result.status == 416))
      return {result.status, result.url, result.body, attempt, waited};
    const bool retryable = isHttpError(result) ? isRetryableStatus(result.status) : isRetryableNetworkError(result);
    if (!retryable) throwFinalFailure(request, result, policy.transferTimeoutSeconds);

    const std::string outcome = outcomeText(result, policy.transferTimeoutSeconds);
    if (attempt == 1) firstOutcome = outcome;
    allSame = allSame && outcome == firstOutcome;
    const std::string failures = allSame ? outcome + (attempt > 1 ? " " + std::to_string(attempt) + " times" : "")
                                         : "failed " + std::to_string(attempt) + " times (last: " + outcome + ")";
    if (attempt >= maxAttempts)
      throwIo(request.service + " at " + urlText(request.url) + " " + failures + "; try again later");
    const double delay = delayBeforeRetry(request, result, policy, attempt, waited, failures);
    if (feedback)
      feedback->log("info", request.service + " at " + urlText(request.url) + " " + outcome + "; try " +
                                std::to_string(attempt + 1) + " of " + std::to_string(maxAttempts) + " in " +
                                secondsText(delay));
    waitCancellable(delay, feedback);
    waited += delay;
  }
}

}  // namespace prithvi
