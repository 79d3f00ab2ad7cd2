#pragma once
// Files that appear complete under their name or not at all: build under a temporary name in
// the same folder, sync, then link or rename into place and sync the folder. Shared by the
// project file, rasters, exports.

#include <functional>
#include <string>

namespace prithvi {

// Error(Usage) when `path` exists (even as a dangling link) or its folder does not.
void refuseExistingPath(const std::string& path);

// A unique name next to `finalPath`, so the final link or rename stays on one filesystem.
std::string temporaryPathFor(const std::string& finalPath);

// fsync of a file or folder; a path that cannot be opened is left alone. Never call it on a
// project file this process has open: closing any descriptor of a file drops the POSIX locks
// SQLite holds on it (ProjectStore.h).
void syncPath(const std::string& path);

// Syncs a finished temporary file and makes it appear under `finalPath`, never replacing what
// is there (link() fails when the name is taken, which an exists-then-rename check cannot
// promise): Error(Usage) when the name is taken; the temporary file is removed either way.
void publishNewFile(const std::string& temporaryPath, const std::string& finalPath);

// Syncs a finished temporary file and renames it over `finalPath` (replacing an older file).
// Error(Io) when that fails; the temporary file is removed then.
void replaceFile(const std::string& temporaryPath, const std::string& finalPath);

// Writes `bytes` to a temporary file beside `path`, syncs it and renames it over `path`: readers
// see the old file or the new one, never a part. Error(Io) when it fails (the old file stays).
void writeFileAtomically(const std::string& path, const std::string& bytes);

// The one way outputs are written: `write` fills the temporary file it is given (any library may
// write it), then it is checked (by `complete` when given), synced and renamed over
// `path`. On any failure the temporary file is removed and the old file stays as it was.
void writeAtomically(const std::string& path, const std::function<void(const std::string& temporary)>& write,
                     const std::function<bool(const std::string& temporary)>& complete = {});

// Error(Io) for a failed write of `path`: "disk full: <path> ..." when the disk or quota is full
// (by `error`, an errno value, or when unknown (0) by the space left in the folder), otherwise
// "cannot write <path>: <detail, or else error's text>".
[[noreturn]] void throwWriteFailure(const std::string& path, int error = 0, const std::string& detail = {});

// Whether the file at `path` ends with `trailer` (ignoring trailing white space): PDF "%%EOF",
// SVG "</svg>"; a file cut short by a full disk does not.
bool fileEndsWith(const std::string& path, const std::string& trailer);

// Removes an SQLite database file (a project, a GeoPackage) with its -journal, -wal and -shm.
void removeDatabaseFiles(const std::string& path);

}  // namespace prithvi
