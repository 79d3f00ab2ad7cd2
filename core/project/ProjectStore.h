#pragma once
// A project is one GeoPackage file (*.gpkg). Scene footprints are the GeoPackage feature table
// `scene_footprints`, which QGIS and ogrinfo open directly; the catalog (sensors, tiles, scenes,
// their bands and files, the `dates` view) lives in our own tables of the same file, created
// and upgraded by numbered schema migrations recorded in `prithvi_meta`.
//
// Safety: WAL journal, synchronous=FULL, foreign keys on. Every write is one BEGIN IMMEDIATE
// transaction (all or nothing); a writer waits up to the busy timeout for another process's
// write to finish, then fails with Error(Io) "project X is busy ...". Readers never block.
// Several ProjectStore objects and processes may open one project at once; one object must be
// used by one thread at a time (give each thread its own). Within a process that has a store
// open, touch the file only through SQLite connections (ProjectStore, or GDAL in another
// process): any other open-then-close of the file, such as GDALOpen's header read, drops the
// POSIX locks SQLite holds on it for the whole process.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <QDateTime>

#include "core/scene/Scene.h"

namespace prithvi {
namespace sqlite {
class Connection;
}

// Which scenes ProjectStore::scenes returns; unset fields do not filter.
struct SceneFilter {
  std::string tile;
  std::string sensor;
  QDateTime from;  // inclusive; scenes without a date are left out when from or to is set
  QDateTime to;    // inclusive
  std::optional<double> maxCloudCoverPercent;  // scenes of unknown cover are left out when set
  std::string labelState;  // scenes with a label set in this review state ("validated", ...)
};

struct CatalogSummary {
  struct Tile {
    std::string id;  // "" gathers the scenes without a tile
    int epsg = 0;
    int sceneCount = 0;
    int dateCount = 0;  // distinct acquisition days
    QDateTime first;    // earliest and latest acquisition, invalid when no scene has a date
    QDateTime last;
  };
  struct Sensor {
    std::string code;
    std::string name;
    int sceneCount = 0;
  };
  int sceneCount = 0;
  std::vector<Tile> tiles;      // by id
  std::vector<Sensor> sensors;  // those with scenes, by code
};

class ProjectStore {
 public:
  enum class OnDuplicate {
    Fail,  // a scene id already in the project (or twice in the batch) is Error(BadInput)
    Skip,  // such scenes are left out and their ids returned; re-running an import is harmless
  };

  // Creates a new project. Refuses (Error Usage) when `path` exists. The file appears complete
  // or not at all: it is built under a temporary name and linked into place.
  static std::unique_ptr<ProjectStore> create(const std::string& path);
  // Opens a project, running pending schema migrations in one transaction. Error(BadInput) for
  // a missing file, a file that is not a project, or one written by a newer program.
  // A project on read-only media or without write permission opens read-only: reading works,
  // every change fails with Error(Io) saying so (isReadOnly()).
  static std::unique_ptr<ProjectStore> open(const std::string& path, int busyTimeoutMs = 5000);
  bool isReadOnly() const;

  ~ProjectStore();
  ProjectStore(const ProjectStore&) = delete;
  ProjectStore& operator=(const ProjectStore&) = delete;

  const std::string& path() const;
  int schemaVersion() const;
  static int latestSchemaVersion();
  // Why using this project may be unsafe (e.g. it lies on a network filesystem, where SQLite's
  // locking cannot be trusted), one line each; empty when nothing is wrong.
  const std::vector<std::string>& warnings() const;

  bool hasScene(const std::string& id);
  // Adds scenes with their bands, files and footprints in one transaction. Returns the ids
  // skipped under OnDuplicate::Skip. A band file already owned by another scene is
  // Error(BadInput) under both policies.
  std::vector<std::string> addScenes(const std::vector<Scene>& scenes,
                                     OnDuplicate onDuplicate = OnDuplicate::Fail);
  // Scenes ordered by acquisition time (undated last), then id.
  std::vector<Scene> scenes(const SceneFilter& filter = {});
  std::optional<Scene> scene(const std::string& id);
  // Removes a scene with its bands, files and footprint. Error(BadInput) when it is absent.
  void removeScene(const std::string& id);
  // Points a scene's band files at other copies of the same files (a streamed granule at its
  // download), in one transaction; labels and everything else that names the scene stay.
  // `newPathOf` maps each old band path to its new one. Error(BadInput) when the scene is absent
  // or a path is not one of its band files.
  void relinkBandFiles(const std::string& sceneId, const std::map<std::string, std::string>& newPathOf);
  CatalogSummary summary();

  // The connection, for the other stores kept in the project file (labels, jobs, registry):
  // they follow the same transaction rules and must be used on this store's thread.
  sqlite::Connection& connection();

  // Writes a consistent copy of the project to `path` (VACUUM INTO), safe while other
  // processes write; copying the live file is not. Refuses (Error Usage) when `path` exists.
  void backupTo(const std::string& path);

 private:
  struct Impl;
  static std::unique_ptr<ProjectStore> openReadOnly(const std::string& path, std::unique_ptr<Impl> impl, int busyTimeoutMs);
  explicit ProjectStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> mImpl;
};

}  // namespace prithvi
