#include "core/project/DemoProject.h"

#include <QDir>
#include <QFileInfo>

#include "core/base/Assets.h"
#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/project/Importer.h"
#include "core/project/ProjectStore.h"
#include "core/synth/HlsSynth.h"

namespace prithvi {

std::string ensureDemoProject(const DemoOptions& options, Feedback* feedback) {
  const QDir dir(QString::fromStdString(options.dir));
  const std::string projectPath = dir.filePath(QStringLiteral("demo.gpkg")).toStdString();
  if (QFileInfo::exists(QString::fromStdString(projectPath))) return projectPath;
  if (!QDir().mkpath(dir.path())) throwIo("cannot create the demo folder " + options.dir);

  // The project file appears last, so an interrupted first run is simply redone.
  HlsSynthOptions synth;
  synth.tile = "13REN";
  synth.dates = options.synthDates;
  synth.size = options.synthSize;
  synth.seed = 7;
  synth.outDir = dir.filePath(QStringLiteral("hls")).toStdString();
  synthesizeHlsTile(synth, feedback);

  std::vector<std::string> paths{synth.outDir};
  const QDir samples(QString::fromStdString(options.sampleDir));
  if (!options.sampleDir.empty() && samples.exists()) {
    paths.push_back(samples.filePath(QStringLiteral("stars")).toStdString());
    paths.push_back(samples.filePath(QStringLiteral("satellite")).toStdString());
  } else if (feedback) {
    feedback->log("warning", "Landsat samples not found in '" + options.sampleDir + "'; run 'bash " + sharedDataDir() +
                                 "/fetch-samples.sh' to add them to the demo");
  }
  const std::string partial = projectPath + ".partial";
  QFile::remove(QString::fromStdString(partial));
  {
    auto store = ProjectStore::create(partial);
    ScanOptions scan;
    importIntoProject(*store, paths, scan, feedback);
  }
  // Truth masks are not scenes; they stay beside the granules for later tasks.
  if (!QFile::rename(QString::fromStdString(partial), QString::fromStdString(projectPath)))
    throwIo("cannot move the demo project into place at " + projectPath);
  return projectPath;
}

}  // namespace prithvi
