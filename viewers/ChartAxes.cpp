#include "viewers/ChartAxes.h"

#include <algorithm>
#include <cmath>
#include <iterator>

namespace prithvi {

std::vector<double> niceTicks(double low, double high, int wanted) {
  if (!(high > low)) return {low};
  const double raw = (high - low) / std::max(1, wanted);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double factor : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (raw <= factor * magnitude) {
      step = factor * magnitude;
      break;
    }
  std::vector<double> ticks;
  for (double tick = std::ceil(low / step) * step; tick <= high + step * 1e-9; tick += step)
    ticks.push_back(std::abs(tick) < step * 1e-9 ? 0.0 : tick);
  return ticks;
}

QString tickText(double value) {
  if (value == 0) return QStringLiteral("0");
  const double magnitude = std::abs(value);
  if (magnitude >= 1e5 || magnitude < 1e-3) return QString::number(value, 'e', 1);
  return QString::number(value, 'g', 4);
}

QColor seriesColour(int series) {
  static const QColor colours[] = {QColor(0, 114, 178), QColor(213, 94, 0),  QColor(0, 158, 115), QColor(204, 121, 167),
                                   QColor(230, 159, 0), QColor(86, 180, 233), QColor(0, 0, 0)};
  return colours[size_t(series) % std::size(colours)];
}

}  // namespace prithvi
