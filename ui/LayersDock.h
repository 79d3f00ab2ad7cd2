#pragma once
// The layers list: order (drag or buttons), visibility, opacity, remove, zoom to layer.

#include <QWidget>

class QComboBox;
class QFrame;
class QLabel;
class QListWidget;
class QMenu;
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
  // The class schemes a layer can be shown with (presets and the project's own).
  void setClassSchemes(const QStringList& names);
  // Asks, in a bar above the list, whether layer `id` (a raster of few integer values) is a
  // class map, with `scheme` proposed. Accepting emits classMapRequested.
  void offerClassMap(int id, const QString& text, const QString& scheme);
  bool isClassMapOffered() const;
  // The layer's context menu (also the list's right-click), for tests and the map.
  QMenu* contextMenuFor(int id);

 Q_SIGNALS:
  void currentLayerChanged(int id);  // 0 when none
  void zoomToLayerRequested(int id);
  // Show the layer as a class map of `scheme`; an empty scheme: as an image again.
  void classMapRequested(int id, const QString& scheme);
  void styleRequested(int id);
  void exportRequested(int id);
  void propertiesRequested(int id);

 private:
  void rebuild();
  void onItemChanged(QListWidgetItem* item);
  void moveCurrent(int delta);
  LayerStack* mLayers;
  QListWidget* mList;
  QSlider* mOpacity;
  QFrame* mOffer;
  QLabel* mOfferText;
  QComboBox* mOfferScheme;
  int mOfferedLayer = 0;
  QStringList mSchemes;
  bool mRebuilding = false;
};

}  // namespace prithvi
