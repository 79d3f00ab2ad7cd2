#include "core/base/Json.h"

#include <QJsonDocument>
#include <QJsonParseError>

#include "core/base/Error.h"

namespace prithvi {

QJsonObject parseJsonObject(const std::string& json, const std::string& what) {
  QJsonParseError error{};
  const QJsonDocument document = QJsonDocument::fromJson(QByteArray::fromStdString(json), &error);
  if (error.error != QJsonParseError::NoError || !document.isObject())
    throwBadInput(what + " is not a JSON object: " +
                  (error.error != QJsonParseError::NoError ? error.errorString().toStdString() : std::string("another JSON value")));
  return document.object();
}

}  // namespace prithvi
