#include "viewers/DateGrid.h"

#include <zlib.h>

#include <QBuffer>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QtEndian>

#include "core/base/AtomicFile.h"
#include "core/base/Error.h"

namespace prithvi {

namespace {
constexpr int kChipSize = 96;
constexpr int kLabelHeight = 16;
constexpr int kGap = 6;

uint32_t pngCrc(const QByteArray& data) {
  return uint32_t(::crc32(0, reinterpret_cast<const Bytef*>(data.constData()), uInt(data.size())));
}

QByteArray be32(uint32_t value) {
  QByteArray bytes(4, 0);
  qToBigEndian(value, bytes.data());
  return bytes;
}

QByteArray be16(uint16_t value) {
  QByteArray bytes(2, 0);
  qToBigEndian(value, bytes.data());
  return bytes;
}

QByteArray chunk(const char* type, const QByteArray& data) {
  const QByteArray typed = QByteArray(type, 4) + data;
  return be32(uint32_t(data.size())) + typed + be32(pngCrc(typed));
}

// The IDAT payloads of a PNG that Qt encoded.
bool pngParts(const QImage& image, QByteArray* header, QByteArray* data) {
  QByteArray png;
  QBuffer buffer(&png);
  buffer.open(QIODevice::WriteOnly);
  if (!image.convertToFormat(QImage::Format_ARGB32).save(&buffer, "PNG")) return false;
  int offset = 8;
  while (offset + 8 <= png.size()) {
    const uint32_t length = qFromBigEndian<uint32_t>(png.constData() + offset);
    const QByteArray type = png.mid(offset + 4, 4);
    const QByteArray body = png.mid(offset + 8, int(length));
    if (type == "IHDR") *header = body;
    if (type == "IDAT") *data += body;
    offset += 12 + int(length);
  }
  return !header->isEmpty() && !data->isEmpty();
}
}  // namespace

DateGrid::DateGrid(QWidget* parent) : QWidget(parent) {
  setFocusPolicy(Qt::StrongFocus);
  setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Preferred);
}

void DateGrid::setChips(std::vector<DateChip> chips) {
  mChips = std::move(chips);
  mCurrent = mChips.empty() ? -1 : std::clamp(mCurrent, 0, int(mChips.size()) - 1);
  updateGeometry();
  update();
}

void DateGrid::setCurrent(int index) {
  if (index < 0 || index >= int(mChips.size()) || index == mCurrent) return;
  mCurrent = index;
  update();
  Q_EMIT currentChanged(index, mChips[index].sceneId);
}

int DateGrid::columns(int width) const { return std::max(1, (width - kGap) / (kChipSize + kGap)); }

QRect DateGrid::chipRect(int index) const {
  const int perRow = columns(width());
  return QRect(kGap + (index % perRow) * (kChipSize + kGap), kGap + (index / perRow) * (kChipSize + kLabelHeight + kGap),
               kChipSize, kChipSize);
}

QSize DateGrid::sizeHint() const { return {4 * (kChipSize + kGap) + kGap, heightForWidth(4 * (kChipSize + kGap) + kGap)}; }

int DateGrid::heightForWidth(int width) const {
  const int rows = (int(mChips.size()) + columns(width) - 1) / columns(width);
  return kGap + std::max(1, rows) * (kChipSize + kLabelHeight + kGap);
}

void DateGrid::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.fillRect(rect(), palette().window());
  if (mChips.empty()) {
    painter.setPen(palette().color(QPalette::PlaceholderText));
    painter.drawText(rect(), Qt::AlignCenter, tr("Click a pixel to see its surroundings on every date"));
    return;
  }
  QFont small = painter.font();
  small.setPointSizeF(small.pointSizeF() * 0.8);
  painter.setFont(small);
  for (int i = 0; i < int(mChips.size()); ++i) {
    const QRect r = chipRect(i);
    painter.fillRect(r, QColor(0x2b, 0x2f, 0x36));
    painter.drawImage(r, mChips[i].image);
    if (mChips[i].cloudy()) {
      painter.setPen(QPen(QColor(0xe0, 0x60, 0x60), 2, Qt::DashLine));
      painter.drawRect(r.adjusted(1, 1, -1, -1));
    }
    if (i == mCurrent) {
      painter.setPen(QPen(QColor(0xff, 0xa5, 0x00), 3));
      painter.drawRect(r.adjusted(-2, -2, 2, 2));
    }
    if (mChips[i].cloudy()) {
      // The cloud share inside the chip, so the label below stays short.
      const QString cloud = QStringLiteral("☁ %1%").arg(int(mChips[i].cloudPercent));
      const QRect badge(r.left() + 2, r.top() + 2, painter.fontMetrics().horizontalAdvance(cloud) + 6, 14);
      painter.fillRect(badge, QColor(0, 0, 0, 150));
      painter.setPen(Qt::white);
      painter.drawText(badge, Qt::AlignCenter, cloud);
    }
    painter.setPen(palette().color(QPalette::WindowText));
    painter.drawText(QRect(r.left() - 3, r.bottom() + 1, r.width() + 6, kLabelHeight), Qt::AlignCenter, mChips[i].label);
  }
}

void DateGrid::mousePressEvent(QMouseEvent* event) {
  for (int i = 0; i < int(mChips.size()); ++i)
    if (chipRect(i).contains(event->position().toPoint())) setCurrent(i);
  setFocus();
}

void DateGrid::keyPressEvent(QKeyEvent* event) {
  if (event->key() == Qt::Key_Right || event->key() == Qt::Key_Down)
    setCurrent(std::min(mCurrent + 1, int(mChips.size()) - 1));
  else if (event->key() == Qt::Key_Left || event->key() == Qt::Key_Up)
    setCurrent(std::max(mCurrent - 1, 0));
  else
    QWidget::keyPressEvent(event);
}

bool writeAnimatedPng(const QString& path, const std::vector<QImage>& frames, int delayMs, QString* error) {
  if (frames.empty()) {
    *error = QObject::tr("no frames to write");
    return false;
  }
  const QSize size = frames.front().size();
  QByteArray out("\x89PNG\r\n\x1a\n", 8);
  uint32_t sequence = 0;
  for (size_t i = 0; i < frames.size(); ++i) {
    QByteArray header, data;
    if (!pngParts(frames[i].size() == size ? frames[i] : frames[i].scaled(size), &header, &data)) {
      *error = QObject::tr("cannot encode frame %1").arg(i);
      return false;
    }
    if (i == 0) {
      out += chunk("IHDR", header);
      out += chunk("acTL", be32(uint32_t(frames.size())) + be32(0));  // loop forever
    }
    // fcTL: sequence, size, offset, delay (numerator/denominator), dispose none, blend source.
    out += chunk("fcTL", be32(sequence++) + be32(uint32_t(size.width())) + be32(uint32_t(size.height())) + be32(0) +
                             be32(0) + be16(uint16_t(delayMs)) + be16(1000) + QByteArray(1, 0) + QByteArray(1, 0));
    if (i == 0)
      out += chunk("IDAT", data);
    else
      out += chunk("fdAT", be32(sequence++) + data);
  }
  out += chunk("IEND", {});
  try {
    writeFileAtomically(path.toStdString(), out.toStdString());
  } catch (const Error& failure) {
    *error = QString::fromStdString(failure.what());
    return false;
  }
  return true;
}

}  // namespace prithvi
