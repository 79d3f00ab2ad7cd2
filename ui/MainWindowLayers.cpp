// The main window's layer and map actions: class-map roles (set from a scheme, offered for
// rasters of few integer values), the layer context menu's style, export and properties; the
// map toolbar (ui/MapTools) and the map's context menu.
#include <QAction>
#include <QDockWidget>
#include <QMenu>
#include <QFileInfo>
#include <QMessageBox>
#include <QStatusBar>

#include "core/base/Error.h"
#include "core/labels/ClassScheme.h"
#include "core/labels/LabelStore.h"
#include "core/project/ProjectStore.h"
#include "core/render/Render.h"
#include "core/scene/SceneReader.h"
#include "ui/InferenceDialog.h"
#include "ui/LabelDock.h"
#include "ui/LayersDock.h"
#include "ui/MapTools.h"
#include "ui/TimeSeriesDock.h"
#include "ui/VectorLayersPanel.h"
#include "ui/MainWindow.h"
#include "viewers/MapCanvas.h"

namespace prithvi {

namespace {
QString q(const std::string& text) { return QString::fromStdString(text); }
}  // namespace

std::vector<ClassScheme> MainWindow::classSchemes() const {
  // The project's schemes (its label sets use them) first, then presets it does not redefine.
  std::vector<ClassScheme> schemes;
  if (mStore) {
    try {
      schemes = LabelStore(*mStore).schemes();
    } catch (const Error& error) {
      const_cast<MainWindow*>(this)->log(QStringLiteral("error"), tr("class schemes: %1").arg(q(error.what())));
    }
  }
  for (const ClassScheme& preset : presetClassSchemes())
    if (std::none_of(schemes.begin(), schemes.end(), [&](const ClassScheme& s) { return s.name == preset.name; }))
      schemes.push_back(preset);
  return schemes;
}

void MainWindow::refreshClassSchemes() {
  QStringList names;
  for (const ClassScheme& scheme : classSchemes()) names << q(scheme.name);
  mLayersDock->setClassSchemes(names);
}

bool MainWindow::setLayerClassMap(int layerId, const QString& schemeName) {
  const MapLayer* layer = mLayers.layer(layerId);
  if (!layer) return false;
  if (schemeName.isEmpty()) {
    // Back to an image: the first band in grey, stretched from the data again.
    StyleRequest request;
    request.layerId = layerId;
    request.style.kind = LayerStyle::Kind::SingleBand;
    request.style.band = layer->scene.bands.empty() ? BandRole::Other : layer->scene.bands.front().role;
    applyStyle(request);
    return true;
  }
  if (layer->scene.bands.size() != 1) {
    log(QStringLiteral("error"), tr("%1 has %2 bands; only a one-band raster can be a class map")
                                     .arg(q(layer->scene.id)).arg(layer->scene.bands.size()));
    return false;
  }
  const std::vector<ClassScheme> schemes = classSchemes();
  const auto scheme = std::find_if(schemes.begin(), schemes.end(), [&](const ClassScheme& s) { return q(s.name) == schemeName; });
  if (scheme == schemes.end()) {
    log(QStringLiteral("error"), tr("no class scheme named %1").arg(schemeName));
    return false;
  }
  const std::vector<int> present = fewClassValues(*layer->reader, 254).value_or(std::vector<int>{});
  StyleRequest request;
  request.layerId = layerId;
  request.style = classStyleOfScheme(*scheme, layer->scene.bands.front().role, present);
  applyStyle(request);
  log(QStringLiteral("info"), tr("%1 is shown as a class map of %2").arg(q(layer->scene.id), schemeName));
  return true;
}

void MainWindow::offerClassMapIfCodes(int layerId) {
  const MapLayer* layer = mLayers.layer(layerId);
  if (!layer || layer->style.kind == LayerStyle::Kind::Classes) return;
  std::optional<std::vector<int>> values;
  try {
    values = fewClassValues(*layer->reader);
  } catch (const Error& error) {
    log(QStringLiteral("warning"), q(error.what()));
  }
  if (!values) return;
  // The scheme that names every value, preferring one whose classes are exactly those values.
  QString proposed;
  size_t bestExtra = SIZE_MAX;
  for (const ClassScheme& scheme : classSchemes()) {
    if (!std::all_of(values->begin(), values->end(), [&](int v) { return scheme.find(v) != nullptr; })) continue;
    const size_t extra = scheme.classes.size() - values->size();
    if (extra < bestExtra) bestExtra = extra, proposed = q(scheme.name);
  }
  QStringList shown;
  for (int value : *values) shown << QString::number(value);
  if (shown.size() > 8) shown = shown.mid(0, 8) << QStringLiteral("…");
  mLayersDock->offerClassMap(layerId,
                             tr("%1 holds only the values %2. Is it a class map (a truth mask, another tool's "
                                "classes)? As a class map it can be a reference in the Accuracy dock.")
                                 .arg(q(layer->scene.id), shown.join(QStringLiteral(", "))),
                             proposed);
  if (auto* dock = findChild<QDockWidget*>(QStringLiteral("layersDock"))) dock->raise();
  statusBar()->showMessage(tr("%1 looks like a class map: see the Layers dock").arg(q(layer->scene.id)), 10000);
}

void MainWindow::showLayerProperties(int layerId) {
  const MapLayer* layer = mLayers.layer(layerId);
  if (!layer) return;
  const Scene& scene = layer->scene;
  QStringList lines;
  lines << tr("Scene: %1").arg(q(scene.id)) << tr("Size: %1 × %2 pixels").arg(scene.width).arg(scene.height)
        << tr("Pixel size: %1").arg(scene.geoTransform.pixelWidth()) << tr("CRS: %1").arg(q(scene.crs()).left(120));
  if (scene.acquired.isValid()) lines << tr("Acquired: %1").arg(scene.acquired.toString(Qt::ISODate));
  for (const SceneBand& band : scene.bands)
    lines << tr("Band %1 (%2): %3").arg(q(band.name), QLatin1String(bandRoleName(band.role)), q(band.path));
  if (layer->style.kind == LayerStyle::Kind::Classes)
    lines << tr("Class map%1, %2 classes").arg(layer->style.scheme.empty() ? QString() : tr(" of %1").arg(q(layer->style.scheme)))
                 .arg(layer->style.classes.size());
  QMessageBox box(QMessageBox::Information, tr("Layer Properties"), lines.join(QLatin1Char('\n')), QMessageBox::Close, this);
  box.setObjectName(QStringLiteral("layerProperties"));
  box.setTextInteractionFlags(Qt::TextSelectableByMouse);
  box.exec();
}

void MainWindow::buildMapTools() {
  mMapTools = new MapTools(mCanvas, this);
  addToolBar(Qt::TopToolBarArea, mMapTools->toolBar());
  // A map tool puts the label tool down first (the label tools hold the canvas otherwise).
  mMapTools->setBeforeModeChange([this] {
    mLabels->setTool(LabelTool::Select);
    const QSignalBlocker blocker(mAreaAction);
    mAreaAction->setChecked(false);
  });
  QList<QAction*> actions = mLabels->toolActions();
  actions << nullptr << mAreaAction << findChild<QAction*>(QStringLiteral("runModelAction"));
  mMapTools->addActions(actions);
  connect(mMapTools, &MapTools::measured, this, [this](const QString& text) {
    log(QStringLiteral("info"), text);
    statusBar()->showMessage(text, 60000);
  });
  connect(mMapTools, &MapTools::message, this, &MainWindow::log);
  connect(mCanvas, &MapCanvas::rectangleFinished, this, [this](const MapPoint& a, const MapPoint& b) { mMapTools->rectangleFinished(a, b); });
  // The map's context menu: not while a polygon is being drawn (right-click finishes it there).
  mCanvas->setContextMenuPolicy(Qt::CustomContextMenu);
  connect(mCanvas, &QWidget::customContextMenuRequested, this, [this](const QPoint& at) {
    if (MapCanvas::clicksVertices(mCanvas->tool()) || mCanvas->gestureInProgress() || mCanvas->mapCrs().empty()) return;
    QMenu* menu = mMapTools->contextMenu(mCanvas->screenToMap(at));
    menu->setAttribute(Qt::WA_DeleteOnClose);
    menu->popup(mCanvas->mapToGlobal(at));
  });
  connect(mMapTools, &MapTools::identifyRequested, this, [this](const MapPoint& point) { identifyAt(point); });
  connect(mMapTools, &MapTools::timeSeriesRequested, this, [this](const MapPoint& point) {
    const MapLayer* top = mLayers.topVisible();
    mTimeSeries->showPixel(point, mCanvas->mapCrs(), top ? top->scene.tile : std::string());
    if (auto* dock = findChild<QDockWidget*>(QStringLiteral("timeSeriesDock"))) dock->raise();
  });
  connect(mMapTools, &MapTools::runModelOnViewRequested, this, [this] {
    if (InferenceDialog* dialog = openInferenceDialog()) dialog->setArea(InferenceDialog::Area::View);
  });
}

void MainWindow::addVectorLayer(const QString& path, bool visible) {
  statusBar()->showMessage(tr("Reading %1…").arg(QFileInfo(path).fileName()));
  mVectors->add(path, visible);
}

void MainWindow::connectLayerActions() {
  // Vector layers as areas: zoom there, run the model over them, export a map of them.
  connect(mVectors, &VectorLayersPanel::zoomRequested, mCanvas, &MapCanvas::zoomToExtent);
  connect(mVectors, &VectorLayersPanel::runModelRequested, this, [this](const MapExtent& extent) {
    if (InferenceDialog* dialog = openInferenceDialog()) dialog->setDrawnArea(extent);
  });
  connect(mVectors, &VectorLayersPanel::exportRequested, this, [this](const MapExtent& extent) {
    mCanvas->zoomToExtent(extent);
    openExportDialog(MapExportFormat::Pdf);
  });
  connect(mVectors, &VectorLayersPanel::changed, this, &MainWindow::scheduleWorkspaceSave);
  connect(mVectors, &VectorLayersPanel::added, this, [this](const QString& path) {
    log(QStringLiteral("info"), tr("added vector layer %1").arg(path));
    statusBar()->clearMessage();
  });
  connect(mVectors, &VectorLayersPanel::failed, this, [this](const QString& path, const QString& error) {
    const QString text = tr("vector layer %1: %2").arg(path, error);
    log(QStringLiteral("error"), text);
    statusBar()->showMessage(text, 15000);
    // Asked for now: say it in a box; restored from the session: the status bar is enough.
    if (!mQuietVectorFailures.remove(path)) QMessageBox::warning(this, tr("Add Vector Layer"), error);
  });
  connect(mVectors, &VectorLayersPanel::added, this, [this](const QString& path) { mQuietVectorFailures.remove(path); });
  connect(mLayersDock, &LayersDock::classMapRequested, this, [this](int id, const QString& scheme) { setLayerClassMap(id, scheme); });
  connect(mLayersDock, &LayersDock::styleRequested, this, [this](int id) {
    mLayersDock->setCurrentLayer(id);
    if (auto* dock = findChild<QDockWidget*>(QStringLiteral("styleDock"))) {
      dock->show();
      dock->raise();
    }
  });
  connect(mLayersDock, &LayersDock::exportRequested, this, [this](int id) {
    mCanvas->zoomToLayer(id);
    openExportDialog(MapExportFormat::Pdf);
  });
  connect(mLayersDock, &LayersDock::propertiesRequested, this, &MainWindow::showLayerProperties);
}

}  // namespace prithvi
