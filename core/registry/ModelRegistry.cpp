#include "core/registry/ModelRegistry.h"
#include "core/registry/CheckpointSummary.h"

#include <algorithm>

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "core/base/AtomicFile.h"
#include "core/base/Error.h"
#include "core/base/Json.h"
#include "core/base/NumberText.h"
#include "core/hls/Mgrs.h"
#include "core/labels/LabelStore.h"
#include "core/project/ProjectStore.h"
#include "core/project/Sqlite.h"

namespace prithvi {

using sqlite::Connection;
using sqlite::isoUtc;
using sqlite::nullIfEmpty;
using sqlite::parseIsoUtc;
using sqlite::Statement;
using sqlite::Transaction;

namespace {

QString q(const std::string& text) { return QString::fromStdString(text); }
std::string s(const QJsonValue& value) { return value.toString().toStdString(); }

QJsonArray stringArray(const std::vector<std::string>& items) {
  QJsonArray array;
  for (const std::string& item : items) array.append(q(item));
  return array;
}

std::vector<std::string> stringsOf(const QJsonArray& array) {
  std::vector<std::string> items;
  for (const QJsonValue& value : array) items.push_back(s(value));
  return items;
}

std::string compact(const QJsonObject& object) { return QJsonDocument(object).toJson(QJsonDocument::Compact).toStdString(); }

QJsonArray labelSetsJson(const std::vector<LabelSetRef>& sets) {
  QJsonArray array;
  for (const LabelSetRef& set : sets)
    array.append(QJsonObject{{"id", double(set.id)}, {"scene", q(set.sceneId)}, {"revision", double(set.revision)}});
  return array;
}

// Whole numbers read with QJsonValue::toInteger, which gives 0 for a value no int64 can hold (a
// damaged project), where a cast of toDouble() would be undefined.
std::vector<LabelSetRef> labelSetsOf(const QJsonArray& array) {
  std::vector<LabelSetRef> sets;
  for (const QJsonValue& value : array) {
    const QJsonObject object = value.toObject();
    sets.push_back({int64_t(object.value("id").toInteger()), s(object.value("scene")), int64_t(object.value("revision").toInteger())});
  }
  return sets;
}

std::string lineageToJson(const ModelLineage& lineage) {
  return compact(QJsonObject{{"dataset_path", q(lineage.datasetPath)},
                             {"dataset_hash", q(lineage.datasetHash)},
                             {"label_set_version", q(lineage.labelSetVersion)},
                             {"label_sets", labelSetsJson(lineage.labelSets)},
                             {"validated_label_sets", double(lineage.validatedLabelSets)},
                             {"validated_pixels", double(lineage.validatedPixels)},
                             {"granules", stringArray(lineage.granules)},
                             {"config", q(lineage.configJson)},
                             {"program_version", q(lineage.programVersion)},
                             {"parent_version", double(lineage.parentVersion)},
                             {"parent", q(lineage.parent)},
                             {"run_dir", q(lineage.runDir)}});
}

ModelLineage lineageFromJson(const std::string& json, int64_t version) {
  const QJsonObject object = parseJsonObject(json, "the lineage of model version " + std::to_string(version));
  ModelLineage lineage;
  lineage.datasetPath = s(object.value("dataset_path"));
  lineage.datasetHash = s(object.value("dataset_hash"));
  lineage.labelSetVersion = s(object.value("label_set_version"));
  lineage.labelSets = labelSetsOf(object.value("label_sets").toArray());
  lineage.validatedLabelSets = int64_t(object.value("validated_label_sets").toInteger());
  lineage.validatedPixels = int64_t(object.value("validated_pixels").toInteger());
  lineage.granules = stringsOf(object.value("granules").toArray());
  lineage.configJson = s(object.value("config"));
  lineage.programVersion = s(object.value("program_version"));
  lineage.parentVersion = int64_t(object.value("parent_version").toInteger());
  lineage.parent = s(object.value("parent"));
  lineage.runDir = s(object.value("run_dir"));
  return lineage;
}

std::string metricsToJson(const std::map<std::string, double>& metrics) {
  QJsonObject object;
  for (const auto& [name, value] : metrics) object.insert(q(name), value);
  return compact(object);
}

std::map<std::string, double> metricsFromJson(const std::string& json, int64_t version) {
  std::map<std::string, double> metrics;
  const QJsonObject object = parseJsonObject(json, "the metrics of model version " + std::to_string(version));
  for (auto it = object.begin(); it != object.end(); ++it) metrics[it.key().toStdString()] = it.value().toDouble();
  return metrics;
}

constexpr const char* kVersionColumns =
    "id, region, year, task, artifact, sha256, bytes, created, created_by, metrics, lineage, note";

ModelVersion readVersion(Statement& row) {
  ModelVersion version;
  version.id = row.integer(0);
  version.region = row.text(1);
  version.year = int(row.integer(2));
  version.task = row.text(3);
  version.artifact = row.text(4);
  version.sha256 = row.text(5);
  version.bytes = row.integer(6);
  version.created = parseIsoUtc(row.text(7));
  version.createdBy = row.text(8);
  version.metrics = metricsFromJson(row.text(9), version.id);
  version.lineage = lineageFromJson(row.text(10), version.id);
  version.note = row.text(11);
  return version;
}

AliasMove readMove(Statement& row) {
  AliasMove move;
  move.region = row.text(0);
  move.year = int(row.integer(1));
  move.alias = row.text(2);
  move.from = row.integer(3);
  move.to = row.integer(4);
  move.at = parseIsoUtc(row.text(5));
  move.person = row.text(6);
  move.reason = row.text(7);
  return move;
}

// Enough to refuse a file that is not a checkpoint before copying it.
void requireSafetensors(const std::string& path) { summarizeCheckpoint(path); }

QString projectFolder(const ProjectStore& project) { return QFileInfo(q(project.path())).absolutePath(); }

}  // namespace

std::string canonicalRegion(const std::string& region) {
  try {
    return MgrsTile::parse(region).id();
  } catch (const Error&) {
    return region;
  }
}

std::vector<std::string> lineageGaps(const ModelLineage& lineage) {
  std::vector<std::string> gaps;
  const auto need = [&](bool present, const char* name) {
    if (!present) gaps.push_back(name);
  };
  need(!lineage.datasetPath.empty(), "dataset path");
  need(!lineage.datasetHash.empty(), "dataset hash");
  need(!lineage.labelSetVersion.empty(), "label-set version");
  need(!lineage.labelSets.empty(), "label sets");
  need(lineage.validatedLabelSets > 0, "validated label count");
  need(lineage.validatedPixels > 0, "validated pixel count");
  need(!lineage.granules.empty(), "granules");
  need(!lineage.configJson.empty(), "config");
  need(!lineage.programVersion.empty(), "program version");
  need(!lineage.parent.empty(), "parent model");
  need(!lineage.runDir.empty(), "run folder");
  return gaps;
}

std::string sha256OfFile(const std::string& path) {
  QFile file(q(path));
  if (!file.open(QIODevice::ReadOnly)) throwIo("cannot read " + path + ": " + file.errorString().toStdString());
  QCryptographicHash hash(QCryptographicHash::Sha256);
  if (!hash.addData(&file)) throwIo("cannot read " + path + " to the end");
  return hash.result().toHex().toStdString();
}

std::string folderContentHash(const std::string& folder) {
  const QDir root(q(folder));
  if (!root.exists()) throwBadInput("folder " + folder + " does not exist");
  QStringList files;
  QDirIterator it(root.absolutePath(), QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
  while (it.hasNext()) files.append(root.relativeFilePath(it.next()));
  files.sort();
  QCryptographicHash hash(QCryptographicHash::Sha256);
  for (const QString& relative : files) {
    QFile file(root.filePath(relative));
    if (!file.open(QIODevice::ReadOnly)) throwIo("cannot read " + file.fileName().toStdString());
    const QByteArray name = relative.toUtf8();
    hash.addData(name);
    hash.addData(QByteArray(1, '\0'));
    hash.addData(QByteArray::number(file.size()));
    hash.addData(QByteArray(1, '\0'));
    if (!hash.addData(&file)) throwIo("cannot read " + file.fileName().toStdString() + " to the end");
  }
  return hash.result().toHex().toStdString();
}

LabelSnapshot validatedLabels(ProjectStore& project, const std::string& region, int year, const std::string& task,
                              bool countPixels) {
  LabelStore labels(project);
  LabelSetFilter filter;
  filter.tile = canonicalRegion(region);
  filter.state = ReviewState::Validated;
  filter.year = year;
  std::vector<LabelSet> chosen;
  for (const LabelSet& set : labels.labelSets(filter)) {
    if (labels.scheme(set.scheme).task != task) continue;
    chosen.push_back(set);
  }
  std::sort(chosen.begin(), chosen.end(), [](const LabelSet& a, const LabelSet& b) { return a.id < b.id; });
  LabelSnapshot snapshot;
  QCryptographicHash hash(QCryptographicHash::Sha256);
  hash.addData(QByteArray::fromStdString(filter.tile + "|" + std::to_string(year) + "|" + task));
  for (const LabelSet& set : chosen) {
    snapshot.sets.push_back({set.id, set.sceneId, set.revision});
    if (countPixels) snapshot.labelledPixels += labels.stats(set.id).labelledPixels;
    hash.addData(QByteArray::fromStdString("|" + std::to_string(set.id) + ":" + set.sceneId + ":" + std::to_string(set.revision) +
                                           ":" + reviewStateName(set.state) + ":" + set.scheme));
  }
  snapshot.version = "ls-" + hash.result().toHex().left(12).toStdString();
  return snapshot;
}

ModelRegistry::ModelRegistry(ProjectStore& project) : mProject(project) {}

std::string ModelRegistry::modelsFolder() const { return (projectFolder(mProject) + "/models").toStdString(); }

std::string ModelRegistry::artifactPath(const ModelVersion& version) const {
  return (projectFolder(mProject) + "/" + q(version.artifact)).toStdString();
}

ModelVersion ModelRegistry::registerVersion(const std::string& checkpoint, ModelVersion draft) {
  draft.region = canonicalRegion(draft.region);
  if (draft.region.empty() || draft.year <= 0 || draft.task.empty())
    throwBadInput("a model version needs its region, year and task");
  if (const auto gaps = lineageGaps(draft.lineage); !gaps.empty()) {
    std::string list;
    for (const std::string& gap : gaps) list += (list.empty() ? "" : ", ") + gap;
    throwBadInput("the lineage of the model from " + checkpoint + " is incomplete: no " + list);
  }
  requireSafetensors(checkpoint);
  const std::string sha = sha256OfFile(checkpoint);
  if (auto existing = findBySha256(sha)) return *existing;

  // The artifact first (copied, synced, verified), the rows after: a crash in between leaves an
  // unreferenced file, never a version without its weights.
  const QString folder = q(modelsFolder());
  if (!QDir().mkpath(folder)) throwIo("cannot create the models folder " + folder.toStdString());
  draft.artifact = "models/" + sha + ".safetensors";
  const std::string finalPath = artifactPath(draft);
  if (!QFileInfo::exists(q(finalPath)) || sha256OfFile(finalPath) != sha) {
    const std::string temporary = temporaryPathFor(finalPath);
    if (!QFile::copy(q(checkpoint), q(temporary))) {
      QFile::remove(q(temporary));
      throwWriteFailure(finalPath, 0, "cannot copy " + checkpoint + " there");
    }
    if (sha256OfFile(temporary) != sha) {
      QFile::remove(q(temporary));
      throwIo("the copy of " + checkpoint + " differs from the original: check the disk");
    }
    replaceFile(temporary, finalPath);
  }
  draft.sha256 = sha;
  draft.bytes = QFileInfo(q(finalPath)).size();
  draft.created = QDateTime::currentDateTimeUtc();
  if (draft.createdBy.empty()) draft.createdBy = qEnvironmentVariable("USER", QStringLiteral("unknown")).toStdString();

  Connection& db = mProject.connection();
  Transaction transaction(db, Transaction::Kind::Write);
  if (draft.lineage.parentVersion > 0) version(draft.lineage.parentVersion);  // must exist
  Statement(db,
            "INSERT INTO model_versions (region, year, task, artifact, sha256, bytes, created, created_by, metrics, lineage, "
            "parent_version, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)")
      .bind(draft.region, draft.year, draft.task, draft.artifact, draft.sha256, draft.bytes, isoUtc(draft.created),
            draft.createdBy, metricsToJson(draft.metrics), lineageToJson(draft.lineage),
            draft.lineage.parentVersion > 0 ? std::optional<int64_t>(draft.lineage.parentVersion) : std::nullopt,
            nullIfEmpty(draft.note))
      .run();
  draft.id = db.lastInsertRowId();
  transaction.commit();
  return draft;
}

std::vector<ModelVersion> ModelRegistry::versions(const std::string& region, int year) {
  Statement rows(mProject.connection(),
                 (std::string("SELECT ") + kVersionColumns +
                  " FROM model_versions WHERE (?1 = '' OR region = ?1) AND (?2 = 0 OR year = ?2) ORDER BY id DESC")
                     .c_str());
  rows.bind(region.empty() ? std::string() : canonicalRegion(region), year);
  std::vector<ModelVersion> result;
  while (rows.step()) result.push_back(readVersion(rows));
  return result;
}

ModelVersion ModelRegistry::version(int64_t id) {
  Statement row(mProject.connection(), (std::string("SELECT ") + kVersionColumns + " FROM model_versions WHERE id = ?1").c_str());
  row.bind(id);
  if (!row.step()) throwBadInput("project " + mProject.path() + " has no model version " + std::to_string(id));
  return readVersion(row);
}

std::optional<ModelVersion> ModelRegistry::findBySha256(const std::string& sha256) {
  Statement row(mProject.connection(), (std::string("SELECT ") + kVersionColumns + " FROM model_versions WHERE sha256 = ?1").c_str());
  row.bind(sha256);
  if (!row.step()) return std::nullopt;
  return readVersion(row);
}

std::string ModelRegistry::verifiedArtifact(int64_t id) {
  const ModelVersion found = version(id);
  const std::string path = artifactPath(found);
  if (!QFileInfo::exists(q(path)))
    throwBadInput("the weights of model version " + std::to_string(id) + " are missing (" + path + ")");
  if (sha256OfFile(path) != found.sha256)
    throwBadInput("the weights of model version " + std::to_string(id) + " in " + path +
                  " do not match their SHA-256: the file was changed or damaged; restore it from a backup");
  return path;
}

void ModelRegistry::addMetrics(int64_t id, const std::map<std::string, double>& metrics) {
  Connection& db = mProject.connection();
  Transaction transaction(db, Transaction::Kind::Write);
  ModelVersion found = version(id);
  for (const auto& [name, value] : metrics) found.metrics[name] = value;
  Statement(db, "UPDATE model_versions SET metrics = ?2 WHERE id = ?1").bind(id, metricsToJson(found.metrics)).run();
  transaction.commit();
}

std::optional<int64_t> ModelRegistry::alias(const std::string& region, int year, const std::string& alias) {
  Statement row(mProject.connection(), "SELECT version FROM model_aliases WHERE region = ?1 AND year = ?2 AND alias = ?3");
  row.bind(canonicalRegion(region), year, alias);
  if (!row.step()) return std::nullopt;
  return row.integer(0);
}

std::optional<AliasTarget> ModelRegistry::aliasInEffect(const std::string& region, int year, const std::string& alias) {
  Statement row(mProject.connection(),
                "SELECT region, year, alias, version FROM model_aliases WHERE region = ?1 AND year <= ?2 AND alias = ?3 "
                "ORDER BY year DESC LIMIT 1");
  row.bind(canonicalRegion(region), year, alias);
  if (!row.step()) return std::nullopt;
  return AliasTarget{row.text(0), int(row.integer(1)), row.text(2), row.integer(3)};
}

std::vector<AliasTarget> ModelRegistry::aliases(const std::string& region, int year) {
  Statement rows(mProject.connection(),
                 "SELECT region, year, alias, version FROM model_aliases WHERE (?1 = '' OR region = ?1) AND (?2 = 0 OR year = ?2) "
                 "ORDER BY region, year, alias");
  rows.bind(region.empty() ? std::string() : canonicalRegion(region), year);
  std::vector<AliasTarget> result;
  while (rows.step()) result.push_back({rows.text(0), int(rows.integer(1)), rows.text(2), rows.integer(3)});
  return result;
}

AliasMove ModelRegistry::setAlias(const std::string& region, int year, const std::string& aliasName, int64_t target,
                                  const std::string& person, const std::string& reason) {
  if (aliasName.empty()) throwUsage("an alias needs a name");
  Connection& db = mProject.connection();
  Transaction transaction(db, Transaction::Kind::Write);
  version(target);  // must exist
  AliasMove move;
  move.region = canonicalRegion(region);
  move.year = year;
  move.alias = aliasName;
  if (auto inEffect = aliasInEffect(move.region, year, aliasName)) move.from = inEffect->version;
  move.to = target;
  move.at = QDateTime::currentDateTimeUtc();
  move.person = person;
  move.reason = reason;
  Statement(db, "INSERT OR REPLACE INTO model_aliases (region, year, alias, version) VALUES (?1, ?2, ?3, ?4)")
      .bind(move.region, year, aliasName, target)
      .run();
  Statement(db,
            "INSERT INTO model_alias_moves (region, year, alias, from_version, to_version, at, person, reason) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")
      .bind(move.region, year, aliasName, move.from ? std::optional<int64_t>(move.from) : std::nullopt, target, isoUtc(move.at),
            person, nullIfEmpty(reason))
      .run();
  transaction.commit();
  return move;
}

AliasMove ModelRegistry::promote(int64_t id, const std::string& person, const std::string& reason) {
  const ModelVersion found = version(id);
  return setAlias(found.region, found.year, kChampionAlias, id, person, reason);
}

AliasMove ModelRegistry::rollBack(const std::string& region, int year, const std::string& aliasName, const std::string& person,
                                  const std::string& reason) {
  const std::vector<AliasMove> history = aliasHistory(region, year, aliasName);
  const std::optional<int64_t> current = alias(region, year, aliasName);
  if (history.empty() || !current || history.back().to != *current || history.back().from == 0)
    throwBadInput("the " + aliasName + " of " + canonicalRegion(region) + " " + std::to_string(year) +
                  " has no earlier model to go back to");
  return setAlias(region, year, aliasName, history.back().from, person,
                  reason.empty() ? "rolled back from version " + std::to_string(*current) : reason);
}

std::vector<AliasMove> ModelRegistry::aliasHistory(const std::string& region, int year, const std::string& aliasName) {
  Statement rows(mProject.connection(),
                 "SELECT region, year, alias, from_version, to_version, at, person, reason FROM model_alias_moves "
                 "WHERE (?1 = '' OR region = ?1) AND (?2 = 0 OR year = ?2) AND (?3 = '' OR alias = ?3) ORDER BY id");
  rows.bind(region.empty() ? std::string() : canonicalRegion(region), year, aliasName);
  std::vector<AliasMove> result;
  while (rows.step()) result.push_back(readMove(rows));
  return result;
}

void ModelRegistry::addMapProduct(MapProduct& product) {
  Connection& db = mProject.connection();
  product.region = canonicalRegion(product.region);
  if (!product.created.isValid()) product.created = QDateTime::currentDateTimeUtc();
  product.path = QFileInfo(q(product.path)).absoluteFilePath().toStdString();
  Transaction transaction(db, Transaction::Kind::Write);
  version(product.version);  // must exist
  Statement(db,
            "INSERT OR REPLACE INTO map_products (path, kind, version, region, year, granules, fmask_policy, label_set_version, "
            "created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")
      .bind(product.path, product.kind, product.version, product.region, product.year,
            QJsonDocument(stringArray(product.granules)).toJson(QJsonDocument::Compact).toStdString(), product.fmaskPolicy,
            product.labelSetVersion, isoUtc(product.created))
      .run();
  product.id = db.lastInsertRowId();
  transaction.commit();
}

namespace {

constexpr const char* kProductColumns =
    "id, path, kind, version, region, year, granules, fmask_policy, label_set_version, created";

MapProduct readProduct(Statement& row) {
  MapProduct product;
  product.id = row.integer(0);
  product.path = row.text(1);
  product.kind = row.text(2);
  product.version = row.integer(3);
  product.region = row.text(4);
  product.year = int(row.integer(5));
  product.granules = stringsOf(QJsonDocument::fromJson(QByteArray::fromStdString(row.text(6))).array());
  product.fmaskPolicy = row.text(7);
  product.labelSetVersion = row.text(8);
  product.created = parseIsoUtc(row.text(9));
  return product;
}

}  // namespace

std::vector<MapProduct> ModelRegistry::mapProducts(const std::string& region, int year) {
  Statement rows(mProject.connection(),
                 (std::string("SELECT ") + kProductColumns +
                  " FROM map_products WHERE (?1 = '' OR region = ?1) AND (?2 = 0 OR year = ?2) ORDER BY id")
                     .c_str());
  rows.bind(region.empty() ? std::string() : canonicalRegion(region), year);
  std::vector<MapProduct> result;
  while (rows.step()) result.push_back(readProduct(rows));
  return result;
}

std::optional<MapProduct> ModelRegistry::mapProductAt(const std::string& path) {
  Statement row(mProject.connection(), (std::string("SELECT ") + kProductColumns + " FROM map_products WHERE path = ?1").c_str());
  row.bind(QFileInfo(q(path)).absoluteFilePath().toStdString());
  if (!row.step()) return std::nullopt;
  return readProduct(row);
}

// ---------------------------------------------------------------------------------------------
// Model cards: one list of sections, written as Markdown or HTML.

namespace {

struct CardSection {
  std::string title;
  std::vector<std::pair<std::string, std::string>> rows;  // name, value
};

struct Card {
  std::string title;
  std::string summary;
  std::vector<CardSection> sections;
};

std::string versionName(int64_t id) { return id > 0 ? "v" + std::to_string(id) : "none"; }

Card buildCard(ModelRegistry& registry, int64_t id) {
  const ModelVersion version = registry.version(id);
  const ModelLineage& lineage = version.lineage;
  Card card;
  card.title = "Model " + versionName(id) + ": " + version.task + ", " + version.region + " " + std::to_string(version.year);
  std::string aliases;
  for (const AliasTarget& target : registry.aliases(version.region))
    if (target.version == id) aliases += (aliases.empty() ? "" : ", ") + target.alias + " (" + std::to_string(target.year) + ")";
  card.summary = "A Prithvi model fine-tuned for " + version.task + " in MGRS tile " + version.region + " with the validated labels of " +
                 std::to_string(version.year) + ". Aliases now: " + (aliases.empty() ? "none" : aliases) + ".";
  CardSection identity{"Version", {}};
  identity.rows = {{"Version", versionName(id)},
                   {"Region", version.region},
                   {"Year", std::to_string(version.year)},
                   {"Task", version.task},
                   {"Created", version.created.toString(Qt::ISODate).toStdString() + " by " + version.createdBy},
                   {"Weights", version.artifact + " (" + std::to_string(version.bytes) + " bytes)"},
                   {"SHA-256", version.sha256}};
  if (!version.note.empty()) identity.rows.push_back({"Note", version.note});
  CardSection metrics{"Metrics", {}};
  for (const auto& [name, value] : version.metrics) {
    metrics.rows.push_back({name, fixedNumberText(value, 4)});
  }
  CardSection origin{"Lineage", {}};
  std::string sets;
  for (const LabelSetRef& set : lineage.labelSets)
    sets += (sets.empty() ? "" : "; ") + std::to_string(set.id) + " (" + set.sceneId + ", revision " + std::to_string(set.revision) + ")";
  std::string granules;
  for (const std::string& granule : lineage.granules) granules += (granules.empty() ? "" : ", ") + granule;
  origin.rows = {{"Parent model", lineage.parent},
                 {"Dataset", lineage.datasetPath},
                 {"Dataset hash", lineage.datasetHash},
                 {"Label-set version", lineage.labelSetVersion},
                 {"Validated label sets", std::to_string(lineage.validatedLabelSets)},
                 {"Validated pixels", std::to_string(lineage.validatedPixels)},
                 {"Label sets", sets},
                 {"Granules", granules},
                 {"Program version", lineage.programVersion},
                 {"Run folder", lineage.runDir},
                 {"Training configuration", lineage.configJson}};
  CardSection moves{"Alias history", {}};
  for (const AliasMove& move : registry.aliasHistory(version.region))
    if (move.from == id || move.to == id)
      moves.rows.push_back({move.at.toString(Qt::ISODate).toStdString(),
                            move.alias + " " + std::to_string(move.year) + ": " + versionName(move.from) + " -> " +
                                versionName(move.to) + " by " + move.person + (move.reason.empty() ? "" : " (" + move.reason + ")")});
  CardSection maps{"Maps made with it", {}};
  for (const MapProduct& product : registry.mapProducts(version.region))
    if (product.version == id)
      maps.rows.push_back({product.path, product.kind + ", " + std::to_string(product.year) + ", " +
                                             std::to_string(product.granules.size()) + " granules, Fmask: " + product.fmaskPolicy +
                                             ", labels " + product.labelSetVersion});
  card.sections = {identity, metrics, origin, moves, maps};
  return card;
}

std::string markdownCell(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

std::string htmlEscaped(const std::string& text) { return QString::fromStdString(text).toHtmlEscaped().toStdString(); }

}  // namespace

std::string modelCardMarkdown(ModelRegistry& registry, int64_t id) {
  const Card card = buildCard(registry, id);
  std::string out = "# " + card.title + "\n\n" + card.summary + "\n";
  for (const CardSection& section : card.sections) {
    out += "\n## " + section.title + "\n\n";
    if (section.rows.empty()) {
      out += "None.\n";
      continue;
    }
    out += "| | |\n|---|---|\n";
    for (const auto& [name, value] : section.rows) out += "| " + markdownCell(name) + " | " + markdownCell(value) + " |\n";
  }
  return out;
}

std::string modelCardHtml(ModelRegistry& registry, int64_t id) {
  const Card card = buildCard(registry, id);
  std::string out =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + htmlEscaped(card.title) +
      "</title>\n<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}"
      "table{border-collapse:collapse;width:100%}td{border-bottom:1px solid #ddd;padding:4px 8px;vertical-align:top;"
      "word-break:break-all}td:first-child{width:14em;color:#555;word-break:normal}</style></head><body>\n<h1>" +
      htmlEscaped(card.title) + "</h1>\n<p>" + htmlEscaped(card.summary) + "</p>\n";
  for (const CardSection& section : card.sections) {
    out += "<h2>" + htmlEscaped(section.title) + "</h2>\n";
    if (section.rows.empty()) {
      out += "<p>None.</p>\n";
      continue;
    }
    out += "<table>\n";
    for (const auto& [name, value] : section.rows) out += "<tr><td>" + htmlEscaped(name) + "</td><td>" + htmlEscaped(value) + "</td></tr>\n";
    out += "</table>\n";
  }
  return out + "</body></html>\n";
}

}  // namespace prithvi
