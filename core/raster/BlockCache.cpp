#include "core/raster/BlockCache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <algorithm>
#include <cstring>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <vector>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <cpl_vsi.h>

#include "core/base/Assets.h"
#include "core/base/ThreadPool.h"
#include "core/raster/HttpRanges.h"

namespace prithvi {

namespace {

constexpr vsi_l_offset kChunkBytes = 256 * 1024;
constexpr size_t kChunksInMemory = 2;  // per open file: GDAL's small header reads hit the same chunk
constexpr int64_t kDefaultLimitBytes = 4LL << 30;

// The file's URL without its query (signatures change, files do not).
std::string urlKeyOf(const std::string& inner) {
  const std::string url = httpFileOf(inner).url;
  return url.substr(0, url.find_first_of("?#"));
}

std::string folderOf(const std::string& inner) {
  const QByteArray hash = QCryptographicHash::hash(QByteArray::fromStdString(urlKeyOf(inner)), QCryptographicHash::Sha256);
  return blockCacheDir() + "/" + hash.toHex().left(32).toStdString();
}

// The whole file `path` when it holds exactly `expected` bytes (a chunk cut short is no chunk).
std::optional<std::string> readExactly(const std::string& path, size_t expected) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string data(expected, '\0');
  size_t done = 0;
  while (done < expected) {
    const ssize_t n = ::read(fd, data.data() + done, expected - done);
    if (n <= 0) break;
    done += size_t(n);
  }
  char extra;
  const bool exact = done == expected && ::read(fd, &extra, 1) == 0;
  ::close(fd);
  if (!exact) return std::nullopt;
  return data;
}

// Best effort: a cache that cannot be written is read around.
void writeAtomically(const std::string& folder, const std::string& name, const std::string& data) {
  thread_local std::mt19937_64 random{std::random_device{}()};
  const std::string temp = folder + "/." + name + ".tmp" + std::to_string(random());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return;
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n <= 0) break;
    done += size_t(n);
  }
  const bool ok = ::close(fd) == 0 && done == data.size();
  if (!ok || ::rename(temp.c_str(), (folder + "/" + name).c_str()) != 0) ::unlink(temp.c_str());
}

void storeChunk(const std::string& folder, uint64_t index, const std::string& data) {
  writeAtomically(folder, std::to_string(index), data);
}

// The file's size: from the cache, else from the server, whose answer to the first chunk tells it
// (both then kept: GDAL reads the header there next).
std::optional<uint64_t> fileSize(const std::string& inner, const std::string& folder) {
  if (const auto text = readExactly(folder + "/size", 20)) return std::stoull(*text);
  const auto first = fetchHttpRange(httpFileOf(inner), 0, kChunkBytes);
  if (!first) return std::nullopt;
  QDir().mkpath(QString::fromStdString(folder));
  storeChunk(folder, 0, first->data);
  char text[21];
  std::snprintf(text, sizeof text, "%020llu", static_cast<unsigned long long>(first->fileSize));
  writeAtomically(folder, "size", text);
  return first->fileSize;
}

// Runs of consecutive chunk numbers: each is one request.
std::vector<std::pair<uint64_t, uint64_t>> runsOf(const std::vector<uint64_t>& sortedIndices) {
  std::vector<std::pair<uint64_t, uint64_t>> runs;  // first, count
  for (uint64_t index : sortedIndices) {
    if (!runs.empty() && runs.back().first + runs.back().second == index) ++runs.back().second;
    else runs.emplace_back(index, 1);
  }
  return runs;
}

struct CachedFile {
  std::string inner, folder;
  HttpFile http;
  uint64_t size = 0;
  uint64_t position = 0;
  bool eof = false;
  std::list<std::pair<uint64_t, std::string>> recent;  // chunks in memory, most recent first

  size_t chunkLength(uint64_t index) const { return size_t(std::min<uint64_t>(kChunkBytes, size - index * kChunkBytes)); }
  std::string chunkPath(uint64_t index) const { return folder + "/" + std::to_string(index); }

  const std::string* inMemory(uint64_t index) {
    for (auto it = recent.begin(); it != recent.end(); ++it)
      if (it->first == index) {
        recent.splice(recent.begin(), recent, it);
        return &recent.front().second;
      }
    return nullptr;
  }
  const std::string& remember(uint64_t index, std::string data) {
    recent.emplace_front(index, std::move(data));
    if (recent.size() > kChunksInMemory) recent.pop_back();
    return recent.front().second;
  }
  bool onDisk(uint64_t index) { return inMemory(index) || ::access(chunkPath(index).c_str(), R_OK) == 0; }

  // Fetches these chunks from the server (one request per run of consecutive chunks, the runs at
  // once), keeping each on disk.
  bool fetch(const std::vector<uint64_t>& sortedIndices) {
    if (sortedIndices.empty()) return true;
    const auto runs = runsOf(sortedIndices);
    std::vector<std::optional<RangeReply>> replies(runs.size());
    auto fetchRun = [&](int r) {
      const auto [first, count] = runs[size_t(r)];
      const uint64_t end = std::min<uint64_t>(size, (first + count) * kChunkBytes);
      replies[size_t(r)] = fetchHttpRange(http, first * kChunkBytes, size_t(end - first * kChunkBytes));
    };
    if (runs.size() == 1) {
      fetchRun(0);
    } else {
      static ThreadPool rangeRequests(8);  // never the caller's pool: no task of it waits on itself
      rangeRequests.parallelFor(int(runs.size()), fetchRun);
    }
    QDir().mkpath(QString::fromStdString(folder));
    for (size_t r = 0; r < runs.size(); ++r) {
      if (!replies[r]) return false;
      for (uint64_t i = 0; i < runs[r].second; ++i) {
        const uint64_t index = runs[r].first + i;
        std::string data = replies[r]->data.substr(size_t(i * kChunkBytes), chunkLength(index));
        if (data.size() != chunkLength(index)) return false;
        storeChunk(folder, index, data);
        remember(index, std::move(data));
      }
    }
    return true;
  }

  const std::string* chunk(uint64_t index) {
    if (const std::string* kept = inMemory(index)) return kept;
    if (auto stored = readExactly(chunkPath(index), chunkLength(index))) return &remember(index, std::move(*stored));
    if (!fetch({index})) return nullptr;
    return inMemory(index);
  }

  // Copies [offset, offset + length) into `out`; the bytes copied (fewer at the end or on failure).
  size_t copy(uint64_t offset, size_t length, char* out) {
    size_t done = 0;
    while (done < length && offset + done < size) {
      const uint64_t at = offset + done;
      const std::string* data = chunk(at / kChunkBytes);
      if (!data) break;
      const size_t inside = size_t(at % kChunkBytes);
      const size_t n = std::min(length - done, data->size() - inside);
      std::memcpy(out + done, data->data() + inside, n);
      done += n;
    }
    return done;
  }
};

// --- GDAL's plugin callbacks -----------------------------------------------------------------

// GDAL hands the callbacks the name without the handler's prefix: the /vsicurl path itself.
std::string innerOf(const char* filename) { return filename; }

int statFile(void*, const char* filename, VSIStatBufL* buffer, int) {
  const std::string inner = innerOf(filename);
  const auto size = fileSize(inner, folderOf(inner));
  if (!size) return -1;
  std::memset(buffer, 0, sizeof *buffer);
  buffer->st_mode = S_IFREG | 0444;
  buffer->st_size = vsi_l_offset(*size);
  return 0;
}

void* openFile(void*, const char* filename, const char* access) {
  if (std::strpbrk(access, "wa+")) return nullptr;  // read-only
  auto file = std::make_unique<CachedFile>();
  file->inner = innerOf(filename);
  file->folder = folderOf(file->inner);
  file->http = httpFileOf(file->inner);
  const auto size = fileSize(file->inner, file->folder);
  if (!size) return nullptr;
  file->size = *size;
  ::utime(file->folder.c_str(), nullptr);  // used now: pruned last
  return file.release();
}

vsi_l_offset tellFile(void* handle) { return static_cast<CachedFile*>(handle)->position; }

int seekFile(void* handle, vsi_l_offset offset, int whence) {
  auto* file = static_cast<CachedFile*>(handle);
  file->position = whence == SEEK_END ? file->size + offset : whence == SEEK_CUR ? file->position + offset : offset;
  file->eof = false;
  return 0;
}

size_t readFile(void* handle, void* buffer, size_t size, size_t count) {
  auto* file = static_cast<CachedFile*>(handle);
  if (size == 0 || count == 0) return 0;
  const size_t wanted = size * count;
  const size_t got = file->copy(file->position, wanted, static_cast<char*>(buffer));
  file->position += got;
  if (got < wanted) file->eof = true;
  return got / size;
}

int readRanges(void* handle, int ranges, void** data, const vsi_l_offset* offsets, const size_t* sizes) {
  auto* file = static_cast<CachedFile*>(handle);
  // Every chunk the ranges need that neither memory nor disk holds, fetched in one go.
  std::vector<uint64_t> missing;
  for (int r = 0; r < ranges; ++r) {
    if (sizes[r] == 0) continue;
    for (uint64_t index = offsets[r] / kChunkBytes; index <= (offsets[r] + sizes[r] - 1) / kChunkBytes && index * kChunkBytes < file->size; ++index)
      if (std::find(missing.begin(), missing.end(), index) == missing.end() && !file->onDisk(index)) missing.push_back(index);
  }
  std::sort(missing.begin(), missing.end());
  // (Memory keeps only the last few of them; the copies below read the rest back from disk.)
  if (!file->fetch(missing)) return -1;
  for (int r = 0; r < ranges; ++r)
    if (file->copy(offsets[r], sizes[r], static_cast<char*>(data[r])) != sizes[r]) return -1;
  return 0;
}

int eofFile(void* handle) { return static_cast<CachedFile*>(handle)->eof ? 1 : 0; }

int closeFile(void* handle) {
  delete static_cast<CachedFile*>(handle);
  return 0;
}

// A streamed granule has no side-car files: nothing to probe for (.aux.xml, .ovr, .msk).
char** noSiblings(void*, const char*) { return static_cast<char**>(CPLCalloc(1, sizeof(char*))); }

void registerHandler() {
  static std::once_flag once;
  std::call_once(once, [] {
    VSIFilesystemPluginCallbacksStruct* callbacks = VSIAllocFilesystemPluginCallbacksStruct();
    callbacks->stat = statFile;
    callbacks->open = openFile;
    callbacks->tell = tellFile;
    callbacks->seek = seekFile;
    callbacks->read = readFile;
    callbacks->read_multi_range = readRanges;
    callbacks->eof = eofFile;
    callbacks->close = closeFile;
    callbacks->sibling_files = noSiblings;
    VSIInstallPluginHandler(kBlockCachePrefix, callbacks);
    VSIFreeFilesystemPluginCallbacksStruct(callbacks);
    pruneBlockCache(blockCacheLimitBytes());
  });
}

}  // namespace

std::string blockCacheDir() { return userCacheDir() + "/blocks"; }

int64_t blockCacheLimitBytes() {
  bool ok = false;
  const qint64 megabytes = qEnvironmentVariableIntValue("PRITHVI_BLOCK_CACHE_MB", &ok);
  return ok && megabytes >= 0 ? int64_t(megabytes) << 20 : kDefaultLimitBytes;
}

int64_t pruneBlockCache(int64_t limitBytes) {
  struct Folder {
    QString path;
    QDateTime used;
    int64_t bytes = 0;
  };
  std::vector<Folder> folders;
  int64_t total = 0;
  for (const QFileInfo& info : QDir(QString::fromStdString(blockCacheDir())).entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot)) {
    Folder folder{info.absoluteFilePath(), info.lastModified()};
    for (const QFileInfo& file : QDir(folder.path).entryInfoList(QDir::Files | QDir::Hidden)) folder.bytes += file.size();
    total += folder.bytes;
    folders.push_back(std::move(folder));
  }
  std::sort(folders.begin(), folders.end(), [](const Folder& a, const Folder& b) { return a.used < b.used; });
  for (const Folder& folder : folders) {
    if (total <= limitBytes) break;
    QDir(folder.path).removeRecursively();
    total -= folder.bytes;
  }
  return total;
}

std::string throughBlockCache(const std::string& vsicurlPath) {
  if (qEnvironmentVariable("PRITHVI_BLOCK_CACHE") == QLatin1String("0") || blockCacheLimitBytes() == 0) return vsicurlPath;
  registerHandler();
  return kBlockCachePrefix + vsicurlPath;
}

}  // namespace prithvi
