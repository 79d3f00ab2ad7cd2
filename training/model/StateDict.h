#pragma once
// Named tensors as checkpoints hold them, and the two file formats we read without running
// any code: safetensors (read and write) and torch.save zip archives (read, through a
// restricted unpickler that accepts only tensors and plain containers).

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <torch/types.h>

namespace prithvi::model {

// Ordered as in the file.
struct StateDict {
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  std::map<std::string, std::string> metadata;  // safetensors __metadata__; empty for .pt

  const torch::Tensor* find(const std::string& name) const;
  void set(const std::string& name, torch::Tensor tensor);  // replaces or appends
  size_t size() const { return tensors.size(); }
};

struct ReadLimits {
  // The safetensors JSON header; for torch.save archives, the zip central directory (at least
  // 1 MB), which libzip must read whole before the records can be counted.
  int64_t maxHeaderBytes = 100LL << 20;
  int64_t maxTensors = 100000;
  int64_t maxTotalBytes = 16LL << 30;
  // torch.save archives: size of data.pkl, objects the unpickler may create (also the memo
  // size), depth of its value stack. The zip may hold at most maxTensors + 64 records.
  int64_t maxPickleBytes = 100LL << 20;
  int64_t maxPickleObjects = 2000000;
  int64_t maxPickleStack = 65536;
};

// Throws prithvi::Error(BadInput) with a message naming the problem (bad header, offsets out
// of range or overlapping, dtype/shape mismatch, too many entries, ...).
StateDict readSafetensors(const std::string& path, const ReadLimits& limits = {});
// Written atomically: temp file in the same folder, fsync, rename, fsync of the folder.
// Tensors are written contiguous, little-endian, in the order given.
void writeSafetensors(const std::string& path, const StateDict& state);

// A torch.save archive (zip with data.pkl and data/<n> storages). Only these globals are
// accepted: collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter,
// torch.*Storage (Float/Double/Half/BFloat16/Long/Int/Short/Char/Byte/Bool), torch.Size,
// builtins dict/list/tuple/set (also spelled __builtin__), and _codecs.encode(str, 'latin1'),
// which is how protocol 2 writes bytes (evaluated natively). Anything else is refused with Error(BadInput) naming the
// global, before any tensor is built. Nested dicts are flattened with "." between levels.
StateDict readTorchCheckpoint(const std::string& path, const ReadLimits& limits = {});

// "[1, 589, 768]"
std::string shapeText(at::IntArrayRef sizes);

// Either format by content (the zip magic or the safetensors header).
StateDict readCheckpoint(const std::string& path, const ReadLimits& limits = {});

}  // namespace prithvi::model
