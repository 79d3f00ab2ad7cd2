// SceneReader: bands by role from per-band files and from one multi-band file, parallel and
// serial paths agreeing, and clear errors.
#include <QTemporaryDir>
#include <QTest>

#include "core/base/Error.h"
#include "core/base/ThreadPool.h"
#include "core/raster/RasterSource.h"
#include "core/scene/SceneReader.h"
#include "core/scene/SceneScanner.h"
#include "core/synth/HlsSynth.h"
#include "tests/support/TestSupport.h"

using namespace prithvi;

namespace {
int pattern(int band, int x, int y) { return band * 1000 + (x * 13 + y * 7) % 991; }
}  // namespace

class TestSceneReader : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir mDir;
  Scene mGranule;

 private Q_SLOTS:
  void initTestCase() {
    HlsSynthOptions options;
    options.dates = 1;
    options.size = 600;  // above the parallel threshold for a full read
    options.outDir = (mDir.path() + QStringLiteral("/hls")).toStdString();
    synthesizeHlsTile(options);
    mGranule = scanForScenes({options.outDir}).scenes.at(0);
  }

  void readsRolesInRequestedOrder() {
    SceneReader reader(mGranule);
    const std::vector<BandRole> roles = {BandRole::SWIR2, BandRole::Blue, BandRole::NIR};
    const RasterBlock chip = reader.read({100, 200, 32, 16}, roles);
    QCOMPARE(chip.bandCount(), 3);
    QCOMPARE(chip.type(), DataType::Int16);
    for (int i = 0; i < 3; ++i) {
      const auto file = RasterSource::open(mGranule.band(roles[i])->path);
      const RasterBlock direct = file->read({100, 200, 32, 16}, {1});
      QVERIFY(std::memcmp(direct.bandData(0), chip.bandData(i), direct.bandBytes()) == 0);
    }
  }

  void parallelSerialAndBatchAgree() {
    SceneReader reader(mGranule);
    const std::vector<BandRole> roles(std::begin(kPrithviBands), std::end(kPrithviBands));
    const RasterBlock full = reader.read({0, 0, 600, 600}, roles);  // parallel path
    std::vector<Window> windows;
    for (int i = 0; i < 9; ++i) windows.push_back({i * 40, i * 35, 224, 224});
    const auto chips = reader.readMany(windows, roles);
    QCOMPARE(int(chips.size()), 9);
    for (int i = 0; i < 9; ++i) {
      const RasterBlock single = reader.read(windows[i], roles);  // serial path
      QVERIFY(std::memcmp(single.bandData(0), chips[i].bandData(0), single.bandBytes() * 6) == 0);
      for (int b = 0; b < 6; ++b)
        QCOMPARE(chips[i].value(b, 17, 33), full.value(b, windows[i].x + 17, windows[i].y + 33));
    }
  }

  void multiBandRasterScene() {
    const std::string file = (mDir.path() + QStringLiteral("/stack.tif")).toStdString();
    test::writeInt16Tiff(file, 40, 30, 6, pattern);
    const Scene scene = scanForScenes({file}).scenes.at(0);
    SceneReader reader(scene);
    const RasterBlock block = reader.read({0, 0, 40, 30}, {BandRole::Red, BandRole::Blue}, DataType::Float32);
    QCOMPARE(block.type(), DataType::Float32);
    QCOMPARE(block.value(0, 5, 6), double(pattern(2, 5, 6)));
    QCOMPARE(block.value(1, 5, 6), double(pattern(0, 5, 6)));
  }

  void clearErrors() {
    Scene scene = mGranule;
    SceneReader reader(scene);
    scene.bands.pop_back();
    QVERIFY_THROWS_EXCEPTION(Error, SceneReader(scene).read({0, 0, 4, 4}, {BandRole::Fmask}));
    QVERIFY_THROWS_EXCEPTION(Error, reader.read({590, 0, 20, 4}, {BandRole::Red}));
    Scene moved = mGranule;
    moved.width = 1000;  // the file changed since import
    try {
      SceneReader stale(moved);
      QFAIL("a changed file was accepted");
    } catch (const Error& error) {
      QVERIFY2(std::string(error.what()).find("re-import") != std::string::npos, error.what());
    }
  }

  void threadPoolRethrowsAndCoversEveryIndex() {
    ThreadPool pool(2);
    std::vector<std::atomic<int>> hits(50);
    pool.parallelFor(50, [&](int i) { ++hits[i]; });
    for (auto& hit : hits) QCOMPARE(hit.load(), 1);
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, pool.parallelFor(8, [](int i) {
      if (i == 5) throw std::runtime_error("five");
    }));
  }
};

QTEST_GUILESS_MAIN(TestSceneReader)
#include "test_scene_reader.moc"
