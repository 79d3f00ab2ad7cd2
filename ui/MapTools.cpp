#include "ui/MapTools.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QClipboard>
#include <QFileInfo>
#include <QIcon>
#include <QMainWindow>
#include <QMenu>
#include <QToolBar>

#include "core/base/Assets.h"
#include "core/base/Error.h"
#include "core/raster/Crs.h"
#include "core/raster/Measure.h"

namespace prithvi {

namespace {
QString q(const std::string& text) { return QString::fromStdString(text); }

// Label tools and other actions by object name -> icon file.
const std::map<QString, QString>& iconNames() {
  static const std::map<QString, QString> names{
      {QStringLiteral("labelToolSelect"), QStringLiteral("select")},   {QStringLiteral("labelToolPolygon"), QStringLiteral("polygon")},
      {QStringLiteral("labelToolRectangle"), QStringLiteral("rectangle")}, {QStringLiteral("labelToolLasso"), QStringLiteral("lasso")},
      {QStringLiteral("labelToolBrush"), QStringLiteral("brush")},     {QStringLiteral("labelToolEraser"), QStringLiteral("eraser")},
      {QStringLiteral("labelToolWand"), QStringLiteral("wand")},       {QStringLiteral("labelToolSuperpixel"), QStringLiteral("superpixel")},
      {QStringLiteral("runModelAction"), QStringLiteral("run-model")}, {QStringLiteral("areaTimeSeriesAction"), QStringLiteral("time-series")},
  };
  return names;
}
}  // namespace

QIcon MapTools::icon(const QString& name) {
  try {
    return QIcon(q(assetPath("icons/" + name.toStdString() + ".svg")));
  } catch (const Error&) {
    return {};  // no icon: the action shows its text
  }
}

MapTools::MapTools(MapCanvas* canvas, QMainWindow* window) : QObject(window), mCanvas(canvas), mWindow(window) {
  mToolBar = new QToolBar(tr("Map Tools"), window);
  mToolBar->setObjectName(QStringLiteral("mapToolBar"));
  mToolBar->setIconSize(QSize(22, 22));
  mGroup = new QActionGroup(this);
  mGroup->setExclusive(true);
  const struct {
    Mode mode;
    const char* name;
    const char* icon;
    const char* text;
    const char* key;
    const char* tip;
  } tools[] = {
      {Mode::Identify, "mapToolIdentify", "identify", "Identify", "I", "Identify (I): click a pixel for its values and time series; drag pans"},
      {Mode::Pan, "mapToolPan", "pan", "Pan", "G", "Pan (G): drag to move the map; clicks do nothing"},
      {Mode::ZoomBox, "mapToolZoomBox", "zoom-box", "Zoom to Box", "Z", "Zoom to box (Z): drag a rectangle to zoom into it"},
      {Mode::MeasureDistance, "mapToolMeasureDistance", "measure-distance", "Measure Distance", "M",
       "Measure distance (M): click points along the way, double-click to finish; measured on the ellipsoid"},
      {Mode::MeasureArea, "mapToolMeasureArea", "measure-area", "Measure Area", "Shift+M",
       "Measure area (Shift+M): click the corners, double-click to finish; area and perimeter on the ellipsoid"},
  };
  for (const auto& tool : tools) {
    auto* action = new QAction(icon(QLatin1String(tool.icon)), tr(tool.text), this);
    action->setObjectName(QLatin1String(tool.name));
    action->setShortcut(QKeySequence(QLatin1String(tool.key)));
    action->setToolTip(tr(tool.tip));
    action->setStatusTip(tr(tool.tip));
    action->setCheckable(true);
    mGroup->addAction(action);
    mToolBar->addAction(action);
    window->addAction(action);  // shortcuts work wherever the focus is
    const Mode mode = tool.mode;
    connect(action, &QAction::triggered, this, [this, mode] { setMode(mode); });
    mActions[tool.mode] = action;
  }
  mActions[Mode::Identify]->setChecked(true);
  mToolBar->addSeparator();
}

void MapTools::addActions(const QList<QAction*>& actions) {
  for (QAction* action : actions) {
    if (!action) {
      mToolBar->addSeparator();
      continue;
    }
    const auto found = iconNames().find(action->objectName());
    if (found != iconNames().end() && action->icon().isNull()) action->setIcon(icon(found->second));
    // Tooltips name the shortcut, as the map tools' do.
    if (!action->shortcut().isEmpty() && !action->toolTip().contains(action->shortcut().toString(QKeySequence::NativeText)))
      action->setToolTip(QStringLiteral("%1 (%2)").arg(action->toolTip(), action->shortcut().toString(QKeySequence::NativeText)));
    mToolBar->addAction(action);
  }
}

QAction* MapTools::action(Mode mode) const {
  const auto found = mActions.find(mode);
  return found == mActions.end() ? nullptr : found->second;
}

void MapTools::setMode(Mode mode) {
  if (mode != Mode::Other && mBeforeModeChange) mBeforeModeChange();
  mMode = mode;
  if (QAction* chosen = action(mode)) chosen->setChecked(true);
  switch (mode) {
    case Mode::Identify:
    case Mode::Pan: mCanvas->setTool(MapCanvas::Tool::Identify); break;
    case Mode::ZoomBox: mCanvas->setTool(MapCanvas::Tool::Rectangle); break;
    case Mode::MeasureDistance: mCanvas->setTool(MapCanvas::Tool::Line); break;
    case Mode::MeasureArea: mCanvas->setTool(MapCanvas::Tool::Polygon); break;
    case Mode::Other: break;
  }
  if (mode != Mode::Other) mCanvas->setFocus();
}

void MapTools::release() {
  mMode = Mode::Other;
  mGroup->setExclusive(false);
  for (const auto& [mode, action] : mActions) action->setChecked(false);
  mGroup->setExclusive(true);
}

bool MapTools::rectangleFinished(const MapPoint& a, const MapPoint& b) {
  if (mMode != Mode::ZoomBox) return false;
  const MapExtent extent{std::min(a.x, b.x), std::min(a.y, b.y), std::max(a.x, b.x), std::max(a.y, b.y)};
  if (!extent.isEmpty()) mCanvas->zoomToExtent(extent);
  return true;
}

bool MapTools::polygonFinished(const std::vector<MapPoint>& points) {
  if (mMode != Mode::MeasureDistance && mMode != Mode::MeasureArea) return false;
  const bool area = mMode == Mode::MeasureArea;
  try {
    const GeodesicMeasure measure = measureGeodesic(points, mCanvas->mapCrs(), area);
    mLastMeasurement = area ? tr("Area %1, perimeter %2").arg(q(areaText(measure.areaSquareMeters)), q(distanceText(measure.lengthMeters)))
                            : tr("Distance %1 over %2 segments").arg(q(distanceText(measure.lengthMeters))).arg(points.size() - 1);
    Q_EMIT measured(mLastMeasurement);
  } catch (const Error& error) {
    Q_EMIT message(QStringLiteral("error"), tr("measure: %1").arg(q(error.what())));
  }
  mCanvas->setTool(area ? MapCanvas::Tool::Polygon : MapCanvas::Tool::Line);  // ready for the next measurement
  return true;
}

QMenu* MapTools::contextMenu(const MapPoint& point) {
  auto* menu = new QMenu(mWindow);
  menu->setObjectName(QStringLiteral("mapContextMenu"));
  menu->addAction(icon(QStringLiteral("identify")), tr("&Identify Here"), this, [this, point] { Q_EMIT identifyRequested(point); });
  menu->addAction(icon(QStringLiteral("time-series")), tr("&Time Series Here"), this, [this, point] { Q_EMIT timeSeriesRequested(point); });
  QString coordinates = QStringLiteral("%1, %2").arg(point.x, 0, 'f', 2).arg(point.y, 0, 'f', 2);
  try {
    if (const auto lonLat = LonLatTransform(mCanvas->mapCrs()).toLonLat(point))
      coordinates = QStringLiteral("%1, %2").arg(lonLat->lat, 0, 'f', 6).arg(lonLat->lon, 0, 'f', 6);
  } catch (const Error&) {
    // A map without a CRS copies its own coordinates.
  }
  QAction* copy = menu->addAction(tr("&Copy Coordinates (%1)").arg(coordinates), this,
                                  [coordinates] { QApplication::clipboard()->setText(coordinates); });
  copy->setObjectName(QStringLiteral("copyCoordinatesAction"));
  copy->setToolTip(tr("Latitude, longitude (WGS 84), as web maps take them"));
  menu->addSeparator();
  menu->addAction(icon(QStringLiteral("run-model")), tr("&Run Model on This View…"), this, [this] { Q_EMIT runModelOnViewRequested(); });
  return menu;
}

}  // namespace prithvi
