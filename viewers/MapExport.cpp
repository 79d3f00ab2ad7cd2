#include "viewers/MapExport.h"

#include <QFontMetricsF>
#include <QImageWriter>
#include <QPageLayout>
#include <QPainter>
#include <QFile>
#include <QPdfWriter>
#include <QSvgGenerator>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <functional>

#include <cpl_conv.h>
#include <ogr_spatialref.h>
#include <unistd.h>

#include "core/base/AtomicFile.h"
#include "core/raster/Measure.h"
#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/raster/Crs.h"
#include "core/raster/RasterWriter.h"
#include "viewers/MapDecorations.h"

namespace prithvi {

namespace fs = std::filesystem;

namespace {

// Layout sizes, in points (scaled with the page by DecorationMetrics).
constexpr double kMargin = 16;
constexpr double kGap = 10;
constexpr double kPanelWidth = 150;
constexpr double kTitlePoints = 16;
constexpr double kFrameLinePoints = 0.8;
// A4 landscape, in square inches: pages of this size or smaller use the nominal point sizes.
constexpr double kA4SquareInches = 11.69 * 8.27;
// Pixels composed per strip: bounded memory whatever the page size, and lively progress.
constexpr int64_t kStripPixels = 1 << 20;

const char* kSupportedExtensions = ".png, .pdf, .svg or .tif";

std::string text(const QString& value) { return value.toStdString(); }

// Steps of one export, for Feedback.
struct Progress {
  Feedback* feedback = nullptr;
  int64_t done = 0;
  int64_t total = 1;
  void step(const std::string& message) {
    throwIfCanceled(feedback);
    reportProgress(feedback, ++done, total, message);
  }
};

double extentWidth(const MapExtent& extent) { return extent.maxX - extent.minX; }
double extentHeight(const MapExtent& extent) { return extent.maxY - extent.minY; }

void validate(const MapExportRequest& request) {
  if (request.layers.empty()) throwUsage("nothing to export: the map has no visible layer");
  for (const ExportLayer& layer : request.layers)
    if (!layer.reader) throwUsage("a layer of the export has no scene to read");
  if (request.extent.isEmpty() || !std::isfinite(extentWidth(request.extent)) || !std::isfinite(extentHeight(request.extent)))
    throwUsage("the map extent is empty: give minimum x and y smaller than maximum x and y");
  if (request.mapCrs.empty()) throwUsage("the map has no coordinate reference system: add a layer first or name one");
  if (!(request.dpi >= 10 && request.dpi <= 2400))
    throwUsage("the resolution must be 10 to 2400 DPI, not " + QString::number(request.dpi).toStdString());
  const QSize pixels = request.pixelSize();
  if (pixels.width() <= 0 || pixels.height() <= 0)
    throwUsage("the output size must be at least 1 x 1 pixels, not " + std::to_string(pixels.width()) + " x " +
               std::to_string(pixels.height()));
  if (pixels.width() > kMaxExportSide || pixels.height() > kMaxExportSide)
    throwUsage("the output would be " + std::to_string(pixels.width()) + " x " + std::to_string(pixels.height()) +
               " pixels; at most " + std::to_string(kMaxExportSide) + " pixels a side are allowed: lower the size or the DPI");
}

// The folder must exist and take new files: checked before any work, so a long render does not
// end in "permission denied".
void checkOutputPath(const std::string& path) {
  if (path.empty()) throwUsage("name the file to export to");
  std::error_code error;
  if (fs::is_directory(path, error)) throwUsage(path + " is a folder: name a file inside it");
  const fs::path folder = fs::absolute(path).parent_path();
  if (!fs::exists(folder, error))
    throwUsage("cannot write " + path + ": folder " + folder.string() + " does not exist (create it first)");
  if (!fs::is_directory(folder, error)) throwUsage("cannot write " + path + ": " + folder.string() + " is not a folder");
  if (::access(folder.c_str(), W_OK) != 0)
    throwIo("cannot write into folder " + folder.string() + ": permission denied (choose a folder you can write to)");
}

// Qt's PDF and SVG writers report no write errors: a file cut short by a full disk is known by
// its missing end ("%%EOF", "</svg>", PNG's IEND chunk).
bool isCompleteExport(const std::string& path, MapExportFormat format) {
  switch (format) {
    case MapExportFormat::Pdf: return fileEndsWith(path, "%%EOF");
    case MapExportFormat::Svg: return fileEndsWith(path, "</svg>");
    case MapExportFormat::Png: {
      QFile file(QString::fromStdString(path));
      return file.open(QIODevice::ReadOnly) && file.size() > 12 && file.seek(file.size() - 8) && file.read(4) == "IEND";
    }
    case MapExportFormat::GeoTiff: return true;
  }
  return true;
}

std::string crsWktOf(const std::string& crs) {
  const std::unique_ptr<OGRSpatialReference> reference = ogrSpatialReference(crs);
  char* wkt = nullptr;
  const char* options[] = {"FORMAT=WKT2_2018", nullptr};
  reference->exportToWkt(&wkt, options);
  std::string result = wkt ? wkt : "";
  CPLFree(wkt);
  return result;
}

// ---- composing the layers -------------------------------------------------------------------

// `width` x `height` pixels spanning the extent exactly, north up, in the map CRS.
MapGrid frameGrid(const MapExportRequest& request, int width, int height) {
  MapGrid grid;
  grid.width = width;
  grid.height = height;
  grid.crs = request.mapCrs;
  grid.transform = GeoTransform({request.extent.minX, extentWidth(request.extent) / width, 0, request.extent.maxY, 0,
                                 -extentHeight(request.extent) / height});
  return grid;
}

int stripRows(const MapGrid& grid) {
  return int(std::clamp<int64_t>(kStripPixels / std::max(1, grid.width), 16, std::max(16, grid.height)));
}

int stripCount(const MapGrid& grid) { return (grid.height + stripRows(grid) - 1) / stripRows(grid); }

// Rows [y, y + rows) of `grid`, as a grid of their own.
MapGrid rowsOf(const MapGrid& grid, int y, int rows) {
  MapGrid strip = grid;
  strip.height = rows;
  std::array<double, 6> coefficients = grid.transform.coefficients();
  const MapPoint origin = grid.transform.pixelToMap(0, y);
  coefficients[0] = origin.x;
  coefficients[3] = origin.y;
  strip.transform = GeoTransform(coefficients);
  return strip;
}

// Draws the layers over `strip` into `painter` at row `targetY`, bottom layer first, each with
// its opacity; pixels no layer covers stay as they were.
void composeStrip(QPainter& painter, int targetY, const MapExportRequest& request, const MapGrid& strip,
                  Progress& progress) {
  for (const ExportLayer& layer : request.layers) {
    const std::atomic<bool> canceled(isCanceled(progress.feedback));
    const TileRenderResult tile = renderSceneTile(*layer.reader, layer.style, strip, &canceled);
    if (tile.canceled) throwIfCanceled(progress.feedback);
    if (!tile.argb.empty()) {
      const QImage image(reinterpret_cast<const uchar*>(tile.argb.data()), strip.width, strip.height,
                         qsizetype(strip.width) * 4, QImage::Format_ARGB32);
      painter.setOpacity(std::clamp(layer.opacity, 0.0, 1.0));
      painter.drawImage(QPoint(0, targetY), image);
    }
    progress.step("rendering " + layer.reader->scene().id);
  }
  painter.setOpacity(1.0);
}

// The whole frame as one premultiplied image, composed strip by strip.
QImage composeFrame(const MapExportRequest& request, const MapGrid& grid, Progress& progress) {
  QImage frame(grid.width, grid.height, QImage::Format_ARGB32_Premultiplied);
  if (frame.isNull())
    throwIo("not enough memory for a " + std::to_string(grid.width) + " x " + std::to_string(grid.height) +
            " pixel map: lower the size or the DPI");
  frame.fill(Qt::transparent);
  QPainter painter(&frame);
  painter.setCompositionMode(QPainter::CompositionMode_SourceOver);
  const int rows = stripRows(grid);
  for (int y = 0; y < grid.height; y += rows)
    composeStrip(painter, y, request, rowsOf(grid, y, std::min(rows, grid.height - y)), progress);
  return frame;
}

// ---- the page ---------------------------------------------------------------------------------

// Decorations grow with the page: an A4 page or smaller uses the nominal point sizes, a poster
// proportionally larger ones, so the layout keeps its proportions.
DecorationMetrics pageMetrics(QSize pixels, double dpi) {
  const double squareInches = (pixels.width() / dpi) * (pixels.height() / dpi);
  return DecorationMetrics(dpi, std::clamp(std::sqrt(squareInches / kA4SquareInches), 0.8, 4.0));
}

QFont titleFont(const DecorationMetrics& metrics) { return metrics.font(kTitlePoints, true); }

// What the panel shows; measured for a width.
struct Panel {
  struct Legend {
    QString heading;
    LayerStyle style;
    QString quantity;  // legendQuantity
  };
  std::vector<Legend> legends;  // top layer first, as a legend reads
  bool scaleBar = false;
  bool northArrow = false;
  QStringList lines;  // CRS, date
  double metresPerMapUnit = 0;
  double northAngle = 0;

  bool hasInfo() const { return scaleBar || northArrow || !lines.isEmpty(); }
  bool empty() const { return legends.empty() && !hasInfo(); }
};

// The classes of a class layer that occur in the map, as a legend lists them: a class map's
// colour table often has far more entries than classes (GeoTIFF tables have 256). Found by
// drawing the layer with each class's index as its colour, on a grid as fine as the page (at
// most kPresenceSide pixels a side), so classes too small to see there are left out.
std::vector<StyleClass> classesInMap(const ExportLayer& layer, const MapExportRequest& request, Feedback* feedback) {
  constexpr int kPresenceSide = 2048;
  const QSize pixels = request.pixelSize();
  const double side = std::min<double>(kPresenceSide, std::max(pixels.width(), pixels.height()));
  const double aspect = extentWidth(request.extent) / extentHeight(request.extent);
  const int width = std::max(1, int(std::lround(aspect >= 1 ? side : side * aspect)));
  const int height = std::max(1, int(std::lround(aspect >= 1 ? side / aspect : side)));
  const MapGrid grid = frameGrid(request, width, height);
  LayerStyle coded = layer.style;
  coded.fmaskOverlay = 0;
  for (size_t i = 0; i < coded.classes.size(); ++i) coded.classes[i].argb = 0xff000000u | uint32_t(i + 1);
  std::vector<bool> present(coded.classes.size(), false);
  const int rows = stripRows(grid);
  for (int y = 0; y < grid.height; y += rows) {
    const std::atomic<bool> canceled(isCanceled(feedback));
    const TileRenderResult tile = renderSceneTile(*layer.reader, coded, rowsOf(grid, y, std::min(rows, grid.height - y)), &canceled);
    if (tile.canceled) throwIfCanceled(feedback);
    for (uint32_t pixel : tile.argb)
      if ((pixel >> 24) != 0 && (pixel & 0xffffffu) - 1 < present.size()) present[(pixel & 0xffffffu) - 1] = true;
  }
  std::vector<StyleClass> classes;
  for (size_t i = 0; i < present.size(); ++i)
    if (present[i]) classes.push_back(layer.style.classes[i]);
  return classes;
}

// Whether the layer paints every pixel of the map frame, opaque: an image (not a class map, whose
// unlisted values are transparent) at full opacity whose scene covers the whole extent.
bool hidesWhatLiesUnder(const ExportLayer& layer, const MapExportRequest& request) {
  if (layer.opacity < 1.0 || layer.style.kind == LayerStyle::Kind::Classes || layer.style.needsFmask()) return false;
  const Scene& scene = layer.reader->scene();
  const GeoTransform& grid = scene.geoTransform;
  std::vector<MapPoint> corners{grid.pixelToMap(0, 0), grid.pixelToMap(scene.width, 0), grid.pixelToMap(0, scene.height),
                                grid.pixelToMap(scene.width, scene.height)};
  try {
    if (!sameCrs(scene.crs(), request.mapCrs)) {
      const CrsTransform transform(scene.crs(), request.mapCrs);
      for (MapPoint& corner : corners) {
        const std::optional<MapPoint> placed = transform.transform(corner);
        if (!placed) return false;
        corner = *placed;
      }
    }
  } catch (const Error&) {
    return false;
  }
  double minX = INFINITY, minY = INFINITY, maxX = -INFINITY, maxY = -INFINITY;
  for (const MapPoint& corner : corners) {
    minX = std::min(minX, corner.x), maxX = std::max(maxX, corner.x);
    minY = std::min(minY, corner.y), maxY = std::max(maxY, corner.y);
  }
  // A reprojected outline is not a rectangle: only a frame well inside the corners' box counts.
  const double slack = sameCrs(scene.crs(), request.mapCrs) ? 0 : 0.02 * (maxX - minX);
  return minX + slack <= request.extent.minX && maxX - slack >= request.extent.maxX && minY + slack <= request.extent.minY &&
         maxY - slack >= request.extent.maxY;
}

}  // namespace

std::vector<const ExportLayer*> legendLayers(const MapExportRequest& request) {
  std::vector<const ExportLayer*> layers;
  for (auto it = request.layers.rbegin(); it != request.layers.rend(); ++it) {
    layers.push_back(&*it);
    if (hidesWhatLiesUnder(*it, request)) break;  // nothing below shows
  }
  return layers;
}

namespace {

Panel panelOf(const MapExportRequest& request, Feedback* feedback) {
  Panel panel;
  const MapPoint centre{(request.extent.minX + request.extent.maxX) / 2, (request.extent.minY + request.extent.maxY) / 2};
  if (request.legend)
    for (const ExportLayer* it : legendLayers(request)) {
      Panel::Legend legend{it->name.isEmpty() ? QString::fromStdString(it->reader->scene().id) : it->name, it->style,
                           legendQuantity(it->style, it->reader->scene())};
      if (legend.style.kind == LayerStyle::Kind::Classes) legend.style.classes = classesInMap(*it, request, feedback);
      panel.legends.push_back(std::move(legend));
    }
  if (request.scaleBar) {
    panel.metresPerMapUnit = groundMetresPerMapUnit(request.mapCrs, centre, extentWidth(request.extent) / 100);
    panel.scaleBar = panel.metresPerMapUnit > 0;
  }
  if (request.northArrow) {
    panel.northArrow = true;
    panel.northAngle = trueNorthAngle(request.mapCrs, centre);
  }
  if (request.crsText) {
    panel.lines << QStringLiteral("CRS: %1").arg(crsDescription(request.mapCrs));
    if (!request.dateText.isEmpty()) panel.lines << QStringLiteral("Date: %1").arg(request.dateText);
  }
  return panel;
}

// The north arrow and scale bar share a row: the arrow on the left, the bar bottom-aligned.
struct InfoRow {
  QSizeF arrow;
  QSizeF bar;
  double height = 0;
};

InfoRow infoRowOf(const Panel& panel, const DecorationMetrics& metrics, double width, double metresPerPixel) {
  InfoRow row;
  if (panel.northArrow) row.arrow = northArrowSize(metrics);
  const double barWidth = width - (panel.northArrow ? row.arrow.width() + metrics.px(kGap) : 0);
  if (panel.scaleBar) row.bar = scaleBarSize(metrics, metresPerPixel, barWidth);
  row.height = std::max(row.arrow.height(), row.bar.height());
  return row;
}

double infoHeight(const Panel& panel, const DecorationMetrics& metrics, double width, double metresPerPixel) {
  const DecorationTheme theme = DecorationTheme::onPaper();
  const double row = infoRowOf(panel, metrics, width, metresPerPixel).height;
  const double lines = panel.lines.isEmpty() ? 0 : textBlockSize(metrics, panel.lines, width, theme).height();
  return row + (row > 0 && lines > 0 ? metrics.px(kGap) : 0) + lines;
}

double legendHeight(const Panel::Legend& legend, const DecorationMetrics& metrics, double width) {
  return layerLegendSize(metrics, legend.heading, legend.style, legend.quantity, width, DecorationTheme::onPaper()).height();
}

// The right-hand panel's height: the legends stacked, then the info.
double stackedHeight(const Panel& panel, const DecorationMetrics& metrics, double width) {
  double height = 0;
  for (const Panel::Legend& legend : panel.legends) height += legendHeight(legend, metrics, width) + metrics.px(kGap);
  if (panel.hasInfo()) height += metrics.px(kGap) + infoHeight(panel, metrics, width, 1.0);
  return height;
}

QSizeF letterbox(const MapExtent& extent, const QSizeF& area) {
  if (area.width() <= 0 || area.height() <= 0) return {0, 0};
  const double aspect = extentWidth(extent) / extentHeight(extent);
  return area.width() / area.height() > aspect ? QSizeF(area.height() * aspect, area.height())
                                               : QSizeF(area.width(), area.width() / aspect);
}

// Whole device pixels, so the frame's pixel grid is the image's.
QRectF snapped(const QRectF& rect) {
  return QRectF(std::round(rect.left()), std::round(rect.top()), std::max(1.0, std::round(rect.width())),
                std::max(1.0, std::round(rect.height())));
}

struct PageLayout {
  MapLayout parts;
  bool panelBelow = false;
  int columns = 0;      // below: legends and info side by side
  double columnWidth = 0;
};

PageLayout layoutPage(const MapExportRequest& request, const Panel& panel, QSize pixels, const DecorationMetrics& metrics) {
  PageLayout layout;
  const double margin = metrics.px(kMargin), gap = metrics.px(kGap);
  QRectF content(margin, margin, pixels.width() - 2 * margin, pixels.height() - 2 * margin);
  const QRectF page = content;
  if (!request.title.isEmpty()) {
    const double height = QFontMetricsF(titleFont(metrics))
                              .boundingRect(QRectF(0, 0, content.width(), 1e6), Qt::TextWordWrap, request.title)
                              .height();
    layout.parts.title = QRectF(content.left(), content.top(), content.width(), height);
    content.setTop(content.top() + height + gap);
  }
  // The title and the map group sit together, centred on the page.
  auto centreVertically = [&](double groupHeight) {
    const double used = content.top() - page.top() + groupHeight;
    const double shift = std::round(std::max(0.0, (page.height() - used) / 2));
    layout.parts.title.translate(0, shift);
    layout.parts.frame.translate(0, shift);
    layout.parts.panel.translate(0, shift);
  };
  if (panel.empty()) {
    const QSizeF frame = letterbox(request.extent, content.size());
    layout.parts.frame =
        snapped(QRectF(content.left() + (content.width() - frame.width()) / 2, content.top(), frame.width(), frame.height()));
    centreVertically(frame.height());
    return layout;
  }

  // Beside: a column on the right.
  const double panelWidth = std::min(metrics.px(kPanelWidth), content.width() * 0.4);
  const QSizeF besideFrame = letterbox(request.extent, QSizeF(content.width() - panelWidth - gap, content.height()));
  // Below: legends and info side by side under the map.
  layout.columns = int(panel.legends.size()) + (panel.hasInfo() ? 1 : 0);
  layout.columnWidth = std::min(metrics.px(kPanelWidth), (content.width() - (layout.columns - 1) * gap) / layout.columns);
  double belowHeight = panel.hasInfo() ? infoHeight(panel, metrics, layout.columnWidth, 1.0) : 0;
  for (const Panel::Legend& legend : panel.legends)
    belowHeight = std::max(belowHeight, legendHeight(legend, metrics, layout.columnWidth));
  const QSizeF belowFrame = letterbox(request.extent, QSizeF(content.width(), content.height() - belowHeight - gap));

  layout.panelBelow = belowFrame.width() * belowFrame.height() > besideFrame.width() * besideFrame.height() * 1.05;
  if (layout.panelBelow) {
    const double groupHeight = belowFrame.height() + gap + belowHeight;
    const double top = content.top();
    layout.parts.frame = snapped(QRectF(content.left() + (content.width() - belowFrame.width()) / 2, top,
                                        belowFrame.width(), belowFrame.height()));
    const double panelWidth = layout.columns * layout.columnWidth + (layout.columns - 1) * gap;
    const double panelLeft = layout.parts.frame.width() >= panelWidth ? layout.parts.frame.left()
                                                                       : content.left() + (content.width() - panelWidth) / 2;
    const double panelRight = std::max(layout.parts.frame.right(), panelLeft + panelWidth);
    layout.parts.panel = QRectF(panelLeft, layout.parts.frame.bottom() + gap, panelRight - panelLeft, belowHeight);
    centreVertically(groupHeight);
  } else {
    const double needed = stackedHeight(panel, metrics, panelWidth);
    const double groupWidth = besideFrame.width() + gap + panelWidth;
    const double groupHeight = std::max(besideFrame.height(), std::min(needed, content.height()));
    const double left = content.left() + (content.width() - groupWidth) / 2;
    const double top = content.top();
    layout.parts.frame = snapped(QRectF(left, top, besideFrame.width(), besideFrame.height()));
    layout.parts.panel = QRectF(layout.parts.frame.right() + gap, top, panelWidth, groupHeight);
    centreVertically(groupHeight);
  }
  return layout;
}

void drawInfo(QPainter& painter, const QRectF& box, const Panel& panel, const DecorationMetrics& metrics,
              double metresPerPixel) {
  const DecorationTheme theme = DecorationTheme::onPaper();
  const InfoRow row = infoRowOf(panel, metrics, box.width(), metresPerPixel);
  double x = box.left();
  if (panel.northArrow) {
    drawNorthArrow(painter, QRectF(QPointF(x, box.top() + row.height - row.arrow.height()), row.arrow), metrics,
                   panel.northAngle, theme);
    x += row.arrow.width() + metrics.px(kGap);
  }
  if (panel.scaleBar)
    drawScaleBar(painter, QRectF(x, box.top() + row.height - row.bar.height(), box.right() - x, row.bar.height()), metrics,
                 metresPerPixel, theme);
  if (!panel.lines.isEmpty()) {
    const double top = box.top() + row.height + (row.height > 0 ? metrics.px(kGap) : 0);
    const QSizeF size = textBlockSize(metrics, panel.lines, box.width(), theme);
    drawTextBlock(painter, QRectF(QPointF(box.left(), top), size), metrics, panel.lines, theme);
  }
}

void drawPanel(QPainter& painter, const PageLayout& layout, const Panel& panel, const DecorationMetrics& metrics,
               double metresPerPixel) {
  const DecorationTheme theme = DecorationTheme::onPaper();
  const QRectF& box = layout.parts.panel;
  const double gap = metrics.px(kGap);
  painter.save();
  painter.setClipRect(box.adjusted(-gap / 2, -gap / 2, gap / 2, gap / 2));
  if (layout.panelBelow) {
    double x = box.left();
    for (const Panel::Legend& legend : panel.legends) {
      const double height = legendHeight(legend, metrics, layout.columnWidth);
      drawLayerLegend(painter, QRectF(x, box.top(), layout.columnWidth, height), metrics, legend.heading, legend.style,
                      legend.quantity, theme);
      x += layout.columnWidth + gap;
    }
    if (panel.hasInfo())  // at the right end, under the map's right edge
      drawInfo(painter, QRectF(box.right() - layout.columnWidth, box.top(), layout.columnWidth, box.height()), panel,
               metrics, metresPerPixel);
  } else {
    double y = box.top();
    for (const Panel::Legend& legend : panel.legends) {
      const double height = legendHeight(legend, metrics, box.width());
      drawLayerLegend(painter, QRectF(box.left(), y, box.width(), height), metrics, legend.heading, legend.style,
                      legend.quantity, theme);
      y += height + gap;
    }
    if (panel.hasInfo()) {
      // At the bottom, level with the map's lower edge, unless the legends reach lower.
      const double height = infoHeight(panel, metrics, box.width(), metresPerPixel);
      const double top = std::max(y + gap, box.bottom() - height);
      drawInfo(painter, QRectF(box.left(), top, box.width(), height), panel, metrics, metresPerPixel);
    }
  }
  painter.restore();
}

// The page: white paper, title, the composed map in its frame, the panel.
void paintPage(QPainter& painter, const MapExportRequest& request, QSize pixels, double dpi, Progress& progress) {
  const DecorationMetrics metrics = pageMetrics(pixels, dpi);
  const Panel panel = panelOf(request, progress.feedback);
  const PageLayout layout = layoutPage(request, panel, pixels, metrics);
  const QRectF frame = layout.parts.frame;
  const MapGrid grid = frameGrid(request, int(frame.width()), int(frame.height()));
  progress.total = int64_t(stripCount(grid)) * int64_t(request.layers.size()) + 2;
  const QImage map = composeFrame(request, grid, progress);

  painter.setRenderHint(QPainter::Antialiasing, true);
  painter.setRenderHint(QPainter::TextAntialiasing, true);
  painter.fillRect(QRectF(0, 0, pixels.width(), pixels.height()), Qt::white);
  if (!request.title.isEmpty()) {
    painter.setFont(titleFont(metrics));
    painter.setPen(DecorationTheme::onPaper().text);
    painter.drawText(layout.parts.title, Qt::AlignHCenter | Qt::AlignTop | Qt::TextWordWrap, request.title);
  }
  // Class maps must stay crisp: no smoothing when a PDF or SVG viewer scales the image, and no
  // JPEG (QPdfWriter's default) blurring class edges and shifting colours.
  painter.setRenderHint(QPainter::SmoothPixmapTransform, false);
  painter.setRenderHint(QPainter::LosslessImageRendering, true);
  painter.drawImage(frame, map);
  const double line = metrics.px(kFrameLinePoints);
  painter.setPen(QPen(DecorationTheme::onPaper().line, line, Qt::SolidLine, Qt::SquareCap, Qt::MiterJoin));
  painter.setBrush(Qt::NoBrush);
  painter.drawRect(frame.adjusted(-line / 2, -line / 2, line / 2, line / 2));  // outside the map's pixels
  if (!panel.empty()) {
    const double metresPerPixel = panel.metresPerMapUnit * extentWidth(request.extent) / frame.width();
    drawPanel(painter, layout, panel, metrics, metresPerPixel);
  }
  progress.step("drew the page");
}

QImage pageImage(const MapExportRequest& request, Progress& progress) {
  const QSize pixels = request.pixelSize();
  QImage page(pixels, QImage::Format_ARGB32_Premultiplied);
  if (page.isNull())
    throwIo("not enough memory for a " + std::to_string(pixels.width()) + " x " + std::to_string(pixels.height()) +
            " pixel page: lower the size or the DPI");
  const int dotsPerMetre = int(std::lround(request.dpi / 0.0254));
  page.setDotsPerMeterX(dotsPerMetre);
  page.setDotsPerMeterY(dotsPerMetre);
  QPainter painter(&page);
  paintPage(painter, request, pixels, request.dpi, progress);
  painter.end();
  return page;
}

}  // namespace

// ---- public -------------------------------------------------------------------------------------

ExportLayer exportLayerOf(const MapLayer& layer) {
  return {layer.reader, layer.style, layer.opacity, QString::fromStdString(layer.scene.id)};
}

std::vector<ExportLayer> visibleExportLayers(const LayerStack& layers) {
  std::vector<ExportLayer> result;
  for (const MapLayer& layer : layers.layers())
    if (layer.visible && layer.opacity > 0) result.push_back(exportLayerOf(layer));
  return result;
}

QSize MapExportRequest::pixelSize() const {
  if (!pageSize) return size;
  // Millimetres, not Qt's whole points: A4 at 300 DPI is 3508 x 2480 pixels, as printers count.
  QSizeF millimetres = pageSize->size(QPageSize::Millimeter);
  if (landscape != (millimetres.width() > millimetres.height())) millimetres.transpose();
  return QSize(int(std::lround(millimetres.width() * dpi / 25.4)), int(std::lround(millimetres.height() * dpi / 25.4)));
}

MapExportFormat mapExportFormatOf(const std::string& path) {
  const QString extension = QString::fromStdString(fs::path(path).extension().string()).toLower();
  if (extension == QLatin1String(".png")) return MapExportFormat::Png;
  if (extension == QLatin1String(".pdf")) return MapExportFormat::Pdf;
  if (extension == QLatin1String(".svg")) return MapExportFormat::Svg;
  if (extension == QLatin1String(".tif") || extension == QLatin1String(".tiff")) return MapExportFormat::GeoTiff;
  throwUsage("cannot tell the format of " + path + ": name a " + kSupportedExtensions + " file");
}

MapLayout mapLayoutOf(const MapExportRequest& request) {
  validate(request);
  const QSize pixels = request.pixelSize();
  return layoutPage(request, panelOf(request, nullptr), pixels, pageMetrics(pixels, request.dpi)).parts;
}

QImage renderMapPage(const MapExportRequest& request, Feedback* feedback) {
  validate(request);
  Progress progress{feedback};
  return pageImage(request, progress);
}

void exportMap(const MapExportRequest& request, const std::string& path, Feedback* feedback) {
  const MapExportFormat format = mapExportFormatOf(path);
  if (format == MapExportFormat::GeoTiff) return exportViewGeoTiff(request, path, feedback);
  validate(request);
  checkOutputPath(path);
  Progress progress{feedback};
  const std::string name = fs::path(path).filename().string();
  writeAtomically(path, [&](const std::string& temporary) {
    const QString file = QString::fromStdString(temporary);
    switch (format) {
      case MapExportFormat::Png: {
        const QImage page = pageImage(request, progress);
        QImageWriter writer(file, "png");
        // libpng says only "Write Error / Unknown error" when the disk is full.
        if (!writer.write(page)) throwWriteFailure(path, 0, text(writer.errorString()));
        break;
      }
      case MapExportFormat::Pdf: {
        QPdfWriter pdf(file);
        pdf.setResolution(int(std::lround(request.dpi)));
        const QSize pixels = request.pixelSize();
        const QSizeF points(pixels.width() * 72.0 / request.dpi, pixels.height() * 72.0 / request.dpi);
        pdf.setPageLayout(QPageLayout(QPageSize(points, QPageSize::Point, QString(), QPageSize::ExactMatch),
                                      QPageLayout::Portrait, QMarginsF(0, 0, 0, 0)));
        pdf.setTitle(request.title);
        pdf.setCreator(QStringLiteral("Prithvi Studio"));
        QPainter painter;
        if (!painter.begin(&pdf)) throwIo("cannot write " + path + ": the PDF cannot be created there");
        paintPage(painter, request, QSize(pdf.width(), pdf.height()), request.dpi, progress);
        if (!painter.end()) throwWriteFailure(path);
        break;
      }
      case MapExportFormat::Svg: {
        const QSize pixels = request.pixelSize();
        QSvgGenerator svg;
        svg.setFileName(file);
        svg.setSize(pixels);
        svg.setViewBox(QRect(QPoint(0, 0), pixels));
        svg.setResolution(int(std::lround(request.dpi)));
        svg.setTitle(request.title.toHtmlEscaped());  // Qt 6.4 writes the title into <title> unescaped
        svg.setDescription(QStringLiteral("Map exported by Prithvi Studio"));
        QPainter painter;
        if (!painter.begin(&svg)) throwIo("cannot write " + path + ": the SVG cannot be created there");
        paintPage(painter, request, pixels, request.dpi, progress);
        if (!painter.end()) throwWriteFailure(path);
        break;
      }
      case MapExportFormat::GeoTiff: break;
    }
    throwIfCanceled(feedback);
  }, [format](const std::string& temporary) { return isCompleteExport(temporary, format); });
  reportProgress(feedback, progress.total, progress.total, "wrote " + name);
}

void exportViewGeoTiff(const MapExportRequest& request, const std::string& path, Feedback* feedback) {
  if (mapExportFormatOf(path) != MapExportFormat::GeoTiff)
    throwUsage("a view GeoTIFF needs a .tif file name, not " + fs::path(path).filename().string());
  validate(request);
  checkOutputPath(path);
  const QSize pixels = request.pixelSize();
  const MapGrid grid = frameGrid(request, pixels.width(), pixels.height());
  Progress progress{feedback, 0, int64_t(stripCount(grid)) * int64_t(request.layers.size()) + 1};
  RasterWriteOptions options;
  options.bandDescriptions = {"red", "green", "blue", "alpha"};
  options.metadata = {{"PRITHVI_MAP_EXPORT", "composed view"}};
  if (!request.title.isEmpty()) options.metadata.emplace_back("TIFFTAG_DOCUMENTNAME", text(request.title));
  if (!request.dateText.isEmpty()) options.metadata.emplace_back("PRITHVI_DATE", text(request.dateText));
  // 4 Byte bands: GDAL's GeoTIFF writer makes them RGB with an (unassociated) alpha band.
  RasterStreamWriter writer(path, grid.width, grid.height, 4, DataType::Byte, grid.transform, crsWktOf(request.mapCrs),
                            options);
  const int rows = stripRows(grid);
  QImage strip(grid.width, rows, QImage::Format_ARGB32_Premultiplied);
  std::vector<uint8_t> planes;
  for (int y = 0; y < grid.height; y += rows) {
    const int count = std::min(rows, grid.height - y);
    strip.fill(Qt::transparent);
    {
      QPainter painter(&strip);
      composeStrip(painter, 0, request, rowsOf(grid, y, count), progress);
    }
    // Band-sequential, not premultiplied: what GIS tools expect of an alpha band.
    const QImage straight = strip.copy(0, 0, grid.width, count).convertToFormat(QImage::Format_ARGB32);
    const size_t plane = size_t(grid.width) * size_t(count);
    planes.resize(plane * 4);
    for (int row = 0; row < count; ++row) {
      const QRgb* pixels = reinterpret_cast<const QRgb*>(straight.constScanLine(row));
      for (int x = 0; x < grid.width; ++x) {
        const size_t i = size_t(row) * size_t(grid.width) + size_t(x);
        planes[i] = uint8_t(qRed(pixels[x]));
        planes[plane + i] = uint8_t(qGreen(pixels[x]));
        planes[2 * plane + i] = uint8_t(qBlue(pixels[x]));
        planes[3 * plane + i] = uint8_t(qAlpha(pixels[x]));
      }
    }
    writer.writeRows(y, count, planes.data());
  }
  throwIfCanceled(feedback);
  writer.finish(feedback);
  reportProgress(feedback, progress.total, progress.total, "wrote " + fs::path(path).filename().string());
}

}  // namespace prithvi
