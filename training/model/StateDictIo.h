#pragma once
// Internal to training/model's checkpoint readers (StateDict.cpp: torch.save archives,
// Safetensors.cpp): the dtype table both formats map to, bounds-checked arithmetic, and input
// files read with pread.

#include <cstdint>
#include <string>
#include <vector>

#include <c10/core/ScalarType.h>

#include "core/base/Error.h"

namespace prithvi::model::io {

struct DtypeInfo {
  const char* safetensorsName;
  c10::ScalarType type;
  int64_t size;
  const char* storageName;  // torch.<name> in a pickle
};

const DtypeInfo* dtypeBySafetensorsName(const std::string& name);
const DtypeInfo* dtypeByType(c10::ScalarType type);
const DtypeInfo* dtypeByStorageName(const std::string& name);

[[noreturn]] inline void bad(const std::string& path, const std::string& message) {
  throwBadInput(path + ": " + message);
}

inline uint16_t le16(const unsigned char* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
inline uint32_t le32(const unsigned char* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}
inline uint64_t le64(const unsigned char* p) {
  return static_cast<uint64_t>(le32(p)) | (static_cast<uint64_t>(le32(p + 4)) << 32);
}

// Product of non-negative factors; false on overflow.
inline bool checkedProduct(const std::vector<int64_t>& factors, int64_t start, int64_t* out) {
  int64_t r = start;
  for (int64_t f : factors) {
    if (f < 0 || __builtin_mul_overflow(r, f, &r)) return false;
  }
  *out = r;
  return true;
}

// A regular file read with pread (no mmap: a file that shrinks under us must not SIGBUS).
// Errors name the file; a missing file is bad input, a failing disk an I/O error.
class InputFile {
 public:
  explicit InputFile(const std::string& path);
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  int64_t size() const { return mSize; }
  const std::string& path() const { return mPath; }

  void readAt(int64_t offset, void* buffer, int64_t n) const;
  std::string readString(int64_t offset, int64_t n) const;

 private:
  std::string mPath;
  int mFd = -1;
  int64_t mSize = 0;
};

}  // namespace prithvi::model::io
