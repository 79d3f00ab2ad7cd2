#pragma once
// The main window's session as the project keeps it (core/project/WorkspaceStore): the layers
// bottom to top (which file or project scene, style with its class-map role, opacity,
// visibility), the map's CRS, centre and scale, and the dock layout. Saved a moment after each
// change and on close; restored when the project opens again.

#include <QByteArray>
#include <QString>
#include <optional>
#include <string>
#include <vector>

#include "core/render/Render.h"
#include "viewers/MapCanvas.h"

namespace prithvi {

class LayerStack;

struct SavedLayer {
  std::string sceneId;  // a project scene: its id; else empty
  std::string path;     // a raster file (a result, a mask): its path; else empty
  LayerStyle style;
  double opacity = 1.0;
  bool visible = true;
};

struct WorkspaceState {
  std::vector<SavedLayer> layers;  // bottom first
  std::string mapCrs;
  std::optional<MapPoint> center;
  double resolution = 0;
  QByteArray dockState;  // QMainWindow::saveState()
  std::vector<std::pair<std::string, bool>> vectorLayers;  // file, shown; bottom first
  int selectedLayer = -1;  // index into layers, -1: none

  // `projectScenes` tells a project scene (kept by id) from a file added as a layer (by path).
  static WorkspaceState capture(const LayerStack& layers, const std::vector<std::string>& projectSceneIds,
                                const MapCanvas& canvas, const QByteArray& dockState, int selectedLayerId);
  std::string toJson() const;
  // Error(BadInput) for text that is not a workspace.
  static WorkspaceState fromJson(const std::string& json);
};

}  // namespace prithvi
