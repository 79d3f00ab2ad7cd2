#pragma once
// Shared by the fuzz targets (tests/fuzz/README.md): a scratch folder of this process, files in
// it holding the current input, and the one rule of every harness: prithvi::Error is how a
// parser refuses bad input (an expected outcome); anything else that leaves the parser (another
// exception type, a crash, a sanitizer report, a hang) is a finding.

#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <system_error>
#include <vector>

#include "core/base/Error.h"

namespace prithvi::fuzz {

// Runs a reader: prithvi::Error (a refusal) is expected; anything else escapes as a finding.
template <typename F>
void expectOnlyPrithviErrors(F&& read) {
  try {
    read();
  } catch (const prithvi::Error&) {
  }
}

// A folder of this process, under /dev/shm when it exists (no disk writes per execution), made
// on first use and removed at exit.
inline const std::string& scratchDir() {
  static const std::string dir = [] {
    const char* base = std::getenv("PRITHVI_FUZZ_TMPDIR");
    std::string pattern;
    if (base && *base) pattern = base;
    else if (::access("/dev/shm", W_OK) == 0) pattern = "/dev/shm";
    else pattern = std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp";
    pattern += "/prithvi-fuzz-XXXXXX";
    if (!::mkdtemp(pattern.data())) {
      std::perror("prithvi fuzz: cannot create a scratch folder");
      std::abort();
    }
    static std::string made;
    made = pattern;
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(made, ignored);
    });
    return pattern;
  }();
  return dir;
}

// The input written to scratchDir()/name; removes it (and the given sidecar suffixes, e.g. an
// SQLite database's -wal and -shm) when it goes out of scope.
class InputFile {
 public:
  InputFile(const std::string& name, const uint8_t* data, size_t size,
            std::initializer_list<const char*> sidecars = {})
      : mPath(scratchDir() + "/" + name) {
    for (const char* suffix : sidecars) mSidecars.push_back(mPath + suffix);
    removeAll();
    FILE* file = std::fopen(mPath.c_str(), "wb");
    if (!file || (size && std::fwrite(data, 1, size, file) != size) || std::fclose(file) != 0) {
      std::perror(("prithvi fuzz: cannot write " + mPath).c_str());
      std::abort();
    }
  }
  ~InputFile() { removeAll(); }
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  const std::string& path() const { return mPath; }

 private:
  void removeAll() {
    ::unlink(mPath.c_str());
    for (const std::string& sidecar : mSidecars) ::unlink(sidecar.c_str());
  }
  std::string mPath;
  std::vector<std::string> mSidecars;
};

}  // namespace prithvi::fuzz
