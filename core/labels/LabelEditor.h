#pragma once
// An editing session on one label set, behind every labelling tool (map, CLI, tests). Tool
// geometry is in scene pixel coordinates ((0,0) = top-left corner of the top-left pixel).
// Every edit is saved in its own transaction before the call returns; a brush stroke collects
// its dabs in memory and is saved as one edit when it ends, so a killed program loses at most
// the stroke in progress. Each saved edit can be undone and redone (each undo or redo is a
// saved edit too). The editor keeps the composed label raster of the whole scene in memory
// for drawing, updated per edit.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/labels/LabelStore.h"
#include "core/raster/ClassMapCleanup.h"
#include "core/scene/Scene.h"

namespace prithvi {

struct PixelPoint {
  double x = 0;
  double y = 0;
};

// A region of pixels: `inside` holds window.width * window.height bytes, non-zero inside.
struct PixelRegion {
  Window window;
  std::vector<uint8_t> inside;
};

class LabelEditor {
 public:
  // Mask tools paint this instead of a class value to erase labels.
  static constexpr int kErase = -1;
  // paintValues leaves a pixel holding this value as it is.
  static constexpr int kKeep = -2;

  LabelEditor(LabelStore& store, int64_t labelSetId);

  LabelStore& store() { return mStore; }
  const LabelSet& labelSet() const { return mSet; }
  const ClassScheme& scheme() const { return mScheme; }
  const Scene& scene() const { return mScene; }
  int width() const { return mScene.width; }
  int height() const { return mScene.height; }
  // Composed class values of the whole scene grid, row-major; the ignore value where unlabelled.
  const std::vector<uint8_t>& raster() const { return mRaster; }
  uint8_t valueAt(int x, int y) const { return mRaster[size_t(y) * size_t(mScene.width) + size_t(x)]; }
  const std::vector<LabelPolygon>& polygons() const { return mPolygons; }
  // Reloads from the project (after another program changed the set); clears undo and redo.
  void reload();

  // Called after every change of the raster with the changed window of the scene grid.
  std::function<void(const Window&)> onChanged;
  // Called after every saved edit, undo and redo.
  std::function<void()> onSaved;

  // Polygon, rectangle and lasso: vertices snap to pixel corners, and the polygon covers the
  // pixels whose centres it contains (GDAL's rule). Error(BadInput) when it covers no pixel
  // centre once snapped. Returns the polygon's fid.
  int64_t addPolygon(int classValue, const std::vector<PixelPoint>& vertices);
  int64_t addRectangle(int classValue, PixelPoint corner, PixelPoint oppositeCorner);
  // Polygons in the scene's CRS (imports), saved as one edit with their vertices as given: no
  // snapping. Error(BadInput) when one covers no pixel centre of the scene (polygonPixels), or
  // its class is not in the scheme. Returns the fids in the order given.
  std::vector<int64_t> addPolygons(std::vector<LabelPolygon> polygons, const std::string& description = "polygons");
  void deletePolygon(int64_t fid);
  // The topmost polygon whose pixels include (x, y), or 0.
  int64_t polygonAt(double x, double y) const;

  // Labels (or erases, with kErase) every pixel of a region: magic wand, superpixel, imports.
  void fillRegion(int classValue, const PixelRegion& region, const std::string& description = "fill");
  // Labels each pixel of `window` with its own value, row-major, window.width * window.height
  // values: a class value, kErase, or kKeep to leave the pixel as it is. One edit (mask imports);
  // pixels outside the scene are ignored. Error(BadInput) listing the values not in the scheme.
  void paintValues(const Window& window, const std::vector<int16_t>& values, const std::string& description = "paint");

  // Morphological clean-up of the composed labels in `window` (clipped to the scene), saved as
  // one edit: specks, thin spurs and regions under the minimum size are erased, and narrow
  // unlabelled gaps inside a class are filled (ClassMapCleanup; other classes are never taken).
  // Returns the number of pixels changed; 0 saves nothing.
  int64_t cleanUp(const ClassMapCleanup& options, const Window& window);
  // Brush and eraser: round dabs of `radius` pixels along the path.
  void beginStroke(int classValue, double radius);
  void strokeTo(PixelPoint point);
  bool strokeActive() const { return mStroke.has_value(); }
  void endStroke();     // saves the stroke as one edit
  void cancelStroke();  // drops it

  bool canUndo() const { return !mUndo.empty(); }
  bool canRedo() const { return !mRedo.empty(); }
  std::string undoText() const;  // "brush stroke", "polygon", ... ("" when none)
  std::string redoText() const;
  void undo();
  void redo();
  // True while a stroke is being drawn: everything else is already in the project.
  bool hasUnsavedChanges() const { return strokeActive(); }
  // How many edits, undos and redos this session saved.
  int64_t savedEdits() const { return mSavedEdits; }

 private:
  struct Step {
    std::string text;
    LabelEdit forward;
    LabelEdit backward;
    Window dirty;
  };
  struct Stroke {
    int classValue;
    double radius;
    std::optional<PixelPoint> last;
    std::map<std::pair<int, int>, std::vector<uint8_t>> tiles;  // edited copies
    Window dirty{0, 0, 0, 0};
  };

  void validateClass(int classValue) const;
  std::vector<uint8_t>& cachedTile(std::map<std::pair<int, int>, std::vector<uint8_t>>& tiles, int row, int col);
  std::vector<uint8_t> savedTile(int row, int col) const;
  // Saves one edit and records it for undo (or replays an undo/redo step).
  void save(LabelEdit edit, std::vector<int64_t>* fids);
  void applyToCache(const LabelEdit& edit);
  // Saves a new undoable step, redraws its dirty window and returns the fids of its added
  // polygons (the step's backward edit then removes them).
  std::vector<int64_t> commitStep(Step step);
  void recompose(const Window& window);
  void dab(PixelPoint centre);
  Step maskStep(const std::string& text, const std::map<std::pair<int, int>, std::vector<uint8_t>>& edited,
                const Window& dirty) const;

  LabelStore& mStore;
  LabelSet mSet;
  ClassScheme mScheme;
  Scene mScene;
  std::vector<LabelPolygon> mPolygons;
  std::map<std::pair<int, int>, std::vector<uint8_t>> mTiles;  // saved mask tiles by (row, col)
  std::vector<uint8_t> mRaster;
  std::optional<Stroke> mStroke;
  std::vector<Step> mUndo;
  std::vector<Step> mRedo;
  int64_t mSavedEdits = 0;
};

// Pixel windows: the smallest window holding both (empty windows are ignored).
Window unionOf(const Window& a, const Window& b);

// The pixels of a width x height grid whose centres a polygon (map coordinates of `grid`)
// covers, by the one rasteriser (composeLabels): the window is the polygon's bounding box
// clipped to the grid, or empty (0 x 0) when no pixel centre is covered.
PixelRegion polygonPixels(const std::vector<Ring>& rings, const GeoTransform& grid, int width, int height);

}  // namespace prithvi
