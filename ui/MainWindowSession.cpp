// The main window's session in the project: saved a moment after each change of layers, styles
// or view and on close; restored when the project opens (ui/WorkspaceState).
#include <QFileInfo>
#include <QMessageBox>
#include <QStatusBar>

#include "core/base/Error.h"
#include "core/project/ProjectStore.h"
#include "core/project/WorkspaceStore.h"
#include "core/scene/SceneScanner.h"
#include "ui/LayersDock.h"
#include "ui/VectorLayersPanel.h"
#include "viewers/VectorOverlay.h"
#include "ui/MainWindow.h"
#include "ui/WorkspaceState.h"
#include "viewers/MapCanvas.h"

namespace prithvi {

namespace {
QString q(const std::string& text) { return QString::fromStdString(text); }
constexpr const char* kMainWorkspace = "main";
}  // namespace

void MainWindow::scheduleWorkspaceSave() {
  if (mStore && mProjectLoaded && !mRestoringWorkspace) mWorkspaceTimer.start();
}

void MainWindow::saveWorkspace() {
  mWorkspaceTimer.stop();
  if (!mStore || !mProjectLoaded || mRestoringWorkspace || mStore->isReadOnly()) return;
  std::vector<std::string> sceneIds;
  sceneIds.reserve(mScenes.size());
  for (const Scene& scene : mScenes) sceneIds.push_back(scene.id);
  WorkspaceState state = WorkspaceState::capture(mLayers, sceneIds, *mCanvas, saveState(), mLayersDock->currentLayerId());
  for (int row = 0; row < mVectors->count(); ++row)
    state.vectorLayers.emplace_back(mVectors->layer(row).data().path, mVectors->isVisible(row));
  try {
    WorkspaceStore(*mStore).save(kMainWorkspace, state.toJson());
  } catch (const Error& error) {
    log(QStringLiteral("error"), tr("could not save the window's layers and view in the project: %1").arg(q(error.what())));
  }
}

bool MainWindow::restoreWorkspace() {
  std::optional<std::string> saved;
  WorkspaceState state;
  try {
    saved = WorkspaceStore(*mStore).load(kMainWorkspace);
    if (!saved) return false;
    state = WorkspaceState::fromJson(*saved);
  } catch (const Error& error) {
    log(QStringLiteral("warning"), tr("the saved layers and view could not be read (%1); starting afresh").arg(q(error.what())));
    return false;
  }
  mRestoringWorkspace = true;
  QStringList missing;
  int selected = 0;
  for (size_t i = 0; i < state.layers.size(); ++i) {
    const SavedLayer& saved = state.layers[i];
    std::optional<Scene> scene;
    if (!saved.sceneId.empty()) {
      for (const Scene& candidate : mScenes)
        if (candidate.id == saved.sceneId) scene = candidate;
    } else {
      try {
        scene = sceneOfFile(saved.path);
      } catch (const Error& error) {
        log(QStringLiteral("warning"), q(error.what()));
      }
    }
    if (!scene) {
      missing << q(saved.sceneId.empty() ? saved.path : saved.sceneId);
      continue;
    }
    const int id = restoreLayer(*scene, saved);
    if (id && int(i) == state.selectedLayer) selected = id;
  }
  if (!state.dockState.isEmpty()) restoreState(state.dockState);
  if (state.center && !mLayers.layers().empty()) {
    if (!state.mapCrs.empty() && state.mapCrs != mCanvas->mapCrs()) mCanvas->setMapCrs(state.mapCrs);
    mCanvas->setView(*state.center, state.resolution);
  }
  if (selected) mLayersDock->setCurrentLayer(selected);
  // Read in the background; one that is gone says so in the status bar when its read fails.
  for (const auto& [path, shown] : state.vectorLayers) {
    mQuietVectorFailures.insert(q(path));
    mVectors->add(q(path), shown);
  }
  mRestoringWorkspace = false;
  if (!missing.isEmpty()) {
    const QString text = tr("%n saved layer(s) could not be shown again (moved or deleted): %1", nullptr, int(missing.size()))
                             .arg(missing.join(QStringLiteral(", ")));
    log(QStringLiteral("warning"), text);
    statusBar()->showMessage(text, 15000);
  }
  log(QStringLiteral("info"), tr("restored %1 layer(s) and the view of the last session").arg(mLayers.layers().size()));
  return !mLayers.layers().empty();
}

int MainWindow::restoreLayer(const Scene& scene, const SavedLayer& saved) {
  int id = 0;
  try {
    id = mLayers.add(scene, saved.style);
  } catch (const Error& error) {
    log(QStringLiteral("warning"), q(error.what()));
    return 0;
  }
  if (mCanvas->mapCrs().empty()) {
    mCanvas->setMapCrs(scene.crs());
    mCanvas->zoomToLayer(id);
  }
  mLayers.setOpacity(id, saved.opacity);
  mLayers.setVisible(id, saved.visible);
  // The saved limits stand; the statistics (the histogram) are read again.
  StyleRequest request;
  request.layerId = id;
  request.style = saved.style;
  request.keepLimits = true;
  applyStyle(request);
  return id;
}

bool MainWindow::offerToReopen(const QString& project, const QString& crashReport) {
  if (project.isEmpty() || !QFileInfo::exists(project)) return false;
  QString text = tr("Prithvi Studio quit unexpectedly while %1 was open.").arg(QFileInfo(project).fileName());
  if (!crashReport.isEmpty()) text += QLatin1Char(' ') + tr("A crash report was saved in %1.").arg(crashReport);
  text += QStringLiteral("\n\n") + tr("Every edit was saved as it was made. Open the project again?");
  log(QStringLiteral("warning"), tr("the last session ended without a clean exit%1")
                                     .arg(crashReport.isEmpty() ? QString() : tr("; crash report %1").arg(crashReport)));
  const auto answer = QMessageBox::question(this, tr("Reopen project"), text, QMessageBox::Open | QMessageBox::Cancel,
                                            QMessageBox::Open);
  return answer == QMessageBox::Open && openProject(project);
}

}  // namespace prithvi
