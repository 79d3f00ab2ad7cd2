#include "viewers/MetricBarChart.h"
#include "viewers/MetricChart.h"

#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace prithvi {

MetricBarChart::MetricBarChart(QWidget* parent) : QWidget(parent) {
  setMouseTracking(true);
  setBackgroundRole(QPalette::Base);
  setAutoFillBackground(true);
}

void MetricBarChart::setTitle(const QString& title) {
  mTitle = title;
  update();
}

void MetricBarChart::setData(const QStringList& categories, const std::vector<Series>& series) {
  mCategories = categories;
  mSeries = series;
  // Scores in [0, 1] share one fixed axis; anything larger gets a rounded-up maximum.
  double largest = 0;
  for (const Series& s : mSeries)
    for (const auto& value : s.values)
      if (value && std::isfinite(*value)) largest = std::max(largest, *value);
  if (largest <= 1.0) {
    mMax = 1.0;
  } else {
    const double magnitude = std::pow(10.0, std::floor(std::log10(largest)));
    mMax = std::ceil(largest / magnitude) * magnitude;
  }
  update();
}

QStringList MetricBarChart::seriesNames() const {
  QStringList names;
  for (const Series& s : mSeries) names << s.name;
  return names;
}

std::optional<double> MetricBarChart::value(const QString& series, const QString& category) const {
  const int column = int(mCategories.indexOf(category));
  if (column < 0) return std::nullopt;
  for (const Series& s : mSeries)
    if (s.name == series && column < int(s.values.size())) return s.values[size_t(column)];
  return std::nullopt;
}

QRectF MetricBarChart::plotRect() const {
  const QFontMetrics metrics(font());
  const double left = metrics.horizontalAdvance(QStringLiteral("0.00")) + 10;
  const double top = metrics.height() * (mTitle.isEmpty() ? 1.6 : 2.8);  // title, then the legend
  const double bottom = metrics.height() * 1.6;                             // category names
  return QRectF(left, top, std::max(10.0, width() - left - 10), std::max(10.0, height() - top - bottom));
}

double MetricBarChart::toY(double value) const {
  const QRectF plot = plotRect();
  return plot.bottom() - std::clamp(value / mMax, 0.0, 1.0) * plot.height();
}

QRectF MetricBarChart::barRect(int category, int series, double value) const {
  const QRectF plot = plotRect();
  const double groupWidth = plot.width() / std::max<qsizetype>(1, mCategories.size());
  const double barWidth = std::min(48.0, groupWidth * 0.8 / double(std::max<size_t>(1, mSeries.size())));
  const double groupLeft = plot.left() + groupWidth * category + (groupWidth - barWidth * double(mSeries.size())) / 2;
  const double top = toY(value);
  return QRectF(groupLeft + barWidth * series, top, barWidth - 2, plot.bottom() - top);
}

void MetricBarChart::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.setRenderHint(QPainter::Antialiasing);
  const QRectF plot = plotRect();
  const QFontMetrics metrics(font());
  const QColor text = palette().color(QPalette::Text);
  if (!mTitle.isEmpty()) {
    painter.setPen(text);
    painter.drawText(QRectF(0, 0, width(), metrics.height() * 1.4), Qt::AlignCenter, mTitle);
  }
  if (mCategories.isEmpty() || mSeries.empty()) {
    painter.setPen(QPen(palette().color(QPalette::Mid), 1));
    painter.drawRect(plot);
    painter.setPen(palette().color(QPalette::PlaceholderText));
    painter.drawText(plot, Qt::AlignCenter | Qt::TextWordWrap, tr("select versions to compare their scores"));
    return;
  }
  // Horizontal grid with five steps.
  for (int i = 0; i <= 5; ++i) {
    const double value = mMax * i / 5.0;
    const double y = toY(value);
    painter.setPen(QPen(palette().color(QPalette::Midlight), 1, i == 0 ? Qt::SolidLine : Qt::DotLine));
    painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y));
    painter.setPen(text);
    painter.drawText(QRectF(0, y - metrics.height() / 2.0, plot.left() - 4, metrics.height()), Qt::AlignRight | Qt::AlignVCenter,
                     QString::number(value, 'g', 3));
  }
  // Bars, each with its value above when there is room for the text.
  QFont small = font();
  small.setPointSizeF(std::max(6.0, font().pointSizeF() * 0.8));
  const QFontMetrics smallMetrics(small);
  for (int c = 0; c < mCategories.size(); ++c) {
    for (size_t s = 0; s < mSeries.size(); ++s) {
      const auto& values = mSeries[s].values;
      if (size_t(c) >= values.size() || !values[size_t(c)] || !std::isfinite(*values[size_t(c)])) continue;
      const double value = *values[size_t(c)];
      const QRectF bar = barRect(c, int(s), value);
      painter.setPen(Qt::NoPen);
      painter.setBrush(seriesColour(int(s)));
      painter.drawRect(bar);
      const QString label = QString::number(value, 'f', 2);
      if (smallMetrics.horizontalAdvance(label) <= bar.width() + 6) {
        painter.setFont(small);
        painter.setPen(text);
        painter.drawText(QRectF(bar.left() - 6, bar.top() - smallMetrics.height(), bar.width() + 12, smallMetrics.height()),
                         Qt::AlignHCenter | Qt::AlignBottom, label);
        painter.setFont(font());
      }
    }
    const double groupWidth = plot.width() / double(mCategories.size());
    const QRectF labelRect(plot.left() + groupWidth * c, plot.bottom() + 2, groupWidth, metrics.height());
    painter.setPen(text);
    painter.drawText(labelRect, Qt::AlignHCenter | Qt::AlignTop,
                     metrics.elidedText(mCategories[c], Qt::ElideRight, int(groupWidth) - 4));
  }
  painter.setBrush(Qt::NoBrush);
  // The legend under the title: one swatch per version.
  double legendX = plot.left();
  const double legendY = plot.top() - metrics.height() * 1.3;
  for (size_t s = 0; s < mSeries.size(); ++s) {
    painter.fillRect(QRectF(legendX, legendY + 2, 12, metrics.height() - 4), seriesColour(int(s)));
    painter.setPen(text);
    painter.drawText(QPointF(legendX + 16, legendY + metrics.ascent()), mSeries[s].name);
    legendX += 28 + metrics.horizontalAdvance(mSeries[s].name);
  }
}

void MetricBarChart::mouseMoveEvent(QMouseEvent* event) {
  for (int c = 0; c < mCategories.size(); ++c)
    for (size_t s = 0; s < mSeries.size(); ++s) {
      const auto& values = mSeries[s].values;
      if (size_t(c) >= values.size() || !values[size_t(c)]) continue;
      // The whole column above a bar counts, so short bars are easy to hover.
      QRectF bar = barRect(c, int(s), *values[size_t(c)]);
      bar.setTop(plotRect().top());
      if (bar.contains(event->position())) {
        QToolTip::showText(event->globalPosition().toPoint(),
                           tr("%1 — %2: %3").arg(mSeries[s].name, mCategories[c]).arg(*values[size_t(c)], 0, 'f', 4), this);
        return;
      }
    }
  QToolTip::hideText();
}

}  // namespace prithvi
