#include "ui/MainWindow.h"
#include "ui/HelpDialogs.h"
#include "ui/PreferencesDialog.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDateTime>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QProgressDialog>
#include <QScrollArea>
#include <QSplitter>
#include <QScreen>
#include <QSettings>
#include <QStatusBar>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QWindow>
#include <tuple>

#include "core/base/BuildInfo.h"
#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/project/DemoProject.h"
#include "core/project/Importer.h"
#include "core/project/ProjectStore.h"
#include "core/raster/Crs.h"
#include "core/raster/Overviews.h"
#include "core/raster/RasterSource.h"
#include "core/registry/AnnualMap.h"
#include "ui/Async.h"
#include "ui/ProgressJob.h"
#include "ui/JobsDock.h"
#include "ui/CatalogDock.h"
#include "ui/LabelDock.h"
#include "ui/LayersDock.h"
#include "ui/MapTools.h"
#include "ui/ModelsDock.h"
#include "ui/SuggestionsDock.h"
#include "ui/TimeSeriesDock.h"
#include "ui/VectorLayersPanel.h"
#include "viewers/MapCanvas.h"
#include "viewers/PixelProbe.h"

namespace prithvi {

namespace {
constexpr int kMaxRecent = 8;

QString q(const std::string& text) { return QString::fromStdString(text); }

}  // namespace

MainWindow::MainWindow() {
  setWindowTitle(tr("Prithvi Studio"));
  setAcceptDrops(true);
  setDockNestingEnabled(true);
  mWorkers.setMaxThreadCount(2);
  mWorkers.setExpiryTimeout(-1);  // keeps GDAL handles per thread alive
  mCanvas = new MapCanvas(&mLayers, this);
  mCanvas->setObjectName(QStringLiteral("mapCanvas"));
  // Side-by-side comparison shows a second map of the same layers to the right.
  mSecondCanvas = new MapCanvas(&mLayers, this);
  mSecondCanvas->setObjectName(QStringLiteral("secondMapCanvas"));
  mSecondCanvas->hide();
  auto* maps = new QSplitter(Qt::Horizontal, this);
  maps->setObjectName(QStringLiteral("mapSplitter"));
  maps->addWidget(mCanvas);
  maps->addWidget(mSecondCanvas);
  maps->setChildrenCollapsible(false);
  setCentralWidget(maps);
  buildDocks();
  buildMenus();
  buildMapTools();
  buildStatusBar();
  connectLayerActions();
  refreshClassSchemes();
  restoreSettings();
  mWorkspaceTimer.setSingleShot(true);
  mWorkspaceTimer.setInterval(1000);
  connect(&mWorkspaceTimer, &QTimer::timeout, this, &MainWindow::saveWorkspace);
  connect(&mLayers, &LayerStack::layersChanged, this, &MainWindow::scheduleWorkspaceSave);
  connect(&mLayers, &LayerStack::layerChanged, this, &MainWindow::scheduleWorkspaceSave);
  connect(mCanvas, &MapCanvas::viewChanged, this, &MainWindow::scheduleWorkspaceSave);

  connect(mCanvas, &MapCanvas::cursorMoved, this, [this](double x, double y) { onCursorMoved({x, y}); });
  connect(mCanvas, &MapCanvas::cursorLeft, this, [this] {
    mCoordinates->clear();
    mLonLat->clear();
    mValues->clear();
    mFmask->clear();
  });
  connect(mCanvas, &MapCanvas::clicked, this, [this](double x, double y) {
    if (mMapTools->clickUsed()) return;  // the pan tool only pans
    if (mLabels->tool() == LabelTool::Select) mLabels->selectAt({x, y});
    identifyAt({x, y});
    const MapLayer* top = mLayers.topVisible();
    mTimeSeries->showPixel({x, y}, mCanvas->mapCrs(), top ? top->scene.tile : std::string());
  });
  // One polygon tool, two uses: a label polygon while the label tool is on, else an area
  // whose time series to average (one polygon per use, then back to the select tool).
  connect(mCanvas, &MapCanvas::polygonFinished, this, [this](const std::vector<MapPoint>& ring) {
    if (mMapTools->polygonFinished(ring)) return;  // a measurement
    if (!mAreaAction->isChecked() && mLabels->tool() == LabelTool::Polygon) {
      mLabels->polygonDrawn(ring);
      return;
    }
    {
      const QSignalBlocker blocker(mAreaAction);
      mAreaAction->setChecked(false);
    }
    mLabels->setTool(LabelTool::Select);
    const MapLayer* top = mLayers.topVisible();
    mTimeSeries->showArea(ring, mCanvas->mapCrs(), top ? top->scene.tile : std::string());
    if (auto* dock = findChild<QDockWidget*>(QStringLiteral("timeSeriesDock"))) dock->raise();
  });
  connect(mLabels, &LabelDock::toolChosen, this, [this](LabelTool tool) {
    const QSignalBlocker blocker(mAreaAction);
    mAreaAction->setChecked(false);
    if (tool == LabelTool::Select)
      mMapTools->setMode(MapTools::Mode::Identify);
    else
      mMapTools->release();
    if (tool != LabelTool::Select)
      if (auto* dock = findChild<QDockWidget*>(QStringLiteral("labelDock"))) dock->raise();
  });
  connect(mLabels->newLabelSetAction(), &QAction::triggered, this, [this] {
    if (auto* dock = findChild<QDockWidget*>(QStringLiteral("labelDock"))) dock->raise();
  });
  connect(mLabels, &LabelDock::message, this, [this](const QString& level, const QString& text) {
    log(level, text);
    if (level != QLatin1String("info")) statusBar()->showMessage(text, 10000);
  });
  connect(mLabels, &LabelDock::saveStateChanged, this, [this](const QString& text) {
    mLabelSaveState->setText(text);
    // Saved reads calm; a stroke in progress stands out until it is saved.
    mLabelSaveState->setStyleSheet(mLabels->editor() && mLabels->editor()->hasUnsavedChanges()
                                       ? QStringLiteral("color: #b9770e; font-weight: bold; padding: 0 10px;")
                                       : QStringLiteral("color: #1e8449; padding: 0 10px;"));
  });
  connect(mLabels, &LabelDock::labelSetsChanged, this, [this] {
    if (!mCatalog->labelStateFilter().empty()) refreshCatalogList();
    updateLabelReferences();
    refreshClassSchemes();
  refreshClassSchemes();
  });
  connect(mCatalog, &CatalogDock::labelStateFilterChanged, this, &MainWindow::refreshCatalogList);
  connect(mTimeSeries, &TimeSeriesDock::dateActivated, this, [this](const QString& id) { showDate(id); });
  // Date chips follow the map's band combination.
  connect(&mLayers, &LayerStack::layerChanged, this, [this] {
    if (const MapLayer* top = mLayers.topVisible(); top && top->style.kind == LayerStyle::Kind::Rgb)
      mTimeSeries->setChipBands(top->style.rgb);
  });
  connect(mTimeSeries, &TimeSeriesDock::message, this, &MainWindow::log);
  connect(mTimeSeries, &TimeSeriesDock::loaded, this, [this] {
    // A click on an annual map is a question about where its pixel comes from: the models
    // dock's provenance stays in front of the time series (they share the bottom tabs).
    if (topLayerHasProvenance()) return;
    if (auto* dock = findChild<QDockWidget*>(QStringLiteral("timeSeriesDock"))) dock->raise();
  });
  connect(mCanvas, &MapCanvas::viewChanged, this, [this] {
    mScale->setText(QStringLiteral("1:%L1").arg(qint64(std::llround(mCanvas->scaleDenominator()))));
  });
  connect(mCanvas, &MapCanvas::renderComplete, this, &MainWindow::maybeTakeScreenshot);
  connect(mCatalog, &CatalogDock::thumbnailsDone, this, &MainWindow::maybeTakeScreenshot);
  connect(mCatalog, &CatalogDock::sceneActivated, this, [this](const QString& id) { addSceneLayer(id); });
  connect(mLayersDock, &LayersDock::currentLayerChanged, mStyle, &StyleDock::setLayer);
  connect(mLayersDock, &LayersDock::zoomToLayerRequested, mCanvas, &MapCanvas::zoomToLayer);
  connect(mStyle, &StyleDock::styleRequested, this, &MainWindow::applyStyle);
  connect(&mLayers, &LayerStack::layersChanged, this, [this] {
    if (mLayers.layers().empty()) mCanvas->setMapCrs({});
  });
}

MainWindow::~MainWindow() {
  mLabels->setProject(nullptr);  // its label store uses mStore
  mJobs->setProject(nullptr);
  mModels->setProject(nullptr);
  if (mOverviewFeedback) mOverviewFeedback->cancel();
  mWorkers.clear();
  mWorkers.waitForDone();
}

void MainWindow::buildDocks() {
  auto dock = [this](const QString& title, const QString& name, QWidget* widget, Qt::DockWidgetArea area) {
    auto* dockWidget = new QDockWidget(title, this);
    dockWidget->setObjectName(name);
    dockWidget->setWidget(widget);
    addDockWidget(area, dockWidget);
    return dockWidget;
  };
  mCatalog = new CatalogDock(this);
  mLayersDock = new LayersDock(&mLayers, this);
  mStyle = new StyleDock(&mLayers, this);
  mIdentify = new QTreeWidget(this);
  mIdentify->setObjectName(QStringLiteral("identifyTree"));
  mIdentify->setHeaderLabels({tr("Band"), tr("Reflectance"), tr("Raw")});
  for (int column = 0; column < 3; ++column) mIdentify->header()->setSectionResizeMode(column, QHeaderView::ResizeToContents);
  mLog = new QPlainTextEdit(this);
  mLog->setReadOnly(true);
  mLog->setMaximumBlockCount(5000);
  auto* catalogDock = dock(tr("Catalog"), QStringLiteral("catalogDock"), mCatalog, Qt::LeftDockWidgetArea);
  // Raster layers, and vector layers drawn over them.
  mVectors = new VectorLayersPanel(mCanvas, this);
  auto* layersBox = new QWidget(this);
  auto* layersLayout = new QVBoxLayout(layersBox);
  layersLayout->setContentsMargins(0, 0, 0, 0);
  layersLayout->setSpacing(0);
  layersLayout->addWidget(mLayersDock, 1);
  layersLayout->addWidget(mVectors);
  auto* layersDock = dock(tr("Layers"), QStringLiteral("layersDock"), layersBox, Qt::LeftDockWidgetArea);
  auto* sourcesDock = buildDataSourcesDock(dock);  // after the vector layers: it searches their extents
  // The style controls scroll rather than forcing a tall window.
  auto* styleScroll = new QScrollArea(this);
  styleScroll->setWidget(mStyle);
  styleScroll->setWidgetResizable(true);
  styleScroll->setFrameShape(QFrame::NoFrame);
  auto* styleDock = dock(tr("Style"), QStringLiteral("styleDock"), styleScroll, Qt::RightDockWidgetArea);
  auto* identifyDock = dock(tr("Identify"), QStringLiteral("identifyDock"), mIdentify, Qt::RightDockWidgetArea);
  mLabels = new LabelDock(mCanvas, &mLayers, this);
  auto* labelsScroll = new QScrollArea(this);
  labelsScroll->setWidget(mLabels);
  labelsScroll->setWidgetResizable(true);
  labelsScroll->setFrameShape(QFrame::NoFrame);
  auto* labelsDock = dock(tr("Labels"), QStringLiteral("labelDock"), labelsScroll, Qt::RightDockWidgetArea);
  auto* suggestionsDock = buildSuggestionsDock(dock);
  auto* logDock = dock(tr("Messages"), QStringLiteral("logDock"), mLog, Qt::BottomDockWidgetArea);
  buildModelDocks(dock);
  mJobs = new JobsDock(this);
  // Scrolls rather than widening the window: the jobs dock shares the bottom row with the map's width.
  auto* jobsScroll = new QScrollArea(this);
  jobsScroll->setWidget(mJobs);
  jobsScroll->setWidgetResizable(true);
  jobsScroll->setFrameShape(QFrame::NoFrame);
  auto* jobsDock = dock(tr("Jobs"), QStringLiteral("jobsDock"), jobsScroll, Qt::BottomDockWidgetArea);
  connect(mJobs, &JobsDock::message, this, &MainWindow::log);
  connect(mJobs, &JobsDock::jobEnded, this, [this](qint64, const QString& state, const QString& name) {
    log(state == QLatin1String("succeeded") ? QStringLiteral("info") : QStringLiteral("warning"),
        tr("job '%1' %2").arg(name, state));
    // A retrain registers a version and moves aliases: show them.
    if (name.startsWith(QLatin1String("Retrain"))) mModels->refresh();
  });
  mModels = new ModelsDock(this);
  auto* modelsScroll = new QScrollArea(this);
  modelsScroll->setWidget(mModels);
  modelsScroll->setWidgetResizable(true);
  modelsScroll->setFrameShape(QFrame::NoFrame);
  auto* modelsDock = dock(tr("Models"), QStringLiteral("modelsDock"), modelsScroll, Qt::BottomDockWidgetArea);
  connect(mModels, &ModelsDock::message, this, &MainWindow::log);
  connect(mModels, &ModelsDock::retrainRequested, this, &MainWindow::launchRetrain);
  mTimeSeries = new TimeSeriesDock(this);
  auto* timeSeriesDock = dock(tr("Time series"), QStringLiteral("timeSeriesDock"), mTimeSeries, Qt::BottomDockWidgetArea);
  splitDockWidget(catalogDock, layersDock, Qt::Vertical);
  // Finding imagery sits behind the catalog, where it lands (raised for a project with none).
  tabifyDockWidget(catalogDock, sourcesDock);
  // Where to label next: a navigator like the catalog (the right column's tabs are full).
  tabifyDockWidget(catalogDock, suggestionsDock);
  catalogDock->raise();
  // Labels get the right column's full height as a tab; the tab comes forward when a label
  // tool or a new label set is chosen.
  tabifyDockWidget(identifyDock, labelsDock);
  tabifyDockWidget(identifyDock, styleDock);
  // The bottom row starts on the time series (what a click on the map fills); jobs, models and
  // messages wait behind it in that order.
  tabifyDockWidget(timeSeriesDock, jobsDock);
  tabifyDockWidget(timeSeriesDock, modelsDock);
  tabifyDockWidget(timeSeriesDock, logDock);
  timeSeriesDock->raise();
  // Charts stay readable (axis titles, dates with their year) however the docks are dragged:
  // their own minimum sizes hold the bottom row open.
  jobsDock->setMinimumHeight(190);
  // The right column runs to the bottom of the window: the label tools need the height.
  setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
  // The map gets most of the window: side columns and the bottom row only as wide as they need.
  resizeDocks({catalogDock, styleDock}, {340, 360}, Qt::Horizontal);
  // The catalog and the archive's results get the left column's height; layers need less.
  resizeDocks({catalogDock, layersDock}, {440, 180}, Qt::Vertical);
  resizeDocks({timeSeriesDock}, {260}, Qt::Vertical);
  // Views menu entries come from the docks themselves.
  for (auto* d : {catalogDock, sourcesDock, layersDock, labelsDock, suggestionsDock, styleDock, identifyDock, logDock,
                  timeSeriesDock, jobsDock, modelsDock})
    d->toggleViewAction()->setObjectName(d->objectName());
}

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* newProject = file->addAction(tr("&New Project…"), QKeySequence::New, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("New project"), {}, tr("Prithvi projects (*.gpkg)"));
    if (path.isEmpty()) return;
    try {
      ProjectStore::create(path.endsWith(QStringLiteral(".gpkg")) ? path.toStdString() : path.toStdString() + ".gpkg");
      openProject(path.endsWith(QStringLiteral(".gpkg")) ? path : path + QStringLiteral(".gpkg"));
    } catch (const Error& error) {
      QMessageBox::warning(this, tr("New project"), q(error.what()));
    }
  });
  newProject->setObjectName(QStringLiteral("newProjectAction"));
  QAction* openAction = file->addAction(tr("&Open Project…"), QKeySequence::Open, this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open project"), {}, tr("Prithvi projects (*.gpkg)"));
    if (!path.isEmpty()) openProject(path);
  });
  openAction->setObjectName(QStringLiteral("openProjectAction"));
  mRecentMenu = file->addMenu(tr("Open &Recent"));
  file->addSeparator();
  file->addAction(tr("&Import Files…"), QKeySequence(tr("Ctrl+I")), this, [this] {
    const QStringList paths = QFileDialog::getOpenFileNames(this, tr("Import imagery"), {},
                                                            tr("Rasters (*.tif *.tiff *.TIF *.vrt *.jp2 *.img);;All files (*)"));
    if (!paths.isEmpty()) importPaths(paths);
  });
  QAction* importFolder = file->addAction(tr("Import &Folder…"), QKeySequence(tr("Ctrl+Shift+I")), this, [this] {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Import a folder of granules"));
    if (!dir.isEmpty()) importPaths({dir});
  });
  importFolder->setObjectName(QStringLiteral("importFolderAction"));
  QAction* searchArchive = file->addAction(tr("&Search HLS Archive…"), QKeySequence(tr("Ctrl+Shift+F")), this,
                                           [this] { showDataSources(); });
  searchArchive->setObjectName(QStringLiteral("searchArchiveAction"));
  QAction* addVector = file->addAction(tr("Add &Vector Layer…"), QKeySequence(tr("Ctrl+Shift+G")), this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Add a vector layer"), QFileInfo(mProjectPath).absolutePath(),
                                                      tr("Vector files (*.gpkg *.geojson *.json *.shp);;All files (*)"));
    if (!path.isEmpty()) addVectorLayer(path);
  });
  addVector->setObjectName(QStringLiteral("addVectorLayerAction"));
  file->addSeparator();
  QAction* exportMap = file->addAction(tr("&Export Map…"), QKeySequence(tr("Ctrl+E")), this,
                                       [this] { openExportDialog(MapExportFormat::Png); });
  exportMap->setObjectName(QStringLiteral("exportMapAction"));
  QAction* exportView = file->addAction(tr("Export View as &GeoTIFF…"), QKeySequence(tr("Ctrl+Shift+E")), this,
                                        [this] { openExportDialog(MapExportFormat::GeoTiff); });
  exportView->setObjectName(QStringLiteral("exportViewAction"));
  file->addAction(tr("&Polygonise Class Map…"), this, [this] { polygoniseLayer(mLayersDock->currentLayerId()); });
  file->addSeparator();
  file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

  QMenu* edit = menuBar()->addMenu(tr("&Edit"));
  edit->addAction(mLabels->undoAction());
  edit->addAction(mLabels->redoAction());
  edit->addSeparator();
  edit->addAction(mLabels->deletePolygonAction());
  edit->addSeparator();
  edit->addAction(tr("&Preferences…"), QKeySequence(tr("Ctrl+,")), this, [this] { PreferencesDialog(this).exec(); });

  QMenu* view = menuBar()->addMenu(tr("&View"));
  view->addAction(tr("Zoom to &Full"), QKeySequence(tr("Ctrl+Shift+F")), mCanvas, &MapCanvas::zoomToFull);
  view->addAction(tr("Zoom to &Layer"), QKeySequence(tr("Ctrl+L")), this, [this] {
    if (int id = mLayersDock->currentLayerId()) mCanvas->zoomToLayer(id);
  });
  view->addAction(tr("Zoom &1:1 (one pixel per pixel)"), QKeySequence(tr("Ctrl+1")), mCanvas, &MapCanvas::zoomOneToOne);
  view->addAction(tr("Zoom &In"), QKeySequence::ZoomIn, this, [this] { mCanvas->zoomBy(1.41421356237, mCanvas->rect().center()); });
  view->addAction(tr("Zoom &Out"), QKeySequence::ZoomOut, this, [this] { mCanvas->zoomBy(1 / 1.41421356237, mCanvas->rect().center()); });
  // A (area); P is the label polygon tool.
  QAction* area = view->addAction(tr("&Area Time Series (draw a polygon)"));
  area->setObjectName(QStringLiteral("areaTimeSeriesAction"));
  area->setToolTip(tr("Area time series (A): draw a polygon; its mean through the dates"));
  mAreaAction = area;
  area->setShortcut(QKeySequence(tr("A")));
  area->setCheckable(true);
  connect(area, &QAction::toggled, this, [this](bool on) {
    mLabels->setTool(LabelTool::Select);  // the map's polygon tool now draws an area
    if (on) {
      mMapTools->release();
      mCanvas->setTool(MapCanvas::Tool::Polygon);
      mCanvas->setFocus();
      log(QStringLiteral("info"), tr("click the polygon's corners on the map; double-click or Enter to finish, Esc to drop"));
    }
  });
  view->addAction(tr("&Build Time-Series Cube of the Tile"), this, [this] {
    // Its progress and Cancel are beside the dock's Build cube button: bring them into view.
    if (auto* dock = findChild<QDockWidget*>(QStringLiteral("timeSeriesDock"))) {
      dock->show();
      dock->raise();
    }
    mTimeSeries->buildCube();
  });
  view->addSeparator();
  QAction* fmask = view->addAction(tr("Fmask &Overlay (cloud, shadow)"));
  fmask->setShortcut(QKeySequence(tr("F")));
  fmask->setCheckable(true);
  connect(fmask, &QAction::toggled, this, [this](bool on) {
    mStyle->setFmaskOverlay(on ? uint8_t(fmask::kCloud | fmask::kShadow) : uint8_t(0));
  });
  QMenu* presets = view->addMenu(tr("Band &Combination"));
  int key = 1;
  for (const auto& preset : stylePresets()) {
    const QString name = QLatin1String(preset.name);
    presets->addAction(name, QKeySequence(QStringLiteral("Alt+%1").arg(key++)), this, [this, name] { mStyle->selectPreset(name); });
  }
  for (const char* index : {"NDVI", "NDWI", "MNDWI", "NBR", "EVI"}) {
    const QString name = QLatin1String(index);
    presets->addAction(name, QKeySequence(QStringLiteral("Alt+%1").arg(key++)), this, [this, name] { mStyle->selectPreset(name); });
  }
  view->addSeparator();
  for (auto* dock : findChildren<QDockWidget*>()) view->addAction(dock->toggleViewAction());

  QMenu* label = menuBar()->addMenu(tr("&Label"));
  label->addAction(mLabels->newLabelSetAction());
  label->addAction(mLabels->deleteLabelSetAction());
  label->addAction(mLabels->editSchemeAction());
  label->addSeparator();
  label->addActions(mLabels->toolActions());
  label->addSeparator();
  label->addActions(mLabels->brushSizeActions());
  label->addAction(mLabels->cleanUpAction());
  label->addMenu(mLabels->classMenu());
  label->addAction(mLabels->showLabelsAction());
  label->addSeparator();
  label->addActions(mLabels->reviewActions());
  label->addAction(mLabels->selfReviewAction());
  buildLabelExchangeMenu(label);

  buildModelMenu();

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  QAction* guide = help->addAction(tr("&User Guide"), QKeySequence::HelpContents, this, [this] {
    auto* dialog = new UserGuideDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
  });
  guide->setObjectName(QStringLiteral("userGuideAction"));
  QAction* keys = help->addAction(tr("&Keyboard Shortcuts"), QKeySequence(tr("Ctrl+/")), this, [this] {
    auto* dialog = new ShortcutsDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
  });
  keys->setObjectName(QStringLiteral("shortcutsAction"));
  help->addSeparator();
  QAction* about = help->addAction(tr("&About Prithvi Studio"), this, [this] {
    QString libraries;
    for (const auto& [name, version] : libraryVersions())
      libraries += QStringLiteral("%1 %2<br>").arg(QString::fromStdString(name), QString::fromStdString(version).toHtmlEscaped());
    const QString commit = gitCommit().empty() ? QString() : tr(" (git %1)").arg(QString::fromStdString(gitCommit()));
    QMessageBox::about(this, tr("About Prithvi Studio"),
                       tr("<b>Prithvi Studio %1</b>%2<br>A workbench for HLS imagery and the Prithvi foundation model."
                          "<br>GPL-3.0-or-later.<br><br>Help &gt; User Guide walks through the loop from imagery to a "
                          "map; Help &gt; Keyboard Shortcuts (Ctrl+/) lists every key.<br><br><small>%3</small>")
                           .arg(QString::fromStdString(programVersion()), commit, libraries));
  });
  about->setObjectName(QStringLiteral("aboutAction"));
}

void MainWindow::buildStatusBar() {
  auto label = [this](const QString& name, int minimumWidth) {
    auto* l = new QLabel(this);
    l->setObjectName(name);
    l->setMinimumWidth(minimumWidth);
    statusBar()->addWidget(l);
    return l;
  };
  mCoordinates = label(QStringLiteral("coordinates"), 220);
  mLonLat = label(QStringLiteral("lonlat"), 190);
  mValues = label(QStringLiteral("values"), 300);
  mFmask = label(QStringLiteral("fmask"), 120);
  mLabelSaveState = new QLabel(this);
  mLabelSaveState->setObjectName(QStringLiteral("labelSaveState"));
  mLabelSaveState->setToolTip(tr("Every label edit is saved in the project as it is made; a brush stroke when it ends"));
  statusBar()->addPermanentWidget(mLabelSaveState);
  mScale = new QLabel(this);
  mScale->setObjectName(QStringLiteral("scale"));
  statusBar()->addPermanentWidget(mScale);
}

void MainWindow::restoreSettings() {
  QSettings settings;
  // First start: 1400 x 900, but never larger than the screen (a 1280 x 800 laptop).
  QSize size(1400, 900);
  if (const QScreen* display = screen()) size = size.boundedTo(display->availableGeometry().size() * 0.95);
  resize(size);
  restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
  restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
  rebuildRecentMenu();
}

void MainWindow::closeEvent(QCloseEvent* event) {
  saveWorkspace();
  QSettings settings;
  settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
  settings.setValue(QStringLiteral("window/state"), saveState());
  event->accept();
}

void MainWindow::rememberRecent(const QString& path) {
  QSettings settings;
  QStringList recent = settings.value(QStringLiteral("recentProjects")).toStringList();
  recent.removeAll(path);
  recent.prepend(path);
  while (recent.size() > kMaxRecent) recent.removeLast();
  settings.setValue(QStringLiteral("recentProjects"), recent);
  rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
  mRecentMenu->clear();
  const QStringList recent = QSettings().value(QStringLiteral("recentProjects")).toStringList();
  for (const QString& path : recent) mRecentMenu->addAction(path, this, [this, path] { openProject(path); });
  mRecentMenu->setEnabled(!recent.isEmpty());
}

void MainWindow::log(const QString& level, const QString& text) {
  mLog->appendPlainText(QStringLiteral("%1  %2  %3")
                            .arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss")), level.leftJustified(7), text));
  Q_EMIT logged(level, text);
}

bool MainWindow::openProject(const QString& path) {
  std::unique_ptr<ProjectStore> store;
  try {
    store = ProjectStore::open(path.toStdString());
  } catch (const Error& error) {
    log(QStringLiteral("error"), q(error.what()));
    QMessageBox::warning(this, tr("Open project"), q(error.what()));
    return false;
  }
  for (const auto& warning : store->warnings()) log(QStringLiteral("warning"), q(warning));
  saveWorkspace();  // the project being left keeps its session
  mProjectLoaded = false;
  mLabels->setProject(nullptr);  // before the store it uses goes
  mJobs->setProject(nullptr);
  mModels->setProject(nullptr);
  mStore = std::move(store);
  mProjectPath = QFileInfo(path).absoluteFilePath();
  setWindowTitle(tr("%1%2 — Prithvi Studio")
                     .arg(QFileInfo(path).fileName(), mStore->isReadOnly() ? tr(" [read-only]") : QString()));
  if (mStore->isReadOnly())
    statusBar()->showMessage(tr("%1 is open read-only (read-only media or no write permission): labels, imports "
                                "and results cannot be saved into it; copy it to a folder you may write to")
                                 .arg(QFileInfo(path).fileName()));
  rememberRecent(mProjectPath);
  mLayers.clear();
  mVectors->clear();
  mLabels->setProject(mStore.get());  // the old project's layers are gone: labels follow the new ones
  mJobs->setProject(mStore.get());    // reattaches to the jobs it left running
  mModels->setProject(mStore.get());
  mSuggestions->setModels(modelCheckpoints());
  mHasProvenance.clear();
  reloadCatalog();
  updateLabelReferences();
  // Start with what a user looks at first: the clearest HLS granule (latest on ties), else a
  // scene with Prithvi's bands, else anything.
  auto rank = [](const Scene& scene) {
    return std::make_tuple(scene.kind == SceneKind::HlsGranule ? 0 : scene.hasPrithviBands() ? 1 : 2,
                           scene.cloudCoverPercent.value_or(100.0), -scene.acquired.toSecsSinceEpoch());
  };
  const Scene* best = nullptr;
  for (const Scene& scene : mScenes)
    if (!best || rank(scene) < rank(*best)) best = &scene;
  if (!restoreWorkspace() && best) addSceneLayer(q(best->id));
  if (mScenes.empty()) showDataSources();  // a new project: finding imagery comes first
  log(QStringLiteral("info"), tr("opened %1: %2 scenes").arg(mProjectPath).arg(mScenes.size()));
  mProjectLoaded = true;
  Q_EMIT projectOpened(mProjectPath);
  return true;
}

void MainWindow::openDemoProject(const QString& demoDir, const QString& sampleDir) {
  DemoOptions options;
  options.dir = demoDir.toStdString();
  options.sampleDir = sampleDir.toStdString();
  runWithProgress<std::string>(
      this, mWorkers, mJobs, tr("Preparing the demo project…"), QStringLiteral("demo"),
      [options](Feedback& feedback) { return ensureDemoProject(options, &feedback); },
      [this](std::optional<std::string> path, const std::string& error) {
        if (!path) {
          log(QStringLiteral("error"), tr("demo project: %1").arg(q(error)));
          QMessageBox::warning(this, tr("Demo project"), q(error));
          if (!mScreenshotFile.isEmpty()) QApplication::exit(1);
          return;
        }
        openProject(q(*path));
      });
}

void MainWindow::reloadCatalog() {
  mScenes = mStore ? mStore->scenes() : std::vector<Scene>{};
  refreshCatalogList();
  mTimeSeries->setProject(mProjectPath.toStdString(), mScenes);
}

void MainWindow::refreshCatalogList() {
  // mScenes keeps every scene (layers and dates find theirs there); the list may show fewer.
  const std::string state = mCatalog->labelStateFilter();
  if (state.empty() || !mStore) {
    mCatalog->setScenes(mScenes);
    return;
  }
  SceneFilter filter;
  filter.labelState = state;
  try {
    mCatalog->setScenes(mStore->scenes(filter));
  } catch (const Error& error) {
    log(QStringLiteral("error"), tr("catalog: %1").arg(q(error.what())));
  }
}

bool MainWindow::showDate(const QString& sceneId) {
  auto it = std::find_if(mScenes.begin(), mScenes.end(), [&](const Scene& s) { return q(s.id) == sceneId; });
  if (it == mScenes.end()) return false;
  const MapLayer* top = mLayers.topVisible();
  if (!top || top->scene.kind != SceneKind::HlsGranule || top->scene.tile != it->tile) return addSceneLayer(sceneId);
  if (top->scene.id == it->id) return true;
  try {
    mLayers.replaceScene(top->id, *it);
  } catch (const Error& error) {
    log(QStringLiteral("error"), q(error.what()));
    return false;
  }
  mTimeSeries->setCurrentScene(it->id);
  // The histogram describes the scene shown now; a computed stretch is computed for it again,
  // limits set by hand stay so the dates compare.
  if (const MapLayer* layer = mLayers.layer(top->id); layer && layer->style.hasStretch()) {
    StyleRequest request;
    request.layerId = layer->id;
    request.style = layer->style;
    request.stretch = mStyle->stretchParams();
    request.scope = mStyle->stretchScope();
    request.keepLimits = layer->style.customStretch;
    applyStyle(request);
  }
  log(QStringLiteral("info"), tr("showing %1").arg(sceneId));
  return true;
}

bool MainWindow::addSceneLayer(const QString& sceneId) {
  auto it = std::find_if(mScenes.begin(), mScenes.end(), [&](const Scene& s) { return q(s.id) == sceneId; });
  if (it == mScenes.end()) return false;
  return addLayerFor(*it) != 0;
}

int MainWindow::addLayerFor(const Scene& scene, std::optional<LayerStyle> chosenStyle) {
  LayerStyle style = chosenStyle.value_or(LayerStyle{});
  if (!chosenStyle && !scene.hasPrithviBands()) {
    style.kind = LayerStyle::Kind::SingleBand;
    style.band = scene.bands.empty() ? BandRole::Other : scene.bands.front().role;
  }
  int id = 0;
  try {
    id = mLayers.add(scene, style);
  } catch (const Error& error) {
    log(QStringLiteral("error"), q(error.what()));
    QMessageBox::warning(this, tr("Add layer"), q(error.what()));
    return 0;
  }
  // Class maps (model results, label masks) are drawn with their own colour table.
  if (std::optional<LayerStyle> classes = classStyleOf(*mLayers.layer(id)->reader)) style = *classes;
  // The only layer sets the map's CRS (an empty map may show found granules' outlines in lon/lat).
  const bool firstLayer = mLayers.layers().size() == 1;
  if (firstLayer) mCanvas->setMapCrs(scene.crs());
  mLayersDock->setCurrentLayer(id);
  StyleRequest request;
  request.layerId = id;
  request.style = style;
  request.keepLimits = style.customStretch;  // a range the caller chose (uncertainty: 0 .. 1)
  applyStyle(request);
  if (firstLayer) mCanvas->zoomToLayer(id);
  log(QStringLiteral("info"), tr("added layer %1").arg(q(scene.id)));
  if (style.kind != LayerStyle::Kind::Classes && !scene.hasPrithviBands()) offerClassMapIfCodes(id);
  return id;
}

MapGrid MainWindow::viewGrid() const {
  MapGrid grid;
  const double res = mCanvas->resolution();
  const MapPoint topLeft = mCanvas->screenToMap({0, 0});
  grid.transform = GeoTransform({topLeft.x, res, 0, topLeft.y, 0, -res});
  grid.width = std::max(1, mCanvas->width());
  grid.height = std::max(1, mCanvas->height());
  grid.crs = mCanvas->mapCrs();
  return grid;
}

void MainWindow::applyStyle(const StyleRequest& request) {
  const MapLayer* layer = mLayers.layer(request.layerId);
  if (!layer) return;
  const int generation = ++mStyleGeneration[request.layerId];
  if ((!request.recomputeStretch && layer->statisticsReady) || !request.style.hasStretch()) {
    mLayers.setStyle(request.layerId, request.style, true);
    return;
  }
  // Statistics read the disk: compute them in the background, then set the final stretch.
  const auto reader = layer->reader;
  const LayerStyle style = request.style;
  const bool onView = request.scope == StretchScope::View && !mCanvas->mapCrs().empty();
  const MapGrid grid = viewGrid();
  const int id = request.layerId;
  const StretchParams params = request.stretch;
  const bool keepLimits = request.keepLimits;
  mLayers.setStyle(id, style, false);
  runAsync<std::vector<BandStatistics>>(
      mWorkers, this,
      [reader, style, onView, grid] { return onView ? viewStatistics(*reader, style, grid) : sceneStatistics(*reader, style); },
      [this, id, generation, style, params, keepLimits](std::optional<std::vector<BandStatistics>> statistics, const std::string& error) {
        if (mStyleGeneration.value(id) != generation || !mLayers.layer(id)) return;
        if (!statistics) {
          log(QStringLiteral("error"), tr("statistics: %1").arg(q(error)));
          return;
        }
        LayerStyle stretched = style;
        if (!keepLimits)
          for (size_t i = 0; i < statistics->size() && i < 3; ++i) stretched.stretch[i] = stretchFor((*statistics)[i], params);
        mLayers.setStatistics(id, std::move(*statistics));
        mLayers.setStyle(id, stretched, true);
      });
}

void MainWindow::importPaths(const QStringList& paths) {
  if (!mStore) {
    QMessageBox::information(this, tr("Import"), tr("Open or create a project first (Ctrl+O, Ctrl+N)."));
    return;
  }
  std::vector<std::string> list;
  for (const auto& path : paths) list.push_back(path.toStdString());
  const std::string project = mProjectPath.toStdString();
  log(QStringLiteral("info"), tr("importing %1").arg(paths.join(QStringLiteral(", "))));
  runWithProgress<ImportReport>(
      this, mWorkers, mJobs, tr("Importing %n item(s)", nullptr, int(paths.size())), QStringLiteral("import"),
      [project, list](Feedback& feedback) {
        // The worker uses its own connection: a store is used by one thread at a time.
        auto store = ProjectStore::open(project);
        return importIntoProject(*store, list, {}, &feedback);
      },
      [this](std::optional<ImportReport> report, const std::string& error) {
        if (!report) {
          log(QStringLiteral("error"), tr("import: %1").arg(q(error)));
          if (error != "canceled") QMessageBox::warning(this, tr("Import"), q(error));
          Q_EMIT importFinished(0, 0);
          return;
        }
        for (const auto& file : report->skipped) log(QStringLiteral("skipped"), q(file.path + ": " + file.reason));
        for (const auto& warning : report->warnings) log(QStringLiteral("warning"), q(warning));
        log(QStringLiteral("info"),
            tr("imported %1 scene(s), skipped %2 file(s)").arg(report->addedSceneIds.size()).arg(report->skipped.size()));
        reloadCatalog();
        if (mLayers.layers().empty() && !report->addedSceneIds.empty()) addSceneLayer(q(report->addedSceneIds.front()));
        buildMissingOverviews(report->addedSceneIds);
        Q_EMIT importFinished(int(report->addedSceneIds.size()), int(report->skipped.size()));
      });
}

void MainWindow::buildMissingOverviews(const std::vector<std::string>& sceneIds) {
  // Large rasters without overviews make zoomed-out views read every pixel: build them
  // (external .ovr, the source files stay untouched) in the background.
  std::vector<std::string> files;
  for (const Scene& scene : mScenes)
    if (std::find(sceneIds.begin(), sceneIds.end(), scene.id) != sceneIds.end())
      for (const auto& band : scene.bands)
        if (std::find(files.begin(), files.end(), band.path) == files.end()) files.push_back(band.path);
  if (mOverviewFeedback) mOverviewFeedback->cancel();  // a newer import supersedes it
  auto feedback = std::make_shared<Feedback>();
  mOverviewFeedback = feedback;
  QPointer<QStatusBar> bar(statusBar());
  feedback->setProgressCallback([bar](int64_t step, int64_t total, const std::string& message) {
    QMetaObject::invokeMethod(
        qApp, [bar, step, total, message] {
          if (bar) bar->showMessage(QObject::tr("Overviews: %1 %2%").arg(QString::fromStdString(message)).arg(total ? 100 * step / total : 0), 2000);
        },
        Qt::QueuedConnection);
  });
  runAsync<int>(
      mWorkers, this,
      [files, feedback] {
        int built = 0;
        for (const auto& path : files) {
          throwIfCanceled(feedback.get());
          const auto source = RasterSource::open(path);
          const auto& info = source->info();
          if (!info.overviewSizes.empty() || std::max(info.width, info.height) <= 1024) continue;
          buildOverviews(path, feedback.get());
          ++built;
        }
        return built;
      },
      [this](std::optional<int> built, const std::string& error) {
        if (!built)
          log(QStringLiteral("warning"), tr("overviews: %1").arg(q(error)));
        else if (*built > 0)
          log(QStringLiteral("info"), tr("built overviews for %1 file(s)").arg(*built));
      });
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  QStringList paths;
  for (const QUrl& url : event->mimeData()->urls())
    if (url.isLocalFile()) paths << url.toLocalFile();
  if (paths.size() == 1 && paths.front().endsWith(QStringLiteral(".gpkg")))
    openProject(paths.front());
  else if (!paths.isEmpty())
    importPaths(paths);
  event->acceptProposedAction();
}

void MainWindow::setScreenshotTarget(const QString& file) {
  mScreenshotFile = file;
  QTimer::singleShot(120000, this, [this] {
    if (mScreenshotFile.isEmpty()) return;
    log(QStringLiteral("error"), tr("screenshot: nothing drew within 120 s"));
    std::fprintf(stderr, "prithvi-studio: screenshot timed out: the map did not finish drawing\n");
    QApplication::exit(1);
  });
}

void MainWindow::maybeTakeScreenshot() {
  if (mScreenshotFile.isEmpty() || !mProjectLoaded || !mCanvas->isRenderComplete() || mCatalog->pendingThumbnails() > 0)
    return;
  // Let the last tiles reach the screen before grabbing.
  QTimer::singleShot(50, this, [this] {
    if (mScreenshotFile.isEmpty() || !mCanvas->isRenderComplete()) return;
    const QString file = mScreenshotFile;
    mScreenshotFile.clear();
    const bool saved = grab().save(file);
    if (!saved) std::fprintf(stderr, "prithvi-studio: cannot write %s\n", qPrintable(file));
    QApplication::exit(saved ? 0 : 1);
  });
}

}  // namespace prithvi
