// safetensors files, read and written without running any code.
//
// Reading: the 8-byte header length, the JSON header (Json.h, with limits scaled to
// ReadLimits::maxTensors) and every tensor's byte range are checked before anything large is
// allocated. Tensors must tile the data section exactly (as the reference implementation
// demands), so ranges can neither overlap nor leave holes.

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <random>

#include <torch/torch.h>

#include "core/base/Error.h"
#include "training/model/Json.h"
#include "training/model/StateDict.h"
#include "training/model/StateDictIo.h"

namespace prithvi::model {

using io::bad;
using io::checkedProduct;
using io::DtypeInfo;
using io::InputFile;

namespace {

// What the writer checks of names and metadata before the header is built, to say which one is
// wrong (nlohmann's dump refuses invalid UTF-8 without naming it). The reader leaves this to the
// JSON lexer, which refuses ill-formed UTF-8 in strings.
bool isValidUtf8(const std::string& s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    int len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (int k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Atomic writes: temp file in the same folder, write, fsync, rename, fsync of the folder.

class AtomicWriter {
 public:
  explicit AtomicWriter(const std::string& path) : mPath(path) {
    const auto slash = path.rfind('/');
    mDir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
    const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    if (base.empty()) throwUsage("cannot write '" + path + "': the path names a folder");
    std::random_device rd;
    for (int attempt = 0; attempt < 16; ++attempt) {
      char suffix[32];
      std::snprintf(suffix, sizeof suffix, ".tmp-%d-%08x", static_cast<int>(::getpid()), rd());
      mTemp = mDir + "/." + base + suffix;
      mFd = ::open(mTemp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      if (mFd >= 0) return;
      if (errno != EEXIST) break;
    }
    const int e = errno;
    mTemp.clear();
    throwIo("cannot write '" + path + "': cannot create a temporary file in '" + mDir +
            "': " + std::strerror(e));
  }
  ~AtomicWriter() { discard(); }
  AtomicWriter(const AtomicWriter&) = delete;
  AtomicWriter& operator=(const AtomicWriter&) = delete;

  void write(const void* data, int64_t n) {
    const auto* p = static_cast<const char*>(data);
    while (n > 0) {
      const size_t chunk = static_cast<size_t>(std::min<int64_t>(n, 1LL << 30));
      const ssize_t done = ::write(mFd, p, chunk);
      if (done < 0) {
        if (errno == EINTR) continue;
        fail("write failed");
      }
      if (done == 0) {
        errno = ENOSPC;
        fail("write failed");
      }
      p += done;
      n -= done;
    }
  }

  void commit() {
    if (::fsync(mFd) != 0) fail("fsync failed");
    const int fd = mFd;
    mFd = -1;
    if (::close(fd) != 0) fail("close failed");
    if (::rename(mTemp.c_str(), mPath.c_str()) != 0) fail("rename failed");
    mTemp.clear();  // the file is in place
    const int dirFd = ::open(mDir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirFd >= 0) {
      const int rc = ::fsync(dirFd);
      const int e = errno;
      ::close(dirFd);
      if (rc != 0 && e != EINVAL && e != EROFS) {
        throwIo("wrote '" + mPath + "' but could not sync its folder: " + std::strerror(e));
      }
    }
  }

 private:
  [[noreturn]] void fail(const char* what) {
    const int e = errno;
    discard();
    // Worded as core's throwWriteFailure (AtomicFile.h) words it; training/model links no core code.
    if (e == ENOSPC || e == EDQUOT)
      throwIo("disk full: " + mPath + " (free some space there and try again; an older file of that name is unchanged)");
    throwIo("cannot write " + mPath + ": " + what + ": " + std::strerror(e));
  }
  void discard() {
    if (mFd >= 0) {
      ::close(mFd);
      mFd = -1;
    }
    if (!mTemp.empty()) {
      ::unlink(mTemp.c_str());
      mTemp.clear();
    }
  }

  std::string mPath, mDir, mTemp;
  int mFd = -1;
};

// One tensor's description as the header gives it.
struct HeaderEntry {
  std::string name;
  const DtypeInfo* dtype = nullptr;
  std::vector<int64_t> shape;
  int64_t begin = 0, end = 0;
};

// Reads the header's JSON as it arrives (no document is built: this is the hot path of every
// safetensors load and the part a hostile file controls) and checks each entry when its object
// closes: known fields only, each once; a supported dtype; shape and data_offsets of integers in
// [0, 2^63); the range inside the data section and as long as shape x dtype says.
class SafetensorsHeaderReader : public JsonEventReader {
 public:
  using string_t = Json::string_t;

  SafetensorsHeaderReader(const std::string& path, const std::string& context, int64_t dataSize, int64_t maxTensors,
                          StateDict& state)
      : JsonEventReader(context), mPath(path), mDataSize(dataSize), mMaxTensors(maxTensors), mState(state) {}

  std::vector<HeaderEntry> takeEntries() {
    // Duplicate names, found once all are known: sorting is cheaper than hashing every name.
    std::vector<const HeaderEntry*> byName;
    byName.reserve(mEntries.size());
    for (const HeaderEntry& e : mEntries) byName.push_back(&e);
    std::sort(byName.begin(), byName.end(), [](const auto* a, const auto* b) { return a->name < b->name; });
    for (size_t i = 1; i < byName.size(); ++i) {
      if (byName[i]->name == byName[i - 1]->name) duplicate(byName[i]->name);
    }
    return std::move(mEntries);
  }

  bool start_object(std::size_t) {
    if (mIn == In::Nothing) {
      mIn = In::Root;
    } else if (mIn == In::Root && mKey == "__metadata__") {
      if (mSeenMetadata) duplicate(mKey);
      mSeenMetadata = true;
      mIn = In::Metadata;
    } else if (mIn == In::Root) {
      mEntries.emplace_back().name = std::move(mKey);
      mFields = 0;
      mIn = In::Tensor;
    } else {
      wrongValue();
    }
    return true;
  }
  bool key(string_t& key) {
    if (mIn == In::Root && key != "__metadata__" && static_cast<int64_t>(mEntries.size()) >= mMaxTensors) {
      bad(mPath, "the safetensors header has more than " + std::to_string(mMaxTensors) + " tensor entries (the limit)");
    }
    if (mIn == In::Tensor) {
      const unsigned field = key == "dtype" ? 1u : key == "shape" ? 2u : key == "data_offsets" ? 4u : 0u;
      if (!field) bad(mPath, "tensor " + entryName() + " has an unknown field " + quoteForMessage(key));
      if (mFields & field) duplicate(key);
      mFields |= field;
    }
    mKey = std::move(key);
    return true;
  }
  bool end_object() {
    if (mIn == In::Tensor) checkEntry(mEntries.back());
    mIn = mIn == In::Root ? In::Done : In::Root;
    return true;
  }
  bool start_array(std::size_t) {
    if (mIn != In::Tensor || mKey == "dtype") wrongValue();
    mIn = mKey == "shape" ? In::Shape : In::Offsets;
    return true;
  }
  bool end_array() {
    mIn = In::Tensor;
    return true;
  }
  bool string(string_t& value) {
    if (mIn == In::Metadata) {
      if (!mState.metadata.try_emplace(mKey, std::move(value)).second) duplicate(mKey);
    } else if (mIn == In::Tensor && mKey == "dtype") {
      HeaderEntry& e = mEntries.back();
      e.dtype = io::dtypeBySafetensorsName(value);
      if (!e.dtype) bad(mPath, "tensor " + entryName() + " has an unsupported dtype " + quoteForMessage(value));
    } else {
      wrongValue();
    }
    return true;
  }
  bool number_unsigned(Json::number_unsigned_t value) {
    if (value > static_cast<uint64_t>(INT64_MAX)) wrongValue();
    return addInteger(static_cast<int64_t>(value));
  }
  bool number_integer(Json::number_integer_t value) {
    // Only "-0" and negative numbers arrive here; nlohmann reads every other integer as unsigned.
    if (value != 0) wrongValue();
    return addInteger(0);
  }
  bool number_float(Json::number_float_t, const string_t&) { wrongValue(); }
  bool boolean(bool) { wrongValue(); }
  bool null() { wrongValue(); }

 private:
  enum class In { Nothing, Root, Metadata, Tensor, Shape, Offsets, Done };

  bool addInteger(int64_t value) {
    if (mIn != In::Shape && mIn != In::Offsets) wrongValue();
    HeaderEntry& e = mEntries.back();
    if (mIn == In::Shape) {
      if (e.shape.size() == 64) bad(mPath, "tensor " + entryName() + " has more than 64 dimensions");
      e.shape.push_back(value);
    } else {
      if (++mOffsetCount > 2) bad(mPath, "tensor " + entryName() + ": data_offsets must hold two numbers");
      (mOffsetCount == 1 ? e.begin : e.end) = value;
    }
    return true;
  }

  // A value of the wrong kind where it arrived, said as the reader would look for it.
  [[noreturn]] void wrongValue() const {
    switch (mIn) {
      case In::Root:
        if (mKey == "__metadata__") bad(mPath, "__metadata__ is not an object");
        bad(mPath, "tensor " + quoteForMessage(mKey) + " is not described by an object");
      case In::Metadata:
        bad(mPath, "__metadata__ value " + quoteForMessage(mKey) + " is not a string");
      case In::Tensor:
        bad(mPath, "tensor " + entryName() + ": " + mKey + (mKey == "dtype" ? " is not a string" : " is not an array"));
      case In::Shape:
      case In::Offsets:
        bad(mPath, "tensor " + entryName() + ": " + (mIn == In::Shape ? "shape" : "data_offsets") +
                       " holds something other than a non-negative integer");
      default:
        bad(mPath, "invalid safetensors header: not a JSON object");
    }
  }

  void checkEntry(HeaderEntry& e) {
    if (mFields != 7u) bad(mPath, "tensor " + entryName() + " lacks dtype, shape or data_offsets");
    if (mOffsetCount != 2) bad(mPath, "tensor " + entryName() + ": data_offsets must hold two numbers");
    mOffsetCount = 0;
    if (e.begin > e.end) bad(mPath, "tensor " + entryName() + ": data_offsets end before they begin");
    if (e.end > mDataSize) {
      bad(mPath, "tensor " + entryName() + ": data_offsets [" + std::to_string(e.begin) + ", " +
                     std::to_string(e.end) + "] run past the data section (" + std::to_string(mDataSize) + " bytes)");
    }
    int64_t bytes = 0;
    if (!checkedProduct(e.shape, e.dtype->size, &bytes) || bytes != e.end - e.begin) {
      bad(mPath, "tensor " + entryName() + ": shape " + shapeText(e.shape) + " of " + e.dtype->safetensorsName +
                     " does not match its byte range of " + std::to_string(e.end - e.begin) + " bytes");
    }
  }

  std::string entryName() const { return quoteForMessage(mEntries.back().name); }
  [[noreturn]] void duplicate(const std::string& key) const { fail("duplicate key " + quoteForMessage(key)); }

  const std::string& mPath;
  const int64_t mDataSize, mMaxTensors;
  StateDict& mState;
  std::vector<HeaderEntry> mEntries;
  In mIn = In::Nothing;
  std::string mKey;
  unsigned mFields = 0;  // dtype 1, shape 2, data_offsets 4
  int mOffsetCount = 0;
  bool mSeenMetadata = false;
};

}  // namespace

StateDict readSafetensors(const std::string& path, const ReadLimits& limits) {
  InputFile file(path);
  const int64_t size = file.size();
  if (size < 8) bad(path, "too short to be a safetensors file (" + std::to_string(size) + " bytes)");
  unsigned char lengthBytes[8];
  file.readAt(0, lengthBytes, 8);
  const uint64_t headerLength = io::le64(lengthBytes);
  if (headerLength > static_cast<uint64_t>(limits.maxHeaderBytes)) {
    bad(path, "the safetensors header claims " + std::to_string(headerLength) +
                  " bytes, more than the limit of " + std::to_string(limits.maxHeaderBytes) + " bytes");
  }
  if (headerLength > static_cast<uint64_t>(size - 8)) {
    bad(path, "the safetensors header claims " + std::to_string(headerLength) +
                  " bytes but the file holds only " + std::to_string(size - 8) +
                  " after the length field (truncated or not a safetensors file)");
  }
  if (headerLength < 2) bad(path, "the safetensors header is empty");
  const int64_t dataStart = 8 + static_cast<int64_t>(headerLength);
  const int64_t dataSize = size - dataStart;
  if (dataSize > limits.maxTotalBytes) {
    bad(path, "the tensor data holds " + std::to_string(dataSize) + " bytes, more than the limit of " +
                  std::to_string(limits.maxTotalBytes));
  }
  const std::string header = file.readString(8, static_cast<int64_t>(headerLength));
  if (header[0] != '{') bad(path, "invalid safetensors header: it does not start with '{'");
  StateDict state;
  const std::string context = path + ": invalid safetensors header";
  SafetensorsHeaderReader reader(path, context, dataSize, std::max<int64_t>(0, limits.maxTensors), state);
  readJsonEvents(header, context, limits.maxHeaderBytes, reader);
  const std::vector<HeaderEntry> entries = reader.takeEntries();
  // Tensors must tile the data section exactly.
  std::vector<const HeaderEntry*> byOffset;
  byOffset.reserve(entries.size());
  for (const HeaderEntry& e : entries) byOffset.push_back(&e);
  std::stable_sort(byOffset.begin(), byOffset.end(), [](const HeaderEntry* a, const HeaderEntry* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  int64_t cursor = 0;
  const HeaderEntry* previous = nullptr;
  for (const HeaderEntry* e : byOffset) {
    if (e->begin < cursor) {
      bad(path, "tensors " + quoteForMessage(previous->name) + " and " + quoteForMessage(e->name) + " overlap");
    }
    if (e->begin > cursor) {
      bad(path, "bytes " + std::to_string(cursor) + " to " + std::to_string(e->begin) +
                    " of the data section belong to no tensor");
    }
    cursor = e->end;
    if (e->end > e->begin) previous = e;
  }
  if (cursor != dataSize) {
    bad(path, "bytes " + std::to_string(cursor) + " to " + std::to_string(dataSize) +
                  " of the data section belong to no tensor");
  }
  state.tensors.reserve(entries.size());
  try {
    for (const HeaderEntry* e : byOffset) {
      torch::Tensor t = torch::empty(e->shape, torch::TensorOptions().dtype(e->dtype->type));
      file.readAt(dataStart + e->begin, t.data_ptr(), e->end - e->begin);
      if (e->dtype->type == torch::kBool) {
        const auto* p = static_cast<const unsigned char*>(t.data_ptr());
        for (int64_t i = 0; i < e->end - e->begin; ++i) {
          if (p[i] > 1) bad(path, "bool tensor " + quoteForMessage(e->name) + " holds a value other than 0 or 1");
        }
      }
      state.tensors.emplace_back(e->name, std::move(t));
    }
  } catch (const c10::Error& e) {
    throwIo(path + ": could not allocate the tensors: " + e.what_without_backtrace());
  }
  return state;
}

void writeSafetensors(const std::string& path, const StateDict& state) {
  std::vector<torch::Tensor> data;
  data.reserve(state.tensors.size());
  Json header = Json::object();
  // Members are appended without ordered_json's lookup, which is linear per insertion: names
  // are already known to be unique here.
  auto& members = header.get_ref<Json::object_t&>();
  if (!state.metadata.empty()) {
    Json metadata = Json::object();
    for (const auto& [key, value] : state.metadata) {
      if (!isValidUtf8(key) || !isValidUtf8(value)) {
        throwUsage("cannot write '" + path + "': metadata " + quoteForMessage(key) + " is not UTF-8");
      }
      metadata.get_ref<Json::object_t&>().emplace_back(key, value);
    }
    members.emplace_back("__metadata__", std::move(metadata));
  }
  std::unordered_set<std::string> names;
  int64_t offset = 0;
  for (const auto& [name, tensor] : state.tensors) {
    if (name.empty() || name == "__metadata__" || !isValidUtf8(name)) {
      throwUsage("cannot write '" + path + "': invalid tensor name " + quoteForMessage(name));
    }
    if (!names.insert(name).second) {
      throwUsage("cannot write '" + path + "': two tensors are named " + quoteForMessage(name));
    }
    if (!tensor.defined()) throwUsage("cannot write '" + path + "': tensor " + quoteForMessage(name) + " is undefined");
    const DtypeInfo* info = io::dtypeByType(tensor.scalar_type());
    if (!info) {
      throwUsage("cannot write '" + path + "': tensor " + quoteForMessage(name) + " has unsupported dtype " +
                 std::string(c10::toString(tensor.scalar_type())));
    }
    torch::Tensor t = tensor.detach().to(torch::kCPU).contiguous();
    const int64_t bytes = t.numel() * info->size;
    members.emplace_back(name, Json{{"dtype", info->safetensorsName},
                                    {"shape", t.sizes().vec()},
                                    {"data_offsets", {offset, offset + bytes}}});
    offset += bytes;
    data.push_back(std::move(t));
  }
  std::string text = header.dump();
  while (text.size() % 8) text += ' ';  // data starts 8-byte aligned
  unsigned char length[8];
  const uint64_t n = text.size();
  for (int i = 0; i < 8; ++i) length[i] = static_cast<unsigned char>(n >> (8 * i));

  AtomicWriter out(path);
  out.write(length, 8);
  out.write(text.data(), static_cast<int64_t>(text.size()));
  for (const torch::Tensor& t : data) out.write(t.data_ptr(), t.numel() * t.element_size());
  out.commit();
}

}  // namespace prithvi::model
