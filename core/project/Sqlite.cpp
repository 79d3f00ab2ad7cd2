#include "core/project/Sqlite.h"

namespace prithvi::sqlite {

std::unique_ptr<Connection> openConnection(const std::string& path, int flags, int busyTimeoutMs, const std::string& uri) {
  sqlite3* handle = nullptr;
  int rc = sqlite3_open_v2((uri.empty() ? path : uri).c_str(), &handle, flags | (uri.empty() ? 0 : SQLITE_OPEN_URI), nullptr);
  auto connection = std::make_unique<Connection>(handle, path);  // closes the handle even on failure
  if (rc != SQLITE_OK) connection->fail(rc);
  sqlite3_extended_result_codes(handle, 1);
  sqlite3_busy_timeout(handle, busyTimeoutMs);
  connection->exec("PRAGMA foreign_keys = ON");
  return connection;
}


std::optional<std::string> isoUtc(const QDateTime& time) {
  if (!time.isValid()) return std::nullopt;
  return time.toUTC().toString(Qt::ISODateWithMs).toStdString();
}

QDateTime parseIsoUtc(const std::string& text) {
  return QDateTime::fromString(QString::fromStdString(text), Qt::ISODateWithMs).toUTC();
}

}  // namespace prithvi::sqlite
