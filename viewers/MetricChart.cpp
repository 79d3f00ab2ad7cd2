#include "viewers/MetricChart.h"

#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QToolTip>

#include <algorithm>
#include <cmath>
#include <limits>

namespace prithvi {

MetricChart::MetricChart(QWidget* parent) : QWidget(parent) {
  setMouseTracking(true);
  setBackgroundRole(QPalette::Base);
  setAutoFillBackground(true);
}

void MetricChart::setTitle(const QString& title) {
  mTitle = title;
  update();
}

void MetricChart::setCurves(const std::map<std::string, std::vector<MetricPoint>>& curves) {
  mCurves = curves;
  double minStep = std::numeric_limits<double>::infinity(), maxStep = -minStep;
  double minValue = minStep, maxValue = -minStep;
  for (const auto& [name, curve] : mCurves)
    for (const MetricPoint& point : curve) {
      if (!std::isfinite(point.value)) continue;
      minStep = std::min(minStep, double(point.step));
      maxStep = std::max(maxStep, double(point.step));
      minValue = std::min(minValue, point.value);
      maxValue = std::max(maxValue, point.value);
    }
  if (!std::isfinite(minStep)) {
    minStep = 0, maxStep = 1, minValue = 0, maxValue = 1;
  }
  // A loss falling over orders of magnitude reads better on a log axis.
  mLog = minValue > 0 && maxValue / minValue > 10;
  if (mLog) {
    minValue = std::log10(minValue), maxValue = std::log10(maxValue);
  }
  if (maxStep <= minStep) maxStep = minStep + 1;
  if (maxValue <= minValue) {
    const double pad = std::max(std::abs(maxValue) * 0.05, 1e-6);
    minValue -= pad, maxValue += pad;
  }
  const double pad = (maxValue - minValue) * 0.05;
  mMinStep = minStep, mMaxStep = maxStep, mMinValue = minValue - pad, mMaxValue = maxValue + pad;
  update();
}

QStringList MetricChart::seriesNames() const {
  QStringList names;
  for (const auto& [name, curve] : mCurves) names << QString::fromStdString(name);
  return names;
}

int MetricChart::pointCount(const QString& series) const {
  const auto found = mCurves.find(series.toStdString());
  return found == mCurves.end() ? 0 : int(found->second.size());
}

QRectF MetricChart::plotRect() const {
  const QFontMetrics metrics(font());
  const double left = metrics.horizontalAdvance(QStringLiteral("0.0000e-0")) + 8;
  const double top = metrics.height() * (mTitle.isEmpty() ? 1.0 : 2.0);
  const double bottom = metrics.height() * 3.4;
  return QRectF(left, top, std::max(10.0, width() - left - 12), std::max(10.0, height() - top - bottom));
}

QPointF MetricChart::toScreen(double step, double value) const {
  const QRectF plot = plotRect();
  const double y = mLog ? std::log10(std::max(value, 1e-300)) : value;
  return {plot.left() + (step - mMinStep) / (mMaxStep - mMinStep) * plot.width(),
          plot.bottom() - (y - mMinValue) / (mMaxValue - mMinValue) * plot.height()};
}

void MetricChart::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.setRenderHint(QPainter::Antialiasing);
  const QRectF plot = plotRect();
  const QFontMetrics metrics(font());
  const QColor text = palette().color(QPalette::Text);
  if (!mTitle.isEmpty()) {
    painter.setPen(text);
    painter.drawText(QRectF(0, 0, width(), metrics.height() * 1.5), Qt::AlignCenter, mTitle);
  }
  painter.setPen(QPen(palette().color(QPalette::Mid), 1));
  painter.drawRect(plot);
  if (mCurves.empty()) {
    painter.setPen(palette().color(QPalette::PlaceholderText));
    painter.drawText(plot, Qt::AlignCenter, tr("no metrics yet"));
    return;
  }
  // Grid and tick labels.
  painter.setPen(text);
  for (double tick : niceTicks(mMinStep, mMaxStep, 6)) {
    const double x = toScreen(tick, mLog ? 1 : 0).x();
    painter.setPen(QPen(palette().color(QPalette::Midlight), 1, Qt::DotLine));
    painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()));
    painter.setPen(text);
    painter.drawText(QRectF(x - 40, plot.bottom() + 2, 80, metrics.height()), Qt::AlignHCenter | Qt::AlignTop,
                     QString::number(qint64(std::llround(tick))));
  }
  painter.drawText(QRectF(plot.left(), plot.bottom() + metrics.height(), plot.width(), metrics.height()), Qt::AlignHCenter,
                   tr("step"));
  for (double tick : niceTicks(mMinValue, mMaxValue, 5)) {
    const double value = mLog ? std::pow(10.0, tick) : tick;
    const double y = toScreen(mMinStep, value).y();
    painter.setPen(QPen(palette().color(QPalette::Midlight), 1, Qt::DotLine));
    painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y));
    painter.setPen(text);
    painter.drawText(QRectF(0, y - metrics.height() / 2.0, plot.left() - 4, metrics.height()), Qt::AlignRight | Qt::AlignVCenter,
                     tickText(value));
  }
  // Curves, then the legend along the bottom.
  int index = 0;
  double legendX = plot.left();
  const double legendY = plot.bottom() + metrics.height() * 2.2;
  painter.save();
  painter.setClipRect(plot.adjusted(-3, -3, 3, 3));
  for (const auto& [name, curve] : mCurves) {
    const QColor colour = seriesColour(index++);
    QPainterPath path;
    bool started = false;
    for (const MetricPoint& point : curve) {
      if (!std::isfinite(point.value)) continue;
      const QPointF at = toScreen(double(point.step), point.value);
      if (started) path.lineTo(at);
      else path.moveTo(at);
      started = true;
    }
    painter.setPen(QPen(colour, 1.8));
    painter.drawPath(path);
    if (curve.size() < 40) {
      painter.setBrush(colour);
      for (const MetricPoint& point : curve)
        if (std::isfinite(point.value)) painter.drawEllipse(toScreen(double(point.step), point.value), 2.5, 2.5);
      painter.setBrush(Qt::NoBrush);
    }
  }
  painter.restore();
  index = 0;
  for (const auto& [name, curve] : mCurves) {
    const QColor colour = seriesColour(index++);
    const QString label = QString::fromStdString(name);
    painter.setPen(QPen(colour, 3));
    painter.drawLine(QPointF(legendX, legendY + metrics.height() / 2.0), QPointF(legendX + 16, legendY + metrics.height() / 2.0));
    painter.setPen(text);
    painter.drawText(QPointF(legendX + 20, legendY + metrics.ascent()), label);
    legendX += 32 + metrics.horizontalAdvance(label);
  }
}

void MetricChart::mouseMoveEvent(QMouseEvent* event) {
  // The nearest point of any curve, within 20 pixels.
  double best = 20 * 20;
  QString tip;
  for (const auto& [name, curve] : mCurves)
    for (const MetricPoint& point : curve) {
      const QPointF delta = toScreen(double(point.step), point.value) - event->position();
      const double distance = QPointF::dotProduct(delta, delta);
      if (distance < best) {
        best = distance;
        tip = tr("%1\nstep %2: %3").arg(QString::fromStdString(name)).arg(point.step).arg(point.value, 0, 'g', 5);
      }
    }
  if (tip.isEmpty()) QToolTip::hideText();
  else QToolTip::showText(event->globalPosition().toPoint(), tip, this);
}

void MetricChart::leaveEvent(QEvent*) { QToolTip::hideText(); }

}  // namespace prithvi
