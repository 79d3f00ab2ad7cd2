// The chip loader: batches equal the store's chips, normalised and augmented the same way
// whatever the number of workers, and a loader started mid-epoch continues exactly.

#include <QTemporaryDir>
#include <QTest>

#include <torch/torch.h>

#include "core/base/Error.h"
#include "core/dataset/ChipDataset.h"
#include "core/hls/Hls.h"
#include "core/project/ProjectStore.h"
#include "tests/support/TestSupport.h"
#include "training/data/ChipLoader.h"

using namespace prithvi;

class TestChipLoader : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir mDir;
  std::string mDataset;

  LoaderOptions options(int workers) {
    LoaderOptions result;
    result.batchSize = 4;
    result.workers = workers;
    result.seed = 11;
    result.mean = {500, 700, 800, 2500, 2000, 1200};
    result.std = {300, 300, 400, 900, 800, 600};
    return result;
  }

  std::vector<Batch> epoch(ChipLoader& loader, int64_t number, int64_t from = 0) {
    std::vector<Batch> batches;
    loader.start(number, from);
    while (auto batch = loader.next()) batches.push_back(std::move(*batch));
    return batches;
  }

 private Q_SLOTS:
  void initTestCase() {
    const test::FloodProject made = test::makeFloodProject(mDir.path(), 128, 3, 2, 2);
    auto project = ProjectStore::open(made.path);
    DatasetBuildOptions build;
    build.task = "flood";
    build.chipSize = 32;
    build.stride = 16;
    build.minLabelledFraction = 0;
    build.maxCloudFraction = 1;
    build.maxFillFraction = 1;
    build.validationFraction = 0;
    build.testFraction = 0;
    mDataset = mDir.filePath("flood.zarr").toStdString();
    QCOMPARE(buildChipDataset(*project, mDataset, build).chips, int64_t(2 * 49));
  }

  void batchesHoldNormalisedChipsAndClassIndices() {
    LoaderOptions plain = options(2);
    plain.augment = false;
    plain.shuffle = false;
    ChipLoader loader(mDataset, plain);
    QCOMPARE(loader.batchesPerEpoch(), int64_t(98 / 4));
    QCOMPARE(loader.classCount(), 2);
    const std::vector<Batch> batches = epoch(loader, 0);
    QCOMPARE(int64_t(batches.size()), loader.batchesPerEpoch());
    auto dataset = ChipDataset::open(mDataset);
    std::vector<int16_t> raw(size_t(6) * 32 * 32);
    std::vector<uint8_t> mask(32 * 32);
    const Batch& batch = batches[3];
    QCOMPARE(batch.image.sizes(), (std::vector<int64_t>{4, 6, 1, 32, 32}));
    for (int i = 0; i < 4; ++i) {
      const int64_t chip = batch.chips[size_t(i)];
      QCOMPARE(chip, int64_t(12 + i));  // unshuffled: in store order
      dataset->readImage(chip, raw.data());
      dataset->readMask(chip, mask.data());
      for (int b = 0; b < 6; ++b)
        for (int p = 0; p < 32 * 32; p += 37) {
          const int16_t value = raw[size_t(b) * 1024 + p];
          const double expected = ((value == kHlsFill ? 0 : value) - plain.mean[size_t(b)]) / plain.std[size_t(b)];
          QVERIFY(std::abs(batch.image[i][b][0][p / 32][p % 32].item<float>() - expected) < 1e-4);
        }
      for (int p = 0; p < 32 * 32; ++p)
        QCOMPARE(batch.mask[i][p / 32][p % 32].item<int64_t>(), mask[size_t(p)] == 255 ? -1 : int64_t(mask[size_t(p)]));
    }
    QCOMPARE(batch.temporal.sizes(), (std::vector<int64_t>{4, 1, 2}));
    QCOMPARE(batch.temporal[0][0][0].item<float>(), 2021.0f);
  }

  void augmentationMovesImageAndMaskTogether() {
    LoaderOptions plain = options(1), augmented = options(1);
    plain.augment = false;
    ChipLoader reference(mDataset, plain), loader(mDataset, augmented);
    const std::vector<Batch> a = epoch(reference, 2), b = epoch(loader, 2);
    int changed = 0;
    for (size_t n = 0; n < a.size(); ++n) {
      QCOMPARE(a[n].chips, b[n].chips);  // augmentation does not change the order
      for (int i = 0; i < 4; ++i) {
        // Find the flip and rotation that map the plain chip onto the augmented one.
        bool matched = false;
        for (int turns = 0; turns < 4 && !matched; ++turns)
          for (bool flip : {false, true}) {
            torch::Tensor image = torch::rot90(a[n].image[i], turns, {2, 3});
            torch::Tensor mask = torch::rot90(a[n].mask[i], turns, {0, 1});
            if (flip) image = torch::flip(image, {3}), mask = torch::flip(mask, {1});
            if (torch::equal(image, b[n].image[i]) && torch::equal(mask, b[n].mask[i])) {
              matched = true;
              changed += turns || flip;
              break;
            }
          }
        QVERIFY(matched);
      }
    }
    QVERIFY(changed > int(a.size()));  // most samples were flipped or turned
  }

  void resultsDoNotDependOnWorkersAndResumeExactly() {
    ChipLoader one(mDataset, options(1)), three(mDataset, options(3));
    const std::vector<Batch> a = epoch(one, 5), b = epoch(three, 5);
    QCOMPARE(a.size(), b.size());
    for (size_t n = 0; n < a.size(); ++n) {
      QCOMPARE(a[n].chips, b[n].chips);
      QVERIFY(torch::equal(a[n].image, b[n].image));
      QVERIFY(torch::equal(a[n].mask, b[n].mask));
    }
    const std::vector<Batch> resumed = epoch(three, 5, 7);
    QCOMPARE(resumed.size(), a.size() - 7);
    QCOMPARE(resumed.front().index, int64_t(7));
    QVERIFY(torch::equal(resumed.front().image, a[7].image));
    QVERIFY(torch::equal(resumed.back().mask, a.back().mask));
    // Another epoch is another order.
    const std::vector<Batch> next = epoch(one, 6);
    QVERIFY(next.front().chips != a.front().chips);
  }

  void refusesBadOptions() {
    LoaderOptions bad = options(1);
    bad.split = DataSplit::Test;
    try {
      ChipLoader loader(mDataset, bad);
      QFAIL("a split without chips must be refused");
    } catch (const Error& error) {
      QVERIFY2(QString(error.what()).contains("no test chips"), error.what());
    }
  }
};

QTEST_GUILESS_MAIN(TestChipLoader)
#include "test_chip_loader.moc"
