// Pixel profiles through a tile's time series: per-file reads (one open and one window read
// per band and date, as time-series plugins do) against the Zarr tile cube, in one run.
//   build/bin/bench_timeseries [--data DIR] [--dates 100] [--size 3660] [--pixels 20]
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <random>

#include "core/raster/GdalErrors.h"
#include "core/scene/SceneScanner.h"
#include "core/synth/HlsSynth.h"
#include "core/timeseries/TileCube.h"

using namespace prithvi;

namespace {
double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}
}  // namespace

int main(int argc, char** argv) {
  std::string dataDir = "bench-data";
  int dates = 100, size = 3660, pixels = 20;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--data")) dataDir = argv[i + 1];
    if (!std::strcmp(argv[i], "--dates")) dates = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--size")) size = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--pixels")) pixels = std::atoi(argv[i + 1]);
  }
  ensureGdalRegistered();
  const std::string dir = dataDir + "/ts-" + std::to_string(dates) + "-" + std::to_string(size);
  QElapsedTimer clock;
  if (!QFileInfo::exists(QString::fromStdString(dir + "/done"))) {
    std::fprintf(stderr, "generating %d dates of %dx%d (once)...\n", dates, size, size);
    clock.start();
    HlsSynthOptions options;
    options.dates = dates;
    options.size = size;
    options.outDir = dir;
    synthesizeHlsTile(options);
    QFile(QString::fromStdString(dir + "/done")).open(QIODevice::WriteOnly);
    std::fprintf(stderr, "generated in %.0f s\n", clock.elapsed() / 1000.0);
  }
  ScanOptions scan;
  scan.computeCloudCover = false;
  const auto granules = tileGranules(scanForScenes({dir}, scan).scenes, "13REN");
  const std::string cubePath = dir + ".cube.zarr";
  double buildSeconds = 0;
  if (!QFileInfo::exists(QString::fromStdString(cubePath))) {
    clock.restart();
    buildTileCube(granules, cubePath);
    buildSeconds = clock.elapsed() / 1000.0;
  }
  std::mt19937 random(7);
  std::vector<std::pair<int, int>> places;
  for (int i = 0; i < pixels; ++i) places.emplace_back(int(random() % size), int(random() % size));

  std::vector<double> files, cubeOpenRead, cubeRead;
  for (auto [x, y] : places) {
    clock.restart();
    const PixelProfile fromFiles = readProfileFromFiles(granules, x, y);
    files.push_back(clock.nsecsElapsed() / 1e6);
    clock.restart();
    const auto cube = TileCube::open(cubePath);
    const PixelProfile fromCube = cube->profile(x, y);
    cubeOpenRead.push_back(clock.nsecsElapsed() / 1e6);
    clock.restart();
    cube->profile(std::min(size - 1, x + 40), y);  // another pixel, the cube already open
    cubeRead.push_back(clock.nsecsElapsed() / 1e6);
    for (size_t t = 0; t < fromFiles.observations.size(); ++t)
      if (fromFiles.observations[t].raw != fromCube.observations[t].raw) {
        std::fprintf(stderr, "profiles differ at %d,%d date %zu\n", x, y, t);
        return 1;
      }
  }
  std::printf("pixel profile, %d dates of %dx%d x 6 bands + Fmask, %d random pixels (median)\n", dates, size, size, pixels);
  if (buildSeconds > 0) std::printf("  cube build (once)                     %9.1f s\n", buildSeconds);
  std::printf("  per-file reads                        %9.2f ms\n", median(files));
  std::printf("  cube: open + read                     %9.2f ms   goal < 20\n", median(cubeOpenRead));
  std::printf("  cube: read, store open                %9.2f ms\n", median(cubeRead));
  std::printf("  speed-up, open + read                 %9.0fx    goal >= 100x\n", median(files) / median(cubeOpenRead));
  return 0;
}
