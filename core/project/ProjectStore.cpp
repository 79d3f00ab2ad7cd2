#include "core/project/ProjectStore.h"

#include <sqlite3.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <concepts>
#include <cstdio>
#include <filesystem>
#include <iterator>
#include <set>

#include <QFileInfo>
#include <QUrl>

#ifdef __linux__
#include <sys/vfs.h>
#endif

#include "core/base/AtomicFile.h"
#include "core/base/Error.h"
#include "core/project/GeoPackage.h"
#include "core/project/Sqlite.h"
#include "core/raster/RemoteRasters.h"

namespace prithvi {
namespace {

namespace fs = std::filesystem;
using namespace sqlite;

constexpr const char* kApplicationName = "prithvi-studio";

// Schema migrations, applied in order inside one transaction. Never edit a released one: add
// the next number. create() runs them all from 0, so a new project and an upgraded one end up
// with the same schema.
struct Migration {
  int version;
  const char* sql;
};

const Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE sensors (
  code TEXT NOT NULL PRIMARY KEY,
  name TEXT NOT NULL,
  platform TEXT
);
INSERT INTO sensors (code, name, platform) VALUES
  ('L30', 'HLS Landsat 30 m', 'Landsat 8/9 OLI'),
  ('S30', 'HLS Sentinel-2 30 m', 'Sentinel-2 MSI'),
  ('LC08', 'Landsat 8 OLI/TIRS Collection 2', 'Landsat 8'),
  ('LC09', 'Landsat 9 OLI-2/TIRS-2 Collection 2', 'Landsat 9'),
  ('LE07', 'Landsat 7 ETM+ Collection 2', 'Landsat 7'),
  ('LT05', 'Landsat 5 TM Collection 2', 'Landsat 5');

CREATE TABLE tiles (
  id TEXT NOT NULL PRIMARY KEY,
  epsg INTEGER
);

-- Times are GeoPackage DATETIMEs (YYYY-MM-DDTHH:MM:SS.SSSZ, UTC): fixed width, so text order
-- is time order, and GDAL and QGIS read them as dates.
CREATE TABLE scenes (
  id TEXT NOT NULL PRIMARY KEY,
  kind TEXT NOT NULL,
  sensor TEXT REFERENCES sensors(code),
  tile TEXT REFERENCES tiles(id),
  acquired DATETIME,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  epsg INTEGER,
  crs_wkt TEXT NOT NULL,
  geotransform TEXT NOT NULL,
  cloud_cover REAL,
  imported_at DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX scenes_tile_acquired ON scenes(tile, acquired);
CREATE INDEX scenes_sensor ON scenes(sensor);

CREATE TABLE scene_bands (
  scene_id TEXT NOT NULL REFERENCES scenes(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  role TEXT NOT NULL,
  name TEXT NOT NULL,
  path TEXT NOT NULL,
  band_index INTEGER NOT NULL,
  scale REAL NOT NULL,
  offset REAL NOT NULL,
  nodata REAL,
  PRIMARY KEY (scene_id, position)
);

-- What each band file looked like at import, to notice files moved or changed since.
CREATE TABLE files (
  path TEXT NOT NULL PRIMARY KEY,
  scene_id TEXT NOT NULL REFERENCES scenes(id) ON DELETE CASCADE,
  size INTEGER,
  mtime DATETIME
);
CREATE INDEX files_scene ON files(scene_id);

-- A GeoPackage feature layer: what QGIS shows. No rtree index: its triggers call ST_*
-- functions that only GDAL and SpatiaLite connections define, so plain SQLite writers (us)
-- could no longer insert; a project holds thousands of footprints, not millions.
CREATE TABLE scene_footprints (
  fid INTEGER PRIMARY KEY AUTOINCREMENT,
  geom POLYGON,
  scene_id TEXT NOT NULL UNIQUE REFERENCES scenes(id) ON DELETE CASCADE,
  kind TEXT,
  sensor TEXT,
  tile TEXT,
  acquired DATETIME,
  cloud_cover REAL
);
INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)
  VALUES ('scene_footprints', 'features', 'scene_footprints',
          'Outline of each scene of the Prithvi Studio project', 4326);
INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m)
  VALUES ('scene_footprints', 'geom', 'POLYGON', 4326, 0, 0);

CREATE VIEW dates AS
  SELECT tile, date(acquired) AS date, COUNT(*) AS scene_count,
         AVG(cloud_cover) AS mean_cloud_cover
  FROM scenes WHERE acquired IS NOT NULL
  GROUP BY tile, date(acquired);
)sql"},
    {2, R"sql(
-- Labels (core/labels/LabelStore.h). Polygon feature tables, one per scene CRS, are created
-- when first needed and listed in label_polygon_tables.
CREATE TABLE label_schemes (
  name TEXT NOT NULL PRIMARY KEY,
  definition TEXT NOT NULL,
  modified DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE label_sets (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  scene_id TEXT NOT NULL REFERENCES scenes(id) ON DELETE CASCADE,
  scheme TEXT NOT NULL REFERENCES label_schemes(name),
  label_date DATETIME,
  state TEXT NOT NULL DEFAULT 'draft'
    CHECK (state IN ('draft', 'submitted', 'validated', 'rejected')),
  author TEXT NOT NULL,
  reviewer TEXT,
  comment TEXT,
  created DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  modified DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  submitted DATETIME,
  reviewed DATETIME,
  revision INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX label_sets_scene ON label_sets(scene_id);
CREATE INDEX label_sets_state ON label_sets(state);

CREATE TABLE label_reviews (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  label_set_id INTEGER NOT NULL REFERENCES label_sets(id) ON DELETE CASCADE,
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  person TEXT NOT NULL,
  comment TEXT,
  at DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX label_reviews_set ON label_reviews(label_set_id);

CREATE TABLE label_mask_tiles (
  label_set_id INTEGER NOT NULL REFERENCES label_sets(id) ON DELETE CASCADE,
  tile_row INTEGER NOT NULL,
  tile_col INTEGER NOT NULL,
  codes BLOB NOT NULL,
  PRIMARY KEY (label_set_id, tile_row, tile_col)
);

CREATE TABLE label_polygon_tables (
  srs_id INTEGER NOT NULL PRIMARY KEY,
  table_name TEXT NOT NULL UNIQUE
);
)sql"},
    // Long jobs launched from the project (core/jobs/JobStore.h): enough to find each one again
    // after the app restarts, and to run it again.
    {2, R"sql(
CREATE TABLE jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  backend TEXT NOT NULL,
  handle_id TEXT,
  handle_details TEXT NOT NULL DEFAULT '{}',
  request TEXT NOT NULL,
  state TEXT NOT NULL,
  progress REAL,
  error TEXT,
  submitted DATETIME NOT NULL,
  finished DATETIME
);
)sql"},
    // The model registry (core/registry/ModelRegistry.h): immutable versions with their lineage,
    // aliases per region and year with every move kept, and the maps made with them.
    {3, R"sql(
CREATE TABLE model_versions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  region TEXT NOT NULL,
  year INTEGER NOT NULL,
  task TEXT NOT NULL,
  artifact TEXT NOT NULL,
  sha256 TEXT NOT NULL UNIQUE,
  bytes INTEGER NOT NULL,
  created DATETIME NOT NULL,
  created_by TEXT NOT NULL,
  metrics TEXT NOT NULL DEFAULT '{}',
  lineage TEXT NOT NULL,
  parent_version INTEGER REFERENCES model_versions(id),
  note TEXT
);
CREATE TABLE model_aliases (
  region TEXT NOT NULL,
  year INTEGER NOT NULL,
  alias TEXT NOT NULL,
  version INTEGER NOT NULL REFERENCES model_versions(id),
  PRIMARY KEY (region, year, alias)
);
CREATE TABLE model_alias_moves (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  region TEXT NOT NULL,
  year INTEGER NOT NULL,
  alias TEXT NOT NULL,
  from_version INTEGER REFERENCES model_versions(id),
  to_version INTEGER REFERENCES model_versions(id),
  at DATETIME NOT NULL,
  person TEXT NOT NULL,
  reason TEXT
);
CREATE TABLE map_products (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  path TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  version INTEGER NOT NULL REFERENCES model_versions(id),
  region TEXT NOT NULL,
  year INTEGER NOT NULL,
  granules TEXT NOT NULL,
  fmask_policy TEXT NOT NULL,
  label_set_version TEXT NOT NULL,
  created DATETIME NOT NULL
);
)sql"},
    // What the app showed when the project was last open (core/project/WorkspaceStore.h): layers,
    // their styles, the view and the dock layout, as JSON per named workspace.
    {4, R"sql(
CREATE TABLE workspaces (
  name TEXT NOT NULL PRIMARY KEY,
  state TEXT NOT NULL,
  saved DATETIME NOT NULL
);
)sql"},
};

// ---------------------------------------------------------------------------------------------
// Files (creating them: core/base/AtomicFile.h)

std::string notAnSqliteDatabase(const std::string& path) {
  return path + " is not a Prithvi Studio project: it is not an SQLite database " +
         "(a project is a GeoPackage file, *.gpkg)";
}

// Looks at the file with stat() only. Opening and closing a descriptor of our own would drop
// the POSIX locks SQLite holds on it for every connection of this process, and let two writers
// in at once (sqlite.org "How To Corrupt", 2.2).
void requireNonEmptyFile(const std::string& path) {
  std::error_code error;
  fs::file_status status = fs::status(path, error);
  if (!fs::exists(status)) throwBadInput("project file " + path + " does not exist");
  if (!fs::is_regular_file(status)) throwBadInput(path + " is not a file: a project is a *.gpkg file");
  // SQLite takes an empty file for an empty database.
  if (fs::file_size(path, error) == 0) throwBadInput(notAnSqliteDatabase(path));
}

// SQLite opens any file; the first read tells whether it holds a database.
void requireSqliteDatabase(Connection& db) {
  int rc = sqlite3_exec(db.handle(), "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr);
  if ((rc & 0xff) == SQLITE_NOTADB) throwBadInput(notAnSqliteDatabase(db.path()));
  if (rc != SQLITE_OK) db.fail(rc);
}

// SQLite's locks do not hold on network filesystems (sqlite.org "How To Corrupt").
std::vector<std::string> filesystemWarnings(const std::string& path) {
  std::vector<std::string> warnings;
#ifdef __linux__
  struct statfs info {};
  if (::statfs(path.c_str(), &info) != 0) return warnings;
  const char* kind = nullptr;
  switch (static_cast<unsigned long>(info.f_type)) {
    case 0x6969: kind = "NFS"; break;
    case 0x517B: kind = "SMB"; break;
    case 0xFF534D42: kind = "CIFS"; break;
    case 0xFE534D42: kind = "SMB2"; break;
    case 0x01021997: kind = "9P"; break;
    case 0x5346414F: kind = "AFS"; break;
    default: break;
  }
  if (kind)
    warnings.push_back("project " + path + " is on a network filesystem (" + kind +
                       "), where file locks are unreliable: two programs writing at once can "
                       "corrupt it; copy it to a local disk to work on it");
#endif
  return warnings;
}

// ---------------------------------------------------------------------------------------------
// Values

// Shortest text that reads back to the same double, whatever the C locale says.
std::string geoTransformText(const GeoTransform& transform) {
  std::string text;
  for (double value : transform.coefficients()) {
    char buffer[32];
    auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    if (!text.empty()) text += ' ';
    text.append(buffer, result.ptr);
  }
  return text;
}

std::optional<GeoTransform> parseGeoTransform(const std::string& text) {
  std::array<double, 6> coefficients{};
  const char* cursor = text.data();
  const char* end = text.data() + text.size();
  for (double& value : coefficients) {
    while (cursor < end && *cursor == ' ') ++cursor;
    auto result = std::from_chars(cursor, end, value);
    if (result.ec != std::errc()) return std::nullopt;
    cursor = result.ptr;
  }
  return GeoTransform(coefficients);
}

[[noreturn]] void throwDamaged(const std::string& path, const std::string& what) {
  throwBadInput("project " + path + " is damaged: " + what + "; restore it from a backup");
}

// ---------------------------------------------------------------------------------------------
// Schema

int latestVersion() { return kMigrations[std::size(kMigrations) - 1].version; }

// The schema version of a project; Error(BadInput) when the file is not one.
int readSchemaVersion(Connection& db) {
  std::set<std::string> tables;
  Statement list(db,
                 "SELECT name FROM sqlite_master WHERE type = 'table' "
                 "AND name IN ('prithvi_meta', 'gpkg_contents')");
  while (list.step()) tables.insert(list.text(0));
  if (!tables.count("prithvi_meta"))
    throwBadInput(db.path() + (tables.count("gpkg_contents") ? " is a GeoPackage" : " is an SQLite database") +
                  " but not a Prithvi Studio project");

  Statement meta(db, "SELECT value FROM prithvi_meta WHERE key = ?1");
  meta.bind("application");
  std::string application = meta.step() ? meta.text(0) : std::string();
  if (application != kApplicationName)
    throwBadInput(db.path() + " is an SQLite database but not a Prithvi Studio project (its " +
                  "prithvi_meta table belongs to '" + application + "')");
  meta.bind("schema_version");
  const std::string text = meta.step() ? meta.text(0) : std::string();
  int version = -1;
  auto result = std::from_chars(text.data(), text.data() + text.size(), version);
  if (result.ec != std::errc() || result.ptr != text.data() + text.size() || version < 0)
    throwDamaged(db.path(), "its schema_version '" + text + "' is not a number");
  return version;
}

// Brings the schema up to date in one write transaction; returns the version reached.
int migrate(Connection& db) {
  Transaction transaction(db, Transaction::Kind::Write);
  // Read again under the write lock: another process may have migrated meanwhile.
  const int from = readSchemaVersion(db);
  for (const Migration& migration : kMigrations)
    if (migration.version > from) db.exec(migration.sql);
  Statement(db, "UPDATE prithvi_meta SET value = ?1 WHERE key = 'schema_version'")
      .bind(std::to_string(latestVersion()))
      .run();
  transaction.commit();
  return latestVersion();
}

// The first statements a new project file gets, before the migrations.
void writeProjectHeader(Connection& db) {
  db.exec(("PRAGMA application_id = " + std::to_string(gpkg::kApplicationId) +
           "; PRAGMA user_version = " + std::to_string(gpkg::kUserVersion))
              .c_str());
  // prithvi_meta first: its row ('application', 'prithvi-studio') then lands on page 2, within the
  // first 16 KiB that desktops sniff for the project MIME type (packaging/desktop/*-mime.xml).
  db.exec("CREATE TABLE prithvi_meta (key TEXT NOT NULL PRIMARY KEY, value TEXT);");
  Statement(db, "INSERT INTO prithvi_meta (key, value) VALUES ('application', ?1), ('schema_version', '0')")
      .bind(kApplicationName)
      .run();
  db.exec(gpkg::coreTablesSql());
}

// ---------------------------------------------------------------------------------------------
// Scenes

constexpr const char* kSceneColumns =
    "id, kind, sensor, tile, acquired, width, height, epsg, crs_wkt, geotransform, cloud_cover";

// Reads bands and footprints for scene rows; statements are prepared once per call.
class SceneReader {
 public:
  explicit SceneReader(Connection& db)
      : mDb(db),
        mBands(db,
               "SELECT role, name, path, band_index, scale, offset, nodata FROM scene_bands "
               "WHERE scene_id = ?1 ORDER BY position"),
        mFootprint(db, "SELECT geom FROM scene_footprints WHERE scene_id = ?1") {}

  // `row` holds kSceneColumns in order.
  Scene read(const Statement& row) {
    Scene scene;
    scene.id = row.text(0);
    std::optional<SceneKind> kind = sceneKindFromName(row.text(1));
    if (!kind) throwDamaged(mDb.path(), "scene " + scene.id + " has unknown kind '" + row.text(1) + "'");
    scene.kind = *kind;
    scene.sensor = row.text(2);
    scene.tile = row.text(3);
    if (!row.isNull(4)) scene.acquired = parseIsoUtc(row.text(4));
    scene.width = int(row.integer(5));
    scene.height = int(row.integer(6));
    scene.epsg = int(row.integer(7));
    scene.crsWkt = row.text(8);
    std::optional<GeoTransform> transform = parseGeoTransform(row.text(9));
    if (!transform) throwDamaged(mDb.path(), "scene " + scene.id + " has an unreadable geotransform");
    scene.geoTransform = *transform;
    scene.cloudCoverPercent = row.optionalReal(10);

    mBands.bind(scene.id);
    while (mBands.step()) {
      SceneBand band;
      std::optional<BandRole> role = bandRoleFromName(mBands.text(0));
      band.role = role.value_or(BandRole::Other);
      band.name = mBands.text(1);
      band.path = mBands.text(2);
      band.bandIndex = int(mBands.integer(3));
      band.scale = mBands.real(4);
      band.offset = mBands.real(5);
      band.nodata = mBands.optionalReal(6);
      scene.bands.push_back(std::move(band));
    }

    mFootprint.bind(scene.id);
    if (mFootprint.step() && !mFootprint.isNull(0)) {
      auto [bytes, size] = mFootprint.blob(0);
      std::optional<std::vector<LonLat>> ring = gpkg::decodePolygon(bytes, size);
      if (!ring) throwDamaged(mDb.path(), "the footprint of scene " + scene.id + " is not a polygon");
      scene.footprint = std::move(*ring);
    }
    return scene;
  }

 private:
  Connection& mDb;
  Statement mBands;
  Statement mFootprint;
};

// What is known about a band file before the write transaction starts, so no disk access
// happens while the project is locked.
struct FileRecord {
  std::string path;
  std::optional<int64_t> size;
  std::optional<std::string> mtime;
};

// The band files that differ from what the project recorded at import: gone, or rewritten in
// place (another size or modification time). Reported on every open, not refused: the file is
// read as it is now, but cloud cover and statistics taken at import may be stale.
std::vector<std::string> changedFileWarnings(Connection& db) {
  std::vector<std::string> changed;
  Statement files(db, "SELECT path, scene_id, size, mtime FROM files ORDER BY path");
  while (files.step()) {
    const std::string path = files.text(0);
    if (isRemoteRasterPath(path)) continue;  // streamed: nothing on disk to compare
    const QFileInfo info(QString::fromStdString(path));
    if (!info.exists()) {
      changed.push_back(path + " (of " + files.text(1) + ") is gone");
    } else if ((!files.isNull(2) && info.size() != files.integer(2)) ||
               (!files.isNull(3) && isoUtc(info.lastModified()) != files.text(3))) {
      changed.push_back(path + " (of " + files.text(1) + ") changed since it was imported");
    }
  }
  constexpr size_t kShown = 5;
  if (changed.size() > kShown) {
    const size_t more = changed.size() - kShown;
    changed.resize(kShown);
    changed.push_back("and " + std::to_string(more) + " more changed or missing band files");
  }
  return changed;
}

struct PreparedScene {
  const Scene* scene;
  std::optional<std::vector<uint8_t>> footprint;
  std::vector<FileRecord> files;
};

PreparedScene prepareScene(const Scene& scene) {
  if (scene.id.empty()) throwBadInput("cannot add a scene without an id");
  PreparedScene prepared{&scene, std::nullopt, {}};
  if (!scene.footprint.empty()) {
    try {
      prepared.footprint = gpkg::encodePolygon(scene.footprint);
    } catch (const Error& error) {
      throwBadInput("scene " + scene.id + ": " + error.what());
    }
  }
  std::set<std::string> seen;
  for (const SceneBand& band : scene.bands) {
    if (!seen.insert(band.path).second) continue;
    FileRecord record{band.path, std::nullopt, std::nullopt};
    QFileInfo info(QString::fromStdString(band.path));
    if (info.exists()) {
      record.size = info.size();
      record.mtime = isoUtc(info.lastModified());
    }
    prepared.files.push_back(std::move(record));
  }
  return prepared;
}

// Keeps gpkg_contents' extent and last_change true, as GeoPackage readers trust them.
void refreshFootprintContents(Connection& db) {
  std::optional<gpkg::Envelope> extent;
  Statement geometries(db, "SELECT geom FROM scene_footprints WHERE geom IS NOT NULL");
  while (geometries.step()) {
    auto [bytes, size] = geometries.blob(0);
    std::optional<gpkg::Envelope> envelope = gpkg::envelopeOf(bytes, size);
    if (!envelope) continue;
    if (extent)
      extent->expand(*envelope);
    else
      extent = envelope;
  }
  auto bound = [&](double gpkg::Envelope::*field) {
    return extent ? std::optional<double>((*extent).*field) : std::nullopt;
  };
  Statement(db,
            "UPDATE gpkg_contents SET min_x = ?1, min_y = ?2, max_x = ?3, max_y = ?4, "
            "last_change = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
            "WHERE table_name = 'scene_footprints'")
      .bind(bound(&gpkg::Envelope::minX), bound(&gpkg::Envelope::minY),
            bound(&gpkg::Envelope::maxX), bound(&gpkg::Envelope::maxY))
      .run();
}

}  // namespace

// ---------------------------------------------------------------------------------------------

struct ProjectStore::Impl {
  std::unique_ptr<Connection> db;
  int schemaVersion = 0;
  bool readOnly = false;
  std::vector<std::string> warnings;
};

ProjectStore::ProjectStore(std::unique_ptr<Impl> impl) : mImpl(std::move(impl)) {}
ProjectStore::~ProjectStore() = default;

int ProjectStore::latestSchemaVersion() { return latestVersion(); }
const std::string& ProjectStore::path() const { return mImpl->db->path(); }
sqlite::Connection& ProjectStore::connection() { return *mImpl->db; }
int ProjectStore::schemaVersion() const { return mImpl->schemaVersion; }
const std::vector<std::string>& ProjectStore::warnings() const { return mImpl->warnings; }

std::unique_ptr<ProjectStore> ProjectStore::create(const std::string& path) {
  refuseExistingPath(path);
  const std::string temporaryPath = temporaryPathFor(path);
  removeDatabaseFiles(temporaryPath);
  try {
    // A rollback journal while building: once committed and closed, the main file holds
    // everything, so linking that one file publishes a complete project.
    auto db = openConnection(temporaryPath, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, 5000);
    db->exec("PRAGMA journal_mode = DELETE; PRAGMA synchronous = FULL");
    Transaction transaction(*db, Transaction::Kind::Write);
    writeProjectHeader(*db);
    transaction.commit();
    migrate(*db);
  } catch (...) {
    removeDatabaseFiles(temporaryPath);
    throw;
  }
  publishNewFile(temporaryPath, path);
  return open(path);
}

namespace {

// A project we may not write to: on read-only media, or the file, its folder (where SQLite puts
// -wal and -shm) or a stale -shm left by another user is not writable.
bool writableProject(const std::string& path) {
  const std::string folder = QFileInfo(QString::fromStdString(path)).absolutePath().toStdString();
  if (::access(path.c_str(), W_OK) != 0 || ::access(folder.c_str(), W_OK) != 0) return false;
  const std::string shm = path + "-shm";
  return ::access(shm.c_str(), F_OK) != 0 || ::access(shm.c_str(), W_OK) == 0;
}

// Read-only media cannot hold the -shm index a WAL reader needs; nobody can change the file
// there either, so it is read as immutable (no locks, no -shm).
std::unique_ptr<Connection> openForReading(const std::string& path, int busyTimeoutMs) {
  struct statvfs media {};
  const std::string folder = QFileInfo(QString::fromStdString(path)).absolutePath().toStdString();
  if (::statvfs(folder.c_str(), &media) == 0 && (media.f_flag & ST_RDONLY)) {
    const QByteArray uri = QUrl::fromLocalFile(QString::fromStdString(path)).toEncoded() + "?immutable=1";
    return openConnection(path, SQLITE_OPEN_READONLY, busyTimeoutMs, uri.toStdString());
  }
  return openConnection(path, SQLITE_OPEN_READONLY, busyTimeoutMs);
}

}  // namespace

std::unique_ptr<ProjectStore> ProjectStore::open(const std::string& path, int busyTimeoutMs) {
  requireNonEmptyFile(path);
  auto impl = std::make_unique<Impl>();
  if (!writableProject(path)) return openReadOnly(path, std::move(impl), busyTimeoutMs);
  impl->db = openConnection(path, SQLITE_OPEN_READWRITE, busyTimeoutMs);
  Connection& db = *impl->db;
  requireSqliteDatabase(db);
  {
    // Identify the file before changing anything in it: it may be someone else's database.
    Transaction read(db, Transaction::Kind::Read);
    impl->schemaVersion = readSchemaVersion(db);
    read.commit();
  }
  if (impl->schemaVersion > latestVersion())
    throwBadInput(path + " was written by a newer Prithvi Studio (schema " +
                  std::to_string(impl->schemaVersion) + ", this program reads up to " +
                  std::to_string(latestVersion()) + "): update the program");

  // WAL lets readers and the writer of several processes work at once; FULL syncs every commit.
  std::string mode;
  {
    Statement journal(db, "PRAGMA journal_mode = WAL");
    if (journal.step()) mode = journal.text(0);
  }
  if (mode != "wal")
    throwIo("cannot open project " + path + " in write-ahead-log mode (got '" + mode +
            "'): move it to a local disk you may write to");
  db.exec("PRAGMA synchronous = FULL");

  if (impl->schemaVersion < latestVersion()) impl->schemaVersion = migrate(db);
  impl->warnings = filesystemWarnings(path);
  for (std::string& file : changedFileWarnings(*impl->db)) impl->warnings.push_back(std::move(file));
  return std::unique_ptr<ProjectStore>(new ProjectStore(std::move(impl)));
}

std::unique_ptr<ProjectStore> ProjectStore::openReadOnly(const std::string& path, std::unique_ptr<Impl> impl,
                                                        int busyTimeoutMs) {
  impl->db = openForReading(path, busyTimeoutMs);
  impl->readOnly = true;
  Connection& db = *impl->db;
  requireSqliteDatabase(db);
  {
    Transaction read(db, Transaction::Kind::Read);
    impl->schemaVersion = readSchemaVersion(db);
    read.commit();
  }
  if (impl->schemaVersion != latestVersion())
    throwBadInput(path + " is read-only here and " +
                  (impl->schemaVersion > latestVersion() ? std::string("was written by a newer Prithvi Studio")
                                                         : std::string("needs an upgrade this program cannot write")) +
                  ": copy it to a folder you may write to and open the copy");
  impl->warnings = filesystemWarnings(path);
  for (std::string& file : changedFileWarnings(*impl->db)) impl->warnings.push_back(std::move(file));
  impl->warnings.push_back("the project is open read-only (read-only media or no write permission): nothing can be "
                           "saved into it");
  return std::unique_ptr<ProjectStore>(new ProjectStore(std::move(impl)));
}

bool ProjectStore::isReadOnly() const { return mImpl->readOnly; }

bool ProjectStore::hasScene(const std::string& id) {
  Statement query(*mImpl->db, "SELECT 1 FROM scenes WHERE id = ?1");
  return query.bind(id).step();
}

std::vector<std::string> ProjectStore::addScenes(const std::vector<Scene>& scenes,
                                                 OnDuplicate onDuplicate) {
  std::vector<PreparedScene> prepared;
  prepared.reserve(scenes.size());
  for (const Scene& scene : scenes) prepared.push_back(prepareScene(scene));

  Connection& db = *mImpl->db;
  Transaction transaction(db, Transaction::Kind::Write);
  Statement exists(db, "SELECT 1 FROM scenes WHERE id = ?1");
  Statement fileOwner(db, "SELECT scene_id FROM files WHERE path = ?1");
  Statement insertSensor(db, "INSERT OR IGNORE INTO sensors (code, name) VALUES (?1, ?1)");
  // A tile first seen without a CRS gets one from a later scene.
  Statement insertTile(db,
                       "INSERT INTO tiles (id, epsg) VALUES (?1, ?2) "
                       "ON CONFLICT (id) DO UPDATE SET epsg = coalesce(tiles.epsg, excluded.epsg)");
  Statement insertScene(db,
                        "INSERT INTO scenes (id, kind, sensor, tile, acquired, width, height, epsg, "
                        "crs_wkt, geotransform, cloud_cover) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  Statement insertBand(db,
                       "INSERT INTO scene_bands (scene_id, position, role, name, path, band_index, "
                       "scale, offset, nodata) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  Statement insertFile(db, "INSERT INTO files (path, scene_id, size, mtime) VALUES (?1, ?2, ?3, ?4)");
  Statement insertFootprint(db,
                            "INSERT INTO scene_footprints (geom, scene_id, kind, sensor, tile, "
                            "acquired, cloud_cover) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");

  std::vector<std::string> skipped;
  bool anyFootprint = false;
  for (const PreparedScene& item : prepared) {
    const Scene& scene = *item.scene;
    if (exists.bind(scene.id).step()) {
      if (onDuplicate == OnDuplicate::Fail)
        throwBadInput("scene " + scene.id + " is already in project " + db.path());
      skipped.push_back(scene.id);
      continue;
    }
    for (const FileRecord& file : item.files)
      if (fileOwner.bind(file.path).step())
        throwBadInput("cannot add scene " + scene.id + ": its file " + file.path +
                      " already belongs to scene " + fileOwner.text(0));

    const auto sensor = nullIfEmpty(scene.sensor);
    const auto tile = nullIfEmpty(scene.tile);
    const auto acquired = isoUtc(scene.acquired);
    if (sensor) insertSensor.bind(sensor).run();
    if (tile) insertTile.bind(tile, nullIfZero(scene.epsg)).run();
    insertScene
        .bind(scene.id, sceneKindName(scene.kind), sensor, tile, acquired, scene.width, scene.height,
              nullIfZero(scene.epsg), scene.crsWkt, geoTransformText(scene.geoTransform),
              scene.cloudCoverPercent)
        .run();
    for (size_t position = 0; position < scene.bands.size(); ++position) {
      const SceneBand& band = scene.bands[position];
      insertBand
          .bind(scene.id, position, bandRoleName(band.role), band.name, band.path, band.bandIndex,
                band.scale, band.offset, band.nodata)
          .run();
    }
    for (const FileRecord& file : item.files)
      insertFile.bind(file.path, scene.id, file.size, file.mtime).run();
    if (item.footprint) {
      insertFootprint
          .bind(*item.footprint, scene.id, sceneKindName(scene.kind), sensor, tile, acquired,
                scene.cloudCoverPercent)
          .run();
      anyFootprint = true;
    }
  }
  if (anyFootprint) refreshFootprintContents(db);
  transaction.commit();
  return skipped;
}

std::vector<Scene> ProjectStore::scenes(const SceneFilter& filter) {
  Connection& db = *mImpl->db;
  Transaction transaction(db, Transaction::Kind::Read);
  // One statement for every filter: a NULL parameter switches its condition off.
  const std::string sql = std::string("SELECT ") + kSceneColumns +
                          " FROM scenes WHERE (?1 IS NULL OR tile = ?1) AND (?2 IS NULL OR sensor = ?2)"
                          " AND (?3 IS NULL OR acquired >= ?3) AND (?4 IS NULL OR acquired <= ?4)"
                          " AND (?5 IS NULL OR cloud_cover <= ?5)"
                          " AND (?6 IS NULL OR EXISTS (SELECT 1 FROM label_sets l"
                          " WHERE l.scene_id = scenes.id AND l.state = ?6))"
                          " ORDER BY acquired IS NULL, acquired, id";
  Statement query(db, sql.c_str());
  query.bind(nullIfEmpty(filter.tile), nullIfEmpty(filter.sensor), isoUtc(filter.from),
             isoUtc(filter.to), filter.maxCloudCoverPercent, nullIfEmpty(filter.labelState));
  SceneReader reader(db);
  std::vector<Scene> result;
  while (query.step()) result.push_back(reader.read(query));
  transaction.commit();
  return result;
}

std::optional<Scene> ProjectStore::scene(const std::string& id) {
  Connection& db = *mImpl->db;
  Transaction transaction(db, Transaction::Kind::Read);
  const std::string sql = std::string("SELECT ") + kSceneColumns + " FROM scenes WHERE id = ?1";
  Statement query(db, sql.c_str());
  std::optional<Scene> result;
  if (query.bind(id).step()) result = SceneReader(db).read(query);
  transaction.commit();
  return result;
}

void ProjectStore::removeScene(const std::string& id) {
  Connection& db = *mImpl->db;
  Transaction transaction(db, Transaction::Kind::Write);
  // Bands, files and the footprint go with it (ON DELETE CASCADE).
  Statement(db, "DELETE FROM scenes WHERE id = ?1").bind(id).run();
  if (db.changes() == 0)
    throwBadInput("there is no scene " + id + " in project " + db.path());
  refreshFootprintContents(db);
  transaction.commit();
}

void ProjectStore::relinkBandFiles(const std::string& sceneId, const std::map<std::string, std::string>& newPathOf) {
  Connection& db = *mImpl->db;
  Transaction transaction(db, Transaction::Kind::Write);
  Statement exists(db, "SELECT 1 FROM scenes WHERE id = ?1");
  if (!exists.bind(sceneId).step()) throwBadInput("there is no scene " + sceneId + " in project " + db.path());
  Statement band(db, "UPDATE scene_bands SET path = ?3 WHERE scene_id = ?1 AND path = ?2");
  Statement file(db, "UPDATE files SET path = ?2, size = ?3, mtime = ?4 WHERE path = ?1");
  for (const auto& [from, to] : newPathOf) {
    band.bind(sceneId, from, to).run();
    if (db.changes() == 0) throwBadInput(from + " is not a band file of scene " + sceneId);
    const QFileInfo info(QString::fromStdString(to));
    std::optional<int64_t> size;
    std::optional<std::string> mtime;
    if (info.exists()) {
      size = info.size();
      mtime = isoUtc(info.lastModified());
    }
    file.bind(from, to, size, mtime).run();
  }
  transaction.commit();
}

CatalogSummary ProjectStore::summary() {
  Connection& db = *mImpl->db;
  Transaction transaction(db, Transaction::Kind::Read);
  CatalogSummary summary;
  Statement count(db, "SELECT COUNT(*) FROM scenes");
  if (count.step()) summary.sceneCount = int(count.integer(0));

  Statement tiles(db,
                  "SELECT coalesce(s.tile, ''), coalesce(t.epsg, 0), COUNT(*), "
                  "COUNT(DISTINCT date(s.acquired)), MIN(s.acquired), MAX(s.acquired) "
                  "FROM scenes s LEFT JOIN tiles t ON t.id = s.tile "
                  "GROUP BY s.tile ORDER BY coalesce(s.tile, '')");
  while (tiles.step()) {
    CatalogSummary::Tile tile;
    tile.id = tiles.text(0);
    tile.epsg = int(tiles.integer(1));
    tile.sceneCount = int(tiles.integer(2));
    tile.dateCount = int(tiles.integer(3));
    if (!tiles.isNull(4)) tile.first = parseIsoUtc(tiles.text(4));
    if (!tiles.isNull(5)) tile.last = parseIsoUtc(tiles.text(5));
    summary.tiles.push_back(std::move(tile));
  }

  Statement sensors(db,
                    "SELECT n.code, n.name, COUNT(*) FROM scenes s JOIN sensors n ON n.code = s.sensor "
                    "GROUP BY n.code ORDER BY n.code");
  while (sensors.step())
    summary.sensors.push_back({sensors.text(0), sensors.text(1), int(sensors.integer(2))});
  transaction.commit();
  return summary;
}

void ProjectStore::backupTo(const std::string& path) {
  refuseExistingPath(path);
  const std::string temporaryPath = temporaryPathFor(path);
  removeDatabaseFiles(temporaryPath);
  try {
    // VACUUM INTO reads one snapshot, so writers in other processes go on meanwhile.
    Statement(*mImpl->db, "VACUUM INTO ?1").bind(temporaryPath).run();
  } catch (...) {
    removeDatabaseFiles(temporaryPath);
    throw;
  }
  publishNewFile(temporaryPath, path);
}

}  // namespace prithvi
