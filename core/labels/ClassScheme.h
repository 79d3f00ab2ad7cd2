#pragma once
// What the values of a label mask mean: a class scheme names each value, gives it a colour and
// a keyboard shortcut, and sets aside one value for "not labelled" (the ignore value, which
// training skips). Presets follow the fine-tuning tasks of spec/prithvi.md; every field is
// editable and the scheme a label set uses is stored in the project with it.

#include <optional>
#include <string>
#include <vector>

#include "core/raster/RasterSource.h"

namespace prithvi {

struct LabelClass {
  int value = 0;      // 0..kMaxClassValue, the value exported masks hold
  std::string name;
  std::string color;  // "#rrggbb"
  // The colour as an opaque palette entry (the colour must be valid "#rrggbb").
  PaletteEntry paletteEntry() const;
};

struct ClassScheme {
  // Class values fit a byte beside the mask codes (see LabelStore); 254 and 255 stay free for
  // ignore values.
  static constexpr int kMaxClassValue = 253;

  std::string name;          // unique in a project: "flood", "crop", or the user's own
  std::string task;          // flood | burn_scars | crop | cloud | land_cover | custom
  std::vector<LabelClass> classes;
  int ignoreValue = 255;     // 0..255, no class may use it
  bool multiTemporal = false;  // labels refer to a date of a time series (crop)

  const LabelClass* find(int value) const;
  // Error(BadInput) naming the first problem: empty name, no class, a value out of range or
  // used twice, the ignore value used by a class, a colour that is not #rrggbb.
  void validate() const;

  // A raster colour table and category names indexed by class value; other values (the ignore
  // value among them) are transparent and unnamed.
  std::vector<PaletteEntry> palette() const;
  std::vector<std::string> categoryNames() const;

  std::string toJson() const;
  // Error(BadInput) for malformed JSON or a scheme that does not validate.
  static ClassScheme fromJson(const std::string& json);
};

// flood, burn_scars, crop (the 13 CDL classes of the multi-temporal crop task), cloud and
// land_cover (the ESA WorldCover legend as a starting point to edit).
const std::vector<ClassScheme>& presetClassSchemes();
std::optional<ClassScheme> presetClassScheme(const std::string& name);

}  // namespace prithvi
