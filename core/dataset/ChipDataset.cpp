#include "core/dataset/ChipDataset.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

#include "core/base/AtomicFile.h"
#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/base/NumberText.h"
#include "core/hls/Hls.h"
#include "core/project/ProjectStore.h"
#include "core/raster/Crs.h"
#include "core/raster/GdalErrors.h"
#include "core/raster/ZarrStore.h"
#include "core/scene/SceneReader.h"

namespace prithvi {

namespace {

constexpr int kDatasetVersion = 1;
constexpr int kBands = 6;

// One place and time chips are cut from: a label set's scene with its companion dates, or (for
// pretraining) a run of consecutive dates of a tile.
struct Source {
  int64_t labelSetId = 0;  // 0 when unlabelled
  std::vector<const Scene*> frames;  // by date
  const Scene* anchor = nullptr;     // the labelled scene (the first frame when unlabelled)
};

struct Candidate {
  size_t source = 0;
  int x = 0, y = 0;
  double cloud = 0;
  int dominant = -1;
  std::vector<std::pair<uint8_t, int32_t>> classPixels;  // labelled pixels per class value
  int64_t cellX = 0, cellY = 0;
  DataSplit split = DataSplit::Train;
  int stratum = 0;
};

// A cloud shape for cloud-gap datasets: a chip window of a scene's Fmask cloud bit.
struct CloudShape {
  const Scene* scene;
  int x, y;
  float fraction;
};

// What a build writes, decided before anything is written: the chips of each split with their
// class pixels (what the dataset dialog shows before building), and the cloud shapes.
struct DatasetPlan {
  std::vector<Scene> scenes;  // the project's (Sources and CloudShapes point into it)
  std::optional<ClassScheme> scheme;
  std::vector<Source> sources;
  std::vector<Candidate> chips;
  std::vector<CloudShape> shapes;
  DatasetSummary summary;
};

uint64_t splitmix(uint64_t value) {
  value += 0x9E3779B97F4A7C15ull;
  value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9ull;
  value = (value ^ (value >> 27)) * 0x94D049BB133111EBull;
  return value ^ (value >> 31);
}

DataSplit splitOfBlock(int64_t blockX, int64_t blockY, const DatasetBuildOptions& options) {
  const uint64_t hash = splitmix(options.seed ^ splitmix(uint64_t(blockX) * 0x1F1F1F1Full ^ uint64_t(blockY)));
  const double u = double(hash >> 11) / double(1ull << 53);
  if (u < options.testFraction) return DataSplit::Test;
  if (u < options.testFraction + options.validationFraction) return DataSplit::Validation;
  return DataSplit::Train;
}

bool sameGrid(const Scene& a, const Scene& b) { return gridDifference(a.grid(), b.grid()).empty(); }

double cloudRank(const Scene& scene) { return scene.cloudCoverPercent.value_or(100.0); }

bool sameClasses(const ClassScheme& a, const ClassScheme& b) {
  if (a.ignoreValue != b.ignoreValue || a.classes.size() != b.classes.size()) return false;
  for (size_t i = 0; i < a.classes.size(); ++i)
    if (a.classes[i].value != b.classes[i].value) return false;
  return true;
}

std::string jsonText(const QJsonValue& value) {
  return value.isArray() ? QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact).toStdString()
                         : QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact).toStdString();
}

std::shared_ptr<GDALMDArray> createArray(GDALGroup& root, const std::string& name,
                                         const std::vector<std::shared_ptr<GDALDimension>>& dims, GDALDataType type,
                                         const std::string& blockSize) {
  const std::string block = "BLOCKSIZE=" + blockSize;
  const char* options[] = {block.c_str(), "COMPRESS=ZLIB", nullptr};
  auto array = root.CreateMDArray(name, dims, GDALExtendedDataType::Create(type), options);
  if (!array) throwIo("cannot create the dataset array " + name);
  return array;
}

template <typename T>
void writeWhole(GDALMDArray& array, GDALDataType type, const std::vector<T>& values) {
  std::vector<GUInt64> start(array.GetDimensionCount(), 0);
  std::vector<size_t> count;
  for (const auto& dim : array.GetDimensions()) count.push_back(size_t(dim->GetSize()));
  if (!values.empty() &&
      !array.Write(start.data(), count.data(), nullptr, nullptr, GDALExtendedDataType::Create(type), values.data()))
    throwWriteFailure(array.GetFullName(), 0, "the dataset array could not be written");
}

// Label sets of the task, each with its scene and companion frames; unusable ones are reported.
std::vector<Source> labelledSources(ProjectStore& project, LabelStore& labels, const std::vector<Scene>& scenes,
                                    const DatasetBuildOptions& options, std::optional<ClassScheme>& scheme,
                                    DatasetSummary& summary) {
  std::vector<Source> sources;
  for (ReviewState state : options.states) {
    LabelSetFilter filter;
    filter.tile = options.tile;
    filter.year = options.year;
    filter.state = state;
    for (const LabelSet& set : labels.labelSets(filter)) {
      const ClassScheme setScheme = labels.scheme(set.scheme);
      if (setScheme.task != options.task) continue;
      const std::string name = "label set " + std::to_string(set.id);
      if (scheme && !sameClasses(*scheme, setScheme)) {
        summary.skipped.push_back(name + ": its scheme '" + setScheme.name + "' has other classes than '" +
                                  scheme->name + "'");
        continue;
      }
      auto anchor = std::find_if(scenes.begin(), scenes.end(), [&](const Scene& s) { return s.id == set.sceneId; });
      if (anchor == scenes.end() || !anchor->hasPrithviBands()) {
        summary.skipped.push_back(name + ": scene " + set.sceneId + " lacks the six Prithvi bands");
        continue;
      }
      Source source{set.id, {&*anchor}, &*anchor};
      if (options.frames > 1) {
        std::vector<const Scene*> companions;
        for (const Scene& other : scenes)
          if (&other != &*anchor && other.tile == anchor->tile && sameGrid(other, *anchor) && other.hasPrithviBands() &&
              other.acquired.isValid() && anchor->acquired.isValid() &&
              std::abs(other.acquired.daysTo(anchor->acquired)) <= options.companionDays)
            companions.push_back(&other);
        std::stable_sort(companions.begin(), companions.end(),
                         [](const Scene* a, const Scene* b) { return cloudRank(*a) < cloudRank(*b); });
        if (int(companions.size()) < options.frames - 1) {
          summary.skipped.push_back(name + ": only " + std::to_string(companions.size()) + " other dates of tile " +
                                    anchor->tile + " within " + std::to_string(options.companionDays) +
                                    " days, " + std::to_string(options.frames - 1) + " needed");
          continue;
        }
        companions.resize(size_t(options.frames - 1));
        source.frames.insert(source.frames.end(), companions.begin(), companions.end());
        std::sort(source.frames.begin(), source.frames.end(),
                  [](const Scene* a, const Scene* b) { return a->acquired < b->acquired; });
      }
      if (!scheme) scheme = setScheme;
      sources.push_back(std::move(source));
    }
  }
  (void)project;
  return sources;
}

// Runs of `frames` consecutive dates per tile, for pretraining.
std::vector<Source> unlabelledSources(const std::vector<Scene>& scenes, const DatasetBuildOptions& options) {
  std::map<std::string, std::vector<const Scene*>> byTile;
  for (const Scene& scene : scenes)
    if (scene.hasPrithviBands() && scene.acquired.isValid()) byTile[scene.tile].push_back(&scene);
  std::vector<Source> sources;
  for (auto& [tile, list] : byTile) {
    std::sort(list.begin(), list.end(), [](const Scene* a, const Scene* b) { return a->acquired < b->acquired; });
    for (size_t i = 0; i + size_t(options.frames) <= list.size(); i += size_t(options.frames)) {
      Source source{0, {list.begin() + long(i), list.begin() + long(i) + options.frames}, list[i]};
      if (std::all_of(source.frames.begin(), source.frames.end(),
                      [&](const Scene* s) { return sameGrid(*s, *source.anchor); }))
        sources.push_back(std::move(source));
    }
  }
  return sources;
}

void validate(const DatasetBuildOptions& options) {
  if (options.task.empty()) throwUsage("choose a task: flood, burn_scars, crop, cloud, land_cover, pretrain or cloud_gap");
  if (options.chipSize < 16 || options.chipSize > 2048) throwUsage("chip size must be 16..2048 pixels");
  if (options.stride < 0) throwUsage("the stride must be positive");
  if (options.frames < 1 || options.frames > 16) throwUsage("frames must be 1..16");
  if (options.blockChips < 1) throwUsage("split blocks hold at least one chip");
  if (options.validationFraction < 0 || options.testFraction < 0 ||
      options.validationFraction + options.testFraction >= 1)
    throwUsage("validation and test fractions must be >= 0 and leave room for training");
  if (options.stratifyBy != "class" && options.stratifyBy != "cloud" && options.stratifyBy != "none")
    throwUsage("stratify by class, cloud or none");
}

}  // namespace

const char* dataSplitName(DataSplit split) {
  static const char* names[] = {"train", "val", "test"};
  return names[int(split)];
}

namespace {

// Candidate chips of every source with their labelled share, dominant class and cloud.
std::vector<Candidate> chooseCandidates(DatasetPlan& plan, LabelStore& labels, const DatasetBuildOptions& options,
                                        Feedback* feedback) {
  const int size = options.chipSize;
  const int stride = options.stride > 0 ? options.stride : size;
  std::vector<Candidate> candidates;
  for (size_t s = 0; s < plan.sources.size(); ++s) {
    throwIfCanceled(feedback);
    reportProgress(feedback, int64_t(s), int64_t(plan.sources.size()) * 2, "choosing chips");
    const Source& source = plan.sources[s];
    const Scene& anchor = *source.anchor;
    std::vector<uint8_t> raster;
    if (source.labelSetId) raster = labels.rasterize(source.labelSetId, {0, 0, anchor.width, anchor.height});
    std::vector<std::vector<uint8_t>> fmasks;
    for (const Scene* frame : source.frames)
      if (frame->band(BandRole::Fmask)) {
        RasterBlock block = SceneReader(*frame).read({0, 0, frame->width, frame->height}, {BandRole::Fmask}, DataType::Byte);
        fmasks.emplace_back(block.band<uint8_t>(0), block.band<uint8_t>(0) + size_t(frame->width) * frame->height);
      }
    const double cellMeters = stride * std::abs(anchor.geoTransform.pixelWidth());
    for (int y = 0; y + size <= anchor.height; y += stride)
      for (int x = 0; x + size <= anchor.width; x += stride) {
        Candidate candidate;
        candidate.source = s;
        candidate.x = x;
        candidate.y = y;
        if (!raster.empty()) {
          std::array<int64_t, 256> counts{};
          for (int row = y; row < y + size; ++row)
            for (int col = x; col < x + size; ++col) ++counts[raster[size_t(row) * anchor.width + col]];
          const int64_t unlabelled = counts[size_t(plan.scheme->ignoreValue)];
          if (double(int64_t(size) * size - unlabelled) < options.minLabelledFraction * size * size) continue;
          counts[size_t(plan.scheme->ignoreValue)] = 0;
          candidate.dominant = int(std::max_element(counts.begin(), counts.end()) - counts.begin());
          for (size_t value = 0; value < counts.size(); ++value)
            if (counts[value]) candidate.classPixels.emplace_back(uint8_t(value), int32_t(counts[value]));
        }
        int64_t cloudy = 0, fill = 0;
        for (const std::vector<uint8_t>& fmask : fmasks)
          for (int row = y; row < y + size; ++row)
            for (int col = x; col < x + size; ++col) {
              const uint8_t value = fmask[size_t(row) * anchor.width + col];
              if (value == kFmaskFill) {
                ++fill;
                continue;
              }
              const FmaskFlags flags = decodeFmask(value);
              cloudy += flags.cloud || flags.shadow;
            }
        const double pixelFrames = double(size) * size * std::max<size_t>(1, fmasks.size());
        candidate.cloud = double(cloudy) / pixelFrames;
        if (candidate.cloud > options.maxCloudFraction || double(fill) / pixelFrames > options.maxFillFraction) continue;
        const MapPoint centre = anchor.geoTransform.pixelToMap(x + size / 2.0, y + size / 2.0);
        candidate.cellX = int64_t(std::floor(centre.x / cellMeters));
        candidate.cellY = int64_t(std::floor(centre.y / cellMeters));
        const auto floorDiv = [&](int64_t value) {
          return value >= 0 ? value / options.blockChips : -((-value + options.blockChips - 1) / options.blockChips);
        };
        candidate.split = splitOfBlock(floorDiv(candidate.cellX), floorDiv(candidate.cellY), options);
        candidates.push_back(std::move(candidate));
      }
  }
  return candidates;
}

// Guard rings: a chip next to a chip of a rarer split is dropped (train gives way to validation
// and test, validation to test), so evaluation keeps its chips.
std::vector<Candidate> dropAtSplitBorders(std::vector<Candidate> candidates, DatasetSummary& summary) {
  std::map<std::pair<int64_t, int64_t>, std::set<DataSplit>> splitsAt;
  for (const Candidate& candidate : candidates) splitsAt[{candidate.cellX, candidate.cellY}].insert(candidate.split);
  std::vector<Candidate> kept;
  for (Candidate& candidate : candidates) {
    bool touchesRarer = false;
    for (int64_t dy = -1; dy <= 1 && !touchesRarer; ++dy)
      for (int64_t dx = -1; dx <= 1 && !touchesRarer; ++dx) {
        auto found = splitsAt.find({candidate.cellX + dx, candidate.cellY + dy});
        if (found == splitsAt.end()) continue;
        for (DataSplit split : found->second) touchesRarer |= int(split) > int(candidate.split);
      }
    if (touchesRarer)
      ++summary.droppedAtSplitBorders;
    else
      kept.push_back(std::move(candidate));
  }
  return kept;
}

// A stratified sample: equal shares per stratum, what a stratum lacks goes to the others.
std::vector<Candidate> stratifiedSample(std::vector<Candidate> kept, const DatasetBuildOptions& options) {
  if (options.maxChips <= 0 || int64_t(kept.size()) <= options.maxChips) return kept;
  std::map<int, std::vector<Candidate>> strata;
  for (Candidate& candidate : kept) {
    candidate.stratum = options.stratifyBy == "class" && candidate.dominant >= 0 ? candidate.dominant
                        : options.stratifyBy == "cloud" ? int(std::min(3.0, candidate.cloud * 10))
                                                        : 0;
    strata[candidate.stratum].push_back(candidate);
  }
  std::mt19937_64 random(options.seed);
  for (auto& [key, members] : strata) std::shuffle(members.begin(), members.end(), random);
  std::vector<Candidate> sample;
  std::map<int, size_t> taken;
  while (int64_t(sample.size()) < options.maxChips) {
    bool any = false;
    for (auto& [key, members] : strata) {
      if (taken[key] >= members.size() || int64_t(sample.size()) >= options.maxChips) continue;
      sample.push_back(members[taken[key]++]);
      any = true;
    }
    if (!any) break;
  }
  std::sort(sample.begin(), sample.end(), [](const Candidate& a, const Candidate& b) {
    return std::tie(a.source, a.y, a.x) < std::tie(b.source, b.y, b.x);
  });
  return sample;
}

// Cloud-gap datasets: a pool of real cloud shapes (Fmask cloud bit) from every chip window of the
// project's scenes that is between 1 % and 100 % cloudy and has no fill; at most 1024, spread
// over the cloud fractions by a seeded shuffle.
std::vector<CloudShape> cloudShapes(const std::vector<Scene>& scenes, const DatasetBuildOptions& options, Feedback* feedback) {
  const int size = options.chipSize;
  std::vector<CloudShape> shapes;
  for (const Scene& scene : scenes) {
    throwIfCanceled(feedback);
    if (!scene.band(BandRole::Fmask)) continue;
    const RasterBlock block = SceneReader(scene).read({0, 0, scene.width, scene.height}, {BandRole::Fmask}, DataType::Byte);
    const uint8_t* fmask = block.band<uint8_t>(0);
    for (int y = 0; y + size <= scene.height; y += size)
      for (int x = 0; x + size <= scene.width; x += size) {
        int64_t cloudy = 0;
        bool fill = false;
        for (int row = y; row < y + size && !fill; ++row)
          for (int col = x; col < x + size; ++col) {
            const uint8_t value = fmask[size_t(row) * scene.width + col];
            fill |= value == kFmaskFill;
            cloudy += decodeFmask(value).cloud;
          }
        const double fraction = double(cloudy) / (double(size) * size);
        if (!fill && fraction >= 0.01) shapes.push_back({&scene, x, y, float(fraction)});
      }
  }
  if (shapes.empty())
    throwBadInput("no cloudy chip window in the project to take cloud shapes from: import dates with clouds (Fmask)");
  std::mt19937_64 random(options.seed ^ 0xC10Dull);
  std::shuffle(shapes.begin(), shapes.end(), random);
  if (shapes.size() > 1024) shapes.resize(1024);
  return shapes;
}

// Everything a build decides before writing. Error(BadInput) when nothing qualifies.
std::unique_ptr<DatasetPlan> makePlan(ProjectStore& project, LabelStore& labels, const DatasetBuildOptions& options,
                                      Feedback* feedback) {
  validate(options);
  const bool cloudGap = options.task == "cloud_gap";
  const bool pretraining = options.task == "pretrain" || cloudGap;
  auto plan = std::make_unique<DatasetPlan>();
  DatasetSummary& summary = plan->summary;
  SceneFilter filter;
  filter.tile = options.tile;
  plan->scenes = project.scenes(filter);
  plan->sources = pretraining ? unlabelledSources(plan->scenes, options)
                              : labelledSources(project, labels, plan->scenes, options, plan->scheme, summary);
  if (plan->sources.empty()) {
    std::string reasons;
    for (const std::string& reason : summary.skipped) reasons += "\n  " + reason;
    throwBadInput(pretraining ? "no run of " + std::to_string(options.frames) + " dates with the six Prithvi bands"
                              : "no " + std::string(options.states.size() == 1 ? reviewStateName(options.states[0]) : "usable") +
                                    " label set of task '" + options.task + "'" +
                                    (options.tile.empty() ? "" : " on tile " + options.tile) +
                                    (options.year ? " in " + std::to_string(options.year) : std::string()) +
                                    " (validate label sets first, or pass other states)" + reasons);
  }
  std::vector<Candidate> candidates = chooseCandidates(*plan, labels, options, feedback);
  summary.candidates = int64_t(candidates.size());
  plan->chips = stratifiedSample(dropAtSplitBorders(std::move(candidates), summary), options);
  if (plan->chips.empty())
    throwBadInput("no chip qualifies: " + std::to_string(summary.candidates) + " candidates, none with at least " +
                  std::to_string(int(options.minLabelledFraction * 100)) + " % labelled pixels, at most " +
                  std::to_string(int(options.maxCloudFraction * 100)) + " % cloud and no fill away from split borders");
  for (const Candidate& chip : plan->chips) {
    ++summary.chipsPerSplit[size_t(chip.split)];
    for (const auto& [value, pixels] : chip.classPixels) summary.classPixels[size_t(chip.split)][value] += pixels;
  }
  summary.chips = int64_t(plan->chips.size());
  if (cloudGap) plan->shapes = cloudShapes(plan->scenes, options, feedback);
  return plan;
}

}  // namespace

void applyDatasetPreset(const std::string& presetJson, DatasetBuildOptions& options) {
  const QJsonObject dataset = QJsonDocument::fromJson(QByteArray::fromStdString(presetJson)).object().value("dataset").toObject();
  auto take = [&](const char* key, auto& target) {
    using T = std::remove_reference_t<decltype(target)>;
    if (!dataset.contains(key)) return;
    if (!dataset.value(key).isDouble()) throwBadInput(std::string("task preset field '") + key + "' must be a number");
    const double number = dataset.value(key).toDouble();
    // A number outside the integer's range does not convert (undefined behaviour).
    if constexpr (std::is_integral_v<T>)
      if (!fitsInteger<T>(number))
        throwBadInput(std::string("task preset field '") + key + "' is out of range");
    target = T(number);
  };
  take("chip_size", options.chipSize);
  take("stride", options.stride);
  take("frames", options.frames);
  take("min_labelled", options.minLabelledFraction);
  take("max_cloud", options.maxCloudFraction);
  take("block_chips", options.blockChips);
  take("validation", options.validationFraction);
  take("test", options.testFraction);
}

DatasetSummary planChipDataset(ProjectStore& project, const DatasetBuildOptions& options, Feedback* feedback) {
  LabelStore labels(project);
  return makePlan(project, labels, options, feedback)->summary;
}

DatasetSummary buildChipDataset(ProjectStore& project, const std::string& outPath, const DatasetBuildOptions& options,
                                Feedback* feedback) {
  LabelStore labels(project);
  const std::unique_ptr<DatasetPlan> plan = makePlan(project, labels, options, feedback);
  DatasetSummary summary = plan->summary;
  const std::vector<Source>& sources = plan->sources;
  const std::vector<Candidate>& kept = plan->chips;
  const std::optional<ClassScheme>& scheme = plan->scheme;
  const std::vector<CloudShape>& shapes = plan->shapes;
  const bool cloudGap = options.task == "cloud_gap";
  const bool pretraining = options.task == "pretrain" || cloudGap;
  const int size = options.chipSize;

  // 5. Write the store.
  const int64_t count = int64_t(kept.size());
  const int frames = options.frames;
  const std::string partial = outPath + ".partial";
  try {
    zarr::DatasetPtr dataset = zarr::create(partial);
    GdalErrorCapture errors;
    auto root = dataset->GetRootGroup();
    auto chipDim = root->CreateDimension("chip", "", "", GUInt64(count));
    auto bandDim = root->CreateDimension("band", "", "", kBands);
    auto timeDim = root->CreateDimension("time", "TEMPORAL", "", GUInt64(frames));
    auto yDim = root->CreateDimension("y", "HORIZONTAL_Y", "", GUInt64(size));
    auto xDim = root->CreateDimension("x", "HORIZONTAL_X", "", GUInt64(size));
    auto xyDim = root->CreateDimension("xy", "", "", 2);
    const std::string s = std::to_string(size), t = std::to_string(frames), n = std::to_string(std::min<int64_t>(count, 4096));
    auto image = createArray(*root, "image", {chipDim, bandDim, timeDim, yDim, xDim}, GDT_Int16,
                             "1,6," + t + "," + s + "," + s);
    image->SetNoDataValue(double(kHlsFill));
    std::shared_ptr<GDALMDArray> mask;
    if (!pretraining) {
      mask = createArray(*root, "mask", {chipDim, yDim, xDim}, GDT_Byte, "1," + s + "," + s);
      mask->SetNoDataValue(double(scheme->ignoreValue));
    }
    std::vector<uint8_t> splitValues;
    std::vector<int16_t> years, doys;
    std::vector<int32_t> sceneIndex, origins;
    std::vector<double> locations;
    std::vector<float> clouds;
    std::vector<std::string> sceneIds, labelSetIds;
    std::map<std::string, int> sceneNumber;
    std::array<double, kBands> sum{}, sumSquares{};
    std::array<int64_t, kBands> valid{};

    std::map<std::string, std::unique_ptr<SceneReader>> readers;
    std::vector<int16_t> chipImage(size_t(kBands) * frames * size * size);
    std::vector<uint8_t> chipMask(size_t(size) * size);
    std::vector<uint8_t> raster;
    size_t rasterSource = SIZE_MAX;
    std::set<int64_t> setsUsed;
    for (int64_t i = 0; i < count; ++i) {
      if (i % 16 == 0) {
        throwIfCanceled(feedback);
        reportProgress(feedback, count + i, count * 2, "writing chip " + std::to_string(i + 1) + " of " + std::to_string(count));
      }
      const Candidate& chip = kept[size_t(i)];
      const Source& source = sources[chip.source];
      const Scene& anchor = *source.anchor;
      const Window window{chip.x, chip.y, size, size};
      for (int f = 0; f < frames; ++f) {
        const Scene& frame = *source.frames[size_t(f)];
        auto& reader = readers[frame.id];
        if (!reader) reader = std::make_unique<SceneReader>(frame);
        const RasterBlock block =
            reader->read(window, {std::begin(kPrithviBands), std::end(kPrithviBands)}, DataType::Int16);
        for (int b = 0; b < kBands; ++b)
          std::copy_n(block.band<int16_t>(b), size_t(size) * size,
                      chipImage.data() + (size_t(b) * frames + f) * size * size);
        auto [it, added] = sceneNumber.try_emplace(frame.id, int(sceneIds.size()));
        if (added) sceneIds.push_back(frame.id);
        sceneIndex.push_back(it->second);
        const QDate date = frame.acquired.toUTC().date();
        years.push_back(int16_t(date.isValid() ? date.year() : 0));
        doys.push_back(int16_t(date.isValid() ? date.dayOfYear() : 0));
      }
      const GUInt64 imageStart[] = {GUInt64(i), 0, 0, 0, 0};
      const size_t imageCount[] = {1, kBands, size_t(frames), size_t(size), size_t(size)};
      if (!image->Write(imageStart, imageCount, nullptr, nullptr, GDALExtendedDataType::Create(GDT_Int16),
                        chipImage.data()))
        throwWriteFailure(outPath, 0, "chip " + std::to_string(i) + ": " + errors.message());
      if (mask) {
        if (rasterSource != chip.source) {
          raster = labels.rasterize(source.labelSetId, {0, 0, anchor.width, anchor.height});
          rasterSource = chip.source;
          setsUsed.insert(source.labelSetId);
        }
        for (int row = 0; row < size; ++row)
          std::copy_n(raster.data() + size_t(chip.y + row) * anchor.width + chip.x, size,
                      chipMask.data() + size_t(row) * size);
        const GUInt64 maskStart[] = {GUInt64(i), 0, 0};
        const size_t maskCount[] = {1, size_t(size), size_t(size)};
        if (!mask->Write(maskStart, maskCount, nullptr, nullptr, GDALExtendedDataType::Create(GDT_Byte), chipMask.data()))
          throwIo("cannot write the mask of chip " + std::to_string(i) + ": " + errors.message());
      }
      if (chip.split == DataSplit::Train)
        for (int b = 0; b < kBands; ++b)
          for (size_t p = 0; p < size_t(frames) * size * size; ++p) {
            const int16_t value = chipImage[size_t(b) * frames * size * size + p];
            if (value == kHlsFill) continue;
            sum[size_t(b)] += value;
            sumSquares[size_t(b)] += double(value) * value;
            ++valid[size_t(b)];
          }
      splitValues.push_back(uint8_t(chip.split));
      origins.push_back(chip.x);
      origins.push_back(chip.y);
      const MapPoint centre = anchor.geoTransform.pixelToMap(chip.x + size / 2.0, chip.y + size / 2.0);
      std::optional<LonLat> lonLat = LonLatTransform(anchor.crsWkt).toLonLat(centre);
      locations.push_back(lonLat ? lonLat->lon : std::nan(""));
      locations.push_back(lonLat ? lonLat->lat : std::nan(""));
      clouds.push_back(float(chip.cloud));
    }
    for (int b = 0; b < kBands; ++b) {
      const double mean = valid[size_t(b)] ? sum[size_t(b)] / double(valid[size_t(b)]) : 0;
      summary.bandMean[size_t(b)] = mean;
      summary.bandStd[size_t(b)] =
          valid[size_t(b)] ? std::sqrt(std::max(0.0, sumSquares[size_t(b)] / double(valid[size_t(b)]) - mean * mean)) : 0;
    }

    if (cloudGap) {
      auto shapeDim = root->CreateDimension("cloud_shape", "", "", GUInt64(shapes.size()));
      auto cloudMasks = createArray(*root, "cloud_masks", {shapeDim, yDim, xDim}, GDT_Byte, "1," + s + "," + s);
      std::vector<float> fractions;
      std::vector<uint8_t> shape(size_t(size) * size);
      for (size_t m = 0; m < shapes.size(); ++m) {
        const RasterBlock block = SceneReader(*shapes[m].scene).read({shapes[m].x, shapes[m].y, size, size}, {BandRole::Fmask},
                                                                     DataType::Byte);
        for (size_t p = 0; p < shape.size(); ++p) shape[p] = decodeFmask(block.band<uint8_t>(0)[p]).cloud ? 1 : 0;
        const GUInt64 start[] = {GUInt64(m), 0, 0};
        const size_t count[] = {1, size_t(size), size_t(size)};
        if (!cloudMasks->Write(start, count, nullptr, nullptr, GDALExtendedDataType::Create(GDT_Byte), shape.data()))
          throwIo("cannot write cloud shape " + std::to_string(m) + ": " + errors.message());
        fractions.push_back(shapes[m].fraction);
      }
      auto fractionArray = createArray(*root, "cloud_mask_fraction", {shapeDim}, GDT_Float32, std::to_string(shapes.size()));
      writeWhole(*fractionArray, GDT_Float32, fractions);
    }
    auto split = createArray(*root, "split", {chipDim}, GDT_Byte, n);
    auto year = createArray(*root, "year", {chipDim, timeDim}, GDT_Int16, n + "," + t);
    auto doy = createArray(*root, "doy", {chipDim, timeDim}, GDT_Int16, n + "," + t);
    auto sceneArray = createArray(*root, "scene", {chipDim, timeDim}, GDT_Int32, n + "," + t);
    auto origin = createArray(*root, "origin", {chipDim, xyDim}, GDT_Int32, n + ",2");
    auto location = createArray(*root, "location", {chipDim, xyDim}, GDT_Float64, n + ",2");
    auto cloud = createArray(*root, "cloud", {chipDim}, GDT_Float32, n);
    writeWhole(*split, GDT_Byte, splitValues);
    writeWhole(*year, GDT_Int16, years);
    writeWhole(*doy, GDT_Int16, doys);
    writeWhole(*sceneArray, GDT_Int32, sceneIndex);
    writeWhole(*origin, GDT_Int32, origins);
    writeWhole(*location, GDT_Float64, locations);
    writeWhole(*cloud, GDT_Float32, clouds);

    QJsonArray bands, means, stds, splitChips;
    for (BandRole role : kPrithviBands) bands.append(bandRoleName(role));
    for (int b = 0; b < kBands; ++b) {
      means.append(summary.bandMean[size_t(b)]);
      stds.append(summary.bandStd[size_t(b)]);
    }
    QJsonObject classPixels;
    for (int sIndex = 0; sIndex < 3; ++sIndex) {
      QJsonObject perClass;
      for (const auto& [value, pixels] : summary.classPixels[size_t(sIndex)])
        perClass.insert(QString::number(value), double(pixels));
      classPixels.insert(dataSplitName(DataSplit(sIndex)), perClass);
      splitChips.append(double(summary.chipsPerSplit[size_t(sIndex)]));
    }
    for (int64_t id : setsUsed) labelSetIds.push_back(std::to_string(id));
    zarr::writeString(*root, "prithvi_dataset_version", std::to_string(kDatasetVersion));
    zarr::writeString(*root, "task", options.task);
    zarr::writeString(*root, "chip_size", std::to_string(size));
    zarr::writeString(*root, "frames", std::to_string(frames));
    zarr::writeString(*root, "bands", jsonText(bands));
    zarr::writeString(*root, "scheme", scheme ? scheme->toJson() : std::string());
    zarr::writeString(*root, "ignore_value", scheme ? std::to_string(scheme->ignoreValue) : std::string());
    zarr::writeString(*root, "scenes", zarr::jsonList(sceneIds));
    zarr::writeString(*root, "label_sets", zarr::jsonList(labelSetIds));
    zarr::writeString(*root, "band_mean", jsonText(means));
    zarr::writeString(*root, "band_std", jsonText(stds));
    zarr::writeString(*root, "class_pixels", jsonText(classPixels));
    zarr::writeString(*root, "split_chips", jsonText(splitChips));
    zarr::writeString(*root, "seed", std::to_string(options.seed));
    zarr::writeString(*root, "block_chips", std::to_string(options.blockChips));
    image.reset();
    mask.reset();
    root.reset();
    dataset.reset();  // flushes
    if (!errors.errors().empty()) throwIo("writing the dataset failed: " + errors.message());
  } catch (...) {
    zarr::removeTree(partial);
    throw;
  }
  zarr::publish(partial, outPath);
  summary.chips = count;
  reportProgress(feedback, count * 2, count * 2, "dataset written");
  return summary;
}

// ---------------------------------------------------------------------------------------------

struct ChipDataset::Impl {
  zarr::DatasetPtr dataset;
  std::shared_ptr<GDALMDArray> image, mask, year, doy, location, cloudMasks;
  int64_t cloudMaskCount = 0;
  std::string path, task;
  int64_t size = 0;
  int chipSize = 0, frames = 0, ignoreValue = -1;
  std::optional<ClassScheme> scheme;
  std::array<double, 6> mean{}, std{};
  std::vector<DataSplit> splits;
  QJsonObject classPixels;
  std::vector<std::string> sceneIds;
};

ChipDataset::ChipDataset() : mImpl(std::make_unique<Impl>()) {}
ChipDataset::~ChipDataset() = default;

std::unique_ptr<ChipDataset> ChipDataset::open(const std::string& path) {
  std::unique_ptr<ChipDataset> result(new ChipDataset());
  Impl& impl = *result->mImpl;
  impl.path = path;
  impl.dataset = zarr::open(path, "training dataset");
  auto root = impl.dataset->GetRootGroup();
  if (!root || zarr::readString(*root, "prithvi_dataset_version") != std::to_string(kDatasetVersion))
    throwBadInput(path + " is not a training dataset written by this program (build one with 'prithvi dataset build')");
  impl.task = zarr::readString(*root, "task");
  impl.chipSize = std::atoi(zarr::readString(*root, "chip_size").c_str());
  impl.frames = std::atoi(zarr::readString(*root, "frames").c_str());
  const std::string schemeJson = zarr::readString(*root, "scheme");
  if (!schemeJson.empty()) {
    impl.scheme = ClassScheme::fromJson(schemeJson);
    impl.ignoreValue = impl.scheme->ignoreValue;
  }
  const QJsonArray means = QJsonDocument::fromJson(QByteArray::fromStdString(zarr::readString(*root, "band_mean"))).array();
  const QJsonArray stds = QJsonDocument::fromJson(QByteArray::fromStdString(zarr::readString(*root, "band_std"))).array();
  for (int b = 0; b < kBands; ++b) {
    impl.mean[size_t(b)] = means.at(b).toDouble();
    impl.std[size_t(b)] = stds.at(b).toDouble();
  }
  impl.classPixels = QJsonDocument::fromJson(QByteArray::fromStdString(zarr::readString(*root, "class_pixels"))).object();
  for (const QJsonValue& id : QJsonDocument::fromJson(QByteArray::fromStdString(zarr::readString(*root, "scenes"))).array())
    impl.sceneIds.push_back(id.toString().toStdString());
  impl.image = root->OpenMDArray("image");
  impl.mask = root->OpenMDArray("mask");
  impl.year = root->OpenMDArray("year");
  impl.doy = root->OpenMDArray("doy");
  impl.location = root->OpenMDArray("location");
  impl.cloudMasks = root->OpenMDArray("cloud_masks");
  if (impl.cloudMasks) impl.cloudMaskCount = int64_t(impl.cloudMasks->GetDimensions()[0]->GetSize());
  auto split = root->OpenMDArray("split");
  if (!impl.image || !split || !impl.year || !impl.doy || !impl.location || impl.image->GetDimensionCount() != 5 ||
      (impl.scheme && !impl.mask))
    throwBadInput(path + " lacks arrays of a training dataset: rebuild it");
  const auto& dims = impl.image->GetDimensions();
  impl.size = int64_t(dims[0]->GetSize());
  if (dims[1]->GetSize() != kBands || int(dims[2]->GetSize()) != impl.frames || int(dims[3]->GetSize()) != impl.chipSize)
    throwBadInput(path + " has an image array of unexpected shape: rebuild it");
  std::vector<uint8_t> splits(size_t(impl.size));
  const GUInt64 start[] = {0};
  const size_t count[] = {size_t(impl.size)};
  if (impl.size && !split->Read(start, count, nullptr, nullptr, GDALExtendedDataType::Create(GDT_Byte), splits.data()))
    throwBadInput("cannot read the splits of " + path);
  for (uint8_t value : splits) impl.splits.push_back(DataSplit(std::min<uint8_t>(value, 2)));
  return result;
}

const std::string& ChipDataset::path() const { return mImpl->path; }
const std::vector<std::string>& ChipDataset::sceneIds() const { return mImpl->sceneIds; }
const std::string& ChipDataset::task() const { return mImpl->task; }
int64_t ChipDataset::size() const { return mImpl->size; }
int ChipDataset::chipSize() const { return mImpl->chipSize; }
int ChipDataset::frames() const { return mImpl->frames; }
bool ChipDataset::hasMask() const { return bool(mImpl->mask); }
const std::optional<ClassScheme>& ChipDataset::scheme() const { return mImpl->scheme; }
int ChipDataset::ignoreValue() const { return mImpl->ignoreValue; }
const std::array<double, 6>& ChipDataset::bandMean() const { return mImpl->mean; }
const std::array<double, 6>& ChipDataset::bandStd() const { return mImpl->std; }
const std::vector<DataSplit>& ChipDataset::splits() const { return mImpl->splits; }

int64_t ChipDataset::cloudMaskCount() const { return mImpl->cloudMaskCount; }

void ChipDataset::readCloudMask(int64_t index, uint8_t* out) const {
  if (index < 0 || index >= mImpl->cloudMaskCount)
    throwUsage("cloud shape " + std::to_string(index) + " is not in " + mImpl->path);
  const GUInt64 start[] = {GUInt64(index), 0, 0};
  const size_t count[] = {1, size_t(mImpl->chipSize), size_t(mImpl->chipSize)};
  if (!mImpl->cloudMasks->Read(start, count, nullptr, nullptr, GDALExtendedDataType::Create(GDT_Byte), out))
    throwBadInput("cannot read cloud shape " + std::to_string(index) + " of " + mImpl->path + ": rebuild the dataset");
}

std::map<int, int64_t> ChipDataset::classPixels(DataSplit split) const {
  std::map<int, int64_t> result;
  const QJsonObject perClass = mImpl->classPixels.value(dataSplitName(split)).toObject();
  for (auto it = perClass.begin(); it != perClass.end(); ++it) result[it.key().toInt()] = int64_t(it.value().toInteger());
  return result;
}

std::vector<int64_t> ChipDataset::indices(DataSplit split) const {
  std::vector<int64_t> result;
  for (int64_t i = 0; i < mImpl->size; ++i)
    if (mImpl->splits[size_t(i)] == split) result.push_back(i);
  return result;
}

void ChipDataset::readImage(int64_t chip, int16_t* out) const {
  if (chip < 0 || chip >= mImpl->size) throwUsage("chip " + std::to_string(chip) + " is not in " + mImpl->path);
  const GUInt64 start[] = {GUInt64(chip), 0, 0, 0, 0};
  const size_t count[] = {1, kBands, size_t(mImpl->frames), size_t(mImpl->chipSize), size_t(mImpl->chipSize)};
  GdalErrorCapture errors;
  if (!mImpl->image->Read(start, count, nullptr, nullptr, GDALExtendedDataType::Create(GDT_Int16), out))
    throwBadInput("cannot read chip " + std::to_string(chip) + " of " + mImpl->path + ": " +
                  errors.message("the store is damaged; rebuild it"));
}

void ChipDataset::readMask(int64_t chip, uint8_t* out) const {
  if (!mImpl->mask) throwUsage(mImpl->path + " is a pretraining dataset: it has no masks");
  if (chip < 0 || chip >= mImpl->size) throwUsage("chip " + std::to_string(chip) + " is not in " + mImpl->path);
  const GUInt64 start[] = {GUInt64(chip), 0, 0};
  const size_t count[] = {1, size_t(mImpl->chipSize), size_t(mImpl->chipSize)};
  GdalErrorCapture errors;
  if (!mImpl->mask->Read(start, count, nullptr, nullptr, GDALExtendedDataType::Create(GDT_Byte), out))
    throwBadInput("cannot read the mask of chip " + std::to_string(chip) + " of " + mImpl->path + ": " +
                  errors.message("the store is damaged; rebuild it"));
}

std::vector<std::pair<int, int>> ChipDataset::dates(int64_t chip) const {
  const size_t frames = size_t(mImpl->frames);
  std::vector<int16_t> years(frames), doys(frames);
  const GUInt64 start[] = {GUInt64(chip), 0};
  const size_t count[] = {1, frames};
  if (!mImpl->year->Read(start, count, nullptr, nullptr, GDALExtendedDataType::Create(GDT_Int16), years.data()) ||
      !mImpl->doy->Read(start, count, nullptr, nullptr, GDALExtendedDataType::Create(GDT_Int16), doys.data()))
    throwBadInput("cannot read the dates of chip " + std::to_string(chip) + " of " + mImpl->path);
  std::vector<std::pair<int, int>> result;
  for (size_t f = 0; f < frames; ++f) result.emplace_back(years[f], doys[f]);
  return result;
}

std::array<double, 2> ChipDataset::location(int64_t chip) const {
  std::array<double, 2> value{};
  const GUInt64 start[] = {GUInt64(chip), 0};
  const size_t count[] = {1, 2};
  if (!mImpl->location->Read(start, count, nullptr, nullptr, GDALExtendedDataType::Create(GDT_Float64), value.data()))
    throwBadInput("cannot read the location of chip " + std::to_string(chip) + " of " + mImpl->path);
  return value;
}

}  // namespace prithvi
