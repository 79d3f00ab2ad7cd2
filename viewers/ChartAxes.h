#pragma once
// What every chart of ours shares (time series, metrics, bars): round tick values, their text,
// and one colour-blind-safe palette. Charts are drawn with QPainter rather than Qt Charts: they
// stay readable in small docks and draw Fmask-flagged points and left-out dates their own way.

#include <vector>

#include <QColor>
#include <QString>

namespace prithvi {

// About `wanted` round ticks covering [low, high] (steps of 1, 2, 2.5 or 5 x 10^n).
std::vector<double> niceTicks(double low, double high, int wanted);

// "0", "0.25", "1200", "1.5e+05": short text for a tick.
QString tickText(double value);

// Series colours that read on white and for colour-blind readers (Okabe-Ito), by series index.
QColor seriesColour(int series);

}  // namespace prithvi
