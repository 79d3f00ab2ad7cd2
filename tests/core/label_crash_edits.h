#pragma once
// The edit sequence of the crash-safety test: edit number k is a pure function of k and the
// editor's state, so the checker replays exactly what label_crash_writer did in a reference
// project and compares the two. Every tool that saves is used: rectangles, polygons, brush and
// eraser strokes, regions, painted values, deletions, undo and redo.

#include <cstdint>
#include <vector>

#include "core/labels/LabelEditor.h"

namespace prithvi::test {

inline uint64_t crashMix(uint64_t k) {  // splitmix64
  uint64_t z = k + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Edit number k; returns its kind, for messages.
inline const char* crashEdit(LabelEditor& editor, int64_t k) {
  const uint64_t h = crashMix(uint64_t(k));
  const int width = editor.width(), height = editor.height();
  auto pick = [&](int shift, int range) { return int((h >> shift) % uint64_t(range)); };
  const int classValue = int((h >> 61) & 1);
  const double x = pick(0, width - 80), y = pick(12, height - 80);
  auto rectangle = [&] {
    editor.addRectangle(classValue, {x, y}, {x + 4 + pick(24, 70), y + 4 + pick(32, 70)});
    return "rectangle";
  };
  switch (k % 7) {
    case 0:
      return rectangle();
    case 1: {
      const bool erase = ((h >> 58) & 3) == 0;
      editor.beginStroke(erase ? LabelEditor::kErase : classValue, 2 + pick(40, 6));
      for (int i = 0; i < 5; ++i) editor.strokeTo({x + i * pick(44, 15), y + i * pick(48, 15)});
      editor.endStroke();
      return erase ? "eraser" : "brush";
    }
    case 2: {
      const int side = 20 + pick(24, 60), period = 2 + pick(52, 5);
      PixelRegion region{{int(x), int(y), side, side}, std::vector<uint8_t>(size_t(side) * side)};
      for (int row = 0; row < side; ++row)
        for (int column = 0; column < side; ++column)
          region.inside[size_t(row) * side + column] = (row / period + column / period) % 2;
      editor.fillRegion(classValue, region, "region");
      return "region";
    }
    case 3:
      // Deleting the oldest keeps the polygon count (and the time per edit) bounded.
      if (editor.polygons().size() > 12) {
        editor.deletePolygon(editor.polygons().front().fid);
        return "delete";
      }
      editor.addPolygon(classValue, {{x, y}, {x + 30 + pick(24, 40), y + 5}, {x + 10, y + 30 + pick(32, 40)}});
      return "polygon";
    case 4:
      if (!editor.canUndo()) return rectangle();
      editor.undo();
      return "undo";
    case 5:
      if (!editor.canRedo()) return rectangle();
      editor.redo();
      return "redo";
    default: {
      // A painted strip crossing a mask tile border, as mask imports paint.
      const Window window{int(x), int(y), 70, 12};
      std::vector<int16_t> values(size_t(window.width) * window.height);
      for (size_t i = 0; i < values.size(); ++i)
        values[i] = int16_t((i + size_t(h)) % 3 == 0 ? LabelEditor::kKeep : (i / 7 + size_t(h)) % 3 == 0 ? LabelEditor::kErase
                                                                                                       : classValue);
      editor.paintValues(window, values, "paint");
      return "paint";
    }
  }
}

}  // namespace prithvi::test
