#pragma once
// The area around a pixel on every date, side by side: one chip per granule in a shared
// stretch, cloudy dates marked, the current date framed. Click or arrow keys pick a date.

#include <QImage>
#include <QWidget>
#include <vector>

namespace prithvi {

struct DateChip {
  QImage image;
  QString sceneId;
  QString label;       // "2021-05-20 L30"
  double cloudPercent = 0;  // of the chip's valid pixels
  bool cloudy() const { return cloudPercent > 20; }
};

class DateGrid : public QWidget {
  Q_OBJECT
 public:
  explicit DateGrid(QWidget* parent = nullptr);
  void setChips(std::vector<DateChip> chips);
  const std::vector<DateChip>& chips() const { return mChips; }
  void setCurrent(int index);
  int current() const { return mCurrent; }
  QRect chipRect(int index) const;
  QSize sizeHint() const override;
  bool hasHeightForWidth() const override { return true; }
  int heightForWidth(int width) const override;

 Q_SIGNALS:
  void currentChanged(int index, const QString& sceneId);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;

 private:
  int columns(int width) const;
  std::vector<DateChip> mChips;
  int mCurrent = -1;
};

// Writes the frames as an animated PNG (APNG), `delayMs` per frame; every frame has the size
// of the first. Returns false with *error set when writing fails.
bool writeAnimatedPng(const QString& path, const std::vector<QImage>& frames, int delayMs, QString* error);

}  // namespace prithvi
