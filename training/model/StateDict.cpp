// torch.save archives read without running any code, and what both checkpoint formats share
// (StateDictIo.h; safetensors are in Safetensors.cpp).
//
// The zip container is read by libzip, through a source that bounds what opening may read and
// after every record's size has been checked against the limits (PyTorchStreamReader would
// allocate whatever size a record claims). Only stored (uncompressed) records are read, which is
// what torch.save writes. data.pkl goes through a restricted unpickler: a fixed allow-list of
// globals, checked when the GLOBAL opcode is read, and no object is ever constructed by calling
// Python code. Tensors are described while unpickling (storage, offset, sizes, strides are
// bounds-checked then) and only built after the whole pickle has been accepted.

#include "training/model/StateDict.h"

#include <zip.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstring>
#include <deque>
#include <exception>
#include <memory>
#include <unordered_map>
#include <unordered_set>

#include <torch/torch.h>

#include "core/base/Error.h"
#include "training/model/Json.h"
#include "training/model/StateDictIo.h"

static_assert(std::endian::native == std::endian::little,
              "checkpoint I/O assumes a little-endian host");

namespace prithvi::model {


const torch::Tensor* StateDict::find(const std::string& name) const {
  for (const auto& [key, tensor] : tensors) {
    if (key == name) return &tensor;
  }
  return nullptr;
}

void StateDict::set(const std::string& name, torch::Tensor tensor) {
  for (auto& [key, existing] : tensors) {
    if (key == name) {
      existing = std::move(tensor);
      return;
    }
  }
  tensors.emplace_back(name, std::move(tensor));
}


namespace io {

namespace {

constexpr std::array<DtypeInfo, 10> kDtypes = {{
    {"F64", torch::kFloat64, 8, "DoubleStorage"},
    {"F32", torch::kFloat32, 4, "FloatStorage"},
    {"F16", torch::kFloat16, 2, "HalfStorage"},
    {"BF16", torch::kBFloat16, 2, "BFloat16Storage"},
    {"I64", torch::kInt64, 8, "LongStorage"},
    {"I32", torch::kInt32, 4, "IntStorage"},
    {"I16", torch::kInt16, 2, "ShortStorage"},
    {"I8", torch::kInt8, 1, "CharStorage"},
    {"U8", torch::kUInt8, 1, "ByteStorage"},
    {"BOOL", torch::kBool, 1, "BoolStorage"},
}};

}  // namespace

const DtypeInfo* dtypeBySafetensorsName(const std::string& name) {
  for (const auto& d : kDtypes) {
    if (name == d.safetensorsName) return &d;
  }
  return nullptr;
}
const DtypeInfo* dtypeByType(torch::ScalarType type) {
  for (const auto& d : kDtypes) {
    if (d.type == type) return &d;
  }
  return nullptr;
}
const DtypeInfo* dtypeByStorageName(const std::string& name) {
  for (const auto& d : kDtypes) {
    if (name == d.storageName) return &d;
  }
  return nullptr;
}

InputFile::InputFile(const std::string& path) : mPath(path) {
  mFd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (mFd < 0) {
    const int e = errno;
    if (e == ENOENT || e == ENOTDIR) throwBadInput(path + ": no such file");
    throwIo(path + ": cannot open: " + std::strerror(e));
  }
  struct stat st {};
  if (::fstat(mFd, &st) != 0) {
    const int e = errno;
    ::close(mFd);
    throwIo(path + ": cannot stat: " + std::strerror(e));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(mFd);
    throwBadInput(path + ": not a regular file");
  }
  mSize = static_cast<int64_t>(st.st_size);
}

InputFile::~InputFile() {
  if (mFd >= 0) ::close(mFd);
}

void InputFile::readAt(int64_t offset, void* buffer, int64_t n) const {
  if (offset < 0 || n < 0 || offset > mSize || n > mSize - offset) {
    bad(mPath, "read of " + std::to_string(n) + " bytes at offset " + std::to_string(offset) +
                   " runs past the end of the file (" + std::to_string(mSize) + " bytes)");
  }
  auto* out = static_cast<char*>(buffer);
  while (n > 0) {
    const size_t chunk = static_cast<size_t>(std::min<int64_t>(n, 1LL << 30));
    const ssize_t got = ::pread(mFd, out, chunk, offset);
    if (got < 0) {
      if (errno == EINTR) continue;
      throwIo(mPath + ": read failed: " + std::strerror(errno));
    }
    if (got == 0) bad(mPath, "the file ended early (it changed while being read?)");
    out += got;
    offset += got;
    n -= got;
  }
}

std::string InputFile::readString(int64_t offset, int64_t n) const {
  std::string s(static_cast<size_t>(n), '\0');
  readAt(offset, s.data(), n);
  return s;
}

}  // namespace io

using io::bad;
using io::checkedProduct;
using io::DtypeInfo;
using io::dtypeByStorageName;
using io::InputFile;
using io::le16;
using io::le32;
using io::le64;

namespace {

// ---------------------------------------------------------------------------------------------
// Zip container, through libzip.

// The bytes libzip reads come from here: pread on the descriptor whose magic was sniffed, and a
// budget on what opening may read. libzip loads the whole central directory, and keeps a few
// hundred bytes of memory for every record listed there, before the records can be counted; the
// budget bounds that by the central directory limit (ReadLimits::maxHeaderBytes, at least 1 MB)
// instead of by the size of the file.
class ArchiveSource {
 public:
  ArchiveSource(const InputFile& file, int64_t openBudget) : mFile(file), mOpenBudget(openBudget) {
    zip_error_init(&mError);
  }
  ~ArchiveSource() { zip_error_fini(&mError); }
  ArchiveSource(const ArchiveSource&) = delete;
  ArchiveSource& operator=(const ArchiveSource&) = delete;

  static zip_int64_t callback(void* self, void* data, zip_uint64_t length, zip_source_cmd_t command) {
    return static_cast<ArchiveSource*>(self)->handle(data, length, command);
  }
  void opened() { mOpenBudget = -1; }
  bool overBudget() const { return mOverBudget; }
  // A read that failed in here (an I/O error, a file that shrank) is rethrown as it was, after
  // libzip has unwound: exceptions must not cross its C frames.
  void rethrowFailure() const {
    if (mFailure) std::rethrow_exception(mFailure);
  }

 private:
  zip_int64_t handle(void* data, zip_uint64_t length, zip_source_cmd_t command) {
    switch (command) {
      case ZIP_SOURCE_OPEN:
        mPosition = 0;
        return 0;
      case ZIP_SOURCE_READ: {
        const int64_t left = std::max<int64_t>(0, mFile.size() - mPosition);
        const int64_t n = static_cast<int64_t>(std::min<uint64_t>(length, static_cast<uint64_t>(left)));
        if (mOpenBudget >= 0 && (mOpenRead += n) > mOpenBudget) {
          mOverBudget = true;
          zip_error_set(&mError, ZIP_ER_READ, EFBIG);
          return -1;
        }
        try {
          mFile.readAt(mPosition, data, n);
        } catch (...) {
          mFailure = std::current_exception();
          zip_error_set(&mError, ZIP_ER_READ, EIO);
          return -1;
        }
        mPosition += n;
        return n;
      }
      case ZIP_SOURCE_CLOSE:
      case ZIP_SOURCE_FREE:
        return 0;
      case ZIP_SOURCE_STAT: {
        auto* stat = ZIP_SOURCE_GET_ARGS(zip_stat_t, data, length, &mError);
        if (!stat) return -1;
        zip_stat_init(stat);
        stat->size = static_cast<zip_uint64_t>(mFile.size());
        stat->valid |= ZIP_STAT_SIZE;
        return sizeof(zip_stat_t);
      }
      case ZIP_SOURCE_ERROR:
        return zip_error_to_data(&mError, data, length);
      case ZIP_SOURCE_SEEK: {
        const zip_int64_t to = zip_source_seek_compute_offset(static_cast<zip_uint64_t>(mPosition),
                                                              static_cast<zip_uint64_t>(mFile.size()), data, length, &mError);
        if (to < 0) return -1;
        mPosition = to;
        return 0;
      }
      case ZIP_SOURCE_TELL:
        return mPosition;
      case ZIP_SOURCE_SUPPORTS:
        return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT,
                                              ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, ZIP_SOURCE_SEEK, ZIP_SOURCE_TELL,
                                              ZIP_SOURCE_SUPPORTS, -1);
      default:
        zip_error_set(&mError, ZIP_ER_OPNOTSUPP, 0);
        return -1;
    }
  }

  const InputFile& mFile;
  int64_t mOpenBudget;  // -1: none
  int64_t mOpenRead = 0;
  bool mOverBudget = false;
  int64_t mPosition = 0;
  zip_error_t mError;
  std::exception_ptr mFailure;
};

// What opening may read: the central directory, the local headers it points to (ZIP_CHECKCONS
// reads each), and the tail where libzip looks for the end-of-central-directory record.
int64_t centralDirectoryLimit(const ReadLimits& limits) {
  return std::clamp<int64_t>(limits.maxHeaderBytes, 1 << 20, int64_t(1) << 60);
}

struct ZipEntry {
  zip_uint64_t index = 0;
  int64_t size = 0;  // bytes once read (only stored, uncompressed records can be read)
  uint16_t method = 0;
  bool encrypted = false;
};

// Opened with ZIP_CHECKCONS: libzip then also refuses local headers that disagree with the
// central directory, records that lie outside the archive, and two records of one name. Sizes
// come from the central directory and are checked by the callers before they allocate a buffer.
class ZipArchive {
 public:
  ZipArchive(const InputFile& file, const ReadLimits& limits)
      : mPath(file.path()), mSource(file, 2 * centralDirectoryLimit(limits) + (1 << 20)) {
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* source = zip_source_function_create(&ArchiveSource::callback, &mSource, &error);
    if (source) {
      mZip.reset(zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error));
      if (!mZip) zip_source_free(source);  // not taken over on failure
    }
    const int code = zip_error_code_zip(&error);
    const std::string reason = zip_error_strerror(&error);
    zip_error_fini(&error);
    if (!mZip) refuse(code, reason, limits);
    mSource.opened();

    const zip_int64_t count = zip_get_num_entries(mZip.get(), 0);
    const int64_t maxEntries = std::max<int64_t>(0, limits.maxTensors) + 64;
    if (count > maxEntries) {
      bad(mPath, "the archive lists " + std::to_string(count) + " records, more than the limit of " +
                     std::to_string(maxEntries));
    }
    constexpr zip_uint64_t kNeeded = ZIP_STAT_NAME | ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_COMP_METHOD |
                                     ZIP_STAT_ENCRYPTION_METHOD;
    for (zip_int64_t i = 0; i < count; ++i) {
      zip_stat_t stat;
      zip_stat_init(&stat);
      if (zip_stat_index(mZip.get(), static_cast<zip_uint64_t>(i), ZIP_FL_ENC_RAW, &stat) != 0 ||
          (stat.valid & kNeeded) != kNeeded) {
        bad(mPath, "corrupt zip central directory (entry " + std::to_string(i) + ")");
      }
      const std::string name = stat.name;
      // Compressed or encrypted records are listed (so that, e.g., a TorchScript archive can be
      // recognised) but refused when read.
      if (stat.comp_method == ZIP_CM_STORE && stat.comp_size != stat.size) {
        bad(mPath, "record " + quoteForMessage(name) + " has inconsistent sizes");
      }
      if (stat.comp_size > static_cast<zip_uint64_t>(file.size()) ||
          (stat.comp_method == ZIP_CM_STORE && stat.size > static_cast<zip_uint64_t>(file.size()))) {
        bad(mPath, "record " + quoteForMessage(name) + " lies outside the archive");
      }
      const ZipEntry entry{static_cast<zip_uint64_t>(i), static_cast<int64_t>(stat.size), stat.comp_method,
                           stat.encryption_method != ZIP_EM_NONE};
      if (!mEntries.emplace(name, entry).second) bad(mPath, "duplicate record " + quoteForMessage(name));
      mNames.push_back(name);
    }
  }
  ZipArchive(const ZipArchive&) = delete;
  ZipArchive& operator=(const ZipArchive&) = delete;

  const ZipEntry* find(const std::string& name) const {
    const auto it = mEntries.find(name);
    return it == mEntries.end() ? nullptr : &it->second;
  }
  const std::vector<std::string>& names() const { return mNames; }

  // Reads a record into `buffer` (entry.size bytes); libzip checks its CRC at the record's end.
  void read(const std::string& name, const ZipEntry& entry, void* buffer) const {
    if (entry.encrypted) bad(mPath, "record " + quoteForMessage(name) + " is encrypted");
    if (entry.method != ZIP_CM_STORE) {
      bad(mPath, "record " + quoteForMessage(name) + " is compressed (method " + std::to_string(entry.method) +
                     "); torch.save writes uncompressed records only");
    }
    const std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> record(zip_fopen_index(mZip.get(), entry.index, 0), zip_fclose);
    if (!record) {
      mSource.rethrowFailure();
      bad(mPath, "cannot read record " + quoteForMessage(name) + " (" + zip_strerror(mZip.get()) + ")");
    }
    auto* out = static_cast<char*>(buffer);
    for (int64_t left = entry.size; left > 0;) {
      const zip_int64_t got = zip_fread(record.get(), out, static_cast<zip_uint64_t>(left));
      if (got < 0) readFailed(name, record.get());
      if (got == 0) bad(mPath, "record " + quoteForMessage(name) + " runs past the end of the archive data (truncated?)");
      out += got;
      left -= got;
    }
    // The CRC is compared when libzip reaches the end of the record: read on to it.
    char beyond = 0;
    const zip_int64_t extra = zip_fread(record.get(), &beyond, 1);
    if (extra < 0) readFailed(name, record.get());
    if (extra > 0) bad(mPath, "record " + quoteForMessage(name) + " holds more bytes than its directory entry says");
  }

 private:
  [[noreturn]] void refuse(int code, const std::string& reason, const ReadLimits& limits) const {
    mSource.rethrowFailure();
    if (mSource.overBudget()) {
      bad(mPath, "the zip central directory is larger than the limit (" +
                     std::to_string(centralDirectoryLimit(limits)) + " bytes)");
    }
    switch (code) {
      case ZIP_ER_NOZIP:
        bad(mPath, "truncated or not a zip archive (no end-of-central-directory record, or records that lie "
                   "outside the archive)");
      case ZIP_ER_INCONS:
        bad(mPath, "truncated or corrupt zip archive (its central directory and local headers disagree)");
      case ZIP_ER_EXISTS:
        bad(mPath, "the archive holds two records of the same name");
      case ZIP_ER_MULTIDISK:
        bad(mPath, "multi-disk zip archives are not supported");
      case ZIP_ER_MEMORY:
        throwIo(mPath + ": out of memory while reading the zip directory");
      default:
        bad(mPath, "not a readable zip archive (" + reason + ")");
    }
  }

  [[noreturn]] void readFailed(const std::string& name, zip_file_t* record) const {
    mSource.rethrowFailure();
    switch (zip_error_code_zip(zip_file_get_error(record))) {
      case ZIP_ER_CRC:
        bad(mPath, "record " + quoteForMessage(name) + " is corrupt (CRC mismatch)");
      case ZIP_ER_EOF:
      case ZIP_ER_INCONS:
        bad(mPath, "record " + quoteForMessage(name) + " runs past the end of the archive data (truncated?)");
      default:
        bad(mPath, "cannot read record " + quoteForMessage(name) + " (" + zip_file_strerror(record) + ")");
    }
  }

  std::string mPath;
  ArchiveSource mSource;
  std::unique_ptr<zip_t, void (*)(zip_t*)> mZip{nullptr, zip_discard};  // before mSource goes
  std::unordered_map<std::string, ZipEntry> mEntries;
  std::vector<std::string> mNames;
};

// ---------------------------------------------------------------------------------------------
// Restricted unpickler.

enum class Kind { None, Bool, Int, Float, Str, Bytes, Tuple, List, Dict, Set, Global, Storage, Tensor };

const char* kindName(Kind k) {
  switch (k) {
    case Kind::None: return "None";
    case Kind::Bool: return "bool";
    case Kind::Int: return "int";
    case Kind::Float: return "float";
    case Kind::Str: return "str";
    case Kind::Bytes: return "bytes";
    case Kind::Tuple: return "tuple";
    case Kind::List: return "list";
    case Kind::Dict: return "dict";
    case Kind::Set: return "set";
    case Kind::Global: return "global";
    case Kind::Storage: return "storage";
    case Kind::Tensor: return "tensor";
  }
  return "?";
}

struct Obj;

struct TensorInfo {
  // Storage (kind Storage): key, dtype, numel.  Tensor (kind Tensor): storage, view.
  const DtypeInfo* dtype = nullptr;
  int64_t numel = 0;
  const ZipEntry* record = nullptr;
  std::string recordName;
  Obj* storage = nullptr;
  int64_t offset = 0;
  std::vector<int64_t> sizes, strides;
};

struct Obj {
  Kind kind = Kind::None;
  int64_t integer = 0;  // Int, Bool
  double real = 0;      // Float
  std::string text;     // Str, Bytes, Global ("module.name"), Storage key
  std::vector<Obj*> items;                     // Tuple, List, Set
  std::vector<std::pair<Obj*, Obj*>> entries;  // Dict
  std::unique_ptr<TensorInfo> tensor;          // Storage, Tensor
};

const char* opcodeName(unsigned char op) {
  switch (op) {
    case '(': return "MARK";
    case '.': return "STOP";
    case '0': return "POP";
    case '1': return "POP_MARK";
    case '2': return "DUP";
    case 'F': return "FLOAT";
    case 'I': return "INT";
    case 'J': return "BININT";
    case 'K': return "BININT1";
    case 'L': return "LONG";
    case 'M': return "BININT2";
    case 'N': return "NONE";
    case 'P': return "PERSID";
    case 'Q': return "BINPERSID";
    case 'R': return "REDUCE";
    case 'S': return "STRING";
    case 'T': return "BINSTRING";
    case 'U': return "SHORT_BINSTRING";
    case 'V': return "UNICODE";
    case 'X': return "BINUNICODE";
    case 'a': return "APPEND";
    case 'b': return "BUILD";
    case 'c': return "GLOBAL";
    case 'd': return "DICT";
    case '}': return "EMPTY_DICT";
    case 'e': return "APPENDS";
    case 'g': return "GET";
    case 'h': return "BINGET";
    case 'i': return "INST";
    case 'j': return "LONG_BINGET";
    case 'l': return "LIST";
    case ']': return "EMPTY_LIST";
    case 'o': return "OBJ";
    case 'p': return "PUT";
    case 'q': return "BINPUT";
    case 'r': return "LONG_BINPUT";
    case 's': return "SETITEM";
    case 't': return "TUPLE";
    case ')': return "EMPTY_TUPLE";
    case 'u': return "SETITEMS";
    case 'G': return "BINFLOAT";
    case 0x80: return "PROTO";
    case 0x81: return "NEWOBJ";
    case 0x82: return "EXT1";
    case 0x83: return "EXT2";
    case 0x84: return "EXT4";
    case 0x85: return "TUPLE1";
    case 0x86: return "TUPLE2";
    case 0x87: return "TUPLE3";
    case 0x88: return "NEWTRUE";
    case 0x89: return "NEWFALSE";
    case 0x8a: return "LONG1";
    case 0x8b: return "LONG4";
    case 'B': return "BINBYTES";
    case 'C': return "SHORT_BINBYTES";
    case 0x8c: return "SHORT_BINUNICODE";
    case 0x8d: return "BINUNICODE8";
    case 0x8e: return "BINBYTES8";
    case 0x8f: return "EMPTY_SET";
    case 0x90: return "ADDITEMS";
    case 0x91: return "FROZENSET";
    case 0x92: return "NEWOBJ_EX";
    case 0x93: return "STACK_GLOBAL";
    case 0x94: return "MEMOIZE";
    case 0x95: return "FRAME";
    case 0x96: return "BYTEARRAY8";
    case 0x97: return "NEXT_BUFFER";
    case 0x98: return "READONLY_BUFFER";
    default: return nullptr;
  }
}

enum class Callable {
  OrderedDict, Dict, List, Tuple, Set, Size, RebuildTensorV2, RebuildParameter, Storage, CodecsEncode
};

class Unpickler {
 public:
  Unpickler(const std::string& path, const std::string& data, const ZipArchive& zip,
            const std::string& prefix, const ReadLimits& limits)
      : mPath(path), mData(data), mZip(zip), mPrefix(prefix), mLimits(limits) {}

  Obj* run() {
    while (true) {
      const size_t at = mPos;
      const unsigned char op = byte();
      switch (op) {
        case 0x80: {  // PROTO
          const unsigned char proto = byte();
          if (proto > 5) fail(at, "unsupported pickle protocol " + std::to_string(proto));
          break;
        }
        case 0x95:  // FRAME: a length hint only
          take(8);
          break;
        case '}': push(make(Kind::Dict)); break;
        case ']': push(make(Kind::List)); break;
        case ')': push(make(Kind::Tuple)); break;
        case 0x8f: push(make(Kind::Set)); break;
        case '(':
          if (static_cast<int64_t>(mMarks.size()) >= mLimits.maxPickleStack) {
            fail(at, "too many nested MARKs");
          }
          mMarks.push_back(mStack.size());
          break;
        case 't': {
          Obj* t = make(Kind::Tuple);
          t->items = popToMark(at);
          push(t);
          break;
        }
        case 0x85:
        case 0x86:
        case 0x87: {
          const size_t n = op - 0x84;
          if (stackAboveMark() < n) fail(at, "stack underflow in TUPLE" + std::to_string(n));
          Obj* t = make(Kind::Tuple);
          t->items.assign(mStack.end() - static_cast<ptrdiff_t>(n), mStack.end());
          mStack.resize(mStack.size() - n);
          push(t);
          break;
        }
        case 'X': pushText(Kind::Str, le32(take(4))); break;
        case 0x8c: pushText(Kind::Str, byte()); break;
        case 0x8d: pushText(Kind::Str, le64(take(8))); break;
        case 'T': {
          const int32_t n = static_cast<int32_t>(le32(take(4)));
          if (n < 0) fail(at, "negative string length");
          pushText(Kind::Str, static_cast<uint64_t>(n));
          break;
        }
        case 'U': pushText(Kind::Str, byte()); break;
        case 'B': pushText(Kind::Bytes, le32(take(4))); break;
        case 'C': pushText(Kind::Bytes, byte()); break;
        case 0x8e: pushText(Kind::Bytes, le64(take(8))); break;
        case 'J': pushInt(static_cast<int32_t>(le32(take(4)))); break;
        case 'K': pushInt(byte()); break;
        case 'M': pushInt(le16(take(2))); break;
        case 0x8a: pushLong(at, byte()); break;
        case 0x8b: pushLong(at, le32(take(4))); break;
        case 'G': {
          const unsigned char* p = take(8);
          uint64_t bits = 0;
          for (int i = 0; i < 8; ++i) bits = (bits << 8) | p[i];  // big-endian
          Obj* f = make(Kind::Float);
          std::memcpy(&f->real, &bits, 8);
          push(f);
          break;
        }
        case 'N': push(make(Kind::None)); break;
        case 0x88:
        case 0x89: {
          Obj* b = make(Kind::Bool);
          b->integer = op == 0x88;
          push(b);
          break;
        }
        case 'c': {
          const std::string module = line(at);
          const std::string name = line(at);
          push(global(at, module, name));
          break;
        }
        case 0x93: {  // STACK_GLOBAL
          Obj* name = pop(at);
          Obj* module = pop(at);
          if (module->kind != Kind::Str || name->kind != Kind::Str) {
            fail(at, "STACK_GLOBAL needs two strings");
          }
          push(global(at, module->text, name->text));
          break;
        }
        case 'R': {
          Obj* args = pop(at);
          Obj* callable = pop(at);
          push(reduce(at, callable, args));
          break;
        }
        case 'b': {
          Obj* state = pop(at);
          Obj* target = top(at);
          // OrderedDict instance attributes (state_dict()._metadata): ignored.
          if (target->kind != Kind::Dict || (state->kind != Kind::Dict && state->kind != Kind::None)) {
            fail(at, std::string("BUILD on a ") + kindName(target->kind) + " is not allowed");
          }
          break;
        }
        case 's': {
          Obj* value = pop(at);
          Obj* key = pop(at);
          setItem(at, top(at), key, value);
          break;
        }
        case 'u': {
          std::vector<Obj*> items = popToMark(at);
          if (items.size() % 2) fail(at, "SETITEMS with an odd number of items");
          Obj* dict = top(at);
          for (size_t i = 0; i < items.size(); i += 2) setItem(at, dict, items[i], items[i + 1]);
          break;
        }
        case 'a': {
          Obj* value = pop(at);
          Obj* list = top(at);
          if (list->kind != Kind::List) fail(at, std::string("APPEND to a ") + kindName(list->kind));
          list->items.push_back(value);
          break;
        }
        case 'e':
        case 0x90: {
          std::vector<Obj*> items = popToMark(at);
          Obj* list = top(at);
          const Kind want = op == 'e' ? Kind::List : Kind::Set;
          if (list->kind != want) {
            fail(at, std::string(opcodeName(op)) + " to a " + kindName(list->kind));
          }
          list->items.insert(list->items.end(), items.begin(), items.end());
          break;
        }
        case 'q': memoPut(at, byte()); break;
        case 'r': memoPut(at, le32(take(4))); break;
        case 0x94: memoPut(at, static_cast<uint32_t>(mMemo.size())); break;
        case 'h': push(memoGet(at, byte())); break;
        case 'j': push(memoGet(at, le32(take(4)))); break;
        case '0': pop(at); break;
        case '1': popToMark(at); break;
        case '2': push(top(at)); break;
        case 'Q': {
          Obj* pid = pop(at);
          push(persistentLoad(at, pid));
          break;
        }
        case '.': {
          Obj* result = pop(at);
          if (!mStack.empty() || !mMarks.empty()) fail(at, "STOP with values left on the stack");
          return result;
        }
        default: {
          const char* name = opcodeName(op);
          char code[16];
          std::snprintf(code, sizeof code, "0x%02x", op);
          if (name) {
            fail(at, std::string("refuses pickle opcode ") + name + " (" + code +
                         "): torch.save of tensors never writes it");
          }
          fail(at, std::string("unknown pickle opcode ") + code);
        }
      }
    }
  }

  int64_t totalTensorBytes() const { return mTensorBytes; }

 private:
  [[noreturn]] void fail(size_t at, const std::string& what) {
    bad(mPath, what + " (data.pkl byte " + std::to_string(at) + ")");
  }

  const unsigned char* take(uint64_t n) {
    if (n > mData.size() - mPos) fail(mPos, "the pickle ends early (truncated)");
    const auto* p = reinterpret_cast<const unsigned char*>(mData.data()) + mPos;
    mPos += n;
    return p;
  }
  unsigned char byte() { return *take(1); }

  std::string line(size_t at) {
    const size_t end = mData.find('\n', mPos);
    if (end == std::string::npos || end - mPos > 256) fail(at, "malformed GLOBAL");
    std::string s = mData.substr(mPos, end - mPos);
    mPos = end + 1;
    return s;
  }

  Obj* make(Kind kind) {
    if (static_cast<int64_t>(mObjects.size()) >= mLimits.maxPickleObjects) {
      fail(mPos, "the pickle creates more than " + std::to_string(mLimits.maxPickleObjects) +
                     " objects (the limit)");
    }
    mObjects.emplace_back();
    mObjects.back().kind = kind;
    return &mObjects.back();
  }

  void push(Obj* o) {
    if (static_cast<int64_t>(mStack.size()) >= mLimits.maxPickleStack) {
      fail(mPos, "the pickle stack grows beyond " + std::to_string(mLimits.maxPickleStack) +
                     " values (the limit)");
    }
    mStack.push_back(o);
  }
  size_t stackAboveMark() const {
    return mStack.size() - (mMarks.empty() ? 0 : mMarks.back());
  }
  Obj* pop(size_t at) {
    if (stackAboveMark() == 0) fail(at, "stack underflow");
    Obj* o = mStack.back();
    mStack.pop_back();
    return o;
  }
  Obj* top(size_t at) {
    if (stackAboveMark() == 0) fail(at, "stack underflow");
    return mStack.back();
  }
  std::vector<Obj*> popToMark(size_t at) {
    if (mMarks.empty()) fail(at, "no MARK on the stack");
    const size_t mark = mMarks.back();
    mMarks.pop_back();
    std::vector<Obj*> items(mStack.begin() + static_cast<ptrdiff_t>(mark), mStack.end());
    mStack.resize(mark);
    return items;
  }

  void pushText(Kind kind, uint64_t n) {
    const unsigned char* p = take(n);
    Obj* o = make(kind);
    o->text.assign(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
    push(o);
  }
  void pushInt(int64_t v) {
    Obj* o = make(Kind::Int);
    o->integer = v;
    push(o);
  }
  void pushLong(size_t at, uint64_t n) {
    if (n > 8) fail(at, "integer wider than 64 bits");
    const unsigned char* p = take(n);
    uint64_t v = 0;
    for (uint64_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
    if (n > 0 && n < 8 && (p[n - 1] & 0x80)) v |= ~0ULL << (8 * n);  // sign-extend
    pushInt(static_cast<int64_t>(v));
  }

  void memoPut(size_t at, uint32_t index) {
    Obj* o = top(at);
    if (static_cast<int64_t>(mMemo.size()) >= mLimits.maxPickleObjects && !mMemo.count(index)) {
      fail(at, "the pickle memo grows beyond the limit");
    }
    mMemo[index] = o;
  }
  Obj* memoGet(size_t at, uint32_t index) {
    const auto it = mMemo.find(index);
    if (it == mMemo.end()) fail(at, "memo entry " + std::to_string(index) + " is not defined");
    return it->second;
  }

  Obj* global(size_t at, std::string module, const std::string& name) {
    const std::string full = module + "." + name;
    if (module == "__builtin__") module = "builtins";
    Callable c;
    if (module == "collections" && name == "OrderedDict") c = Callable::OrderedDict;
    else if (module == "builtins" && name == "dict") c = Callable::Dict;
    else if (module == "builtins" && name == "list") c = Callable::List;
    else if (module == "builtins" && name == "tuple") c = Callable::Tuple;
    else if (module == "builtins" && name == "set") c = Callable::Set;
    else if (module == "torch" && name == "Size") c = Callable::Size;
    else if (module == "torch._utils" && name == "_rebuild_tensor_v2") c = Callable::RebuildTensorV2;
    else if (module == "torch._utils" && name == "_rebuild_parameter") c = Callable::RebuildParameter;
    else if (module == "torch" && dtypeByStorageName(name)) c = Callable::Storage;
    else if (module == "_codecs" && name == "encode") c = Callable::CodecsEncode;  // bytes, protocol 2
    else {
      bad(mPath, "refuses to load this checkpoint: its pickle names the Python global " + full +
                     ", which a plain state dict never needs (only tensors and plain containers "
                     "are accepted; data.pkl byte " + std::to_string(at) + ")");
    }
    Obj* g = make(Kind::Global);
    g->text = module + "." + name;
    g->integer = static_cast<int64_t>(c);
    return g;
  }

  bool hashable(const Obj* key) const {
    switch (key->kind) {
      case Kind::None:
      case Kind::Bool:
      case Kind::Int:
      case Kind::Float:
      case Kind::Str:
      case Kind::Bytes:
      case Kind::Tuple:
        return true;
      default:
        return false;
    }
  }

  void setItem(size_t at, Obj* dict, Obj* key, Obj* value) {
    if (dict->kind != Kind::Dict) fail(at, std::string("SETITEM on a ") + kindName(dict->kind));
    if (!hashable(key)) fail(at, std::string("a ") + kindName(key->kind) + " used as a dict key");
    dict->entries.emplace_back(key, value);
  }

  static bool isInt(const Obj* o) { return o->kind == Kind::Int || o->kind == Kind::Bool; }

  std::vector<int64_t> intTuple(size_t at, const Obj* o, const char* what) {
    if (o->kind != Kind::Tuple && o->kind != Kind::List) {
      fail(at, std::string("tensor ") + what + " is a " + kindName(o->kind) + ", not a tuple");
    }
    if (o->items.size() > 64) fail(at, std::string("tensor ") + what + " has more than 64 dimensions");
    std::vector<int64_t> out;
    for (const Obj* item : o->items) {
      if (item->kind != Kind::Int) fail(at, std::string("tensor ") + what + " holds a non-integer");
      if (item->integer < 0) {
        fail(at, std::string("tensor ") + what + " holds a negative value " +
                     std::to_string(item->integer));
      }
      out.push_back(item->integer);
    }
    return out;
  }

  Obj* reduce(size_t at, Obj* callable, Obj* args) {
    if (callable->kind != Kind::Global) {
      fail(at, std::string("REDUCE calls a ") + kindName(callable->kind));
    }
    if (args->kind != Kind::Tuple) fail(at, "REDUCE arguments are not a tuple");
    const auto& a = args->items;
    switch (static_cast<Callable>(callable->integer)) {
      case Callable::OrderedDict:
      case Callable::Dict: {
        Obj* d = make(Kind::Dict);
        if (a.empty()) return d;
        if (a.size() == 1 && a[0]->kind == Kind::Dict) {
          d->entries = a[0]->entries;
          return d;
        }
        if (a.size() == 1 && (a[0]->kind == Kind::List || a[0]->kind == Kind::Tuple)) {
          for (Obj* pair : a[0]->items) {
            if (pair->kind != Kind::Tuple || pair->items.size() != 2) {
              fail(at, callable->text + " built from something other than pairs");
            }
            setItem(at, d, pair->items[0], pair->items[1]);
          }
          return d;
        }
        fail(at, callable->text + " called with unsupported arguments");
      }
      case Callable::List:
      case Callable::Tuple:
      case Callable::Set:
      case Callable::Size: {
        const Callable c = static_cast<Callable>(callable->integer);
        Obj* o = make(c == Callable::List ? Kind::List : c == Callable::Set ? Kind::Set : Kind::Tuple);
        if (a.empty()) return o;
        if (a.size() == 1 && (a[0]->kind == Kind::List || a[0]->kind == Kind::Tuple ||
                              a[0]->kind == Kind::Set)) {
          o->items = a[0]->items;
          return o;
        }
        fail(at, callable->text + " called with unsupported arguments");
      }
      case Callable::RebuildTensorV2:
        return rebuildTensor(at, a);
      case Callable::RebuildParameter: {
        if (a.size() != 3 || a[0]->kind != Kind::Tensor) {
          fail(at, "torch._utils._rebuild_parameter called with unexpected arguments");
        }
        return a[0];
      }
      case Callable::Storage:
        fail(at, callable->text + " may only appear in a storage reference");
      case Callable::CodecsEncode: {
        // Protocol 2 pickles bytes as _codecs.encode(<str of code points < 256>, 'latin1').
        if (a.size() != 2 || a[0]->kind != Kind::Str || a[1]->kind != Kind::Str ||
            (a[1]->text != "latin1" && a[1]->text != "latin-1")) {
          fail(at, "_codecs.encode is only accepted as (str, 'latin1')");
        }
        Obj* b = make(Kind::Bytes);
        const std::string& t = a[0]->text;
        for (size_t i = 0; i < t.size(); ++i) {
          const unsigned char c = static_cast<unsigned char>(t[i]);
          if (c < 0x80) {
            b->text += static_cast<char>(c);
          } else if ((c == 0xC2 || c == 0xC3) && i + 1 < t.size() &&
                     (static_cast<unsigned char>(t[i + 1]) & 0xC0) == 0x80) {
            b->text += static_cast<char>(((c & 0x1F) << 6) | (static_cast<unsigned char>(t[i + 1]) & 0x3F));
            ++i;
          } else {
            fail(at, "_codecs.encode of a character outside latin-1");
          }
        }
        return b;
      }
    }
    fail(at, "unexpected callable");
  }

  Obj* rebuildTensor(size_t at, const std::vector<Obj*>& a) {
    if (a.size() != 6 && a.size() != 7) {
      fail(at, "torch._utils._rebuild_tensor_v2 called with " + std::to_string(a.size()) +
                   " arguments");
    }
    if (a[0]->kind != Kind::Storage) fail(at, "tensor built from something other than a storage");
    if (a[1]->kind != Kind::Int || a[1]->integer < 0) fail(at, "tensor storage offset is invalid");
    const TensorInfo& storage = *a[0]->tensor;
    std::vector<int64_t> sizes = intTuple(at, a[2], "size");
    std::vector<int64_t> strides = intTuple(at, a[3], "stride");
    if (sizes.size() != strides.size()) fail(at, "tensor size and stride differ in length");
    if (!isInt(a[4])) fail(at, "tensor requires_grad is not a bool");
    if (a[5]->kind != Kind::Dict && a[5]->kind != Kind::None) fail(at, "tensor hooks are not a dict");
    if (a.size() == 7 && a[6]->kind != Kind::Dict && a[6]->kind != Kind::None) {
      fail(at, "tensor metadata is not a dict");
    }
    const int64_t offset = a[1]->integer;
    int64_t numel = 0;
    if (!checkedProduct(sizes, 1, &numel)) fail(at, "tensor size overflows");
    // Highest element index the view touches; it must lie inside the storage.
    if (numel > 0) {
      int64_t last = offset;
      for (size_t i = 0; i < sizes.size(); ++i) {
        int64_t step = 0;
        if (__builtin_mul_overflow(sizes[i] - 1, strides[i], &step) ||
            __builtin_add_overflow(last, step, &last)) {
          fail(at, "tensor extent overflows");
        }
      }
      if (last >= storage.numel) {
        fail(at, "tensor of size " + shapeText(sizes) + ", stride " + shapeText(strides) +
                     " at offset " + std::to_string(offset) + " reaches element " +
                     std::to_string(last) + " of a storage with " + std::to_string(storage.numel) +
                     " elements (out of bounds)");
      }
    } else if (offset > storage.numel) {
      fail(at, "tensor offset lies outside its storage");
    }
    int64_t bytes = 0;
    if (__builtin_mul_overflow(numel, storage.dtype->size, &bytes) ||
        __builtin_add_overflow(mTensorBytes, bytes, &mTensorBytes) ||
        mTensorBytes > mLimits.maxTotalBytes) {
      fail(at, "the tensors would need more than " + std::to_string(mLimits.maxTotalBytes) +
                   " bytes (the limit)");
    }
    Obj* t = make(Kind::Tensor);
    t->tensor = std::make_unique<TensorInfo>();
    t->tensor->dtype = storage.dtype;
    t->tensor->storage = a[0];
    t->tensor->offset = offset;
    t->tensor->sizes = std::move(sizes);
    t->tensor->strides = std::move(strides);
    return t;
  }

  Obj* persistentLoad(size_t at, Obj* pid) {
    if (pid->kind != Kind::Tuple || pid->items.size() != 5 || pid->items[0]->kind != Kind::Str ||
        pid->items[0]->text != "storage") {
      fail(at, "unsupported persistent id (only ('storage', type, key, location, numel) is accepted)");
    }
    const Obj* type = pid->items[1];
    const Obj* key = pid->items[2];
    const Obj* numel = pid->items[4];
    if (type->kind != Kind::Global || static_cast<Callable>(type->integer) != Callable::Storage) {
      fail(at, "storage reference without a torch storage type");
    }
    if (key->kind != Kind::Str || pid->items[3]->kind != Kind::Str || numel->kind != Kind::Int ||
        numel->integer < 0) {
      fail(at, "malformed storage reference");
    }
    const DtypeInfo* dtype = dtypeByStorageName(type->text.substr(type->text.find('.') + 1));
    const auto known = mStorages.find(key->text);
    if (known != mStorages.end()) {
      if (known->second->tensor->dtype != dtype || known->second->tensor->numel != numel->integer) {
        fail(at, "storage " + quoteForMessage(key->text) + " is referenced with two different types or sizes");
      }
      return known->second;
    }
    const std::string recordName = mPrefix + "data/" + key->text;
    const ZipEntry* record = mZip.find(recordName);
    if (!record) {
      fail(at, "storage " + quoteForMessage(key->text) + " refers to the missing record " + quoteForMessage(recordName));
    }
    int64_t bytes = 0;
    if (__builtin_mul_overflow(numel->integer, dtype->size, &bytes) || bytes != record->size) {
      fail(at, "storage " + quoteForMessage(key->text) + " declares " + std::to_string(numel->integer) +
                   " elements of " + std::to_string(dtype->size) + " bytes but record " +
                   quoteForMessage(recordName) + " holds " + std::to_string(record->size) + " bytes");
    }
    if (__builtin_add_overflow(mStorageBytes, bytes, &mStorageBytes) ||
        mStorageBytes > mLimits.maxTotalBytes) {
      fail(at, "the storages hold more than " + std::to_string(mLimits.maxTotalBytes) +
                   " bytes (the limit)");
    }
    Obj* s = make(Kind::Storage);
    s->text = key->text;
    s->tensor = std::make_unique<TensorInfo>();
    s->tensor->dtype = dtype;
    s->tensor->numel = numel->integer;
    s->tensor->record = record;
    s->tensor->recordName = recordName;
    mStorages.emplace(key->text, s);
    return s;
  }

  const std::string& mPath;
  const std::string& mData;
  const ZipArchive& mZip;
  const std::string& mPrefix;
  const ReadLimits& mLimits;
  size_t mPos = 0;
  std::deque<Obj> mObjects;  // owns everything; flat destruction even for cyclic graphs
  std::vector<Obj*> mStack;
  std::vector<size_t> mMarks;
  std::unordered_map<uint32_t, Obj*> mMemo;
  std::unordered_map<std::string, Obj*> mStorages;
  int64_t mTensorBytes = 0;
  int64_t mStorageBytes = 0;
};

// Collects (name, tensor) pairs from nested dicts; other values are skipped. The memo lets a
// pickle reach one dict along many paths: `visited` counts entries along every path, so that a
// few hundred bytes of shared dicts nested 32 deep cannot cost 2^32 steps (or tensor names).
void flatten(const std::string& path, const Obj* dict, const std::string& prefix, int depth,
             std::vector<std::pair<std::string, const Obj*>>& out,
             std::unordered_set<std::string>& seen, const ReadLimits& limits, int64_t& visited) {
  if (depth > 32) bad(path, "the checkpoint nests dicts more than 32 levels deep");
  for (const auto& [key, value] : dict->entries) {
    if (++visited > limits.maxPickleObjects) {
      bad(path, "the checkpoint's dicts hold more than " + std::to_string(limits.maxPickleObjects) +
                    " entries (the limit), counting a shared dict each time it is reached");
    }
    std::string name;
    if (key->kind == Kind::Str) name = key->text;
    else if (key->kind == Kind::Int) name = std::to_string(key->integer);
    else continue;
    name = prefix.empty() ? name : prefix + "." + name;
    if (value->kind == Kind::Tensor) {
      if (!seen.insert(name).second) bad(path, "two tensors are named " + quoteForMessage(name));
      out.emplace_back(name, value);
      if (static_cast<int64_t>(out.size()) > limits.maxTensors) {
        bad(path, "the checkpoint holds more than " + std::to_string(limits.maxTensors) + " tensors (the limit)");
      }
    } else if (value->kind == Kind::Dict) {
      flatten(path, value, name, depth + 1, out, seen, limits, visited);
    }
  }
}

StateDict materialise(const InputFile& file, const ZipArchive& zip,
                      const std::vector<std::pair<std::string, const Obj*>>& items) {
  const std::string& path = file.path();
  // Group by storage so each record is read once and released after its last use.
  std::vector<const Obj*> storageOrder;
  std::unordered_map<const Obj*, std::vector<size_t>> users;
  for (size_t i = 0; i < items.size(); ++i) {
    const Obj* storage = items[i].second->tensor->storage;
    auto& list = users[storage];
    if (list.empty()) storageOrder.push_back(storage);
    list.push_back(i);
  }
  std::vector<torch::Tensor> built(items.size());
  try {
    for (const Obj* storage : storageOrder) {
      const TensorInfo& s = *storage->tensor;
      torch::Tensor data = torch::empty({s.numel}, torch::TensorOptions().dtype(s.dtype->type));
      zip.read(s.recordName, *s.record, data.data_ptr());
      if (s.dtype->type == torch::kBool) {
        const auto* p = static_cast<const unsigned char*>(data.data_ptr());
        for (int64_t i = 0; i < s.numel; ++i) {
          if (p[i] > 1) bad(path, "bool storage " + quoteForMessage(storage->text) + " holds a value other than 0 or 1");
        }
      }
      const auto& indices = users[storage];
      for (size_t i : indices) {
        const TensorInfo& t = *items[i].second->tensor;
        int64_t numel = 1;
        bool contiguous = true;
        for (size_t d = t.sizes.size(); d-- > 0;) {
          if (t.sizes[d] != 1 && t.strides[d] != numel) contiguous = false;
          numel *= t.sizes[d];
        }
        const bool whole = t.offset == 0 && indices.size() == 1 && contiguous && numel == s.numel;
        if (whole) {
          built[i] = data.view(t.sizes);
        } else {
          built[i] = data.as_strided(t.sizes, t.strides, t.offset).clone(at::MemoryFormat::Contiguous);
        }
      }
    }
  } catch (const c10::Error& e) {
    throwIo(path + ": could not build the tensors: " + e.what_without_backtrace());
  }
  StateDict state;
  state.tensors.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) state.tensors.emplace_back(items[i].first, std::move(built[i]));
  return state;
}

bool startsWith(const std::string& s, const std::string& prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

StateDict readTorchCheckpoint(const std::string& path, const ReadLimits& limits) {
  InputFile file(path);
  unsigned char magic[4] = {0, 0, 0, 0};
  if (file.size() >= 4) file.readAt(0, magic, 4);
  if (magic[0] == 0x80 && magic[1] <= 5) {
    bad(path, "a legacy (pre-1.6) torch.save file; re-save it with a recent PyTorch or convert it to "
              "safetensors");
  }
  if (!(magic[0] == 'P' && magic[1] == 'K')) bad(path, "not a torch.save archive (no zip signature)");
  const ZipArchive zip(file, limits);

  std::string prefix;
  int found = 0;
  for (const std::string& name : zip.names()) {
    const auto slash = name.find('/');
    if (slash != std::string::npos && name.compare(slash, std::string::npos, "/data.pkl") == 0) {
      prefix = name.substr(0, slash + 1);
      ++found;
    }
  }
  bool torchScript = false;
  for (const std::string& name : zip.names()) {
    if (startsWith(name, prefix + "code/") || name == prefix + "constants.pkl") torchScript = true;
  }
  if (torchScript) {
    bad(path, "refuses to load a TorchScript archive: TorchScript files are programs and are never "
              "loaded from untrusted sources; export a state dict (safetensors) instead");
  }
  if (found != 1) {
    bad(path, found == 0 ? "not a torch.save archive (no data.pkl record)"
                         : "the archive holds several data.pkl records");
  }
  if (const ZipEntry* order = zip.find(prefix + "byteorder")) {
    if (order->size > 16) bad(path, "malformed byteorder record");
    std::string text(static_cast<size_t>(order->size), '\0');
    zip.read(prefix + "byteorder", *order, text.data());
    if (text != "little") bad(path, "big-endian checkpoints are not supported");
  }
  const ZipEntry* pkl = zip.find(prefix + "data.pkl");
  if (pkl->size > limits.maxPickleBytes) {
    bad(path, "data.pkl holds " + std::to_string(pkl->size) + " bytes, more than the limit of " +
                  std::to_string(limits.maxPickleBytes));
  }
  std::string pickle(static_cast<size_t>(pkl->size), '\0');
  zip.read(prefix + "data.pkl", *pkl, pickle.data());

  Unpickler unpickler(path, pickle, zip, prefix, limits);
  const Obj* root = unpickler.run();
  if (root->kind != Kind::Dict) {
    bad(path, std::string("the checkpoint holds a ") + kindName(root->kind) + ", not a dict of tensors");
  }
  std::vector<std::pair<std::string, const Obj*>> items;
  std::unordered_set<std::string> seen;
  int64_t visited = 0;
  flatten(path, root, "", 0, items, seen, limits, visited);
  if (static_cast<int64_t>(items.size()) > limits.maxTensors) {
    bad(path, "the checkpoint holds " + std::to_string(items.size()) + " tensors, more than the limit of " +
                  std::to_string(limits.maxTensors));
  }
  return materialise(file, zip, items);
}

StateDict readCheckpoint(const std::string& path, const ReadLimits& limits) {
  unsigned char head[9] = {0};
  int64_t size = 0;
  {
    InputFile file(path);
    size = file.size();
    file.readAt(0, head, std::min<int64_t>(size, 9));
  }
  if (size >= 4 && head[0] == 'P' && head[1] == 'K') return readTorchCheckpoint(path, limits);
  if (size >= 2 && head[0] == 0x80 && head[1] <= 5) return readTorchCheckpoint(path, limits);
  if (size >= 9 && head[8] == '{') return readSafetensors(path, limits);
  bad(path, "neither a safetensors file nor a torch.save archive");
}

std::string shapeText(at::IntArrayRef sizes) {
  std::string text = "[";
  for (size_t i = 0; i < sizes.size(); ++i) text += (i ? ", " : "") + std::to_string(sizes[i]);
  return text + "]";
}

}  // namespace prithvi::model
