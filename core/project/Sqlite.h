#pragma once
// The SQLite plumbing every store of a project file shares (ProjectStore, LabelStore, ...):
// one connection, statements with RAII finalize, transactions that roll back unless
// committed. Every failing result code goes through Connection::fail, so users see one kind
// of message for a busy, full, damaged or read-only project whichever store hit it.

#include <sqlite3.h>

#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <QDateTime>

#include "core/base/Error.h"

namespace prithvi::sqlite {

class Connection {
 public:
  Connection(sqlite3* handle, std::string path) : mHandle(handle), mPath(std::move(path)) {}
  ~Connection() { sqlite3_close_v2(mHandle); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* handle() const { return mHandle; }
  const std::string& path() const { return mPath; }

  int64_t lastInsertRowId() const { return sqlite3_last_insert_rowid(mHandle); }
  int changes() const { return sqlite3_changes(mHandle); }

  // Runs one or more statements that return no rows.
  void exec(const char* sql) {
    int rc = sqlite3_exec(mHandle, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) fail(rc);
  }

  // Turns a result code into the error the user sees.
  [[noreturn]] void fail(int rc) const {
    const std::string detail = mHandle ? sqlite3_errmsg(mHandle) : sqlite3_errstr(rc);
    switch (rc & 0xff) {
      case SQLITE_BUSY:
      case SQLITE_LOCKED:
        throwIo("project " + mPath + " is busy: another process is writing to it; try again");
      case SQLITE_FULL:
        throwIo("cannot write project " + mPath + ": the disk is full; free some space and try again");
      case SQLITE_READONLY:
        if (sqlite3_db_readonly(mHandle, "main") == 1)
          throwIo("project " + mPath + " is open read-only (it is on read-only media or you may not write to it): "
                  "copy it to a folder you may write to, and open the copy, to change it");
        [[fallthrough]];
      case SQLITE_PERM:
      case SQLITE_CANTOPEN:
        throwIo("cannot open project " + mPath + " for writing (" + detail +
                "): check that you may read and write the file and its folder");
      case SQLITE_IOERR:
        throwIo("disk error on project " + mPath + " (" + detail + "): check the disk and try again");
      case SQLITE_CORRUPT:
      case SQLITE_NOTADB:
        throwBadInput("project " + mPath + " is damaged (" + detail + "): restore it from a backup");
      case SQLITE_CONSTRAINT:
        throwBadInput("project " + mPath + " refused the change (" + detail +
                      "); was it edited by another program?");
      default:
        throwIo("project " + mPath + ": " + detail);
    }
  }

 private:
  sqlite3* mHandle;
  std::string mPath;
};

inline std::optional<std::string> nullIfEmpty(const std::string& text) {
  return text.empty() ? std::nullopt : std::optional(text);
}
inline std::optional<int> nullIfZero(int value) { return value == 0 ? std::nullopt : std::optional(value); }

class Statement {
 public:
  Statement(Connection& connection, const char* sql) : mConnection(connection) {
    int rc = sqlite3_prepare_v2(connection.handle(), sql, -1, &mStatement, nullptr);
    if (rc != SQLITE_OK) connection.fail(rc);
  }
  ~Statement() { sqlite3_finalize(mStatement); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Resets the statement and binds `values` to ?1, ?2, ... so one statement serves a loop.
  template <typename... Values>
  Statement& bind(const Values&... values) {
    sqlite3_reset(mStatement);
    sqlite3_clear_bindings(mStatement);
    int index = 1;
    (bindAt(index++, values), ...);
    return *this;
  }

  // True while there is a row to read.
  bool step() {
    int rc = sqlite3_step(mStatement);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    sqlite3_reset(mStatement);  // releases the statement's locks before the error unwinds
    mConnection.fail(rc);
  }
  // Runs a statement that returns no rows.
  void run() {
    while (step()) {
    }
  }

  bool isNull(int column) const { return sqlite3_column_type(mStatement, column) == SQLITE_NULL; }
  int64_t integer(int column) const { return sqlite3_column_int64(mStatement, column); }
  double real(int column) const { return sqlite3_column_double(mStatement, column); }
  std::string text(int column) const {
    const auto* bytes = sqlite3_column_text(mStatement, column);
    return bytes ? std::string(reinterpret_cast<const char*>(bytes),
                               size_t(sqlite3_column_bytes(mStatement, column)))
                 : std::string();
  }
  std::optional<double> optionalReal(int column) const {
    return isNull(column) ? std::nullopt : std::optional(real(column));
  }
  // Valid until the next step or bind.
  std::pair<const uint8_t*, size_t> blob(int column) const {
    const auto* bytes = static_cast<const uint8_t*>(sqlite3_column_blob(mStatement, column));
    return {bytes, size_t(sqlite3_column_bytes(mStatement, column))};
  }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) mConnection.fail(rc);
  }
  void bindAt(int index, std::nullopt_t) { check(sqlite3_bind_null(mStatement, index)); }
  void bindAt(int index, const std::string& value) {
    check(sqlite3_bind_text(mStatement, index, value.data(), int(value.size()), SQLITE_TRANSIENT));
  }
  void bindAt(int index, const char* value) {
    check(sqlite3_bind_text(mStatement, index, value, -1, SQLITE_TRANSIENT));
  }
  void bindAt(int index, const std::vector<uint8_t>& value) {
    check(sqlite3_bind_blob(mStatement, index, value.data(), int(value.size()), SQLITE_TRANSIENT));
  }
  template <std::integral T>
  void bindAt(int index, T value) {
    check(sqlite3_bind_int64(mStatement, index, int64_t(value)));
  }
  template <std::floating_point T>
  void bindAt(int index, T value) {
    check(sqlite3_bind_double(mStatement, index, double(value)));
  }
  template <typename T>
  void bindAt(int index, const std::optional<T>& value) {
    if (value)
      bindAt(index, *value);
    else
      bindAt(index, std::nullopt);
  }

  Connection& mConnection;
  sqlite3_stmt* mStatement = nullptr;
};

// BEGIN IMMEDIATE takes the write lock up front (waiting up to the busy timeout), so a write
// never fails half way because another writer got in first; a read transaction gives every
// query of one call the same snapshot.
class Transaction {
 public:
  enum class Kind { Read, Write };
  Transaction(Connection& connection, Kind kind) : mConnection(connection) {
    connection.exec(kind == Kind::Write ? "BEGIN IMMEDIATE" : "BEGIN");
  }
  ~Transaction() {
    if (mOpen) sqlite3_exec(mConnection.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  void commit() {
    mConnection.exec("COMMIT");
    mOpen = false;
  }

 private:
  Connection& mConnection;
  bool mOpen = true;
};

// Opens `path` with extended result codes, the busy timeout and foreign keys on.
// `uri` (a file: URI with parameters such as immutable=1), when given, is what SQLite opens;
// `path` is what messages name.
std::unique_ptr<Connection> openConnection(const std::string& path, int flags, int busyTimeoutMs,
                                           const std::string& uri = {});

// Times are stored as GeoPackage DATETIMEs: ISO 8601 UTC with milliseconds.
std::optional<std::string> isoUtc(const QDateTime& time);
QDateTime parseIsoUtc(const std::string& text);

}  // namespace prithvi::sqlite
