#pragma once
// The window a scientist lives in: the map in the middle; catalog, layers, labels, style,
// identify and log docks around it; a status bar with the cursor's position, band values,
// Fmask flags and whether label edits are saved.

#include <QHash>
#include <QSet>
#include <QMainWindow>
#include <QPointer>
#include <QThreadPool>
#include <QTimer>
#include <functional>
#include <memory>
#include <optional>

#include "core/raster/GeoTransform.h"
#include "ui/StyleDock.h"
#include "viewers/LayerStack.h"
#include "viewers/MapExport.h"

class QDockWidget;
class QLabel;
class QMenu;
class QPlainTextEdit;
class QTreeWidget;

namespace prithvi {

class AccuracyDock;
class DataSourcesDock;
class EarthdataLogin;
struct StacGranule;
class CatalogDock;
class ComparisonDock;
class DatasetDialog;
class InferenceDialog;
class JobRunner;
class JobsDock;
class SuggestionsDock;
struct Window;
enum class LabelTool;
class LabelDock;
class LaunchDialog;
class MapTools;
class VectorLayersPanel;
class LayersDock;
class ModelsDock;
class TimeSeriesDock;
class MapCanvas;
class ProjectStore;
struct ClassScheme;
struct SavedLayer;
class Feedback;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  MainWindow();
  ~MainWindow() override;

  // Opens a project and shows its least cloudy granule. Shows an error and returns false when
  // the file is not a usable project.
  bool openProject(const QString& path);
  // Creates (first run, with a progress dialog) and opens the demo project.
  void openDemoProject(const QString& demoDir, const QString& sampleDir);
  // After a session that ended without a clean exit: says so (naming its crash report, if any)
  // and offers to open its project again. True when the user accepted and it opened.
  bool offerToReopen(const QString& project, const QString& crashReport);
  // Imports files and folders into the open project in the background (progress, cancel).
  void importPaths(const QStringList& paths);
  // Adds the scene as the top layer in true colour (or its first band) and selects it.
  bool addSceneLayer(const QString& sceneId);
  // Adds a raster file (a model result, a mask, a difference map) as the top layer: class maps
  // in their colours, images in true colour, one-band rasters with `colorMap`. Returns the
  // layer id, 0 after showing the error (or, with `error`, after putting it there instead).
  // A raster file as a layer; one without Prithvi's bands shows its first band in `colorMap`,
  // stretched over `range` when given (else over the band's statistics).
  int addRasterLayer(const QString& path, ColorMapName colorMap = ColorMapName::Gray, QString* error = nullptr,
                     std::optional<ChannelStretch> range = std::nullopt);
  // Shows a one-band layer as a class map of the named scheme (a preset or the project's), so it
  // can be a prediction or a reference; an empty name shows it as an image again.
  bool setLayerClassMap(int layerId, const QString& scheme);
  // Presets and the project's own schemes, by name.
  std::vector<ClassScheme> classSchemes() const;
  // Reads a GeoPackage, GeoJSON or Shapefile layer in the background and draws it over the map
  // (vectorLayers() says added or failed; a failure is shown).
  void addVectorLayer(const QString& path, bool visible = true);
  VectorLayersPanel* vectorLayers() const { return mVectors; }
  // Opens the Run Model dialog for the top layer's scene (one at a time).
  InferenceDialog* openInferenceDialog();
  // Writes the difference map of two layers into the results folder and adds it (background).
  void makeDifferenceMap(int layerA, int layerB);
  // The map export dialog for the current view (PNG, PDF, SVG or a GeoTIFF of the view).
  void openExportDialog(MapExportFormat format);
  // Writes a class-map layer's regions to a new GeoPackage layer (asks where; background).
  void polygoniseLayer(int layerId);
  // Where results are written: <project folder>/results (made on first use).
  QString resultsFolder() const;
  // Once the project has loaded and the map and catalog have drawn, saves the window to
  // `file` and quits (exit code 0, or 1 when saving fails or nothing drew within 120 s).
  void setScreenshotTarget(const QString& file);

  MapCanvas* canvas() const { return mCanvas; }
  MapCanvas* secondCanvas() const { return mSecondCanvas; }
  ComparisonDock* comparisonDock() const { return mComparison; }
  AccuracyDock* accuracyDock() const { return mAccuracy; }
  LayerStack* layers() { return &mLayers; }
  StyleDock* styleDock() const { return mStyle; }
  CatalogDock* catalog() const { return mCatalog; }
  LayersDock* layersDock() const { return mLayersDock; }
  TimeSeriesDock* timeSeries() const { return mTimeSeries; }
  LabelDock* labelDock() const { return mLabels; }
  JobsDock* jobsDock() const { return mJobs; }
  ModelsDock* modelsDock() const { return mModels; }
  DataSourcesDock* dataSources() const { return mDataSources; }
  SuggestionsDock* suggestions() const { return mSuggestions; }
  // The checkpoints a user can run: the project's runs (newest first), then the demo model.
  QStringList modelCheckpoints() const;
  EarthdataLogin* earthdataLogin() const { return mEarthdata; }
  MapTools* mapTools() const { return mMapTools; }
  // Label > Build Dataset: training chips from the label sets (one dialog at a time).
  DatasetDialog* openDatasetDialog();
  // The Launch Training dialog for this project (one at a time); its jobs go to the jobs dock.
  LaunchDialog* openLaunchDialog();
  // Shows another date of the top layer's tile on the map (same style), or adds the scene.
  bool showDate(const QString& sceneId);
  QTreeWidget* identifyTree() const { return mIdentify; }
  QString projectPath() const { return mProjectPath; }
  // The status bar's current texts, for tests.
  QString statusText() const;

  void identifyAt(const MapPoint& point);
  void log(const QString& level, const QString& text);

 Q_SIGNALS:
  void projectOpened(const QString& path);
  // Every line of the log dock, for the log file (app/main_gui.cpp).
  void logged(const QString& level, const QString& text);
  void importFinished(int added, int skipped);
  // Granules from the archive (Data Sources) were added: how many new scenes, or why not.
  void archiveFetchFinished(int added, const QString& error);
  void identifyFinished();
  void statusUpdated();

 protected:
  void closeEvent(QCloseEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  void buildMenus();
  void buildModelMenu();
  void buildModelDocks(const std::function<QDockWidget*(const QString&, const QString&, QWidget*, Qt::DockWidgetArea)>& dock);
  // Runs the annual pipeline for a region and year as a local job (the models dock's Retrain).
  void launchRetrain(const QString& region, int year, const QString& task);
  // Whether the top visible layer is a map known to carry provenance (an annual map).
  bool topLayerHasProvenance() const;
  void showSideBySide(bool shown);
  void connectLayerActions();
  void buildMapTools();
  // Label menu: dataset and label exchange (ui/MainWindowLabels.cpp).
  void buildLabelExchangeMenu(QMenu* label);
  void exportOpenLabelMask();
  void exportValidatedPolygons();
  void importIntoOpenLabelSet(bool vector);
  // The session in the project (ui/MainWindowSession.cpp).
  void scheduleWorkspaceSave();
  void saveWorkspace();
  // Shows the layers, view and docks of the project's last session; false when it has none.
  bool restoreWorkspace();
  int restoreLayer(const Scene& scene, const SavedLayer& saved);
  void refreshClassSchemes();
  // A layer of few integer values and no colour table: ask whether it is a class map.
  void offerClassMapIfCodes(int layerId);
  void showLayerProperties(int layerId);
  void updateLabelReferences();
  int addLayerFor(const Scene& scene, std::optional<LayerStyle> style = std::nullopt);
  void buildDocks();
  // MainWindowDataSources.cpp: the archive search dock, and its granules into the project.
  QDockWidget* buildSuggestionsDock(const std::function<QDockWidget*(const QString&, const QString&, QWidget*, Qt::DockWidgetArea)>& dock);
  void suggestChips(const QString& model, int count);
  void showSuggestedChip(const QString& sceneId, const Window& chip);
  QDockWidget* buildDataSourcesDock(const std::function<QDockWidget*(const QString&, const QString&, QWidget*, Qt::DockWidgetArea)>& dock);
  void showDataSources();
  void fetchFromArchive(const std::vector<StacGranule>& granules, int how);
  void buildStatusBar();
  void restoreSettings();
  void rememberRecent(const QString& path);
  void rebuildRecentMenu();
  void reloadCatalog();
  void refreshCatalogList();
  void applyStyle(const StyleRequest& request);
  void onCursorMoved(const MapPoint& point);
  void runCursorProbe();
  void buildMissingOverviews(const std::vector<std::string>& sceneIds);
  void maybeTakeScreenshot();
  MapGrid viewGrid() const;

  LayerStack mLayers;
  MapCanvas* mCanvas = nullptr;
  MapCanvas* mSecondCanvas = nullptr;  // the right-hand map of side-by-side comparison
  ComparisonDock* mComparison = nullptr;
  AccuracyDock* mAccuracy = nullptr;
  QPointer<InferenceDialog> mInference;
  bool mDrawingInferenceArea = false;
  bool mSyncingViews = false;
  CatalogDock* mCatalog = nullptr;
  LayersDock* mLayersDock = nullptr;
  StyleDock* mStyle = nullptr;
  TimeSeriesDock* mTimeSeries = nullptr;
  LabelDock* mLabels = nullptr;
  JobsDock* mJobs = nullptr;
  ModelsDock* mModels = nullptr;
  DataSourcesDock* mDataSources = nullptr;
  SuggestionsDock* mSuggestions = nullptr;
  QPointer<JobRunner> mSuggestJob;
  LabelTool mLastLabelTool{};  // the last drawing tool chosen: what a suggested chip opens with
  EarthdataLogin* mEarthdata = nullptr;
  bool mDrawingSearchBox = false;
  // Per raster file: whether it carries map provenance (an annual map), read once.
  QHash<QString, bool> mHasProvenance;
  QPointer<LaunchDialog> mLaunch;
  QPointer<DatasetDialog> mDataset;
  MapTools* mMapTools = nullptr;
  VectorLayersPanel* mVectors = nullptr;
  QSet<QString> mQuietVectorFailures;  // restored vector layers: a failure goes to the status bar only
  QAction* mAreaAction = nullptr;
  QTreeWidget* mIdentify = nullptr;
  QPlainTextEdit* mLog = nullptr;
  QMenu* mRecentMenu = nullptr;
  QLabel* mCoordinates = nullptr;
  QLabel* mLonLat = nullptr;
  QLabel* mValues = nullptr;
  QLabel* mFmask = nullptr;
  QLabel* mScale = nullptr;
  QLabel* mLabelSaveState = nullptr;

  std::unique_ptr<ProjectStore> mStore;
  QString mProjectPath;
  std::vector<Scene> mScenes;
  QThreadPool mWorkers;
  QHash<int, int> mStyleGeneration;
  std::shared_ptr<Feedback> mOverviewFeedback;  // the background overview build, canceled on close  // per layer: drop statistics of superseded requests
  std::optional<MapPoint> mCursorPoint;
  bool mProbeRunning = false;
  bool mProbePending = false;
  QString mScreenshotFile;
  bool mProjectLoaded = false;
  bool mRestoringWorkspace = false;
  QTimer mWorkspaceTimer;  // saves the session a moment after the last change
};

}  // namespace prithvi
