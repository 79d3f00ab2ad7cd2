#include "viewers/LayerStack.h"

#include <algorithm>

namespace prithvi {

int LayerStack::add(const Scene& scene, const LayerStyle& style) {
  MapLayer layer;
  layer.id = mNextId++;
  layer.scene = scene;
  layer.reader = std::make_shared<const SceneReader>(scene);
  layer.style = style;
  mLayers.push_back(std::move(layer));
  Q_EMIT layersChanged();
  return mLayers.back().id;
}

void LayerStack::remove(int id) {
  const auto before = mLayers.size();
  std::erase_if(mLayers, [id](const MapLayer& layer) { return layer.id == id; });
  if (mLayers.size() != before) Q_EMIT layersChanged();
}

void LayerStack::move(int id, int newIndex) {
  const int from = indexOf(id);
  if (from < 0) return;
  newIndex = std::clamp(newIndex, 0, int(mLayers.size()) - 1);
  if (from == newIndex) return;
  MapLayer layer = std::move(mLayers[from]);
  mLayers.erase(mLayers.begin() + from);
  mLayers.insert(mLayers.begin() + newIndex, std::move(layer));
  Q_EMIT layersChanged();
}

void LayerStack::setVisible(int id, bool visible) {
  if (MapLayer* layer = find(id); layer && layer->visible != visible) {
    layer->visible = visible;
    Q_EMIT layerChanged(id);
  }
}

void LayerStack::setOpacity(int id, double opacity) {
  if (MapLayer* layer = find(id)) {
    layer->opacity = std::clamp(opacity, 0.0, 1.0);
    Q_EMIT layerChanged(id);
  }
}

void LayerStack::setStyle(int id, const LayerStyle& style, bool statisticsReady) {
  if (MapLayer* layer = find(id)) {
    layer->style = style;
    layer->statisticsReady = statisticsReady;
    ++layer->styleVersion;
    Q_EMIT layerChanged(id);
  }
}

void LayerStack::setStatistics(int id, std::vector<BandStatistics> statistics) {
  if (MapLayer* layer = find(id)) {
    layer->statistics = std::move(statistics);
    Q_EMIT layerChanged(id);
  }
}

void LayerStack::replaceScene(int id, const Scene& scene) {
  if (MapLayer* layer = find(id)) {
    layer->reader = std::make_shared<const SceneReader>(scene);
    layer->scene = scene;
    ++layer->styleVersion;
    Q_EMIT layerChanged(id);
    Q_EMIT layersChanged();  // the layer's name changed
  }
}

void LayerStack::clear() {
  if (mLayers.empty()) return;
  mLayers.clear();
  Q_EMIT layersChanged();
}

const MapLayer* LayerStack::layer(int id) const {
  for (const auto& layer : mLayers)
    if (layer.id == id) return &layer;
  return nullptr;
}

MapLayer* LayerStack::find(int id) { return const_cast<MapLayer*>(std::as_const(*this).layer(id)); }

int LayerStack::indexOf(int id) const {
  for (size_t i = 0; i < mLayers.size(); ++i)
    if (mLayers[i].id == id) return int(i);
  return -1;
}

const MapLayer* LayerStack::topVisible() const {
  for (auto it = mLayers.rbegin(); it != mLayers.rend(); ++it)
    if (it->visible) return &*it;
  return nullptr;
}

}  // namespace prithvi
