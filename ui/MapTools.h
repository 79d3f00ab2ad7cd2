#pragma once
// The map's tools as a GIS user expects them: a toolbar with pan, zoom to box, identify and the
// two measures (distance and area on the ellipsoid), beside the labelling tools and Run Model,
// each with an icon and its shortcut in the tooltip; and the map's context menu (identify here,
// time series here, copy coordinates, run the model on this view).

#include <QObject>
#include <QString>
#include <functional>
#include <map>
#include <optional>
#include <vector>

#include "viewers/MapCanvas.h"

class QAction;
class QActionGroup;
class QMainWindow;
class QMenu;
class QToolBar;

namespace prithvi {

class MapTools : public QObject {
  Q_OBJECT
 public:
  enum class Mode { Identify, Pan, ZoomBox, MeasureDistance, MeasureArea, Other };
  MapTools(MapCanvas* canvas, QMainWindow* window);

  QToolBar* toolBar() const { return mToolBar; }
  // Adds actions after the map tools (label tools, Run Model), with icons from assets/icons.
  void addActions(const QList<QAction*>& actions);
  QAction* action(Mode mode) const;
  Mode mode() const { return mMode; }
  void setMode(Mode mode);
  // Called before a map tool takes the canvas (the window puts the label tools down first).
  void setBeforeModeChange(std::function<void()> hook) { mBeforeModeChange = std::move(hook); }
  // Another tool (a label tool, the area time series) took the map: no map tool is checked.
  void release();

  // What the canvas's gestures mean in the current mode; each returns true when it used it.
  bool rectangleFinished(const MapPoint& a, const MapPoint& b);
  bool polygonFinished(const std::vector<MapPoint>& points);
  bool clickUsed() const { return mMode == Mode::Pan; }  // a click in Pan mode does nothing

  // The last measurement ("1.23 km", "4.56 ha (…)"), empty before one.
  QString lastMeasurement() const { return mLastMeasurement; }
  // The map context menu at a map point (for the right-click and tests).
  QMenu* contextMenu(const MapPoint& point);
  // An icon from assets/icons (empty when the file is missing).
  static QIcon icon(const QString& name);

 Q_SIGNALS:
  void measured(const QString& text);
  void identifyRequested(const prithvi::MapPoint& point);
  void timeSeriesRequested(const prithvi::MapPoint& point);
  void runModelOnViewRequested();
  void message(const QString& level, const QString& text);

 private:
  MapCanvas* mCanvas;
  QMainWindow* mWindow;
  QToolBar* mToolBar;
  QActionGroup* mGroup;
  std::map<Mode, QAction*> mActions;
  Mode mMode = Mode::Identify;
  QString mLastMeasurement;
  std::function<void()> mBeforeModeChange;
};

}  // namespace prithvi
