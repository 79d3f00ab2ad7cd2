#include "core/labels/LabelEditor.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "core/base/Error.h"
#include "core/project/ProjectStore.h"

namespace prithvi {

namespace {

constexpr size_t kTileCodes = size_t(kMaskTileSize) * kMaskTileSize;

Window clipToScene(const Window& window, int width, int height) {
  const int x0 = std::clamp(window.x, 0, width), y0 = std::clamp(window.y, 0, height);
  const int x1 = std::clamp(window.x + window.width, 0, width), y1 = std::clamp(window.y + window.height, 0, height);
  return {x0, y0, std::max(0, x1 - x0), std::max(0, y1 - y0)};
}

bool isEmpty(const Window& window) { return window.width <= 0 || window.height <= 0; }

// Even-odd rule over all rings, as GDAL's rasteriser fills.
bool ringsContain(const std::vector<Ring>& rings, double x, double y) {
  bool inside = false;
  for (const Ring& ring : rings) {
    const size_t count = ring.size();
    for (size_t i = 0, j = count - 1; i < count; j = i++) {
      const MapPoint& a = ring[i];
      const MapPoint& b = ring[j];
      if ((a.y > y) != (b.y > y) && x < (b.x - a.x) * (y - a.y) / (b.y - a.y) + a.x) inside = !inside;
    }
  }
  return inside;
}

}  // namespace

Window unionOf(const Window& a, const Window& b) {
  if (isEmpty(a)) return b;
  if (isEmpty(b)) return a;
  const int x0 = std::min(a.x, b.x), y0 = std::min(a.y, b.y);
  const int x1 = std::max(a.x + a.width, b.x + b.width), y1 = std::max(a.y + a.height, b.y + b.height);
  return {x0, y0, x1 - x0, y1 - y0};
}

PixelRegion polygonPixels(const std::vector<Ring>& rings, const GeoTransform& grid, int width, int height) {
  double minX = 1e300, minY = 1e300, maxX = -1e300, maxY = -1e300;
  for (const Ring& ring : rings)
    for (const MapPoint& point : ring)
      if (std::optional<MapPoint> pixel = grid.mapToPixel(point.x, point.y)) {
        minX = std::min(minX, pixel->x), maxX = std::max(maxX, pixel->x);
        minY = std::min(minY, pixel->y), maxY = std::max(maxY, pixel->y);
      }
  PixelRegion region;
  if (minX > maxX) return region;
  // Clamp before converting: an imported polygon may reach far beyond the grid.
  const double x0 = std::clamp(std::floor(minX), 0.0, double(width)), x1 = std::clamp(std::ceil(maxX), 0.0, double(width));
  const double y0 = std::clamp(std::floor(minY), 0.0, double(height)), y1 = std::clamp(std::ceil(maxY), 0.0, double(height));
  const Window box{int(x0), int(y0), int(x1 - x0), int(y1 - y0)};
  if (isEmpty(box)) return region;
  std::vector<uint8_t> covered(size_t(box.width) * size_t(box.height));
  composeLabels({{0, 1, rings}}, {}, grid, box, 0, covered.data());
  if (std::find(covered.begin(), covered.end(), 1) == covered.end()) return region;
  region.window = box;
  region.inside = std::move(covered);
  return region;
}

LabelEditor::LabelEditor(LabelStore& store, int64_t labelSetId) : mStore(store) {
  mSet = mStore.labelSet(labelSetId);
  mScheme = mStore.scheme(mSet.scheme);
  std::optional<Scene> scene = mStore.project().scene(mSet.sceneId);
  if (!scene) throwBadInput("label set " + std::to_string(labelSetId) + " refers to a missing scene " + mSet.sceneId);
  mScene = std::move(*scene);
  reload();
}

void LabelEditor::reload() {
  mStroke.reset();
  mUndo.clear();
  mRedo.clear();
  mSet = mStore.labelSet(mSet.id);
  mScheme = mStore.scheme(mSet.scheme);
  mPolygons = mStore.polygons(mSet.id);
  mTiles.clear();
  for (MaskTile& tile : mStore.maskTiles(mSet.id)) mTiles[{tile.row, tile.col}] = std::move(tile.codes);
  mRaster.assign(size_t(mScene.width) * size_t(mScene.height), uint8_t(mScheme.ignoreValue));
  recompose({0, 0, mScene.width, mScene.height});
}

void LabelEditor::validateClass(int classValue) const {
  if (classValue == kErase) return;
  if (!mScheme.find(classValue))
    throwBadInput("class value " + std::to_string(classValue) + " is not in class scheme '" + mScheme.name + "'");
}

std::vector<uint8_t> LabelEditor::savedTile(int row, int col) const {
  auto found = mTiles.find({row, col});
  return found == mTiles.end() ? std::vector<uint8_t>{} : found->second;
}

std::vector<uint8_t>& LabelEditor::cachedTile(std::map<std::pair<int, int>, std::vector<uint8_t>>& tiles, int row,
                                              int col) {
  auto [it, inserted] = tiles.try_emplace({row, col});
  if (inserted) {
    it->second = savedTile(row, col);
    it->second.resize(kTileCodes, mask_code::kUntouched);
  }
  return it->second;
}

void LabelEditor::recompose(const Window& requested) {
  const Window window = clipToScene(requested, mScene.width, mScene.height);
  if (isEmpty(window)) return;
  std::vector<MaskTile> tiles;
  for (int row = window.y / kMaskTileSize; row <= (window.y + window.height - 1) / kMaskTileSize; ++row)
    for (int col = window.x / kMaskTileSize; col <= (window.x + window.width - 1) / kMaskTileSize; ++col)
      if (auto found = mTiles.find({row, col}); found != mTiles.end()) tiles.push_back({row, col, found->second});
  std::vector<uint8_t> values(size_t(window.width) * size_t(window.height));
  composeLabels(mPolygons, tiles, mScene.geoTransform, window, mScheme.ignoreValue, values.data());
  for (int y = 0; y < window.height; ++y)
    std::copy_n(values.data() + size_t(y) * window.width, window.width,
                mRaster.data() + size_t(window.y + y) * mScene.width + window.x);
  if (onChanged) onChanged(window);
}

void LabelEditor::applyToCache(const LabelEdit& edit) {
  for (int64_t fid : edit.removePolygons)
    std::erase_if(mPolygons, [fid](const LabelPolygon& polygon) { return polygon.fid == fid; });
  for (const LabelPolygon& polygon : edit.addPolygons) mPolygons.push_back(polygon);
  std::sort(mPolygons.begin(), mPolygons.end(),
            [](const LabelPolygon& a, const LabelPolygon& b) { return a.fid < b.fid; });
  for (const MaskTile& tile : edit.setTiles) {
    if (tile.isEmpty())
      mTiles.erase({tile.row, tile.col});
    else
      mTiles[{tile.row, tile.col}] = tile.codes;
  }
}

void LabelEditor::save(LabelEdit edit, std::vector<int64_t>* fids) {
  std::vector<int64_t> added = mStore.apply(mSet.id, edit, mSet.revision);
  for (size_t i = 0; i < added.size(); ++i) edit.addPolygons[i].fid = added[i];
  if (fids) *fids = added;
  applyToCache(edit);
  mSet = mStore.labelSet(mSet.id);
  ++mSavedEdits;
}

std::vector<int64_t> LabelEditor::commitStep(Step step) {
  std::vector<int64_t> fids;
  save(step.forward, &fids);
  for (size_t i = 0; i < fids.size(); ++i) {
    step.forward.addPolygons[i].fid = fids[i];  // a redo re-inserts them under the same fids
    step.backward.removePolygons.push_back(fids[i]);
  }
  recompose(step.dirty);
  mUndo.push_back(std::move(step));
  mRedo.clear();
  if (onSaved) onSaved();
  return fids;
}

LabelEditor::Step LabelEditor::maskStep(const std::string& text,
                                        const std::map<std::pair<int, int>, std::vector<uint8_t>>& edited,
                                        const Window& dirty) const {
  Step step{text, {}, {}, dirty};
  for (const auto& [key, codes] : edited) {
    std::vector<uint8_t> before = savedTile(key.first, key.second);
    if (before.empty()) before.assign(kTileCodes, mask_code::kUntouched);
    if (before == codes) continue;
    MaskTile after{key.first, key.second, codes};
    if (after.isEmpty()) after.codes.clear();
    MaskTile previous{key.first, key.second, std::move(before)};
    if (previous.isEmpty()) previous.codes.clear();
    step.forward.setTiles.push_back(std::move(after));
    step.backward.setTiles.push_back(std::move(previous));
  }
  return step;
}

int64_t LabelEditor::addPolygon(int classValue, const std::vector<PixelPoint>& vertices) {
  if (strokeActive()) throwUsage("finish the brush stroke before drawing a polygon");
  if (classValue == kErase) throwBadInput("polygons label a class: use the eraser to erase");
  validateClass(classValue);
  // Snap to pixel corners so the polygon's edges follow the grid the labels are trained on.
  Ring snapped;
  double minX = 1e300, minY = 1e300, maxX = -1e300, maxY = -1e300;
  for (const PixelPoint& vertex : vertices) {
    const double x = std::round(vertex.x), y = std::round(vertex.y);
    if (!snapped.empty()) {
      const MapPoint previous = mScene.geoTransform.pixelToMap(x, y);
      if (previous.x == snapped.back().x && previous.y == snapped.back().y) continue;
    }
    snapped.push_back(mScene.geoTransform.pixelToMap(x, y));
    minX = std::min(minX, x), maxX = std::max(maxX, x), minY = std::min(minY, y), maxY = std::max(maxY, y);
  }
  if (snapped.size() >= 2 && snapped.front().x == snapped.back().x && snapped.front().y == snapped.back().y)
    snapped.pop_back();
  if (snapped.size() < 3 || maxX <= minX || maxY <= minY)
    throwBadInput("the polygon covers no pixel once its corners snap to the pixel grid: draw it larger");
  return addPolygons({LabelPolygon{0, classValue, {snapped}}}, "polygon").front();
}

std::vector<int64_t> LabelEditor::addPolygons(std::vector<LabelPolygon> polygons, const std::string& description) {
  if (strokeActive()) throwUsage("finish the brush stroke before adding polygons");
  if (polygons.empty()) throwUsage("no polygons to add");
  Step step{description, {}, {}, {}};
  // A polygon is the newest edit under it: clear the mask codes that would cover it.
  std::map<std::pair<int, int>, std::vector<uint8_t>> edited;
  for (size_t i = 0; i < polygons.size(); ++i) {
    LabelPolygon& polygon = polygons[i];
    if (polygon.classValue == kErase) throwBadInput("polygons label a class: use the eraser to erase");
    validateClass(polygon.classValue);
    const PixelRegion covered = polygonPixels(polygon.rings, mScene.geoTransform, mScene.width, mScene.height);
    if (isEmpty(covered.window))
      throwBadInput((polygons.size() == 1 ? std::string("the polygon")
                                          : "polygon " + std::to_string(i + 1) + " of " + std::to_string(polygons.size())) +
                    " covers no pixel centre of the scene: draw it larger or inside the scene");
    const Window& box = covered.window;
    for (int y = 0; y < box.height; ++y)
      for (int x = 0; x < box.width; ++x) {
        if (!covered.inside[size_t(y) * box.width + x]) continue;
        const int px = box.x + x, py = box.y + y;
        const int row = py / kMaskTileSize, col = px / kMaskTileSize;
        if (!mTiles.count({row, col})) continue;
        cachedTile(edited, row, col)[size_t(py % kMaskTileSize) * kMaskTileSize + px % kMaskTileSize] =
            mask_code::kUntouched;
      }
    step.dirty = unionOf(step.dirty, box);
    polygon.fid = 0;
  }
  Step masks = maskStep(description, edited, step.dirty);
  step.forward = std::move(masks.forward);
  step.backward = std::move(masks.backward);
  step.forward.addPolygons = std::move(polygons);
  return commitStep(std::move(step));
}

int64_t LabelEditor::addRectangle(int classValue, PixelPoint corner, PixelPoint opposite) {
  return addPolygon(classValue, {corner, {opposite.x, corner.y}, opposite, {corner.x, opposite.y}});
}

void LabelEditor::deletePolygon(int64_t fid) {
  if (strokeActive()) throwUsage("finish the brush stroke before deleting a polygon");
  auto found = std::find_if(mPolygons.begin(), mPolygons.end(), [fid](const LabelPolygon& p) { return p.fid == fid; });
  if (found == mPolygons.end())
    throwBadInput("label set " + std::to_string(mSet.id) + " has no polygon " + std::to_string(fid));
  Step step{"delete polygon", {}, {}, {}};
  double minX = 1e300, minY = 1e300, maxX = -1e300, maxY = -1e300;
  for (const MapPoint& point : found->rings.front()) {
    std::optional<MapPoint> pixel = mScene.geoTransform.mapToPixel(point.x, point.y);
    if (!pixel) continue;
    minX = std::min(minX, pixel->x), maxX = std::max(maxX, pixel->x);
    minY = std::min(minY, pixel->y), maxY = std::max(maxY, pixel->y);
  }
  step.dirty = {int(std::floor(minX)), int(std::floor(minY)), int(std::ceil(maxX) - std::floor(minX)) + 1,
                int(std::ceil(maxY) - std::floor(minY)) + 1};
  step.forward.removePolygons.push_back(fid);
  step.backward.addPolygons.push_back(*found);
  commitStep(std::move(step));
}

int64_t LabelEditor::polygonAt(double x, double y) const {
  const MapPoint centre = mScene.geoTransform.pixelToMap(std::floor(x) + 0.5, std::floor(y) + 0.5);
  for (auto it = mPolygons.rbegin(); it != mPolygons.rend(); ++it)
    if (ringsContain(it->rings, centre.x, centre.y)) return it->fid;
  return 0;
}

void LabelEditor::fillRegion(int classValue, const PixelRegion& region, const std::string& description) {
  if (strokeActive()) throwUsage("finish the brush stroke before filling a region");
  validateClass(classValue);
  if (region.inside.size() != size_t(std::max(0, region.window.width)) * size_t(std::max(0, region.window.height)))
    throwBadInput("a region's mask must hold one byte per pixel of its window");
  std::vector<int16_t> values(region.inside.size(), int16_t(kKeep));
  for (size_t i = 0; i < values.size(); ++i)
    if (region.inside[i]) values[i] = int16_t(classValue);
  paintValues(region.window, values, description);
}

int64_t LabelEditor::cleanUp(const ClassMapCleanup& options, const Window& requested) {
  if (strokeActive()) throwUsage("finish the brush stroke before cleaning up labels");
  const Window window = clipToScene(requested, mScene.width, mScene.height);
  if (isEmpty(window)) return 0;
  std::vector<uint8_t> values(size_t(window.width) * size_t(window.height));
  for (int y = 0; y < window.height; ++y)
    std::copy_n(mRaster.begin() + (size_t(window.y + y) * mScene.width + window.x), window.width,
                values.begin() + size_t(y) * window.width);
  const std::vector<uint8_t> before = values;
  ClassMapCleanup clean = options;
  clean.fillFromNearestClass = false;  // what a person did not label stays unlabelled
  const uint8_t unlabelled = uint8_t(mScheme.ignoreValue);
  const int64_t changed = cleanClassMap(values, window.width, window.height, unlabelled, true, clean);
  if (changed == 0) return 0;
  std::vector<int16_t> paint(values.size(), int16_t(kKeep));
  for (size_t p = 0; p < values.size(); ++p)
    if (values[p] != before[p]) paint[p] = values[p] == unlabelled ? int16_t(kErase) : int16_t(values[p]);
  paintValues(window, paint, "clean up (" + clean.describe() + ")");
  return changed;
}

void LabelEditor::paintValues(const Window& requested, const std::vector<int16_t>& values,
                              const std::string& description) {
  if (strokeActive()) throwUsage("finish the brush stroke before painting labels");
  if (values.size() != size_t(std::max(0, requested.width)) * size_t(std::max(0, requested.height)))
    throwBadInput("painting a window needs one value per pixel of it");
  // One code per possible value, checked against the scheme once (imports hold millions of pixels).
  std::vector<int> codes(size_t(1) << 16, -1);
  auto slot = [](int16_t value) { return size_t(int(value) + 32768); };
  codes[slot(int16_t(kKeep))] = -2;
  codes[slot(int16_t(kErase))] = mask_code::kErased;
  for (const LabelClass& labelClass : mScheme.classes) codes[slot(int16_t(labelClass.value))] = mask_code::forClass(labelClass.value);
  std::set<int> unknown;
  for (int16_t value : values)
    if (codes[slot(value)] == -1) unknown.insert(value);
  if (!unknown.empty()) {
    std::string list;
    for (int value : unknown) list += (list.empty() ? "" : ", ") + std::to_string(value);
    throwBadInput("value(s) " + list + " are not classes of class scheme '" + mScheme.name + "'");
  }

  const Window window = clipToScene(requested, mScene.width, mScene.height);
  std::map<std::pair<int, int>, std::vector<uint8_t>> edited;
  // Tile by tile: one tile lookup per tile rather than per pixel.
  for (int row = window.y / kMaskTileSize; !isEmpty(window) && row <= (window.y + window.height - 1) / kMaskTileSize; ++row)
    for (int col = window.x / kMaskTileSize; col <= (window.x + window.width - 1) / kMaskTileSize; ++col) {
      const int x0 = std::max(window.x, col * kMaskTileSize), x1 = std::min(window.x + window.width, (col + 1) * kMaskTileSize);
      const int y0 = std::max(window.y, row * kMaskTileSize), y1 = std::min(window.y + window.height, (row + 1) * kMaskTileSize);
      std::vector<uint8_t>* tile = nullptr;
      for (int py = y0; py < y1; ++py)
        for (int px = x0; px < x1; ++px) {
          const int code = codes[slot(values[size_t(py - requested.y) * requested.width + (px - requested.x)])];
          if (code < 0) continue;
          if (!tile) tile = &cachedTile(edited, row, col);
          (*tile)[size_t(py % kMaskTileSize) * kMaskTileSize + px % kMaskTileSize] = uint8_t(code);
        }
    }
  Step step = maskStep(description, edited, window);
  if (step.forward.isEmpty()) return;
  commitStep(std::move(step));
}

void LabelEditor::beginStroke(int classValue, double radius) {
  if (strokeActive()) throwUsage("a brush stroke is already being drawn");
  validateClass(classValue);
  if (!(radius > 0)) throwBadInput("the brush size must be positive");
  mStroke = Stroke{classValue, radius, std::nullopt, {}, {0, 0, 0, 0}};
}

void LabelEditor::dab(PixelPoint centre) {
  Stroke& stroke = *mStroke;
  const uint8_t code = stroke.classValue == kErase ? mask_code::kErased : mask_code::forClass(stroke.classValue);
  const uint8_t shown = stroke.classValue == kErase ? uint8_t(mScheme.ignoreValue) : uint8_t(stroke.classValue);
  const double r = stroke.radius;
  const Window window = clipToScene({int(std::floor(centre.x - r)), int(std::floor(centre.y - r)),
                                     int(std::ceil(2 * r)) + 2, int(std::ceil(2 * r)) + 2},
                                    mScene.width, mScene.height);
  for (int py = window.y; py < window.y + window.height; ++py)
    for (int px = window.x; px < window.x + window.width; ++px) {
      const double dx = px + 0.5 - centre.x, dy = py + 0.5 - centre.y;
      if (dx * dx + dy * dy > r * r) continue;
      cachedTile(stroke.tiles, py / kMaskTileSize, px / kMaskTileSize)[size_t(py % kMaskTileSize) * kMaskTileSize +
                                                                        px % kMaskTileSize] = code;
      mRaster[size_t(py) * mScene.width + px] = shown;
    }
  stroke.dirty = unionOf(stroke.dirty, window);
  if (onChanged && !isEmpty(window)) onChanged(window);
}

void LabelEditor::strokeTo(PixelPoint point) {
  if (!strokeActive()) throwUsage("begin a brush stroke first");
  Stroke& stroke = *mStroke;
  if (!stroke.last) {
    dab(point);
  } else {
    // Dabs a quarter radius apart leave no gaps along fast strokes.
    const double dx = point.x - stroke.last->x, dy = point.y - stroke.last->y;
    const double length = std::hypot(dx, dy);
    const int steps = std::max(1, int(std::ceil(length / std::max(0.5, stroke.radius * 0.25))));
    for (int i = 1; i <= steps; ++i) dab({stroke.last->x + dx * i / steps, stroke.last->y + dy * i / steps});
  }
  stroke.last = point;
}

void LabelEditor::endStroke() {
  if (!strokeActive()) return;
  Stroke stroke = std::move(*mStroke);
  mStroke.reset();
  Step step = maskStep(stroke.classValue == kErase ? "eraser stroke" : "brush stroke", stroke.tiles, stroke.dirty);
  if (step.forward.isEmpty()) return;
  try {
    save(step.forward, nullptr);
  } catch (...) {
    recompose(stroke.dirty);  // show what the project holds
    throw;
  }
  mUndo.push_back(std::move(step));
  mRedo.clear();
  if (onSaved) onSaved();
}

void LabelEditor::cancelStroke() {
  if (!strokeActive()) return;
  const Window dirty = mStroke->dirty;
  mStroke.reset();
  recompose(dirty);
}

std::string LabelEditor::undoText() const { return mUndo.empty() ? std::string() : mUndo.back().text; }
std::string LabelEditor::redoText() const { return mRedo.empty() ? std::string() : mRedo.back().text; }

void LabelEditor::undo() {
  if (strokeActive()) cancelStroke();
  if (mUndo.empty()) return;
  Step step = mUndo.back();
  save(step.backward, nullptr);
  mUndo.pop_back();
  recompose(step.dirty);
  mRedo.push_back(std::move(step));
  if (onSaved) onSaved();
}

void LabelEditor::redo() {
  if (strokeActive()) cancelStroke();
  if (mRedo.empty()) return;
  Step step = mRedo.back();
  save(step.forward, nullptr);
  mRedo.pop_back();
  recompose(step.dirty);
  mUndo.push_back(std::move(step));
  if (onSaved) onSaved();
}

}  // namespace prithvi
