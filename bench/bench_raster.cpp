// Chip reads (224x224x6 windows at random places) and full reads of one 3660x3660 synthetic HLS
// granule: SceneReader against a plain GDAL RasterIO loop over the same files, in one run.
//   build/bin/bench_raster [--data DIR] [benchmark flags]
// Set GDAL_CACHEMAX=1 in the environment to measure with a cold block cache.
#include <benchmark/benchmark.h>

#include <QDir>
#include <QFileInfo>
#include <cstring>
#include <random>

#include <gdal.h>

#include "core/raster/GdalErrors.h"
#include "core/scene/SceneReader.h"
#include "bench/BenchData.h"

using namespace prithvi;

namespace {

constexpr int kChip = 224;
std::string gDataDir = "bench-data";

const Scene& granule() {
  static const Scene scene = bench::fullSizeGranule(gDataDir);
  return scene;
}

std::vector<BandRole> prithviRoles() { return {std::begin(kPrithviBands), std::end(kPrithviBands)}; }

// Random chip origins, the same sequence for every contender.
struct ChipPlaces {
  std::mt19937 random{42};
  std::pair<int, int> next(int size) {
    return {int(random() % uint32_t(size - kChip)), int(random() % uint32_t(size - kChip))};
  }
};

// The baseline: one dataset per band file, RasterIO band after band.
struct PlainGdal {
  std::vector<GDALDatasetH> datasets;
  PlainGdal() {
    ensureGdalRegistered();
    for (BandRole role : kPrithviBands) datasets.push_back(GDALOpen(granule().band(role)->path.c_str(), GA_ReadOnly));
  }
  ~PlainGdal() {
    for (auto dataset : datasets) GDALClose(dataset);
  }
  void read(int x, int y, int width, int height, std::vector<int16_t>& out) {
    out.resize(size_t(width) * height * datasets.size());
    for (size_t b = 0; b < datasets.size(); ++b)
      if (GDALRasterIO(GDALGetRasterBand(datasets[b], 1), GF_Read, x, y, width, height, out.data() + b * width * height,
                   width, height, GDT_Int16, 0, 0) != CE_None)
        throw std::runtime_error("baseline read failed");
  }
};

void BM_ChipRead_PlainGdalLoop(benchmark::State& state) {
  PlainGdal gdal;
  ChipPlaces places;
  std::vector<int16_t> chip;
  for (auto _ : state) {
    auto [x, y] = places.next(granule().width);
    gdal.read(x, y, kChip, kChip, chip);
    benchmark::DoNotOptimize(chip.data());
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_ChipRead_SceneReader(benchmark::State& state) {
  SceneReader reader(granule());
  const auto roles = prithviRoles();
  ChipPlaces places;
  for (auto _ : state) {
    auto [x, y] = places.next(granule().width);
    RasterBlock chip = reader.read({x, y, kChip, kChip}, roles);
    benchmark::DoNotOptimize(chip.bandData(0));
  }
  state.SetItemsProcessed(state.iterations());
}

// What a data loader does: a batch of chips spread over the pool's threads.
void BM_ChipBatch_SceneReaderReadMany(benchmark::State& state) {
  SceneReader reader(granule());
  const auto roles = prithviRoles();
  ChipPlaces places;
  constexpr int kBatch = 32;
  for (auto _ : state) {
    std::vector<Window> windows;
    for (int i = 0; i < kBatch; ++i) {
      auto [x, y] = places.next(granule().width);
      windows.push_back({x, y, kChip, kChip});
    }
    auto chips = reader.readMany(windows, roles);
    benchmark::DoNotOptimize(chips.data());
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

void BM_FullRead_PlainGdalLoop(benchmark::State& state) {
  PlainGdal gdal;
  std::vector<int16_t> all;
  for (auto _ : state) {
    gdal.read(0, 0, granule().width, granule().height, all);
    benchmark::DoNotOptimize(all.data());
  }
  state.SetBytesProcessed(state.iterations() * int64_t(granule().width) * granule().height * 6 * 2);
}

void BM_FullRead_SceneReader(benchmark::State& state) {
  SceneReader reader(granule());
  const auto roles = prithviRoles();
  for (auto _ : state) {
    RasterBlock all = reader.read({0, 0, granule().width, granule().height}, roles);
    benchmark::DoNotOptimize(all.bandData(0));
  }
  state.SetBytesProcessed(state.iterations() * int64_t(granule().width) * granule().height * 6 * 2);
}

}  // namespace

BENCHMARK(BM_ChipRead_PlainGdalLoop)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_ChipRead_SceneReader)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_ChipBatch_SceneReaderReadMany)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_FullRead_PlainGdalLoop)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
BENCHMARK(BM_FullRead_SceneReader)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

int main(int argc, char** argv) {
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--data") == 0 && i + 1 < argc)
      gDataDir = argv[++i];
    else
      rest.push_back(argv[i]);
  }
  int restCount = int(rest.size());
  QDir().mkpath(QString::fromStdString(gDataDir));
  granule();  // generate outside the timed region
  benchmark::Initialize(&restCount, rest.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
