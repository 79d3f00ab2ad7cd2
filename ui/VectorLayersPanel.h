#pragma once
// The vector layers on the map (GeoPackage, GeoJSON, Shapefile), listed under the raster layers:
// tick to show, right-click to zoom to one, use it as the area the model runs over or the archive
// is searched in, export a map of it, or remove it. Identify lists the attributes of the features under a click.

#include <QPointer>
#include <QThreadPool>
#include <QWidget>
#include <memory>
#include <vector>

#include "core/vector/VectorFile.h"
#include "viewers/MapCanvas.h"

class QListWidget;
class QMenu;

namespace prithvi {

class VectorOverlay;

class VectorLayersPanel : public QWidget {
  Q_OBJECT
 public:
  VectorLayersPanel(MapCanvas* canvas, QWidget* parent = nullptr);
  ~VectorLayersPanel() override;

  // Reads `path` into the map's CRS in the background, then draws it on top: added() or
  // failed() follow (files are read one after another, in the order they were asked for).
  void add(const QString& path, bool visible);
  void clear();
  int count() const { return int(mLayers.size()); }
  const VectorOverlay& layer(int row) const { return *mLayers[size_t(row)]; }
  bool isVisible(int row) const;
  void setLayerVisible(int row, bool visible);
  // The features under `point` of the visible layers, with their layer's name.
  std::vector<std::pair<QString, const VectorFeature*>> featuresAt(const MapPoint& point, double tolerance) const;
  QMenu* contextMenuFor(int row);
  QListWidget* list() const { return mList; }

 Q_SIGNALS:
  void zoomRequested(const prithvi::MapExtent& extent);
  void runModelRequested(const prithvi::MapExtent& extent);
  void exportRequested(const prithvi::MapExtent& extent);
  // Data Sources: the layer's extent, its name, and its polygons as lon/lat GeoJSON (empty for
  // a layer of points or lines).
  void searchArchiveRequested(const prithvi::MapExtent& extent, const QString& layerName, const QByteArray& polygons);
  void changed();
  void added(const QString& path);
  void failed(const QString& path, const QString& error);

 private:
  MapExtent extentOf(int row) const;
  void rebuild();

  QPointer<MapCanvas> mCanvas;  // may go first when the window closes
  QListWidget* mList;
  std::vector<std::unique_ptr<VectorOverlay>> mLayers;
  QThreadPool mPool;  // one reader: layers arrive in the order they were added
};

}  // namespace prithvi
