#include "viewers/LabelOverlay.h"

#include <QElapsedTimer>
#include <QPainter>
#include <QPainterPath>
#include <cmath>
#include <limits>

#include "core/raster/Crs.h"

namespace prithvi {

SceneGridMapping::SceneGridMapping(const GeoTransform& grid, const std::string& sceneCrs, const std::string& mapCrs)
    : mGrid(grid) {
  if (mapCrs.empty()) return;
  mAffine = sceneCrs.empty() || sameCrs(sceneCrs, mapCrs);
  if (!mAffine) {
    mMapLonLat = std::make_shared<LonLatTransform>(mapCrs);
    mSceneLonLat = std::make_shared<LonLatTransform>(sceneCrs);
  }
  mValid = true;
}

std::optional<MapPoint> SceneGridMapping::toPixel(const MapPoint& map) const {
  if (!mValid) return std::nullopt;
  if (mAffine) return mGrid.mapToPixel(map.x, map.y);
  const std::optional<LonLat> lonLat = mMapLonLat->toLonLat(map);
  if (!lonLat) return std::nullopt;
  const std::optional<MapPoint> scene = mSceneLonLat->fromLonLat(*lonLat);
  if (!scene) return std::nullopt;
  return mGrid.mapToPixel(scene->x, scene->y);
}

std::optional<MapPoint> SceneGridMapping::sceneToMap(const MapPoint& scene) const {
  if (!mValid) return std::nullopt;
  if (mAffine) return scene;
  const std::optional<LonLat> lonLat = mSceneLonLat->toLonLat(scene);
  if (!lonLat) return std::nullopt;
  return mMapLonLat->fromLonLat(*lonLat);
}

std::optional<MapPoint> SceneGridMapping::toMap(const MapPoint& pixel) const {
  return sceneToMap(mGrid.pixelToMap(pixel.x, pixel.y));
}

double SceneGridMapping::mapUnitsPerPixel(double x, double y) const {
  const std::optional<MapPoint> a = toMap({x, y}), b = toMap({x + 1, y});
  if (!a || !b) return std::abs(mGrid.pixelWidth());
  return std::hypot(b->x - a->x, b->y - a->y);
}

LabelOverlay::LabelOverlay(MapCanvas* canvas, QObject* parent) : QObject(parent), mCanvas(canvas) {
  mCanvas->addOverlay(this);
}

LabelOverlay::~LabelOverlay() {
  if (mCanvas) mCanvas->removeOverlay(this);
}

void LabelOverlay::repaintCanvas() {
  if (mCanvas) mCanvas->update();
}

void LabelOverlay::setRaster(const uint8_t* values, int width, int height, const SceneGridMapping& mapping) {
  mValues = values;
  mWidth = width;
  mHeight = height;
  mMapping = mapping;
  rasterChanged();
}

void LabelOverlay::clearRaster() {
  mValues = nullptr;
  mWidth = mHeight = 0;
  mMapping = {};
  mHighlight.clear();
  mImage = QImage();
  rasterChanged();
}

void LabelOverlay::rasterChanged() {
  ++mVersion;
  repaintCanvas();
}

void LabelOverlay::setColors(const std::array<QRgb, 256>& colors) {
  // Premultiplied once here so the per-pixel loop only copies.
  for (size_t i = 0; i < colors.size(); ++i) mColors[i] = qPremultiply(colors[i]);
  rasterChanged();
}

void LabelOverlay::setOpacity(double opacity) {
  mOpacity = std::clamp(opacity, 0.0, 1.0);
  repaintCanvas();
}

void LabelOverlay::setShown(bool shown) {
  mShown = shown;
  repaintCanvas();
}

void LabelOverlay::setHighlight(const std::vector<std::vector<MapPoint>>& rings) {
  mHighlight = rings;
  repaintCanvas();
}

QImage LabelOverlay::render(const MapCanvas& canvas) const {
  const int w = canvas.width(), h = canvas.height();
  QImage image(std::max(1, w), std::max(1, h), QImage::Format_ARGB32_Premultiplied);
  image.fill(Qt::transparent);
  if (!mValues || w < 1 || h < 1 || !mMapping.isValid()) return image;
  const GeoTransform& grid = mMapping.grid();
  auto put = [&](QRgb* line, int sx, double px, double py) {
    if (!(px >= 0 && py >= 0 && px < mWidth && py < mHeight)) return;  // also drops NaN
    line[sx] = mColors[mValues[size_t(py) * size_t(mWidth) + size_t(px)]];
  };

  if (mMapping.isAffine() && grid.isNorthUp()) {
    // Scene columns depend on the screen column only and rows on the screen row only: look the
    // columns up once, then each screen pixel costs one read and one table lookup.
    std::vector<int> columns(size_t(w), -1);
    int first = w, last = -1;
    for (int sx = 0; sx < w; ++sx) {
      const double px = std::floor((canvas.screenToMap(QPointF(sx, 0)).x - grid.originX()) / grid.pixelWidth());
      if (px >= 0 && px < mWidth) {
        columns[size_t(sx)] = int(px);
        first = std::min(first, sx);
        last = std::max(last, sx);
      }
    }
    if (last < 0) return image;
    for (int sy = 0; sy < h; ++sy) {
      const double py = std::floor((canvas.screenToMap(QPointF(0, sy)).y - grid.originY()) / grid.pixelHeight());
      if (!(py >= 0 && py < mHeight)) continue;
      const uint8_t* row = mValues + size_t(py) * size_t(mWidth);
      auto* line = reinterpret_cast<QRgb*>(image.scanLine(sy));
      for (int sx = first; sx <= last; ++sx)
        if (const int column = columns[size_t(sx)]; column >= 0) line[sx] = mColors[row[column]];
    }
    return image;
  }

  // Reprojected (or rotated) grid: exact pixel positions on a coarse lattice, interpolated
  // between, as the tile renderer does.
  constexpr int kStep = 8;
  const int gw = w / kStep + 2, gh = h / kStep + 2;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> gx(size_t(gw) * gh, nan), gy(size_t(gw) * gh, nan);
  for (int j = 0; j < gh; ++j)
    for (int i = 0; i < gw; ++i)
      if (const auto pixel = mMapping.toPixel(canvas.screenToMap(QPointF(i * kStep, j * kStep)))) {
        gx[size_t(j) * gw + i] = pixel->x;
        gy[size_t(j) * gw + i] = pixel->y;
      }
  for (int sy = 0; sy < h; ++sy) {
    const int j = sy / kStep;
    const double v = double(sy % kStep) / kStep;
    auto* line = reinterpret_cast<QRgb*>(image.scanLine(sy));
    for (int sx = 0; sx < w; ++sx) {
      const int i = sx / kStep;
      const double u = double(sx % kStep) / kStep;
      const size_t a = size_t(j) * gw + i, b = a + 1, c = a + gw, d = c + 1;
      const double px = (gx[a] * (1 - u) + gx[b] * u) * (1 - v) + (gx[c] * (1 - u) + gx[d] * u) * v;
      const double py = (gy[a] * (1 - u) + gy[b] * u) * (1 - v) + (gy[c] * (1 - u) + gy[d] * u) * v;
      put(line, sx, std::floor(px), std::floor(py));
    }
  }
  return image;
}

void LabelOverlay::paint(QPainter& painter, const MapCanvas& canvas) {
  if (!mShown || !mValues) return;
  const ViewKey key{canvas.center(), canvas.resolution(), canvas.size(), mVersion};
  if (!mImageKey || !(*mImageKey == key)) {
    QElapsedTimer timer;
    timer.start();
    mImage = render(canvas);
    mLastRenderMs = double(timer.nsecsElapsed()) / 1e6;
    mImageKey = key;
  }
  painter.save();
  painter.setOpacity(mOpacity);
  painter.drawImage(QPointF(0, 0), mImage);
  painter.setOpacity(1.0);
  if (!mHighlight.empty()) {
    QPainterPath path;
    for (const auto& ring : mHighlight) {
      QPolygonF outline;
      for (const MapPoint& point : ring)
        if (const auto map = mMapping.sceneToMap(point)) outline << canvas.mapToPaint(*map);
      if (outline.size() >= 3) path.addPolygon(outline), path.closeSubpath();
    }
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setBrush(Qt::NoBrush);
    painter.setPen(QPen(QColor(0, 0, 0, 200), 4));
    painter.drawPath(path);
    painter.setPen(QPen(QColor(255, 230, 0), 2, Qt::DashLine));
    painter.drawPath(path);
  }
  painter.restore();
}

}  // namespace prithvi
