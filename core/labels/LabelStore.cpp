#include "core/labels/LabelStore.h"

#include <gdal_alg.h>
#include <gdal_priv.h>

#include <algorithm>
#include <array>
#include <set>

#include <QByteArray>

#include "core/base/Error.h"
#include "core/labels/LabelGeometry.h"
#include "core/project/ProjectStore.h"
#include "core/project/Sqlite.h"
#include "core/raster/GdalErrors.h"

namespace prithvi {

using namespace sqlite;

namespace {

constexpr const char* kStateNames[] = {"draft", "submitted", "validated", "rejected"};
constexpr const char* kActionNames[] = {"submit", "validate", "reject", "reopen"};
constexpr size_t kTileCodes = size_t(kMaskTileSize) * kMaskTileSize;

constexpr const char* kLabelSetColumns =
    "id, scene_id, scheme, label_date, state, author, reviewer, comment, created, modified, "
    "submitted, reviewed, revision";

QDateTime optionalTime(const Statement& row, int column) {
  return row.isNull(column) ? QDateTime() : parseIsoUtc(row.text(column));
}

LabelSet readLabelSet(const Statement& row) {
  LabelSet set;
  set.id = row.integer(0);
  set.sceneId = row.text(1);
  set.scheme = row.text(2);
  set.labelDate = optionalTime(row, 3);
  set.state = reviewStateFromName(row.text(4)).value_or(ReviewState::Draft);
  set.author = row.text(5);
  set.reviewer = row.text(6);
  set.comment = row.text(7);
  set.created = optionalTime(row, 8);
  set.modified = optionalTime(row, 9);
  set.submitted = optionalTime(row, 10);
  set.reviewed = optionalTime(row, 11);
  set.revision = row.integer(12);
  return set;
}

std::string nowUtc() { return *isoUtc(QDateTime::currentDateTimeUtc()); }

std::vector<uint8_t> compressCodes(const std::vector<uint8_t>& codes) {
  QByteArray packed = qCompress(reinterpret_cast<const uchar*>(codes.data()), qsizetype(codes.size()), 6);
  return {packed.begin(), packed.end()};
}

std::vector<uint8_t> decompressCodes(const std::string& where, std::pair<const uint8_t*, size_t> blob) {
  // qUncompress allocates whatever size the blob's 4-byte big-endian header claims (up to 4 GiB)
  // before inflating: a tile that does not claim kTileCodes bytes is damaged, never inflated.
  const uint8_t* p = blob.first;
  const bool tileSized = p && blob.second >= 4 &&
                         ((uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3]) == kTileCodes;
  QByteArray codes = tileSized ? qUncompress(reinterpret_cast<const uchar*>(blob.first), qsizetype(blob.second)) : QByteArray();
  if (size_t(codes.size()) != kTileCodes)
    throwBadInput("project has a damaged label mask tile (" + where + "): restore it from a backup");
  return {codes.begin(), codes.end()};
}

// The GeoPackage srs_id for a scene CRS: its EPSG code, or an id of our own above 100000 for a
// CRS without one (matched by its WKT). Empty when the project has no row for it yet.
std::optional<int> findSrsId(Connection& db, int epsg, const std::string& wkt) {
  Statement query(db,
                  epsg > 0 ? "SELECT srs_id FROM gpkg_spatial_ref_sys WHERE srs_id = ?1"
                           : "SELECT srs_id FROM gpkg_spatial_ref_sys WHERE organization = 'NONE' "
                             "AND definition = ?1 AND srs_id >= 100000");
  if (epsg > 0)
    query.bind(epsg);
  else
    query.bind(wkt);
  if (query.step()) return int(query.integer(0));
  return std::nullopt;
}

int ensureSrsId(Connection& db, int epsg, const std::string& wkt) {
  if (std::optional<int> id = findSrsId(db, epsg, wkt)) return *id;
  int id = epsg;
  if (epsg <= 0) {
    Statement next(db, "SELECT max(100000, coalesce(max(srs_id), 0) + 1) FROM gpkg_spatial_ref_sys");
    next.step();
    id = int(next.integer(0));
  }
  const std::string name = epsg > 0 ? "EPSG:" + std::to_string(epsg) : "Scene CRS " + std::to_string(id);
  Statement(db,
            "INSERT INTO gpkg_spatial_ref_sys (srs_name, srs_id, organization, organization_coordsys_id, "
            "definition, description) VALUES (?1, ?2, ?3, ?4, ?5, 'CRS of labelled scenes')")
      .bind(name, id, epsg > 0 ? "EPSG" : "NONE", epsg > 0 ? epsg : id, wkt)
      .run();
  return id;
}

struct SceneGrid {
  int epsg = 0;
  std::string wkt;
};

SceneGrid sceneGridOf(Connection& db, const std::string& sceneId) {
  Statement query(db, "SELECT coalesce(epsg, 0), crs_wkt FROM scenes WHERE id = ?1");
  if (!query.bind(sceneId).step()) throwBadInput("there is no scene " + sceneId + " in project " + db.path());
  return {int(query.integer(0)), query.text(1)};
}

std::optional<std::string> existingPolygonTable(Connection& db, const SceneGrid& grid) {
  std::optional<int> srsId = findSrsId(db, grid.epsg, grid.wkt);
  if (!srsId) return std::nullopt;
  Statement query(db, "SELECT table_name FROM label_polygon_tables WHERE srs_id = ?1");
  if (query.bind(*srsId).step()) return query.text(0);
  return std::nullopt;
}

// Creates the feature table for a CRS inside the caller's write transaction. No rtree index,
// for the reason given at scene_footprints.
std::pair<std::string, int> ensurePolygonTable(Connection& db, const SceneGrid& grid) {
  const int srsId = ensureSrsId(db, grid.epsg, grid.wkt);
  const std::string table = "label_polygons_" + std::to_string(srsId);
  Statement known(db, "SELECT 1 FROM label_polygon_tables WHERE srs_id = ?1");
  if (known.bind(srsId).step()) return {table, srsId};
  db.exec(("CREATE TABLE \"" + table +
           "\" (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom POLYGON, "
           "label_set_id INTEGER NOT NULL REFERENCES label_sets(id) ON DELETE CASCADE, "
           "scene_id TEXT NOT NULL, class_value INTEGER NOT NULL, class_name TEXT, "
           "created DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')));"
           "CREATE INDEX \"" + table + "_set\" ON \"" + table + "\"(label_set_id);")
              .c_str());
  Statement(db,
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) "
            "VALUES (?1, 'features', ?1, 'Label polygons of Prithvi Studio', ?2)")
      .bind(table, srsId)
      .run();
  Statement(db,
            "INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m) "
            "VALUES (?1, 'geom', 'POLYGON', ?2, 0, 0)")
      .bind(table, srsId)
      .run();
  Statement(db, "INSERT INTO label_polygon_tables (srs_id, table_name) VALUES (?1, ?2)").bind(srsId, table).run();
  return {table, srsId};
}

std::vector<LabelPolygon> readPolygons(Connection& db, const std::string& table, int64_t labelSetId) {
  std::vector<LabelPolygon> polygons;
  Statement query(db, ("SELECT fid, class_value, geom FROM \"" + table + "\" WHERE label_set_id = ?1 ORDER BY fid").c_str());
  query.bind(labelSetId);
  while (query.step()) {
    LabelPolygon polygon;
    polygon.fid = query.integer(0);
    polygon.classValue = int(query.integer(1));
    auto [bytes, size] = query.blob(2);
    polygon.rings = ringsFromGpkgBlob(bytes, size);
    if (polygon.rings.empty())
      throwBadInput("label polygon " + std::to_string(polygon.fid) + " in " + table + " of project " + db.path() +
                    " is not a polygon: was it edited by another program?");
    polygons.push_back(std::move(polygon));
  }
  return polygons;
}

std::vector<MaskTile> readTiles(Connection& db, int64_t labelSetId) {
  std::vector<MaskTile> tiles;
  Statement query(db, "SELECT tile_row, tile_col, codes FROM label_mask_tiles WHERE label_set_id = ?1 ORDER BY tile_row, tile_col");
  query.bind(labelSetId);
  while (query.step()) {
    MaskTile tile{int(query.integer(0)), int(query.integer(1)), {}};
    tile.codes = decompressCodes("set " + std::to_string(labelSetId), query.blob(2));
    tiles.push_back(std::move(tile));
  }
  return tiles;
}

LabelSet requireLabelSet(Connection& db, int64_t id) {
  Statement query(db, (std::string("SELECT ") + kLabelSetColumns + " FROM label_sets WHERE id = ?1").c_str());
  if (!query.bind(id).step())
    throwBadInput("there is no label set " + std::to_string(id) + " in project " + db.path());
  return readLabelSet(query);
}

std::optional<ClassScheme> storedScheme(Connection& db, const std::string& name) {
  Statement query(db, "SELECT definition FROM label_schemes WHERE name = ?1");
  if (!query.bind(name).step()) return std::nullopt;
  return ClassScheme::fromJson(query.text(0));
}

void storeScheme(Connection& db, const ClassScheme& scheme) {
  Statement(db,
            "INSERT INTO label_schemes (name, definition, modified) VALUES (?1, ?2, ?3) "
            "ON CONFLICT (name) DO UPDATE SET definition = excluded.definition, modified = excluded.modified")
      .bind(scheme.name, scheme.toJson(), nowUtc())
      .run();
}

bool intersects(const OGREnvelope& a, double minX, double maxX, double minY, double maxY) {
  return a.MaxX >= minX && a.MinX <= maxX && a.MaxY >= minY && a.MinY <= maxY;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

const char* reviewStateName(ReviewState state) { return kStateNames[int(state)]; }
std::optional<ReviewState> reviewStateFromName(const std::string& name) {
  for (int i = 0; i < 4; ++i)
    if (name == kStateNames[i]) return ReviewState(i);
  return std::nullopt;
}
const char* reviewActionName(ReviewAction action) { return kActionNames[int(action)]; }
std::optional<ReviewAction> reviewActionFromName(const std::string& name) {
  for (int i = 0; i < 4; ++i)
    if (name == kActionNames[i]) return ReviewAction(i);
  return std::nullopt;
}

bool MaskTile::isEmpty() const {
  return std::all_of(codes.begin(), codes.end(), [](uint8_t code) { return code == mask_code::kUntouched; });
}

void composeLabels(const std::vector<LabelPolygon>& polygons, const std::vector<MaskTile>& tiles,
                   const GeoTransform& grid, const Window& window, int ignoreValue, uint8_t* out) {
  const size_t count = size_t(window.width) * size_t(window.height);
  std::fill(out, out + count, uint8_t(ignoreValue));
  if (count == 0) return;

  if (!polygons.empty()) {
    ensureGdalRegistered();
    const MapPoint origin = grid.pixelToMap(window.x, window.y);
    const MapPoint far = grid.pixelToMap(window.x + window.width, window.y + window.height);
    const double minX = std::min(origin.x, far.x), maxX = std::max(origin.x, far.x);
    const double minY = std::min(origin.y, far.y), maxY = std::max(origin.y, far.y);
    std::vector<std::unique_ptr<OGRPolygon>> geometries;
    std::vector<OGRGeometryH> handles;
    std::vector<double> burnValues;
    for (const LabelPolygon& polygon : polygons) {
      auto geometry = toOgrPolygon(polygon.rings);
      OGREnvelope envelope;
      geometry->getEnvelope(&envelope);
      if (!intersects(envelope, minX, maxX, minY, maxY)) continue;
      handles.push_back(OGRGeometry::ToHandle(geometry.get()));
      burnValues.push_back(polygon.classValue);
      geometries.push_back(std::move(geometry));
    }
    if (!handles.empty()) {
      GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("MEM");
      GdalErrorCapture errors;
      std::unique_ptr<GDALDataset> canvas(driver->Create("", window.width, window.height, 1, GDT_Byte, nullptr));
      if (!canvas) throwIo("cannot allocate a label raster of " + std::to_string(window.width) + " x " +
                           std::to_string(window.height) + " pixels" + ": " + errors.message());
      std::array<double, 6> transform = grid.coefficients();
      transform[0] = origin.x;
      transform[3] = origin.y;
      canvas->SetGeoTransform(transform.data());
      canvas->GetRasterBand(1)->Fill(ignoreValue);
      int bandList[] = {1};
      // Geometries burn in order, so later polygons cover earlier ones.
      CPLErr result = GDALRasterizeGeometries(GDALDataset::ToHandle(canvas.get()), 1, bandList, int(handles.size()),
                                              handles.data(), nullptr, nullptr, burnValues.data(), nullptr,
                                              nullptr, nullptr);
      if (result != CE_None) throwIo("cannot rasterise label polygons: " + errors.message());
      if (canvas->GetRasterBand(1)->RasterIO(GF_Read, 0, 0, window.width, window.height, out, window.width,
                                             window.height, GDT_Byte, 0, 0, nullptr) != CE_None)
        throwIo("cannot read the rasterised label polygons: " + errors.message());
    }
  }

  for (const MaskTile& tile : tiles) {
    if (tile.codes.size() != kTileCodes) continue;
    const int tileX = tile.col * kMaskTileSize, tileY = tile.row * kMaskTileSize;
    const int x0 = std::max(window.x, tileX), x1 = std::min(window.x + window.width, tileX + kMaskTileSize);
    const int y0 = std::max(window.y, tileY), y1 = std::min(window.y + window.height, tileY + kMaskTileSize);
    for (int y = y0; y < y1; ++y) {
      const uint8_t* codes = tile.codes.data() + size_t(y - tileY) * kMaskTileSize;
      uint8_t* row = out + size_t(y - window.y) * window.width;
      for (int x = x0; x < x1; ++x) {
        const uint8_t code = codes[x - tileX];
        if (code == mask_code::kUntouched) continue;
        row[x - window.x] = code == mask_code::kErased ? uint8_t(ignoreValue) : uint8_t(mask_code::classOf(code));
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------

LabelStore::LabelStore(ProjectStore& project) : mProject(project) {}

std::vector<ClassScheme> LabelStore::schemes() {
  Connection& db = mProject.connection();
  Transaction transaction(db, Transaction::Kind::Read);
  std::vector<ClassScheme> result;
  std::set<std::string> stored;
  Statement query(db, "SELECT definition FROM label_schemes ORDER BY name");
  while (query.step()) {
    result.push_back(ClassScheme::fromJson(query.text(0)));
    stored.insert(result.back().name);
  }
  transaction.commit();
  for (const ClassScheme& preset : presetClassSchemes())
    if (!stored.count(preset.name)) result.push_back(preset);
  return result;
}

ClassScheme LabelStore::scheme(const std::string& name) {
  Connection& db = mProject.connection();
  if (std::optional<ClassScheme> stored = storedScheme(db, name)) return *stored;
  if (std::optional<ClassScheme> preset = presetClassScheme(name)) return *preset;
  throwBadInput("there is no class scheme '" + name + "' in project " + db.path() +
                " (presets: flood, burn_scars, crop, cloud, land_cover)");
}

void LabelStore::saveScheme(const ClassScheme& scheme) {
  scheme.validate();
  Connection& db = mProject.connection();
  Transaction transaction(db, Transaction::Kind::Write);
  std::set<int> kept;
  for (const LabelClass& labelClass : scheme.classes) kept.insert(labelClass.value);
  // A class still on the map must keep its value, or its pixels would lose their meaning.
  Statement sets(db, "SELECT id, scene_id FROM label_sets WHERE scheme = ?1");
  sets.bind(scheme.name);
  while (sets.step()) {
    const int64_t id = sets.integer(0);
    std::set<int> used;
    if (std::optional<std::string> table = existingPolygonTable(db, sceneGridOf(db, sets.text(1)))) {
      Statement values(db, ("SELECT DISTINCT class_value FROM \"" + *table + "\" WHERE label_set_id = ?1").c_str());
      values.bind(id);
      while (values.step()) used.insert(int(values.integer(0)));
    }
    for (const MaskTile& tile : readTiles(db, id))
      for (uint8_t code : tile.codes)
        if (code > mask_code::kErased) used.insert(mask_code::classOf(code));
    for (int value : used)
      if (!kept.count(value))
        throwBadInput("class scheme '" + scheme.name + "' must keep class value " + std::to_string(value) +
                      ": label set " + std::to_string(id) + " uses it; relabel those pixels first");
  }
  storeScheme(db, scheme);
  // Polygon tables carry class names for QGIS; keep them current.
  std::vector<std::string> tables;
  Statement listTables(db, "SELECT table_name FROM label_polygon_tables");
  while (listTables.step()) tables.push_back(listTables.text(0));
  for (const LabelClass& labelClass : scheme.classes) {
    for (const std::string& table : tables)
      Statement(db, ("UPDATE \"" + table + "\" SET class_name = ?1 WHERE class_value = ?2 AND label_set_id IN "
                     "(SELECT id FROM label_sets WHERE scheme = ?3)").c_str())
          .bind(labelClass.name, labelClass.value, scheme.name)
          .run();
  }
  transaction.commit();
}

int64_t LabelStore::createLabelSet(const std::string& sceneId, const std::string& schemeName,
                                   const std::string& author, const QDateTime& labelDate) {
  if (author.empty()) throwBadInput("a label set needs an author");
  Connection& db = mProject.connection();
  const ClassScheme chosen = scheme(schemeName);
  Transaction transaction(db, Transaction::Kind::Write);
  sceneGridOf(db, sceneId);  // the scene must exist
  if (!storedScheme(db, chosen.name)) storeScheme(db, chosen);
  std::optional<std::string> date = isoUtc(labelDate);
  if (!date) {
    Statement acquired(db, "SELECT acquired FROM scenes WHERE id = ?1");
    if (acquired.bind(sceneId).step() && !acquired.isNull(0)) date = acquired.text(0);
  }
  const std::string now = nowUtc();
  Statement(db,
            "INSERT INTO label_sets (scene_id, scheme, label_date, author, created, modified) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?5)")
      .bind(sceneId, chosen.name, date, author, now)
      .run();
  const int64_t id = db.lastInsertRowId();
  transaction.commit();
  return id;
}

LabelSet LabelStore::labelSet(int64_t id) {
  Connection& db = mProject.connection();
  Transaction transaction(db, Transaction::Kind::Read);
  LabelSet set = requireLabelSet(db, id);
  transaction.commit();
  return set;
}

std::vector<LabelSet> LabelStore::labelSets(const LabelSetFilter& filter) {
  Connection& db = mProject.connection();
  Transaction transaction(db, Transaction::Kind::Read);
  const std::string sql = std::string("SELECT ") + kLabelSetColumns +
                          " FROM label_sets WHERE (?1 IS NULL OR scene_id = ?1) AND (?2 IS NULL OR scheme = ?2)"
                          " AND (?3 IS NULL OR scene_id IN (SELECT id FROM scenes WHERE tile = ?3))"
                          " AND (?4 IS NULL OR state = ?4)"
                          " AND (?5 = 0 OR CAST(substr(COALESCE(label_date, created), 1, 4) AS INTEGER) = ?5) ORDER BY id";
  Statement query(db, sql.c_str());
  query.bind(nullIfEmpty(filter.sceneId), nullIfEmpty(filter.scheme), nullIfEmpty(filter.tile),
             filter.state ? std::optional<std::string>(reviewStateName(*filter.state)) : std::nullopt, filter.year);
  std::vector<LabelSet> sets;
  while (query.step()) sets.push_back(readLabelSet(query));
  transaction.commit();
  return sets;
}

void LabelStore::deleteLabelSet(int64_t id) {
  Connection& db = mProject.connection();
  Transaction transaction(db, Transaction::Kind::Write);
  // Polygons, tiles and reviews go with it (ON DELETE CASCADE).
  Statement(db, "DELETE FROM label_sets WHERE id = ?1").bind(id).run();
  if (db.changes() == 0) throwBadInput("there is no label set " + std::to_string(id) + " in project " + db.path());
  transaction.commit();
}

LabelSet LabelStore::review(int64_t id, ReviewAction action, const std::string& person, const std::string& comment) {
  if (person.empty()) throwBadInput("a review needs the name of the person making it");
  Connection& db = mProject.connection();
  Transaction transaction(db, Transaction::Kind::Write);
  const LabelSet set = requireLabelSet(db, id);
  const ReviewState from = set.state;
  std::optional<ReviewState> to;
  switch (action) {
    case ReviewAction::Submit:
      if (from == ReviewState::Draft || from == ReviewState::Rejected) to = ReviewState::Submitted;
      break;
    case ReviewAction::Validate:
      if (from == ReviewState::Submitted) to = ReviewState::Validated;
      break;
    case ReviewAction::Reject:
      if (from == ReviewState::Submitted) to = ReviewState::Rejected;
      break;
    case ReviewAction::Reopen:
      if (from != ReviewState::Draft) to = ReviewState::Draft;
      break;
  }
  if (!to)
    throwBadInput(std::string("cannot ") + reviewActionName(action) + " label set " + std::to_string(id) + ": it is " +
                  reviewStateName(from) +
                  (action == ReviewAction::Submit ? "" : "; only submitted label sets are validated or rejected"));
  if (action == ReviewAction::Reject && comment.empty())
    throwBadInput("say why label set " + std::to_string(id) + " is rejected: give a comment");

  const std::string now = nowUtc();
  const bool isReview = action == ReviewAction::Validate || action == ReviewAction::Reject;
  Statement(db,
            "UPDATE label_sets SET state = ?2, "
            "submitted = CASE WHEN ?3 THEN ?4 ELSE submitted END, "
            "reviewed = CASE WHEN ?5 THEN ?4 ELSE reviewed END, "
            "reviewer = CASE WHEN ?5 THEN ?6 ELSE reviewer END, "
            "comment = CASE WHEN ?7 IS NOT NULL THEN ?7 ELSE comment END WHERE id = ?1")
      .bind(id, reviewStateName(*to), int(action == ReviewAction::Submit), now, int(isReview), person,
            nullIfEmpty(comment))
      .run();
  Statement(db,
            "INSERT INTO label_reviews (label_set_id, from_state, to_state, person, comment, at) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
      .bind(id, reviewStateName(from), reviewStateName(*to), person, nullIfEmpty(comment), now)
      .run();
  LabelSet updated = requireLabelSet(db, id);
  transaction.commit();
  return updated;
}

std::vector<ReviewEvent> LabelStore::reviewHistory(int64_t id) {
  Connection& db = mProject.connection();
  Transaction transaction(db, Transaction::Kind::Read);
  std::vector<ReviewEvent> events;
  Statement query(db,
                  "SELECT from_state, to_state, person, comment, at FROM label_reviews "
                  "WHERE label_set_id = ?1 ORDER BY id");
  query.bind(id);
  while (query.step())
    events.push_back({reviewStateFromName(query.text(0)).value_or(ReviewState::Draft),
                      reviewStateFromName(query.text(1)).value_or(ReviewState::Draft), query.text(2),
                      query.text(3), parseIsoUtc(query.text(4))});
  transaction.commit();
  return events;
}

std::vector<LabelPolygon> LabelStore::polygons(int64_t labelSetId) {
  Connection& db = mProject.connection();
  Transaction transaction(db, Transaction::Kind::Read);
  const LabelSet set = requireLabelSet(db, labelSetId);
  std::vector<LabelPolygon> result;
  if (std::optional<std::string> table = existingPolygonTable(db, sceneGridOf(db, set.sceneId)))
    result = readPolygons(db, *table, labelSetId);
  transaction.commit();
  return result;
}

std::vector<MaskTile> LabelStore::maskTiles(int64_t labelSetId) {
  Connection& db = mProject.connection();
  Transaction transaction(db, Transaction::Kind::Read);
  std::vector<MaskTile> tiles = readTiles(db, labelSetId);
  transaction.commit();
  return tiles;
}

MaskTile LabelStore::maskTile(int64_t labelSetId, int row, int col) {
  Connection& db = mProject.connection();
  Statement query(db, "SELECT codes FROM label_mask_tiles WHERE label_set_id = ?1 AND tile_row = ?2 AND tile_col = ?3");
  MaskTile tile{row, col, {}};
  if (query.bind(labelSetId, row, col).step())
    tile.codes = decompressCodes("set " + std::to_string(labelSetId), query.blob(0));
  return tile;
}

std::string LabelStore::polygonTable(int64_t labelSetId) {
  Connection& db = mProject.connection();
  Transaction transaction(db, Transaction::Kind::Write);
  const LabelSet set = requireLabelSet(db, labelSetId);
  const std::string table = ensurePolygonTable(db, sceneGridOf(db, set.sceneId)).first;
  transaction.commit();
  return table;
}

std::vector<int64_t> LabelStore::apply(int64_t labelSetId, const LabelEdit& edit,
                                       std::optional<int64_t> expectedRevision) {
  Connection& db = mProject.connection();
  const LabelSet before = labelSet(labelSetId);
  const ClassScheme chosen = scheme(before.scheme);
  for (const LabelPolygon& polygon : edit.addPolygons)
    if (!chosen.find(polygon.classValue))
      throwBadInput("class value " + std::to_string(polygon.classValue) + " is not in class scheme '" +
                    chosen.name + "'");
  // Encode before taking the write lock: no slow work while other writers wait.
  std::vector<std::vector<uint8_t>> packedTiles;
  for (const MaskTile& tile : edit.setTiles) {
    if (!tile.codes.empty() && tile.codes.size() != kTileCodes)
      throwBadInput("a label mask tile holds " + std::to_string(kTileCodes) + " codes, got " +
                    std::to_string(tile.codes.size()));
    for (uint8_t code : tile.codes)
      if (code > mask_code::kErased && !chosen.find(mask_code::classOf(code)))
        throwBadInput("class value " + std::to_string(mask_code::classOf(code)) + " is not in class scheme '" +
                      chosen.name + "'");
    packedTiles.push_back(tile.isEmpty() ? std::vector<uint8_t>{} : compressCodes(tile.codes));
  }

  Transaction transaction(db, Transaction::Kind::Write);
  const LabelSet set = requireLabelSet(db, labelSetId);
  if (set.state == ReviewState::Submitted || set.state == ReviewState::Validated)
    throwBadInput("label set " + std::to_string(labelSetId) + " is " + reviewStateName(set.state) +
                  ": reopen it before editing");
  if (expectedRevision && set.revision != *expectedRevision)
    throwIo("label set " + std::to_string(labelSetId) +
            " was changed by another program since it was opened here: reopen it to see those changes");

  std::vector<int64_t> fids;
  if (!edit.addPolygons.empty() || !edit.removePolygons.empty()) {
    const SceneGrid grid = sceneGridOf(db, set.sceneId);
    auto [table, srsId] = ensurePolygonTable(db, grid);
    Statement remove(db, ("DELETE FROM \"" + table + "\" WHERE fid = ?1 AND label_set_id = ?2").c_str());
    for (int64_t fid : edit.removePolygons) {
      remove.bind(fid, labelSetId).run();
      if (db.changes() == 0)
        throwBadInput("label set " + std::to_string(labelSetId) + " has no polygon " + std::to_string(fid));
    }
    Statement insert(db, ("INSERT INTO \"" + table +
                          "\" (fid, geom, label_set_id, scene_id, class_value, class_name) "
                          "VALUES (?1, ?2, ?3, ?4, ?5, ?6)").c_str());
    std::optional<OGREnvelope> added;
    for (const LabelPolygon& polygon : edit.addPolygons) {
      std::unique_ptr<OGRPolygon> geometry = toOgrPolygon(polygon.rings);
      OGREnvelope envelope;
      geometry->getEnvelope(&envelope);
      if (added)
        added->Merge(envelope);
      else
        added = envelope;
      insert.bind(polygon.fid > 0 ? std::optional<int64_t>(polygon.fid) : std::nullopt,
                  toGpkgBlob(polygon.rings, srsId), labelSetId, set.sceneId, polygon.classValue,
                  chosen.find(polygon.classValue)->name)
          .run();
      fids.push_back(db.lastInsertRowId());
    }
    // gpkg_contents bounds only grow here: readers need a box that holds every feature.
    Statement(db,
              "UPDATE gpkg_contents SET last_change = ?2, "
              "min_x = min(coalesce(min_x, ?3), coalesce(?3, min_x)), max_x = max(coalesce(max_x, ?4), coalesce(?4, max_x)), "
              "min_y = min(coalesce(min_y, ?5), coalesce(?5, min_y)), max_y = max(coalesce(max_y, ?6), coalesce(?6, max_y)) "
              "WHERE table_name = ?1")
        .bind(table, nowUtc(), added ? std::optional(added->MinX) : std::nullopt,
              added ? std::optional(added->MaxX) : std::nullopt, added ? std::optional(added->MinY) : std::nullopt,
              added ? std::optional(added->MaxY) : std::nullopt)
        .run();
  }

  Statement removeTile(db, "DELETE FROM label_mask_tiles WHERE label_set_id = ?1 AND tile_row = ?2 AND tile_col = ?3");
  Statement writeTile(db,
                      "INSERT INTO label_mask_tiles (label_set_id, tile_row, tile_col, codes) VALUES (?1, ?2, ?3, ?4) "
                      "ON CONFLICT (label_set_id, tile_row, tile_col) DO UPDATE SET codes = excluded.codes");
  for (size_t i = 0; i < edit.setTiles.size(); ++i) {
    const MaskTile& tile = edit.setTiles[i];
    if (packedTiles[i].empty())
      removeTile.bind(labelSetId, tile.row, tile.col).run();
    else
      writeTile.bind(labelSetId, tile.row, tile.col, packedTiles[i]).run();
  }
  Statement(db, "UPDATE label_sets SET revision = revision + 1, modified = ?2 WHERE id = ?1")
      .bind(labelSetId, nowUtc())
      .run();
  transaction.commit();
  return fids;
}

std::vector<uint8_t> LabelStore::rasterize(int64_t labelSetId, const Window& window) {
  const LabelSet set = labelSet(labelSetId);
  const ClassScheme chosen = scheme(set.scheme);
  std::optional<Scene> scene = mProject.scene(set.sceneId);
  if (!scene) throwBadInput("label set " + std::to_string(labelSetId) + " refers to a missing scene " + set.sceneId);
  if (window.width < 0 || window.height < 0)
    throwUsage("a label window needs a non-negative size");
  std::vector<MaskTile> tiles;
  {
    // Only the tiles the window touches.
    Connection& db = mProject.connection();
    Transaction transaction(db, Transaction::Kind::Read);
    Statement query(db,
                    "SELECT tile_row, tile_col, codes FROM label_mask_tiles WHERE label_set_id = ?1 "
                    "AND tile_row BETWEEN ?2 AND ?3 AND tile_col BETWEEN ?4 AND ?5");
    query.bind(labelSetId, window.y / kMaskTileSize, (window.y + window.height - 1) / kMaskTileSize,
               window.x / kMaskTileSize, (window.x + window.width - 1) / kMaskTileSize);
    while (query.step()) {
      MaskTile tile{int(query.integer(0)), int(query.integer(1)), {}};
      tile.codes = decompressCodes("set " + std::to_string(labelSetId), query.blob(2));
      tiles.push_back(std::move(tile));
    }
    transaction.commit();
  }
  std::vector<uint8_t> raster(size_t(window.width) * size_t(window.height));
  composeLabels(polygons(labelSetId), tiles, scene->geoTransform, window, chosen.ignoreValue, raster.data());
  return raster;
}

bool LabelStore::selfReviewAllowed() {
  Statement row(mProject.connection(), "SELECT value FROM prithvi_meta WHERE key = 'label_self_review'");
  return row.step() && row.text(0) == "allowed";
}

void LabelStore::setSelfReviewAllowed(bool allowed) {
  Connection& db = mProject.connection();
  Transaction transaction(db, Transaction::Kind::Write);
  Statement(db, "INSERT INTO prithvi_meta (key, value) VALUES ('label_self_review', ?1) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value")
      .bind(std::string(allowed ? "allowed" : "not allowed"))
      .run();
  transaction.commit();
}

LabelStats LabelStore::stats(int64_t labelSetId) {
  const LabelSet set = labelSet(labelSetId);
  const ClassScheme chosen = scheme(set.scheme);
  std::optional<Scene> scene = mProject.scene(set.sceneId);
  if (!scene) throwBadInput("label set " + std::to_string(labelSetId) + " refers to a missing scene " + set.sceneId);
  LabelStats stats;
  stats.polygonCount = int64_t(polygons(labelSetId).size());
  stats.maskTileCount = int64_t(maskTiles(labelSetId).size());
  const std::vector<uint8_t> raster = rasterize(labelSetId, {0, 0, scene->width, scene->height});
  std::array<int64_t, 256> histogram{};
  for (uint8_t value : raster) ++histogram[value];
  for (int value = 0; value < 256; ++value) {
    if (histogram[size_t(value)] == 0 || value == chosen.ignoreValue) continue;
    stats.pixelsPerValue[value] = histogram[size_t(value)];
    stats.labelledPixels += histogram[size_t(value)];
  }
  stats.totalPixels = int64_t(raster.size());
  return stats;
}

}  // namespace prithvi
