// The main window's path from labels to training: Label > Build Dataset (ui/DatasetDialog) and
// the label exchange (export the open set's mask, the validated sets' polygons; import a class
// raster or a vector file into the open set as one undoable edit).
#include <QAction>
#include <QDateTime>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QStatusBar>

#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/labels/LabelEditor.h"
#include "core/labels/LabelExchange.h"
#include "core/labels/LabelStore.h"
#include "core/project/ProjectStore.h"
#include "core/scene/OutputGuard.h"
#include "ui/Async.h"
#include "ui/DatasetDialog.h"
#include "ui/JobsDock.h"
#include "ui/LabelDock.h"
#include "ui/LaunchDialog.h"
#include "ui/MainWindow.h"

namespace prithvi {

namespace {
QString q(const std::string& text) { return QString::fromStdString(text); }
}  // namespace

DatasetDialog* MainWindow::openDatasetDialog() {
  if (mProjectPath.isEmpty()) {
    QMessageBox::information(this, tr("Build Dataset"), tr("Open a project with label sets first."));
    return nullptr;
  }
  if (!mDataset) {
    mDataset = new DatasetDialog(mProjectPath, mJobs, this);
    mDataset->setAttribute(Qt::WA_DeleteOnClose);
    connect(mDataset, &DatasetDialog::built, this, [this](const QString& path) {
      log(QStringLiteral("info"), tr("dataset built: %1").arg(path));
      statusBar()->showMessage(tr("Dataset built: %1. Model > Launch Training uses it.").arg(path), 15000);
    });
    connect(mDataset, &DatasetDialog::launchTrainingRequested, this, [this](const QString& path) {
      if (LaunchDialog* launch = openLaunchDialog()) launch->setTrainingData(path);
    });
  }
  mDataset->show();
  mDataset->raise();
  return mDataset;
}

void MainWindow::exportOpenLabelMask() {
  LabelEditor* editor = mLabels->editor();
  if (!editor || !mStore) {
    QMessageBox::information(this, tr("Export Label Mask"), tr("Open a label set in the Labels dock first."));
    return;
  }
  const LabelSet set = editor->labelSet();
  const QString proposed = QDir(resultsFolder()).filePath(QStringLiteral("labels-%1-%2.tif").arg(set.id).arg(q(set.scheme)));
  const QString path = QFileDialog::getSaveFileName(this, tr("Export the label mask"), proposed, tr("GeoTIFF (*.tif)"));
  if (path.isEmpty()) return;
  try {
    refuseOutputOverSceneFiles(path.toStdString(), mScenes, "the label mask");  // never over the imagery
  } catch (const Error& error) {
    QMessageBox::warning(this, tr("Export Label Mask"), q(error.what()));
    return;
  }
  const std::string project = mProjectPath.toStdString();
  const int64_t id = set.id;
  runAsync<bool>(
      mWorkers, this,
      [project, id, path] {
        auto store = ProjectStore::open(project);
        LabelStore labels(*store);
        exportLabelMask(labels, id, path.toStdString());
        return true;
      },
      [this, path](std::optional<bool> done, const std::string& error) {
        const QString text = done ? tr("label mask written: %1").arg(path) : tr("label mask export failed: %1").arg(q(error));
        log(done ? QStringLiteral("info") : QStringLiteral("error"), text);
        statusBar()->showMessage(text, 10000);
      });
}

void MainWindow::exportValidatedPolygons() {
  if (!mStore) return;
  std::vector<int64_t> ids;
  try {
    LabelSetFilter filter;
    filter.state = ReviewState::Validated;
    for (const LabelSet& set : LabelStore(*mStore).labelSets(filter)) ids.push_back(set.id);
  } catch (const Error& error) {
    log(QStringLiteral("error"), q(error.what()));
    return;
  }
  if (ids.empty()) {
    QMessageBox::information(this, tr("Export Label Polygons"), tr("No label set is validated yet."));
    return;
  }
  const QString proposed = QDir(resultsFolder()).filePath(
      QStringLiteral("labels-validated-%1.gpkg").arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyy-MM-dd"))));
  const QString path = QFileDialog::getSaveFileName(this, tr("Export the validated label polygons"), proposed, tr("GeoPackage (*.gpkg)"));
  if (path.isEmpty()) return;
  const std::string project = mProjectPath.toStdString();
  runAsync<PolygonExportResult>(
      mWorkers, this,
      [project, ids, path] {
        auto store = ProjectStore::open(project);
        LabelStore labels(*store);
        PolygonExportOptions options;
        options.polygonize = true;  // every labelled pixel, brush strokes included
        return exportLabelPolygons(labels, ids, path.toStdString(), options);
      },
      [this, path](std::optional<PolygonExportResult> result, const std::string& error) {
        const QString text = result ? tr("%1 polygons of %2 label sets written: %3").arg(result->features).arg(result->layers.size()).arg(path)
                                    : tr("polygon export failed: %1").arg(q(error));
        log(result ? QStringLiteral("info") : QStringLiteral("error"), text);
        statusBar()->showMessage(text, 10000);
      });
}

void MainWindow::importIntoOpenLabelSet(bool vector) {
  LabelEditor* editor = mLabels->editor();
  if (!editor) {
    QMessageBox::information(this, tr("Import Labels"), tr("Open (or create) the label set to import into in the Labels dock first."));
    return;
  }
  const QString path = QFileDialog::getOpenFileName(
      this, vector ? tr("Import label polygons") : tr("Import a class raster"), QFileInfo(mProjectPath).absolutePath(),
      vector ? tr("Vector files (*.gpkg *.geojson *.json *.shp);;All files (*)") : tr("Rasters (*.tif *.tiff *.vrt);;All files (*)"));
  if (path.isEmpty()) return;
  // Through the editor, on this thread: the import is one edit that Undo takes back.
  try {
    QString text;
    if (vector) {
      const VectorImportResult result = importLabelVectors(*editor, path.toStdString());
      text = tr("imported %1 polygons from %2 (%3 skipped)").arg(result.polygons).arg(path).arg(result.skipped.size());
    } else {
      const MaskImportResult result = importLabelMask(*editor, path.toStdString());
      int64_t pixels = 0;
      for (const auto& [value, count] : result.pixelsPerValue) pixels += count;
      text = tr("imported %1 labelled pixels from %2").arg(pixels).arg(path);
    }
    log(QStringLiteral("info"), text);
    statusBar()->showMessage(text + tr(" (Ctrl+Z undoes it)"), 10000);
    mLabels->openLabelSet(editor->labelSet().id);  // redraw with the new labels
  } catch (const Error& error) {
    log(QStringLiteral("error"), q(error.what()));
    QMessageBox::warning(this, tr("Import Labels"), q(error.what()));
  }
}

void MainWindow::buildLabelExchangeMenu(QMenu* label) {
  label->addSeparator();
  QAction* dataset = label->addAction(tr("Build &Dataset…"), QKeySequence(tr("Ctrl+Shift+B")), this, [this] { openDatasetDialog(); });
  dataset->setObjectName(QStringLiteral("buildDatasetAction"));
  dataset->setToolTip(tr("Training chips from the label sets, with a preview of the splits; then Launch Training"));
  QMenu* exports = label->addMenu(tr("E&xport Labels"));
  exports->setObjectName(QStringLiteral("exportLabelsMenu"));
  exports->addAction(tr("Open Set as &Mask (GeoTIFF)…"), this, [this] { exportOpenLabelMask(); });
  exports->addAction(tr("Validated Sets as &Polygons (GeoPackage)…"), this, [this] { exportValidatedPolygons(); });
  QMenu* imports = label->addMenu(tr("&Import Labels"));
  imports->setObjectName(QStringLiteral("importLabelsMenu"));
  imports->addAction(tr("From a Class &Raster…"), this, [this] { importIntoOpenLabelSet(false); });
  imports->addAction(tr("From a &Vector File…"), this, [this] { importIntoOpenLabelSet(true); });
}

}  // namespace prithvi
