#pragma once
// Files shipped in assets/ (task presets, the demo model, colour maps): found through
// $PRITHVI_ASSETS, next to an installed program (<bin>/../share/prithvi-studio/assets), or in
// the source tree this program was built from.

#include <string>

namespace prithvi {

// The path of `relative` inside the assets folder; Error(BadInput) naming the places searched
// when it is nowhere.
std::string assetPath(const std::string& relative);

}  // namespace prithvi
