// The Data Sources dock in the window: its box drawing on the map, and found granules into the
// project (streamed, downloaded, or as the tile's time series) through core's fetchGranules.
#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollArea>
#include <QStatusBar>
#include <algorithm>

#include "core/project/ProjectStore.h"
#include "core/stac/GranuleFetch.h"
#include "ui/DataSourcesDock.h"
#include "ui/EarthdataLogin.h"
#include "ui/LabelDock.h"
#include "ui/LayersDock.h"
#include "ui/MainWindow.h"
#include "ui/ProgressJob.h"
#include "ui/TimeSeriesDock.h"
#include "ui/VectorLayersPanel.h"
#include "viewers/MapCanvas.h"

namespace prithvi {

namespace {
QString q(const std::string& text) { return QString::fromStdString(text); }
}  // namespace

QDockWidget* MainWindow::buildDataSourcesDock(
    const std::function<QDockWidget*(const QString&, const QString&, QWidget*, Qt::DockWidgetArea)>& dock) {
  mEarthdata = new EarthdataLogin(this);
  mDataSources = new DataSourcesDock(mCanvas, mEarthdata, this);
  mEarthdata->load();
  connect(mDataSources, &DataSourcesDock::fetchRequested, this,
          [this](const std::vector<StacGranule>& granules, DataSourcesDock::Fetch how) { fetchFromArchive(granules, int(how)); });
  // "Draw Box": one rectangle, then back to the select tool.
  connect(mDataSources, &DataSourcesDock::drawBoxRequested, this, [this] {
    if (mCanvas->mapCrs().empty()) {
      statusBar()->showMessage(tr("The map shows nothing yet: search by MGRS tile, or add a scene first"), 10000);
      return;
    }
    mLabels->setTool(LabelTool::Select);
    mDrawingSearchBox = true;
    mCanvas->setTool(MapCanvas::Tool::Rectangle);
    mCanvas->setFocus();
    statusBar()->showMessage(tr("Drag a rectangle on the map to search in"), 10000);
  });
  // A vector layer's extent (its context menu) as the area.
  connect(mVectors, &VectorLayersPanel::searchArchiveRequested, this,
          [this](const MapExtent& extent, const QString& name, const QByteArray& polygons) {
    mDataSources->setDrawnBox({extent.minX, extent.minY}, {extent.maxX, extent.maxY}, name, polygons);
    showDataSources();
  });
  connect(mCanvas, &MapCanvas::rectangleFinished, this, [this](const MapPoint& a, const MapPoint& b) {
    if (!mDrawingSearchBox) return;
    mDrawingSearchBox = false;
    mCanvas->setTool(MapCanvas::Tool::Identify);
    mDataSources->setDrawnBox(a, b);
  });
  // On a small screen the form scrolls rather than making the window taller than the screen.
  auto* scroll = new QScrollArea(this);
  scroll->setWidget(mDataSources);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);  // the table scrolls its own columns
  return dock(tr("Data Sources"), QStringLiteral("dataSourcesDock"), scroll, Qt::LeftDockWidgetArea);
}

void MainWindow::showDataSources() {
  if (auto* dock = findChild<QDockWidget*>(QStringLiteral("dataSourcesDock"))) {
    dock->show();
    dock->raise();
  }
}

void MainWindow::fetchFromArchive(const std::vector<StacGranule>& granules, int how) {
  if (granules.empty()) return;
  if (!mStore) {
    QMessageBox::information(this, tr("Data Sources"),
                             tr("Open or create a project first (Ctrl+O, Ctrl+N): found granules are added to a project."));
    Q_EMIT archiveFetchFinished(0, tr("no project"));
    return;
  }
  const auto mode = DataSourcesDock::Fetch(how);
  FetchOptions options;
  options.download = mode == DataSourcesDock::Fetch::Download;
  options.folder = QFileInfo(mProjectPath).absoluteDir().filePath(QStringLiteral("hls")).toStdString();
  options.earthdataToken = mEarthdata->token();
  options.tokenAdvice = EarthdataLogin::advice().toStdString();
  const std::string project = mProjectPath.toStdString();
  const int count = int(granules.size());
  const QString title = options.download ? tr("Downloading %n granule(s)…", nullptr, count) : tr("Adding %n granule(s)…", nullptr, count);
  log(QStringLiteral("info"), title);
  runWithProgress<FetchReport>(
      this, mWorkers, mJobs, title, QStringLiteral("fetch"),
      [project, granules, options](Feedback& feedback) {
        auto store = ProjectStore::open(project);  // the worker's own connection
        return fetchGranules(*store, granules, options, &feedback);
      },
      [this, mode](std::optional<FetchReport> report, const std::string& error) {
        if (!report) {
          log(QStringLiteral("error"), tr("data sources: %1").arg(q(error)));
          if (error.find("Earthdata login failed") != std::string::npos) {
            QMessageBox box(QMessageBox::Warning, tr("Earthdata Login"), q(error), QMessageBox::Cancel, this);
            QPushButton* signIn = box.addButton(tr("Sign In…"), QMessageBox::AcceptRole);
            box.setDefaultButton(signIn);
            box.exec();
            if (box.clickedButton() == signIn) mDataSources->openSignIn();
          } else if (error != "canceled") {
            QMessageBox::warning(this, tr("Data Sources"), q(error));
          }
          Q_EMIT archiveFetchFinished(0, q(error));
          return;
        }
        for (const auto& file : report->import.skipped) log(QStringLiteral("skipped"), q(file.path + ": " + file.reason));
        for (const auto& warning : report->import.warnings) log(QStringLiteral("warning"), q(warning));
        const int added = int(report->import.addedSceneIds.size());
        if (mode == DataSourcesDock::Fetch::Download)
          log(QStringLiteral("info"), tr("downloaded %1 file(s) (%2 MB, %3 resumed, %4 already there); %5 granule(s) added, %6 switched "
                                         "from streaming to the download")
                                          .arg(report->download.downloaded)
                                          .arg(double(report->download.bytes) / 1e6, 0, 'f', 1)
                                          .arg(report->download.resumed)
                                          .arg(report->download.alreadyThere)
                                          .arg(added)
                                          .arg(report->switchedSceneIds.size()));
        else
          log(QStringLiteral("info"), tr("%1 granule(s) added as streamed scenes (read over the network when shown)").arg(added));
        reloadCatalog();
        // Show the clearest of the granules (latest on ties) when the map is empty or a time
        // series was asked for; a time series starts at the centre of that granule.
        std::vector<std::string> ids = report->import.addedSceneIds;
        ids.insert(ids.end(), report->import.alreadyPresentSceneIds.begin(), report->import.alreadyPresentSceneIds.end());
        const Scene* best = nullptr;
        for (const Scene& scene : mScenes)
          if (std::find(ids.begin(), ids.end(), scene.id) != ids.end() &&
              (!best || scene.cloudCoverPercent.value_or(100) < best->cloudCoverPercent.value_or(100)))
            best = &scene;
        if (best && (mLayers.layers().empty() || mode == DataSourcesDock::Fetch::TimeSeries)) {
          const std::string tile = best->tile;
          if (addSceneLayer(q(best->id)) && mode == DataSourcesDock::Fetch::TimeSeries) {
            mCanvas->zoomToLayer(mLayersDock->currentLayerId());
            if (auto* dock = findChild<QDockWidget*>(QStringLiteral("timeSeriesDock"))) dock->raise();
            mTimeSeries->showPixel(mCanvas->center(), mCanvas->mapCrs(), tile);
          }
        }
        if (mode == DataSourcesDock::Fetch::Download) buildMissingOverviews(report->import.addedSceneIds);
        const int present = int(report->import.alreadyPresentSceneIds.size());
        QString summary = present ? tr("%1 granule(s) added to the project, %2 already in it").arg(added).arg(present)
                                  : tr("%n granule(s) added to the project", nullptr, added);
        if (mode == DataSourcesDock::Fetch::Download)
          summary += tr("; %1 file(s) downloaded into hls/, %2 granule(s) now read from the downloads")
                         .arg(report->download.downloaded)
                         .arg(added + int(report->switchedSceneIds.size()));
        statusBar()->showMessage(summary, 15000);
        Q_EMIT archiveFetchFinished(added, QString());
      });
}

}  // namespace prithvi
