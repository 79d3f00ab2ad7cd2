#include "core/stac/EarthdataToken.h"

#include <QFile>

#include "core/base/Error.h"

namespace prithvi {

std::optional<std::string> earthdataToken(const std::string& tokenFile) {
  if (!tokenFile.empty()) {
    QFile file(QString::fromStdString(tokenFile));
    if (!file.open(QIODevice::ReadOnly))
      throwUsage("cannot read the token file " + tokenFile + ": " + file.errorString().toStdString());
    const QByteArray token = file.readLine(64 * 1024).trimmed();
    if (token.isEmpty()) throwUsage("the token file " + tokenFile + " is empty; put the Earthdata token on its first line");
    return token.toStdString();
  }
  const QByteArray token = qgetenv("EARTHDATA_TOKEN").trimmed();
  if (token.isEmpty()) return std::nullopt;
  return token.toStdString();
}

std::vector<std::pair<QByteArray, QByteArray>> bearerHeaders(const std::optional<std::string>& token) {
  if (!token) return {};
  return {{"Authorization", "Bearer " + QByteArray::fromStdString(*token)}};
}

std::string earthdataRefusedHint(bool hadToken) {
  if (hadToken)
    return "Earthdata login failed: the data host refused the token (wrong or expired; tokens last 90 days). "
           "Generate a new one at https://urs.earthdata.nasa.gov (Generate Token) and set EARTHDATA_TOKEN or "
           "--token-file";
  return "Earthdata login failed: the data host needs an Earthdata login. Generate a token at "
         "https://urs.earthdata.nasa.gov (Generate Token) and set EARTHDATA_TOKEN or --token-file";
}

}  // namespace prithvi
