#include "viewers/HistogramWidget.h"

#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <algorithm>
#include <cmath>

namespace prithvi {

HistogramWidget::HistogramWidget(QWidget* parent) : QWidget(parent) {
  setMinimumHeight(90);
  setMouseTracking(true);
  setToolTip(tr("Drag the handles to set the stretch limits"));
}

void HistogramWidget::setStatistics(const BandStatistics& statistics, const QColor& color) {
  mStatistics = statistics;
  mColor = color;
  update();
}

void HistogramWidget::clear() {
  mStatistics.reset();
  update();
}

void HistogramWidget::setLimits(double min, double max) {
  mMin = min;
  mMax = max;
  update();
}

QRectF HistogramWidget::plotRect() const { return QRectF(rect()).adjusted(6, 6, -6, -18); }

double HistogramWidget::valueAt(double x) const {
  if (!mStatistics) return 0;
  const QRectF plot = plotRect();
  const double t = std::clamp((x - plot.left()) / plot.width(), 0.0, 1.0);
  return mStatistics->histogramMin + t * (mStatistics->histogramMax - mStatistics->histogramMin);
}

double HistogramWidget::xOf(double value) const {
  if (!mStatistics || mStatistics->histogramMax <= mStatistics->histogramMin) return plotRect().left();
  const QRectF plot = plotRect();
  const double t = (value - mStatistics->histogramMin) / (mStatistics->histogramMax - mStatistics->histogramMin);
  return plot.left() + std::clamp(t, 0.0, 1.0) * plot.width();
}

void HistogramWidget::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.fillRect(rect(), palette().base());
  const QRectF plot = plotRect();
  if (!mStatistics || mStatistics->histogram.empty()) {
    painter.setPen(palette().color(QPalette::PlaceholderText));
    painter.drawText(rect(), Qt::AlignCenter, tr("no statistics yet"));
    return;
  }
  const auto& bins = mStatistics->histogram;
  // Square-root heights keep small populations visible next to a dominant class.
  double peak = 1;
  for (int64_t count : bins) peak = std::max(peak, std::sqrt(double(count)));
  QPainterPath path(plot.bottomLeft());
  for (size_t i = 0; i < bins.size(); ++i) {
    const double x = plot.left() + plot.width() * (i + 0.5) / bins.size();
    path.lineTo(x, plot.bottom() - plot.height() * std::sqrt(double(bins[i])) / peak);
  }
  path.lineTo(plot.bottomRight());
  path.closeSubpath();
  QColor fill = mColor;
  fill.setAlpha(140);
  painter.setRenderHint(QPainter::Antialiasing);
  painter.fillPath(path, fill);
  painter.setPen(mColor.darker(130));
  painter.drawPath(path);
  // The limits: shaded outside, handles as vertical lines.
  const double x0 = xOf(mMin), x1 = xOf(mMax);
  painter.fillRect(QRectF(plot.left(), plot.top(), x0 - plot.left(), plot.height()), QColor(0, 0, 0, 50));
  painter.fillRect(QRectF(x1, plot.top(), plot.right() - x1, plot.height()), QColor(0, 0, 0, 50));
  painter.setPen(QPen(palette().color(QPalette::Text), 2));
  painter.drawLine(QPointF(x0, plot.top()), QPointF(x0, plot.bottom()));
  painter.drawLine(QPointF(x1, plot.top()), QPointF(x1, plot.bottom()));
  painter.setPen(palette().color(QPalette::Text));
  QFont font = painter.font();
  font.setPointSizeF(font.pointSizeF() * 0.85);
  painter.setFont(font);
  painter.drawText(QRectF(0, plot.bottom() + 2, width() / 2.0, 14), Qt::AlignLeft | Qt::AlignVCenter,
                   QStringLiteral(" %1").arg(mMin, 0, 'g', 4));
  painter.drawText(QRectF(width() / 2.0, plot.bottom() + 2, width() / 2.0 - 4, 14), Qt::AlignRight | Qt::AlignVCenter,
                   QStringLiteral("%1").arg(mMax, 0, 'g', 4));
}

void HistogramWidget::mousePressEvent(QMouseEvent* event) {
  if (!mStatistics) return;
  const double x = event->position().x();
  mDragging = std::abs(x - xOf(mMin)) <= std::abs(x - xOf(mMax)) ? Handle::Min : Handle::Max;
  mouseMoveEvent(event);
}

void HistogramWidget::mouseMoveEvent(QMouseEvent* event) {
  if (mDragging == Handle::None) {
    const double x = event->position().x();
    setCursor(std::min(std::abs(x - xOf(mMin)), std::abs(x - xOf(mMax))) < 6 ? Qt::SizeHorCursor : Qt::ArrowCursor);
    return;
  }
  const double value = valueAt(event->position().x());
  if (mDragging == Handle::Min)
    mMin = std::min(value, mMax);
  else
    mMax = std::max(value, mMin);
  update();
}

void HistogramWidget::mouseReleaseEvent(QMouseEvent*) {
  if (mDragging == Handle::None) return;
  mDragging = Handle::None;
  if (mMax <= mMin) mMax = mMin + 1e-9;
  Q_EMIT limitsEdited(mMin, mMax);
}

}  // namespace prithvi
