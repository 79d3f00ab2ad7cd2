#include "core/base/AtomicFile.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <sys/statvfs.h>
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
  writeAtomically(path, [&](const std::string& temporary) {
    std::FILE* file = std::fopen(temporary.c_str(), "wb");
    if (!file) throwWriteFailure(path, errno);
    const bool written = std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size() && std::fflush(file) == 0;
    const int error = errno;
    if (std::fclose(file) != 0 || !written) throwWriteFailure(path, written ? errno : error);
  });
}

void writeAtomically(const std::string& path, const std::function<void(const std::string&)>& write,
                     const std::function<bool(const std::string&)>& complete) {
  const std::string temporary = temporaryPathFor(path);
  std::error_code ignored;
  try {
    write(temporary);
    if (!fs::exists(temporary, ignored)) throwWriteFailure(path, 0, "nothing was written");
    if (complete && !complete(temporary)) throwWriteFailure(path, 0, "the file came out incomplete");
  } catch (...) {
    fs::remove(temporary, ignored);
    throw;
  }
  replaceFile(temporary, path);
}

void throwWriteFailure(const std::string& path, int error, const std::string& detail) {
  bool full = error == ENOSPC || error == EDQUOT;
  if (error == 0) {
    // Libraries that write for us (Qt's PDF and SVG writers, libpng, GDAL) do not always pass the
    // errno on: a folder with next to no space left is the likely cause.
    struct statvfs space {};
    const std::string folder = fs::absolute(path).parent_path().string();
    full = ::statvfs(folder.c_str(), &space) == 0 && uint64_t(space.f_bavail) * space.f_frsize < (1u << 20);
  }
  if (full) throwIo("disk full: " + path + " (free some space there and try again; an older file of that name is unchanged)");
  throwIo("cannot write " + path + ": " + (!detail.empty() ? detail : error ? std::string(std::strerror(error)) : "write error"));
}

bool fileEndsWith(const std::string& path, const std::string& trailer) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) return false;
  char tail[256] = {};
  const long want = long(sizeof tail);
  std::fseek(file, 0, SEEK_END);
  const long size = std::ftell(file);
  std::fseek(file, std::max(0L, size - want), SEEK_SET);
  const size_t got = std::fread(tail, 1, sizeof tail, file);
  std::fclose(file);
  std::string text(tail, got);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return text.size() >= trailer.size() && text.compare(text.size() - trailer.size(), trailer.size(), trailer) == 0;
}

void removeDatabaseFiles(const std::string& path) {
  std::error_code ignored;
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) fs::remove(path + suffix, ignored);
}

}  // namespace prithvi
