#include "core/scene/OutputGuard.h"

#include <QFileInfo>

#include "core/base/Error.h"

namespace prithvi {

void refuseOutputOverSceneFiles(const std::string& outPath, const std::vector<Scene>& scenes, const std::string& what) {
  const QFileInfo out(QString::fromStdString(outPath));
  const QString outFile = out.absoluteFilePath();
  const QString outCanonical = out.exists() ? out.canonicalFilePath() : QString();
  for (const Scene& scene : scenes)
    for (const SceneBand& band : scene.bands) {
      const QFileInfo input(QString::fromStdString(band.path));
      if (input.absoluteFilePath() == outFile || (!outCanonical.isEmpty() && input.canonicalFilePath() == outCanonical))
        throwUsage(what + " " + outPath + " is an input of this run (" + bandRoleName(band.role) + " of scene " + scene.id +
                   "): writing it would destroy the imagery; choose another file");
    }
}

void refuseOutputBesideSceneFiles(const std::string& outPath, const std::vector<Scene>& scenes, const std::string& what) {
  const QString outFolder = QFileInfo(QString::fromStdString(outPath)).absolutePath();
  for (const Scene& scene : scenes)
    for (const SceneBand& band : scene.bands)
      if (QFileInfo(QString::fromStdString(band.path)).absolutePath() == outFolder)
        throwUsage(what + " " + outPath + " is in the folder of scene " + scene.id +
                   ", among its band files; write results elsewhere (e.g. a results/ folder), or pass --force");
}

}  // namespace prithvi
