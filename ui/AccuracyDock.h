#pragma once
// How good a result is: a class map against a reference class map or a label set (per-class
// IoU, F1, precision, recall, overall accuracy and a confusion matrix whose cells, clicked,
// light up their pixels on the map), or a filled image against held-out truth (SSIM, PSNR, MAE
// over the pixels the clouded input hid).

#include <QThreadPool>
#include <QWidget>
#include <functional>
#include <memory>
#include <optional>

#include "core/metrics/RasterAccuracy.h"

class QComboBox;
class QLabel;
class QPushButton;
class QTableWidget;

namespace prithvi {

class LabelOverlay;
class LayerStack;
class MapCanvas;

// A label set offered as a reference, and how to get it as a class raster on its scene's grid.
struct LabelReference {
  QString title;  // "labels #3 (validated) of HLS.S30..."
  int64_t labelSetId = 0;
};

class AccuracyDock : public QWidget {
  Q_OBJECT
 public:
  AccuracyDock(LayerStack* layers, MapCanvas* canvas, QWidget* parent = nullptr);
  ~AccuracyDock() override;

  // Label sets of the project; `exportMask` writes one as a class raster and returns its path
  // (it runs on the GUI thread: it reads the project).
  void setLabelReferences(const std::vector<LabelReference>& references,
                          std::function<QString(int64_t labelSetId, QString* error)> exportMask);
  void setPrediction(int layerId);
  // Reference: a layer id, or a label set (negative: -labelSetId).
  void setReference(int layerIdOrNegativeLabelSet);
  void setMask(int layerId);  // images: the clouded input whose Fmask says which pixels count; 0: all
  void compute();
  bool isComputing() const { return mComputing; }

  // Results, for the views and tests.
  const std::optional<ClassComparison>& classResult() const { return mClassResult; }
  const std::optional<ImageMetrics>& imageResult() const { return mImageResult; }
  QTableWidget* matrixTable() const { return mMatrix; }
  QTableWidget* classTable() const { return mClasses; }
  // Lights up the pixels of one confusion-matrix cell on the map (as a click on it does).
  void highlightCell(int truthClass, int predictedClass);
  void clearHighlight();
  int64_t highlightedPixels() const { return mHighlightedPixels; }

 Q_SIGNALS:
  void computed();
  void message(const QString& level, const QString& text);

 private:
  void rebuildChoices();
  void updateMaskChoice();
  void showClassResult();
  void showImageResult();

  LayerStack* mLayers;
  MapCanvas* mCanvas;
  QComboBox* mPrediction;
  QComboBox* mReference;
  QComboBox* mMask;
  QPushButton* mCompute;
  QLabel* mSummary;
  QTableWidget* mClasses;
  QTableWidget* mMatrix;
  QPushButton* mClear;
  std::vector<LabelReference> mLabelReferences;
  std::function<QString(int64_t, QString*)> mExportMask;
  std::vector<QString> mClassNames;
  std::optional<ClassComparison> mClassResult;
  std::optional<ImageMetrics> mImageResult;
  std::string mResultCrs;  // of the compared prediction
  std::vector<uint8_t> mHighlight;
  int64_t mHighlightedPixels = 0;
  LabelOverlay* mOverlay;
  QThreadPool mPool;
  bool mComputing = false;
};

}  // namespace prithvi
