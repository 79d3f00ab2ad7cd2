#include "training/data/ChipLoader.h"

#include <ATen/Parallel.h>
#include <omp.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "core/base/Error.h"
#include "core/hls/Hls.h"

namespace prithvi {

namespace {

uint64_t mix(uint64_t value) {
  value += 0x9E3779B97F4A7C15ull;
  value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9ull;
  value = (value ^ (value >> 27)) * 0x94D049BB133111EBull;
  return value ^ (value >> 31);
}

// A loader worker must not take cores from the model: its tensor work runs on this thread
// alone (no OpenMP team of its own beside the model's), at a lower priority, so it fills the
// time the model leaves and the model's threads are not preempted in the middle of a product.
void runAsBackgroundWorker() {
  at::init_num_threads();  // ATen's per-thread set-up first, or it would raise the count again
  omp_set_num_threads(1);  // this thread's OpenMP setting only
  setpriority(PRIO_PROCESS, pid_t(gettid()), 10);  // Linux: per thread; failing is harmless
}

}  // namespace

torch::Tensor normaliseChip(const torch::Tensor& dn, const std::array<double, 6>& mean, const std::array<double, 6>& std) {
  torch::Tensor values = dn.to(torch::kFloat32).clone();
  values.masked_fill_(values.isnan() | (values == float(kHlsFill)), 0.0f);
  const std::vector<int64_t> shape = [&] {
    std::vector<int64_t> dims(size_t(values.dim()), 1);
    dims[0] = 6;
    return dims;
  }();
  const torch::Tensor m = torch::tensor(std::vector<double>(mean.begin(), mean.end()), torch::kFloat32).reshape(shape);
  const torch::Tensor s = torch::tensor(std::vector<double>(std.begin(), std.end()), torch::kFloat32).reshape(shape);
  return (values - m) / s;
}

ChipLoader::ChipLoader(const std::string& datasetPath, const LoaderOptions& options)
    : mOptions(options), mPath(datasetPath), mInfo(ChipDataset::open(datasetPath)) {
  if (options.batchSize < 1) throwUsage("the batch size must be at least 1");
  if (options.workers < 1) throwUsage("the loader needs at least one worker");
  if (options.worldSize < 1 || options.rank < 0 || options.rank >= options.worldSize)
    throwUsage("rank " + std::to_string(options.rank) + " is outside a world of " + std::to_string(options.worldSize));
  if (options.worldSize > 1 && !options.dropLast) throwUsage("sharded loading drops the short last batch");
  for (double value : options.std)
    if (!(value > 0)) throwUsage("normalisation standard deviations must be positive");
  mChips = mInfo->indices(options.split);
  if (!(options.fraction > 0 && options.fraction <= 1)) throwUsage("the share of chips used must be in (0, 1]");
  if (options.fraction < 1) {
    // Nested subsets: the 10 % chips are among the 25 %, which are among the 50 %.
    std::mt19937_64 random(mix(options.seed ^ 0x5EED5EEDull));
    std::shuffle(mChips.begin(), mChips.end(), random);
    mChips.resize(std::max<size_t>(1, size_t(std::llround(double(mChips.size()) * options.fraction))));
    std::sort(mChips.begin(), mChips.end());
  }
  if (!options.only.empty()) {
    std::vector<int64_t> chosen;
    for (int64_t chip : options.only) {
      if (std::find(mChips.begin(), mChips.end(), chip) == mChips.end())
        throwUsage("chip " + std::to_string(chip) + " is not a " + dataSplitName(options.split) + " chip of " + datasetPath);
      chosen.push_back(chip);
    }
    std::sort(chosen.begin(), chosen.end());
    chosen.erase(std::unique(chosen.begin(), chosen.end()), chosen.end());
    mChips = std::move(chosen);
  }
  if (mChips.empty())
    throwBadInput(datasetPath + " has no " + dataSplitName(options.split) + " chips: rebuild it with other split fractions");
  mClassIndex.fill(options.ignoreIndex);
  if (const auto& scheme = mInfo->scheme())
    for (size_t i = 0; i < scheme->classes.size(); ++i) mClassIndex[size_t(scheme->classes[i].value)] = int64_t(i);
}

ChipLoader::~ChipLoader() { stopWorkers(); }

int64_t ChipLoader::batchesPerEpoch() const {
  const int64_t chips = int64_t(mChips.size());
  const int64_t global = int64_t(mOptions.batchSize) * mOptions.worldSize;
  return mOptions.dropLast ? chips / global : (chips + global - 1) / global;
}

int ChipLoader::classCount() const { return mInfo->scheme() ? int(mInfo->scheme()->classes.size()) : 0; }

std::vector<int64_t> ChipLoader::epochOrder(int64_t epoch) const {
  std::vector<int64_t> order = mChips;
  if (mOptions.shuffle) {
    std::mt19937_64 random(mix(mOptions.seed ^ mix(uint64_t(epoch) + 1)));
    std::shuffle(order.begin(), order.end(), random);
  }
  return order;
}

void ChipLoader::stopWorkers() {
  {
    std::lock_guard lock(mMutex);
    mStopping = true;
  }
  mChanged.notify_all();
  for (std::thread& thread : mThreads) thread.join();
  mThreads.clear();
}

void ChipLoader::start(int64_t epoch, int64_t batch) {
  stopWorkers();
  mStopping = false;
  mEpoch = epoch;
  mOrder = epochOrder(epoch);
  mNextToLoad = mNextToHand = std::clamp<int64_t>(batch, 0, batchesPerEpoch());
  mReady.clear();
  mError = nullptr;
  for (int i = 0; i < mOptions.workers; ++i) mThreads.emplace_back([this] { work(); });
}

void ChipLoader::work() {
  runAsBackgroundWorker();
  std::unique_ptr<ChipDataset> dataset;
  try {
    dataset = ChipDataset::open(mPath);  // GDAL arrays are per thread
  } catch (...) {
    std::lock_guard lock(mMutex);
    mError = std::current_exception();
    mChanged.notify_all();
    return;
  }
  torch::NoGradGuard noGrad;
  for (;;) {
    int64_t index = 0;
    {
      std::unique_lock lock(mMutex);
      mChanged.wait(lock, [&] {
        return mStopping || (mNextToLoad < batchesPerEpoch() && mNextToLoad < mNextToHand + mOptions.prefetchBatches);
      });
      if (mStopping) return;
      index = mNextToLoad++;
    }
    try {
      Batch batch = load(*dataset, mEpoch, index);
      std::lock_guard lock(mMutex);
      mReady.emplace(index, std::move(batch));
    } catch (...) {
      std::lock_guard lock(mMutex);
      mError = std::current_exception();
    }
    mChanged.notify_all();
  }
}

std::optional<Batch> ChipLoader::next() {
  std::unique_lock lock(mMutex);
  if (mNextToHand >= batchesPerEpoch()) return std::nullopt;
  if (mThreads.empty()) throwUsage("start the loader before asking for batches");
  mChanged.wait(lock, [&] { return mError || mReady.count(mNextToHand); });
  if (mError) std::rethrow_exception(mError);
  Batch batch = std::move(mReady.at(mNextToHand));
  mReady.erase(mNextToHand);
  ++mNextToHand;
  lock.unlock();
  mChanged.notify_all();
  return batch;
}

Batch ChipLoader::load(const ChipDataset& dataset, int64_t epoch, int64_t index) const {
  const int64_t first = index * mOptions.batchSize * mOptions.worldSize + int64_t(mOptions.rank) * mOptions.batchSize;
  const int64_t count = std::min<int64_t>(mOptions.batchSize, int64_t(mOrder.size()) - first);
  const int frames = dataset.frames(), size = dataset.chipSize();
  const int64_t plane = int64_t(size) * size;
  Batch batch;
  batch.epoch = epoch;
  batch.index = index;
  batch.image = torch::empty({count, 6, frames, size, size}, torch::kFloat32);
  if (dataset.hasMask()) batch.mask = torch::empty({count, size, size}, torch::kInt64);
  batch.temporal = torch::empty({count, frames, 2}, torch::kFloat32);
  batch.location = torch::empty({count, 2}, torch::kFloat32);
  std::vector<int16_t> raw(size_t(6) * frames * plane);
  std::vector<uint8_t> mask(static_cast<size_t>(plane));
  for (int64_t i = 0; i < count; ++i) {
    const int64_t chip = mOrder[size_t(first + i)];
    batch.chips.push_back(chip);
    batch.positions.push_back(first + i);
    dataset.readImage(chip, raw.data());
    torch::Tensor image = normaliseChip(torch::from_blob(raw.data(), {6, frames, size, size}, torch::kInt16).to(torch::kFloat32),
                                        mOptions.mean, mOptions.std);
    torch::Tensor labels;
    if (dataset.hasMask()) {
      dataset.readMask(chip, mask.data());
      std::vector<int64_t> classes(mask.size());
      for (size_t p = 0; p < mask.size(); ++p) classes[p] = mClassIndex[mask[p]];
      labels = torch::from_blob(classes.data(), {size, size}, torch::kInt64).clone();
    }
    if (mOptions.augment) {
      // Drawn from the sample's position, so workers and resumed runs agree.
      const uint64_t draw = mix(mOptions.seed ^ mix(uint64_t(epoch) * 1000003ull + uint64_t(first + i)));
      const int64_t turns = int64_t(draw & 3);
      const bool flip = (draw >> 2) & 1;
      if (turns) {
        image = torch::rot90(image, turns, {2, 3});
        if (labels.defined()) labels = torch::rot90(labels, turns, {0, 1});
      }
      if (flip) {
        image = torch::flip(image, {3});
        if (labels.defined()) labels = torch::flip(labels, {1});
      }
    }
    if (dataset.cloudMaskCount() > 0) {
      if (!batch.cloudMask.defined()) batch.cloudMask = torch::zeros({count, frames, size, size}, torch::kUInt8);
      const uint64_t draw = mix(mOptions.seed ^ 0xC10Dull ^ mix(uint64_t(epoch) * 1000003ull + uint64_t(first + i)));
      const uint64_t subset = 1 + draw % ((1ull << frames) - 1);  // a non-empty set of frames
      for (int f = 0; f < frames; ++f) {
        if (!((subset >> f) & 1)) continue;
        dataset.readCloudMask(int64_t(mix(draw + uint64_t(f)) % uint64_t(dataset.cloudMaskCount())), mask.data());
        std::copy_n(mask.data(), mask.size(), batch.cloudMask[i][f].data_ptr<uint8_t>());
      }
    }
    batch.image[i].copy_(image);
    if (labels.defined()) batch.mask[i].copy_(labels);
    const auto dates = dataset.dates(chip);
    for (int f = 0; f < frames; ++f) {
      batch.temporal[i][f][0] = float(dates[size_t(f)].first);
      batch.temporal[i][f][1] = float(std::max(0, dates[size_t(f)].second - 1));
    }
    const auto lonLat = dataset.location(chip);
    batch.location[i][0] = float(lonLat[1]);
    batch.location[i][1] = float(lonLat[0]);
  }
  return batch;
}

}  // namespace prithvi
