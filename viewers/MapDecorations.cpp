#include "viewers/MapDecorations.h"

#include <QFontMetricsF>
#include <QImage>
#include <QPaintDevice>
#include <QPainter>
#include <QPainterPath>
#include <QTextLayout>
#include <algorithm>
#include <cmath>

#include <ogr_spatialref.h>

#include "core/raster/Crs.h"
#include "core/scene/Scene.h"

namespace prithvi {

namespace {

// Nominal sizes, in points.
constexpr double kBodyPoints = 8;
constexpr double kHeadingPoints = 9;
constexpr double kSmallPoints = 7;
constexpr double kPadding = 5;       // inside a decoration's box, when it has one
constexpr double kRowGap = 3;        // between legend rows
constexpr double kSwatchWidth = 16;
constexpr double kSwatchHeight = 10;
constexpr double kRampHeight = 10;
constexpr double kBarHeight = 5;     // scale bar
constexpr double kArrowWidth = 20;
constexpr double kArrowHeight = 34;

constexpr double kDegrees = M_PI / 180.0;

QColor colorOf(uint32_t argb) { return QColor::fromRgba(argb); }

bool hasBox(const DecorationTheme& theme) { return theme.box.alpha() > 0; }

// Lays out text wrapped to `width` at word boundaries; scene ids and file names also break after
// their dots, dashes and underscores ("HLS.S30.T13REN.2021309T173518.v2.0"), never inside a
// part; only a part longer than a whole line is cut. Draws it at `topLeft` when a painter is
// given. Returns the height. One routine, so measuring and drawing agree.
double layoutText(QPainter* painter, const QFont& font, const QColor& color, const QString& text, const QPointF& topLeft,
                  double width) {
  if (text.isEmpty()) return 0;
  QString breakable;
  breakable.reserve(text.size() * 2);
  for (QChar c : text) {
    breakable += c;
    if (c == QLatin1Char('.') || c == QLatin1Char('_') || c == QLatin1Char('-') || c == QLatin1Char('/'))
      breakable += QChar(0x200B);  // zero-width space: a line may break here
  }
  QTextLayout layout(breakable, font);
  QTextOption option(Qt::AlignLeft);
  option.setWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
  layout.setTextOption(option);
  layout.beginLayout();
  double height = 0;
  for (QTextLine line = layout.createLine(); line.isValid(); line = layout.createLine()) {
    line.setLineWidth(std::max(1.0, width));
    line.setPosition(QPointF(0, height));
    height += line.height();
  }
  layout.endLayout();
  if (painter) {
    painter->setPen(color);
    layout.draw(painter, topLeft);
  }
  return height;
}

double wrappedHeight(const QFont& font, const QString& text, double width) {
  return layoutText(nullptr, font, QColor(), text, QPointF(), width);
}

struct FmaskEntry {
  uint8_t bit;
  const char* name;
};
constexpr FmaskEntry kFmaskEntries[] = {{fmask::kCloud, "Cloud"},     {fmask::kCirrus, "Cirrus"},
                                        {fmask::kShadow, "Cloud shadow"}, {fmask::kSnowIce, "Snow / ice"},
                                        {fmask::kWater, "Water"},     {fmask::kAdjacent, "Adjacent to cloud"}};

// One layout for measuring and drawing a legend: with painter null it only measures. Returns
// the height used.
double layoutLegend(QPainter* painter, const QRectF& box, const DecorationMetrics& metrics, const QString& heading,
                    const LayerStyle& style, const QString& quantity, const DecorationTheme& theme) {
  const double padding = hasBox(theme) ? metrics.px(kPadding) : 0;
  const QRectF inner = box.adjusted(padding, padding, -padding, -padding);
  const double width = std::max(1.0, inner.width());
  const QFont headingFont = metrics.font(kHeadingPoints, true);
  const QFont bodyFont = metrics.font(kBodyPoints);
  const QFont smallFont = metrics.font(kSmallPoints);
  const double gap = metrics.px(kRowGap);
  double y = inner.top();

  auto text = [&](const QFont& font, const QColor& color, const QString& line, double x, double textWidth) {
    return layoutText(painter, font, color, line, QPointF(x, y), textWidth);
  };
  // A swatch and its name; the row is as tall as the wrapped name.
  auto swatchRow = [&](const QColor& color, const QString& name) {
    const double swatchWidth = metrics.px(kSwatchWidth), swatchHeight = metrics.px(kSwatchHeight);
    const double textX = inner.left() + swatchWidth + metrics.px(5);
    const double lineHeight = QFontMetricsF(bodyFont).height();
    if (painter) {
      const QRectF swatch(inner.left(), y + (lineHeight - swatchHeight) / 2, swatchWidth, swatchHeight);
      painter->setPen(QPen(theme.line, std::max(1.0, metrics.px(0.5))));
      painter->setBrush(color);
      painter->drawRect(swatch);
      painter->setBrush(Qt::NoBrush);
    }
    const double height = text(bodyFont, theme.text, name, textX, std::max(1.0, inner.right() - textX));
    y += std::max(height, lineHeight) + gap;
  };

  if (!heading.isEmpty()) y += text(headingFont, theme.text, heading, inner.left(), width) + gap;

  switch (style.kind) {
    case LayerStyle::Kind::Classes:
      for (const StyleClass& styleClass : style.classes)
        swatchRow(colorOf(styleClass.argb), QString::fromStdString(styleClass.name));
      break;
    case LayerStyle::Kind::SingleBand:
    case LayerStyle::Kind::Index: {
      y += text(bodyFont, theme.text, quantity, inner.left(), width) + gap;
      const QRectF ramp(inner.left(), y, width, metrics.px(kRampHeight));
      if (painter) {
        const auto& table = colorTable(style.colorMap);
        QImage image(256, 1, QImage::Format_ARGB32);
        // A stretch with min > max runs the colours backwards.
        const bool inverted = style.stretch[0].min > style.stretch[0].max;
        for (int i = 0; i < 256; ++i) image.setPixel(i, 0, table[size_t(inverted ? 255 - i : i)]);
        painter->drawImage(ramp, image);
        painter->setPen(QPen(theme.line, std::max(1.0, metrics.px(0.5))));
        painter->setBrush(Qt::NoBrush);
        painter->drawRect(ramp);
      }
      y = ramp.bottom() + metrics.px(1.5);
      const ChannelStretch& stretch = style.stretch[0];
      const double low = std::min(stretch.min, stretch.max), high = std::max(stretch.min, stretch.max);
      const double labelHeight = QFontMetricsF(smallFont).height();
      if (painter) {
        painter->setFont(smallFont);
        painter->setPen(theme.mutedText);
        const QRectF labels(inner.left(), y, width, labelHeight);
        painter->drawText(labels, Qt::AlignLeft | Qt::AlignTop, QString::number(low, 'g', 3));
        painter->drawText(labels, Qt::AlignRight | Qt::AlignTop, QString::number(high, 'g', 3));
      }
      y += labelHeight + gap;
      break;
    }
    case LayerStyle::Kind::Rgb:
      y += text(bodyFont, theme.text, bandCombinationText(style), inner.left(), width) + gap;
      break;
  }
  for (const FmaskEntry& entry : kFmaskEntries)
    if (style.fmaskOverlay & entry.bit) swatchRow(colorOf(fmaskOverlayColor(entry.bit)), QString::fromLatin1(entry.name));
  y -= gap;  // no gap after the last row
  return y - inner.top() + 2 * padding;
}

void fillBox(QPainter& painter, const QRectF& box, const DecorationMetrics& metrics, const DecorationTheme& theme) {
  if (!hasBox(theme)) return;
  painter.setPen(Qt::NoPen);
  painter.setBrush(theme.box);
  painter.drawRoundedRect(box, metrics.px(2), metrics.px(2));
  painter.setBrush(Qt::NoBrush);
}

QString lengthLabel(double metres, bool kilometres, bool withUnit) {
  const QString number = QString::number(kilometres ? metres / 1000 : metres, 'g', 6);
  if (!withUnit) return number;
  return number + (kilometres ? QStringLiteral(" km") : QStringLiteral(" m"));
}

struct ScaleBarLayout {
  ScaleBarLength length;
  int segments = 4;
  double left = 0;       // bar start, from the box's left edge
  double labelHeight = 0;
  QSizeF size;
};

ScaleBarLayout scaleBarLayout(const DecorationMetrics& metrics, double metresPerPixel, double maxWidth) {
  ScaleBarLayout layout;
  const QFontMetricsF fontMetrics(metrics.font(kSmallPoints));
  layout.labelHeight = fontMetrics.height();
  // Labels sit centred on the ticks: leave room for half of "0" on the left and half of the
  // longest plausible end label on the right.
  layout.left = fontMetrics.horizontalAdvance(QStringLiteral("0")) / 2;
  const double right = fontMetrics.horizontalAdvance(QStringLiteral("5000 km")) / 2;
  layout.length = scaleBarLength(metresPerPixel, std::max(0.0, maxWidth - layout.left - right));
  if (layout.length.metres <= 0) return layout;
  const double leading = layout.length.metres / std::pow(10.0, std::floor(std::log10(layout.length.metres) + 1e-9));
  layout.segments = std::lround(leading) == 5 ? 5 : 4;
  const QString end = layout.length.label;
  const double width = layout.left + layout.length.pixels + fontMetrics.horizontalAdvance(end) / 2;
  layout.size = QSizeF(std::min(maxWidth, width), layout.labelHeight + metrics.px(2) + metrics.px(kBarHeight) + metrics.px(1));
  return layout;
}

}  // namespace

DecorationMetrics DecorationMetrics::of(const QPaintDevice& device, double sizeScale) {
  return DecorationMetrics(device.logicalDpiX() > 0 ? device.logicalDpiX() : 96, sizeScale);
}

QFont DecorationMetrics::font(double points, bool bold) const {
  QFont font(QStringLiteral("DejaVu Sans"));
  font.setStyleHint(QFont::SansSerif);
  font.setPixelSize(std::max(1, int(std::lround(px(points)))));
  font.setBold(bold);
  return font;
}

DecorationTheme DecorationTheme::onPaper() {
  return {QColor(0x20, 0x20, 0x20), QColor(0x50, 0x50, 0x50), QColor(0x20, 0x20, 0x20), Qt::white, Qt::transparent};
}

DecorationTheme DecorationTheme::overMap() {
  return {Qt::white, QColor(0xdd, 0xdd, 0xdd), QColor(0x10, 0x10, 0x10), Qt::white, QColor(0, 0, 0, 150)};
}

// ---- legend -----------------------------------------------------------------------------------

QString bandCombinationText(const LayerStyle& style) {
  const QString combination = QStringLiteral("R %1 · G %2 · B %3")
                                  .arg(QLatin1String(bandRoleName(style.rgb[0])), QLatin1String(bandRoleName(style.rgb[1])),
                                       QLatin1String(bandRoleName(style.rgb[2])));
  for (const StylePreset& preset : stylePresets())
    if (preset.rgb == style.rgb) return QStringLiteral("%1: %2").arg(QString::fromUtf8(preset.name), combination);
  return combination;
}

QSizeF layerLegendSize(const DecorationMetrics& metrics, const QString& heading, const LayerStyle& style,
                       const QString& quantity, double width, const DecorationTheme& theme) {
  return {width, layoutLegend(nullptr, QRectF(0, 0, width, 0), metrics, heading, style, quantity, theme)};
}

void drawLayerLegend(QPainter& painter, const QRectF& box, const DecorationMetrics& metrics, const QString& heading,
                     const LayerStyle& style, const QString& quantity, const DecorationTheme& theme) {
  painter.save();
  painter.setRenderHint(QPainter::Antialiasing, false);
  fillBox(painter, box, metrics, theme);
  layoutLegend(&painter, box, metrics, heading, style, quantity, theme);
  painter.restore();
}

QString legendQuantity(const LayerStyle& style, const Scene& scene) {
  if (style.kind == LayerStyle::Kind::Index) return QString::fromLatin1(spectralIndexName(style.index));
  if (style.kind != LayerStyle::Kind::SingleBand) return {};
  if (style.band == BandRole::Other) {
    const SceneBand* band = scene.band(BandRole::Other);
    return band ? QString::fromStdString(band->name) : QStringLiteral("band 1");
  }
  return QStringLiteral("%1 reflectance").arg(QLatin1String(bandRoleName(style.band)));
}

// ---- scale bar --------------------------------------------------------------------------------

ScaleBarLength scaleBarLength(double metresPerPixel, double maxPixels) {
  ScaleBarLength length;
  if (!(metresPerPixel > 0) || !(maxPixels > 0) || !std::isfinite(metresPerPixel)) return length;
  const double limit = metresPerPixel * maxPixels;
  const double power = std::pow(10.0, std::floor(std::log10(limit)));
  for (double factor : {5.0, 2.0, 1.0})
    if (factor * power <= limit * (1 + 1e-9)) {
      length.metres = factor * power;
      break;
    }
  if (length.metres <= 0) return length;
  length.pixels = length.metres / metresPerPixel;
  length.label = lengthLabel(length.metres, length.metres >= 1000, true);
  return length;
}

QSizeF scaleBarSize(const DecorationMetrics& metrics, double metresPerPixel, double maxWidth) {
  return scaleBarLayout(metrics, metresPerPixel, maxWidth).size;
}

void drawScaleBar(QPainter& painter, const QRectF& box, const DecorationMetrics& metrics, double metresPerPixel,
                  const DecorationTheme& theme) {
  const ScaleBarLayout layout = scaleBarLayout(metrics, metresPerPixel, box.width());
  if (layout.length.metres <= 0) return;
  painter.save();
  painter.setRenderHint(QPainter::Antialiasing, false);
  const bool kilometres = layout.length.metres >= 1000;
  const double barTop = box.top() + layout.labelHeight + metrics.px(2);
  const double barHeight = metrics.px(kBarHeight);
  const double left = box.left() + layout.left;
  const double segment = layout.length.pixels / layout.segments;
  const QPen outline(theme.line, std::max(1.0, metrics.px(0.6)));
  if (hasBox(theme)) {  // over imagery: a dark halo keeps the bar readable on any colour
    painter.setPen(Qt::NoPen);
    painter.setBrush(theme.box);
    painter.drawRect(QRectF(left - metrics.px(1.5), barTop - metrics.px(1.5), layout.length.pixels + metrics.px(3),
                            barHeight + metrics.px(3)));
  }
  for (int i = 0; i < layout.segments; ++i) {
    painter.setPen(outline);
    painter.setBrush(i % 2 == 0 ? theme.line : theme.fill);
    painter.drawRect(QRectF(left + i * segment, barTop, segment, barHeight));
  }
  painter.setFont(metrics.font(kSmallPoints));
  const double labelWidth = metrics.px(60);
  auto label = [&](double x, const QString& text) {
    const QRectF rect(x - labelWidth / 2, box.top(), labelWidth, layout.labelHeight);
    if (hasBox(theme)) {
      painter.setPen(theme.box);
      painter.drawText(rect.translated(metrics.px(0.6), metrics.px(0.6)), Qt::AlignHCenter | Qt::AlignBottom, text);
    }
    painter.setPen(theme.text);
    painter.drawText(rect, Qt::AlignHCenter | Qt::AlignBottom, text);
  };
  label(left, QStringLiteral("0"));
  if (layout.segments == 4) label(left + layout.length.pixels / 2, lengthLabel(layout.length.metres / 2, kilometres, false));
  label(left + layout.length.pixels, layout.length.label);
  painter.restore();
}

// ---- north arrow ------------------------------------------------------------------------------

double trueNorthAngle(const std::string& crs, const MapPoint& centre) {
  if (crs.empty()) return 0;
  try {
    const LonLatTransform transform(crs);
    const auto here = transform.toLonLat(centre);
    if (!here || std::abs(here->lat) > 89.9) return 0;
    const auto north = transform.fromLonLat({here->lon, here->lat + 0.01});
    if (!north) return 0;
    const double angle = std::atan2(north->x - centre.x, north->y - centre.y) / kDegrees;
    return std::isfinite(angle) ? angle : 0;
  } catch (...) {
    return 0;
  }
}

QSizeF northArrowSize(const DecorationMetrics& metrics) {
  const double letter = QFontMetricsF(metrics.font(kHeadingPoints, true)).height();
  return {metrics.px(kArrowWidth) + metrics.px(2), letter + metrics.px(kArrowHeight)};
}

void drawNorthArrow(QPainter& painter, const QRectF& box, const DecorationMetrics& metrics, double angleDegrees,
                    const DecorationTheme& theme) {
  painter.save();
  painter.setRenderHint(QPainter::Antialiasing, true);
  const QFont letterFont = metrics.font(kHeadingPoints, true);
  const double letter = QFontMetricsF(letterFont).height();
  const double width = metrics.px(kArrowWidth), height = metrics.px(kArrowHeight);
  const QSizeF size(width, letter + height);
  painter.translate(box.center());
  painter.rotate(angleDegrees);
  painter.translate(-size.width() / 2, -size.height() / 2);
  // A split arrowhead: the left half dark, the right half light, a notch at the tail.
  const QPointF tip(width / 2, letter), notch(width / 2, letter + height * 0.72);
  const QPointF leftTail(0, letter + height), rightTail(width, letter + height);
  const QPen outline(theme.line, std::max(1.0, metrics.px(0.7)), Qt::SolidLine, Qt::SquareCap, Qt::MiterJoin);
  if (hasBox(theme)) {
    painter.setPen(QPen(theme.box, metrics.px(3), Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    painter.setBrush(Qt::NoBrush);
    painter.drawPolygon(QPolygonF({tip, rightTail, notch, leftTail}));
  }
  painter.setPen(outline);
  painter.setBrush(theme.line);
  painter.drawPolygon(QPolygonF({tip, notch, leftTail}));
  painter.setBrush(theme.fill);
  painter.drawPolygon(QPolygonF({tip, rightTail, notch}));
  painter.setFont(letterFont);
  painter.setPen(theme.text);
  painter.drawText(QRectF(0, 0, width, letter), Qt::AlignCenter, QStringLiteral("N"));
  painter.restore();
}

// ---- text -------------------------------------------------------------------------------------

QString crsDescription(const std::string& crs) {
  if (crs.empty()) return QStringLiteral("unknown CRS");
  try {
    const std::unique_ptr<OGRSpatialReference> reference = ogrSpatialReference(crs);
    const char* name = reference->GetName();
    int epsg = 0;
    const char* authority = reference->GetAuthorityName(nullptr);
    if (authority && std::string(authority) == "EPSG") epsg = std::atoi(reference->GetAuthorityCode(nullptr));
    if (epsg == 0) epsg = epsgOfWkt(crs);
    const QString text = name ? QString::fromUtf8(name) : QStringLiteral("unnamed CRS");
    return epsg > 0 ? QStringLiteral("%1 (EPSG:%2)").arg(text).arg(epsg) : text;
  } catch (...) {
    return QString::fromStdString(crs.size() > 60 ? crs.substr(0, 57) + "..." : crs);
  }
}

QSizeF textBlockSize(const DecorationMetrics& metrics, const QStringList& lines, double width,
                     const DecorationTheme& theme, bool firstBold) {
  const double padding = hasBox(theme) ? metrics.px(kPadding) : 0;
  double height = 2 * padding;
  for (int i = 0; i < lines.size(); ++i)
    height += wrappedHeight(metrics.font(kBodyPoints, firstBold && i == 0), lines[i], width - 2 * padding);
  return {width, height};
}

void drawTextBlock(QPainter& painter, const QRectF& box, const DecorationMetrics& metrics, const QStringList& lines,
                   const DecorationTheme& theme, bool firstBold) {
  painter.save();
  fillBox(painter, box, metrics, theme);
  const double padding = hasBox(theme) ? metrics.px(kPadding) : 0;
  const QRectF inner = box.adjusted(padding, padding, -padding, -padding);
  double y = inner.top();
  for (int i = 0; i < lines.size(); ++i) {
    y += layoutText(&painter, metrics.font(kBodyPoints, firstBold && i == 0), i == 0 && firstBold ? theme.text : theme.mutedText,
                    lines[i], QPointF(inner.left(), y), inner.width());
  }
  painter.restore();
}

}  // namespace prithvi
