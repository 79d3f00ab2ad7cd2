// Saving label edits on a full 3660x3660 HLS tile, in one run:
//   - ours: a brush stroke saved as the changed 256x256 mask tiles in one SQLite transaction
//     (WAL, synchronous=FULL), and a polygon saved as one GeoPackage feature;
//   - baseline: what mask-file labelling tools do per save, rewriting the scene's whole mask
//     (a DEFLATE GeoTIFF written to a temporary file, fsynced and renamed);
// plus opening a label set (composing 400 polygons and the painted tiles), undo, and exporting
// the composed raster.
//   build/bin/bench_labels [--data DIR] [--strokes 50]
#include <QDir>
#include <QElapsedTimer>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>

#include "core/labels/LabelEditor.h"
#include "core/labels/LabelStore.h"
#include "core/project/ProjectStore.h"
#include "core/raster/GdalErrors.h"
#include "core/raster/RasterWriter.h"

using namespace prithvi;

namespace {

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

Scene fullTile() {
  Scene scene;
  scene.id = "HLS.S30.T13REN.2021150T173909.v2.0";
  scene.width = 3660;
  scene.height = 3660;
  scene.geoTransform = GeoTransform({499980, 30, 0, 3300000, 0, -30});
  scene.epsg = 32613;
  scene.crsWkt = "EPSG:32613";
  return scene;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dataDir = "bench-data";
  int strokes = 50;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--data")) dataDir = argv[i + 1];
    if (!std::strcmp(argv[i], "--strokes")) strokes = std::atoi(argv[i + 1]);
  }
  ensureGdalRegistered();
  const std::string dir = dataDir + "/labels";
  QDir(QString::fromStdString(dir)).removeRecursively();
  QDir().mkpath(QString::fromStdString(dir));
  const std::string path = dir + "/bench.gpkg";
  auto project = ProjectStore::create(path);
  const Scene scene = fullTile();
  project->addScenes({scene});
  LabelStore store(*project);
  const int64_t id = store.createLabelSet(scene.id, "flood", "bench");
  std::mt19937 random(7);
  std::uniform_real_distribution<double> position(200, 3400);
  QElapsedTimer clock;

  std::vector<double> strokeMs, polygonMs;
  {
    LabelEditor editor(store, id);
    for (int i = 0; i < strokes; ++i) {
      // A 12-pixel brush dragged 300 pixels: what a quick correction looks like.
      const double x = position(random), y = position(random);
      editor.beginStroke(i % 2, 12);
      for (int s = 0; s <= 30; ++s) editor.strokeTo({x + s * 10, y + std::sin(s * 0.3) * 40});
      clock.start();
      editor.endStroke();
      strokeMs.push_back(clock.nsecsElapsed() / 1e6);
    }
    for (int i = 0; i < 400; ++i) {
      const double x = position(random), y = position(random);
      clock.start();
      editor.addPolygon(i % 2, {{x, y}, {x + 60, y + 5}, {x + 40, y + 70}, {x - 10, y + 40}});
      polygonMs.push_back(clock.nsecsElapsed() / 1e6);
    }
  }
  clock.start();
  LabelEditor reopened(store, id);
  const double openMs = clock.nsecsElapsed() / 1e6;
  clock.start();
  reopened.addRectangle(1, {100, 100}, {600, 600});
  reopened.undo();
  const double undoMs = clock.nsecsElapsed() / 1e6;

  // Baseline: the whole mask rewritten per save.
  std::vector<double> fullMaskMs;
  RasterWriteOptions options;
  options.cog = false;
  for (int i = 0; i < std::min(strokes, 10); ++i) {
    clock.start();
    writeRaster(dir + "/mask.tif", scene.width, scene.height, 1, DataType::Byte, reopened.raster().data(),
                scene.geoTransform, scene.crsWkt, options);
    fullMaskMs.push_back(clock.nsecsElapsed() / 1e6);
  }
  clock.start();
  const std::vector<uint8_t> composed = store.rasterize(id, {0, 0, scene.width, scene.height});
  const double rasterizeMs = clock.nsecsElapsed() / 1e6;
  const LabelStats stats = store.stats(id);

  std::printf("label edits on a %dx%d tile (%lld polygons, %lld mask tiles, %.1f %% labelled)\n", scene.width,
              scene.height, static_cast<long long>(stats.polygonCount), static_cast<long long>(stats.maskTileCount),
              100.0 * double(stats.labelledPixels) / double(stats.totalPixels));
  std::printf("  save a brush stroke (changed tiles, one transaction)   median %7.2f ms   max %7.2f ms\n",
              median(strokeMs), *std::max_element(strokeMs.begin(), strokeMs.end()));
  std::printf("  save a polygon (one GeoPackage feature)                median %7.2f ms   max %7.2f ms\n",
              median(polygonMs), *std::max_element(polygonMs.begin(), polygonMs.end()));
  std::printf("  baseline: rewrite the whole mask GeoTIFF per save      median %7.2f ms  (%.1fx ours per stroke)\n",
              median(fullMaskMs), median(fullMaskMs) / median(strokeMs));
  std::printf("  open the label set (compose everything)                       %7.2f ms\n", openMs);
  std::printf("  a 500x500 rectangle then its undo (two saves)                 %7.2f ms\n", undoMs);
  std::printf("  rasterise the whole set from the project                      %7.2f ms (%zu px)\n", rasterizeMs,
              composed.size());
  return 0;
}
