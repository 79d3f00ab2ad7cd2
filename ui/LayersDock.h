#pragma once
// The layers list: order (drag or buttons), visibility, opacity, remove, zoom to layer.

#include <QWidget>

class QListWidget;
class QSlider;
class QListWidgetItem;

namespace prithvi {

class LayerStack;

class LayersDock : public QWidget {
  Q_OBJECT
 public:
  explicit LayersDock(LayerStack* layers, QWidget* parent = nullptr);
  int currentLayerId() const;
  void setCurrentLayer(int id);

 Q_SIGNALS:
  void currentLayerChanged(int id);  // 0 when none
  void zoomToLayerRequested(int id);

 private:
  void rebuild();
  void onItemChanged(QListWidgetItem* item);
  void moveCurrent(int delta);
  LayerStack* mLayers;
  QListWidget* mList;
  QSlider* mOpacity;
  bool mRebuilding = false;
};

}  // namespace prithvi
