#pragma once
// File > Export Map…: the current view's layers and extent as a PNG, PDF or SVG page (title,
// legend, scale bar, north arrow, CRS and date) or as a georeferenced GeoTIFF of the view, with
// a live thumbnail of the page. Exports run on a worker thread with progress and Cancel; the
// map stays usable meanwhile.

#include <QDialog>
#include <QSize>
#include <QTimer>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "viewers/MapExport.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace prithvi {

class Feedback;
class LayerStack;

class MapExportDialog : public QDialog {
  Q_OBJECT
 public:
  // `layers` bottom first; `extent` and `mapCrs` the view's; `viewSize` the map's size in
  // pixels, the default output size. `format` picks the file name's extension to start with.
  // `defaultFolder` (the project's results folder) holds the proposed file; empty: home.
  MapExportDialog(std::vector<ExportLayer> layers, const MapExtent& extent, std::string mapCrs, QSize viewSize,
                  MapExportFormat format = MapExportFormat::Png, const QString& defaultFolder = {}, QWidget* parent = nullptr);
  ~MapExportDialog() override;

  // The export the controls describe (format by the file name's extension).
  MapExportRequest request() const;
  QString fileName() const;
  void setFileName(const QString& path);
  bool isExporting() const { return mJob != nullptr; }
  // The latest preview (null until the first one is drawn).
  QImage preview() const { return mPreview; }

 public Q_SLOTS:
  void startExport();
  void cancelExport();

 Q_SIGNALS:
  // An export began (the jobs dock lists it, with `job`'s progress and cancel).
  void exportStarted(const QString& title, std::shared_ptr<Feedback> job);
  void exportFinished(bool ok, const QString& message);
  void previewUpdated();

 protected:
  void reject() override;

 private:
  void buildControls();
  void onFileNameChanged();
  void onWidthChanged(int width);
  void onHeightChanged(int height);
  void schedulePreview();
  void renderPreview();
  void finishExport(bool ok, const QString& message);
  double dpi() const;
  // With a paper size, the pixel fields show the page at the DPI (and cannot be typed).
  void showPaperPixels();
  bool geoTiffChosen() const;

  std::vector<ExportLayer> mLayers;
  MapExtent mExtent;
  std::string mMapCrs;
  double mAspect = 1.0;  // width / height of the extent

  QLineEdit* mFile = nullptr;
  QLabel* mFormat = nullptr;
  QLineEdit* mTitle = nullptr;
  QLineEdit* mDate = nullptr;
  QSpinBox* mWidth = nullptr;
  QSpinBox* mHeight = nullptr;
  QComboBox* mPaper = nullptr;
  QComboBox* mOrientation = nullptr;
  std::optional<QSize> mPixelsBeforePaper;  // restored when the paper goes back to pixels
  bool mPaperChosen = false;  // the user picked paper or DPI: the format no longer picks them
  QCheckBox* mKeepAspect = nullptr;
  QComboBox* mDpi = nullptr;
  QCheckBox* mLegend = nullptr;
  QCheckBox* mScaleBar = nullptr;
  QCheckBox* mNorthArrow = nullptr;
  QCheckBox* mCrsText = nullptr;
  QLabel* mPreviewLabel = nullptr;
  QLabel* mMessage = nullptr;
  QProgressBar* mProgress = nullptr;
  QPushButton* mExportButton = nullptr;
  QPushButton* mCancelButton = nullptr;
  QTimer mPreviewTimer;
  QImage mPreview;
  int mPreviewGeneration = 0;
  bool mSyncingSize = false;
  std::shared_ptr<Feedback> mJob;  // the running export, null when idle
};

// Opens the dialog over `parent` (window-modal, deleted when closed) for the stack's visible
// layers and the view's extent; returns it so callers and tests can follow the export.
MapExportDialog* openMapExportDialog(QWidget* parent, const LayerStack& layers, const MapExtent& extent,
                                     const std::string& mapCrs, QSize viewSize, MapExportFormat format = MapExportFormat::Png,
                                     const QString& defaultFolder = {});

}  // namespace prithvi
