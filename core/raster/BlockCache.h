#pragma once
// Streamed rasters' bytes kept on disk between sessions, so that a second view, a time series or
// tomorrow's session of the same granules reads the disk instead of the network (GDAL 3.6 keeps
// its /vsicurl/ blocks in memory only, for one process).
//
// GDAL opens "/vsiprithvicache/" + the /vsicurl path gdalOpenPath made; this handler reads the
// file in 256 KiB chunks over HTTP itself (HttpRanges.h: one round trip per range, the size told
// by the first), each stored under ~/.cache/prithvi-studio/blocks/<hash of the file's URL>/<chunk
// number> (written to a temporary name and renamed, so a crash leaves no half chunk), and the
// file's size beside them, so that a file read before opens without a request. The key is the
// URL without its query: a signed URL changes, the file does not (HLS v2.0 files are never
// rewritten). Chunks missing from several ranges GDAL asks for at once are fetched at once, one
// request per run of consecutive chunks. The folder is kept under a size limit, the files used
// longest ago removed first. A cache that cannot be written (a full disk) is read around.

#include <cstdint>
#include <string>

namespace prithvi {

constexpr const char* kBlockCachePrefix = "/vsiprithvicache/";

// The path GDAL should open for a /vsicurl path: through the disk cache when it is on (the
// default; PRITHVI_BLOCK_CACHE=0 turns it off), else the path itself. Registers the handler on
// first use.
std::string throughBlockCache(const std::string& vsicurlPath);

// The cache's folder and its limit (default 4 GiB; PRITHVI_BLOCK_CACHE_MB sets another).
std::string blockCacheDir();
int64_t blockCacheLimitBytes();
// Removes the files used longest ago until the folder holds at most `limitBytes`; returns the
// bytes it holds then. Run once a process, when the handler is registered.
int64_t pruneBlockCache(int64_t limitBytes);

}  // namespace prithvi
