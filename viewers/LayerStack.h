#pragma once
// The layers shown on the map, bottom first. Owned by the main window, shared with the canvas
// and the docks; every change is announced so views repaint.

#include <QObject>
#include <memory>
#include <vector>

#include "core/render/Render.h"
#include "core/scene/Scene.h"
#include "core/scene/SceneReader.h"

namespace prithvi {

struct MapLayer {
  int id = 0;
  Scene scene;
  std::shared_ptr<const SceneReader> reader;
  LayerStyle style;
  int styleVersion = 0;      // bumped on every style change; part of the tile cache key
  bool statisticsReady = false;  // the stretch has been set from the data
  std::vector<BandStatistics> statistics;  // what the stretch was computed from (for histograms)
  double opacity = 1.0;
  bool visible = true;
};

class LayerStack : public QObject {
  Q_OBJECT
 public:
  using QObject::QObject;

  // Opens the scene's files (throws Error) and appends a layer on top. Returns its id.
  int add(const Scene& scene, const LayerStyle& style);
  void remove(int id);
  void move(int id, int newIndex);  // 0 = bottom
  void setVisible(int id, bool visible);
  void setOpacity(int id, double opacity);
  // Replaces the style; statisticsReady says whether the stretch is final.
  void setStyle(int id, const LayerStyle& style, bool statisticsReady = true);
  void setStatistics(int id, std::vector<BandStatistics> statistics);
  // Shows another scene (another date of the same tile) in the layer, keeping its style and
  // stretch so dates compare. Throws Error when the scene's files cannot be opened.
  void replaceScene(int id, const Scene& scene);
  void clear();

  const std::vector<MapLayer>& layers() const { return mLayers; }
  const MapLayer* layer(int id) const;
  int indexOf(int id) const;
  // The topmost visible layer, or nullptr.
  const MapLayer* topVisible() const;

 Q_SIGNALS:
  void layersChanged();          // added, removed, reordered
  void layerChanged(int id);     // style, opacity or visibility

 private:
  MapLayer* find(int id);
  std::vector<MapLayer> mLayers;
  int mNextId = 1;
};

}  // namespace prithvi
