// Training datasets: chips from validated labels into a Zarr store that python3-zarr reads
// with the same shapes and values, spatially separated splits, stratified samples.

#include <numeric>
#include <set>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QFileInfo>
#include <QTest>

#include <gdal.h>

#include "core/base/Error.h"
#include "core/dataset/ChipDataset.h"
#include "core/labels/LabelEditor.h"
#include "core/labels/LabelStore.h"
#include "core/project/ProjectStore.h"
#include "core/scene/SceneReader.h"
#include "core/scene/SceneScanner.h"
#include "core/synth/HlsSynth.h"
#include "tests/support/TestSupport.h"

using namespace prithvi;

namespace {
constexpr int kSize = 256;
constexpr int kChip = 32;
}  // namespace

class TestDataset : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir mDir;
  std::string mProjectPath;
  std::vector<Scene> mScenes;
  std::vector<uint8_t> mWater;

  std::string outPath(const char* name) { return mDir.filePath(name).toStdString(); }

 private Q_SLOTS:
  void initTestCase() {
    // Three validated flood label sets painted from the truth, one draft that must stay out.
    const test::FloodProject made = test::makeFloodProject(mDir.path(), kSize, 6, 4, 3);
    mProjectPath = made.path;
    mScenes = made.scenes;
    mWater = made.water;
  }

  void chipsMatchTheScenesAndTheLabels() {
    auto project = ProjectStore::open(mProjectPath);
    DatasetBuildOptions options;
    options.task = "flood";
    options.chipSize = kChip;
    options.minLabelledFraction = 0.5;
    options.maxCloudFraction = 1.0;
    options.maxFillFraction = 1.0;
    options.blockChips = 2;
    options.validationFraction = 0.25;
    options.testFraction = 0.25;
    const std::string path = outPath("flood.zarr");
    // The plan (what the dataset dialog shows before building) writes nothing and says what the
    // build then writes: chips and class pixels per split.
    const DatasetSummary planned = planChipDataset(*project, options);
    QVERIFY(!QFileInfo::exists(QString::fromStdString(path)) && !QFileInfo::exists(QString::fromStdString(path + ".partial")));
    const DatasetSummary summary = buildChipDataset(*project, path, options);
    QCOMPARE(planned.chips, summary.chips);
    QVERIFY(planned.chipsPerSplit == summary.chipsPerSplit);
    QVERIFY(planned.classPixels == summary.classPixels);
    QVERIFY(!planned.classPixels[0].empty());
    {
      auto built = ChipDataset::open(path);
      for (int split = 0; split < 3; ++split) {
        std::map<int, int64_t> counted;
        std::vector<uint8_t> mask(size_t(kChip) * kChip);
        for (int64_t chip : built->indices(DataSplit(split))) {
          built->readMask(chip, mask.data());
          for (uint8_t value : mask)
            if (value != built->ignoreValue()) ++counted[value];
        }
        QVERIFY2(counted == planned.classPixels[size_t(split)], dataSplitName(DataSplit(split)));
      }
    }
    // 3 validated sets x 8 x 8 chip cells, less the guard rings.
    QCOMPARE(summary.candidates, int64_t(3 * 64));
    QCOMPARE(summary.chips + summary.droppedAtSplitBorders, summary.candidates);
    QVERIFY(summary.chipsPerSplit[0] > 0 && summary.chipsPerSplit[1] + summary.chipsPerSplit[2] > 0);

    auto dataset = ChipDataset::open(path);
    QCOMPARE(dataset->size(), summary.chips);
    QCOMPARE(dataset->frames(), 1);
    QCOMPARE(dataset->scheme()->name, std::string("flood"));
    QVERIFY(dataset->bandMean()[3] > 0 && dataset->bandStd()[3] > 0);

    // Spot-check chips against the scene files and the truth they were labelled from.
    std::vector<int16_t> image(size_t(6) * kChip * kChip);
    std::vector<uint8_t> mask(size_t(kChip) * kChip);
    const std::string scenesJson = test::runProcess("/usr/bin/python3",
        {"-c", "import zarr,sys; print(zarr.open(sys.argv[1], 'r').attrs['scenes'])", QString::fromStdString(path)})
                                       .out.trimmed().toStdString();
    QVERIFY2(scenesJson.find(mScenes[0].id) != std::string::npos, scenesJson.c_str());
    for (int64_t chip : {int64_t(0), dataset->size() / 2, dataset->size() - 1}) {
      dataset->readImage(chip, image.data());
      dataset->readMask(chip, mask.data());
      const test::ProcessRun origin = test::runProcess("/usr/bin/python3",
          {"-c",
           "import zarr,sys,json; z=zarr.open(sys.argv[1],'r'); i=int(sys.argv[2]); "
           "s=z['scene'][i,0]; print(json.dumps([int(z['origin'][i,0]), int(z['origin'][i,1]), "
           "json.loads(z.attrs['scenes'])[s]]))",
           QString::fromStdString(path), QString::number(chip)});
      QVERIFY2(origin.code == 0, origin.err.constData());
      const QJsonArray where = QJsonDocument::fromJson(origin.out).array();
      const int x = where[0].toInt(), y = where[1].toInt();
      const std::string sceneId = where[2].toString().toStdString();
      const Scene& scene = *std::find_if(mScenes.begin(), mScenes.end(), [&](const Scene& s) { return s.id == sceneId; });
      const RasterBlock block =
          SceneReader(scene).read({x, y, kChip, kChip}, {std::begin(kPrithviBands), std::end(kPrithviBands)}, DataType::Int16);
      for (int b = 0; b < 6; ++b)
        QVERIFY(std::equal(image.begin() + b * kChip * kChip, image.begin() + (b + 1) * kChip * kChip, block.band<int16_t>(b)));
      for (int row = 0; row < kChip; ++row)
        for (int col = 0; col < kChip; ++col)
          QCOMPARE(mask[size_t(row) * kChip + col], mWater[size_t(y + row) * kSize + x + col]);
    }

    // python3-zarr reads the documented layout with the same values.
    const test::ProcessRun run = test::runProcess("/usr/bin/python3",
        {"-c",
         "import zarr,sys,json; z=zarr.open(sys.argv[1],'r'); "
         "print(json.dumps({'image': list(z['image'].shape), 'mask': list(z['mask'].shape), "
         "'split': list(z['split'].shape), 'location': list(z['location'].shape), "
         "'sum': int(z['image'][1].astype('int64').sum()), 'masksum': int(z['mask'][1].astype('int64').sum()), "
         "'year': int(z['year'][0,0]), 'doy': int(z['doy'][0,0]), 'task': z.attrs['task']}))",
         QString::fromStdString(path)});
    QVERIFY2(run.code == 0, run.err.constData());
    const QJsonObject shapes = QJsonDocument::fromJson(run.out).object();
    QCOMPARE(shapes["image"].toArray(), QJsonArray({double(dataset->size()), 6, 1, kChip, kChip}));
    QCOMPARE(shapes["mask"].toArray(), QJsonArray({double(dataset->size()), kChip, kChip}));
    QCOMPARE(shapes["task"].toString(), QString("flood"));
    dataset->readImage(1, image.data());
    dataset->readMask(1, mask.data());
    QCOMPARE(int64_t(shapes["sum"].toDouble()), std::accumulate(image.begin(), image.end(), int64_t(0)));
    QCOMPARE(int64_t(shapes["masksum"].toDouble()), std::accumulate(mask.begin(), mask.end(), int64_t(0)));
    QCOMPARE(shapes["year"].toInt(), dataset->dates(0)[0].first);
    QVERIFY(shapes["doy"].toInt() >= 1 && shapes["doy"].toInt() <= 366);
    const auto lonLat = dataset->location(0);
    QVERIFY(lonLat[0] > -108 && lonLat[0] < -104 && lonLat[1] > 29 && lonLat[1] < 30.5);  // T13REN
  }

  void neighbouringChipsNeverSitOnDifferentSides() {
    auto project = ProjectStore::open(mProjectPath);
    std::set<int> seen;
    for (uint64_t seed : {1, 2, 3, 4}) {
      DatasetBuildOptions options;
      options.task = "flood";
      options.chipSize = kChip;
      options.minLabelledFraction = 0;
      options.maxCloudFraction = 1.0;
      options.maxFillFraction = 1.0;
      options.blockChips = 2;
      options.validationFraction = 0.2;
      options.testFraction = 0.2;
      options.seed = seed;
      const std::string path = outPath(("guard" + std::to_string(seed) + ".zarr").c_str());
      buildChipDataset(*project, path, options);
      const test::ProcessRun run = test::runProcess("/usr/bin/python3",
          {"-c",
           "import zarr,sys,json; z=zarr.open(sys.argv[1],'r'); "
           "print(json.dumps([[int(z['origin'][i,0]), int(z['origin'][i,1]), int(z['split'][i])] for i in range(z['split'].shape[0])]))",
           QString::fromStdString(path)});
      QVERIFY2(run.code == 0, run.err.constData());
      std::map<std::pair<int, int>, int> splitAt;
      for (const QJsonValue& item : QJsonDocument::fromJson(run.out).array()) {
        const QJsonArray chip = item.toArray();
        const std::pair<int, int> cell{chip[0].toInt() / kChip, chip[1].toInt() / kChip};
        auto [it, added] = splitAt.emplace(cell, chip[2].toInt());
        QCOMPARE(it->second, chip[2].toInt());  // every date of a place shares its split
      }
      for (const auto& [cell, split] : splitAt) {
        seen.insert(split);
        for (int dy = -1; dy <= 1; ++dy)
          for (int dx = -1; dx <= 1; ++dx) {
            auto other = splitAt.find({cell.first + dx, cell.second + dy});
            if (other != splitAt.end())
              QVERIFY2(other->second == split,
                       qPrintable(QString("cells (%1,%2) and (%3,%4) are on different sides")
                                      .arg(cell.first).arg(cell.second).arg(other->first.first).arg(other->first.second)));
          }
      }
    }
    QVERIFY2(seen.size() >= 2, "the seeds put every chip on one side");
  }

  void samplesAreStratifiedAndMultiDate() {
    auto project = ProjectStore::open(mProjectPath);
    DatasetBuildOptions options;
    options.task = "flood";
    options.chipSize = kChip;
    options.frames = 3;
    options.minLabelledFraction = 0;
    options.maxCloudFraction = 1.0;
    options.maxFillFraction = 1.0;
    options.validationFraction = 0;
    options.testFraction = 0;
    options.maxChips = 20;
    const std::string path = outPath("strata.zarr");
    const DatasetSummary summary = buildChipDataset(*project, path, options);
    QCOMPARE(summary.chips, int64_t(20));
    auto dataset = ChipDataset::open(path);
    QCOMPARE(dataset->frames(), 3);
    const auto dates = dataset->dates(0);
    QVERIFY(dates[0] < dates[1] && dates[1] < dates[2]);
    // Water is a small share of the tile; stratifying by dominant class still gives it half.
    std::vector<uint8_t> mask(size_t(kChip) * kChip);
    int waterChips = 0;
    for (int64_t chip = 0; chip < dataset->size(); ++chip) {
      dataset->readMask(chip, mask.data());
      waterChips += std::count(mask.begin(), mask.end(), 1) > int64_t(mask.size() / 2);
    }
    int64_t waterCells = 0;
    for (int y = 0; y + kChip <= kSize; y += kChip)
      for (int x = 0; x + kChip <= kSize; x += kChip) {
        int64_t water = 0;
        for (int row = 0; row < kChip; ++row)
          for (int col = 0; col < kChip; ++col) water += mWater[size_t(y + row) * kSize + x + col];
        waterCells += water > kChip * kChip / 2;
      }
    if (waterCells * 3 >= 10) QCOMPARE(waterChips, 10);
    else QCOMPARE(waterChips, int(waterCells * 3));
  }

  void refusesWhenNothingIsValidated() {
    auto project = ProjectStore::open(mProjectPath);
    DatasetBuildOptions options;
    options.task = "burn_scars";
    try {
      buildChipDataset(*project, outPath("none.zarr"), options);
      QFAIL("expected an error");
    } catch (const Error& error) {
      QCOMPARE(error.kind(), ErrorKind::BadInput);
      QVERIFY2(QString(error.what()).contains("no validated label set of task 'burn_scars'"), error.what());
    }
    QVERIFY(!QFileInfo::exists(mDir.filePath("none.zarr")));
    options.task = "flood";
    options.states = {ReviewState::Draft};
    options.chipSize = kChip;
    options.minLabelledFraction = 0;
    options.maxCloudFraction = 1;
    options.maxFillFraction = 1;
    const DatasetSummary drafts = buildChipDataset(*project, outPath("drafts.zarr"), options);
    QCOMPARE(drafts.candidates, int64_t(64));  // the one draft set, when asked for
  }
};

QTEST_GUILESS_MAIN(TestDataset)
#include "test_dataset.moc"
