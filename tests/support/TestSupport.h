#pragma once
// Helpers shared by the Qt Test executables: sample data, scratch rasters and bad files.

#include <functional>
#include <string>
#include <vector>

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include "core/base/Error.h"
#include "core/raster/RasterSource.h"
#include "core/scene/Scene.h"

namespace prithvi::test {

// The folder the packaging script unpacks the Debian-shipped Landsat samples into.
QString sampleDir();
// Path of a sample file; fails the current test (QFAIL) when it is missing.
QString samplePath(const QString& relative);
bool haveSamples();

// Writes a GeoTIFF with `bands` bands of int16 values f(band, x, y) in UTM 13N at 30 m.
void writeInt16Tiff(const std::string& path, int width, int height, int bands,
                    int (*value)(int band, int x, int y), const char* options = "TILED=YES");

// The message of the Error of `kind` that `work` throws; empty (with a warning naming the
// other kind) when it throws nothing or another kind.
std::string expectError(ErrorKind kind, const std::function<void()>& work);
// Fails the current test unless `work` throws an Error of `kind` whose message contains `fragment`.
void expectError(ErrorKind kind, const std::function<void()>& work, const char* fragment);

// WKT of EPSG:32613 (UTM 13N), the CRS writeInt16Tiff uses.
std::string utm13Wkt();
// A scene on writeInt16Tiff's grid (origin 500000, 3300000; 30 m; EPSG:32613), dated
// 2021-06-01, with no band files: enough for catalog and label tests.
Scene gridOnlyScene(const std::string& id, int width, int height);

// A project with a synthetic HLS tile time series (T13REN, `size` pixels a side, `dates`
// dates) whose first `labelled` scenes carry flood label sets painted from the water truth
// mask; the first `validated` of those are validated, the rest stay drafts.
struct FloodProject {
  std::string path;
  std::vector<Scene> scenes;   // as stored, by date
  std::vector<uint8_t> water;  // truth, size x size
  std::vector<int64_t> labelSets;
};
FloodProject makeFloodProject(const QString& dir, int size, int dates, int labelled, int validated);
// Adds another year of the same tile (same landscape, synthesised under dir/hls-<year>) to a
// project, labelled the same way; `scenes` and `labelSets` are that year's.
FloodProject addFloodYear(const std::string& projectPath, const QString& dir, int size, int dates, int year, int labelled,
                          int validated);

// One pixel of band 1 read with plain GDAL (the independent check); NaN when unreadable.
double gdalPixel(const std::string& path, int x, int y);

// A finished child process: exit code and what it printed.
struct ProcessRun {
  int code = -1;
  QByteArray out;
  QByteArray err;
  QJsonObject json() const;  // stdout parsed as a JSON object
};
ProcessRun runProcess(const QString& program, const QStringList& arguments, int timeoutMs = 300000);
// The project's `prithvi` CLI.
ProcessRun runPrithvi(const QStringList& arguments);

// Polls `done` every `pollMs` until it holds (true) or `seconds` have passed (false). For waiting
// on other processes (jobs, daemons), not on this thread's event loop (QTest::qWaitFor).
bool waitUntil(const std::function<bool()>& done, int seconds, int pollMs = 100);

// A small tmpfs mounted on a folder for disk-full tests; unmounted when destroyed. Empty `why`
// when mounted; otherwise the reason it could not be (not root, no mount here): QSKIP with it.
struct SmallDisk {
  QString folder;
  QString why;
  SmallDisk(const QString& folder, int kilobytes);
  ~SmallDisk();
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;
  // Fills the disk with one file, leaving about `leaveBytes` free.
  void fill(qint64 leaveBytes = 0) const;
  // Remounts it read-only (read-only media); false when that fails.
  bool makeReadOnly() const;
};

// A TIFF whose header declares width x height pixels but holds almost no data.
void writeHugeHeaderTiff(const std::string& path, uint32_t width, uint32_t height);

}  // namespace prithvi::test
