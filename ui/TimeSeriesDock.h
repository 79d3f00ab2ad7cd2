#pragma once
// Time through the eyes of a pixel: the profile chart and spectral profile, the date grid with
// a time slider, play and export, and the space-time cube, all drawn from one read of the
// area around the clicked pixel (from the tile's cube when it is current).

#include <QThreadPool>
#include <QWidget>
#include <array>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "core/raster/GeoTransform.h"
#include "core/scene/Scene.h"
#include "core/timeseries/WindowStack.h"
#include "viewers/TimeSeriesChart.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSlider;
class QTabWidget;
class QTimer;
class QToolButton;

namespace prithvi {

class CubeView;
class DateGrid;
class Feedback;
class SpectralProfileChart;
class TimeSeriesChart;

class TimeSeriesDock : public QWidget {
  Q_OBJECT
 public:
  explicit TimeSeriesDock(QWidget* parent = nullptr);
  ~TimeSeriesDock() override;

  // The project's scenes and path (cubes live beside the project).
  void setProject(const std::string& projectPath, const std::vector<Scene>& scenes);
  // Loads the pixel under `point` (in `crs`) of the tile of `preferredTile` (or any tile
  // holding the point) and the area around it.
  void showPixel(const MapPoint& point, const std::string& crs, const std::string& preferredTile);
  // Mean and spread of the pixels inside a polygon (map CRS `crs`).
  void showArea(const std::vector<MapPoint>& ring, const std::string& crs, const std::string& preferredTile);
  void setCurrentScene(const std::string& sceneId);
  // The band combination of the date chips (the map's, when it shows a combination).
  void setChipBands(const std::array<BandRole, 3>& rgb);
  // Builds the current tile's cube in the background (progress bar, cancel).
  void buildCube();
  // Writes the date grid's frames as an animated PNG, or as an MP4 video when the name ends in
  // .mp4. The PNG is written at once; the video is encoded on a worker with progress beside the
  // Export button, which cancels it meanwhile, and framesExported says how it ended. Returns
  // false (and logs why) when it failed or could not start.
  bool exportFrames(const QString& path);

  TimeSeriesChart* chart() const { return mChart; }
  DateGrid* dateGrid() const { return mGrid; }
  CubeView* cubeView() const { return mCube; }
  QTabWidget* tabs() const { return mTabs; }
  const std::optional<WindowStack>& stack() const { return mStack; }
  bool busy() const { return mLoading || mBuildingCube || mExporting; }

 Q_SIGNALS:
  void dateActivated(const QString& sceneId);  // show this date on the map
  void loaded();                               // a pixel or area finished loading
  void cubeBuilt(bool ok);
  void framesExported(bool ok, const QString& path);  // a video export ended (written, failed or canceled)
  void message(const QString& level, const QString& text);

 private:
  void applyStack(WindowStack stack, int centreX, int centreY);
  void rebuildChips();
  void rebuildCubeVolume();
  std::vector<SeriesKey> chosenSeries() const;
  const std::vector<Scene>* tileOf(const std::string& tile) const;

  QTabWidget* mTabs;
  TimeSeriesChart* mChart;
  SpectralProfileChart* mSpectral;
  DateGrid* mGrid;
  CubeView* mCube;
  std::vector<QCheckBox*> mSeriesBoxes;
  QCheckBox* mShowFlagged;
  QSlider* mSlider;
  QToolButton* mPlay;
  QTimer* mPlayTimer;
  QComboBox* mCubeVariable;
  QLabel* mStatus;
  QLabel* mVoxel;
  QPushButton* mBuildCube;
  QProgressBar* mCubeProgress;
  QPushButton* mExport;
  QProgressBar* mExportProgress;
  std::vector<QSlider*> mSliceSliders;

  std::string mProjectPath;
  std::vector<std::vector<Scene>> mTiles;  // granules per tile, by date
  std::map<std::string, std::vector<LeftOutDate>> mLeftOut;  // by tile: dates without a reading
  std::vector<Scene> mGranules;            // the tile shown
  std::optional<WindowStack> mStack;
  int mCentreX = 0, mCentreY = 0;
  std::array<BandRole, 3> mChipBands{BandRole::Red, BandRole::Green, BandRole::Blue};
  QThreadPool mPool;
  int mRequest = 0;
  bool mLoading = false;
  bool mBuildingCube = false;
  std::shared_ptr<Feedback> mCubeFeedback;
  bool mExporting = false;
  std::shared_ptr<Feedback> mExportFeedback;
};

}  // namespace prithvi
