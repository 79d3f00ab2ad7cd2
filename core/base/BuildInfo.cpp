#include "core/base/BuildInfo.h"

#include <gdal.h>
#include <proj.h>
#include <sqlite3.h>

#include <QtGlobal>
#include <opencv2/core/utility.hpp>

#include "BuildCommit.h"  // generated at build time (cmake/BuildCommit.cmake)

#ifndef PRITHVI_TORCH_VERSION
#define PRITHVI_TORCH_VERSION "unknown"
#endif
#ifndef PRITHVI_VTK_VERSION
#define PRITHVI_VTK_VERSION "unknown"
#endif

namespace prithvi {

std::string programVersion() { return PRITHVI_VERSION; }

std::string gitCommit() { return PRITHVI_GIT_COMMIT; }

std::vector<std::pair<std::string, std::string>> libraryVersions() {
  return {{"Qt", qVersion()},
          {"GDAL", GDALVersionInfo("RELEASE_NAME")},
          {"PROJ", proj_info().version},
          {"OpenCV", cv::getVersionString()},
          {"SQLite", sqlite3_libversion()},
          {"LibTorch", std::string(PRITHVI_TORCH_VERSION) + " (built with)"},
          {"VTK", std::string(PRITHVI_VTK_VERSION) + " (built with)"}};
}

std::string versionReport(const std::string& program) {
  std::string text = program + " " + programVersion();
  if (!gitCommit().empty()) text += " (git " + gitCommit() + ")";
  for (const auto& [name, version] : libraryVersions()) text += "\n  " + name + " " + version;
  return text;
}

}  // namespace prithvi
