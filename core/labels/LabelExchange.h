#pragma once
// Labels in and out of a project, for other tools and for training: the composed label mask as
// a GeoTIFF, polygons as a new GeoPackage, training chips as GeoTIFF pairs with a CSV index,
// and imports of label rasters and vector files in any CRS into a label set. Everything reads
// and writes the project through LabelStore and LabelEditor; other files go through GDAL/OGR.
// Files are written atomically (temporary name, sync, rename): a canceled or failed export
// leaves nothing under the final name (nor chips without their index). An import is one
// undoable edit.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/raster/RasterSource.h"

namespace prithvi {

class Feedback;
class LabelEditor;
class LabelStore;

// ---------------------------------------------------------------------------------------------
// Export

struct MaskExportOptions {
  bool cog = true;  // Cloud-Optimized GeoTIFF; false: a tiled GeoTIFF
};

// Writes the composed label raster of a label set (LabelStore::rasterize over its whole scene)
// on the scene's exact grid and CRS: Byte, nodata = the scheme's ignore value, a colour table
// of the scheme's colours (the ignore value transparent), and metadata naming the label set,
// scene, scheme (JSON), review state, author and label date (PRITHVI_* items; it also carries
// PRITHVI_TRUTH_MASK, so importing a folder holding it does not take it for a scene). An
// existing file at `path` is replaced; the project file itself is refused (Usage).
void exportLabelMask(LabelStore& store, int64_t labelSetId, const std::string& path,
                     const MaskExportOptions& options = {}, Feedback* feedback = nullptr);

struct PolygonExportOptions {
  // false (default): the stored polygons (drawn or imported), vertex for vertex. Brush, eraser,
  // wand and mask-import edits are pixels, not polygons, and are not in them.
  // true: the composed label raster of each set polygonised instead (GDALPolygonize,
  // 4-connected, the ignore value left out): everything the set labels, as pixel-edged polygons.
  bool polygonize = false;
};

struct PolygonExportResult {
  struct Layer {
    std::string name;  // "labels_<epsg>", or "labels_crs<n>" for a CRS without an EPSG code
    int epsg = 0;
    int64_t features = 0;
  };
  std::vector<Layer> layers;
  int64_t features = 0;
  // Label sets with pixel edits that a stored-polygon export leaves out.
  std::vector<int64_t> setsWithPixelEdits;
};

// Writes the label sets' polygons to a NEW GeoPackage, one layer per CRS, with the fields
// label_set_id, scene_id, class_value, class_name, state, author, label_date. Refuses (Usage)
// an existing path.
PolygonExportResult exportLabelPolygons(LabelStore& store, const std::vector<int64_t>& labelSetIds,
                                        const std::string& gpkgPath, const PolygonExportOptions& options = {},
                                        Feedback* feedback = nullptr);

struct ChipExportOptions {
  int chipSize = 224;  // Prithvi's input size
  int stride = 0;      // pixels between chip origins; 0: chipSize (no overlap)
  // Chips with a smaller share of labelled pixels are left out; chips without any labelled
  // pixel always are.
  double minLabelledFraction = 0.0;
};

struct ChipExportResult {
  int64_t chips = 0;
  int64_t windowsSkipped = 0;  // chip windows with too few labelled pixels
  std::string indexPath;       // outDir/chips.csv
};

// Cuts each label set's scene into chipSize x chipSize windows every `stride` pixels from the
// top-left corner; windows that would run past the right or bottom edge are skipped (no
// padding). Each kept window gives images/<chip>.tif (the scene's six Prithvi bands, Blue,
// Green, Red, NIR, SWIR1, SWIR2, as int16 with the scene's values and nodata) and
// masks/<chip>.tif (Byte class values, nodata = the ignore value), both georeferenced to the
// window, where <chip> is "set<id>_x<x>_y<y>". chips.csv indexes them and is written last:
// chip_id, image, mask, label_set_id, scene_id, label_date, x, y, size, centre_lon,
// centre_lat, labelled_fraction and pixels_<value> per class value. Which label sets to
// export (for example only validated ones) is the caller's choice. Error(BadInput) for a scene
// without the six bands, Error(Usage) when `outDir` already holds a chips.csv.
ChipExportResult exportTrainingChips(LabelStore& store, const std::vector<int64_t>& labelSetIds,
                                     const std::string& outDir, const ChipExportOptions& options = {},
                                     Feedback* feedback = nullptr);

// ---------------------------------------------------------------------------------------------
// Import

struct MaskImportOptions {
  int band = 1;
  // Values that leave the labels unchanged, besides the band's nodata, the scheme's ignore
  // value and everything outside the raster.
  std::vector<double> keepValues;
};

struct MaskImportResult {
  Window window;                          // part of the scene grid the raster covers
  std::map<int, int64_t> pixelsPerValue;  // pixels labelled, by class value
  int64_t keptPixels = 0;                 // pixels of the window left unchanged
};

// Labels the editor's set from a class raster in any CRS: the band is warped onto the scene
// grid with nearest neighbour (GDAL's warper), and its values are painted as one undoable edit
// (LabelEditor::paintValues). Error(BadInput) for a raster without a CRS or geotransform, one
// that does not overlap the scene, one that labels no pixel there, and values that are not
// classes of the scheme (listed with their pixel counts).
MaskImportResult importLabelMask(LabelEditor& editor, const std::string& rasterPath,
                                 const MaskImportOptions& options = {}, Feedback* feedback = nullptr);

struct VectorImportOptions {
  std::string layer;                      // empty: the first layer
  std::string classField = "class_value";  // integer values, or (a text field) class names
  std::string assumeCrs;  // "EPSG:4326", WKT, ...: the CRS of a source that declares none
};

struct SkippedFeature {
  int64_t fid = 0;
  std::string reason;
};

struct VectorImportResult {
  std::string layer;
  int64_t features = 0;  // read from the layer
  int64_t polygons = 0;  // added; a multipolygon adds one per part
  int64_t clipped = 0;   // features cut at the scene's edge
  int64_t outside = 0;   // features wholly outside the scene (also listed in skipped)
  std::vector<SkippedFeature> skipped;
  std::map<int, int64_t> polygonsPerValue;
};

// Adds the polygons and multipolygons (holes kept) of a vector layer in any OGR format to the
// editor's set as one undoable edit (LabelEditor::addPolygons): reprojected to the scene's CRS
// (longitude/latitude as x/y whatever the CRS's axis order), clipped to the scene, vertices
// not snapped. Features wholly outside the scene, without a polygon, or smaller than a pixel
// are skipped and listed. Error(BadInput) for a layer without a CRS (and no assumeCrs), a
// missing layer or class field, classes not in the scheme (listed), or no feature inside.
VectorImportResult importLabelVectors(LabelEditor& editor, const std::string& vectorPath,
                                      const VectorImportOptions& options = {}, Feedback* feedback = nullptr);

}  // namespace prithvi
