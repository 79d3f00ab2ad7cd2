#include "viewers/SpectralProfileChart.h"

#include <QPainter>
#include <QPainterPath>
#include <cmath>

namespace prithvi {

SpectralProfileChart::SpectralProfileChart(QWidget* parent) : QWidget(parent) { setMinimumSize(200, 135); }

void SpectralProfileChart::setObservation(const std::optional<Observation>& observation) {
  mObservation = observation;
  update();
}

void SpectralProfileChart::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.fillRect(rect(), palette().base());
  painter.setRenderHint(QPainter::Antialiasing);
  const QRectF plot = QRectF(rect()).adjusted(40, 22, -10, -32);
  const QColor text = palette().color(QPalette::Text);
  if (!mObservation) {
    painter.setPen(palette().color(QPalette::PlaceholderText));
    painter.drawText(rect(), Qt::AlignCenter, tr("Spectral profile"));
    return;
  }
  const double maxValue = std::max(0.5, double(*std::max_element(mObservation->reflectance.begin(), mObservation->reflectance.end())) * 1.1);
  auto xOf = [&](double micrometres) { return plot.left() + plot.width() * (micrometres - 0.4) / (2.3 - 0.4); };
  auto yOf = [&](double value) { return plot.bottom() - plot.height() * value / maxValue; };
  QFont small = painter.font();
  small.setPointSizeF(small.pointSizeF() * 0.85);
  painter.setFont(small);
  painter.setPen(text);
  painter.drawRect(plot);
  for (double v = 0; v <= maxValue + 1e-9; v += maxValue > 0.8 ? 0.2 : 0.1)
    painter.drawText(QRectF(0, yOf(v) - 7, plot.left() - 4, 14), Qt::AlignRight | Qt::AlignVCenter, QString::number(v, 'g', 2));
  // Wavelength ticks as far apart as their labels need; the unit once, as the axis title.
  const double labelWidth = painter.fontMetrics().horizontalAdvance(QStringLiteral("0.5")) + 10;
  const double step = plot.width() / 4 >= labelWidth ? 0.5 : 1.0;
  for (double um = step; um <= 2.0 + 1e-9; um += step)
    painter.drawText(QRectF(xOf(um) - labelWidth / 2, plot.bottom() + 2, labelWidth, 14), Qt::AlignCenter, QString::number(um, 'g', 2));
  painter.drawText(QRectF(plot.left(), plot.bottom() + 14, plot.width(), 14), Qt::AlignCenter, tr("wavelength (µm)"));
  QPainterPath line;
  bool started = false;
  for (int b = 0; b < 6; ++b) {
    const float value = mObservation->reflectance[b];
    if (std::isnan(value)) continue;
    const QPointF p(xOf(kBandWavelengths[b]), yOf(value));
    started ? line.lineTo(p) : line.moveTo(p);
    started = true;
  }
  const QColor color = mObservation->flagged() ? QColor(0x90, 0x90, 0x90) : QColor(0x2c, 0xa0, 0x2c);
  painter.setPen(QPen(color, 2));
  painter.drawPath(line);
  painter.setBrush(color);
  for (int b = 0; b < 6; ++b)
    if (!std::isnan(mObservation->reflectance[b]))
      painter.drawEllipse(QPointF(xOf(kBandWavelengths[b]), yOf(mObservation->reflectance[b])), 3, 3);
  painter.setPen(text);
  // The title fits the width: elided at the end rather than cut at both sides.
  const QString title = QStringLiteral("%1 %2%3").arg(mObservation->acquired.date().toString(Qt::ISODate),
                                                      QString::fromStdString(mObservation->sensor),
                                                      mObservation->flagged() ? tr(" (flagged)") : QString());
  painter.drawText(QRectF(4, 2, width() - 8, 18), Qt::AlignCenter, painter.fontMetrics().elidedText(title, Qt::ElideRight, width() - 8));
}

}  // namespace prithvi
