#pragma once
// JSON text read back from the project, presets and schemes: one parser that says what was wrong.

#include <string>

#include <QJsonObject>

namespace prithvi {

// The JSON object in `json`; Error(BadInput) "<what> is not a JSON object: <reason>" otherwise.
QJsonObject parseJsonObject(const std::string& json, const std::string& what);

}  // namespace prithvi
