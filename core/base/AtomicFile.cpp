#include "core/base/AtomicFile.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <unistd.h>

#include "core/base/Error.h"

namespace prithvi {

namespace fs = std::filesystem;

namespace {
// A new name is only durable once its folder is synced.
void syncFolderOf(const std::string& path) { syncPath(fs::absolute(path).parent_path().string()); }
}  // namespace

void refuseExistingPath(const std::string& path) {
  std::error_code ignored;
  if (fs::exists(fs::symlink_status(path, ignored)))
    throwUsage(path + " already exists: choose another name");
  const fs::path folder = fs::absolute(path).parent_path();
  if (!fs::is_directory(folder, ignored))
    throwUsage("cannot create " + path + ": folder " + folder.string() + " does not exist");
}

std::string temporaryPathFor(const std::string& finalPath) {
  static std::atomic<int> counter{0};
  return finalPath + ".part-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

void syncPath(const std::string& path) {
  const int descriptor = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (descriptor < 0) return;
  ::fsync(descriptor);
  ::close(descriptor);
}

void publishNewFile(const std::string& temporaryPath, const std::string& finalPath) {
  std::error_code ignored;
  syncPath(temporaryPath);
  if (::link(temporaryPath.c_str(), finalPath.c_str()) != 0) {
    int error = errno;
    if (error == EEXIST) {
      fs::remove(temporaryPath, ignored);
      throwUsage(finalPath + " already exists: choose another name");
    }
    // Filesystems without hard links (FAT, some network shares) get a plain rename.
    if (fs::exists(finalPath, ignored) || std::rename(temporaryPath.c_str(), finalPath.c_str()) != 0) {
      fs::remove(temporaryPath, ignored);
      throwIo("cannot create " + finalPath + ": " + std::strerror(error));
    }
  } else {
    ::unlink(temporaryPath.c_str());
  }
  syncFolderOf(finalPath);
}

void replaceFile(const std::string& temporaryPath, const std::string& finalPath) {
  syncPath(temporaryPath);
  if (std::rename(temporaryPath.c_str(), finalPath.c_str()) != 0) {
    const int error = errno;
    std::error_code ignored;
    fs::remove(temporaryPath, ignored);
    throwIo("cannot move the finished file into place at " + finalPath + ": " + std::strerror(error));
  }
  syncFolderOf(finalPath);
}

void writeFileAtomically(const std::string& path, const std::string& bytes) {
  const std::string temporary = temporaryPathFor(path);
  std::FILE* file = std::fopen(temporary.c_str(), "wb");
  if (!file) throwIo("cannot write " + path + ": " + std::strerror(errno));
  const bool written = std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size();
  const bool closed = std::fclose(file) == 0;
  if (!written || !closed) {
    std::error_code ignored;
    fs::remove(temporary, ignored);
    throwIo("cannot write " + path + " (is the disk full?)");
  }
  replaceFile(temporary, path);
}

void removeDatabaseFiles(const std::string& path) {
  std::error_code ignored;
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) fs::remove(path + suffix, ignored);
}

}  // namespace prithvi
