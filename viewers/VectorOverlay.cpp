#include "viewers/VectorOverlay.h"

#include <QPainter>
#include <QPainterPath>

namespace prithvi {

VectorOverlay::VectorOverlay(std::shared_ptr<const VectorData> data, QColor color) : mData(std::move(data)), mColor(color) {}

void VectorOverlay::paint(QPainter& painter, const MapCanvas& canvas) {
  if (!mVisible || !mData) return;
  painter.save();
  painter.setRenderHint(QPainter::Antialiasing);
  QColor fill = mColor;
  fill.setAlpha(60);
  const QPen outline(mColor, 2);
  const QRectF view(QPointF(0, 0), QSizeF(canvas.size()));
  for (const VectorFeature& feature : mData->features) {
    QPainterPath path;
    path.setFillRule(Qt::OddEvenFill);  // holes stay open
    for (const auto& part : feature.parts) {
      if (part.empty()) continue;
      if (feature.kind == VectorFeature::Kind::Point) {
        path.addEllipse(canvas.mapToPaint(part.front()), 4, 4);
        continue;
      }
      path.moveTo(canvas.mapToPaint(part.front()));
      for (size_t i = 1; i < part.size(); ++i) path.lineTo(canvas.mapToPaint(part[i]));
      if (feature.kind == VectorFeature::Kind::Polygon) path.closeSubpath();
    }
    if (!path.intersects(view)) continue;
    painter.setPen(outline);
    painter.setBrush(feature.kind == VectorFeature::Kind::Line ? QBrush(Qt::NoBrush) : QBrush(fill));
    painter.drawPath(path);
  }
  painter.restore();
}

}  // namespace prithvi
