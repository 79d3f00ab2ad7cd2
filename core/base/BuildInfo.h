#pragma once
// What this program is and what it runs on: its version, the git commit it was built from, and
// the versions of the libraries it uses (for --version, Help > About and bug reports).

#include <string>
#include <utility>
#include <vector>

namespace prithvi {

std::string programVersion();  // "0.1.0"
std::string gitCommit();       // "3c8afef0b1d2" ("-modified" appended for a changed tree); "" outside git

// (name, version): Qt, GDAL, PROJ, OpenCV and SQLite as loaded at run time; LibTorch and VTK as
// built against (the GUI loads neither itself: it runs the prithvi program for model work).
std::vector<std::pair<std::string, std::string>> libraryVersions();

// "<program> 0.1.0 (git 3c8afef0b1d2)" then one "  Qt 6.4.2" line per library.
std::string versionReport(const std::string& program);

}  // namespace prithvi
