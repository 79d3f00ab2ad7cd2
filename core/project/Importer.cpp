#include "core/project/Importer.h"
#include <algorithm>

#include "core/base/Feedback.h"
#include "core/project/ProjectStore.h"

namespace prithvi {

ImportReport importIntoProject(ProjectStore& store, const std::vector<std::string>& paths,
                               const ScanOptions& options, Feedback* feedback) {
  ScanResult scan = scanForScenes(paths, options, feedback);
  throwIfCanceled(feedback);
  ImportReport report;
  report.skipped = std::move(scan.skipped);
  report.warnings = std::move(scan.warnings);
  // Re-importing a folder is harmless: scenes already in the project are reported, not added.
  const auto duplicates = store.addScenes(scan.scenes, ProjectStore::OnDuplicate::Skip);
  for (const auto& scene : scan.scenes) {
    if (std::find(duplicates.begin(), duplicates.end(), scene.id) != duplicates.end()) {
      for (const auto& band : scene.bands) report.skipped.push_back({band.path, scene.id + " is already in the project"});
      report.alreadyPresentSceneIds.push_back(scene.id);
      continue;
    }
    report.addedSceneIds.push_back(scene.id);
  }
  return report;
}

}  // namespace prithvi
