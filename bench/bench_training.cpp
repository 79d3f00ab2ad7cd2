// Training throughput, in one run on the same machine:
//   - the chip loader: 224x224 six-band chips per second from a Zarr dataset (2 workers, with
//     normalisation, flips and rotations), the baseline being one thread reading chip by chip;
//   - what the trainer consumes: MAE pretraining steps (forward, backward, AdamW) per second for
//     the tiny test model and for Prithvi-100M, in samples per second.
// The goal (issue 7): the loader delivers at least 3x what the trainer consumes.
//   build/bin/bench_training [--data DIR] [--seconds 20]
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QThread>

#include <cstdio>
#include <cstring>

#include <torch/torch.h>

#include "bench/BenchData.h"
#include "core/dataset/ChipDataset.h"
#include "core/project/ProjectStore.h"
#include "core/raster/GdalErrors.h"
#include "training/data/ChipLoader.h"
#include "training/engine/FusedAdamW.h"
#include "training/model/PrithviMae.h"

using namespace prithvi;

namespace {

double loaderChipsPerSecond(const std::string& dataset, int workers, double seconds) {
  LoaderOptions options;
  options.batchSize = 8;
  options.workers = workers;
  options.prefetchBatches = 8;
  ChipLoader loader(dataset, options);
  QElapsedTimer clock;
  clock.start();
  int64_t chips = 0;
  for (int64_t epoch = 0; clock.elapsed() < seconds * 1000; ++epoch) {
    loader.start(epoch);
    while (auto batch = loader.next()) {
      chips += batch->image.size(0);
      if (clock.elapsed() >= seconds * 1000) break;
    }
  }
  return double(chips) / (clock.nsecsElapsed() / 1e9);
}

double trainerSamplesPerSecond(const std::string& variant, int batch, double seconds) {
  model::PrithviConfig config = model::PrithviConfig::byName(variant);
  config.imgSize = 224;
  config.numFrames = 1;
  model::PrithviMae mae(config);
  engine::FusedAdamW optimizer(mae->parameters(), {1e-4, 0.9, 0.999, 1e-8, 0.05});
  const torch::Tensor pixels = torch::randn({batch, 6, 1, 224, 224});
  QElapsedTimer clock;
  int64_t samples = 0;
  for (int step = 0; step == 0 || clock.elapsed() < seconds * 1000; ++step) {
    if (step == 1) clock.start();  // the first step warms up the allocator
    optimizer.zeroGrad();
    mae->forward(pixels).loss.backward();
    optimizer.step();
    if (step >= 1) samples += batch;
  }
  return double(samples) / (clock.nsecsElapsed() / 1e9);
}

}  // namespace

int main(int argc, char** argv) {
  std::string dataDir = "bench-data";
  double seconds = 20;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--data")) dataDir = argv[i + 1];
    if (!std::strcmp(argv[i], "--seconds")) seconds = std::atof(argv[i + 1]);
  }
  ensureGdalRegistered();
  const std::string dataset = dataDir + "/training/pretrain-224.zarr";
  if (!QFileInfo::exists(QString::fromStdString(dataset))) {
    std::fprintf(stderr, "building a 224-pixel chip dataset from the 3660x3660 granule (once)...\n");
    const Scene granule = bench::fullSizeGranule(dataDir);
    QDir().mkpath(QString::fromStdString(dataDir + "/training"));
    const std::string projectPath = dataDir + "/training/project.gpkg";
    QFile::remove(QString::fromStdString(projectPath));
    auto project = ProjectStore::create(projectPath);
    project->addScenes({granule});
    DatasetBuildOptions options;
    options.task = "pretrain";
    options.chipSize = 224;
    options.maxCloudFraction = 1;
    options.maxFillFraction = 1;
    options.validationFraction = options.testFraction = 0;
    buildChipDataset(*project, dataset, options);
  }
  torch::set_num_threads(QThread::idealThreadCount());
  const int threads = torch::get_num_threads();
  std::printf("chip loader, 224x224x6 chips (normalised, flipped, rotated), %d cores:\n", QThread::idealThreadCount());
  const double one = loaderChipsPerSecond(dataset, 1, seconds / 2);
  const double two = loaderChipsPerSecond(dataset, 2, seconds / 2);
  std::printf("  baseline, 1 worker:   %8.1f chips/s\n  loader, 2 workers:    %8.1f chips/s\n", one, two);
  std::printf("trainer, MAE pretraining step (forward, backward, AdamW) on %d threads:\n", threads);
  const double tiny = trainerSamplesPerSecond("tiny_test", 8, seconds / 2);
  std::printf("  tiny_test, batch 8:           %8.2f samples/s  -> loader margin %.1fx\n", tiny, two / tiny);
  const double base = trainerSamplesPerSecond("prithvi_eo_v1_100", 2, seconds);
  std::printf("  prithvi_eo_v1_100, batch 2:   %8.2f samples/s  -> loader margin %.1fx\n", base, two / base);
  return 0;
}
