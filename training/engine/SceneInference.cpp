#include "training/engine/SceneInference.h"

#include <torch/torch.h>

#include <QDir>
#include <cmath>

#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/raster/RasterWriter.h"
#include "core/scene/SceneReader.h"

namespace prithvi::engine {

namespace {

// Windows of `size` covering width x height; the last row/column reach past the edge and are
// padded by replicating edge pixels.
std::vector<Window> windowsOver(int width, int height, int size) {
  std::vector<Window> windows;
  for (int y = 0; y < height; y += size)
    for (int x = 0; x < width; x += size) windows.push_back({x, y, size, size});
  return windows;
}

Window clipped(const Window& window, int width, int height) {
  return {window.x, window.y, std::min(window.width, width - window.x), std::min(window.height, height - window.y)};
}

// (C, T, h, w) -> (C, T, size, size) by replicating the last row and column.
torch::Tensor padTo(const torch::Tensor& block, int size) {
  const int64_t h = block.size(2), w = block.size(3);
  if (h == size && w == size) return block;
  namespace F = torch::nn::functional;
  // Replicate padding needs a batch dimension and works on the last two axes.
  auto flat = block.reshape({1, block.size(0) * block.size(1), h, w});
  flat = F::pad(flat, F::PadFuncOptions({0, size - w, 0, size - h}).mode(torch::kReplicate));
  return flat.reshape({block.size(0), block.size(1), size, size});
}

void checkFrames(const model::PrithviConfig& config, size_t dates) {
  if (dates == 0) throwUsage("no scenes to run");
  if (int64_t(dates) % config.tubeletSize != 0)
    throwUsage(std::to_string(dates) + " dates do not divide into tubelets of " + std::to_string(config.tubeletSize));
}

}  // namespace

torch::Tensor readDates(const std::vector<Scene>& dates, const Window& window) {
  const int64_t T = int64_t(dates.size());
  auto out = torch::empty({6, T, window.height, window.width}, torch::kFloat32);
  const std::vector<BandRole> roles(std::begin(kPrithviBands), std::end(kPrithviBands));
  for (int64_t t = 0; t < T; ++t) {
    const Scene& scene = dates[t];
    if (!scene.hasPrithviBands())
      throwBadInput("scene " + scene.id + " lacks some of Prithvi's six bands (Blue, Green, Red, NIR, SWIR1, SWIR2)");
    if (const std::string difference = gridDifference(dates.front().grid(), scene.grid()); !difference.empty())
      throwBadInput("scene " + scene.id + " is not on the grid of " + dates.front().id + " (" + difference + ")");
    const RasterBlock block = SceneReader(scene).read(window, roles, DataType::Float32);
    for (int b = 0; b < 6; ++b) {
      const SceneBand& band = *scene.band(kPrithviBands[b]);
      auto plane = torch::from_blob(const_cast<float*>(block.band<float>(b)), {window.height, window.width}, torch::kFloat32).clone();
      if (band.nodata) plane.masked_fill_(plane == float(*band.nodata), NAN);
      // The statistics are in HLS DN; rasters with another scale (reflectance) are brought to DN.
      const double toDn = band.scale / kHlsReflectanceScale;
      if (std::abs(toDn - 1.0) > 1e-9 || band.offset != 0) plane = (plane * band.scale + band.offset) / kHlsReflectanceScale;
      out[b][t].copy_(plane);
    }
  }
  return out;
}

torch::Tensor normalise(const torch::Tensor& dn, const model::PrithviConfig& config) {
  auto mean = torch::tensor(std::vector<double>(config.mean.begin(), config.mean.end()), torch::kFloat32).view({6, 1, 1, 1});
  auto stdev = torch::tensor(std::vector<double>(config.std.begin(), config.std.end()), torch::kFloat32).view({6, 1, 1, 1});
  auto z = (dn - mean) / stdev;
  return torch::nan_to_num(z, 0.0001);
}

torch::Tensor denormalise(const torch::Tensor& z, const model::PrithviConfig& config) {
  auto mean = torch::tensor(std::vector<double>(config.mean.begin(), config.mean.end()), torch::kFloat32).view({6, 1, 1, 1});
  auto stdev = torch::tensor(std::vector<double>(config.std.begin(), config.std.end()), torch::kFloat32).view({6, 1, 1, 1});
  return z * stdev + mean;
}

void embedScenes(model::PrithviEncoderImpl& encoder, const std::vector<Scene>& dates, const std::string& outPath,
                 const SceneRunOptions& options, Feedback* feedback) {
  const model::PrithviConfig& config = encoder.config();
  checkFrames(config, dates.size());
  if (config.inChans != 6) throwUsage("embedding scenes needs a 6-band model; this one takes " + std::to_string(config.inChans));
  if (options.threads > 0) model::setIntraOpThreads(options.threads);
  const Scene& scene = dates.front();
  const int size = int(config.imgSize), patch = int(config.patchSize);
  const int gridW = (scene.width + patch - 1) / patch, gridH = (scene.height + patch - 1) / patch;
  const int64_t dim = config.embedDim;
  std::vector<float> features(size_t(dim) * gridW * gridH, 0.0f);
  const auto windows = windowsOver(scene.width, scene.height, size);
  torch::InferenceMode inference;
  encoder.eval();
  for (size_t first = 0; first < windows.size(); first += size_t(std::max(1, options.batch))) {
    throwIfCanceled(feedback);
    reportProgress(feedback, int64_t(first), int64_t(windows.size()), "embedding windows");
    const size_t last = std::min(windows.size(), first + size_t(std::max(1, options.batch)));
    std::vector<torch::Tensor> inputs;
    for (size_t i = first; i < last; ++i)
      inputs.push_back(padTo(normalise(readDates(dates, clipped(windows[i], scene.width, scene.height)), config), size));
    const auto tokens = encoder.forwardFeatures(torch::stack(inputs));  // (B, 1 + L, D)
    const int64_t hp = size / patch, frames = tokens.size(1) / (hp * hp);
    // Drop cls, (B, T', Hp, Wp, D), mean over time.
    const auto perPatch = tokens.slice(1, 1).reshape({int64_t(inputs.size()), frames, hp, hp, dim}).mean(1).contiguous();
    for (size_t i = first; i < last; ++i) {
      const auto one = perPatch[int64_t(i - first)];
      const auto* values = one.data_ptr<float>();
      const int px0 = windows[i].x / patch, py0 = windows[i].y / patch;
      for (int py = 0; py < hp && py0 + py < gridH; ++py)
        for (int px = 0; px < hp && px0 + px < gridW; ++px)
          for (int64_t d = 0; d < dim; ++d)
            features[(size_t(d) * gridH + py0 + py) * gridW + px0 + px] = values[(size_t(py) * hp + px) * dim + d];
    }
  }
  const GeoTransform& t = scene.geoTransform;
  const GeoTransform patchGrid({t.originX(), t.pixelWidth() * patch, 0, t.originY(), 0, t.pixelHeight() * patch});
  RasterWriteOptions write;
  write.cog = false;
  write.compression = "ZSTD";
  write.metadata = {{"PRITHVI_MODEL", config.name}, {"PRITHVI_SOURCE", scene.id}, {"PRITHVI_PRODUCT", "encoder embedding"}};
  writeRaster(outPath, gridW, gridH, int(dim), DataType::Float32, features.data(), patchGrid, scene.crsWkt, write);
  reportProgress(feedback, int64_t(windows.size()), int64_t(windows.size()), "embedding written");
}

ReconstructionFiles reconstructScenes(model::PrithviMaeImpl& mae, const std::vector<Scene>& dates, const std::string& outDir,
                                      const SceneRunOptions& options, Feedback* feedback) {
  const model::PrithviConfig& config = mae.config();
  checkFrames(config, dates.size());
  if (options.threads > 0) model::setIntraOpThreads(options.threads);
  if (!QDir().mkpath(QString::fromStdString(outDir))) throwIo("cannot create " + outDir);
  const Scene& scene = dates.front();
  const int64_t T = int64_t(dates.size());
  const int size = int(config.imgSize), patch = int(config.patchSize);
  const size_t plane = size_t(scene.width) * scene.height;
  std::vector<int16_t> reconstructed(size_t(T) * 6 * plane, kHlsFill);
  std::vector<uint8_t> hidden(size_t(T) * plane, 0);
  const auto windows = windowsOver(scene.width, scene.height, size);
  torch::manual_seed(options.seed);
  torch::InferenceMode inference;
  mae.eval();
  for (size_t i = 0; i < windows.size(); ++i) {
    throwIfCanceled(feedback);
    reportProgress(feedback, int64_t(i), int64_t(windows.size()), "reconstructing windows");
    const Window part = clipped(windows[i], scene.width, scene.height);
    const auto dn = readDates(dates, part);
    const auto pixels = padTo(normalise(dn, config), size).unsqueeze(0);  // (1, C, T, S, S)
    const auto out = mae.forward(pixels, {}, options.maskRatio);
    const auto predicted = denormalise(mae.unpatchify(out.pred, out.grid)[0], config);  // (C, T, S, S)
    // Token mask (t, h, w order) to pixels.
    const int64_t hp = size / patch;
    auto mask = out.mask[0].reshape({out.grid.t, hp, hp}).repeat_interleave(config.tubeletSize, 0);
    mask = mask.repeat_interleave(patch, 1).repeat_interleave(patch, 2);  // (T, S, S)
    const auto dnPadded = padTo(dn, size);
    const auto filled = torch::where(mask.unsqueeze(0) > 0.5, predicted, dnPadded);
    const auto result = torch::where(torch::isnan(dnPadded), torch::full_like(filled, kHlsFill), filled.round().clamp(-32768, 32767))
                            .to(torch::kInt16)
                            .contiguous();
    const auto maskBytes = mask.to(torch::kUInt8).contiguous();
    for (int64_t t = 0; t < T; ++t)
      for (int y = 0; y < part.height; ++y) {
        for (int b = 0; b < 6; ++b)
          std::memcpy(&reconstructed[(size_t(t) * 6 + b) * plane + size_t(part.y + y) * scene.width + part.x],
                      result[b][t][y].data_ptr<int16_t>(), size_t(part.width) * sizeof(int16_t));
        std::memcpy(&hidden[size_t(t) * plane + size_t(part.y + y) * scene.width + part.x], maskBytes[t][y].data_ptr<uint8_t>(),
                    size_t(part.width));
      }
  }
  ReconstructionFiles files;
  RasterWriteOptions write;
  write.nodata = kHlsFill;
  write.metadata = {{"PRITHVI_MODEL", config.name}, {"PRITHVI_MASK_RATIO", std::to_string(options.maskRatio)},
                    {"PRITHVI_SEED", std::to_string(options.seed)}};
  for (BandRole role : kPrithviBands) write.bandDescriptions.push_back(bandRoleName(role));
  for (int64_t t = 0; t < T; ++t) {
    const std::string path = outDir + "/" + dates[t].id + ".reconstruction.tif";
    writeRaster(path, scene.width, scene.height, 6, DataType::Int16, &reconstructed[size_t(t) * 6 * plane], scene.geoTransform,
                scene.crsWkt, write);
    files.reconstructions.push_back(path);
  }
  RasterWriteOptions maskWrite;
  for (int64_t t = 0; t < T; ++t) maskWrite.bandDescriptions.push_back("hidden " + dates[t].id);
  files.mask = outDir + "/mask.tif";
  writeRaster(files.mask, scene.width, scene.height, int(T), DataType::Byte, hidden.data(), scene.geoTransform, scene.crsWkt,
              maskWrite);
  reportProgress(feedback, int64_t(windows.size()), int64_t(windows.size()), "reconstruction written");
  return files;
}

}  // namespace prithvi::engine
