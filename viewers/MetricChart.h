#pragma once
// A training run's curves: loss, IoU, SSIM against the optimiser step, one line per series
// ("loss (train)", "loss (val)"), redrawn as new points arrive. Axes are fitted to the data
// (log-scaled when a loss spans more than a decade); hover shows the nearest point's values.

#include <QColor>
#include <QWidget>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/jobs/JobLog.h"
#include "viewers/ChartAxes.h"

namespace prithvi {

class MetricChart : public QWidget {
  Q_OBJECT
 public:
  explicit MetricChart(QWidget* parent = nullptr);

  // Curves by series name; an empty map clears the chart.
  void setCurves(const std::map<std::string, std::vector<MetricPoint>>& curves);
  void setTitle(const QString& title);
  QSize sizeHint() const override { return {420, 200}; }
  QSize minimumSizeHint() const override { return {200, 120}; }

  // For tests: the series drawn and their points.
  QStringList seriesNames() const;
  int pointCount(const QString& series) const;
  bool logScale() const { return mLog; }

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void leaveEvent(QEvent* event) override;

 private:
  QRectF plotRect() const;
  QPointF toScreen(double step, double value) const;

  std::map<std::string, std::vector<MetricPoint>> mCurves;
  QString mTitle;
  double mMinStep = 0, mMaxStep = 1, mMinValue = 0, mMaxValue = 1;
  bool mLog = false;
};

}  // namespace prithvi
