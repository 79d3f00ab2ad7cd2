#pragma once
// Training chips exported from a project into a chunked Zarr store (ARCHITECTURE.md, "Training
// data"), and read back by the training loader.
//
// Layout (Zarr v2 through GDAL's multidimensional API; python3-zarr opens it):
//   image     int16   (chip, band=6, time=T, y=S, x=S)  raw HLS values (reflectance x 10000) in
//                     Prithvi band order, fill -9999; one chunk per chip, zlib
//   mask      uint8   (chip, y, x)     class values, the scheme's ignore value where unlabelled
//                                      (absent for pretraining datasets)
//   split     uint8   (chip)           0 train, 1 validation, 2 test
//   year, doy int16   (chip, time)     acquisition year and day of year of each frame
//   scene     int32   (chip, time)     index into the `scenes` attribute
//   origin    int32   (chip, xy=2)     top-left pixel of the chip in its scene grid
//   location  float64 (chip, xy=2)     chip centre longitude, latitude
//   cloud     float32 (chip)           fraction of pixel-frames flagged cloud or cloud shadow
//   cloud_masks uint8 (cloud_shape, y, x)  cloud_gap only: real cloud shapes (Fmask cloud bit)
//                                      cut from the project's cloudy chip windows, at most 1024
//   cloud_mask_fraction float32 (cloud_shape)
//   root attributes (strings): prithvi_dataset_version, task, chip_size, frames, bands (JSON),
//     scheme (JSON, "" for pretraining), ignore_value, scenes (JSON), label_sets (JSON),
//     band_mean and band_std (JSON, raw values over valid training pixels), class_pixels (JSON
//     {split: {value: pixels}}), split_chips (JSON), seed, block_chips.
//
// Splits are spatial: the map is cut into blocks of block_chips x block_chips chip cells and
// every block goes whole to one split (chosen by a seeded hash of its position, so all dates
// of a place share it). A chip that touches a chip cell of a rarer split is dropped (training
// gives way to validation and test, validation to test), so no two neighbouring chips sit on
// different sides and evaluation keeps its chips.

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/labels/ClassScheme.h"
#include "core/labels/LabelStore.h"

namespace prithvi {

class Feedback;
class ProjectStore;

enum class DataSplit : uint8_t { Train = 0, Validation = 1, Test = 2 };
const char* dataSplitName(DataSplit split);  // "train", "val", "test"

struct DatasetBuildOptions {
  // flood | burn_scars | crop | cloud | land_cover (label sets whose scheme has that task), or
  // pretrain (no labels: every scene with the six bands), or cloud_gap (clear chips as for
  // pretraining, plus real cloud shapes to hide).
  std::string task;
  std::string tile;               // only this tile when set
  int year = 0;                   // only label sets of this year (LabelSetFilter::year); 0: any
  int chipSize = 224;
  int stride = 0;                 // 0: chipSize (no overlap)
  int frames = 1;                 // dates per chip; the anchor is the labelled scene
  int companionDays = 120;        // how far from the anchor other frames may be
  double minLabelledFraction = 0.1;
  double maxCloudFraction = 0.5;
  double maxFillFraction = 0.0;   // chips with more fill (no data) pixels are skipped
  int blockChips = 2;
  double validationFraction = 0.15;
  double testFraction = 0.15;
  int maxChips = 0;               // 0: all; else a stratified sample of this many
  std::string stratifyBy = "class";  // class (dominant label) | cloud | none
  std::vector<ReviewState> states{ReviewState::Validated};  // label sets used
  uint64_t seed = 1;
};

struct DatasetSummary {
  int64_t chips = 0;
  std::array<int64_t, 3> chipsPerSplit{};
  int64_t droppedAtSplitBorders = 0;
  int64_t candidates = 0;
  std::vector<std::string> skipped;  // label sets or scenes left out, with the reason
  std::array<double, 6> bandMean{};
  std::array<double, 6> bandStd{};
  std::array<std::map<int, int64_t>, 3> classPixels;  // per split
};

// Builds the store at `outPath` (written as `outPath`.partial and renamed when complete;
// canceling leaves nothing under the final name). Error(BadInput) when nothing qualifies, with
// the reasons.
DatasetSummary buildChipDataset(ProjectStore& project, const std::string& outPath, const DatasetBuildOptions& options,
                                Feedback* feedback = nullptr);

// A task preset's "dataset" section (assets/tasks/<name>.json, given as its JSON text) over
// `options`: chip_size, stride, frames, min_labelled, max_cloud, block_chips, validation, test.
// Error(BadInput) for a value that is not a number. The task itself is the caller's to set.
void applyDatasetPreset(const std::string& presetJson, DatasetBuildOptions& options);

// What buildChipDataset would write, decided without writing: chips per split, labelled pixels
// per class and split, candidates and what was left out. Same errors as buildChipDataset.
DatasetSummary planChipDataset(ProjectStore& project, const DatasetBuildOptions& options, Feedback* feedback = nullptr);

// One reader per thread: GDAL's array objects are not shared between threads.
class ChipDataset {
 public:
  // Error(BadInput) when `path` is not a dataset this program wrote.
  static std::unique_ptr<ChipDataset> open(const std::string& path);
  ~ChipDataset();

  const std::string& path() const;
  const std::string& task() const;
  // The scenes (granules) whose pixels the chips hold.
  const std::vector<std::string>& sceneIds() const;
  int64_t size() const;
  int chipSize() const;
  int frames() const;
  bool hasMask() const;
  const std::optional<ClassScheme>& scheme() const;
  int ignoreValue() const;
  const std::array<double, 6>& bandMean() const;
  const std::array<double, 6>& bandStd() const;
  const std::vector<DataSplit>& splits() const;
  // Labelled pixels per class value in a split (from the store's class_pixels attribute).
  std::map<int, int64_t> classPixels(DataSplit split) const;
  std::vector<int64_t> indices(DataSplit split) const;
  // Raw values (band, time, y, x): 6 * frames * chipSize^2.
  void readImage(int64_t chip, int16_t* out) const;
  // chipSize^2 class values; Error(Usage) for a pretraining dataset.
  void readMask(int64_t chip, uint8_t* out) const;
  // Cloud-gap datasets: the pool of cloud shapes (chipSize^2 bytes, 1 = cloud).
  int64_t cloudMaskCount() const;
  void readCloudMask(int64_t index, uint8_t* out) const;
  // Year and day of year of each frame.
  std::vector<std::pair<int, int>> dates(int64_t chip) const;
  std::array<double, 2> location(int64_t chip) const;  // lon, lat

 private:
  ChipDataset();
  struct Impl;
  std::unique_ptr<Impl> mImpl;
};

}  // namespace prithvi
