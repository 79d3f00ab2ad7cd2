#include "viewers/TimeSeriesChart.h"

#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QToolTip>
#include <algorithm>
#include <cmath>

#include "viewers/ChartAxes.h"

namespace prithvi {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

int prithviIndex(BandRole role) {
  for (int i = 0; i < 6; ++i)
    if (kPrithviBands[i] == role) return i;
  return -1;
}

}  // namespace

QString SeriesKey::name() const {
  return isIndex ? QLatin1String(spectralIndexName(index)) : QLatin1String(bandRoleName(band));
}

TimeSeriesChart::TimeSeriesChart(QWidget* parent) : QWidget(parent) {
  setMouseTracking(true);
  setMinimumHeight(135);  // room for the value ticks, the dates with their year and both axis titles
  mSeries = {SeriesKey{true, BandRole::Red, SpectralIndex::NDVI}};
}

void TimeSeriesChart::clear() {
  mProfile.reset();
  mArea.reset();
  mDates.clear();
  mPoints.clear();
  update();
}

void TimeSeriesChart::setProfile(const PixelProfile& profile) {
  mProfile = profile;
  mArea.reset();
  mTitle = QStringLiteral("T%1 pixel %2, %3").arg(QString::fromStdString(profile.tile)).arg(profile.pixelX).arg(profile.pixelY);
  computeRanges();
}

void TimeSeriesChart::setArea(const std::vector<AreaObservation>& area, const QString& title) {
  mArea = area;
  mProfile.reset();
  mTitle = title;
  computeRanges();
}

void TimeSeriesChart::setSeries(const std::vector<SeriesKey>& series) {
  mSeries = series;
  computeRanges();
}

void TimeSeriesChart::setShowFlagged(bool show) {
  mShowFlagged = show;
  update();
}

void TimeSeriesChart::setCurrentScene(const std::string& sceneId) {
  mCurrentScene = sceneId;
  update();
}

double TimeSeriesChart::valueOf(const SeriesKey& key, const Observation& observation) const {
  if (key.isIndex) return observation.index(key.index);
  const int i = prithviIndex(key.band);
  return i < 0 ? kNaN : observation.reflectance[i];
}

void TimeSeriesChart::computeRanges() {
  mDates.clear();
  mSceneIds.clear();
  mSensors.clear();
  mFmask.clear();
  mPoints.assign(mSeries.size(), {});
  if (mProfile) {
    for (const Observation& o : mProfile->observations) {
      mDates.push_back(o.acquired);
      mSceneIds.push_back(o.sceneId);
      mSensors.push_back(o.sensor);
      mFmask.push_back(o.fmask);
      for (size_t s = 0; s < mSeries.size(); ++s) {
        const double value = valueOf(mSeries[s], o);
        mPoints[s].push_back({value, value, value, o.flagged() || std::isnan(value)});
      }
    }
  } else if (mArea) {
    for (const AreaObservation& a : *mArea) {
      mDates.push_back(a.acquired);
      mSceneIds.push_back({});
      mSensors.push_back(a.sensor);
      mFmask.push_back(0);
      for (size_t s = 0; s < mSeries.size(); ++s) {
        // Areas carry band means; indices of the means stand in for the mean of indices.
        Observation mean;
        for (int b = 0; b < 6; ++b) mean.reflectance[b] = a.mean[b];
        mean.fmask = 0;
        const double value = valueOf(mSeries[s], mean);
        double spread = 0;
        if (!mSeries[s].isIndex) spread = a.stdDev[std::max(0, prithviIndex(mSeries[s].band))];
        mPoints[s].push_back({value, value - spread, value + spread, a.validPixels == 0 || std::isnan(value)});
      }
    }
  }
  mMinTime = mMaxTime = 0;
  mMinValue = 0;
  mMaxValue = 1;
  if (!mDates.empty()) {
    mMinTime = mDates.front().toMSecsSinceEpoch();
    mMaxTime = mDates.back().toMSecsSinceEpoch();
    if (mProfile)
      for (const LeftOutDate& date : mProfile->leftOut) {
        mMinTime = std::min(mMinTime, date.acquired.toMSecsSinceEpoch());
        mMaxTime = std::max(mMaxTime, date.acquired.toMSecsSinceEpoch());
      }
    const qint64 pad = std::max<qint64>((mMaxTime - mMinTime) / 30, 86400000);
    mMinTime -= pad;
    mMaxTime += pad;
    double low = 1e300, high = -1e300;
    for (const auto& series : mPoints)
      for (const Point& p : series)
        if (!std::isnan(p.value)) {
          low = std::min(low, std::min(p.value, p.low));
          high = std::max(high, std::max(p.value, p.high));
        }
    if (low <= high) {
      const double pad = std::max((high - low) * 0.08, 0.01);
      mMinValue = low - pad;
      mMaxValue = high + pad;
    }
  }
  update();
}

QRectF TimeSeriesChart::plotRect() const { return QRectF(rect()).adjusted(62, 24, -12, -30); }

double TimeSeriesChart::xOf(qint64 msecs) const {
  const QRectF plot = plotRect();
  return plot.left() + plot.width() * double(msecs - mMinTime) / double(std::max<qint64>(1, mMaxTime - mMinTime));
}

double TimeSeriesChart::yOf(double value) const {
  const QRectF plot = plotRect();
  return plot.bottom() - plot.height() * (value - mMinValue) / (mMaxValue - mMinValue);
}

QColor TimeSeriesChart::seriesColor(int series) const { return seriesColour(series); }

std::optional<QPointF> TimeSeriesChart::pointPosition(int series, int index) const {
  if (series < 0 || series >= int(mPoints.size()) || index < 0 || index >= int(mPoints[series].size())) return std::nullopt;
  const Point& p = mPoints[series][index];
  if (std::isnan(p.value)) return std::nullopt;
  return QPointF(xOf(mDates[index].toMSecsSinceEpoch()), yOf(p.value));
}

std::optional<QPointF> TimeSeriesChart::leftOutPosition(int index) const {
  if (index < 0 || index >= leftOutCount()) return std::nullopt;
  return QPointF(xOf(mProfile->leftOut[index].acquired.toMSecsSinceEpoch()), plotRect().bottom() - 7);
}

QString TimeSeriesChart::leftOutText(int index) const {
  if (index < 0 || index >= leftOutCount()) return {};
  const LeftOutDate& date = mProfile->leftOut[index];
  return tr("%1: no reading (%2)").arg(date.acquired.date().toString(Qt::ISODate), QString::fromStdString(date.reason));
}

int TimeSeriesChart::linePointCount(int series) const {
  if (series < 0 || series >= int(mPoints.size())) return 0;
  int count = 0;
  for (const Point& p : mPoints[series]) count += !std::isnan(p.value) && (mShowFlagged || !p.flagged);
  return count;
}

void TimeSeriesChart::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.fillRect(rect(), palette().base());
  painter.setRenderHint(QPainter::Antialiasing);
  const QRectF plot = plotRect();
  const QColor text = palette().color(QPalette::Text);
  const QColor grid = palette().color(QPalette::Mid);
  if (mDates.empty()) {
    painter.setPen(palette().color(QPalette::PlaceholderText));
    painter.drawText(rect(), Qt::AlignCenter, tr("Click a pixel on the map (or draw an area) to see it through time"));
    return;
  }
  QFont small = painter.font();
  small.setPointSizeF(small.pointSizeF() * 0.85);
  painter.setFont(small);
  // Axes and grid: values left, months along the bottom.
  for (double tick : niceTicks(mMinValue, mMaxValue, 5)) {
    const double y = yOf(tick);
    painter.setPen(QPen(grid, 0.5, Qt::DotLine));
    painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y));
    painter.setPen(text);
    painter.drawText(QRectF(0, y - 8, plot.left() - 4, 16), Qt::AlignRight | Qt::AlignVCenter, tickText(tick));
  }
  QDate month = QDateTime::fromMSecsSinceEpoch(mMinTime, Qt::UTC).date();
  month = QDate(month.year(), month.month(), 1).addMonths(1);
  // As many month ticks as fit without their labels touching (a label is ~60 px wide); the
  // first label and every January carry the year, so a date always reads with its year.
  const double months = double(mMaxTime - mMinTime) / (86400000.0 * 30.44);
  const int fitting = std::max(1, int(plot.width() / 62));
  const int monthStep = std::max(1, int(std::ceil(months / fitting)));
  bool first = true;
  for (; QDateTime(month, QTime(0, 0), Qt::UTC).toMSecsSinceEpoch() < mMaxTime; month = month.addMonths(monthStep)) {
    const double x = xOf(QDateTime(month, QTime(0, 0), Qt::UTC).toMSecsSinceEpoch());
    painter.setPen(QPen(grid, 0.5, Qt::DotLine));
    painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()));
    painter.setPen(text);
    const QString label = first || month.month() == 1 ? month.toString(QStringLiteral("MMM yyyy")) : month.toString(QStringLiteral("MMM"));
    painter.drawText(QRectF(x - 31, plot.bottom() + 2, 62, 14), Qt::AlignCenter, label);
    first = false;
  }
  // Axis titles.
  painter.save();
  painter.translate(12, plot.center().y());
  painter.rotate(-90);
  // A short plot (a low dock) still shows the whole title: it may run past the plot's ends into
  // the margins, as far as the widget allows, and is elided only beyond that.
  const QString yTitle = tr("reflectance / index");
  const double titleLength = std::min(2 * std::min(plot.center().y(), height() - plot.center().y()),
                                      std::max(plot.height(), double(painter.fontMetrics().horizontalAdvance(yTitle) + 4)));
  painter.drawText(QRectF(-titleLength / 2, -8, titleLength, 16), Qt::AlignCenter,
                   painter.fontMetrics().elidedText(yTitle, Qt::ElideRight, int(titleLength)));
  painter.restore();
  painter.drawText(QRectF(plot.left(), plot.bottom() + 15, plot.width(), 14), Qt::AlignCenter, tr("acquisition date"));
  painter.setPen(QPen(text, 1));
  painter.drawRect(plot);
  // The current date.
  for (size_t i = 0; i < mSceneIds.size(); ++i)
    if (!mCurrentScene.empty() && mSceneIds[i] == mCurrentScene) {
      const double x = xOf(mDates[i].toMSecsSinceEpoch());
      painter.setPen(QPen(QColor(0xff, 0xa5, 0x00), 2));
      painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()));
    }
  // Series: spread band, line through clear points, markers.
  for (size_t s = 0; s < mPoints.size(); ++s) {
    const QColor color = seriesColor(int(s));
    const auto& points = mPoints[s];
    if (mArea) {
      QPainterPath band;
      bool started = false;
      for (size_t i = 0; i < points.size(); ++i)
        if (!points[i].flagged) {
          const QPointF p(xOf(mDates[i].toMSecsSinceEpoch()), yOf(points[i].high));
          started ? band.lineTo(p) : band.moveTo(p);
          started = true;
        }
      for (size_t i = points.size(); i-- > 0;)
        if (!points[i].flagged) band.lineTo(QPointF(xOf(mDates[i].toMSecsSinceEpoch()), yOf(points[i].low)));
      QColor fill = color;
      fill.setAlpha(50);
      painter.fillPath(band, fill);
    }
    QPainterPath line;
    bool started = false;
    for (size_t i = 0; i < points.size(); ++i) {
      if (std::isnan(points[i].value) || (points[i].flagged && !mShowFlagged)) continue;
      const QPointF p(xOf(mDates[i].toMSecsSinceEpoch()), yOf(points[i].value));
      started ? line.lineTo(p) : line.moveTo(p);
      started = true;
    }
    painter.setPen(QPen(color, 1.6));
    painter.setBrush(Qt::NoBrush);
    painter.drawPath(line);
    for (size_t i = 0; i < points.size(); ++i) {
      if (std::isnan(points[i].value)) continue;
      const QPointF p(xOf(mDates[i].toMSecsSinceEpoch()), yOf(points[i].value));
      const bool s30 = mSensors[i] == "S30";
      if (points[i].flagged) {
        painter.setPen(QPen(QColor(0x90, 0x90, 0x90), 1.2));
        painter.setBrush(Qt::NoBrush);
      } else {
        painter.setPen(QPen(color.darker(130), 1));
        painter.setBrush(color);
      }
      const QRectF marker(p.x() - 3.5, p.y() - 3.5, 7, 7);
      s30 ? painter.drawRect(marker) : painter.drawEllipse(marker);
    }
  }
  // Legend and title.
  double x = plot.left() + 6;
  for (size_t s = 0; s < mSeries.size(); ++s) {
    painter.setPen(seriesColor(int(s)));
    painter.setBrush(seriesColor(int(s)));
    painter.drawRect(QRectF(x, 8, 10, 10));
    painter.setPen(text);
    const QString name = mSeries[s].name();
    painter.drawText(QPointF(x + 13, 17), name);
    x += 20 + painter.fontMetrics().horizontalAdvance(name);
  }
  // Dates without a reading stay visible: a red cross on the date axis, the reason on hover.
  painter.setPen(QPen(QColor(200, 30, 30), 2));
  for (int i = 0; i < leftOutCount(); ++i) {
    const QPointF centre = *leftOutPosition(i);
    painter.drawLine(centre + QPointF(-4, -4), centre + QPointF(4, 4));
    painter.drawLine(centre + QPointF(-4, 4), centre + QPointF(4, -4));
  }
  painter.setPen(text);
  painter.drawText(QRectF(plot.left(), 4, plot.width(), 16), Qt::AlignRight,
                   mTitle + tr("   ● L30  ■ S30  ○ flagged") + (leftOutCount() ? tr("  × no reading") : QString()));
  if (mHover) {
    const auto p = pointPosition(mHover->first, mHover->second);
    if (p) {
      painter.setPen(QPen(text, 1.5));
      painter.setBrush(Qt::NoBrush);
      painter.drawEllipse(*p, 6, 6);
    }
  }
}

std::optional<std::pair<int, int>> TimeSeriesChart::pointNear(const QPointF& position) const {
  std::optional<std::pair<int, int>> best;
  double bestDistance = 10;
  for (int s = 0; s < int(mPoints.size()); ++s)
    for (int i = 0; i < int(mPoints[s].size()); ++i)
      if (auto p = pointPosition(s, i)) {
        const double d = std::hypot(p->x() - position.x(), p->y() - position.y());
        if (d < bestDistance) {
          bestDistance = d;
          best = std::make_pair(s, i);
        }
      }
  return best;
}

void TimeSeriesChart::mouseMoveEvent(QMouseEvent* event) {
  const auto near = pointNear(event->position());
  if (near != mHover) {
    mHover = near;
    update();
  }
  if (!near) {
    for (int i = 0; i < leftOutCount(); ++i)
      if (QLineF(*leftOutPosition(i), event->position()).length() < 8) {
        QToolTip::showText(event->globalPosition().toPoint(), leftOutText(i), this);
        return;
      }
    QToolTip::hideText();
    return;
  }
  const int i = near->second;
  QStringList lines{QStringLiteral("<b>%1</b> %2").arg(mDates[i].date().toString(Qt::ISODate), QString::fromStdString(mSensors[i]))};
  for (size_t s = 0; s < mSeries.size(); ++s)
    lines << QStringLiteral("%1: %2").arg(mSeries[s].name()).arg(mPoints[s][i].value, 0, 'f', 4);
  if (mProfile) lines << tr("Fmask: %1").arg(QString::fromStdString(fmaskText(decodeFmask(mFmask[i]))));
  QToolTip::showText(event->globalPosition().toPoint(), lines.join(QStringLiteral("<br>")), this);
}

void TimeSeriesChart::mousePressEvent(QMouseEvent* event) {
  const auto near = pointNear(event->position());
  if (near && !mSceneIds[near->second].empty()) Q_EMIT dateActivated(QString::fromStdString(mSceneIds[near->second]));
}

void TimeSeriesChart::leaveEvent(QEvent*) {
  mHover.reset();
  update();
}

}  // namespace prithvi
