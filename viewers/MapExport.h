#pragma once
// Publication maps: the layers of a view composed into a PNG, PDF or SVG page with a title,
// legend, scale bar, north arrow, CRS and date (one QPainter routine draws all three formats),
// and the bare composed view as a georeferenced RGBA GeoTIFF that overlays exactly in QGIS.
// Layers are rendered with renderSceneTile into the map frame's own pixel grid, strip by strip
// (bounded memory, progress, cancel). Every file is written under a temporary name and renamed
// into place: a failed or canceled export leaves the old file as it was.

#include <QImage>
#include <QPageSize>
#include <QSize>
#include <QString>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/render/Render.h"
#include "core/scene/SceneReader.h"
#include "viewers/LayerStack.h"
#include "viewers/MapCanvas.h"

namespace prithvi {

class Feedback;

// One layer of an export: what to read and how to draw it.
struct ExportLayer {
  std::shared_ptr<const SceneReader> reader;
  LayerStyle style;
  double opacity = 1.0;
  QString name;  // the legend's heading; empty: the scene id
};
ExportLayer exportLayerOf(const MapLayer& layer);
// The visible layers of a stack, bottom first.
std::vector<ExportLayer> visibleExportLayers(const LayerStack& layers);

struct MapExportRequest {
  std::vector<ExportLayer> layers;  // bottom first
  MapExtent extent;                 // what the map frame shows, in the map CRS
  std::string mapCrs;               // WKT or "EPSG:n"
  // The page: a paper size (PDF, or any format when set) or `size` in pixels at `dpi`.
  std::optional<QPageSize> pageSize;
  bool landscape = true;            // with pageSize
  QSize size{1600, 1200};           // pixels (PNG, SVG, GeoTIFF; PDF without pageSize)
  double dpi = 96;
  QString title;
  QString dateText;                 // "2021-05-30"; empty: no date line
  bool legend = true;
  bool scaleBar = true;
  bool northArrow = true;
  bool crsText = true;              // the CRS and date lines

  // The page in device pixels: `size`, or pageSize at dpi.
  QSize pixelSize() const;
};

// Output sides above this are refused (a 20000 x 20000 RGBA page is 1.6 GB).
constexpr int kMaxExportSide = 20000;

enum class MapExportFormat { Png, Pdf, Svg, GeoTiff };
// By the file's extension (.png, .pdf, .svg, .tif/.tiff), case-insensitive; Error(Usage) naming
// the supported ones otherwise.
MapExportFormat mapExportFormatOf(const std::string& path);

// Where the page's parts go, in device pixels of pixelSize(); the map frame keeps the
// extent's aspect ratio.
struct MapLayout {
  QRectF title;
  QRectF frame;  // the map
  QRectF panel;  // legend, scale bar, north arrow, CRS and date
};
MapLayout mapLayoutOf(const MapExportRequest& request);

// The layers the legend lists, top first: every layer down to the first opaque image that
// covers the whole frame (what lies under it does not show).
std::vector<const ExportLayer*> legendLayers(const MapExportRequest& request);

// The whole page drawn into an image of pixelSize() (the dialog's preview uses a request with
// a lower dpi: the same page, smaller). Error(Canceled) when the feedback is canceled.
QImage renderMapPage(const MapExportRequest& request, Feedback* feedback = nullptr);

// Writes the page as PNG, PDF or SVG by the extension of `path`; a .tif goes to
// exportViewGeoTiff. Error(Usage) for an unknown extension, an empty extent, no layers, a
// size of 0 or above kMaxExportSide, or a missing folder; Error(Io) when the folder is not
// writable or the disk fails; Error(Canceled) on cancel.
void exportMap(const MapExportRequest& request, const std::string& path, Feedback* feedback = nullptr);

// Writes the composed layers (no decorations) as a 4-band RGBA Byte Cloud-Optimized GeoTIFF of
// request.size pixels whose geotransform spans request.extent exactly and whose CRS is
// request.mapCrs; uncovered pixels have alpha 0.
void exportViewGeoTiff(const MapExportRequest& request, const std::string& path, Feedback* feedback = nullptr);

}  // namespace prithvi
