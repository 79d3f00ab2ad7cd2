#pragma once
// The map: layers drawn from 256-pixel tiles rendered on worker threads and cached per zoom.
// The GUI thread only composes cached tiles; a view change cancels renders that left the view.
// While tiles are missing, the last complete frame stands in, scaled to the new view.

#include <QCache>
#include <QHash>
#include <QSet>
#include <QImage>
#include <QPointer>
#include <QThreadPool>
#include <QTimer>
#include <QWidget>
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "core/raster/GeoTransform.h"
#include "viewers/LayerStack.h"

namespace prithvi {

class MapCanvas;

// Something drawn above the layers (labels, masks): painted on the GUI thread with every frame,
// so it must draw only what the view shows.
class MapOverlay {
 public:
  virtual ~MapOverlay() = default;
  virtual void paint(QPainter& painter, const MapCanvas& canvas) = 0;
};

struct MapExtent {
  double minX = 0, minY = 0, maxX = 0, maxY = 0;
  bool isEmpty() const { return !(maxX > minX && maxY > minY); }
};

class MapCanvas : public QWidget {
  Q_OBJECT
 public:
  static constexpr int kTileSize = 256;

  explicit MapCanvas(LayerStack* layers, QWidget* parent = nullptr);
  ~MapCanvas() override;

  // The CRS every layer is drawn in (WKT or "EPSG:n"); changing it clears the cache.
  void setMapCrs(const std::string& crs);
  const std::string& mapCrs() const { return mMapCrs; }
  bool mapCrsIsGeographic() const { return mGeographic; }

  MapPoint center() const { return mCenter; }
  double resolution() const { return mResolution; }  // map units per screen pixel
  void setView(const MapPoint& center, double resolution);
  // Widget positions name pixels (a mouse event's position): screenToMap gives the map point
  // under the centre of that pixel, mapToScreen the pixel a map point falls in (fractional).
  MapPoint screenToMap(const QPointF& point) const;
  QPointF mapToScreen(const MapPoint& point) const;
  // Where a map point lies for QPainter, whose coordinates run along pixel edges: half a pixel
  // right of and below mapToScreen.
  QPointF mapToPaint(const MapPoint& point) const { return mapToScreen(point) + QPointF(0.5, 0.5); }

  // The extent of a layer in the map CRS (from its footprint), empty when unknown.
  MapExtent layerExtent(int layerId) const;
  void zoomToExtent(const MapExtent& extent);
  void zoomToLayer(int layerId);
  void zoomToFull();
  // One screen pixel per pixel of the top visible layer.
  void zoomOneToOne();
  void zoomBy(double factor, const QPointF& anchor);
  void panByPixels(const QPointF& delta);

  // What the left button does; the canvas only reports gestures (map CRS), callers decide what
  // they mean. The middle button pans with every tool; Escape drops the gesture in progress.
  enum class Tool {
    Identify,   // click: clicked(); drag pans
    Polygon,    // click adds a vertex; double-click, right-click or Enter: polygonFinished();
                // Backspace removes the last vertex; drag pans
    Line,       // as Polygon, drawn open, finished with two points or more (a measured distance)
    Rectangle,  // drag: rectangleFinished()
    Lasso,      // drag: lassoFinished() with the freehand outline
    Brush,      // drag: strokeStarted(), strokeMoved()..., strokeFinished(); a circle cursor
    Pick,       // click: pointPicked(); drag pans
  };
  void setTool(Tool tool);
  // Polygon and Line: clicks place vertices.
  static bool clicksVertices(Tool tool);
  Tool tool() const { return mTool; }
  const std::vector<MapPoint>& polygon() const { return mPolygon; }
  bool gestureInProgress() const;
  void cancelGesture();
  // The brush cursor: a circle of `radius` map units (it follows the zoom) in `color`.
  void setBrush(double radius, const QColor& color);
  double brushRadius() const { return mBrushRadius; }
  // A pixel grid (map CRS) whose corners the drawing preview snaps to, as the label editor will
  // snap the result; none shows the outline as drawn.
  void setSnapGrid(const std::optional<GeoTransform>& grid);

  // How this canvas departs from the layer stack while two layers are compared: layers it does
  // not draw (side by side, flicker), one layer drawn on one side of a swipe bar only, and
  // opacity overrides (blend). The stack is untouched, so the layers dock keeps its settings.
  struct Comparison {
    QSet<int> hidden;
    int swipeLayer = 0;           // 0: no swipe bar
    double swipePosition = 0.5;   // the bar, as a share of the width
    bool swipeKeepsLeft = true;   // the swiped layer shows left of the bar (else right of it)
    QHash<int, double> opacity;   // layer id -> opacity drawn instead of the layer's own
  };
  void setComparison(const Comparison& comparison);
  const Comparison& comparison() const { return mComparison; }
  // The opacity a layer is drawn with here (0 when hidden or invisible).
  double drawnOpacity(const MapLayer& layer) const;

  // Overlays are drawn above the layers in the order added; the canvas does not own them.
  void addOverlay(MapOverlay* overlay);
  void removeOverlay(MapOverlay* overlay);

  // True when every visible tile of every ready layer is in the cache.
  bool isRenderComplete() const { return mPending.isEmpty() && !mRefreshTimer.isActive() && allLayersReady(); }
  int pendingTiles() const { return int(mPending.size()); }
  // Map scale denominator at the screen's nominal DPI (for the status bar).
  double scaleDenominator() const;

 Q_SIGNALS:
  void cursorMoved(double x, double y);  // map CRS
  void cursorLeft();
  void clicked(double x, double y);  // map CRS, a click without a drag
  void polygonFinished(const std::vector<prithvi::MapPoint>& ring);  // map CRS, not closed
  void rectangleFinished(const prithvi::MapPoint& corner, const prithvi::MapPoint& oppositeCorner);
  void lassoFinished(const std::vector<prithvi::MapPoint>& ring);  // not closed
  void strokeStarted(const prithvi::MapPoint& point);
  void strokeMoved(const prithvi::MapPoint& point);
  void strokeFinished();
  void strokeCanceled();
  void pointPicked(const prithvi::MapPoint& point);
  void viewChanged();
  void renderComplete();
  void swipeMoved(double position);  // the user dragged the swipe bar

 protected:
  void paintEvent(QPaintEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;
  void leaveEvent(QEvent* event) override;

 private:
  struct TileKey {
    int layer = 0;
    int styleVersion = 0;
    qint64 zoom = 0;  // resolution, quantised
    int tx = 0;
    int ty = 0;
    bool operator==(const TileKey& other) const = default;
  };
  friend size_t qHash(const TileKey& key, size_t seed);

  void scheduleRefresh();
  void refresh();
  qint64 zoomKey() const;
  QRect visibleTiles() const;  // tile index range
  MapGrid tileGrid(int tx, int ty) const;
  void requestTile(const MapLayer& layer, const TileKey& key);
  void onTileReady(const TileKey& key, const QImage& image);
  void drawLayers(QPainter& painter, bool withFallback);
  void drawScaleBar(QPainter& painter);
  void drawSwipeBar(QPainter& painter);
  double swipeX() const { return mComparison.swipePosition * width(); }
  Qt::CursorShape toolCursor() const;
  double metresPerMapUnit() const;
  void drawGesture(QPainter& painter);
  MapPoint snapped(const MapPoint& point) const;
  void drawLegend(QPainter& painter);
  void finishPolygon();
  void captureLastFrame();
  bool allLayersReady() const;
  QPointF tileOrigin() const;  // screen position of tile (0, 0)

  LayerStack* mLayers;
  std::string mMapCrs;
  bool mGeographic = false;
  mutable std::tuple<std::string, double, double, double> mGroundScaleKey;  // crs, centre, resolution
  mutable double mGroundScale = 1.0;  // metres per map unit for that view
  MapPoint mCenter;
  double mResolution = 30.0;
  QThreadPool mPool;
  QCache<TileKey, QImage> mCache;
  QHash<TileKey, std::shared_ptr<std::atomic<bool>>> mPending;
  QTimer mRefreshTimer;
  // The last complete frame and the view it was drawn for.
  QImage mLastFrame;
  MapPoint mLastCenter;
  double mLastResolution = 0;
  Tool mTool = Tool::Identify;
  std::vector<MapPoint> mPolygon;  // polygon vertices, or the lasso's path
  std::optional<MapPoint> mHoverPoint;
  std::optional<QPointF> mHoverScreen;  // the brush cursor's centre
  std::optional<MapPoint> mRectangleStart;
  bool mStroking = false;
  double mBrushRadius = 0;
  QColor mBrushColor = Qt::white;
  std::optional<GeoTransform> mSnapGrid;
  std::vector<MapOverlay*> mOverlays;
  Comparison mComparison;
  bool mSwipeDragging = false;
  // Mouse dragging: panning with the left button (Identify, Polygon, Pick) or the middle one.
  std::optional<QPointF> mPressPoint;
  Qt::MouseButton mPressButton = Qt::NoButton;
  QPointF mLastDragPoint;
  bool mDragged = false;
};

}  // namespace prithvi
