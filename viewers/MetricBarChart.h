#pragma once
// Model versions side by side: one group of bars per metric (test mIoU, then each class's IoU),
// one bar per version in that version's colour, its value written above it. Hover shows the
// exact value. Values of IoU-like metrics lie in [0, 1]: the axis then runs 0..1 so bars of
// different versions and selections compare by length.

#include <QWidget>
#include <optional>
#include <vector>

namespace prithvi {

class MetricBarChart : public QWidget {
  Q_OBJECT
 public:
  struct Series {
    QString name;                         // "v3"
    std::vector<std::optional<double>> values;  // one per category; nullopt: not measured
  };

  explicit MetricBarChart(QWidget* parent = nullptr);

  // Categories along the axis ("test mIoU", "Water", ...) and the series drawn in each.
  void setData(const QStringList& categories, const std::vector<Series>& series);
  void setTitle(const QString& title);
  QSize sizeHint() const override { return {420, 220}; }
  QSize minimumSizeHint() const override { return {220, 140}; }

  // For tests: what is drawn.
  QStringList categories() const { return mCategories; }
  QStringList seriesNames() const;
  std::optional<double> value(const QString& series, const QString& category) const;

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;

 private:
  QRectF plotRect() const;
  QRectF barRect(int category, int series, double value) const;
  double toY(double value) const;

  QStringList mCategories;
  std::vector<Series> mSeries;
  QString mTitle;
  double mMax = 1.0;
};

}  // namespace prithvi
