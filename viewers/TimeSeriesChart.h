#pragma once
// A pixel's (or an area's) values through time: one line per chosen band or index, drawn
// through clear observations only; observations flagged by Fmask (cloud, shadow, snow, fill)
// are drawn as hollow grey marks and left out of the line unless asked for. L30 dates are
// circles, S30 dates squares. Hover shows date, sensor and values; a click picks that date.

#include <QWidget>
#include <optional>
#include <vector>

#include "core/timeseries/PixelProfile.h"

namespace prithvi {

// What a series shows: a band (reflectance) or an index.
struct SeriesKey {
  bool isIndex = false;
  BandRole band = BandRole::Red;
  SpectralIndex index = SpectralIndex::NDVI;
  QString name() const;
  bool operator==(const SeriesKey& other) const = default;
};

class TimeSeriesChart : public QWidget {
  Q_OBJECT
 public:
  explicit TimeSeriesChart(QWidget* parent = nullptr);

  void setProfile(const PixelProfile& profile);
  // An area: the per-date mean is the line, mean +- one standard deviation the band around it.
  void setArea(const std::vector<AreaObservation>& area, const QString& title);
  void clear();
  void setSeries(const std::vector<SeriesKey>& series);
  const std::vector<SeriesKey>& series() const { return mSeries; }
  void setShowFlagged(bool show);
  void setCurrentScene(const std::string& sceneId);
  QSize sizeHint() const override { return {520, 240}; }

  // For tests: the screen position of observation `index` of series `series`.
  std::optional<QPointF> pointPosition(int series, int index) const;
  int observationCount() const { return int(mDates.size()); }
  int linePointCount(int series) const;  // points the line passes through
  // Dates of the tile without a reading (PixelProfile::leftOut), drawn as a red cross on the
  // date axis with the reason in their tooltip.
  int leftOutCount() const { return mProfile ? int(mProfile->leftOut.size()) : 0; }
  std::optional<QPointF> leftOutPosition(int index) const;
  QString leftOutText(int index) const;

 Q_SIGNALS:
  void dateActivated(const QString& sceneId);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void leaveEvent(QEvent* event) override;

 private:
  struct Point {
    double value = 0;   // NaN when missing
    double low = 0;     // area: mean - sd
    double high = 0;    // area: mean + sd
    bool flagged = false;
  };
  QRectF plotRect() const;
  double xOf(qint64 msecs) const;
  double yOf(double value) const;
  void computeRanges();
  std::optional<std::pair<int, int>> pointNear(const QPointF& position) const;  // (series, date)
  QColor seriesColor(int series) const;
  double valueOf(const SeriesKey& key, const Observation& observation) const;

  std::vector<SeriesKey> mSeries;
  std::vector<QDateTime> mDates;
  std::vector<std::string> mSceneIds;
  std::vector<std::string> mSensors;
  std::vector<uint8_t> mFmask;
  std::vector<std::vector<Point>> mPoints;  // [series][date]
  std::optional<PixelProfile> mProfile;
  std::optional<std::vector<AreaObservation>> mArea;
  QString mTitle;
  bool mShowFlagged = false;
  std::string mCurrentScene;
  qint64 mMinTime = 0, mMaxTime = 1;
  double mMinValue = 0, mMaxValue = 1;
  std::optional<std::pair<int, int>> mHover;
};

}  // namespace prithvi
