#pragma once
// What a map shows besides its layers: legends, scale bar, north arrow and a text block (CRS,
// date). Drawn by the interactive map over the imagery and by the exporter on paper, so the two
// agree. Each decoration is measured (…Size) and drawn into a box of that size (draw…) by one
// layout routine, and every size is in points (1/72 inch) turned into device pixels by
// DecorationMetrics: a 300-DPI PDF looks like a 96-DPI PNG of the same page.

#include <QColor>
#include <QFont>
#include <QRectF>
#include <QString>
#include <QStringList>
#include <string>

#include "core/raster/GeoTransform.h"
#include "core/render/Render.h"

class QPainter;
class QPaintDevice;

namespace prithvi {

struct Scene;

// Points to device pixels: dpi is the device's resolution, scale enlarges every decoration
// (posters; 1 = the nominal sizes).
struct DecorationMetrics {
  double dpi = 96;
  double scale = 1.0;
  DecorationMetrics() = default;
  DecorationMetrics(double dotsPerInch, double sizeScale = 1.0) : dpi(dotsPerInch), scale(sizeScale) {}
  // The device's own logical DPI (a widget, a QImage by its dots per metre, a QPdfWriter).
  static DecorationMetrics of(const QPaintDevice& device, double sizeScale = 1.0);
  double px(double points) const { return points * scale * dpi / 72.0; }
  // The decorations' font at `points` (sized in pixels, so measuring needs no device).
  QFont font(double points, bool bold = false) const;
};

// Colours of the decorations: dark on paper, light with a translucent box over imagery.
struct DecorationTheme {
  QColor text;
  QColor mutedText;  // secondary lines (ramp ends, units)
  QColor line;       // outlines, the scale bar's dark segments
  QColor fill;       // the scale bar's light segments
  QColor box;        // background behind a decoration; transparent on paper
  static DecorationTheme onPaper();
  static DecorationTheme overMap();
};

// ---- legend -----------------------------------------------------------------------------------

// The legend of one layer under a heading (the layer's name): Classes a swatch and name per
// class; SingleBand and Index a colour ramp with its stretch ends and the band or index name;
// Rgb its band combination ("R Red · G Green · B Blue"); Fmask overlays a swatch per class.
// `quantity` names what a ramp shows (legendQuantity).
QSizeF layerLegendSize(const DecorationMetrics& metrics, const QString& heading, const LayerStyle& style,
                       const QString& quantity, double width, const DecorationTheme& theme);
void drawLayerLegend(QPainter& painter, const QRectF& box, const DecorationMetrics& metrics, const QString& heading,
                     const LayerStyle& style, const QString& quantity, const DecorationTheme& theme);
// What a SingleBand or Index ramp shows: "NDVI", "NIR reflectance" for an HLS band, the band's
// own name for others (a model's "entropy"); empty for other kinds.
QString legendQuantity(const LayerStyle& style, const Scene& scene);
// "R Red · G Green · B Blue", with the preset's name in front when it is one ("True colour: ...").
QString bandCombinationText(const LayerStyle& style);

// ---- scale bar (ground metres per map unit: groundMetresPerMapUnit in core/raster/Measure.h) ----

struct ScaleBarLength {
  double metres = 0;   // a nice round length: 1, 2 or 5 x 10^n
  double pixels = 0;   // its length on the device
  QString label;       // "500 m", "2 km"
};
// The longest nice length that fits in `maxPixels` at `metresPerPixel`; metres 0 when none does.
ScaleBarLength scaleBarLength(double metresPerPixel, double maxPixels);
// A scale bar of alternating segments with 0, half and full length labels, as long as fits in
// `maxWidth` (device pixels). Drawn left-aligned in the box.
QSizeF scaleBarSize(const DecorationMetrics& metrics, double metresPerPixel, double maxWidth);
void drawScaleBar(QPainter& painter, const QRectF& box, const DecorationMetrics& metrics, double metresPerPixel,
                  const DecorationTheme& theme);

// ---- north arrow ------------------------------------------------------------------------------

// Where true north points at `centre`, in degrees clockwise from the map's up (grid north): 0
// for geographic CRSs and on a UTM zone's central meridian, a few degrees off it.
double trueNorthAngle(const std::string& crs, const MapPoint& centre);
QSizeF northArrowSize(const DecorationMetrics& metrics);
// An arrow with an "N", turned by `angleDegrees`, centred in the box.
void drawNorthArrow(QPainter& painter, const QRectF& box, const DecorationMetrics& metrics, double angleDegrees,
                    const DecorationTheme& theme);

// ---- text -------------------------------------------------------------------------------------

// "WGS 84 / UTM zone 13N (EPSG:32613)"; the definition itself when OGR cannot read it.
QString crsDescription(const std::string& crs);
// Lines of small text wrapped to `width`, the first one bold when `firstBold`.
QSizeF textBlockSize(const DecorationMetrics& metrics, const QStringList& lines, double width,
                     const DecorationTheme& theme, bool firstBold = false);
void drawTextBlock(QPainter& painter, const QRectF& box, const DecorationMetrics& metrics, const QStringList& lines,
                   const DecorationTheme& theme, bool firstBold = false);

}  // namespace prithvi
