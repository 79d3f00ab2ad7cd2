// Band statistics, histograms, percentiles and the stretches derived from them.
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/render/Render.h"

namespace prithvi {

double BandStatistics::percentile(double percent) const {
  if (count <= 0 || histogram.empty()) return min;
  if (!(percent > 0)) return min;  // also NaN
  if (percent >= 100) return max;
  const double binWidth = (histogramMax - histogramMin) / double(histogram.size());
  if (!(binWidth > 0)) return min;
  const double target = percent / 100.0 * double(count);
  double below = 0;
  for (size_t i = 0; i < histogram.size(); ++i) {
    const double inBin = double(histogram[i]);
    if (inBin > 0 && below + inBin >= target) {
      const double fraction = (target - below) / inBin;
      return std::clamp(histogramMin + (double(i) + fraction) * binWidth, min, max);
    }
    below += inBin;
  }
  return max;
}

BandStatistics computeStatistics(const float* values, size_t count, int bins) {
  BandStatistics statistics;
  bins = std::max(1, bins);
  statistics.histogram.assign(size_t(bins), 0);
  if (!values || count == 0) return statistics;

  // First pass: count, range and mean (in double: sums of millions of floats lose digits).
  int64_t valid = 0;
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  double sum = 0;
  for (size_t i = 0; i < count; ++i) {
    const float v = values[i];
    if (!std::isfinite(v)) continue;
    ++valid;
    lo = std::min(lo, double(v));
    hi = std::max(hi, double(v));
    sum += v;
  }
  if (valid == 0) return statistics;
  statistics.count = valid;
  statistics.min = lo;
  statistics.max = hi;
  statistics.mean = sum / double(valid);
  statistics.histogramMin = lo;
  statistics.histogramMax = hi;

  // Second pass: variance about the mean (numerically stable) and the histogram.
  const double range = hi - lo;
  const double toBin = range > 0 ? double(bins) / range : 0.0;
  double squares = 0;
  int64_t* histogram = statistics.histogram.data();
  for (size_t i = 0; i < count; ++i) {
    const float v = values[i];
    if (!std::isfinite(v)) continue;
    const double d = double(v) - statistics.mean;
    squares += d * d;
    const int bin = std::min(bins - 1, int((double(v) - lo) * toBin));
    ++histogram[bin];
  }
  statistics.stdDev = std::sqrt(squares / double(valid));  // population standard deviation
  return statistics;
}

ChannelStretch stretchFor(const BandStatistics& statistics, const StretchParams& params) {
  if (statistics.count <= 0) return {0.0, 1.0};
  double lo = statistics.min, hi = statistics.max;
  switch (params.mode) {
    case StretchMode::MinMax:
      break;
    case StretchMode::PercentClip:
      lo = statistics.percentile(params.lowPercent);
      hi = statistics.percentile(params.highPercent);
      break;
    case StretchMode::StdDev:
      lo = std::clamp(statistics.mean - params.stdDevs * statistics.stdDev, statistics.min, statistics.max);
      hi = std::clamp(statistics.mean + params.stdDevs * statistics.stdDev, statistics.min, statistics.max);
      break;
  }
  if (lo > hi) std::swap(lo, hi);
  if (!(hi > lo)) {
    // A constant band (or a degenerate clip): widen so the stretch never divides by zero.
    const double epsilon = std::max(1e-6, std::abs(lo) * 1e-6);
    lo -= epsilon;
    hi += epsilon;
  }
  return {lo, hi};
}

}  // namespace prithvi
