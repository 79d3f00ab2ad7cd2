// ProjectStore: the GeoPackage a project is, its catalog round trip, refusals with clear
// messages, and safety under concurrent writers.

#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>
#include <optional>
#include <thread>

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimeZone>
#include <QTest>

#include <gdal.h>
#include <gdal_utils.h>
#include <ogr_api.h>
#include <sqlite3.h>

#include "core/base/Error.h"
#include "core/project/GeoPackage.h"
#include "core/project/ProjectStore.h"
#include "core/raster/GdalErrors.h"
#include "tests/support/TestSupport.h"

using namespace prithvi;

namespace {

// A bare SQLite connection, to look at and tamper with the file behind ProjectStore's back.
class RawDb {
 public:
  explicit RawDb(const QString& path) {
    if (sqlite3_open_v2(path.toUtf8().constData(), &mDb, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        nullptr) != SQLITE_OK)
      qFatal("cannot open %s", qPrintable(path));
  }
  ~RawDb() { sqlite3_close_v2(mDb); }
  int exec(const char* sql) { return sqlite3_exec(mDb, sql, nullptr, nullptr, nullptr); }
  // The first column of every row, as text ("" for NULL).
  QStringList column(const char* sql) {
    QStringList values;
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(mDb, sql, -1, &statement, nullptr) != SQLITE_OK)
      qFatal("bad test SQL %s: %s", sql, sqlite3_errmsg(mDb));
    while (sqlite3_step(statement) == SQLITE_ROW) {
      const auto* text = sqlite3_column_text(statement, 0);
      values << (text ? QString::fromUtf8(reinterpret_cast<const char*>(text)) : QString());
    }
    sqlite3_finalize(statement);
    return values;
  }
  QString value(const char* sql) {
    const QStringList values = column(sql);
    return values.isEmpty() ? QString() : values.front();
  }

 private:
  sqlite3* mDb = nullptr;
};

std::optional<Error> errorOf(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& error) {
    return error;
  }
  return std::nullopt;
}

std::vector<LonLat> square(double lon, double lat, double size) {
  return {{lon, lat}, {lon + size, lat}, {lon + size, lat + size}, {lon, lat + size}, {lon, lat}};
}

// An HLS S30 granule with its six Prithvi bands and Fmask, one file each.
Scene hlsGranule(const std::string& tile, const QDateTime& acquired, double cloud,
                 const std::string& sensor = "S30", const std::string& folder = "/data/hls") {
  Scene scene;
  const QString day = QString::asprintf("%04d%03dT", acquired.date().year(), acquired.date().dayOfYear()) +
                      acquired.time().toString(QStringLiteral("hhmmss"));
  scene.id = "HLS." + sensor + ".T" + tile + "." + day.toStdString() + ".v2.0";
  scene.kind = SceneKind::HlsGranule;
  scene.sensor = sensor;
  scene.tile = tile;
  scene.acquired = acquired;
  scene.width = 3660;
  scene.height = 3660;
  scene.geoTransform = GeoTransform({399960, 30, 0, 3700020, 0, -30});
  scene.epsg = 32613;
  scene.crsWkt = R"(PROJCS["WGS 84 / UTM zone 13N",AUTHORITY["EPSG","32613"]])";
  scene.cloudCoverPercent = cloud;
  const std::pair<BandRole, const char*> bands[] = {
      {BandRole::Blue, "B02"},  {BandRole::Green, "B03"}, {BandRole::Red, "B04"},
      {BandRole::NIR, "B8A"},   {BandRole::SWIR1, "B11"}, {BandRole::SWIR2, "B12"},
      {BandRole::Fmask, "Fmask"}};
  for (const auto& [role, code] : bands) {
    SceneBand band;
    band.role = role;
    band.name = code;
    band.path = folder + "/" + scene.id + "." + code + ".tif";
    const bool isMask = role == BandRole::Fmask;
    band.scale = isMask ? 1.0 : 0.0001;
    band.nodata = isMask ? 255.0 : -9999.0;
    scene.bands.push_back(band);
  }
  // Tiles 13REN and 13RFN get footprints 0.1 degree apart.
  scene.footprint = square(-106.0 + 0.1 * (tile.at(3) - 'A'), 33.0, 1.0 + 1.0 / 3.0);
  return scene;
}

// A six-band raster of unknown date, sensor and tile, with doubles that only exact storage keeps.
Scene multiBandRaster(const std::string& path) {
  Scene scene;
  scene.id = QFileInfo(QString::fromStdString(path)).fileName().toStdString();
  scene.kind = SceneKind::MultiBandRaster;
  scene.width = 349;
  scene.height = 352;
  scene.geoTransform = GeoTransform({288776.3 + 0.1 + 0.2, 28.5 / 3.0, 1e-17, 9120761.3, -0.0, -28.5 / 7.0});
  scene.epsg = 0;
  scene.crsWkt = "";
  for (int index = 1; index <= 6; ++index) {
    SceneBand band;
    band.role = kPrithviBands[index - 1];
    band.name = "band " + std::to_string(index);
    band.path = path;
    band.bandIndex = index;
    band.offset = -0.1 * index;
    scene.bands.push_back(band);
  }
  scene.footprint = {{-34.9, -8.0}, {-34.8 + 1e-12, -8.0}, {-34.8, -7.9 / 3.0}, {-34.9, -7.9}, {-34.9, -8.0}};
  return scene;
}

void verifySameScene(const Scene& got, const Scene& expected) {
  QCOMPARE(got.id, expected.id);
  QVERIFY(got.kind == expected.kind);
  QCOMPARE(got.sensor, expected.sensor);
  QCOMPARE(got.tile, expected.tile);
  QCOMPARE(got.acquired, expected.acquired);
  QCOMPARE(got.acquired.isValid(), expected.acquired.isValid());
  if (got.acquired.isValid()) QCOMPARE(got.acquired.timeSpec(), Qt::UTC);
  QCOMPARE(got.width, expected.width);
  QCOMPARE(got.height, expected.height);
  QVERIFY(got.geoTransform == expected.geoTransform);  // bit-exact doubles
  QCOMPARE(got.epsg, expected.epsg);
  QCOMPARE(got.crsWkt, expected.crsWkt);
  QCOMPARE(got.cloudCoverPercent, expected.cloudCoverPercent);
  QCOMPARE(got.bands.size(), expected.bands.size());
  for (size_t i = 0; i < got.bands.size(); ++i) {
    const SceneBand& a = got.bands[i];
    const SceneBand& b = expected.bands[i];
    QVERIFY(a.role == b.role);
    QCOMPARE(a.name, b.name);
    QCOMPARE(a.path, b.path);
    QCOMPARE(a.bandIndex, b.bandIndex);
    QVERIFY(a.scale == b.scale);  // exact, not QCOMPARE's fuzzy double comparison
    QVERIFY(a.offset == b.offset);
    QVERIFY(a.nodata == b.nodata);
  }
  QCOMPARE(got.footprint.size(), expected.footprint.size());
  for (size_t i = 0; i < got.footprint.size(); ++i) {
    QVERIFY(got.footprint[i].lon == expected.footprint[i].lon);
    QVERIFY(got.footprint[i].lat == expected.footprint[i].lat);
  }
}

QDateTime utc(int year, int month, int day, int hour = 17, int minute = 39, int second = 9) {
  return QDateTime(QDate(year, month, day), QTime(hour, minute, second), Qt::UTC);
}

QByteArray sha256Of(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return {};
  return QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256);
}

// A GeoPackage made by GDAL's ogr2ogr code (GDALVectorTranslate) from a one-point GeoJSON.
void writeOgrGeoPackage(const QString& folder, const QString& path) {
  const QString json = folder + QStringLiteral("/point.geojson");
  QFile file(json);
  QVERIFY(file.open(QIODevice::WriteOnly));
  file.write(R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"a"},)"
             R"("geometry":{"type":"Point","coordinates":[10.5,45.25]}}]})");
  file.close();
  ensureGdalRegistered();
  GDALDatasetH source = GDALOpenEx(json.toUtf8().constData(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr);
  QVERIFY(source);
  const char* arguments[] = {"-f", "GPKG", nullptr};
  GDALVectorTranslateOptions* options =
      GDALVectorTranslateOptionsNew(const_cast<char**>(arguments), nullptr);
  int usageError = 0;
  GDALDatasetH target =
      GDALVectorTranslate(path.toUtf8().constData(), nullptr, 1, &source, options, &usageError);
  GDALVectorTranslateOptionsFree(options);
  GDALClose(source);
  QVERIFY(target);
  GDALClose(target);
}

const char* kChildProjectVariable = "PRITHVI_TEST_CHILD_PROJECT";
const char* kChildWriterVariable = "PRITHVI_TEST_CHILD_WRITER";
constexpr int kScenesPerWriter = 12;

// The scenes writer `writer` adds in the concurrency test; ids and paths unique per writer.
Scene concurrentScene(const QString& writer, int index) {
  Scene scene = hlsGranule("10SEG", utc(2022, 1, 1).addDays(index), index, "L30",
                           "/data/" + writer.toStdString());
  scene.id += "." + writer.toStdString() + "." + std::to_string(index);
  for (SceneBand& band : scene.bands) band.path += "." + std::to_string(index);
  return scene;
}

// Adds this writer's scenes one transaction at a time, so writers interleave.
void addConcurrentScenes(const std::string& project, const QString& writer) {
  auto store = ProjectStore::open(project, 20000);
  for (int index = 0; index < kScenesPerWriter; ++index)
    store->addScenes({concurrentScene(writer, index)});
}

}  // namespace

class TestProject : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir mFolder;
  QString pathOf(const QString& name) const { return mFolder.filePath(name); }
  std::string stdPathOf(const QString& name) const { return pathOf(name).toStdString(); }

  // A new project holding an HLS granule, an L30 granule on another tile and a raster.
  std::unique_ptr<ProjectStore> projectWithThreeScenes(const QString& name, std::vector<Scene>* added) {
    auto store = ProjectStore::create(stdPathOf(name));
    *added = {hlsGranule("13REN", utc(2021, 5, 30), 12.5),
              hlsGranule("13RFN", utc(2021, 6, 4, 17, 45, 1), 80.0, "L30"),
              multiBandRaster("/data/stars/L7_ETMs.tif")};
    store->addScenes(*added);
    return store;
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(mFolder.isValid());
    ensureGdalRegistered();
  }

  void createThenOpenRoundTripsScenes() {
    std::vector<Scene> added;
    {
      auto store = projectWithThreeScenes(QStringLiteral("roundtrip.gpkg"), &added);
      QCOMPARE(store->schemaVersion(), ProjectStore::latestSchemaVersion());
      QVERIFY(store->warnings().empty());
    }
    auto store = ProjectStore::open(stdPathOf(QStringLiteral("roundtrip.gpkg")));
    QCOMPARE(store->path(), stdPathOf(QStringLiteral("roundtrip.gpkg")));
    QCOMPARE(store->schemaVersion(), ProjectStore::latestSchemaVersion());

    const std::vector<Scene> scenes = store->scenes();
    QCOMPARE(scenes.size(), size_t(3));
    // By date, the undated raster last.
    verifySameScene(scenes[0], added[0]);
    verifySameScene(scenes[1], added[1]);
    verifySameScene(scenes[2], added[2]);
    if (QTest::currentTestFailed()) return;

    QVERIFY(store->hasScene(added[1].id));
    QVERIFY(!store->hasScene("HLS.S30.T00XXX.2000001T000000.v2.0"));
    std::optional<Scene> raster = store->scene("L7_ETMs.tif");
    QVERIFY(raster);
    verifySameScene(*raster, added[2]);
    QVERIFY(!store->scene("missing.tif"));
  }

  // Recovery: a project on read-only media opens read-only; reading works, a change says why
  // it cannot be saved, and the program never needs to write -wal or -shm files there.
  void aProjectOnReadOnlyMediaOpensReadOnly() {
    test::SmallDisk disk(mFolder.filePath(QStringLiteral("media")), 4096);
    if (!disk.why.isEmpty()) QSKIP(qPrintable(disk.why));
    const std::string path = (disk.folder + QStringLiteral("/survey.gpkg")).toStdString();
    std::vector<Scene> added;
    {
      auto store = ProjectStore::create(path);
      added = {hlsGranule("13REN", utc(2021, 5, 30), 12.5)};
      store->addScenes(added);
    }
    QVERIFY(disk.makeReadOnly());
    auto store = ProjectStore::open(path);
    QVERIFY(store->isReadOnly());
    QCOMPARE(store->path(), path);
    QCOMPARE(store->scenes().size(), size_t(1));
    QVERIFY(std::any_of(store->warnings().begin(), store->warnings().end(),
                        [](const std::string& warning) { return warning.find("read-only") != std::string::npos; }));
    test::expectError(ErrorKind::Io, [&] { store->addScenes({hlsGranule("13REN", utc(2021, 6, 9), 1.0)}); },
                      "is open read-only");
    QCOMPARE(QDir(disk.folder).entryList(QDir::Files), QStringList{QStringLiteral("survey.gpkg")});
  }

  void millisecondsAndTimeZonesRoundTrip() {
    auto store = ProjectStore::create(stdPathOf(QStringLiteral("times.gpkg")));
    Scene scene = hlsGranule("13REN", utc(2021, 5, 30), 1.0);
    scene.acquired = QDateTime(QDate(2021, 5, 30), QTime(19, 39, 9, 250), QTimeZone(7200));
    store->addScenes({scene});
    const std::optional<Scene> stored = store->scene(scene.id);
    QVERIFY(stored);
    QCOMPARE(stored->acquired, scene.acquired);
    QCOMPARE(stored->acquired.timeSpec(), Qt::UTC);
    QCOMPARE(stored->acquired.time(), QTime(17, 39, 9, 250));
  }

  void fileIsAGeoPackage() {
    std::vector<Scene> added;
    projectWithThreeScenes(QStringLiteral("gpkg.gpkg"), &added);
    RawDb db(pathOf(QStringLiteral("gpkg.gpkg")));
    QCOMPARE(db.value("PRAGMA application_id").toLongLong(), qint64(0x47504B47));
    QCOMPARE(db.value("PRAGMA user_version"), QStringLiteral("10300"));
    QCOMPARE(db.value("PRAGMA journal_mode"), QStringLiteral("wal"));
    QCOMPARE(db.column("SELECT srs_id FROM gpkg_spatial_ref_sys ORDER BY srs_id"),
             QStringList({"-1", "0", "4326"}));
    QCOMPARE(db.value("SELECT geometry_type_name || ' ' || srs_id FROM gpkg_geometry_columns "
                      "WHERE table_name = 'scene_footprints' AND column_name = 'geom'"),
             QStringLiteral("POLYGON 4326"));
    QCOMPARE(db.value("SELECT value FROM prithvi_meta WHERE key = 'application'"),
             QStringLiteral("prithvi-studio"));
    QCOMPARE(db.value("SELECT value FROM prithvi_meta WHERE key = 'schema_version'").toInt(),
             ProjectStore::latestSchemaVersion());
    // GeoPackage owns user_version; our version lives in prithvi_meta.
    QCOMPARE(db.value("PRAGMA foreign_key_check"), QString());

    // The layer extent is the union of the footprints.
    const QStringList extent = db.column(
        "SELECT min_x FROM gpkg_contents WHERE table_name = 'scene_footprints' UNION ALL "
        "SELECT max_x FROM gpkg_contents WHERE table_name = 'scene_footprints' UNION ALL "
        "SELECT min_y FROM gpkg_contents WHERE table_name = 'scene_footprints' UNION ALL "
        "SELECT max_y FROM gpkg_contents WHERE table_name = 'scene_footprints'");
    QCOMPARE(extent.size(), 4);
    QCOMPARE(extent[0].toDouble(), -105.6);
    QCOMPARE(extent[1].toDouble(), -34.8);
    QCOMPARE(extent[2].toDouble(), -8.0);
    QCOMPARE(extent[3].toDouble(), 33.0 + 1.0 + 1.0 / 3.0);
  }

  void gdalReadsTheFootprintLayer() {
    std::vector<Scene> added;
    // Closed first: GDAL's own open and close of the file would drop this process's SQLite
    // locks (see ProjectStore.h). QGIS beside a running store is the ogrinfo test below.
    projectWithThreeScenes(QStringLiteral("gdal.gpkg"), &added);
    GdalErrorCapture messages;
    const char* const drivers[] = {"GPKG", nullptr};
    GDALDatasetH dataset = GDALOpenEx(stdPathOf(QStringLiteral("gdal.gpkg")).c_str(),
                                      GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, nullptr, nullptr);
    QVERIFY2(dataset, messages.message().c_str());
    OGRLayerH layer = GDALDatasetGetLayerByName(dataset, "scene_footprints");
    QVERIFY(layer);
    QCOMPARE(OGR_L_GetFeatureCount(layer, TRUE), GIntBig(3));
    QVERIFY(OGR_GT_Flatten(OGR_L_GetGeomType(layer)) == wkbPolygon);
    QCOMPARE(OGR_L_SetAttributeFilter(layer, ("scene_id = '" + added[0].id + "'").c_str()), OGRERR_NONE);
    OGRFeatureH feature = OGR_L_GetNextFeature(layer);
    QVERIFY(feature);
    OGREnvelope envelope;
    OGR_G_GetEnvelope(OGR_F_GetGeometryRef(feature), &envelope);
    QCOMPARE(envelope.MinX, -105.6);
    QCOMPARE(envelope.MaxX, -105.6 + 1.0 + 1.0 / 3.0);
    QCOMPARE(envelope.MinY, 33.0);
    QCOMPARE(envelope.MaxY, 33.0 + 1.0 + 1.0 / 3.0);
    QCOMPARE(QString(OGR_F_GetFieldAsString(feature, OGR_F_GetFieldIndex(feature, "sensor"))),
             QStringLiteral("S30"));
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, zone = 0;
    float second = 0;
    QVERIFY(OGR_F_GetFieldAsDateTimeEx(feature, OGR_F_GetFieldIndex(feature, "acquired"), &year,
                                       &month, &day, &hour, &minute, &second, &zone));
    QCOMPARE(QDate(year, month, day), QDate(2021, 5, 30));
    QCOMPARE(hour, 17);
    QCOMPARE(zone, 100);  // GDAL's code for UTC
    OGR_F_Destroy(feature);
    // Reading every layer and feature (as QGIS does) draws no warning.
    for (int i = 0; i < GDALDatasetGetLayerCount(dataset); ++i) {
      OGRLayerH any = GDALDatasetGetLayer(dataset, i);
      OGR_L_ResetReading(any);
      while (OGRFeatureH row = OGR_L_GetNextFeature(any)) OGR_F_Destroy(row);
    }
    GDALClose(dataset);
    QVERIFY2(messages.errors().empty() && messages.warnings().empty(), messages.message("").c_str());
    for (const std::string& warning : messages.warnings()) qWarning("%s", warning.c_str());
  }

  void ogrinfoOpensTheLayerWithoutWarnings() {
    const QString ogrinfo = QStandardPaths::findExecutable(QStringLiteral("ogrinfo"));
    if (ogrinfo.isEmpty()) QSKIP("ogrinfo (gdal-bin) is not installed");
    std::vector<Scene> added;
    auto store = projectWithThreeScenes(QStringLiteral("ogrinfo.gpkg"), &added);  // open, as beside QGIS
    const QString path = pathOf(QStringLiteral("ogrinfo.gpkg"));
    const QList<QStringList> runs = {{"-ro", "-so", path, "scene_footprints"},  // the layer summary
                                     {"-ro", "-al", path},                      // every layer, every row
                                     {"-ro", "-sql", "SELECT * FROM dates", path}};
    for (const QStringList& arguments : runs) {
      QProcess process;
      process.start(ogrinfo, arguments);
      QVERIFY(process.waitForFinished(60000));
      const QString out = QString::fromUtf8(process.readAllStandardOutput());
      const QString err = QString::fromUtf8(process.readAllStandardError());
      QVERIFY2(process.exitCode() == 0, qPrintable(err));
      QVERIFY2(err.isEmpty(), qPrintable(arguments.join(' ') + ": " + err));
      QVERIFY2(!out.contains(QStringLiteral("Warning"), Qt::CaseInsensitive), qPrintable(out));
      if (arguments.contains(QStringLiteral("-so"))) {
        QVERIFY2(out.contains(QStringLiteral("Geometry: Polygon")), qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("Feature Count: 3")), qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("Extent: (-105.600000, -8.000000) - (-34.800000, 34.333333)")),
                 qPrintable(out));
      }
    }
  }

  void passesGdalsGeoPackageValidator() {
    const QString script =
        QStringLiteral("/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py");
    if (!QFileInfo::exists(script) || !QFileInfo::exists(QStringLiteral("/usr/bin/python3")))
      QSKIP("GDAL's validate_gpkg.py (python3-gdal) is not installed");
    std::vector<Scene> added;
    projectWithThreeScenes(QStringLiteral("validate.gpkg"), &added);
    QProcess process;
    // --extra also checks every value against its declared column type.
    process.start(QStringLiteral("/usr/bin/python3"),
                  {script, QStringLiteral("--extra"), QStringLiteral("--warning-as-error"),
                   pathOf(QStringLiteral("validate.gpkg"))});
    QVERIFY(process.waitForFinished(60000));
    const QString output = QString::fromUtf8(process.readAllStandardOutput() + process.readAllStandardError());
    QVERIFY2(process.exitCode() == 0 && output.trimmed().isEmpty(), qPrintable(output));
  }

  void filtersAndSummary() {
    auto store = ProjectStore::create(stdPathOf(QStringLiteral("catalog.gpkg")));
    std::vector<Scene> scenes = {hlsGranule("13REN", utc(2021, 5, 30), 10),
                                 hlsGranule("13REN", utc(2021, 5, 30, 18), 30, "L30"),
                                 hlsGranule("13REN", utc(2021, 6, 9), 50),
                                 hlsGranule("14RMU", utc(2021, 6, 1), 70),
                                 multiBandRaster("/data/raster.tif")};
    scenes[3].sensor = "S2X";  // a sensor code the catalog has not met yet
    scenes[3].epsg = 32614;
    store->addScenes(scenes);

    auto ids = [&](const SceneFilter& filter) {
      QStringList result;
      for (const Scene& scene : store->scenes(filter)) result << QString::fromStdString(scene.tile + "/" + std::to_string(int(*scene.cloudCoverPercent)));
      return result;
    };
    SceneFilter byTile;
    byTile.tile = "13REN";
    QCOMPARE(ids(byTile), QStringList({"13REN/10", "13REN/30", "13REN/50"}));
    SceneFilter bySensor;
    bySensor.sensor = "L30";
    QCOMPARE(ids(bySensor), QStringList({"13REN/30"}));
    SceneFilter byDates;
    byDates.from = utc(2021, 5, 30, 17, 39, 10);
    byDates.to = utc(2021, 6, 9, 17, 39, 9);  // inclusive
    QCOMPARE(ids(byDates), QStringList({"13REN/30", "14RMU/70", "13REN/50"}));
    SceneFilter byCloud;
    byCloud.maxCloudCoverPercent = 50;
    QCOMPARE(ids(byCloud), QStringList({"13REN/10", "13REN/30", "13REN/50"}));
    QCOMPARE(store->scenes().size(), size_t(5));

    const CatalogSummary summary = store->summary();
    QCOMPARE(summary.sceneCount, 5);
    QCOMPARE(summary.tiles.size(), size_t(3));
    QCOMPARE(summary.tiles[0].id, std::string());  // the raster without a tile
    QCOMPARE(summary.tiles[0].sceneCount, 1);
    QCOMPARE(summary.tiles[0].dateCount, 0);
    QVERIFY(!summary.tiles[0].first.isValid());
    QCOMPARE(summary.tiles[1].id, std::string("13REN"));
    QCOMPARE(summary.tiles[1].epsg, 32613);
    QCOMPARE(summary.tiles[1].sceneCount, 3);
    QCOMPARE(summary.tiles[1].dateCount, 2);
    QCOMPARE(summary.tiles[1].first, utc(2021, 5, 30));
    QCOMPARE(summary.tiles[1].last, utc(2021, 6, 9));
    QCOMPARE(summary.tiles[2].id, std::string("14RMU"));
    QCOMPARE(summary.tiles[2].epsg, 32614);
    QCOMPARE(summary.sensors.size(), size_t(3));
    QCOMPARE(summary.sensors[0].code, std::string("L30"));
    QCOMPARE(summary.sensors[0].name, std::string("HLS Landsat 30 m"));
    QCOMPARE(summary.sensors[1].code, std::string("S2X"));
    QCOMPARE(summary.sensors[2].code, std::string("S30"));
    QCOMPARE(summary.sensors[2].sceneCount, 2);

    RawDb db(pathOf(QStringLiteral("catalog.gpkg")));
    QCOMPARE(db.column("SELECT tile || ' ' || date || ' ' || scene_count || ' ' || mean_cloud_cover "
                       "FROM dates ORDER BY tile, date"),
             QStringList({"13REN 2021-05-30 2 20.0", "13REN 2021-06-09 1 50.0", "14RMU 2021-06-01 1 70.0"}));
  }

  void duplicatesFailAtomicallyOrAreSkipped() {
    auto store = ProjectStore::create(stdPathOf(QStringLiteral("duplicates.gpkg")));
    const Scene first = hlsGranule("13REN", utc(2021, 5, 30), 10);
    const Scene second = hlsGranule("13REN", utc(2021, 6, 4), 20);
    store->addScenes({first});

    std::optional<Error> error = errorOf([&] { store->addScenes({second, first}); });
    QVERIFY(error);
    QVERIFY(error->kind() == ErrorKind::BadInput);
    QVERIFY2(QString(error->what()).contains(QString::fromStdString("scene " + first.id + " is already in project")),
             error->what());
    QVERIFY2(!store->hasScene(second.id), "a failed batch must leave nothing behind");

    error = errorOf([&] { store->addScenes({second, second}); });
    QVERIFY(error && error->kind() == ErrorKind::BadInput);
    QVERIFY(!store->hasScene(second.id));

    const std::vector<std::string> skipped =
        store->addScenes({first, second, second}, ProjectStore::OnDuplicate::Skip);
    QCOMPARE(skipped, std::vector<std::string>({first.id, second.id}));
    QCOMPARE(store->scenes().size(), size_t(2));

    // One file cannot belong to two scenes.
    Scene thief = multiBandRaster(first.bands[0].path);
    error = errorOf([&] { store->addScenes({thief}, ProjectStore::OnDuplicate::Skip); });
    QVERIFY(error && error->kind() == ErrorKind::BadInput);
    QVERIFY2(QString(error->what()).contains(QString::fromStdString("already belongs to scene " + first.id)),
             error->what());

    Scene broken = multiBandRaster("/data/broken.tif");
    broken.footprint = {{0, 0}, {1, 1}};
    error = errorOf([&] { store->addScenes({broken}); });
    QVERIFY(error && error->kind() == ErrorKind::BadInput);
    QVERIFY2(QString(error->what()).startsWith(QStringLiteral("scene broken.tif: ")), error->what());
  }

  void filesRecordSizeAndTime() {
    const QString raster = pathOf(QStringLiteral("real.tif"));
    test::writeInt16Tiff(raster.toStdString(), 8, 8, 6, [](int band, int x, int y) { return band + x + y; });
    auto store = ProjectStore::create(stdPathOf(QStringLiteral("files.gpkg")));
    store->addScenes({multiBandRaster(raster.toStdString())});
    RawDb db(pathOf(QStringLiteral("files.gpkg")));
    QCOMPARE(db.column("SELECT path FROM files"), QStringList({raster}));
    QCOMPARE(db.value("SELECT size FROM files").toLongLong(), QFileInfo(raster).size());
    QCOMPARE(QDateTime::fromString(db.value("SELECT mtime FROM files"), Qt::ISODateWithMs),
             QFileInfo(raster).lastModified().toUTC());
    QVERIFY(ProjectStore::open(stdPathOf(QStringLiteral("files.gpkg")))->warnings().empty());

    // Issue 18 item 5: a band file rewritten in place after import is reported on open.
    QTest::qWait(20);
    test::writeInt16Tiff(raster.toStdString(), 8, 8, 6, [](int band, int x, int y) { return band * x + y; });
    const std::vector<std::string> warnings = ProjectStore::open(stdPathOf(QStringLiteral("files.gpkg")))->warnings();
    QCOMPARE(warnings.size(), size_t(1));
    QVERIFY2(warnings.front() == raster.toStdString() + " (of real.tif) changed since it was imported", warnings.front().c_str());
  }

  void removeSceneCascades() {
    std::vector<Scene> added;
    auto store = projectWithThreeScenes(QStringLiteral("remove.gpkg"), &added);
    store->removeScene(added[0].id);
    QVERIFY(!store->hasScene(added[0].id));
    QCOMPARE(store->scenes().size(), size_t(2));

    RawDb db(pathOf(QStringLiteral("remove.gpkg")));
    const std::string id = added[0].id;
    auto countOf = [&](const char* table) {
      return db.value(QStringLiteral("SELECT COUNT(*) FROM %1 WHERE scene_id = '%2'")
                          .arg(table, QString::fromStdString(id))
                          .toUtf8()
                          .constData())
          .toInt();
    };
    QCOMPARE(countOf("scene_bands"), 0);
    QCOMPARE(countOf("files"), 0);
    QCOMPARE(countOf("scene_footprints"), 0);
    QCOMPARE(db.value("SELECT COUNT(*) FROM scene_bands").toInt(), 7 + 6);
    QCOMPARE(db.value("SELECT COUNT(*) FROM scene_footprints").toInt(), 2);
    // The layer extent shrank to the remaining footprints.
    QCOMPARE(db.value("SELECT min_x FROM gpkg_contents WHERE table_name = 'scene_footprints'").toDouble(),
             -105.5);

    std::optional<Error> error = errorOf([&] { store->removeScene(id); });
    QVERIFY(error && error->kind() == ErrorKind::BadInput);
    QVERIFY2(QString(error->what()).contains(QStringLiteral("there is no scene")), error->what());

    store->removeScene(added[1].id);
    store->removeScene(added[2].id);
    QCOMPARE(db.value("SELECT min_x IS NULL FROM gpkg_contents WHERE table_name = 'scene_footprints'"),
             QStringLiteral("1"));
  }

  void openRefusesWhatIsNotAProject_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("message");
    QTest::newRow("missing") << "missing.gpkg" << "project file %1 does not exist";
    QTest::newRow("folder") << "folder.gpkg" << "%1 is not a file";
    QTest::newRow("text") << "text.gpkg" << "%1 is not a Prithvi Studio project: it is not an SQLite database";
    QTest::newRow("empty") << "empty.gpkg" << "%1 is not a Prithvi Studio project: it is not an SQLite database";
    QTest::newRow("tiff") << "tiff.gpkg" << "%1 is not a Prithvi Studio project: it is not an SQLite database";
    QTest::newRow("sqlite") << "other.db" << "%1 is an SQLite database but not a Prithvi Studio project";
    QTest::newRow("geopackage") << "ogr.gpkg" << "%1 is a GeoPackage but not a Prithvi Studio project";
    QTest::newRow("foreign meta") << "foreign.gpkg"
                                  << "%1 is an SQLite database but not a Prithvi Studio project (its "
                                     "prithvi_meta table belongs to 'someone-else')";
    QTest::newRow("newer") << "newer.gpkg"
                           << "%1 was written by a newer Prithvi Studio (schema 999, this program reads up "
                              "to %2): update the program";
  }

  void openRefusesWhatIsNotAProject() {
    QFETCH(QString, name);
    QFETCH(QString, message);
    const QString path = pathOf(QStringLiteral("refuse/") + name);
    QDir().mkpath(pathOf(QStringLiteral("refuse")));
    if (name == "folder.gpkg") {
      QDir().mkpath(path);
    } else if (name == "text.gpkg" || name == "empty.gpkg") {
      QFile file(path);
      QVERIFY(file.open(QIODevice::WriteOnly));
      if (name == "text.gpkg") file.write("this is a text file that someone named .gpkg, it is long enough\n");
    } else if (name == "tiff.gpkg") {
      test::writeInt16Tiff(path.toStdString(), 4, 4, 1, [](int, int x, int y) { return x * y; });
    } else if (name == "other.db") {
      RawDb(path).exec("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('hello')");
    } else if (name == "ogr.gpkg") {
      writeOgrGeoPackage(pathOf(QStringLiteral("refuse")), path);
    } else if (name == "foreign.gpkg") {
      RawDb(path).exec("CREATE TABLE prithvi_meta (key TEXT PRIMARY KEY, value TEXT);"
                       "INSERT INTO prithvi_meta VALUES ('application', 'someone-else'), ('schema_version', '1')");
    } else if (name == "newer.gpkg") {
      ProjectStore::create(path.toStdString());
      RawDb(path).exec("UPDATE prithvi_meta SET value = '999' WHERE key = 'schema_version'");
    }
    if (QTest::currentTestFailed()) return;
    const QByteArray before = sha256Of(path);

    std::optional<Error> error = errorOf([&] { ProjectStore::open(path.toStdString()); });
    QVERIFY(error);
    QVERIFY(error->kind() == ErrorKind::BadInput);
    const QString expected = QString(message)
                                 .replace(QStringLiteral("%1"), path)
                                 .replace(QStringLiteral("%2"), QString::number(ProjectStore::latestSchemaVersion()));
    QVERIFY2(QString(error->what()).startsWith(expected), error->what());
    QVERIFY(!QString(error->what()).contains('\n'));
    // Refusing a file never changes it (no WAL switch, no migration on someone else's data).
    QCOMPARE(sha256Of(path), before);
    QVERIFY(!QFileInfo::exists(path + "-wal"));
  }

  void olderSchemaIsMigratedOnOpen() {
    // A GeoPackage that holds only our header at schema 0 (what an interrupted upgrade of a
    // GDAL-made GeoPackage looks like): opening it runs every migration and keeps its layer.
    const QString path = pathOf(QStringLiteral("old.gpkg"));
    writeOgrGeoPackage(mFolder.path(), path);
    RawDb(path).exec("CREATE TABLE prithvi_meta (key TEXT PRIMARY KEY, value TEXT);"
                     "INSERT INTO prithvi_meta VALUES ('application', 'prithvi-studio'), ('schema_version', '0')");
    auto store = ProjectStore::open(path.toStdString());
    QCOMPARE(store->schemaVersion(), ProjectStore::latestSchemaVersion());
    const Scene scene = hlsGranule("13REN", utc(2021, 5, 30), 10);
    store->addScenes({scene});
    QVERIFY(store->scene(scene.id));
    RawDb db(path);
    QCOMPARE(db.value("SELECT value FROM prithvi_meta WHERE key = 'schema_version'").toInt(),
             ProjectStore::latestSchemaVersion());
    QCOMPARE(db.value("SELECT COUNT(*) FROM point").toInt(), 1);
    QCOMPARE(db.value("PRAGMA integrity_check"), QStringLiteral("ok"));
  }

  void createRefusesExistingPaths() {
    const QString path = pathOf(QStringLiteral("existing.gpkg"));
    {
      QFile file(path);
      QVERIFY(file.open(QIODevice::WriteOnly));
      file.write("precious");
    }
    std::optional<Error> error = errorOf([&] { ProjectStore::create(path.toStdString()); });
    QVERIFY(error && error->kind() == ErrorKind::Usage);
    QCOMPARE(QString(error->what()), path + " already exists: choose another name");
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), QByteArray("precious"));

    const QString inMissingFolder = pathOf(QStringLiteral("no/such/folder/p.gpkg"));
    error = errorOf([&] { ProjectStore::create(inMissingFolder.toStdString()); });
    QVERIFY(error && error->kind() == ErrorKind::Usage);
    QVERIFY2(QString(error->what()).contains(QStringLiteral("does not exist")), error->what());

    // No temporary files are left behind.
    ProjectStore::create(stdPathOf(QStringLiteral("clean.gpkg")));
    QCOMPARE(QDir(mFolder.path()).entryList({QStringLiteral("*.part-*")}, QDir::Files), QStringList());
  }

  void busyWriterGetsAClearError() {
    std::vector<Scene> added;
    projectWithThreeScenes(QStringLiteral("busy.gpkg"), &added);
    const QString path = pathOf(QStringLiteral("busy.gpkg"));
    RawDb holder(path);
    QCOMPARE(holder.exec("BEGIN IMMEDIATE"), SQLITE_OK);
    QCOMPARE(holder.exec("DELETE FROM scene_footprints"), SQLITE_OK);  // uncommitted

    auto store = ProjectStore::open(path.toStdString(), 200);
    QCOMPARE(store->scenes().size(), size_t(3));  // readers are not blocked by the writer
    const Scene scene = hlsGranule("13REN", utc(2022, 1, 1), 5);
    QElapsedTimer timer;
    timer.start();
    std::optional<Error> error = errorOf([&] { store->addScenes({scene}); });
    const qint64 waited = timer.elapsed();
    QVERIFY(error);
    QVERIFY(error->kind() == ErrorKind::Io);
    QCOMPARE(QString(error->what()),
             QStringLiteral("project %1 is busy: another process is writing to it; try again").arg(path));
    QVERIFY2(waited >= 150 && waited < 5000, qPrintable(QString::number(waited)));
    error = errorOf([&] { store->removeScene(added[0].id); });
    QVERIFY(error && error->kind() == ErrorKind::Io);

    QCOMPARE(holder.exec("ROLLBACK"), SQLITE_OK);
    store->addScenes({scene});
    QVERIFY(store->hasScene(scene.id));
    QCOMPARE(store->scenes().size(), size_t(4));
  }

  void backupWhileAnotherProcessWrites() {
    std::vector<Scene> added;
    auto store = projectWithThreeScenes(QStringLiteral("live.gpkg"), &added);
    RawDb writer(pathOf(QStringLiteral("live.gpkg")));
    QCOMPARE(writer.exec("BEGIN IMMEDIATE"), SQLITE_OK);
    QCOMPARE(writer.exec("DELETE FROM scenes"), SQLITE_OK);  // not committed: not in the backup

    const QString backup = pathOf(QStringLiteral("live-backup.gpkg"));
    store->backupTo(backup.toStdString());
    QCOMPARE(writer.exec("ROLLBACK"), SQLITE_OK);

    auto copy = ProjectStore::open(backup.toStdString());
    QCOMPARE(copy->scenes().size(), size_t(3));
    verifySameScene(copy->scenes()[0], added[0]);
    RawDb db(backup);
    QCOMPARE(db.value("PRAGMA application_id").toLongLong(), qint64(0x47504B47));
    QCOMPARE(db.value("PRAGMA user_version"), QStringLiteral("10300"));

    std::optional<Error> error = errorOf([&] { store->backupTo(backup.toStdString()); });
    QVERIFY(error && error->kind() == ErrorKind::Usage);
  }

  // Processes and threads, each with its own ProjectStore, add scenes one transaction at a
  // time while this thread keeps reading: nothing is lost, nothing is seen half written.
  // (Threads opening stores while others write caught an open() that read the file header
  // with its own descriptor, whose close dropped the process's locks and corrupted the file.)
  void concurrentWritersKeepTheProjectIntact() {
    const QString path = pathOf(QStringLiteral("concurrent.gpkg"));
    ProjectStore::create(path.toStdString());

    std::vector<std::unique_ptr<QProcess>> children;
    const QStringList processWriters = {"p0", "p1", "p2"};
    for (const QString& writer : processWriters) {
      auto child = std::make_unique<QProcess>();
      QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
      environment.insert(kChildProjectVariable, path);
      environment.insert(kChildWriterVariable, writer);
      child->setProcessEnvironment(environment);
      child->setProcessChannelMode(QProcess::MergedChannels);
      child->start(QCoreApplication::applicationFilePath(), {QStringLiteral("writerChild")});
      QVERIFY(child->waitForStarted());
      children.push_back(std::move(child));
    }
    const QStringList threadWriters = {"t0", "t1"};
    std::atomic<int> threadFailures{0};
    std::vector<std::thread> threads;
    for (const QString& writer : threadWriters)
      threads.emplace_back([&, writer] {
        try {
          addConcurrentScenes(path.toStdString(), writer);
        } catch (const Error& error) {
          qWarning("writer %s: %s", qPrintable(writer), error.what());
          ++threadFailures;
        }
      });

    // Read until every writer is done; a torn read is noted, not returned on, so the threads
    // are always joined.
    auto reader = ProjectStore::open(path.toStdString());
    int reads = 0;
    int tornReads = 0;
    auto childrenRunning = [&] {
      bool any = false;
      for (auto& child : children)
        if (child->state() != QProcess::NotRunning && !child->waitForFinished(20)) any = true;
      return any;
    };
    do {
      for (const Scene& scene : reader->scenes())
        if (scene.bands.size() != 7 || scene.footprint.size() != 5) ++tornReads;
      ++reads;
    } while (childrenRunning());
    for (std::thread& thread : threads) thread.join();
    QCOMPARE(tornReads, 0);
    for (auto& child : children) {
      QVERIFY2(child->exitStatus() == QProcess::NormalExit && child->exitCode() == 0,
               child->readAll().constData());
    }
    QCOMPARE(threadFailures.load(), 0);
    QVERIFY(reads > 1);

    const std::vector<Scene> scenes = reader->scenes();
    const int writers = int(processWriters.size() + threadWriters.size());
    QCOMPARE(int(scenes.size()), writers * kScenesPerWriter);
    for (const QString& writer : processWriters + threadWriters)
      for (int index = 0; index < kScenesPerWriter; ++index) {
        const Scene expected = concurrentScene(writer, index);
        std::optional<Scene> stored = reader->scene(expected.id);
        QVERIFY2(stored, expected.id.c_str());
        verifySameScene(*stored, expected);
        if (QTest::currentTestFailed()) return;
      }
    RawDb db(path);
    QCOMPARE(db.value("PRAGMA integrity_check"), QStringLiteral("ok"));
    QCOMPARE(db.value("PRAGMA foreign_key_check"), QString());
    QCOMPARE(db.value("SELECT COUNT(*) FROM scene_footprints").toInt(), writers * kScenesPerWriter);
  }

  // Runs only as a child of concurrentWritersKeepTheProjectIntact.
  void writerChild() {
    const QByteArray project = qgetenv(kChildProjectVariable);
    if (project.isEmpty()) QSKIP("run by concurrentWritersKeepTheProjectIntact in a child process");
    try {
      addConcurrentScenes(project.toStdString(), QString::fromUtf8(qgetenv(kChildWriterVariable)));
    } catch (const Error& error) {
      QFAIL(error.what());
    }
  }
};

QTEST_GUILESS_MAIN(TestProject)
#include "test_project.moc"
