#pragma once
// Import: scan files and folders for scenes and add them to a project in one transaction.

#include <string>
#include <vector>

#include "core/scene/SceneScanner.h"

namespace prithvi {

class Feedback;
class ProjectStore;

struct ImportReport {
  std::vector<std::string> addedSceneIds;
  std::vector<std::string> alreadyPresentSceneIds;  // found but already in the project
  std::vector<SkippedFile> skipped;   // files that are in no new scene, with the reason
  std::vector<std::string> warnings;
};

ImportReport importIntoProject(ProjectStore& store, const std::vector<std::string>& paths,
                               const ScanOptions& options = {}, Feedback* feedback = nullptr);

}  // namespace prithvi
