#include "core/jobs/JobStore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "core/base/Error.h"
#include "core/base/Json.h"
#include "core/jobs/JobCommands.h"
#include "core/jobs/JobLog.h"
#include "core/jobs/KubernetesBackend.h"
#include "core/jobs/LocalBackend.h"
#include "core/jobs/SlurmBackend.h"
#include "core/jobs/SshBackend.h"
#include "core/project/ProjectStore.h"
#include "core/project/Sqlite.h"

namespace prithvi {

using namespace sqlite;

namespace {

QString q(const std::string& text) { return QString::fromStdString(text); }

QJsonObject mapToJson(const std::map<std::string, std::string>& values) {
  QJsonObject object;
  for (const auto& [key, value] : values) object.insert(q(key), q(value));
  return object;
}

std::map<std::string, std::string> mapFromJson(const QJsonObject& object) {
  std::map<std::string, std::string> values;
  for (auto it = object.begin(); it != object.end(); ++it) values[it.key().toStdString()] = it.value().toString().toStdString();
  return values;
}

constexpr const char* kColumns =
    "id, name, kind, backend, handle_id, handle_details, request, state, progress, error, submitted, finished";

JobRecord readRecord(Statement& row) {
  JobRecord record;
  record.id = row.integer(0);
  record.name = row.text(1);
  record.kind = row.text(2);
  record.handle.backend = row.text(3);
  record.handle.id = row.text(4);
  record.handle.details = mapFromJson(parseJsonObject(row.text(5), "the handle of job " + std::to_string(record.id)));
  record.request = requestFromJson(row.text(6));
  record.state = jobStateFromName(row.text(7));
  record.progress = row.optionalReal(8);
  record.error = row.text(9);
  record.submitted = parseIsoUtc(row.text(10));
  if (!row.isNull(11)) record.finished = parseIsoUtc(row.text(11));
  return record;
}

}  // namespace

bool isFinal(JobState state) {
  return state == JobState::Succeeded || state == JobState::Failed || state == JobState::Canceled;
}

JobState jobStateFromName(const std::string& name) {
  for (JobState state : {JobState::Pending, JobState::Running, JobState::Succeeded, JobState::Failed, JobState::Canceled})
    if (name == jobStateName(state)) return state;
  return JobState::Unknown;
}

std::string requestToJson(const LaunchRequest& request) {
  QJsonArray arguments;
  for (const auto& argument : request.arguments) arguments.append(q(argument));
  const QJsonObject object{{"name", q(request.name)},
                           {"arguments", arguments},
                           {"nodes", request.nodes},
                           {"processes_per_node", request.processesPerNode},
                           {"gpus_per_node", request.gpusPerNode},
                           {"run_dir", q(request.runDir)},
                           {"work_dir", q(request.workDir)},
                           {"array_tasks", request.arrayTasks},
                           {"options", mapToJson(request.options)}};
  return QJsonDocument(object).toJson(QJsonDocument::Compact).toStdString();
}

LaunchRequest requestFromJson(const std::string& json) {
  const QJsonObject object = parseJsonObject(json, "a stored job request");
  LaunchRequest request;
  request.name = object.value("name").toString().toStdString();
  for (const auto& argument : object.value("arguments").toArray()) request.arguments.push_back(argument.toString().toStdString());
  request.nodes = object.value("nodes").toInt(1);
  request.processesPerNode = object.value("processes_per_node").toInt(1);
  request.gpusPerNode = object.value("gpus_per_node").toInt(0);
  request.runDir = object.value("run_dir").toString().toStdString();
  request.workDir = object.value("work_dir").toString().toStdString();
  request.arrayTasks = object.value("array_tasks").toInt(0);
  request.options = mapFromJson(object.value("options").toObject());
  return request;
}

const std::vector<std::string>& launchBackendNames() {
  static const std::vector<std::string> names = {"local", "ssh", "slurm", "k8s"};
  return names;
}

std::unique_ptr<LaunchBackend> makeLaunchBackend(const std::string& name, const std::string& prithviProgram) {
  if (name == "local") return std::make_unique<LocalBackend>(prithviProgram);
  if (name == "ssh") return std::make_unique<SshBackend>();
  if (name == "slurm") return std::make_unique<SlurmBackend>(prithviProgram);
  if (name == "k8s") return std::make_unique<KubernetesBackend>();
  throwUsage("there is no '" + name + "' backend: choose local, ssh, slurm or k8s");
}

JobStore::JobStore(ProjectStore& project) : mProject(project) {}

void JobStore::add(JobRecord& record) {
  Connection& db = mProject.connection();
  if (!record.submitted.isValid()) record.submitted = QDateTime::currentDateTimeUtc();
  Statement(db,
            "INSERT INTO jobs (name, kind, backend, handle_id, handle_details, request, state, progress, error, submitted, "
            "finished) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)")
      .bind(record.name, record.kind, record.handle.backend, nullIfEmpty(record.handle.id),
            QJsonDocument(mapToJson(record.handle.details)).toJson(QJsonDocument::Compact).toStdString(),
            requestToJson(record.request), std::string(jobStateName(record.state)), record.progress,
            nullIfEmpty(record.error), isoUtc(record.submitted), isoUtc(record.finished))
      .run();
  record.id = db.lastInsertRowId();
}

void JobStore::update(const JobRecord& record) {
  Connection& db = mProject.connection();
  Statement statement(db,
                      "UPDATE jobs SET handle_id = ?2, handle_details = ?3, state = ?4, progress = ?5, error = ?6, "
                      "finished = ?7, request = ?8 WHERE id = ?1");
  statement
      .bind(record.id, nullIfEmpty(record.handle.id),
            QJsonDocument(mapToJson(record.handle.details)).toJson(QJsonDocument::Compact).toStdString(),
            std::string(jobStateName(record.state)), record.progress, nullIfEmpty(record.error), isoUtc(record.finished),
            requestToJson(record.request))
      .run();
  if (db.changes() == 0) throwBadInput("job " + std::to_string(record.id) + " is not in project " + mProject.path());
}

std::vector<JobRecord> JobStore::jobs() {
  Statement rows(mProject.connection(), (std::string("SELECT ") + kColumns + " FROM jobs ORDER BY id DESC").c_str());
  std::vector<JobRecord> records;
  while (rows.step()) records.push_back(readRecord(rows));
  return records;
}

std::optional<JobRecord> JobStore::job(int64_t id) {
  Statement row(mProject.connection(), (std::string("SELECT ") + kColumns + " FROM jobs WHERE id = ?1").c_str());
  row.bind(id);
  if (!row.step()) return std::nullopt;
  return readRecord(row);
}

void JobStore::remove(int64_t id) { Statement(mProject.connection(), "DELETE FROM jobs WHERE id = ?1").bind(id).run(); }

JobRecord launchJob(LaunchBackend& backend, const LaunchRequest& request, JobStore* store) {
  JobRecord record;
  record.request = request;
  record.name = request.name.empty() ? "job" : request.name;
  record.kind = request.arguments.empty() ? "job" : request.arguments.front();
  record.handle = backend.submit(request);
  record.state = JobState::Pending;
  if (store) store->add(record);
  return record;
}

JobPoll pollJob(const JobRecord& record, LaunchBackend& backend) {
  JobPoll poll;
  if (record.handle.id.empty()) {  // never submitted: the submission failed
    poll.state = record.state;
    return poll;
  }
  try {
    poll.state = backend.state(record.handle);
    poll.log = backend.logs(record.handle);
  } catch (const std::exception& failure) {
    poll.reachable = false;
    poll.error = failure.what();
  }
  if (poll.state == JobState::Unknown) {
    // Kubernetes forgets a deleted Job; a host may be down. Keep what was known.
    poll.reachable = poll.reachable && record.state != JobState::Running && record.state != JobState::Pending;
    poll.state = record.state;
  }
  JobLogReader reader;
  reader.feed(poll.log);
  poll.progress = reader.fraction();
  if (reader.finished() && !reader.finished()->error.empty()) poll.error = reader.finished()->error;
  // Without a `finished` event (killed, crashed), the last thing it said that was not a metric.
  if (poll.state == JobState::Failed && poll.error.empty())
    for (auto line = reader.lines().rbegin(); line != reader.lines().rend() && poll.error.empty(); ++line)
      if (line->rfind("step ", 0) != 0) poll.error = *line;
  // A remote run folder comes home once the job is over.
  if (isFinal(poll.state) && !isFinal(record.state)) {
    auto* ssh = dynamic_cast<SshBackend*>(&backend);
    const std::string localRunDir = jobs::valueOr(record.request.options, "local_run_dir");
    if (ssh && !localRunDir.empty()) {
      try {
        ssh->syncBack(record.handle, localRunDir);
      } catch (const std::exception& failure) {
        poll.error += std::string(poll.error.empty() ? "" : "; ") + "the run folder did not come back: " + failure.what();
      }
    }
  }
  return poll;
}

bool applyPoll(JobRecord& record, const JobPoll& poll) {
  const JobRecord before = record;
  record.state = poll.state;
  if (poll.progress) record.progress = poll.progress;
  if (record.state == JobState::Succeeded) record.progress = 1.0;
  if (isFinal(record.state)) {
    if (!poll.error.empty() && record.state != JobState::Succeeded) record.error = poll.error;
    if (!record.finished.isValid()) record.finished = QDateTime::currentDateTimeUtc();
  }
  return record.state != before.state || record.progress != before.progress || record.error != before.error ||
         record.finished != before.finished;
}

}  // namespace prithvi
