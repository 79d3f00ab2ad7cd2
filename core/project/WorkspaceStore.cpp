#include "core/project/WorkspaceStore.h"

#include <QDateTime>
#include <QJsonDocument>

#include "core/base/Error.h"
#include "core/project/ProjectStore.h"
#include "core/project/Sqlite.h"

namespace prithvi {

using sqlite::Statement;
using sqlite::Transaction;

WorkspaceStore::WorkspaceStore(ProjectStore& project) : mProject(project) {}

void WorkspaceStore::save(const std::string& name, const std::string& json) {
  QJsonParseError error{};
  if (!QJsonDocument::fromJson(QByteArray::fromStdString(json), &error).isObject())
    throwBadInput("workspace '" + name + "' is not a JSON object: " + error.errorString().toStdString());
  sqlite::Connection& db = mProject.connection();
  Transaction transaction(db, Transaction::Kind::Write);
  Statement(db, "INSERT INTO workspaces (name, state, saved) VALUES (?1, ?2, ?3) "
                "ON CONFLICT(name) DO UPDATE SET state = excluded.state, saved = excluded.saved")
      .bind(name, json, sqlite::isoUtc(QDateTime::currentDateTimeUtc()))
      .run();
  transaction.commit();
}

std::optional<std::string> WorkspaceStore::load(const std::string& name) {
  Statement row(mProject.connection(), "SELECT state FROM workspaces WHERE name = ?1");
  row.bind(name);
  if (!row.step()) return std::nullopt;
  return row.text(0);
}

}  // namespace prithvi
