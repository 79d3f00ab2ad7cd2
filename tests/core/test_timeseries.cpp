// Pixel profiles from granule files and from the Zarr cube: equal to direct GDAL reads, equal
// to each other, readable by python3-zarr, and safe to cancel.
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <atomic>
#include <cmath>
#include <thread>

#include <gdal.h>

#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/raster/Crs.h"
#include "core/raster/Grid.h"
#include "core/scene/SceneScanner.h"
#include "core/synth/HlsSynth.h"
#include "core/timeseries/TileCube.h"
#include "tests/support/TestSupport.h"
#include "core/timeseries/WindowStack.h"

using namespace prithvi;

class TestTimeSeries : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir mDir;
  std::vector<Scene> mGranules;
  std::string mCube;

 private Q_SLOTS:
  void initTestCase() {
    HlsSynthOptions options;
    options.dates = 9;
    options.size = 80;
    options.seed = 11;
    options.outDir = mDir.filePath(QStringLiteral("hls")).toStdString();
    synthesizeHlsTile(options);
    mGranules = tileGranules(scanForScenes({options.outDir}).scenes, "T13REN");
    QCOMPARE(int(mGranules.size()), 9);
    mCube = mDir.filePath(QStringLiteral("cubes/T13REN.zarr")).toStdString();
  }

  void fileProfileEqualsGdal() {
    for (auto [x, y] : {std::pair{0, 0}, std::pair{37, 61}, std::pair{79, 79}}) {
      const PixelProfile profile = readProfileFromFiles(mGranules, x, y);
      QCOMPARE(int(profile.observations.size()), 9);
      QVERIFY(!profile.fromCube);
      for (size_t t = 0; t < mGranules.size(); ++t) {
        const Observation& observation = profile.observations[t];
        QCOMPARE(observation.sceneId, mGranules[t].id);
        for (int b = 0; b < 6; ++b)
          QCOMPARE(double(observation.raw[b]), test::gdalPixel(mGranules[t].band(kPrithviBands[b])->path, x, y));
        const double fmask = test::gdalPixel(mGranules[t].band(BandRole::Fmask)->path, x, y);
        QCOMPARE(double(observation.fmask), fmask);
        const FmaskFlags flags = decodeFmask(observation.fmask);
        QCOMPARE(observation.flagged(), flags.fill || flags.cloud || flags.shadow || flags.snowIce || flags.cirrus);
        if (observation.raw[2] != kHlsFill)
          QVERIFY(std::abs(observation.reflectance[2] - observation.raw[2] * 0.0001f) < 1e-7f);
      }
    }
    // Dates are in order and indices follow the bands.
    const PixelProfile profile = readProfileFromFiles(mGranules, 10, 10);
    for (size_t t = 1; t < profile.observations.size(); ++t)
      QVERIFY(profile.observations[t - 1].acquired < profile.observations[t].acquired);
    const auto valid = std::find_if(profile.observations.begin(), profile.observations.end(),
                                    [](const Observation& o) { return !std::isnan(o.reflectance[0]); });
    QVERIFY(valid != profile.observations.end());
    const Observation& o = *valid;
    const float ndvi = (o.reflectance[3] - o.reflectance[2]) / (o.reflectance[3] + o.reflectance[2]);
    QVERIFY(std::abs(o.index(SpectralIndex::NDVI) - ndvi) < 1e-6f);
  }

  void cubeProfileEqualsFileProfile() {
    Feedback feedback;
    int64_t last = 0;
    feedback.setProgressCallback([&](int64_t step, int64_t, const std::string&) { last = step; });
    CubeOptions options;
    options.timeChunk = 4;  // several time chunks, as with long series
    buildTileCube(mGranules, mCube, options, &feedback);
    QVERIFY(last > 0);
    const auto cube = TileCube::open(mCube);
    QCOMPARE(cube->dates(), 9);
    QCOMPARE(cube->width(), 80);
    QVERIFY(cube->covers(mGranules));
    for (auto [x, y] : {std::pair{0, 0}, std::pair{33, 64}, std::pair{79, 2}, std::pair{50, 50}}) {
      const PixelProfile fromFiles = readProfileFromFiles(mGranules, x, y);
      const PixelProfile fromCube = cube->profile(x, y);
      QVERIFY(fromCube.fromCube);
      QCOMPARE(fromCube.point.x, fromFiles.point.x);
      for (size_t t = 0; t < 9; ++t) {
        QCOMPARE(fromCube.observations[t].sceneId, fromFiles.observations[t].sceneId);
        QCOMPARE(fromCube.observations[t].acquired, fromFiles.observations[t].acquired);
        QCOMPARE(fromCube.observations[t].sensor, fromFiles.observations[t].sensor);
        QCOMPARE(fromCube.observations[t].raw, fromFiles.observations[t].raw);
        QCOMPARE(fromCube.observations[t].fmask, fromFiles.observations[t].fmask);
      }
    }
    // A project with another granule set makes the cube stale: profiles fall back to files.
    std::vector<Scene> fewer(mGranules.begin(), mGranules.end() - 1);
    QVERIFY(!cube->covers(fewer));
    QVERIFY(!readProfile(fewer, 5, 5, mCube).fromCube);
    QVERIFY(readProfile(mGranules, 5, 5, mCube).fromCube);
  }

  // Issue 18 item 5: a band rewritten in place after the cube was built was read from the stale
  // cube. The cube records each source's size and modification time; a changed one is named and
  // the files are read instead.
  void aBandRewrittenAfterTheBuildBypassesTheCube() {
    const QString folder = mDir.filePath(QStringLiteral("rewritten"));
    QVERIFY(QDir().mkpath(folder));
    for (const Scene& granule : std::vector<Scene>(mGranules.begin(), mGranules.begin() + 3))
      for (const SceneBand& band : granule.bands)
        QVERIFY(QFile::copy(QString::fromStdString(band.path), folder + "/" + QFileInfo(QString::fromStdString(band.path)).fileName()));
    const std::vector<Scene> granules = tileGranules(scanForScenes({folder.toStdString()}).scenes, "T13REN");
    const std::string cubePath = (folder + "/cube.zarr").toStdString();
    buildTileCube(granules, cubePath, {});
    QVERIFY(readProfile(granules, 10, 10, cubePath).fromCube);

    const SceneBand& red = *std::find_if(granules[1].bands.begin(), granules[1].bands.end(),
                                         [](const SceneBand& band) { return band.role == BandRole::Red; });
    QTest::qWait(20);  // a later modification time even on coarse clocks
    GDALDatasetH file = GDALOpen(red.path.c_str(), GA_Update);
    QVERIFY(file);
    int16_t value = 1234;
    QCOMPARE(GDALRasterIO(GDALGetRasterBand(file, 1), GF_Write, 10, 10, 1, 1, &value, 1, 1, GDT_Int16, 0, 0), CE_None);
    GDALClose(file);

    const std::string why = TileCube::open(cubePath)->staleReason(granules);
    QVERIFY2(why.find(red.name + " of " + granules[1].id) != std::string::npos && why.find("changed") != std::string::npos,
             why.c_str());
    Feedback feedback;
    std::string warning;
    feedback.setLogCallback([&](const std::string& level, const std::string& text) {
      if (level == "warning") warning = text;
    });
    const PixelProfile profile = readProfile(granules, 10, 10, cubePath, &feedback);
    QVERIFY(!profile.fromCube);
    QCOMPARE(int(profile.observations[1].raw[2]), 1234);  // Red as the file now holds it
    QVERIFY2(warning.find("out of date") != std::string::npos, warning.c_str());
  }

  void windowStackFromCubeEqualsFiles() {
    const Window window{30, 40, 37, 21};
    const WindowStack files = readWindowStack(mGranules, window, {});
    const WindowStack cube = readWindowStack(mGranules, window, mCube);
    QVERIFY(!files.fromCube);
    QVERIFY(cube.fromCube);
    QCOMPARE(cube.raw, files.raw);
    QCOMPARE(cube.fmask, files.fmask);
    // And both agree with the pixel profile of one pixel inside.
    const PixelProfile pixel = readProfileFromFiles(mGranules, 30 + 5, 40 + 7);
    for (int t = 0; t < 9; ++t) {
      QCOMPARE(files.observation(t, 5, 7).raw, pixel.observations[t].raw);
      QCOMPARE(files.observation(t, 5, 7).fmask, pixel.observations[t].fmask);
    }
    // Clipped at the tile edge.
    QCOMPARE(readWindowStack(mGranules, {70, 70, 20, 20}, mCube).window.width, 10);
  }

  void cubeOpensInPythonZarr() {
    QProcess python;
    const QString script = QStringLiteral(
        "import json, sys, zarr\n"
        "root = zarr.open(sys.argv[1], mode='r')\n"
        "r = root['reflectance']; f = root['fmask']\n"
        "print(json.dumps({'shape': list(r.shape), 'chunks': list(r.chunks), 'fshape': list(f.shape),\n"
        "  'dtype': str(r.dtype), 'pixel': r[:, :, 64, 33].tolist(), 'fmask': f[:, 64, 33].tolist(),\n"
        "  'granules': json.loads(root.attrs['granules'])}))\n");
    python.start(QStringLiteral("/usr/bin/python3"), {QStringLiteral("-c"), script, QString::fromStdString(mCube)});
    QVERIFY(python.waitForFinished(60000));
    QVERIFY2(python.exitCode() == 0, python.readAllStandardError().constData());
    const QJsonObject result = QJsonDocument::fromJson(python.readAllStandardOutput()).object();
    QCOMPARE(result[QStringLiteral("shape")].toArray(), (QJsonArray{6, 9, 80, 80}));
    QCOMPARE(result[QStringLiteral("chunks")].toArray(), (QJsonArray{1, 4, 32, 32}));
    QCOMPARE(result[QStringLiteral("fshape")].toArray(), (QJsonArray{9, 80, 80}));
    QCOMPARE(result[QStringLiteral("dtype")].toString(), QStringLiteral("int16"));
    const PixelProfile fromFiles = readProfileFromFiles(mGranules, 33, 64);
    const QJsonArray pixel = result[QStringLiteral("pixel")].toArray();
    for (int b = 0; b < 6; ++b)
      for (int t = 0; t < 9; ++t) QCOMPARE(pixel[b].toArray()[t].toInt(), int(fromFiles.observations[t].raw[b]));
    for (int t = 0; t < 9; ++t)
      QCOMPARE(result[QStringLiteral("fmask")].toArray()[t].toInt(), int(fromFiles.observations[t].fmask));
    QCOMPARE(result[QStringLiteral("granules")].toArray().size(), 9);
  }

  void canceledBuildLeavesNoCube() {
    const std::string path = mDir.filePath(QStringLiteral("cubes/canceled.zarr")).toStdString();
    Feedback feedback;
    feedback.setProgressCallback([&](int64_t step, int64_t, const std::string&) {
      if (step >= 1) feedback.cancel();
    });
    CubeOptions options;
    options.rowsPerPass = 32;
    QVERIFY_THROWS_EXCEPTION(Error, buildTileCube(mGranules, path, options, &feedback));
    QVERIFY(!QDir(QString::fromStdString(path)).exists());
    QVERIFY(!QDir(QString::fromStdString(path + ".partial")).exists());  // a failed build leaves nothing
    QVERIFY_THROWS_EXCEPTION(Error, TileCube::open(mDir.filePath(QStringLiteral("hls")).toStdString()));
  }

  // Issue 18 item 4: dates of one tile whose CRS differs (EPSG:32614 vs 32613) but whose
  // geotransform numbers match were stacked as one place. The grid check compares CRSs and says
  // what differs.
  void datesOnAnotherGridAreNamed() {
    std::vector<Scene> scenes = mGranules;
    scenes[3].crsWkt = wktOfEpsg(32614);
    scenes[3].epsg = 32614;
    test::expectError(ErrorKind::BadInput, [&] { tileGranules(scenes, "T13REN"); }, "(CRS EPSG:32613 vs EPSG:32614)");
    scenes = mGranules;
    std::array<double, 6> shifted = scenes[2].geoTransform.coefficients();
    shifted[0] += 15;
    scenes[2].geoTransform = GeoTransform(shifted);
    test::expectError(ErrorKind::BadInput, [&] { tileGranules(scenes, "T13REN"); }, "(origin shifted by 15 east and 0 north)");
    QCOMPARE(gridDifference(mGranules[0].grid(), mGranules[5].grid()), std::string());
    RasterGrid half = mGranules[0].grid();
    half.width /= 2;
    QCOMPARE(gridDifference(mGranules[0].grid(), half), std::string("size 80x80 vs 40x80 pixels"));
  }

  // Recovery: a .partial store left by a killed build does not block the next one, and two builds
  // of one cube at once both succeed (the second waits) instead of both failing on one store.
  void leftoversAndConcurrentBuilds() {
    const std::string path = mDir.filePath(QStringLiteral("cubes/concurrent.zarr")).toStdString();
    QVERIFY(QDir().mkpath(QString::fromStdString(path + ".partial/reflectance")));
    QFile junk(QString::fromStdString(path + ".partial/reflectance/0.0.0.0"));
    QVERIFY(junk.open(QIODevice::WriteOnly) && junk.write("killed mid-write") > 0);
    junk.close();
    std::atomic<int> failures{0};
    std::string firstError;
    auto build = [&] {
      try {
        buildTileCube(mGranules, path, {});
      } catch (const Error& error) {
        if (failures++ == 0) firstError = error.what();
      }
    };
    std::thread first(build), second(build);
    first.join();
    second.join();
    QVERIFY2(failures == 0, firstError.c_str());
    QVERIFY(TileCube::open(path)->covers(mGranules));
    QVERIFY(!QDir(QString::fromStdString(path + ".partial")).exists());
  }

  void areaSummaryAveragesValidPixels() {
    std::vector<PixelProfile> pixels = {readProfileFromFiles(mGranules, 20, 20), readProfileFromFiles(mGranules, 21, 20)};
    const auto area = summariseArea(pixels);
    QCOMPARE(int(area.size()), 9);
    for (size_t t = 0; t < 9; ++t) {
      int valid = 0;
      double sum = 0;
      for (const auto& pixel : pixels)
        if (!pixel.observations[t].flagged() && !std::isnan(pixel.observations[t].reflectance[0])) {
          ++valid;
          sum += pixel.observations[t].reflectance[3];
        }
      QCOMPARE(area[t].validPixels, valid);
      if (valid) QVERIFY(std::abs(area[t].mean[3] - sum / valid) < 1e-6);
    }
  }
};

QTEST_GUILESS_MAIN(TestTimeSeries)
#include "test_timeseries.moc"
