#pragma once
// Morphological clean-up of class rasters (label sets and model class maps): opening removes
// specks and thin protrusions, regions under a minimum size are dropped, closing fills narrow gaps.
// One implementation for the label tool and for inference post-processing.

#include <cstdint>
#include <string>
#include <vector>

namespace prithvi {

struct ClassMapCleanup {
  int openRadius = 0;      // pixels; 0 = no opening
  int closeRadius = 0;     // pixels; 0 = no closing
  int minRegionPixels = 0; // 8-connected regions of one class smaller than this are dropped; 0 = keep all
  // Where dropped pixels go: a model's class map gives them the nearest remaining class; a label
  // set leaves them unlabelled.
  bool fillFromNearestClass = false;

  bool isNoop() const { return openRadius <= 0 && closeRadius <= 0 && minRegionPixels <= 0; }
  // "open 1, close 2, min 50 px": for model cards, edit names and messages.
  std::string describe() const;
};

// Cleans `classes` (width * height values, row-major) in place. `empty` marks pixels that hold no
// class (unlabelled, nodata): they are never a class, never a source for the nearest-class fill,
// and only closing may claim them when `empty` means unlabelled (`emptyIsClaimable`); nodata of a
// model's class map is never claimed. Closing claims only empty or dropped pixels, never another
// class's. Classes are processed in increasing value, so results are deterministic.
// Returns the number of pixels whose value changed.
// Throws Error(Usage) for negative radii or sizes, and Error(BadInput) when classes.size() is not
// width * height.
int64_t cleanClassMap(std::vector<uint8_t>& classes, int width, int height, uint8_t empty, bool emptyIsClaimable,
                      const ClassMapCleanup& options);

}  // namespace prithvi
