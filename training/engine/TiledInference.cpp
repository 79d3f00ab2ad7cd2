#include "training/engine/TiledInference.h"

#include <torch/torch.h>

#include <QFileInfo>

#include <string>

#include <algorithm>
#include <cmath>

#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/hls/Hls.h"
#include "core/raster/RasterWriter.h"
#include "core/scene/SceneReader.h"
#include "training/engine/Network.h"
#include "training/engine/SceneInference.h"

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

std::vector<PaletteEntry> paletteOf(const std::optional<ClassScheme>& scheme, int classes) {
  std::vector<PaletteEntry> palette(256, PaletteEntry{0, 0, 0, 0});
  for (int c = 0; c < classes; ++c) {
    // The scheme's "#rrggbb" (validated), else a grey ramp for checkpoints saved without it.
    if (scheme && c < int(scheme->classes.size())) {
      const unsigned long rgb = std::stoul(scheme->classes[size_t(c)].color.substr(1), nullptr, 16);
      palette[size_t(c)] = {uint8_t(rgb >> 16), uint8_t(rgb >> 8), uint8_t(rgb), 255};
    } else {
      const uint8_t grey = uint8_t(40 + 200 * c / std::max(1, classes - 1));
      palette[size_t(c)] = {grey, grey, grey, 255};
    }
  }
  return palette;
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

InferenceResult inferScenes(const std::string& checkpoint, const std::vector<Scene>& dates, const std::string& outPath,
                            const InferenceOptions& options, Feedback* feedback) {
  if (options.output != "classes" && options.output != "probabilities")
    throwUsage("output takes classes or probabilities, not '" + options.output + "'");
  if (!(options.overlap >= 0 && options.overlap <= 0.9)) throwUsage("overlap must be between 0 and 0.9");
  if (options.batch < 1) throwUsage("the batch needs at least one window");
  const torch::Device device = deviceFor(options.device);
  LoadedRun run = loadRun(checkpoint, device);
  Network& network = run.network;
  if (network.pretraining)
    throwUsage("the checkpoint " + checkpoint + " is a " + (network.cloudGap ? "cloud-gap" : "pretraining") +
               " model: 'prithvi infer' maps classes with fine-tuned segmentation models");
  const PrithviConfig& config = network.config;
  if (int64_t(dates.size()) != config.numFrames)
    throwUsage("the model takes " + std::to_string(config.numFrames) + " date(s) per pixel, got " +
               std::to_string(dates.size()) + " scene(s): pass one --input per date");
  const Scene& grid = dates.front();
  for (const Scene& scene : dates)
    if (scene.width != grid.width || scene.height != grid.height || !(scene.geoTransform == grid.geoTransform))
      throwBadInput("scene " + scene.id + " is not on the grid of " + grid.id + ": reproject the dates to one grid first");
  const int patch = int(config.patchSize);
  int window = options.window > 0 ? options.window : int(config.imgSize);
  if (window % patch != 0) throwUsage("the window must be a multiple of the model's " + std::to_string(patch) + "-pixel patch");
  // A scene smaller than the window is run in the largest window that fits it.
  window = std::min(window, std::min(grid.width, grid.height) / patch * patch);
  if (window < patch) throwBadInput("scene " + grid.id + " is smaller than one " + std::to_string(patch) + "-pixel patch");
  const int stride = std::max(1, int(std::lround(window * (1.0 - options.overlap))));
  const std::vector<int> xs = originsAlong(grid.width, window, stride), ys = originsAlong(grid.height, window, stride);
  const int classes = int(network.segmentation->opts.numClasses);
  const std::vector<float> weights1d = blendWeights(options.blend, window);
  const torch::Tensor weights =
      torch::outer(torch::tensor(weights1d), torch::tensor(weights1d)).contiguous();  // (window, window)

  InferenceResult result;
  result.path = outPath;
  result.width = grid.width;
  result.height = grid.height;
  for (int c = 0; c < classes; ++c)
    result.classNames.push_back(run.scheme && c < int(run.scheme->classes.size()) ? run.scheme->classes[size_t(c)].name
                                                                                 : "class " + std::to_string(c));
  RasterWriteOptions writeOptions;
  const bool probabilities = options.output == "probabilities";
  writeOptions.nodata = probabilities ? std::nan("") : double(kNoClass);
  writeOptions.bandDescriptions = probabilities ? result.classNames : std::vector<std::string>{"class"};
  if (!probabilities) writeOptions.palette = paletteOf(run.scheme, classes);
  writeOptions.metadata = {{"PRITHVI_MODEL", QFileInfo(QString::fromStdString(checkpoint)).absoluteFilePath().toStdString()},
                           {"PRITHVI_TASK", run.task},
                           {"PRITHVI_WINDOW", std::to_string(window)},
                           {"PRITHVI_OVERLAP", std::to_string(options.overlap)},
                           {"PRITHVI_BLEND", options.blend}};
  std::string granules;
  for (const Scene& scene : dates) granules += (granules.empty() ? "" : ",") + scene.id;
  writeOptions.metadata.emplace_back("PRITHVI_GRANULES", granules);
  if (run.scheme) writeOptions.metadata.emplace_back("PRITHVI_CLASS_SCHEME", run.scheme->toJson());
  RasterStreamWriter writer(outPath, grid.width, grid.height, probabilities ? classes : 1,
                            probabilities ? DataType::Float32 : DataType::Byte, grid.geoTransform, grid.crsWkt, writeOptions);

  // Accumulators for the rows of one row of windows and what spills into the next.
  const int width = grid.width;
  const int capacity = window + stride;
  torch::Tensor sum = torch::zeros({classes, capacity, width});
  torch::Tensor weightSum = torch::zeros({capacity, width});
  torch::Tensor valid = torch::ones({capacity, width}, torch::kBool);
  int top = 0;  // the scene row of buffer row 0
  auto flush = [&](int untilRow) {  // writes rows [top, untilRow) and shifts the buffer
    const int rows = untilRow - top;
    if (rows <= 0) return;
    const torch::Tensor weightRows = weightSum.slice(0, 0, rows);
    const torch::Tensor predicted = (weightRows > 0) & valid.slice(0, 0, rows);
    result.predictedPixels += predicted.sum().item<int64_t>();
    if (probabilities) {
      torch::Tensor values = (sum.slice(1, 0, rows) / weightRows.clamp_min(1e-12)).masked_fill(~predicted, NAN).contiguous();
      writer.writeRows(top, rows, values.data_ptr<float>());
    } else {
      torch::Tensor labels = sum.slice(1, 0, rows).argmax(0).to(torch::kUInt8).masked_fill(~predicted, kNoClass).contiguous();
      writer.writeRows(top, rows, labels.data_ptr<uint8_t>());
    }
    auto shift = [&](torch::Tensor& buffer, int64_t axis) {
      const int64_t keep = capacity - rows;
      torch::Tensor kept = buffer.slice(axis, rows, capacity).clone();
      buffer.zero_();
      buffer.slice(axis, 0, keep).copy_(kept);
    };
    shift(sum, 1);
    shift(weightSum, 0);
    torch::Tensor keptValid = valid.slice(0, rows, capacity).clone();
    valid.fill_(true);
    valid.slice(0, 0, capacity - rows).copy_(keptValid);
    top = untilRow;
  };

  torch::NoGradGuard noGrad;
  const std::vector<BandRole> fmaskRole{BandRole::Fmask};
  for (size_t row = 0; row < ys.size(); ++row) {
    throwIfCanceled(feedback);
    reportProgress(feedback, int64_t(row), int64_t(ys.size()), "windows of rows " + std::to_string(ys[row]));
    const int y = ys[row];
    const torch::Tensor dn = readDates(dates, {0, y, width, window});  // (6, T, window, width), NaN = fill
    // Pixels with fill in any band of any date, or under cloud when asked, get no prediction.
    torch::Tensor usable = dn.isfinite().all(0).all(0);
    if (options.maskClouds)
      for (const Scene& scene : dates) {
        if (!scene.band(BandRole::Fmask)) continue;
        const RasterBlock fmask = SceneReader(scene).read({0, y, width, window}, fmaskRole, DataType::Byte);
        std::vector<uint8_t> clear(size_t(width) * window);
        for (size_t p = 0; p < clear.size(); ++p) {
          const FmaskFlags flags = decodeFmask(fmask.band<uint8_t>(0)[p]);
          clear[p] = !(flags.cloud || flags.shadow);
        }
        usable &= torch::from_blob(clear.data(), {window, width}, torch::kUInt8).to(torch::kBool);
      }
    const int offset = y - top;  // where this row of windows starts in the buffer
    valid.slice(0, offset, offset + window) &= usable;
    const torch::Tensor input = normaliseChip(dn, config.mean, config.std);
    for (size_t first = 0; first < xs.size(); first += size_t(options.batch)) {
      const size_t last = std::min(xs.size(), first + size_t(options.batch));
      std::vector<torch::Tensor> windows;
      for (size_t i = first; i < last; ++i) windows.push_back(input.slice(3, xs[i], xs[i] + window));
      torch::Tensor probability;
      {
        model::CudaBf16Autocast autocast(device);
        probability = torch::softmax(network.segmentation->forward(torch::stack(windows).to(device)).to(torch::kFloat32), 1)
                          .to(torch::kCPU);
      }
      for (size_t i = first; i < last; ++i) {
        const int x = xs[i];
        sum.slice(1, offset, offset + window).slice(2, x, x + window) += probability[int64_t(i - first)] * weights;
        weightSum.slice(0, offset, offset + window).slice(1, x, x + window) += weights;
      }
      result.windows += int64_t(last - first);
    }
    flush(row + 1 < ys.size() ? ys[row + 1] : grid.height);
  }
  reportProgress(feedback, int64_t(ys.size()), int64_t(ys.size()), "writing " + outPath);
  writer.finish(feedback);
  return result;
}

}  // namespace prithvi::engine
