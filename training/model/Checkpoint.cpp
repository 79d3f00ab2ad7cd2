#include "training/model/Checkpoint.h"

#include <algorithm>
#include <fstream>
#include <unordered_map>
#include <unordered_set>

#include <torch/torch.h>

#include "core/base/Error.h"

namespace prithvi::model {

namespace {

bool startsWith(const std::string& s, const std::string& prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

std::string listText(const std::vector<std::string>& names, size_t max = 12) {
  std::string s;
  for (size_t i = 0; i < names.size() && i < max; ++i) s += (i ? ", " : "") + names[i];
  if (names.size() > max) s += ", ... (" + std::to_string(names.size()) + " in all)";
  return s;
}

bool isPosEmbed(const std::string& key) {
  const auto dot = key.rfind('.');
  const std::string tail = dot == std::string::npos ? key : key.substr(dot + 1);
  return tail == "pos_embed" || tail == "decoder_pos_embed";
}

void note(std::vector<std::string>* notes, std::string line) {
  if (notes) notes->push_back(std::move(line));
}

}  // namespace

// -------------------------------------------------------------------------------------------------

StateDict canonicalPrithviKeys(const StateDict& raw, std::vector<std::string>* notes) {
  std::vector<std::pair<std::string, torch::Tensor>> current = raw.tensors;

  // Checkpoint wrappers: {"state_dict": ...}, {"model": ...}, possibly nested.
  for (int level = 0; level < 4; ++level) {
    bool descended = false;
    for (const std::string wrapper : {"state_dict.", "model.", "model_state.", "model_state_dict."}) {
      const bool any = std::any_of(current.begin(), current.end(),
                                   [&](const auto& item) { return startsWith(item.first, wrapper); });
      if (!any) continue;
      std::vector<std::pair<std::string, torch::Tensor>> inner;
      std::vector<std::string> dropped;
      for (auto& [name, tensor] : current) {
        if (startsWith(name, wrapper)) inner.emplace_back(name.substr(wrapper.size()), tensor);
        else dropped.push_back(name);
      }
      std::string line = "descended into '" + wrapper.substr(0, wrapper.size() - 1) + "'";
      if (!dropped.empty()) {
        line += " and dropped " + std::to_string(dropped.size()) + " other tensors (" +
                listText(dropped, 4) + ")";
      }
      note(notes, line);
      current = std::move(inner);
      descended = true;
      break;
    }
    if (!descended) break;
  }

  // DistributedDataParallel wraps everything in "module.".
  if (!current.empty() && std::all_of(current.begin(), current.end(), [](const auto& item) {
        return startsWith(item.first, "module.");
      })) {
    for (auto& item : current) item.first = item.first.substr(7);
    note(notes, "stripped the 'module.' prefix (DistributedDataParallel)");
  }

  const bool maeLayout = std::any_of(current.begin(), current.end(), [](const auto& item) {
    return startsWith(item.first, "encoder.") || startsWith(item.first, "decoder.");
  });
  const bool mmseg = !maeLayout && std::any_of(current.begin(), current.end(), [](const auto& item) {
    return startsWith(item.first, "backbone.");
  });

  StateDict out;
  out.metadata = raw.metadata;
  out.tensors.reserve(current.size());
  if (maeLayout) {
    note(notes, "PrithviMAE layout (encoder./decoder.): keys kept as they are");
    out.tensors = std::move(current);
  } else if (mmseg) {
    int64_t mapped = 0;
    for (auto& [name, tensor] : current) {
      if (startsWith(name, "backbone.")) {
        out.tensors.emplace_back("encoder." + name.substr(9), tensor);
        ++mapped;
      } else {
        out.tensors.emplace_back(name, tensor);
      }
    }
    note(notes, "mmseg layout: " + std::to_string(mapped) + " backbone. keys mapped to encoder., " +
                    std::to_string(current.size() - mapped) + " other keys (neck, heads) kept");
  } else {
    int64_t decoder = 0;
    for (auto& [name, tensor] : current) {
      const bool isDecoder = name.find("decoder") != std::string::npos ||
                             name.find("_dec") != std::string::npos || name == "mask_token";
      decoder += isDecoder;
      out.tensors.emplace_back((isDecoder ? "decoder." : "encoder.") + name, tensor);
    }
    note(notes, "flat EO-1.0 layout: " + std::to_string(current.size() - decoder) +
                    " keys mapped to encoder., " + std::to_string(decoder) + " to decoder.");
  }
  // Two source keys may collide after mapping (e.g. "x" and "encoder.x" both present).
  std::unordered_set<std::string> seen;
  for (const auto& item : out.tensors) {
    if (!seen.insert(item.first).second) {
      throwBadInput("the checkpoint holds two tensors that both map to '" + item.first + "'");
    }
  }
  return out;
}

// -------------------------------------------------------------------------------------------------

std::string CheckpointLoadReport::text() const {
  std::string s = "loaded " + std::to_string(loaded.size()) + " tensors";
  if (!ignored.empty()) s += "; ignored " + std::to_string(ignored.size()) + " (" + listText(ignored, 6) + ")";
  if (!missing.empty()) s += "; missing " + std::to_string(missing.size()) + ": " + listText(missing);
  if (!unexpected.empty()) {
    s += "; unexpected " + std::to_string(unexpected.size()) + ": " + listText(unexpected);
  }
  if (!shapeMismatch.empty()) {
    s += "; shape mismatch " + std::to_string(shapeMismatch.size()) + ": " + listText(details);
  }
  return s;
}

CheckpointLoadReport loadIntoModule(torch::nn::Module& module, const StateDict& canonical,
                                    const CheckpointLoadOptions& options) {
  CheckpointLoadReport report;
  std::unordered_map<std::string, const torch::Tensor*> byName;
  for (const auto& [name, tensor] : canonical.tensors) {
    if (!startsWith(name, options.prefix)) {
      report.ignored.push_back(name);
      continue;
    }
    byName[name.substr(options.prefix.size())] = &tensor;
  }

  std::vector<std::pair<std::string, torch::Tensor>> targets;
  for (const auto& item : module.named_parameters(true)) targets.emplace_back(item.key(), item.value());
  for (const auto& item : module.named_buffers(true)) targets.emplace_back(item.key(), item.value());

  std::unordered_set<std::string> used;
  {
    torch::NoGradGuard noGrad;
    for (auto& [key, target] : targets) {
      const auto it = byName.find(key);
      if (options.ignorePosEmbed && isPosEmbed(key)) {
        if (it != byName.end()) {
          used.insert(key);
          report.ignored.push_back(key);
        }
        continue;
      }
      if (it == byName.end()) {
        report.missing.push_back(key);
        continue;
      }
      used.insert(key);
      const torch::Tensor& source = *it->second;
      if (!source.defined() || source.sizes() != target.sizes()) {
        report.shapeMismatch.push_back(key);
        report.details.push_back(key + ": checkpoint " +
                                 (source.defined() ? shapeText(source.sizes()) : "undefined") +
                                 " vs module " + shapeText(target.sizes()));
        continue;
      }
      // NaN or infinite weights give a confident, wrong map rather than an error downstream.
      if (source.is_floating_point()) {
        const int64_t bad = source.numel() - torch::isfinite(source).sum().item<int64_t>();
        if (bad > 0)
          throwBadInput("checkpoint tensor '" + options.prefix + key + "' holds " + std::to_string(bad) +
                        " non-finite value(s) (NaN or infinity): the file is damaged or its training diverged; "
                        "use an earlier checkpoint");
      }
      target.copy_(source.to(target.device(), target.scalar_type()));
      report.loaded.push_back(key);
    }
  }
  for (const auto& [fullName, tensor] : canonical.tensors) {
    if (!startsWith(fullName, options.prefix)) continue;
    const std::string name = fullName.substr(options.prefix.size());
    if (used.count(name)) continue;
    const bool ignoredPrefix =
        std::any_of(options.ignorePrefixes.begin(), options.ignorePrefixes.end(),
                    [&](const std::string& prefix) { return startsWith(name, prefix); });
    if ((options.ignorePosEmbed && isPosEmbed(name)) || ignoredPrefix) {
      report.ignored.push_back(name);
    } else {
      report.unexpected.push_back(name);
    }
  }
  if (options.strict && !report.complete()) {
    throwBadInput("the checkpoint does not match the model: " + report.text());
  }
  return report;
}

// -------------------------------------------------------------------------------------------------

torch::Tensor selectPatchEmbedChannels(const torch::Tensor& weight,
                                       const std::vector<std::string>& checkpointBands,
                                       const std::vector<std::string>& modelBands,
                                       const torch::Tensor& freshInit,
                                       std::vector<std::string>* notes) {
  if (!weight.defined() || !freshInit.defined() || weight.dim() != 5 || freshInit.dim() != 5) {
    throwUsage("patch-embed weights must be Conv3d weights [D, C, t, p, p]");
  }
  if (weight.size(1) != static_cast<int64_t>(checkpointBands.size())) {
    throwUsage("the checkpoint patch-embed weight has " + std::to_string(weight.size(1)) +
               " input channels but " + std::to_string(checkpointBands.size()) + " band names were given");
  }
  if (freshInit.size(1) != static_cast<int64_t>(modelBands.size())) {
    throwUsage("the model patch-embed weight has " + std::to_string(freshInit.size(1)) +
               " input channels but " + std::to_string(modelBands.size()) + " band names were given");
  }
  for (int d : {0, 2, 3, 4}) {
    if (weight.size(d) != freshInit.size(d)) {
      throwUsage("patch-embed weights differ beyond the band axis: checkpoint " +
                 shapeText(weight.sizes()) + " vs model " + shapeText(freshInit.sizes()));
    }
  }
  auto checkUnique = [](const std::vector<std::string>& bands, const char* which) {
    std::unordered_set<std::string> seen;
    for (const auto& b : bands) {
      if (!seen.insert(b).second) throwUsage(std::string("band '") + b + "' appears twice in the " + which + " bands");
    }
  };
  checkUnique(checkpointBands, "checkpoint");
  checkUnique(modelBands, "model");

  torch::NoGradGuard noGrad;
  torch::Tensor result = freshInit.detach().clone();
  std::vector<std::string> copied, fresh, dropped;
  for (size_t i = 0; i < modelBands.size(); ++i) {
    const auto it = std::find(checkpointBands.begin(), checkpointBands.end(), modelBands[i]);
    if (it == checkpointBands.end()) {
      fresh.push_back(modelBands[i]);
      continue;
    }
    const int64_t j = it - checkpointBands.begin();
    result.select(1, static_cast<int64_t>(i)).copy_(weight.select(1, j));
    copied.push_back(modelBands[i]);
  }
  for (const auto& b : checkpointBands) {
    if (std::find(modelBands.begin(), modelBands.end(), b) == modelBands.end()) dropped.push_back(b);
  }
  note(notes, "patch embedding: " + std::to_string(copied.size()) + " bands from the checkpoint (" +
                  listText(copied) + ")" + (fresh.empty() ? "" : ", new bands with a fresh init: " + listText(fresh)) +
                  (dropped.empty() ? "" : ", dropped: " + listText(dropped)));
  return result;
}

torch::Tensor interpolatePosEmbed(const torch::Tensor& posEmbed, int64_t fromFrames, int64_t fromH,
                                  int64_t fromW, int64_t toFrames, int64_t toH, int64_t toW,
                                  std::vector<std::string>* notes) {
  if (fromFrames <= 0 || fromH <= 0 || fromW <= 0 || toFrames <= 0 || toH <= 0 || toW <= 0) {
    throwUsage("position-embedding grids must be positive");
  }
  if (!posEmbed.defined() || posEmbed.dim() != 3 || posEmbed.size(0) != 1 ||
      posEmbed.size(1) != 1 + fromFrames * fromH * fromW) {
    throwUsage("position embedding " + (posEmbed.defined() ? shapeText(posEmbed.sizes()) : "undefined") +
               " does not fit the grid " + std::to_string(fromFrames) + "x" + std::to_string(fromH) + "x" +
               std::to_string(fromW) + " (expected [1, " + std::to_string(1 + fromFrames * fromH * fromW) +
               ", D])");
  }
  torch::NoGradGuard noGrad;
  if (fromFrames == toFrames && fromH == toH && fromW == toW) return posEmbed.detach().clone();
  const int64_t dim = posEmbed.size(2);
  const auto dtype = posEmbed.scalar_type();
  torch::Tensor cls = posEmbed.detach().slice(1, 0, 1);
  torch::Tensor grid = posEmbed.detach().slice(1, 1).reshape({fromFrames, fromH, fromW, dim});
  if (toFrames != fromFrames) {
    std::vector<int64_t> index;
    for (int64_t t = 0; t < toFrames; ++t) index.push_back(std::min(t, fromFrames - 1));
    grid = grid.index_select(0, torch::tensor(index, torch::kLong).to(grid.device()));
    note(notes, toFrames < fromFrames
                    ? "position embedding: kept the first " + std::to_string(toFrames) + " of " +
                          std::to_string(fromFrames) + " frames"
                    : "position embedding: repeated the last of " + std::to_string(fromFrames) +
                          " frames to reach " + std::to_string(toFrames) +
                          "; the extra frames lose their temporal encoding (regenerate a sin-cos "
                          "table instead)");
  }
  if (toH != fromH || toW != fromW) {
    torch::Tensor frames = grid.permute({0, 3, 1, 2}).to(torch::kFloat32);  // [T, D, H, W]
    frames = torch::nn::functional::interpolate(
        frames, torch::nn::functional::InterpolateFuncOptions()
                    .size(std::vector<int64_t>{toH, toW})
                    .mode(torch::kBicubic)
                    .align_corners(true));
    grid = frames.permute({0, 2, 3, 1}).to(dtype);  // [T, H, W, D]
    note(notes, "position embedding: resized each frame from " + std::to_string(fromH) + "x" +
                    std::to_string(fromW) + " to " + std::to_string(toH) + "x" + std::to_string(toW) +
                    " patches (bicubic, align_corners=True)");
  }
  return torch::cat({cls, grid.reshape({1, toFrames * toH * toW, dim})}, 1).contiguous();
}

// -------------------------------------------------------------------------------------------------

void saveTrainingCheckpoint(const std::string& path, const StateDict& model,
                            const StateDict& optimizer, const std::string& configJson,
                            const std::string& metricsJson,
                            const std::map<std::string, std::string>& extra) {
  StateDict file;
  file.tensors.reserve(model.size() + optimizer.size());
  for (const auto& [name, tensor] : model.tensors) file.tensors.emplace_back("model." + name, tensor);
  for (const auto& [name, tensor] : optimizer.tensors) {
    file.tensors.emplace_back("optimizer." + name, tensor);
  }
  file.metadata["prithvi.format"] = kTrainingCheckpointFormat;
  file.metadata["prithvi.config"] = configJson;
  file.metadata["prithvi.metrics"] = metricsJson;
  for (const auto& [key, value] : extra) file.metadata["extra." + key] = value;
  writeSafetensors(path, file);
}

bool isTrainingCheckpoint(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  unsigned char length[8] = {};
  if (!file.read(reinterpret_cast<char*>(length), 8)) return false;
  uint64_t size = 0;
  for (int i = 7; i >= 0; --i) size = (size << 8) | length[i];
  if (size == 0 || size > (64u << 20)) return false;
  std::string header(size, '\0');
  return bool(file.read(header.data(), std::streamsize(size))) && header.find("\"prithvi.format\"") != std::string::npos;
}

TrainingCheckpoint loadTrainingCheckpoint(const std::string& path, const ReadLimits& limits) {
  StateDict file = readSafetensors(path, limits);
  const auto format = file.metadata.find("prithvi.format");
  if (format == file.metadata.end()) {
    throwBadInput(path + ": not a Prithvi Studio training checkpoint (no prithvi.format metadata)");
  }
  if (format->second != kTrainingCheckpointFormat) {
    throwBadInput(path + ": unsupported training checkpoint format '" + format->second + "'");
  }
  TrainingCheckpoint out;
  for (auto& [name, tensor] : file.tensors) {
    if (startsWith(name, "model.")) {
      out.model.tensors.emplace_back(name.substr(6), std::move(tensor));
    } else if (startsWith(name, "optimizer.")) {
      out.optimizer.tensors.emplace_back(name.substr(10), std::move(tensor));
    } else {
      throwBadInput(path + ": training checkpoint tensor '" + name +
                    "' is neither under model. nor under optimizer.");
    }
  }
  for (const auto& [key, value] : file.metadata) {
    if (key == "prithvi.config") out.configJson = value;
    else if (key == "prithvi.metrics") out.metricsJson = value;
    else if (startsWith(key, "extra.")) out.extra[key.substr(6)] = value;
  }
  return out;
}

}  // namespace prithvi::model
