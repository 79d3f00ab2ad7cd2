#include "viewers/MapCanvas.h"
#include "viewers/MapDecorations.h"

#include <QCoreApplication>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>

#include <ogr_spatialref.h>

#include "core/raster/Crs.h"
#include "core/raster/Measure.h"

namespace prithvi {

size_t qHash(const MapCanvas::TileKey& key, size_t seed) {
  return qHashMulti(seed, key.layer, key.styleVersion, key.zoom, key.tx, key.ty);
}

namespace {
constexpr double kZoomStep = 1.41421356237;  // one wheel notch: sqrt(2)
constexpr qint64 kCacheBytes = 384LL << 20;

bool isGeographic(const std::string& crs) {
  OGRSpatialReference reference;
  if (reference.SetFromUserInput(crs.c_str()) != OGRERR_NONE) return false;
  return reference.IsGeographic();
}

}  // namespace

MapCanvas::MapCanvas(LayerStack* layers, QWidget* parent) : QWidget(parent), mLayers(layers) {
  setMouseTracking(true);
  setFocusPolicy(Qt::StrongFocus);
  setAttribute(Qt::WA_OpaquePaintEvent);
  setMinimumSize(200, 150);
  mCache.setMaxCost(kCacheBytes);
  // Long-lived threads: each keeps its own GDAL handles (RasterSource) between tiles.
  mPool.setMaxThreadCount(std::max(2, QThread::idealThreadCount()));
  mPool.setExpiryTimeout(-1);
  mRefreshTimer.setSingleShot(true);
  mRefreshTimer.setInterval(0);
  connect(&mRefreshTimer, &QTimer::timeout, this, &MapCanvas::refresh);
  connect(mLayers, &LayerStack::layersChanged, this, [this] {
    mLastFrame = QImage();  // it may show a layer that is gone
    scheduleRefresh();
  });
  connect(mLayers, &LayerStack::layerChanged, this, &MapCanvas::scheduleRefresh);
}

MapCanvas::~MapCanvas() {
  for (auto& cancel : mPending) cancel->store(true);
  mPool.clear();
  mPool.waitForDone();
}

void MapCanvas::setMapCrs(const std::string& crs) {
  if (crs == mMapCrs) return;
  mMapCrs = crs;
  mGeographic = !crs.empty() && isGeographic(crs);
  for (auto& cancel : mPending) cancel->store(true);
  mPending.clear();
  mCache.clear();
  mLastFrame = QImage();
  scheduleRefresh();
}

void MapCanvas::setView(const MapPoint& center, double resolution) {
  if (!(resolution > 0) || !std::isfinite(resolution)) return;
  mCenter = center;
  mResolution = resolution;
  Q_EMIT viewChanged();
  scheduleRefresh();
  update();
}

// A widget position p names the pixel p, whose centre is p + 0.5: a click reads the value of
// exactly the image pixel drawn under it.
MapPoint MapCanvas::screenToMap(const QPointF& point) const {
  return {mCenter.x + (point.x() + 0.5 - width() / 2.0) * mResolution,
          mCenter.y - (point.y() + 0.5 - height() / 2.0) * mResolution};
}

QPointF MapCanvas::mapToScreen(const MapPoint& point) const {
  return {(point.x - mCenter.x) / mResolution + width() / 2.0 - 0.5,
          (mCenter.y - point.y) / mResolution + height() / 2.0 - 0.5};
}

MapExtent MapCanvas::layerExtent(int layerId) const {
  const MapLayer* layer = mLayers->layer(layerId);
  MapExtent extent;
  if (!layer || mMapCrs.empty() || layer->scene.footprint.empty()) return extent;
  try {
    LonLatTransform transform(mMapCrs);
    bool first = true;
    for (const LonLat& point : layer->scene.footprint) {
      const auto map = transform.fromLonLat(point);
      if (!map) continue;
      if (first) {
        extent = {map->x, map->y, map->x, map->y};
        first = false;
      }
      extent.minX = std::min(extent.minX, map->x);
      extent.maxX = std::max(extent.maxX, map->x);
      extent.minY = std::min(extent.minY, map->y);
      extent.maxY = std::max(extent.maxY, map->y);
    }
  } catch (...) {
    return {};
  }
  return extent;
}

void MapCanvas::zoomToExtent(const MapExtent& extent) {
  if (extent.isEmpty() || width() < 1 || height() < 1) return;
  const double resolution =
      std::max((extent.maxX - extent.minX) / width(), (extent.maxY - extent.minY) / height()) * 1.02;
  setView({(extent.minX + extent.maxX) / 2, (extent.minY + extent.maxY) / 2}, resolution);
}

void MapCanvas::zoomToLayer(int layerId) { zoomToExtent(layerExtent(layerId)); }

void MapCanvas::zoomToFull() {
  MapExtent all;
  bool first = true;
  for (const auto& layer : mLayers->layers()) {
    const MapExtent extent = layerExtent(layer.id);
    if (extent.isEmpty()) continue;
    if (first) {
      all = extent;
      first = false;
    }
    all = {std::min(all.minX, extent.minX), std::min(all.minY, extent.minY), std::max(all.maxX, extent.maxX),
           std::max(all.maxY, extent.maxY)};
  }
  zoomToExtent(all);
}

void MapCanvas::zoomOneToOne() {
  const MapLayer* layer = mLayers->topVisible();
  if (!layer || layer->scene.width < 1) return;
  // In the map CRS, one layer pixel spans the layer's extent over its pixel count.
  const MapExtent extent = layerExtent(layer->id);
  if (extent.isEmpty()) return;
  setView(mCenter, (extent.maxX - extent.minX) / layer->scene.width);
}

void MapCanvas::zoomBy(double factor, const QPointF& anchor) {
  // Keep the map point under `anchor` where it is.
  const MapPoint fixed = screenToMap(anchor);
  const double resolution = mResolution / factor;
  const MapPoint center{fixed.x - (anchor.x() + 0.5 - width() / 2.0) * resolution,
                        fixed.y + (anchor.y() + 0.5 - height() / 2.0) * resolution};
  setView(center, resolution);
}

void MapCanvas::panByPixels(const QPointF& delta) {
  setView({mCenter.x - delta.x() * mResolution, mCenter.y + delta.y() * mResolution}, mResolution);
}

double MapCanvas::scaleDenominator() const {
  const double metresPerPixel = mResolution * metresPerMapUnit();
  const double dpi = logicalDpiX() > 0 ? logicalDpiX() : 96;
  return metresPerPixel * dpi / 0.0254;
}

qint64 MapCanvas::zoomKey() const { return qint64(std::llround(std::log2(mResolution) * 4096.0)); }

QPointF MapCanvas::tileOrigin() const {
  // Not rounded: tiles land where the map puts them, so the screen and screenToMap agree.
  return {-mCenter.x / mResolution + width() / 2.0, mCenter.y / mResolution + height() / 2.0};
}

QRect MapCanvas::visibleTiles() const {
  const QPointF origin = tileOrigin();
  const int x0 = int(std::floor(-origin.x() / kTileSize));
  const int y0 = int(std::floor(-origin.y() / kTileSize));
  const int x1 = int(std::floor((width() - origin.x()) / kTileSize));
  const int y1 = int(std::floor((height() - origin.y()) / kTileSize));
  return QRect(QPoint(x0, y0), QPoint(x1, y1));
}

MapGrid MapCanvas::tileGrid(int tx, int ty) const {
  MapGrid grid;
  const double size = kTileSize * mResolution;
  grid.transform = GeoTransform({tx * size, mResolution, 0, -ty * size, 0, -mResolution});
  grid.width = kTileSize;
  grid.height = kTileSize;
  grid.crs = mMapCrs;
  return grid;
}

bool MapCanvas::allLayersReady() const {
  for (const auto& layer : mLayers->layers())
    if (drawnOpacity(layer) > 0 && !layer.statisticsReady) return false;
  return true;
}

double MapCanvas::drawnOpacity(const MapLayer& layer) const {
  if (!layer.visible || mComparison.hidden.contains(layer.id)) return 0.0;
  return mComparison.opacity.value(layer.id, layer.opacity);
}

void MapCanvas::setComparison(const Comparison& comparison) {
  mComparison = comparison;
  mComparison.swipePosition = std::clamp(mComparison.swipePosition, 0.0, 1.0);
  scheduleRefresh();
  update();
}

void MapCanvas::scheduleRefresh() {
  if (!mRefreshTimer.isActive()) mRefreshTimer.start();
}

void MapCanvas::refresh() {
  QSet<TileKey> wanted;
  if (!mMapCrs.empty() && width() > 0 && height() > 0) {
    const QRect tiles = visibleTiles();
    const qint64 zoom = zoomKey();
    for (const auto& layer : mLayers->layers()) {
      if (!layer.statisticsReady || drawnOpacity(layer) <= 0) continue;
      for (int ty = tiles.top(); ty <= tiles.bottom(); ++ty)
        for (int tx = tiles.left(); tx <= tiles.right(); ++tx) {
          const TileKey key{layer.id, layer.styleVersion, zoom, tx, ty};
          wanted.insert(key);
          if (!mCache.contains(key) && !mPending.contains(key)) requestTile(layer, key);
        }
    }
  }
  // A render whose tile left the view (pan, zoom, new style) is of no use any more.
  for (auto it = mPending.begin(); it != mPending.end();) {
    if (!wanted.contains(it.key())) {
      it.value()->store(true);
      it = mPending.erase(it);
    } else {
      ++it;
    }
  }
  update();
  if (mPending.isEmpty() && allLayersReady()) {
    captureLastFrame();
    Q_EMIT renderComplete();
  }
}

void MapCanvas::requestTile(const MapLayer& layer, const TileKey& key) {
  auto cancel = std::make_shared<std::atomic<bool>>(false);
  mPending.insert(key, cancel);
  QPointer<MapCanvas> self(this);
  std::shared_ptr<const SceneReader> reader = layer.reader;
  const LayerStyle style = layer.style;
  const MapGrid grid = tileGrid(key.tx, key.ty);
  mPool.start([self, reader, style, grid, cancel, key] {
    if (cancel->load()) return;
    QImage image;
    try {
      const TileRenderResult result = renderSceneTile(*reader, style, grid, cancel.get());
      if (result.canceled) return;
      if (!result.argb.empty()) {
        image = QImage(grid.width, grid.height, QImage::Format_ARGB32);
        std::memcpy(image.bits(), result.argb.data(), result.argb.size() * sizeof(uint32_t));
      }
    } catch (const std::exception& error) {
      qWarning("tile render failed: %s", error.what());  // the tile stays empty; the log shows why
    }
    QMetaObject::invokeMethod(
        qApp, [self, key, image] {
          if (self) self->onTileReady(key, image);
        },
        Qt::QueuedConnection);
  });
}

void MapCanvas::onTileReady(const TileKey& key, const QImage& image) {
  auto it = mPending.find(key);
  if (it == mPending.end()) return;  // canceled meanwhile
  mPending.erase(it);
  // An empty image marks "nothing of this layer here", so it is not asked for again.
  mCache.insert(key, new QImage(image), std::max<qint64>(1, image.sizeInBytes()));
  update();
  if (mPending.isEmpty() && !mRefreshTimer.isActive() && allLayersReady()) {
    captureLastFrame();
    Q_EMIT renderComplete();
  }
}

void MapCanvas::drawLayers(QPainter& painter, bool withFallback) {
  if (withFallback && !mLastFrame.isNull() && mLastResolution > 0) {
    // Where tiles are still missing, the last frame, moved and scaled to the new view.
    const double scale = mLastResolution / mResolution;
    const QPointF topLeft = mapToScreen({mLastCenter.x - mLastFrame.width() / 2.0 * mLastResolution,
                                         mLastCenter.y + mLastFrame.height() / 2.0 * mLastResolution}) +
                            QPointF(0.5, 0.5);
    painter.drawImage(QRectF(topLeft, QSizeF(mLastFrame.width() * scale, mLastFrame.height() * scale)), mLastFrame);
  }
  if (mMapCrs.empty()) return;
  const QRect tiles = visibleTiles();
  const QPointF origin = tileOrigin();
  const qint64 zoom = zoomKey();
  for (const auto& layer : mLayers->layers()) {
    const double opacity = drawnOpacity(layer);
    if (opacity <= 0) continue;
    painter.setOpacity(opacity);
    const bool swiped = layer.id == mComparison.swipeLayer;
    if (swiped) {
      const int bar = int(std::lround(swipeX()));
      painter.setClipRect(mComparison.swipeKeepsLeft ? QRect(0, 0, bar, height()) : QRect(bar, 0, width() - bar, height()));
    }
    for (int ty = tiles.top(); ty <= tiles.bottom(); ++ty)
      for (int tx = tiles.left(); tx <= tiles.right(); ++tx) {
        const QImage* tile = mCache.object({layer.id, layer.styleVersion, zoom, tx, ty});
        if (tile && !tile->isNull())
          painter.drawImage(QPointF(origin.x() + tx * kTileSize, origin.y() + ty * kTileSize), *tile);
      }
    if (swiped) painter.setClipping(false);
  }
  painter.setOpacity(1.0);
}

void MapCanvas::captureLastFrame() {
  QImage frame(size(), QImage::Format_ARGB32_Premultiplied);
  frame.fill(Qt::transparent);
  QPainter painter(&frame);
  drawLayers(painter, false);
  painter.end();
  mLastFrame = frame;
  mLastCenter = mCenter;
  mLastResolution = mResolution;
}

void MapCanvas::drawSwipeBar(QPainter& painter) {
  if (!mComparison.swipeLayer || !mLayers->layer(mComparison.swipeLayer)) return;
  const double x = swipeX();
  painter.save();
  painter.setRenderHint(QPainter::Antialiasing, true);
  painter.setPen(QPen(QColor(0, 0, 0, 160), 4));
  painter.drawLine(QPointF(x, 0), QPointF(x, height()));
  painter.setPen(QPen(Qt::white, 2));
  painter.drawLine(QPointF(x, 0), QPointF(x, height()));
  // A handle in the middle says the bar can be dragged.
  const QPointF centre(x, height() / 2.0);
  painter.setBrush(Qt::white);
  painter.setPen(QPen(QColor(0x30, 0x30, 0x30), 1.5));
  painter.drawEllipse(centre, 13, 13);
  painter.setBrush(QColor(0x30, 0x30, 0x30));
  painter.drawPolygon(QPolygonF({centre + QPointF(-3, -5), centre + QPointF(-9, 0), centre + QPointF(-3, 5)}));
  painter.drawPolygon(QPolygonF({centre + QPointF(3, -5), centre + QPointF(9, 0), centre + QPointF(3, 5)}));
  painter.restore();
}

void MapCanvas::drawScaleBar(QPainter& painter) {
  if (mMapCrs.empty()) return;
  const DecorationMetrics metrics = DecorationMetrics::of(*this);
  const double metresPerPixel = mResolution * metresPerMapUnit();
  // The bar is laid out for the width it may take (drawn left-aligned), as it was measured.
  const double maxWidth = std::max(120.0, std::min(240.0, width() / 3.0));
  const QSizeF size = scaleBarSize(metrics, metresPerPixel, maxWidth);
  prithvi::drawScaleBar(painter, QRectF(12, height() - 12 - size.height(), maxWidth, size.height()), metrics,
                        metresPerPixel, DecorationTheme::overMap());
}

double MapCanvas::metresPerMapUnit() const {
  // The geodesic across 100 pixels at the centre: degrees shrink with latitude, feet are not
  // metres. Cached per view, as painting asks for it every frame.
  const auto key = std::make_tuple(mMapCrs, mCenter.x, mCenter.y, mResolution);
  if (key != mGroundScaleKey) {
    mGroundScaleKey = key;
    mGroundScale = groundMetresPerMapUnit(mMapCrs, mCenter, 100 * mResolution);
    if (!(mGroundScale > 0)) mGroundScale = mGeographic ? 111320.0 * std::cos(mCenter.y * M_PI / 180.0) : 1.0;
  }
  return mGroundScale;
}

void MapCanvas::setTool(Tool tool) {
  cancelGesture();
  mTool = tool;
  setCursor(toolCursor());
  update();
}

Qt::CursorShape MapCanvas::toolCursor() const {
  switch (mTool) {
    case Tool::Identify: return Qt::ArrowCursor;
    case Tool::Pick: return Qt::PointingHandCursor;
    default: return Qt::CrossCursor;
  }
}

bool MapCanvas::gestureInProgress() const { return !mPolygon.empty() || mRectangleStart || mStroking; }

void MapCanvas::cancelGesture() {
  const bool stroking = mStroking;
  mPolygon.clear();
  mRectangleStart.reset();
  mStroking = false;
  if (mPressButton == Qt::LeftButton) mPressPoint.reset();  // the release that follows is no click
  update();
  if (stroking) Q_EMIT strokeCanceled();
}

void MapCanvas::setBrush(double radius, const QColor& color) {
  mBrushRadius = radius;
  mBrushColor = color;
  update();
}

void MapCanvas::setSnapGrid(const std::optional<GeoTransform>& grid) {
  mSnapGrid = grid;
  update();
}

void MapCanvas::addOverlay(MapOverlay* overlay) {
  if (std::find(mOverlays.begin(), mOverlays.end(), overlay) == mOverlays.end()) mOverlays.push_back(overlay);
  update();
}

void MapCanvas::removeOverlay(MapOverlay* overlay) {
  std::erase(mOverlays, overlay);
  update();
}

MapPoint MapCanvas::snapped(const MapPoint& point) const {
  if (!mSnapGrid) return point;
  const std::optional<MapPoint> pixel = mSnapGrid->mapToPixel(point.x, point.y);
  if (!pixel) return point;
  // std::round, as LabelEditor snaps vertices to pixel corners.
  return mSnapGrid->pixelToMap(std::round(pixel->x), std::round(pixel->y));
}

bool MapCanvas::clicksVertices(Tool tool) { return tool == Tool::Polygon || tool == Tool::Line; }

void MapCanvas::finishPolygon() {
  std::vector<MapPoint> ring = std::move(mPolygon);
  mPolygon.clear();
  update();
  // A double-click's first click repeats the last vertex.
  ring.erase(std::unique(ring.begin(), ring.end(), [](const MapPoint& a, const MapPoint& b) { return a.x == b.x && a.y == b.y; }),
             ring.end());
  if (ring.size() >= (mTool == Tool::Line ? 2u : 3u)) Q_EMIT polygonFinished(ring);
}

void MapCanvas::drawGesture(QPainter& painter) {
  const QColor accent(255, 165, 0);
  painter.setRenderHint(QPainter::Antialiasing);
  if (mTool == Tool::Brush && mHoverScreen && mBrushRadius > 0) {
    // The circle covers the pixels a dab at the cursor would paint.
    const double radius = mBrushRadius / mResolution;
    const QPointF centre = *mHoverScreen + QPointF(0.5, 0.5);
    painter.setBrush(Qt::NoBrush);
    painter.setPen(QPen(QColor(0, 0, 0, 160), 3));
    painter.drawEllipse(centre, radius, radius);
    painter.setPen(QPen(mBrushColor, 1.5));
    painter.drawEllipse(centre, radius, radius);
  }
  if (mRectangleStart && mHoverPoint) {
    const QPointF a = mapToPaint(snapped(*mRectangleStart)), b = mapToPaint(snapped(*mHoverPoint));
    painter.setBrush(QColor(255, 165, 0, 50));
    painter.setPen(QPen(accent, 2));
    painter.drawRect(QRectF(a, b).normalized());
  }
  if (mPolygon.empty()) return;
  QPolygonF outline;
  for (const MapPoint& point : mPolygon) outline << mapToPaint(snapped(point));
  if (clicksVertices(mTool) && mHoverPoint) outline << mapToPaint(snapped(*mHoverPoint));
  if (mTool == Tool::Lasso && mSnapGrid) {
    // The path as drawn, faint, under the snapped outline that will be stored.
    QPolygonF raw;
    for (const MapPoint& point : mPolygon) raw << mapToPaint(point);
    painter.setPen(QPen(QColor(255, 255, 255, 120), 1, Qt::DashLine));
    painter.setBrush(Qt::NoBrush);
    painter.drawPolyline(raw);
  }
  painter.setBrush(QColor(255, 165, 0, 50));
  painter.setPen(QPen(accent, 2));
  if (mTool == Tool::Line)
    painter.drawPolyline(outline);
  else
    painter.drawPolygon(outline);
  if (clicksVertices(mTool)) {
    painter.setBrush(accent);
    for (const MapPoint& point : mPolygon) painter.drawEllipse(mapToPaint(snapped(point)), 3, 3);
  }
}

void MapCanvas::mouseDoubleClickEvent(QMouseEvent* event) {
  if (clicksVertices(mTool) && event->button() == Qt::LeftButton) {
    // The first click of the double-click placed the last vertex; the release after this
    // event is not a new one.
    mPressPoint.reset();
    finishPolygon();
  } else {
    QWidget::mouseDoubleClickEvent(event);
  }
}

void MapCanvas::drawLegend(QPainter& painter) {
  // The top layer's legend when its colours mean something (classes, a band, an index); a band
  // combination needs none on screen.
  const MapLayer* layer = nullptr;
  for (const MapLayer& candidate : mLayers->layers())
    if (drawnOpacity(candidate) > 0) layer = &candidate;  // what this canvas shows on top
  if (!layer || layer->style.kind == LayerStyle::Kind::Rgb || !layer->statisticsReady) return;
  const DecorationMetrics metrics = DecorationMetrics::of(*this);
  const DecorationTheme theme = DecorationTheme::overMap();
  const QString heading = QString::fromStdString(layer->scene.id);
  const double width = std::min(220.0, this->width() / 3.0);
  const QString quantity = legendQuantity(layer->style, layer->scene);
  const QSizeF size = layerLegendSize(metrics, heading, layer->style, quantity, width, theme);
  const QRectF box(QPointF(this->width() - 12 - size.width(), height() - 12 - size.height()), size);
  drawLayerLegend(painter, box, metrics, heading, layer->style, quantity, theme);
}

void MapCanvas::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.fillRect(rect(), QColor(0x2b, 0x2f, 0x36));
  drawLayers(painter, true);
  drawSwipeBar(painter);
  drawScaleBar(painter);
  for (MapOverlay* overlay : mOverlays) overlay->paint(painter, *this);
  painter.setOpacity(1.0);
  drawLegend(painter);
  drawGesture(painter);
  // The hint only on an empty map: not over the footprints of an archive search.
  if (mLayers->layers().empty() && mMapCrs.empty()) {
    painter.setPen(QColor(0xc8, 0xcc, 0xd2));
    painter.drawText(rect(), Qt::AlignCenter,
                     tr("No layers. Open a project (Ctrl+O), import imagery (Ctrl+I),\n"
                        "or double-click a granule in the catalog."));
  }
}

void MapCanvas::resizeEvent(QResizeEvent*) { scheduleRefresh(); }

namespace {
bool dragDraws(MapCanvas::Tool tool) {
  return tool == MapCanvas::Tool::Rectangle || tool == MapCanvas::Tool::Lasso || tool == MapCanvas::Tool::Brush;
}
}  // namespace

void MapCanvas::mousePressEvent(QMouseEvent* event) {
  if (event->button() == Qt::RightButton && clicksVertices(mTool)) {
    finishPolygon();
    return;
  }
  if (event->button() != Qt::LeftButton && event->button() != Qt::MiddleButton) return;
  if (event->button() == Qt::LeftButton && mComparison.swipeLayer && std::abs(event->position().x() - swipeX()) <= 8) {
    mSwipeDragging = true;  // the swipe bar wins over the tool near it
    return;
  }
  mPressButton = event->button();
  mPressPoint = event->position();
  mLastDragPoint = event->position();
  mDragged = false;
  if (event->button() != Qt::LeftButton || !dragDraws(mTool)) return;
  const MapPoint map = screenToMap(event->position());
  mHoverPoint = map;
  mHoverScreen = event->position();
  switch (mTool) {
    case Tool::Rectangle: mRectangleStart = map; break;
    case Tool::Lasso: mPolygon = {map}; break;
    case Tool::Brush:
      mStroking = true;
      Q_EMIT strokeStarted(map);
      break;
    default: break;
  }
  update();
}

void MapCanvas::mouseMoveEvent(QMouseEvent* event) {
  const MapPoint map = screenToMap(event->position());
  Q_EMIT cursorMoved(map.x, map.y);
  const bool hoverShown = (clicksVertices(mTool) && !mPolygon.empty()) || mRectangleStart || mTool == Tool::Brush;
  mHoverPoint = map;
  mHoverScreen = event->position();
  if (hoverShown) update();
  if (mSwipeDragging) {
    mComparison.swipePosition = std::clamp(event->position().x() / std::max(1, width()), 0.0, 1.0);
    update();
    Q_EMIT swipeMoved(mComparison.swipePosition);
    return;
  }
  if (mComparison.swipeLayer)
    setCursor(std::abs(event->position().x() - swipeX()) <= 8 ? Qt::SplitHCursor : toolCursor());
  if (!mPressPoint) return;
  if (mPressButton == Qt::LeftButton && dragDraws(mTool)) {
    if (mTool == Tool::Lasso && !mPolygon.empty()) {
      // A point every few screen pixels follows the hand without thousands of vertices.
      if (std::hypot(event->position().x() - mLastDragPoint.x(), event->position().y() - mLastDragPoint.y()) >= 2) {
        mPolygon.push_back(map);
        mLastDragPoint = event->position();
        update();
      }
    } else if (mTool == Tool::Brush && mStroking) {
      Q_EMIT strokeMoved(map);
    }
    return;
  }
  if ((event->position() - *mPressPoint).manhattanLength() > 3) mDragged = true;
  if (mDragged) {
    panByPixels(event->position() - mLastDragPoint);
    mLastDragPoint = event->position();
  }
}

void MapCanvas::mouseReleaseEvent(QMouseEvent* event) {
  if (mSwipeDragging && event->button() == Qt::LeftButton) {
    mSwipeDragging = false;
    return;
  }
  if (event->button() != mPressButton || !mPressPoint) return;
  mPressPoint.reset();
  mPressButton = Qt::NoButton;
  if (event->button() != Qt::LeftButton) return;
  const MapPoint map = screenToMap(event->position());
  if (dragDraws(mTool)) {
    switch (mTool) {
      case Tool::Rectangle:
        if (mRectangleStart) {
          const MapPoint start = *mRectangleStart;
          mRectangleStart.reset();
          update();
          Q_EMIT rectangleFinished(start, map);
        }
        break;
      case Tool::Lasso: {
        std::vector<MapPoint> ring = std::move(mPolygon);
        mPolygon.clear();
        if (!ring.empty()) ring.push_back(map);
        update();
        if (ring.size() >= 3) Q_EMIT lassoFinished(ring);
        break;
      }
      case Tool::Brush:
        if (mStroking) {
          mStroking = false;
          Q_EMIT strokeFinished();
        }
        break;
      default: break;
    }
    return;
  }
  if (mDragged) return;
  if (clicksVertices(mTool)) {
    mPolygon.push_back(map);
    update();
  } else if (mTool == Tool::Pick) {
    Q_EMIT pointPicked(map);
  } else {
    Q_EMIT clicked(map.x, map.y);
  }
}

void MapCanvas::wheelEvent(QWheelEvent* event) {
  const double notches = event->angleDelta().y() / 120.0;
  if (notches == 0) return;
  zoomBy(std::pow(kZoomStep, notches), event->position());
}

void MapCanvas::keyPressEvent(QKeyEvent* event) {
  const double step = std::min(width(), height()) / 4.0;
  switch (event->key()) {
    case Qt::Key_Left: panByPixels({step, 0}); break;
    case Qt::Key_Right: panByPixels({-step, 0}); break;
    case Qt::Key_Up: panByPixels({0, step}); break;
    case Qt::Key_Down: panByPixels({0, -step}); break;
    case Qt::Key_Plus:
    case Qt::Key_Equal: zoomBy(kZoomStep, rect().center()); break;
    case Qt::Key_Minus: zoomBy(1 / kZoomStep, rect().center()); break;
    case Qt::Key_Home: zoomToFull(); break;
    case Qt::Key_Return:
    case Qt::Key_Enter:
      if (clicksVertices(mTool)) finishPolygon();
      break;
    case Qt::Key_Backspace:
      if (clicksVertices(mTool) && !mPolygon.empty()) {
        mPolygon.pop_back();
        update();
      }
      break;
    case Qt::Key_Escape: cancelGesture(); break;
    default: QWidget::keyPressEvent(event);
  }
}

void MapCanvas::leaveEvent(QEvent*) {
  mHoverScreen.reset();  // no brush circle where the mouse is not
  if (mTool == Tool::Brush) update();
  Q_EMIT cursorLeft();
}

}  // namespace prithvi
