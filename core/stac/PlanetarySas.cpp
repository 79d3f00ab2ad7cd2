#include "core/stac/PlanetarySas.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QUrl>
#include <map>
#include <mutex>

#include "core/base/Error.h"
#include "core/stac/StacHttp.h"

namespace prithvi {

namespace {

constexpr const char* kDefaultSasApi = "https://planetarycomputer.microsoft.com/api/sas/v1";
constexpr qint64 kRenewBeforeSeconds = 300;

struct SasToken {
  std::string query;
  QDateTime expiry;
};

struct SasCache {
  std::mutex mutex;
  std::map<std::string, SasToken> byContainer;  // "account/container"
};

SasCache& cache() {
  static SasCache instance;
  return instance;
}

QString hostOf(const QUrl& url) { return url.port() >= 0 ? url.host() + QLatin1Char(':') + QString::number(url.port()) : url.host(); }

}  // namespace

bool needsPlanetarySas(const std::string& url) {
  const QUrl parsed(QString::fromStdString(url));
  if (parsed.scheme() != QLatin1String("https") && parsed.scheme() != QLatin1String("http")) return false;
  if (parsed.host().endsWith(QLatin1String(".blob.core.windows.net"), Qt::CaseInsensitive)) return true;
  const QString host = hostOf(parsed);
  for (const QString& listed : qEnvironmentVariable("PRITHVI_PLANETARY_HOSTS").split(QLatin1Char(','), Qt::SkipEmptyParts))
    if (listed.trimmed() == host) return true;
  return false;
}

std::string signPlanetaryUrl(const std::string& url, Feedback* feedback) {
  if (!needsPlanetarySas(url)) return url;
  const QUrl parsed(QString::fromStdString(url));
  const QString account = parsed.host().section(QLatin1Char('.'), 0, 0);
  const QString container = parsed.path().section(QLatin1Char('/'), 1, 1);
  if (container.isEmpty()) throwBadInput("cannot sign " + url + ": the URL names no blob container");
  const std::string key = (account + QLatin1Char('/') + container).toStdString();
  SasCache& state = cache();
  std::lock_guard lock(state.mutex);  // one request per container, however many threads open files
  auto found = state.byContainer.find(key);
  if (found == state.byContainer.end() || found->second.expiry.secsTo(QDateTime::currentDateTimeUtc()) > -kRenewBeforeSeconds) {
    QString api = qEnvironmentVariable("PRITHVI_PLANETARY_SAS_API");
    if (api.isEmpty()) api = QString::fromLatin1(kDefaultSasApi);
    HttpRequest request;
    request.url = QUrl(api + QStringLiteral("/token/") + account + QLatin1Char('/') + container);
    request.headers = {{"Accept", "application/json"}};
    request.service = "Planetary Computer's SAS token service";
    QNetworkAccessManager network;
    const HttpResponse response = sendWithRetries(network, request, RetryPolicy{}, feedback);
    const QJsonObject answer = QJsonDocument::fromJson(response.body).object();
    SasToken token{answer.value(QStringLiteral("token")).toString().toStdString(),
                   QDateTime::fromString(answer.value(QStringLiteral("msft:expiry")).toString(), Qt::ISODate)};
    if (token.query.empty() || !token.expiry.isValid())
      throwIo("Planetary Computer's SAS token service answered no token for " + key + " (" + request.url.toString().toStdString() + ")");
    found = state.byContainer.insert_or_assign(key, std::move(token)).first;
  }
  // Appended as text: the token's percent-encoding (a signature's %2B and %3D) must reach Azure
  // as PC wrote it.
  const std::string base = url.substr(0, url.find_first_of("?#"));
  return base + "?" + found->second.query;
}

void clearPlanetarySasTokens() {
  SasCache& state = cache();
  std::lock_guard lock(state.mutex);
  state.byContainer.clear();
}

}  // namespace prithvi
