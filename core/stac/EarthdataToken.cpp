#include "core/stac/EarthdataToken.h"

#include <QDir>
#include <QFile>
#include <QNetworkAccessManager>
#include <QUrl>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimeZone>

#include "core/base/Error.h"
#include "core/stac/StacHttp.h"

namespace prithvi {

std::string earthdataLoginUrl() {
  const QString url = qEnvironmentVariable("PRITHVI_URS_URL");
  return url.isEmpty() ? std::string("https://urs.earthdata.nasa.gov") : url.toStdString();
}

namespace {
QString netrcPath() {
  const QString path = qEnvironmentVariable("NETRC");
  return path.isEmpty() ? QDir::homePath() + QStringLiteral("/.netrc") : path;
}
}  // namespace

std::optional<NetrcLogin> netrcLogin(const std::string& machine) {
  QFile file(netrcPath());
  if (!file.open(QIODevice::ReadOnly)) return std::nullopt;
  // Whitespace-separated tokens: "machine NAME login USER password PASS", or "default ...";
  // "macdef" bodies run to an empty line and are skipped.
  QStringList words;
  for (const QString& line : QString::fromUtf8(file.read(1 << 20)).split(QLatin1Char('\n'))) words << line.simplified().split(QLatin1Char(' '), Qt::SkipEmptyParts) << QString();
  std::optional<NetrcLogin> found, fallback;
  std::optional<NetrcLogin>* current = nullptr;
  for (qsizetype i = 0; i < words.size(); ++i) {
    const QString& word = words[i];
    if (word == QLatin1String("machine") && i + 1 < words.size()) {
      current = words[++i].toStdString() == machine && !found ? &found : nullptr;
      if (current) *current = NetrcLogin{};
    } else if (word == QLatin1String("default")) {
      current = fallback ? nullptr : &fallback;
      if (current) *current = NetrcLogin{};
    } else if (word == QLatin1String("macdef")) {
      while (i + 1 < words.size() && !(words[i].isEmpty() && words[i + 1].isEmpty())) ++i;  // to the empty line
      current = nullptr;
    } else if (current && (word == QLatin1String("login") || word == QLatin1String("password")) && i + 1 < words.size()) {
      (word == QLatin1String("login") ? (*current)->login : (*current)->password) = words[++i].toStdString();
    }
  }
  if (found && !found->login.empty()) return found;
  if (fallback && !fallback->login.empty()) return fallback;
  return std::nullopt;
}

std::optional<std::string> tokenFromNetrc(Feedback* feedback) {
  const QUrl urs(QString::fromStdString(earthdataLoginUrl()));
  const std::optional<NetrcLogin> login = netrcLogin(urs.host().toStdString());
  if (!login) return std::nullopt;
  HttpRequest request;
  request.url = QUrl(QString::fromStdString(earthdataLoginUrl()) + QStringLiteral("/api/users/find_or_create_token"));
  request.method = "POST";
  request.headers = {{"Accept", "application/json"}};
  request.hostOnlyHeaders = {{"Authorization", "Basic " + QByteArray::fromStdString(login->login + ":" + login->password).toBase64()}};
  request.service = "Earthdata Login";
  request.refusedHint = "Earthdata login failed: Earthdata Login refused the login for " + urs.host().toStdString() + " in " +
                        netrcPath().toStdString() + "; correct it there, or give a token (" + kEarthdataTokenAdviceCli + ")";
  QNetworkAccessManager network;
  const HttpResponse response = sendWithRetries(network, request, RetryPolicy{}, feedback);
  const QString token = QJsonDocument::fromJson(response.body).object().value(QStringLiteral("access_token")).toString();
  if (token.isEmpty()) throwIo("Earthdata login failed: Earthdata Login answered no token for the login in " + netrcPath().toStdString());
  return token.toStdString();
}

std::optional<std::string> earthdataToken(const std::string& tokenFile, Feedback* feedback) {
  if (!tokenFile.empty()) {
    QFile file(QString::fromStdString(tokenFile));
    if (!file.open(QIODevice::ReadOnly))
      throwUsage("cannot read the token file " + tokenFile + ": " + file.errorString().toStdString());
    const QByteArray token = file.readLine(64 * 1024).trimmed();
    if (token.isEmpty()) throwUsage("the token file " + tokenFile + " is empty; put the Earthdata token on its first line");
    return token.toStdString();
  }
  const QByteArray token = qgetenv("EARTHDATA_TOKEN").trimmed();
  if (token.isEmpty()) return tokenFromNetrc(feedback);
  return token.toStdString();
}

std::vector<std::pair<QByteArray, QByteArray>> bearerHeaders(const std::optional<std::string>& token) {
  if (!token) return {};
  return {{"Authorization", "Bearer " + QByteArray::fromStdString(*token)}};
}

std::string earthdataRefusedHint(bool hadToken, const std::string& advice) {
  if (hadToken)
    return "Earthdata login failed: the data host refused the token (wrong or expired; tokens last 90 days). "
           "Generate a new one at https://urs.earthdata.nasa.gov (Generate Token) and " + advice;
  return "Earthdata login failed: the data host needs an Earthdata login. Generate a token at "
         "https://urs.earthdata.nasa.gov (Generate Token) and " + advice;
}

std::optional<QDateTime> earthdataTokenExpiry(const std::string& token) {
  const QList<QByteArray> parts = QByteArray::fromStdString(token).split('.');
  if (parts.size() != 3) return std::nullopt;
  const auto payload = QByteArray::fromBase64Encoding(parts[1], QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
  if (!payload) return std::nullopt;
  const QJsonValue exp = QJsonDocument::fromJson(*payload).object().value(QStringLiteral("exp"));
  if (!exp.isDouble() || exp.toDouble() <= 0) return std::nullopt;
  return QDateTime::fromSecsSinceEpoch(exp.toInteger(), Qt::UTC);
}

}  // namespace prithvi
