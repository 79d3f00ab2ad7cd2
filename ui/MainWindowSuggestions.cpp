// The Label Next dock in the window: `prithvi labels suggest` as a job, its suggestions shown,
// and a chosen chip brought up on the map with the last labelling tool ready.
#include <QDateTime>
#include <QDir>
#include <QDockWidget>
#include <QScrollArea>
#include <QStatusBar>

#include "core/raster/Crs.h"
#include "core/raster/RasterSource.h"
#include "ui/JobRunner.h"
#include "ui/JobsDock.h"
#include "ui/LabelDock.h"
#include "ui/MainWindow.h"
#include "ui/SuggestionsDock.h"
#include "viewers/MapCanvas.h"

namespace prithvi {

QDockWidget* MainWindow::buildSuggestionsDock(
    const std::function<QDockWidget*(const QString&, const QString&, QWidget*, Qt::DockWidgetArea)>& dock) {
  mSuggestions = new SuggestionsDock(this);
  mLastLabelTool = LabelTool::Polygon;
  connect(mSuggestions, &SuggestionsDock::suggestRequested, this, &MainWindow::suggestChips);
  connect(mSuggestions, &SuggestionsDock::cancelRequested, this, [this] {
    if (mSuggestJob) mSuggestJob->cancel();
  });
  connect(mSuggestions, &SuggestionsDock::chipChosen, this, &MainWindow::showSuggestedChip);
  connect(mLabels, &LabelDock::toolChosen, this, [this](LabelTool tool) {
    if (tool != LabelTool::Select) mLastLabelTool = tool;
  });
  // Scrolls rather than making the window taller: it shares the left column with the catalog.
  auto* scroll = new QScrollArea(this);
  scroll->setWidget(mSuggestions);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);  // the table scrolls its own columns
  QDockWidget* dockWidget = dock(tr("Label Next"), QStringLiteral("suggestionsDock"), scroll, Qt::LeftDockWidgetArea);
  // A fine-tune finished since: its checkpoint is offered when the dock comes forward.
  connect(dockWidget, &QDockWidget::visibilityChanged, this, [this](bool visible) {
    if (visible && !mProjectPath.isEmpty()) mSuggestions->setModels(modelCheckpoints());
  });
  return dockWidget;
}

void MainWindow::suggestChips(const QString& model, int count) {
  if (mProjectPath.isEmpty() || mSuggestJob) return;
  const QString out = QDir(resultsFolder())
                          .filePath(QStringLiteral("label-suggestions-%1.json")
                                        .arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"))));
  QDir().mkpath(resultsFolder());
  auto* job = new JobRunner(tr("Where to label next"),
                            {QStringLiteral("labels"), QStringLiteral("suggest"), mProjectPath, QStringLiteral("--model"), model,
                             QStringLiteral("--count"), QString::number(count), QStringLiteral("--out"), out},
                            this);
  mSuggestJob = job;
  connect(job, &JobRunner::progressed, mSuggestions,
          [this](qint64 step, qint64 total, double, const QString& message) { mSuggestions->setProgress(step, total, message); });
  connect(job, &JobRunner::artifactProduced, this, [this](const QString& path, const QString& kind) {
    if (kind == QLatin1String("label_suggestions")) mSuggestions->loadSuggestions(path, mScenes);
  });
  connect(job, &JobRunner::finished, this, [this](const QString& status, const QString& error) {
    mSuggestions->setRunning(false);
    if (status == QLatin1String("canceled")) mSuggestions->setStatus(tr("Canceled: the earlier suggestions stay."));
    if (status == QLatin1String("failed")) mSuggestions->setStatus(tr("The suggestions failed: %1").arg(error));
  });
  mJobs->track(job, QStringLiteral("labels suggest"));
  mSuggestions->setRunning(true);
  mSuggestions->setStatus(tr("Asking the model about every unlabelled chip…"));
  job->start();
}

void MainWindow::showSuggestedChip(const QString& sceneId, const Window& chip) {
  const auto scene = std::find_if(mScenes.begin(), mScenes.end(), [&](const Scene& s) { return s.id == sceneId.toStdString(); });
  if (scene == mScenes.end()) {
    statusBar()->showMessage(tr("Scene %1 is no longer in the project").arg(sceneId), 10000);
    return;
  }
  if (!showDate(sceneId)) return;
  // The chip's corners in the map's CRS, with a margin of a quarter chip for context.
  const double margin = 0.25 * std::max(chip.width, chip.height);
  MapExtent extent{std::numeric_limits<double>::max(), std::numeric_limits<double>::max(), std::numeric_limits<double>::lowest(),
                   std::numeric_limits<double>::lowest()};
  const bool sameCrsAsMap = sameCrs(mCanvas->mapCrs(), scene->crsWkt);
  for (const auto& [px, py] : {std::pair{chip.x - margin, chip.y - margin}, std::pair{chip.x + chip.width + margin, chip.y - margin},
                               std::pair{chip.x - margin, chip.y + chip.height + margin},
                               std::pair{chip.x + chip.width + margin, chip.y + chip.height + margin}}) {
    MapPoint point = scene->geoTransform.pixelToMap(px, py);
    if (!sameCrsAsMap) {
      const auto lonLat = LonLatTransform(scene->crsWkt).toLonLat(point);
      const auto onMap = lonLat ? LonLatTransform(mCanvas->mapCrs()).fromLonLat(*lonLat) : std::nullopt;
      if (!onMap) return;
      point = *onMap;
    }
    extent.minX = std::min(extent.minX, point.x);
    extent.maxX = std::max(extent.maxX, point.x);
    extent.minY = std::min(extent.minY, point.y);
    extent.maxY = std::max(extent.maxY, point.y);
  }
  mCanvas->zoomToExtent(extent);
  // The last drawing tool, ready (refused, with the Labels dock saying why, until a label set
  // of the scene is open for editing).
  mLabels->setTool(mLastLabelTool);
  statusBar()->showMessage(tr("Label this chip of %1 (pixels %2,%3, %4 x %5)")
                               .arg(sceneId)
                               .arg(chip.x)
                               .arg(chip.y)
                               .arg(chip.width)
                               .arg(chip.height),
                           10000);
}

}  // namespace prithvi
