#pragma once
// A band's histogram with the stretch limits as two handles the user drags.

#include <QWidget>
#include <optional>

#include "core/render/Render.h"

namespace prithvi {

class HistogramWidget : public QWidget {
  Q_OBJECT
 public:
  explicit HistogramWidget(QWidget* parent = nullptr);

  void setStatistics(const BandStatistics& statistics, const QColor& color);
  void clear();
  void setLimits(double min, double max);
  double minimum() const { return mMin; }
  double maximum() const { return mMax; }
  QSize sizeHint() const override { return {260, 110}; }

 Q_SIGNALS:
  // Emitted when the user lets go of a handle.
  void limitsEdited(double min, double max);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;

 private:
  double valueAt(double x) const;
  double xOf(double value) const;
  QRectF plotRect() const;

  std::optional<BandStatistics> mStatistics;
  QColor mColor = Qt::gray;
  double mMin = 0;
  double mMax = 1;
  enum class Handle { None, Min, Max } mDragging = Handle::None;
};

}  // namespace prithvi
