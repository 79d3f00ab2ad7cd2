#pragma once
// Streams batches of training chips from a ChipDataset store (core/dataset) with worker threads
// and prefetch. Everything random is a function of (seed, epoch, position), never of thread
// timing: the order of an epoch is a seeded permutation, and each sample's flips and
// 90-degree rotations are drawn from a hash of its position, so a run resumed at (epoch,
// batch) sees exactly the batches the uninterrupted run would have seen.

#include <torch/torch.h>

#include <array>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/dataset/ChipDataset.h"

namespace prithvi {

struct LoaderOptions {
  DataSplit split = DataSplit::Train;
  int batchSize = 8;
  int workers = 2;
  int prefetchBatches = 4;   // batches ready ahead of the trainer
  bool shuffle = true;
  bool augment = true;       // random flips and 90-degree rotations (image and mask alike)
  bool dropLast = true;      // training drops a short last batch; evaluation keeps it
  uint64_t seed = 1;
  // Normalisation per band, in raw HLS units (the model's pretraining constants, spec §1);
  // fill values (-9999) become 0 before normalising, as the reference pipelines do.
  std::array<double, 6> mean{};
  std::array<double, 6> std{1, 1, 1, 1, 1, 1};
  int64_t ignoreIndex = -1;  // mask pixels with the scheme's ignore value
  // Data parallel: a global batch is batchSize x worldSize chips of the epoch's order, and
  // rank r takes the r-th slice, so N ranks see what one process with N times the batch sees.
  int rank = 0;
  int worldSize = 1;
  // Use only this share of the split's chips (a seeded choice, the same for every epoch): the
  // data-efficiency experiments train on 100, 50, 25 and 10 % of the labels.
  double fraction = 1.0;
  // Use only these chips of the split (dataset chip numbers): the chips an active-learning round
  // has labelled so far. Empty: the split's chips (or their `fraction`).
  std::vector<int64_t> only;
};

struct Batch {
  torch::Tensor image;     // float (B, 6, T, H, W), normalised
  torch::Tensor mask;      // int64 (B, H, W): class index (scheme order) or ignoreIndex; undefined when unlabelled
  torch::Tensor temporal;  // float (B, T, 2): year, day of year (0-based), for temporal encodings
  torch::Tensor location;  // float (B, 2): latitude, longitude of the chip centre
  // Cloud-gap datasets: uint8 (B, T, H, W), 1 where a real cloud shape hides the pixel. Each
  // sample hides a non-empty set of its frames (drawn from its position), each frame under a
  // cloud shape drawn from the dataset's pool.
  torch::Tensor cloudMask;
  std::vector<int64_t> chips;
  std::vector<int64_t> positions;  // each sample's place in the epoch's order (for per-sample draws)
  int64_t epoch = 0;
  int64_t index = 0;       // batch number within the epoch
};

// Raw HLS values (6 bands first; fill -9999 or NaN) to model input: fill becomes 0 before the
// z-score, as the reference fine-tuning pipelines do (spec §3). One rule for training chips and
// for whole-scene inference.
torch::Tensor normaliseChip(const torch::Tensor& dn, const std::array<double, 6>& mean, const std::array<double, 6>& std);

class ChipLoader {
 public:
  ChipLoader(const std::string& datasetPath, const LoaderOptions& options);
  ~ChipLoader();
  ChipLoader(const ChipLoader&) = delete;
  ChipLoader& operator=(const ChipLoader&) = delete;

  int64_t chipCount() const { return int64_t(mChips.size()); }
  int64_t batchesPerEpoch() const;
  const ChipDataset& dataset() const { return *mInfo; }
  int classCount() const;  // classes of the scheme (0 when unlabelled)

  // Positions the loader at batch `batch` of `epoch` and starts the workers.
  void start(int64_t epoch, int64_t batch = 0);
  // The next batch of the epoch in order; empty when the epoch is over. Rethrows a worker's
  // error (a damaged store) here, on the trainer's thread.
  std::optional<Batch> next();

 private:
  void stopWorkers();
  void work();
  Batch load(const ChipDataset& dataset, int64_t epoch, int64_t index) const;
  std::vector<int64_t> epochOrder(int64_t epoch) const;

  LoaderOptions mOptions;
  std::string mPath;
  std::unique_ptr<ChipDataset> mInfo;
  std::vector<int64_t> mChips;   // the split's chips
  std::array<int64_t, 256> mClassIndex{};  // mask value -> class index or ignoreIndex

  std::mutex mMutex;
  std::condition_variable mChanged;
  std::vector<std::thread> mThreads;
  bool mStopping = false;
  int64_t mEpoch = 0;
  std::vector<int64_t> mOrder;
  int64_t mNextToLoad = 0;
  int64_t mNextToHand = 0;
  std::map<int64_t, Batch> mReady;
  std::exception_ptr mError;
};

}  // namespace prithvi
