// Streamed HLS granules over a network with a round-trip delay: the loopback imitation of LP DAAC
// (tests/core/fixtures/hls_data_server.py: bearer token, 307 to a signed URL on 127.0.0.2, every
// request answered after --delay ms) serving a synthetic tile of 24 dates.
//   build/bin/bench_streaming [--dates 24] [--size 1024] [--delay-ms 50]
// Prints: the first frame of one granule at fit (three bands read at 512 px, every cache
// cleared), a warm pan at 1:1, the 24-date pixel profile cold, warm (in memory) and warm from
// the disk cache alone (as a new session finds it), and the same profile read one file after
// another through GDAL's /vsicurl/ as a naive client does. The signed URLs have the shape of S3
// presigned ones (as LP DAAC's), and their host refuses any Authorization header. The disk cache
// lives in a temporary folder for the run. Goals of issue 19 at 50 ms RTT: first frame < 1.5 s,
// profile cold < 3 s and warm < 50 ms.
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <cpl_vsi.h>
#include <cstdio>
#include <cstring>
#include <functional>

#include "core/raster/BlockCache.h"
#include "core/raster/HttpRanges.h"
#include "core/raster/RasterSource.h"
#include "core/raster/RemoteRasters.h"
#include "core/scene/SceneReader.h"
#include "core/scene/SceneScanner.h"
#include "core/synth/HlsSynth.h"
#include "core/timeseries/PixelProfile.h"

using namespace prithvi;

namespace {

double secondsOf(const std::function<void()>& work) {
  QElapsedTimer timer;
  timer.start();
  work();
  return timer.nsecsElapsed() / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  int dates = 24, size = 1024, delayMs = 50;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--dates")) dates = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--size")) size = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--delay-ms")) delayMs = std::atoi(argv[i + 1]);
  }
  QTemporaryDir dir;
  qputenv("XDG_CACHE_HOME", dir.filePath(QStringLiteral("cache")).toUtf8());  // the disk cache, this run's own
  HlsSynthOptions synth;
  synth.dates = dates;
  synth.size = size;
  synth.outDir = dir.filePath(QStringLiteral("served")).toStdString();
  const HlsSynthResult tile = synthesizeHlsTile(synth);

  QProcess server;
  server.start(QStringLiteral("/usr/bin/python3"),
               {QStringLiteral(PRITHVI_SOURCE_DIR "/tests/core/fixtures/hls_data_server.py"), QStringLiteral("--root"),
                QString::fromStdString(synth.outDir), QStringLiteral("--token"), QStringLiteral("bench-token"),
                QStringLiteral("--delay-ms"), QString::number(delayMs), QStringLiteral("--max-requests"),
                QStringLiteral("1000000"), QStringLiteral("--max-seconds"), QStringLiteral("3600"),
                QStringLiteral("--url-style"), QStringLiteral("s3"), QStringLiteral("--reject-authorization"),
                QStringLiteral("--log"), dir.filePath(QStringLiteral("requests.jsonl"))});
  if (!server.waitForReadyRead(20000)) {
    std::fprintf(stderr, "bench_streaming: the data server did not start: %s\n", server.readAllStandardError().constData());
    return 1;
  }
  const QStringList ports = QString::fromLatin1(server.readLine()).trimmed().split(QLatin1Char(' '));
  const std::string host = "127.0.0.1:" + ports.value(1).toStdString();
  setEarthdataCredentials(std::string("bench-token"), {host});

  std::vector<std::string> urls;
  for (const std::string& file : tile.files)
    urls.push_back("/vsicurl/http://" + host + "/lp-prod-protected/HLS.020/x/" + file.substr(file.rfind('/') + 1));
  const std::vector<Scene> scenes = scanForScenes(urls).scenes;
  const std::vector<Scene> granules = tileGranules(scenes, synth.tile);
  std::printf("%d granules of %dx%d px streamed at %d ms per request\n", int(granules.size()), size, size, delayMs);

  auto requests = [&] {
    QFile log(dir.filePath(QStringLiteral("requests.jsonl")));
    return log.open(QIODevice::ReadOnly) ? int(log.readAll().count('\n')) : 0;
  };
  // Every cache emptied: GDAL's in memory, ours on disk.
  // A new session: nothing open, no signed URL known, GDAL's memory cache empty.
  auto newSession = [] {
    forgetOpenStreamedRasters();
    forgetSignedUrls();
    VSICurlClearCache();
  };
  auto clearCaches = [&] {
    newSession();
    QDir(QString::fromStdString(blockCacheDir())).removeRecursively();
  };
  clearCaches();  // what scanning the files left
  int before = requests();
  const double frame = secondsOf([&] {
    SceneReader reader(granules.back());
    reader.readResampled({0, 0, size, size}, 512, 512, {BandRole::Red, BandRole::Green, BandRole::Blue});
  });
  std::printf("first frame at fit (3 bands, 512 px), cold: %7.3f s  (%d requests)\n", frame, requests() - before);
  // Zoomed in to 1:1 on a 512 px view, then panned by half a view: the view's blocks are half
  // read already.
  SceneReader viewer(granules.back());
  const std::vector<BandRole> rgb{BandRole::Red, BandRole::Green, BandRole::Blue};
  const int view = std::min(512, size / 2);
  viewer.read({size / 4, size / 4, view, view}, rgb);
  before = requests();
  const double pan = secondsOf([&] { viewer.read({size / 4 + view / 2, size / 4, view, view}, rgb); });
  std::printf("pan by half a 1:1 view (3 bands, %d px), warm: %7.3f s  (%d requests)\n", view, pan, requests() - before);

  clearCaches();
  before = requests();
  const double cold = secondsOf([&] { readProfileFromFiles(granules, size / 2, size / 3, nullptr); });
  std::printf("%d-date pixel profile, cold:                %7.3f s  (%d requests)\n", int(granules.size()), cold, requests() - before);
  before = requests();
  const double warm = secondsOf([&] { readProfileFromFiles(granules, size / 2, size / 3, nullptr); });
  std::printf("%d-date pixel profile, warm:                %7.3f s  (%d requests)\n", int(granules.size()), warm, requests() - before);
  newSession();  // only the disk cache is left
  before = requests();
  const double disk = secondsOf([&] { readProfileFromFiles(granules, size / 2, size / 3, nullptr); });
  std::printf("%d-date pixel profile, from the disk cache:  %7.3f s  (%d requests)\n", int(granules.size()), disk, requests() - before);

  clearCaches();
  before = requests();
  // The same reads as a naive GDAL client makes them: one file after another, each opened
  // through /vsicurl/ alone (no disk cache of ours, no kept signed URLs).
  qputenv("PRITHVI_BLOCK_CACHE", "0");
  const double naive = secondsOf([&] {
    for (const Scene& scene : granules)
      for (const SceneBand& band : scene.bands)
        RasterSource::open(band.path)->read({size / 2, size / 3, 1, 1}, {band.bandIndex});
  });
  qunsetenv("PRITHVI_BLOCK_CACHE");
  std::printf("the same profile, one file after another through /vsicurl/, cold: %7.3f s  (%d requests)\n", naive, requests() - before);
  server.closeWriteChannel();
  server.waitForFinished(5000);
  return 0;
}
