#include "training/engine/TiledInference.h"

#include <torch/torch.h>

#include <QFile>
#include <QFileInfo>

#include <cpl_string.h>
#include <gdal.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <string>

#include "core/base/AtomicFile.h"
#include "core/base/Error.h"
#include "core/scene/OutputGuard.h"
#include "core/base/Feedback.h"
#include "core/base/NumberText.h"
#include "core/hls/Hls.h"
#include "core/raster/GdalErrors.h"
#include "core/raster/GdalTypes.h"
#include "core/raster/RasterWriter.h"
#include "core/scene/SceneReader.h"
#include "training/engine/Network.h"
#include "training/engine/SceneInference.h"
#include "training/model/LinearPrecision.h"

namespace prithvi::engine {

namespace {

constexpr uint8_t kNoClass = 255;

// Window origins along one axis: every `stride` pixels, plus one flush with the far edge.
std::vector<int> originsAlong(int extent, int window, int stride) {
  std::vector<int> origins;
  for (int origin = 0; origin + window < extent; origin += stride) origins.push_back(origin);
  origins.push_back(extent - window);
  return origins;
}

// The origins whose windows overlap [from, to): a region keeps the windows a whole-scene run
// places over it, so its pixels get exactly the same contributions.
std::vector<int> originsTouching(const std::vector<int>& origins, int window, int from, int to) {
  std::vector<int> kept;
  for (int origin : origins)
    if (origin < to && origin + window > from) kept.push_back(origin);
  return kept;
}

std::vector<PaletteEntry> paletteOf(const std::optional<ClassScheme>& scheme, int classes) {
  std::vector<PaletteEntry> palette(256, PaletteEntry{0, 0, 0, 0});
  for (int c = 0; c < classes; ++c) {
    // The scheme's "#rrggbb" (validated), else a grey ramp for checkpoints saved without it.
    if (scheme && c < int(scheme->classes.size())) {
      palette[size_t(c)] = scheme->classes[size_t(c)].paletteEntry();
    } else {
      const uint8_t grey = uint8_t(40 + 200 * c / std::max(1, classes - 1));
      palette[size_t(c)] = {grey, grey, grey, 255};
    }
  }
  return palette;
}

// 1 where Fmask flags cloud or cloud shadow (fill is not cloud), as (rows, cols) uint8.
torch::Tensor cloudOrShadow(const SceneReader& reader, const Window& window) {
  const RasterBlock fmask = reader.read(window, {BandRole::Fmask}, DataType::Byte);
  torch::Tensor out = torch::empty({window.height, window.width}, torch::kUInt8);
  const uint8_t* in = fmask.band<uint8_t>(0);
  uint8_t* flags = out.data_ptr<uint8_t>();
  const int64_t count = int64_t(window.width) * window.height;
  for (int64_t p = 0; p < count; ++p)
    flags[p] = in[p] != kFmaskFill && (in[p] & (fmask::kCloud | fmask::kShadow)) ? 1 : 0;
  return out;
}

GeoTransform regionTransform(const GeoTransform& grid, const Window& region) {
  const MapPoint origin = grid.pixelToMap(region.x, region.y);
  std::array<double, 6> c = grid.coefficients();
  c[0] = origin.x;
  c[3] = origin.y;
  return GeoTransform(c);
}

// Sets LibTorch's intra-op threads while alive and restores the previous count.
class IntraOpThreads {
 public:
  explicit IntraOpThreads(int threads) : mPrevious(at::get_num_threads()) {
    if (threads > 0 && threads != mPrevious) at::set_num_threads(threads);
  }
  ~IntraOpThreads() {
    if (at::get_num_threads() != mPrevious) at::set_num_threads(mPrevious);
  }
  IntraOpThreads(const IntraOpThreads&) = delete;
  IntraOpThreads& operator=(const IntraOpThreads&) = delete;

 private:
  int mPrevious;
};

// The checkpoint's products, and the default.
std::string outputFor(const Network& network, const std::string& checkpoint, const std::string& task,
                      const std::string& requested) {
  const bool mae = network.pretraining;
  const std::string kind = mae ? (network.cloudGap ? "cloud-gap" : "pretrained") + std::string(" MAE") : "segmentation";
  if (requested.empty()) return mae ? "filled" : "classes";
  if (requested != "classes" && requested != "probabilities" && requested != "uncertainty" && requested != "filled")
    throwUsage("output takes classes, probabilities, uncertainty or filled, not '" + requested + "'");
  if (mae && requested != "filled")
    throwUsage("--output " + requested + ": " + checkpoint + " is a " + kind + " model (task " + task +
               "), which has no classes; it fills cloud gaps (--output filled)");
  if (!mae && requested == "filled")
    throwUsage("--output filled: " + checkpoint + " is a " + kind + " model (task " + task +
               "); filling cloud gaps needs an MAE checkpoint (task cloud_gap or pretrain)");
  return requested;
}

}  // namespace

torch::Tensor uncertaintyOf(const torch::Tensor& probabilities) {
  const int64_t classes = probabilities.size(0);
  const torch::Tensor entropy =
      -(probabilities * probabilities.clamp_min(1e-12).log()).sum(0) / std::log(double(std::max<int64_t>(2, classes)));
  const torch::Tensor top = std::get<0>(probabilities.topk(std::min<int64_t>(2, classes), 0));
  const torch::Tensor margin = classes > 1 ? top[0] - top[1] : top[0];
  return torch::stack({entropy.clamp(0, 1), margin});
}

namespace {

// Refuses an output that would replace an input file, or (unless allowed) land in the folder of
// an input scene, where the next scan would take it for imagery.
void refuseOutputOverInputs(const std::string& outPath, const std::vector<Scene>& dates, bool besideInputs) {
  refuseOutputOverSceneFiles(outPath, dates, "--out");
  if (!besideInputs) refuseOutputBesideSceneFiles(outPath, dates, "--out");
}

}  // namespace

std::vector<float> blendWeights(const std::string& blend, int size) {
  std::vector<float> weights(size_t(size), 1.0f);
  for (int i = 0; i < size; ++i) {
    const double centre = (i + 0.5) / size;  // 0..1 across the window
    if (blend == "cosine")
      weights[size_t(i)] = float(std::pow(std::sin(M_PI * centre), 2));  // Hann: falls to ~0 at the edges
    else if (blend == "gaussian")
      weights[size_t(i)] = float(std::exp(-0.5 * std::pow((centre - 0.5) / 0.125, 2)));  // sigma = window / 8
    else if (blend != "none")
      throwUsage("blend takes cosine, gaussian or none, not '" + blend + "'");
  }
  return weights;
}

Window pixelWindowOfBox(const Scene& scene, double minX, double minY, double maxX, double maxY) {
  if (!(std::isfinite(minX) && std::isfinite(minY) && std::isfinite(maxX) && std::isfinite(maxY)) || !(minX < maxX) ||
      !(minY < maxY))
    throwUsage("the box needs minx < maxx and miny < maxy");
  double left = INFINITY, top = INFINITY, right = -INFINITY, bottom = -INFINITY;
  const std::array<std::pair<double, double>, 4> corners{{{minX, minY}, {minX, maxY}, {maxX, minY}, {maxX, maxY}}};
  for (const auto& [x, y] : corners) {
    const std::optional<MapPoint> pixel = scene.geoTransform.mapToPixel(x, y);
    if (!pixel) throwBadInput("scene " + scene.id + " has a geotransform that cannot be inverted");
    left = std::min(left, pixel->x), right = std::max(right, pixel->x);
    top = std::min(top, pixel->y), bottom = std::max(bottom, pixel->y);
  }
  // Outward to whole pixels; a corner within 1e-6 pixel of a pixel edge is on it (map
  // coordinates that are exact multiples of the pixel size stay exact).
  constexpr double kSnap = 1e-6;
  const double x0 = std::floor(left + kSnap), y0 = std::floor(top + kSnap);
  const double x1 = std::ceil(right - kSnap), y1 = std::ceil(bottom - kSnap);
  const double cx0 = std::max(0.0, x0), cy0 = std::max(0.0, y0);
  const double cx1 = std::min(double(scene.width), x1), cy1 = std::min(double(scene.height), y1);
  if (!(cx0 < cx1 && cy0 < cy1)) {
    const MapPoint a = scene.geoTransform.pixelToMap(0, 0), b = scene.geoTransform.pixelToMap(scene.width, scene.height);
    throwUsage("the box " + std::to_string(minX) + "," + std::to_string(minY) + "," + std::to_string(maxX) + "," +
               std::to_string(maxY) + " misses scene " + scene.id + ", which covers " + std::to_string(std::min(a.x, b.x)) +
               "," + std::to_string(std::min(a.y, b.y)) + "," + std::to_string(std::max(a.x, b.x)) + "," +
               std::to_string(std::max(a.y, b.y)) + " in its CRS");
  }
  return {int(cx0), int(cy0), int(cx1 - cx0), int(cy1 - cy0)};
}

InferenceResult inferScenes(const std::string& checkpoint, const std::vector<Scene>& dates, const std::string& outPath,
                            const InferenceOptions& options, Feedback* feedback) {
  if (!(options.overlap >= 0 && options.overlap <= 0.9)) throwUsage("overlap must be between 0 and 0.9");
  if (options.batch < 1) throwUsage("the batch needs at least one window");
  if (dates.empty()) throwUsage("no scenes to run");
  refuseOutputOverInputs(outPath, dates, options.outputBesideInputs);
  blendWeights(options.blend, 1);  // refuses an unknown blend before the model is loaded
  const torch::Device device = deviceFor(options.device);
  LoadedRun run = loadRun(checkpoint, device);
  Network& network = run.network;
  // bf16: the transformer's Linear weights are packed in bf16 once, and the batches run under
  // bf16 autocast (below), which covers the heads' convolutions; int8: packed Linear layers.
  model::setLinearPrecision(network.module(), options.precision, device);
  const std::string output = outputFor(network, checkpoint, run.task, options.output);
  const bool filled = output == "filled", probabilities = output == "probabilities", uncertainty = output == "uncertainty";
  const bool cleanup = !options.cleanup.isNoop();
  if (cleanup && output != "classes")
    throwUsage("the clean-up options apply to class maps, not to --output " + output);
  const PrithviConfig& config = network.config;
  if (int64_t(dates.size()) != config.numFrames)
    throwUsage("the model takes " + std::to_string(config.numFrames) + " date(s) per pixel, got " +
               std::to_string(dates.size()) + " scene(s): pass one --input per date");
  const Scene& grid = dates.front();
  for (const Scene& scene : dates)
    if (const std::string difference = gridDifference(grid.grid(), scene.grid()); !difference.empty())
      throwBadInput("scene " + scene.id + " is not on the grid of " + grid.id + " (" + difference +
                    "): reproject the dates to one grid first");
  const int frames = int(dates.size());
  const int frame = options.frame < 0 ? 0 : options.frame;
  if (filled && frame >= frames)
    throwUsage("--frame " + std::to_string(options.frame) + ": the model takes " + std::to_string(frames) +
               " frame(s), numbered from 0");
  if (filled && !dates[size_t(frame)].band(BandRole::Fmask))
    throwBadInput("scene " + dates[size_t(frame)].id +
                  " has no Fmask band: nothing says where its clouds are (give the granule with its Fmask file)");
  const Window region = options.region.value_or(Window{0, 0, grid.width, grid.height});
  if (region.width < 1 || region.height < 1 || region.x < 0 || region.y < 0 || region.x + region.width > grid.width ||
      region.y + region.height > grid.height)
    throwUsage("the region " + std::to_string(region.x) + "," + std::to_string(region.y) + "," +
               std::to_string(region.width) + "," + std::to_string(region.height) + " (x,y,w,h) is not inside scene " +
               grid.id + " (" + std::to_string(grid.width) + "x" + std::to_string(grid.height) + " pixels)");
  const int patch = int(config.patchSize);
  int window = options.window > 0 ? options.window : int(config.imgSize);
  if (window % patch != 0) throwUsage("the window must be a multiple of the model's " + std::to_string(patch) + "-pixel patch");
  // A scene smaller than the window is run in the largest window that fits it.
  window = std::min(window, std::min(grid.width, grid.height) / patch * patch);
  if (window < patch) throwBadInput("scene " + grid.id + " is smaller than one " + std::to_string(patch) + "-pixel patch");
  const int stride = std::max(1, int(std::lround(window * (1.0 - options.overlap))));
  // The whole scene's windows, then those over the region.
  const std::vector<int> xs = originsTouching(originsAlong(grid.width, window, stride), window, region.x, region.x + region.width);
  const std::vector<int> ys = originsTouching(originsAlong(grid.height, window, stride), window, region.y, region.y + region.height);
  const int spanX = xs.front(), spanWidth = xs.back() + window - xs.front();  // columns the windows read
  const int classes = filled ? 6 : int(network.segmentation->opts.numClasses);
  const std::vector<float> weights1d = blendWeights(options.blend, window);
  const torch::Tensor weights =
      torch::outer(torch::tensor(weights1d), torch::tensor(weights1d)).contiguous();  // (window, window)

  InferenceResult result;
  result.path = outPath;
  result.output = output;
  result.artifactKind = filled          ? kArtifactFilledImage
                        : probabilities ? kArtifactProbabilities
                        : uncertainty   ? kArtifactUncertainty
                                        : kArtifactClassMap;
  result.task = run.task;
  result.region = region;
  result.width = region.width;
  result.height = region.height;
  if (filled) result.frame = frame;
  if (!filled)
    for (int c = 0; c < classes; ++c)
      result.classNames.push_back(run.scheme && c < int(run.scheme->classes.size()) ? run.scheme->classes[size_t(c)].name
                                                                                   : "class " + std::to_string(c));
  std::vector<std::pair<std::string, std::string>> metadata = {
      {"PRITHVI_MODEL", QFileInfo(QString::fromStdString(checkpoint)).absoluteFilePath().toStdString()},
      {"PRITHVI_TASK", run.task},
      {"PRITHVI_WINDOW", std::to_string(window)},
      {"PRITHVI_OVERLAP", numberText(options.overlap)},
      {"PRITHVI_BLEND", options.blend},
      {"PRITHVI_PRECISION", model::precisionName(options.precision)},
      {"PRITHVI_REGION", std::to_string(region.x) + "," + std::to_string(region.y) + "," + std::to_string(region.width) +
                             "," + std::to_string(region.height)}};
  std::string granules;
  for (const Scene& scene : dates) granules += (granules.empty() ? "" : ",") + scene.id;
  metadata.emplace_back("PRITHVI_GRANULES", granules);
  metadata.emplace_back("PRITHVI_FMASK_POLICY", filled ? "Fmask cloud and cloud shadow reconstructed; fill (-9999) kept as nodata"
                                                : options.maskClouds ? "no prediction under Fmask cloud or cloud shadow, or fill (-9999)"
                                                                     : "no prediction under fill (-9999); clouds not masked");
  metadata.insert(metadata.end(), options.metadata.begin(), options.metadata.end());
  const GeoTransform outTransform = regionTransform(grid.geoTransform, region);
  std::optional<RasterStreamWriter> writer;
  // The whole class map, kept only for the clean-up (which needs every row at once).
  std::vector<uint8_t> classMap(cleanup ? size_t(region.width) * size_t(region.height) : 0);
  if (filled) {
    // HLS-style Int16 DN with the reflectance scale, so GDAL, QGIS and the scanner read reflectance.
    RasterWriteOptions writeOptions;
    for (BandRole role : kPrithviBands) writeOptions.bandDescriptions.push_back(bandRoleName(role));
    writeOptions.scale = kHlsReflectanceScale;
    writeOptions.offset = 0.0;
    writeOptions.nodata = double(kHlsFill);
    writeOptions.metadata = metadata;
    writer.emplace(outPath, region.width, region.height, int(writeOptions.bandDescriptions.size()), DataType::Int16,
                   outTransform, grid.crsWkt, writeOptions);
  } else if (uncertainty) {
    RasterWriteOptions writeOptions;
    writeOptions.nodata = std::nan("");
    writeOptions.bandDescriptions = {kUncertaintyBands[0], kUncertaintyBands[1]};
    writeOptions.metadata = metadata;
    writeOptions.metadata.emplace_back("PRITHVI_UNCERTAINTY",
                                       "band 1: entropy of the class probabilities over ln(classes), 0 sure .. 1 all classes "
                                       "alike; band 2: top-1 minus top-2 class probability, 0 torn between two .. 1 sure");
    if (run.scheme) writeOptions.metadata.emplace_back("PRITHVI_CLASS_SCHEME", run.scheme->toJson());
    writer.emplace(outPath, region.width, region.height, 2, DataType::Float32, outTransform, grid.crsWkt, writeOptions);
  } else {
    RasterWriteOptions writeOptions;
    writeOptions.nodata = probabilities ? std::nan("") : double(kNoClass);
    writeOptions.bandDescriptions = probabilities ? result.classNames : std::vector<std::string>{"class"};
    if (!probabilities) {
      writeOptions.palette = paletteOf(run.scheme, classes);
      writeOptions.categoryNames = result.classNames;
    }
    writeOptions.metadata = metadata;
    if (run.scheme) writeOptions.metadata.emplace_back("PRITHVI_CLASS_SCHEME", run.scheme->toJson());
    writer.emplace(outPath, region.width, region.height, probabilities ? classes : 1,
                   probabilities ? DataType::Float32 : DataType::Byte, outTransform, grid.crsWkt, writeOptions);
  }

  const IntraOpThreads threads(options.threads);
  c10::InferenceMode inferenceMode;  // no autograd records, no version counters
  // Accumulators over the columns the windows read, for the rows of one row of windows: what
  // is finished is written, the rest shifted up for the next row of windows.
  const int capacity = window + stride;
  torch::Tensor sum = torch::zeros({classes, capacity, spanWidth});
  torch::Tensor weightSum = torch::zeros({capacity, spanWidth});
  torch::Tensor valid = torch::ones({capacity, spanWidth}, torch::kBool);  // classes: no fill, no masked cloud
  torch::Tensor original, cloudy;  // filled: the frame's DN (NaN = fill) and its cloud/shadow pixels
  if (filled) {
    original = torch::full({6, capacity, spanWidth}, NAN);
    cloudy = torch::zeros({capacity, spanWidth}, torch::kBool);
  }
  int top = ys.front();  // the scene row of buffer row 0
  auto flush = [&](int untilRow) {  // finishes rows [top, untilRow) and shifts the buffers
    const int rows = untilRow - top;
    if (rows <= 0) return;
    const int first = std::max(top, region.y), last = std::min(untilRow, region.y + region.height);
    if (first < last) {
      const int64_t r0 = first - top, r1 = last - top, c0 = region.x - spanX, c1 = c0 + region.width;
      const torch::Tensor weightRows = weightSum.slice(0, r0, r1).slice(1, c0, c1);
      const torch::Tensor sums = sum.slice(1, r0, r1).slice(2, c0, c1);
      if (filled) {
        const torch::Tensor dn = original.slice(1, r0, r1).slice(2, c0, c1);
        const torch::Tensor gap = cloudy.slice(0, r0, r1).slice(1, c0, c1) & (weightRows > 0);
        // The reconstruction, in HLS DN, kept off the fill value.
        torch::Tensor reconstructed = (sums / weightRows.clamp_min(1e-12)).round().clamp(-32768, 32767);
        reconstructed.masked_fill_(reconstructed == float(kHlsFill), float(kHlsFill + 1));
        const torch::Tensor values = torch::where(gap, reconstructed, dn.round().nan_to_num(float(kHlsFill)))
                                         .to(torch::kInt16)
                                         .contiguous();
        result.filledPixels += gap.sum().item<int64_t>();
        result.predictedPixels += (values[0] != kHlsFill).sum().item<int64_t>();
        writer->writeRows(first - region.y, last - first, values.data_ptr<int16_t>());
      } else {
        const torch::Tensor predicted = (weightRows > 0) & valid.slice(0, r0, r1).slice(1, c0, c1);
        result.predictedPixels += predicted.sum().item<int64_t>();
        if (probabilities) {
          torch::Tensor values = (sums / weightRows.clamp_min(1e-12)).masked_fill(~predicted, NAN).contiguous();
          writer->writeRows(first - region.y, last - first, values.data_ptr<float>());
        } else if (uncertainty) {
          torch::Tensor values = uncertaintyOf(sums / weightRows.clamp_min(1e-12)).masked_fill(~predicted, NAN).contiguous();
          writer->writeRows(first - region.y, last - first, values.data_ptr<float>());
        } else {
          torch::Tensor labels = sums.argmax(0).to(torch::kUInt8).masked_fill(~predicted, kNoClass).contiguous();
          writer->writeRows(first - region.y, last - first, labels.data_ptr<uint8_t>());
          if (cleanup)
            std::copy_n(labels.data_ptr<uint8_t>(), labels.numel(), classMap.begin() + size_t(first - region.y) * region.width);
        }
      }
    }
    auto shift = [&](torch::Tensor& buffer, int64_t axis, const torch::Scalar& empty) {
      const int64_t keep = capacity - rows;
      torch::Tensor kept = buffer.slice(axis, rows, capacity).clone();
      buffer.fill_(empty);
      buffer.slice(axis, 0, keep).copy_(kept);
    };
    shift(sum, 1, 0);
    shift(weightSum, 0, 0);
    shift(valid, 0, true);
    if (filled) {
      shift(original, 1, NAN);
      shift(cloudy, 0, false);
    }
    top = untilRow;
  };

  std::vector<std::optional<SceneReader>> fmaskReaders(dates.size());
  for (size_t t = 0; t < dates.size(); ++t)
    if (dates[t].band(BandRole::Fmask) && (filled || options.maskClouds)) fmaskReaders[t].emplace(dates[t]);
  const torch::Tensor mean = torch::tensor(std::vector<double>(config.mean.begin(), config.mean.end()), torch::kFloat32)
                                 .reshape({6, 1, 1});
  const torch::Tensor stdev = torch::tensor(std::vector<double>(config.std.begin(), config.std.end()), torch::kFloat32)
                                  .reshape({6, 1, 1});
  // Adds one window's output (classes or bands, window, window), weighted, at scene column x.
  auto accumulate = [&](const torch::Tensor& values, int offset, int x) {
    const int64_t c = x - spanX;
    sum.slice(1, offset, offset + window).slice(2, c, c + window).add_(values * weights);
    weightSum.slice(0, offset, offset + window).slice(1, c, c + window).add_(weights);
  };
  for (size_t row = 0; row < ys.size(); ++row) {
    throwIfCanceled(feedback);
    // In windows, as a user counts them ("windows 45-55 of 121").
    const int64_t perRow = int64_t(xs.size()), windows = perRow * int64_t(ys.size());
    reportProgress(feedback, int64_t(row) * perRow, windows,
                   "windows " + std::to_string(int64_t(row) * perRow + 1) + "-" + std::to_string(int64_t(row + 1) * perRow) +
                       " of " + std::to_string(windows));
    const int y = ys[row];
    const Window rowWindow{spanX, y, spanWidth, window};
    const torch::Tensor dn = readDates(dates, rowWindow);  // (6, T, window, spanWidth), NaN = fill
    const int offset = y - top;                            // where this row of windows starts in the buffer
    const torch::Tensor input = normaliseChip(dn, config.mean, config.std);
    if (filled) {
      // Cloud and shadow of every frame: hidden from the encoder, as the training hides its cloud shapes.
      torch::Tensor clouds = torch::zeros({frames, window, spanWidth}, torch::kUInt8);
      for (int t = 0; t < frames; ++t)
        if (fmaskReaders[size_t(t)]) clouds[t].copy_(cloudOrShadow(*fmaskReaders[size_t(t)], rowWindow));
      original.slice(1, offset, offset + window).copy_(dn.select(1, frame));
      cloudy.slice(0, offset, offset + window).copy_(clouds[frame].to(torch::kBool));
      // Windows with a gap in the frame, grouped by how many tokens they hide: the MAE takes
      // batches whose samples hide equally many (the others run alone, never padded with
      // extra hidden tokens, so a window's result does not depend on its neighbours).
      std::map<int64_t, std::vector<std::pair<int, torch::Tensor>>> byHidden;
      for (int x : xs) {
        const int64_t c = x - spanX;
        if (!clouds[frame].slice(0, 0, window).slice(1, c, c + window).any().item<bool>()) continue;
        const torch::Tensor tokens =
            model::tokenMaskFromPixelMask(clouds.slice(2, c, c + window).unsqueeze(0), config.tubeletSize, config.patchSize);
        byHidden[int64_t(tokens.sum().item<float>())].emplace_back(x, tokens);
      }
      for (const auto& [hidden, group] : byHidden)
        for (size_t first = 0; first < group.size(); first += size_t(options.batch)) {
          throwIfCanceled(feedback);
          const size_t last = std::min(group.size(), first + size_t(options.batch));
          std::vector<torch::Tensor> pixels, tokens;
          for (size_t i = first; i < last; ++i) {
            const int64_t c = group[i].first - spanX;
            pixels.push_back(input.slice(3, c, c + window));
            tokens.push_back(group[i].second);
          }
          torch::Tensor reconstruction;
          {
            model::Bf16Autocast autocast(device, options.precision);
            const model::MaeOutput out = network.mae->forwardMasked(
                torch::stack(pixels).to(device), model::MaskSpec::fromTokens(torch::cat(tokens).to(device)));
            // (B, 6, T, window, window), normalised: the frame's bands (to HLS DN below).
            reconstruction = network.mae->unpatchify(out.pred.to(torch::kFloat32), out.grid).select(2, frame).to(torch::kCPU);
          }
          for (size_t i = first; i < last; ++i)
            accumulate(reconstruction[int64_t(i - first)] * stdev + mean, offset, group[i].first);
          result.windows += int64_t(last - first);
        }
    } else {
      // Pixels with fill in any band of any date, or under cloud when asked, get no prediction.
      torch::Tensor usable = dn.isfinite().all(0).all(0);
      if (options.maskClouds)
        for (const auto& reader : fmaskReaders)
          if (reader) usable &= cloudOrShadow(*reader, rowWindow) == 0;
      valid.slice(0, offset, offset + window) &= usable;
      for (size_t first = 0; first < xs.size(); first += size_t(options.batch)) {
        throwIfCanceled(feedback);
        const size_t last = std::min(xs.size(), first + size_t(options.batch));
        std::vector<torch::Tensor> windows;
        for (size_t i = first; i < last; ++i) windows.push_back(input.slice(3, xs[i] - spanX, xs[i] - spanX + window));
        torch::Tensor probability;
        {
          model::Bf16Autocast autocast(device, options.precision);
          probability = torch::softmax(network.segmentation->forward(torch::stack(windows).to(device)).to(torch::kFloat32), 1)
                            .to(torch::kCPU);
        }
        for (size_t i = first; i < last; ++i) accumulate(probability[int64_t(i - first)], offset, xs[i]);
        result.windows += int64_t(last - first);
      }
    }
    flush(row + 1 < ys.size() ? ys[row + 1] : y + window);
  }
  reportProgress(feedback, int64_t(ys.size()), int64_t(ys.size()), "writing " + outPath);
  if (filled) {
    writer->addMetadata("PRITHVI_FRAME", std::to_string(frame));
    writer->addMetadata("PRITHVI_FRAME_SCENE", dates[size_t(frame)].id);
    writer->addMetadata("PRITHVI_FILLED_PIXELS", std::to_string(result.filledPixels));
  }
  if (cleanup) {
    reportProgress(feedback, int64_t(ys.size()), int64_t(ys.size()), "cleaning up the class map");
    ClassMapCleanup clean = options.cleanup;
    clean.fillFromNearestClass = true;
    result.cleanedPixels = cleanClassMap(classMap, region.width, region.height, kNoClass, false, clean);
    writer->writeRows(0, region.height, classMap.data());
    writer->addMetadata("PRITHVI_CLEANUP", clean.describe());
    writer->addMetadata("PRITHVI_CLEANED_PIXELS", std::to_string(result.cleanedPixels));
  }
  writer->finish(feedback);
  return result;
}

}  // namespace prithvi::engine
