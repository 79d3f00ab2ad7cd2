#pragma once
// The label layer on the map: a raster of class values on a scene's pixel grid, coloured per
// value and drawn above the imagery. Only the screen's pixels are coloured, each sampling the
// raster under its centre, so a paint costs the same for a 512 or a 3660 pixel scene; the
// picture is kept until the view or the raster changes.

#include <QColor>
#include <QImage>
#include <QObject>
#include <QPointer>
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/raster/GeoTransform.h"
#include "viewers/MapCanvas.h"

namespace prithvi {

class LonLatTransform;

// Between the map CRS and a scene's pixel grid (continuous pixel coordinates, (0, 0) = the
// top-left corner of the top-left pixel): affine when the two CRSs agree, through lon/lat
// otherwise. Copies share their transforms; use on one thread.
class SceneGridMapping {
 public:
  SceneGridMapping() = default;
  // Throws Error(BadInput) for an unusable CRS.
  SceneGridMapping(const GeoTransform& grid, const std::string& sceneCrs, const std::string& mapCrs);

  bool isValid() const { return mValid; }
  // True when map coordinates are the scene's own (no reprojection).
  bool isAffine() const { return mAffine; }
  const GeoTransform& grid() const { return mGrid; }
  std::optional<MapPoint> toPixel(const MapPoint& map) const;
  std::optional<MapPoint> toMap(const MapPoint& pixel) const;
  // A scene-CRS coordinate (a stored polygon vertex) in the map CRS.
  std::optional<MapPoint> sceneToMap(const MapPoint& scene) const;
  // Map units per scene pixel near the scene's pixel (x, y).
  double mapUnitsPerPixel(double x, double y) const;

 private:
  bool mValid = false;
  bool mAffine = true;
  GeoTransform mGrid;
  std::shared_ptr<LonLatTransform> mMapLonLat;
  std::shared_ptr<LonLatTransform> mSceneLonLat;
};

class LabelOverlay : public QObject, public MapOverlay {
  Q_OBJECT
 public:
  // Registers with the canvas; either may be destroyed first, but the canvas must not be the
  // parent (its children die while it is half destroyed).
  LabelOverlay(MapCanvas* canvas, QObject* parent);
  ~LabelOverlay() override;

  // The values to draw: width x height bytes, row-major, owned by the caller and kept alive
  // (same address) until clearRaster() or the next setRaster().
  void setRaster(const uint8_t* values, int width, int height, const SceneGridMapping& mapping);
  void clearRaster();
  bool hasRaster() const { return mValues != nullptr; }
  // The raster's values changed (all of them or a window): repaint.
  void rasterChanged();
  // One colour per value; alpha 0 leaves the value undrawn (the ignore value).
  void setColors(const std::array<QRgb, 256>& colors);
  void setOpacity(double opacity);  // 0..1
  double opacity() const { return mOpacity; }
  void setShown(bool shown);
  bool isShown() const { return mShown; }
  // Outlines drawn over the labels (the selected polygon): rings in the scene's CRS.
  void setHighlight(const std::vector<std::vector<MapPoint>>& rings);

  void paint(QPainter& painter, const MapCanvas& canvas) override;
  // The coloured picture for the canvas's current view, without opacity (tests, benchmarks).
  QImage render(const MapCanvas& canvas) const;
  // How long the last picture took to colour, in milliseconds.
  double lastRenderMs() const { return mLastRenderMs; }

 private:
  struct ViewKey {
    MapPoint center;
    double resolution = 0;
    QSize size;
    uint64_t version = 0;
    bool operator==(const ViewKey& other) const {
      return center.x == other.center.x && center.y == other.center.y && resolution == other.resolution &&
             size == other.size && version == other.version;
    }
  };
  void repaintCanvas();

  QPointer<MapCanvas> mCanvas;
  const uint8_t* mValues = nullptr;
  int mWidth = 0;
  int mHeight = 0;
  SceneGridMapping mMapping;
  std::array<QRgb, 256> mColors{};
  double mOpacity = 0.6;
  bool mShown = true;
  std::vector<std::vector<MapPoint>> mHighlight;
  uint64_t mVersion = 1;
  QImage mImage;
  std::optional<ViewKey> mImageKey;
  double mLastRenderMs = 0;
};

}  // namespace prithvi
