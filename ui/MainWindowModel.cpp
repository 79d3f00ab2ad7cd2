// The main window's model side: running a model over a scene, view or drawn area as a job,
// result layers, comparing two layers and accuracy. Split from MainWindow.cpp to keep each
// file about one thing.
#include <QAction>
#include <QDateTime>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenuBar>
#include <QMessageBox>
#include <QScrollArea>
#include <QStandardPaths>
#include <QSplitter>
#include <QStatusBar>
#include <algorithm>

#include "core/base/Error.h"
#include "core/labels/LabelExchange.h"
#include "core/raster/Polygonize.h"
#include "core/labels/LabelStore.h"
#include "core/metrics/SceneComparison.h"
#include "core/project/ProjectStore.h"
#include "core/base/Assets.h"
#include "core/scene/SceneScanner.h"
#include "ui/AccuracyDock.h"
#include "core/base/Feedback.h"
#include "ui/Async.h"
#include "core/jobs/JobStore.h"
#include "core/registry/ModelRegistry.h"
#include "ui/JobRunner.h"
#include "ui/JobsDock.h"
#include "ui/LaunchDialog.h"
#include "ui/ComparisonDock.h"
#include "ui/InferenceDialog.h"
#include "ui/LabelDock.h"
#include "ui/MapExportDialog.h"
#include "ui/ModelsDock.h"
#include "ui/MainWindow.h"
#include "viewers/MapCanvas.h"

namespace prithvi {

namespace {
QString q(const std::string& text) { return QString::fromStdString(text); }

void raiseDock(QMainWindow* window, const QString& name) {
  if (auto* dock = window->findChild<QDockWidget*>(name)) {
    dock->show();
    dock->raise();
  }
}
}  // namespace

void MainWindow::buildModelDocks(
    const std::function<QDockWidget*(const QString&, const QString&, QWidget*, Qt::DockWidgetArea)>& dock) {
  mComparison = new ComparisonDock(&mLayers, mCanvas, mSecondCanvas, this);
  mAccuracy = new AccuracyDock(&mLayers, mCanvas, this);
  // Scrolling rather than widening the right column (and so the smallest window).
  auto scrolled = [this](QWidget* widget) {
    auto* scroll = new QScrollArea(this);
    scroll->setWidget(widget);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    return scroll;
  };
  auto* compareDock = dock(tr("Compare"), QStringLiteral("compareDock"), scrolled(mComparison), Qt::RightDockWidgetArea);
  auto* accuracyDock = dock(tr("Accuracy"), QStringLiteral("accuracyDock"), scrolled(mAccuracy), Qt::RightDockWidgetArea);
  if (auto* identify = findChild<QDockWidget*>(QStringLiteral("identifyDock"))) {
    tabifyDockWidget(identify, compareDock);
    tabifyDockWidget(identify, accuracyDock);
  }
  compareDock->toggleViewAction()->setObjectName(compareDock->objectName());
  accuracyDock->toggleViewAction()->setObjectName(accuracyDock->objectName());
  connect(mComparison, &ComparisonDock::sideBySideChanged, this, &MainWindow::showSideBySide);
  connect(mComparison, &ComparisonDock::differenceRequested, this, &MainWindow::makeDifferenceMap);
  connect(mAccuracy, &AccuracyDock::message, this, &MainWindow::log);

  // Side by side: either map moves both.
  auto follow = [this](MapCanvas* from, MapCanvas* to) {
    connect(from, &MapCanvas::viewChanged, this, [this, from, to] {
      if (mSyncingViews || !mSecondCanvas->isVisible()) return;
      mSyncingViews = true;
      if (to->mapCrs() != from->mapCrs()) to->setMapCrs(from->mapCrs());
      to->setView(from->center(), from->resolution());
      mSyncingViews = false;
    });
  };
  follow(mCanvas, mSecondCanvas);
  follow(mSecondCanvas, mCanvas);

  // The Run Model dialog's "Draw on Map": one rectangle, then back to the select tool.
  connect(mCanvas, &MapCanvas::rectangleFinished, this, [this](const MapPoint& a, const MapPoint& b) {
    if (!mDrawingInferenceArea) return;
    mDrawingInferenceArea = false;
    mCanvas->setTool(MapCanvas::Tool::Identify);
    if (mInference)
      mInference->setDrawnArea({std::min(a.x, b.x), std::min(a.y, b.y), std::max(a.x, b.x), std::max(a.y, b.y)});
  });
}

void MainWindow::buildModelMenu() {
  QMenu* model = menuBar()->addMenu(tr("&Model"));
  QAction* run = model->addAction(tr("&Run Model…"), QKeySequence(tr("Ctrl+R")), this, [this] { openInferenceDialog(); });
  run->setObjectName(QStringLiteral("runModelAction"));
  QAction* addLayer = model->addAction(tr("Add Raster &Layer…"), QKeySequence(tr("Ctrl+Shift+A")), this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Add raster layer"), resultsFolder(),
                                                      tr("Rasters (*.tif *.tiff *.vrt);;All files (*)"));
    if (!path.isEmpty()) addRasterLayer(path);
  });
  addLayer->setObjectName(QStringLiteral("addRasterLayerAction"));
  model->addSeparator();
  QMenu* compare = model->addMenu(tr("&Compare Layers"));
  const std::pair<ComparisonDock::Mode, QString> modes[] = {{ComparisonDock::Mode::Off, tr("&Off")},
                                                            {ComparisonDock::Mode::SideBySide, tr("&Side by Side")},
                                                            {ComparisonDock::Mode::Swipe, tr("S&wipe")},
                                                            {ComparisonDock::Mode::Blend, tr("&Blend")},
                                                            {ComparisonDock::Mode::Flicker, tr("&Flicker")}};
  for (const auto& [mode, text] : modes) {
    const ComparisonDock::Mode chosen = mode;
    QAction* action = compare->addAction(text, QKeySequence(QStringLiteral("Ctrl+Alt+%1").arg(int(mode))), this, [this, chosen] {
      mComparison->setMode(chosen);
      raiseDock(this, QStringLiteral("compareDock"));
    });
    action->setObjectName(QStringLiteral("compareMode%1").arg(int(mode)));
  }
  model->addAction(tr("&Difference Map of A and B"), QKeySequence(tr("Ctrl+D")), this, [this] {
    makeDifferenceMap(mComparison->layerA(), mComparison->layerB());
  });
  model->addAction(tr("&Accuracy…"), this, [this] { raiseDock(this, QStringLiteral("accuracyDock")); });
  model->addSeparator();
  QAction* launch = model->addAction(tr("&Launch Training…"), QKeySequence(tr("Ctrl+Shift+L")), this, [this] { openLaunchDialog(); });
  launch->setObjectName(QStringLiteral("launchTrainingAction"));
  model->addAction(tr("&Jobs"), QKeySequence(tr("Ctrl+J")), this, [this] { raiseDock(this, QStringLiteral("jobsDock")); });
  QAction* models = model->addAction(tr("&Models"), QKeySequence(tr("Ctrl+Shift+M")), this, [this] {
    mModels->refresh();
    raiseDock(this, QStringLiteral("modelsDock"));
  });
  models->setObjectName(QStringLiteral("modelsAction"));
}

LaunchDialog* MainWindow::openLaunchDialog() {
  if (mProjectPath.isEmpty()) {
    QMessageBox::information(this, tr("Launch Training"), tr("Open a project first: its runs and jobs are kept with it."));
    return nullptr;
  }
  if (!mLaunch) {
    mLaunch = new LaunchDialog(mProjectPath, JobRunner::cliPath(), this);
    mLaunch->setAttribute(Qt::WA_DeleteOnClose);
    connect(mLaunch, &LaunchDialog::launchRequested, this, [this](const QString& backend, const LaunchRequest& request) {
      mJobs->launch(backend.toStdString(), request);
      raiseDock(this, QStringLiteral("jobsDock"));
    });
  }
  mLaunch->show();
  mLaunch->raise();
  return mLaunch;
}

void MainWindow::launchRetrain(const QString& region, int year, const QString& task) {
  if (mProjectPath.isEmpty()) return;
  // The pipeline's own run folder under the project's runs/, one per launch.
  const QString stamp = QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"));
  const QDir project = QFileInfo(mProjectPath).absoluteDir();
  LaunchRequest request;
  request.name = tr("Retrain %1 %2 (%3)").arg(region).arg(year).arg(task).toStdString();
  request.arguments = {"pipeline", "annual", mProjectPath.toStdString(), "--region", region.toStdString(),
                       "--year", std::to_string(year), "--task", task.toStdString()};
  // A retrain repeats the settings of the region and year's last pipeline run (model, weights,
  // chip size, steps, margin...): only the labels are new.
  if (mStore) {
    const auto value = [](const std::vector<std::string>& arguments, const std::string& option) {
      const auto found = std::find(arguments.begin(), arguments.end(), option);
      return found != arguments.end() && found + 1 != arguments.end() ? *(found + 1) : std::string();
    };
    for (const JobRecord& job : JobStore(*mStore).jobs()) {  // newest first
      const auto& arguments = job.request.arguments;
      if (arguments.size() > 2 && arguments[0] == "pipeline" && arguments[1] == "annual" &&
          canonicalRegion(value(arguments, "--region")) == canonicalRegion(region.toStdString()) &&
          value(arguments, "--year") == std::to_string(year) && value(arguments, "--task") == task.toStdString()) {
        request.arguments.clear();
        for (const std::string& argument : arguments)
          if (argument != "--watch") request.arguments.push_back(argument);  // one run, not a watcher
        break;
      }
    }
  }
  request.runDir = project.filePath(QStringLiteral("runs/pipeline-%1-%2-%3").arg(region).arg(year).arg(stamp)).toStdString();
  request.workDir = project.absolutePath().toStdString();
  mJobs->launch("local", request);
  raiseDock(this, QStringLiteral("jobsDock"));
}

QString MainWindow::resultsFolder() const {
  const QString base = mProjectPath.isEmpty()
                           ? QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)
                           : QFileInfo(mProjectPath).absolutePath();
  const QString folder = QDir(base).filePath(QStringLiteral("results"));
  QDir().mkpath(folder);
  return folder;
}

int MainWindow::addRasterLayer(const QString& path, ColorMapName colorMap, QString* error,
                               std::optional<ChannelStretch> range) {
  Scene scene;
  try {
    scene = sceneOfFile(path.toStdString());
  } catch (const Error& failure) {
    log(QStringLiteral("error"), q(failure.what()));
    if (error)
      *error = q(failure.what());
    else
      QMessageBox::warning(this, tr("Add layer"), q(failure.what()));
    return 0;
  }
  std::optional<LayerStyle> style;
  if (!scene.hasPrithviBands()) {
    style = LayerStyle{};
    style->kind = LayerStyle::Kind::SingleBand;
    style->band = scene.bands.empty() ? BandRole::Other : scene.bands.front().role;
    style->colorMap = colorMap;
    if (range) {
      style->stretch[0] = *range;
      style->customStretch = true;
    }
  }
  return addLayerFor(scene, style);
}

QStringList MainWindow::modelCheckpoints() const {
  // Checkpoints of the project's runs (newest first), then the bundled demo model.
  QStringList models;
  const QDir runs(QDir(QFileInfo(mProjectPath).absolutePath()).filePath(QStringLiteral("runs")));
  for (const QFileInfo& run : runs.entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Time))
    for (const char* name : {"checkpoints/best.safetensors", "checkpoints/last.safetensors"})
      if (QFileInfo::exists(QDir(run.filePath()).filePath(QLatin1String(name)))) {
        models << QDir(run.filePath()).filePath(QLatin1String(name));
        break;
      }
  const QString demo = q(assetPath("models/demo-flood.safetensors"));
  if (QFileInfo::exists(demo)) models << demo;
  return models;
}

InferenceDialog* MainWindow::openInferenceDialog() {
  if (mInference) {
    mInference->show();
    mInference->raise();
    return mInference;
  }
  const MapLayer* top = mLayers.topVisible();
  // Results are not inputs: run on the topmost layer that is imagery with Prithvi's bands.
  for (auto it = mLayers.layers().rbegin(); it != mLayers.layers().rend(); ++it)
    if (it->visible && it->scene.hasPrithviBands() && it->style.kind != LayerStyle::Kind::Classes) {
      top = &*it;
      break;
    }
  if (!top || !top->scene.hasPrithviBands()) {
    QMessageBox::information(this, tr("Run Model"),
                             tr("Show a scene with the six Prithvi bands (Blue, Green, Red, NIR, SWIR1, SWIR2) first: "
                                "double-click a granule in the catalog."));
    return nullptr;
  }
  InferenceContext context;
  context.scene = top->scene;
  for (const Scene& scene : mScenes)
    if (!scene.tile.empty() && scene.tile == top->scene.tile && scene.acquired < top->scene.acquired &&
        scene.hasPrithviBands())
      context.earlierDates.push_back(scene);
  std::sort(context.earlierDates.begin(), context.earlierDates.end(),
            [](const Scene& a, const Scene& b) { return a.acquired > b.acquired; });
  context.mapCrs = mCanvas->mapCrs();
  const MapPoint topLeft = mCanvas->screenToMap({0, 0});
  const MapPoint bottomRight = mCanvas->screenToMap({double(mCanvas->width() - 1), double(mCanvas->height() - 1)});
  context.view = {topLeft.x, bottomRight.y, bottomRight.x, topLeft.y};
  context.resultsFolder = resultsFolder();
  context.models = modelCheckpoints();

  mInference = new InferenceDialog(context, this);
  mInference->setAttribute(Qt::WA_DeleteOnClose);
  connect(mInference, &InferenceDialog::message, this, &MainWindow::log);
  connect(mInference, &InferenceDialog::jobStarted, mJobs, [this](JobRunner* runner) { mJobs->track(runner, QStringLiteral("infer")); });
  connect(mInference, &InferenceDialog::drawAreaRequested, this, [this] {
    mLabels->setTool(LabelTool::Select);
    mDrawingInferenceArea = true;
    mCanvas->setTool(MapCanvas::Tool::Rectangle);
    mCanvas->setFocus();
    statusBar()->showMessage(tr("Drag a rectangle on the map for the model to run over"), 10000);
  });
  connect(mInference, &InferenceDialog::resultReady, this, [this](const QString& path, const QString& kind) {
    QString error;
    // Uncertainty: its entropy band on a fixed 0 .. 1 in Magma, brightest where the model is least sure.
    const bool uncertainty = kind == QLatin1String("uncertainty");
    const int id = addRasterLayer(path,
                                  uncertainty                               ? ColorMapName::Magma
                                  : kind == QLatin1String("probabilities") ? ColorMapName::Viridis
                                                                            : ColorMapName::Gray,
                                  &error, uncertainty ? std::optional<ChannelStretch>(ChannelStretch{0, 1}) : std::nullopt);
    if (!id) {
      // Succeeded is not enough: the user must learn that the map shows nothing new, and why.
      const QString text = tr("the result %1 could not be shown: %2").arg(path, error);
      if (mInference) mInference->showResultNotShown(path, error);
      mJobs->noteResultNotShown(path, text);
      statusBar()->showMessage(text, 15000);
      return;
    }
    // The new result against what it was made from, ready to swipe.
    const MapLayer* input = nullptr;
    for (const MapLayer& layer : mLayers.layers())
      if (layer.id != id && layer.scene.hasPrithviBands() && layer.style.kind != LayerStyle::Kind::Classes) input = &layer;
    if (input) mComparison->setLayers(input->id, id);
    if (!uncertainty) mAccuracy->setPrediction(id);  // not a prediction of classes
  });
  mInference->show();
  return mInference;
}

void MainWindow::makeDifferenceMap(int layerA, int layerB) {
  const MapLayer* a = mLayers.layer(layerA);
  const MapLayer* b = mLayers.layer(layerB);
  if (!a || !b || layerA == layerB) {
    log(QStringLiteral("error"), tr("difference map: choose two different layers in the Compare dock"));
    return;
  }
  const Scene first = a->scene, second = b->scene;
  const QString out = QDir(resultsFolder())
                          .filePath(QStringLiteral("difference-%1.tif")
                                        .arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss-zzz"))));
  statusBar()->showMessage(tr("Computing the difference map…"));
  runAsync<DifferenceResult>(
      mWorkers, this, [first, second, out] { return writeDifference(first, second, out.toStdString()); },
      [this](std::optional<DifferenceResult> result, const std::string& error) {
        statusBar()->clearMessage();
        if (!result) {
          log(QStringLiteral("error"), tr("difference map: %1").arg(q(error)));
          QMessageBox::warning(this, tr("Difference map"), q(error));
          return;
        }
        const bool classes = result->kind == DifferenceKind::Classes;
        addRasterLayer(q(result->path), ColorMapName::Magma);
        log(QStringLiteral("info"),
            classes ? tr("difference map: %L1 of %L2 pixels differ (%3 %)")
                          .arg(result->differentPixels)
                          .arg(result->comparedPixels)
                          .arg(100.0 * double(result->differentPixels) / double(std::max<int64_t>(1, result->comparedPixels)), 0, 'f', 2)
                    : tr("difference map: mean RMS reflectance difference %1 over %L2 pixels")
                          .arg(result->meanDifference, 0, 'f', 4)
                          .arg(result->comparedPixels));
      });
}

void MainWindow::openExportDialog(MapExportFormat format) {
  if (mLayers.layers().empty() || mCanvas->mapCrs().empty()) {
    QMessageBox::information(this, tr("Export map"), tr("Add a layer to the map first."));
    return;
  }
  const MapPoint topLeft = mCanvas->screenToMap({0, 0});
  const MapPoint bottomRight = mCanvas->screenToMap({double(mCanvas->width() - 1), double(mCanvas->height() - 1)});
  MapExportDialog* dialog = openMapExportDialog(this, mLayers, {topLeft.x, bottomRight.y, bottomRight.x, topLeft.y},
                                                mCanvas->mapCrs(), mCanvas->size(), format, resultsFolder());
  if (!dialog) return;
  dialog->setObjectName(QStringLiteral("mapExportDialog"));
  if (dialog->property("followedByJobs").toBool()) return;  // the same dialog again
  dialog->setProperty("followedByJobs", true);
  // Each export is listed in the jobs dock while it runs, and how it ended.
  auto current = std::make_shared<std::pair<int, std::shared_ptr<Feedback>>>();
  connect(dialog, &MapExportDialog::exportStarted, mJobs, [this, current](const QString& title, std::shared_ptr<Feedback> job) {
    *current = {mJobs->trackTask(title, QStringLiteral("export"), job), job};
  });
  connect(dialog, &MapExportDialog::exportFinished, mJobs, [this, current](bool ok, const QString& message) {
    if (current->first == 0) return;
    const bool canceled = current->second && current->second->isCanceled();
    mJobs->endTask(current->first, ok ? QStringLiteral("ok") : canceled ? QStringLiteral("canceled") : QStringLiteral("failed"),
                   ok ? QString() : message);
    *current = {};
  });
}

void MainWindow::polygoniseLayer(int layerId) {
  const MapLayer* layer = mLayers.layer(layerId);
  if (!layer || layer->style.kind != LayerStyle::Kind::Classes) {
    QMessageBox::information(this, tr("Polygonise"), tr("Select a class-map layer (a model result or a label mask) in the Layers dock."));
    return;
  }
  const QString raster = q(layer->scene.bands.front().path);
  const QString out = QFileDialog::getSaveFileName(this, tr("Polygonise into"),
                                                   QDir(resultsFolder()).filePath(QFileInfo(raster).completeBaseName() + QStringLiteral(".gpkg")),
                                                   tr("GeoPackage (*.gpkg)"));
  if (out.isEmpty()) return;
  statusBar()->showMessage(tr("Polygonising %1…").arg(QFileInfo(raster).fileName()));
  runAsync<ClassPolygonResult>(
      mWorkers, this, [raster, out] { return polygonizeClassRaster(raster.toStdString(), out.toStdString()); },
      [this, out](std::optional<ClassPolygonResult> result, const std::string& error) {
        statusBar()->clearMessage();
        if (!result) {
          log(QStringLiteral("error"), tr("polygonise: %1").arg(q(error)));
          QMessageBox::warning(this, tr("Polygonise"), q(error));
          return;
        }
        log(QStringLiteral("info"), tr("wrote %L1 polygons to layer %2 of %3").arg(result->features).arg(q(result->layerName), out));
      });
}

void MainWindow::showSideBySide(bool shown) {
  if (shown) {
    mSecondCanvas->setMapCrs(mCanvas->mapCrs());
    mSecondCanvas->show();
    mSyncingViews = true;
    mSecondCanvas->setView(mCanvas->center(), mCanvas->resolution());
    mSyncingViews = false;
    if (auto* splitter = qobject_cast<QSplitter*>(centralWidget())) {
      const int half = splitter->width() / 2;
      splitter->setSizes({half, splitter->width() - half});
    }
  } else {
    mSecondCanvas->hide();
  }
}

void MainWindow::updateLabelReferences() {
  std::vector<LabelReference> references;
  if (mStore) {
    try {
      LabelStore store(*mStore);
      std::vector<LabelSet> sets = store.labelSets();
      // Validated sets are the references worth trusting: list them first.
      std::stable_sort(sets.begin(), sets.end(), [](const LabelSet& x, const LabelSet& y) {
        return (x.state == ReviewState::Validated) > (y.state == ReviewState::Validated);
      });
      for (const LabelSet& set : sets)
        references.push_back({tr("labels #%1 (%2) of %3").arg(set.id).arg(QLatin1String(reviewStateName(set.state)), q(set.sceneId)), set.id});
    } catch (const Error& error) {
      log(QStringLiteral("error"), tr("label sets: %1").arg(q(error.what())));
    }
  }
  mAccuracy->setLabelReferences(references, [this](int64_t labelSetId, QString* error) -> QString {
    if (!mStore) return {};
    try {
      LabelStore store(*mStore);
      const LabelSet set = store.labelSet(labelSetId);
      // One file per revision: a later comparison never reads a mask older than the labels.
      const QString path = QDir(resultsFolder()).filePath(QStringLiteral("labels-%1-r%2.tif").arg(labelSetId).arg(set.revision));
      if (!QFileInfo::exists(path)) exportLabelMask(store, labelSetId, path.toStdString());
      return path;
    } catch (const Error& failure) {
      if (error) *error = q(failure.what());
      return {};
    }
  });
}

}  // namespace prithvi
