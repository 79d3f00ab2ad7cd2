#pragma once
// The benchmarks' shared input: one 3660x3660 synthetic HLS granule, generated once per data
// folder (a few seconds) and reused by later runs.

#include <QFile>
#include <QFileInfo>
#include <string>

#include "core/scene/SceneScanner.h"
#include "core/synth/HlsSynth.h"

namespace prithvi::bench {

inline Scene fullSizeGranule(const std::string& dataDir) {
  const std::string dir = dataDir + "/hls-3660";
  if (!QFileInfo::exists(QString::fromStdString(dir + "/done"))) {
    HlsSynthOptions options;
    options.dates = 1;
    options.size = 3660;
    options.outDir = dir;
    synthesizeHlsTile(options);
    QFile done(QString::fromStdString(dir + "/done"));
    done.open(QIODevice::WriteOnly);
  }
  ScanOptions scan;
  scan.computeCloudCover = false;
  return scanForScenes({dir}, scan).scenes.at(0);
}

}  // namespace prithvi::bench
