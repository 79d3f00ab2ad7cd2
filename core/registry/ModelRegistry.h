#pragma once
// The model registry kept in the project file (ARCHITECTURE.md, "Project" and "Runs"):
// - model versions are immutable: the checkpoint is copied into the project's `models/` folder
//   under its SHA-256 (content-addressed, written atomically and verified before it is
//   registered), with the version's lineage and metrics;
// - aliases ("champion", "challenger", or any name) point at versions per region (MGRS tile)
//   and year; every move is kept, so a move can be rolled back, and an alias never points at
//   an artifact that was not verified (the version row and the alias move are one transaction,
//   after the copy);
// - map products: the maps made with a version (annual maps), with their provenance.
// Registering the same checkpoint again returns the version already there (a rerun of a job
// ends in the same registry state).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <QDateTime>

namespace prithvi {

class ProjectStore;

inline constexpr const char* kChampionAlias = "champion";
inline constexpr const char* kChallengerAlias = "challenger";

// One label set a version was trained on, at the revision it had.
struct LabelSetRef {
  int64_t id = 0;
  std::string sceneId;
  int64_t revision = 0;
};

// The validated labels of a region and year: what a dataset is built from.
struct LabelSnapshot {
  // "ls-" and 12 hex digits of a SHA-256 over (id, scene, revision, state) of every set: a
  // changed, added, removed, validated or reopened set gives another version.
  std::string version;
  std::vector<LabelSetRef> sets;
  int64_t labelledPixels = 0;  // labelled pixels of the validated sets
};

// What a version was made from. registerVersion refuses a lineage with an empty field.
struct ModelLineage {
  std::string datasetPath;
  std::string datasetHash;       // datasetContentHash of the store
  std::string labelSetVersion;   // LabelSnapshot::version
  std::vector<LabelSetRef> labelSets;
  int64_t validatedLabelSets = 0;
  int64_t validatedPixels = 0;
  std::vector<std::string> granules;  // scene ids whose chips the dataset holds
  std::string configJson;        // the training options (the run's config.json)
  std::string programVersion;    // PRITHVI_VERSION of the program that trained it
  int64_t parentVersion = 0;     // the registered version it was fine-tuned from; 0: none
  std::string parent;            // "version 3", or the pretrained weights file, or "random initialisation"
  std::string runDir;
};

struct ModelVersion {
  int64_t id = 0;  // the version number, project-wide: 1, 2, ...
  std::string region;
  int year = 0;
  std::string task;
  std::string artifact;  // relative to the project's folder: models/<sha256>.safetensors
  std::string sha256;
  int64_t bytes = 0;
  QDateTime created;
  std::string createdBy;
  std::map<std::string, double> metrics;  // test_miou, test_accuracy, iou/<class>, val_miou, ...
  ModelLineage lineage;
  std::string note;
};

struct AliasMove {
  std::string region;
  int year = 0;
  std::string alias;
  int64_t from = 0;  // 0: the alias did not exist (or was inherited from an earlier year: see setAlias)
  int64_t to = 0;    // 0: removed
  QDateTime at;
  std::string person;
  std::string reason;
};

struct AliasTarget {
  std::string region;
  int year = 0;
  std::string alias;
  int64_t version = 0;
};

// A map written with a registered version, and what it was made from.
struct MapProduct {
  int64_t id = 0;
  std::string path;  // absolute
  std::string kind;  // annual_map, class_map, ...
  int64_t version = 0;
  std::string region;
  int year = 0;
  std::vector<std::string> granules;
  std::string fmaskPolicy;  // which Fmask bits gave no observation
  std::string labelSetVersion;
  QDateTime created;
};

class ModelRegistry {
 public:
  explicit ModelRegistry(ProjectStore& project);

  // The folder artifacts live in: <project folder>/models.
  std::string modelsFolder() const;

  // Copies `checkpoint` into the models folder under its SHA-256 and records the version
  // (`draft`'s id, artifact, sha256, bytes and created are filled in). When a version with the
  // same SHA-256 exists it is returned unchanged. Error(BadInput) for a lineage field left
  // empty, a missing region, year or task, or a checkpoint that cannot be read; Error(Io) when
  // the copy fails (nothing is registered then).
  ModelVersion registerVersion(const std::string& checkpoint, ModelVersion draft);
  // Newest first; region empty / year 0 do not filter.
  std::vector<ModelVersion> versions(const std::string& region = {}, int year = 0);
  ModelVersion version(int64_t id);  // Error(BadInput) when absent
  std::optional<ModelVersion> findBySha256(const std::string& sha256);
  std::string artifactPath(const ModelVersion& version) const;  // absolute
  // The artifact's path after checking its SHA-256; Error(BadInput) when it is missing or differs.
  std::string verifiedArtifact(int64_t id);
  // Adds metrics (e.g. an evaluation on a later year's held-out set) to a version; the weights
  // and lineage stay as they are.
  void addMetrics(int64_t id, const std::map<std::string, double>& metrics);

  // The version an alias points at for exactly this region and year.
  std::optional<int64_t> alias(const std::string& region, int year, const std::string& alias);
  // The alias of this year, else of the latest earlier year that has it (last year's champion).
  std::optional<AliasTarget> aliasInEffect(const std::string& region, int year, const std::string& alias);
  std::vector<AliasTarget> aliases(const std::string& region = {}, int year = 0);
  // Points the alias at `version` (which must exist) and records the move. When the alias is
  // new for this year, the move's `from` is the one in effect from an earlier year, so rolling
  // back a first promotion restores last year's model.
  AliasMove setAlias(const std::string& region, int year, const std::string& alias, int64_t version,
                     const std::string& person, const std::string& reason);
  // Points the champion alias of the version's region and year at it.
  AliasMove promote(int64_t version, const std::string& person, const std::string& reason);
  // Moves the alias back to where its last move took it from. Error(BadInput) when it has no
  // move to undo.
  AliasMove rollBack(const std::string& region, int year, const std::string& alias, const std::string& person,
                     const std::string& reason);
  // Oldest first; empty strings / year 0 do not filter.
  std::vector<AliasMove> aliasHistory(const std::string& region = {}, int year = 0, const std::string& alias = {});

  void addMapProduct(MapProduct& product);
  std::vector<MapProduct> mapProducts(const std::string& region = {}, int year = 0);
  std::optional<MapProduct> mapProductAt(const std::string& path);

 private:
  ProjectStore& mProject;
};

// A region as stored: an MGRS tile without its "T" ("13REN"), else the text as given.
std::string canonicalRegion(const std::string& region);

// The empty fields of a lineage ("dataset hash", "granules", ...); empty when complete.
std::vector<std::string> lineageGaps(const ModelLineage& lineage);

// The validated label sets of `task` on scenes of `region` whose label date falls in `year`,
// and their version. Counting the labelled pixels rasterises every set; without `countPixels`
// (a cheap check whether anything changed) labelledPixels stays 0.
LabelSnapshot validatedLabels(ProjectStore& project, const std::string& region, int year, const std::string& task,
                              bool countPixels = true);

// SHA-256 (hex) of a file's bytes; Error(Io) when it cannot be read.
std::string sha256OfFile(const std::string& path);
// SHA-256 (hex) over every file under `folder` (relative path and bytes, in path order): two
// stores with the same content have the same hash wherever they lie.
std::string folderContentHash(const std::string& folder);

// Model card of a version: what it is, metrics, lineage, aliases and map products, as Markdown
// and as a standalone HTML page.
std::string modelCardMarkdown(ModelRegistry& registry, int64_t version);
std::string modelCardHtml(ModelRegistry& registry, int64_t version);

}  // namespace prithvi
