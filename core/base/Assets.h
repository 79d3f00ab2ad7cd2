#pragma once
// Where the program finds what it ships and where it keeps each user's files.
//
// Shipped files (assets/: task presets, the demo model, icons, the guide; fetch-samples.sh) live in
// <prefix>/share/prithvi-studio, found next to the running program (<bin>/../share/prithvi-studio),
// so an installed package and a build tree (which links build/share/prithvi-studio to the sources)
// work alike; $PRITHVI_ASSETS overrides the assets folder. No source path is compiled in.
//
// Per-user files follow the XDG base directories, for installed and build-tree runs alike:
// data (the demo project, the Landsat samples) in $XDG_DATA_HOME/prithvi-studio, caches in
// $XDG_CACHE_HOME/prithvi-studio, logs and crash reports in $XDG_STATE_HOME/prithvi-studio.

#include <string>

namespace prithvi {

// The path of `relative` inside the assets folder; Error(BadInput) naming the places searched
// when it is nowhere.
std::string assetPath(const std::string& relative);

// <prefix>/share/prithvi-studio of the running program (it may not exist).
std::string sharedDataDir();

std::string userDataDir();   // ~/.local/share/prithvi-studio
std::string userCacheDir();  // ~/.cache/prithvi-studio
std::string userStateDir();  // ~/.local/state/prithvi-studio

std::string defaultDemoDir();     // userDataDir()/demo
std::string defaultSamplesDir();  // userDataDir()/samples, where fetch-samples.sh puts them

}  // namespace prithvi
