#include "ui/AccuracyDock.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "core/base/Error.h"
#include "core/scene/SceneScanner.h"
#include "ui/Async.h"
#include "viewers/LabelOverlay.h"
#include "viewers/LayerStack.h"
#include "viewers/MapCanvas.h"

namespace prithvi {

namespace {

QString q(const std::string& text) { return QString::fromStdString(text); }

QString number(double value, int decimals = 3) {
  return std::isnan(value) ? QStringLiteral("–") : QString::number(value, 'f', decimals);
}

QTableWidgetItem* cell(const QString& text) {
  auto* item = new QTableWidgetItem(text);
  item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
  item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  return item;
}

constexpr QRgb kHighlightColor = 0xffff00ff;  // magenta: no class scheme uses it

struct Outcome {
  std::optional<ClassComparison> classes;
  std::optional<ImageMetrics> image;
};

}  // namespace

AccuracyDock::AccuracyDock(LayerStack* layers, MapCanvas* canvas, QWidget* parent)
    : QWidget(parent), mLayers(layers), mCanvas(canvas), mOverlay(new LabelOverlay(canvas, this)) {
  mPool.setMaxThreadCount(1);
  std::array<QRgb, 256> colors{};
  colors[1] = kHighlightColor;
  mOverlay->setColors(colors);
  mOverlay->setOpacity(0.85);

  mPrediction = new QComboBox(this);
  // Scene ids are long: the dock must not widen the window to fit them.
  mPrediction->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  mPrediction->setMinimumContentsLength(12);
  mPrediction->setObjectName(QStringLiteral("accuracyPrediction"));
  mPrediction->setToolTip(tr("A model's result: a class map, or a filled image"));
  mReference = new QComboBox(this);
  mReference->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  mReference->setMinimumContentsLength(12);
  mReference->setObjectName(QStringLiteral("accuracyReference"));
  mReference->setToolTip(tr("What is taken as true: a reference mask layer or a label set (class maps), "
                            "or the held-out clear image (filled images)"));
  mMask = new QComboBox(this);
  mMask->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  mMask->setMinimumContentsLength(12);
  mMask->setObjectName(QStringLiteral("accuracyMask"));
  mMask->setToolTip(tr("Images only: the clouded input; only the pixels its Fmask flags as cloud or shadow count"));
  mCompute = new QPushButton(tr("Compute Accuracy"), this);
  mCompute->setObjectName(QStringLiteral("computeAccuracy"));
  mSummary = new QLabel(this);
  mSummary->setObjectName(QStringLiteral("accuracySummary"));
  mSummary->setWordWrap(true);
  mSummary->setTextInteractionFlags(Qt::TextSelectableByMouse);

  mClasses = new QTableWidget(this);
  mClasses->setObjectName(QStringLiteral("accuracyClasses"));
  mClasses->setColumnCount(5);
  mClasses->setHorizontalHeaderLabels({tr("IoU"), tr("F1"), tr("Precision"), tr("Recall"), tr("Pixels")});
  mClasses->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  mClasses->setEditTriggers(QAbstractItemView::NoEditTriggers);
  mMatrix = new QTableWidget(this);
  mMatrix->setObjectName(QStringLiteral("confusionMatrix"));
  mMatrix->setEditTriggers(QAbstractItemView::NoEditTriggers);
  mMatrix->setSelectionMode(QAbstractItemView::SingleSelection);
  mMatrix->setToolTip(tr("Rows: reference class; columns: predicted class. Click a cell to see its pixels on the map."));
  mMatrix->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  connect(mMatrix, &QTableWidget::cellClicked, this, [this](int row, int column) { highlightCell(row, column); });
  mClear = new QPushButton(tr("Clear Highlight"), this);
  mClear->setEnabled(false);
  connect(mClear, &QPushButton::clicked, this, &AccuracyDock::clearHighlight);

  auto* form = new QFormLayout;
  form->addRow(tr("Prediction"), mPrediction);
  form->addRow(tr("Reference"), mReference);
  form->addRow(tr("Cloud mask"), mMask);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(mCompute);
  layout->addWidget(mSummary);
  layout->addWidget(new QLabel(tr("Per class"), this));
  layout->addWidget(mClasses, 1);
  layout->addWidget(new QLabel(tr("Confusion matrix (rows: reference, columns: predicted)"), this));
  layout->addWidget(mMatrix, 1);
  layout->addWidget(mClear);

  connect(mCompute, &QPushButton::clicked, this, &AccuracyDock::compute);
  connect(mPrediction, &QComboBox::currentIndexChanged, this, &AccuracyDock::updateMaskChoice);
  connect(mLayers, &LayerStack::layersChanged, this, &AccuracyDock::rebuildChoices);
  // A new result becomes a class map once its colour table is read: offer it then.
  connect(mLayers, &LayerStack::layerChanged, this, &AccuracyDock::rebuildChoices);
  rebuildChoices();
}

AccuracyDock::~AccuracyDock() {
  mPool.waitForDone();
}

void AccuracyDock::setLabelReferences(const std::vector<LabelReference>& references,
                                      std::function<QString(int64_t, QString*)> exportMask) {
  mLabelReferences = references;
  mExportMask = std::move(exportMask);
  rebuildChoices();
}

void AccuracyDock::setPrediction(int layerId) { mPrediction->setCurrentIndex(std::max(0, mPrediction->findData(layerId))); }
void AccuracyDock::setReference(int id) { mReference->setCurrentIndex(std::max(0, mReference->findData(id))); }
void AccuracyDock::setMask(int layerId) { mMask->setCurrentIndex(std::max(0, mMask->findData(layerId))); }

void AccuracyDock::rebuildChoices() {
  const int prediction = mPrediction->currentData().toInt(), reference = mReference->currentData().toInt();
  const QSignalBlocker blockPrediction(mPrediction), blockReference(mReference);
  mPrediction->clear();
  mReference->clear();
  const auto& layers = mLayers->layers();
  for (auto it = layers.rbegin(); it != layers.rend(); ++it) {
    const bool comparable = it->style.kind == LayerStyle::Kind::Classes || it->scene.hasPrithviBands();
    if (!comparable) continue;
    mPrediction->addItem(q(it->scene.id), it->id);
    mReference->addItem(q(it->scene.id), it->id);
  }
  for (const LabelReference& reference : mLabelReferences) mReference->addItem(reference.title, int(-reference.labelSetId));
  // The newest result against the best reference: a validated label set, else the next layer.
  if (mPrediction->findData(prediction) >= 0) mPrediction->setCurrentIndex(mPrediction->findData(prediction));
  if (mReference->findData(reference) >= 0)
    mReference->setCurrentIndex(mReference->findData(reference));
  else if (mReference->count() > 1)
    mReference->setCurrentIndex(1);
  updateMaskChoice();
}

void AccuracyDock::updateMaskChoice() {
  const int mask = mMask->currentData().toInt();
  const QSignalBlocker blocker(mMask);
  mMask->clear();
  mMask->addItem(tr("(every pixel)"), 0);
  for (const MapLayer& layer : mLayers->layers())
    if (layer.scene.band(BandRole::Fmask)) mMask->addItem(q(layer.scene.id), layer.id);
  mMask->setCurrentIndex(std::max(0, mMask->findData(mask)));
  const MapLayer* prediction = mLayers->layer(mPrediction->currentData().toInt());
  mMask->setEnabled(prediction && prediction->style.kind != LayerStyle::Kind::Classes);
}

void AccuracyDock::compute() {
  if (mComputing) return;
  const MapLayer* prediction = mLayers->layer(mPrediction->currentData().toInt());
  if (!prediction) {
    Q_EMIT message(QStringLiteral("error"), tr("accuracy: add a result layer (Model > Run Model) to compare first"));
    return;
  }
  const int referenceId = mReference->currentData().toInt();
  Scene predicted = prediction->scene;
  const bool classes = prediction->style.kind == LayerStyle::Kind::Classes;
  mClassNames.clear();
  for (const StyleClass& styleClass : prediction->style.classes) {
    if (styleClass.value >= int(mClassNames.size())) mClassNames.resize(size_t(styleClass.value) + 1);
    mClassNames[size_t(styleClass.value)] = q(styleClass.name);
  }
  std::optional<Scene> reference;
  std::string referencePath;
  if (referenceId > 0) {
    if (const MapLayer* layer = mLayers->layer(referenceId)) reference = layer->scene;
  } else if (referenceId < 0 && mExportMask) {
    QString error;
    const QString path = mExportMask(-int64_t(referenceId), &error);
    if (path.isEmpty()) {
      Q_EMIT message(QStringLiteral("error"), tr("accuracy: %1").arg(error));
      return;
    }
    referencePath = path.toStdString();
  }
  if (!reference && referencePath.empty()) {
    Q_EMIT message(QStringLiteral("error"), tr("accuracy: choose a reference"));
    return;
  }
  std::optional<Scene> mask;
  if (const MapLayer* layer = mLayers->layer(mMask->currentData().toInt()); layer && !classes) mask = layer->scene;

  mComputing = true;
  mCompute->setEnabled(false);
  mSummary->setText(tr("Computing…"));
  clearHighlight();
  mResultCrs = predicted.crs();
  runAsync<Outcome>(
      mPool, this,
      [predicted, reference, referencePath, mask, classes]() {
        const Scene truth = reference ? *reference : sceneOfFile(referencePath);
        Outcome outcome;
        if (classes)
          outcome.classes = compareClassScenes(predicted, truth);
        else
          outcome.image = compareImageScenes(predicted, truth, mask);
        return outcome;
      },
      [this](std::optional<Outcome> outcome, const std::string& error) {
        mComputing = false;
        mCompute->setEnabled(true);
        mClassResult.reset();
        mImageResult.reset();
        if (!outcome) {
          mSummary->setText(tr("Failed: %1").arg(q(error)));
          Q_EMIT message(QStringLiteral("error"), tr("accuracy: %1").arg(q(error)));
          Q_EMIT computed();
          return;
        }
        mClassResult = std::move(outcome->classes);
        mImageResult = std::move(outcome->image);
        if (mClassResult) showClassResult();
        if (mImageResult) showImageResult();
        Q_EMIT computed();
      });
}

void AccuracyDock::showClassResult() {
  const ConfusionMatrix& matrix = mClassResult->accuracy.confusion;
  const int n = matrix.classes();
  QStringList names;
  for (int c = 0; c < n; ++c)
    names << (c < int(mClassNames.size()) && !mClassNames[size_t(c)].isEmpty() ? mClassNames[size_t(c)] : tr("class %1").arg(c));
  const RasterAccuracy& accuracy = mClassResult->accuracy;
  mSummary->setText(tr("Overall accuracy %1 · mean IoU %2 · mean F1 %3\n%L4 pixels compared, %L5 without a prediction")
                        .arg(number(matrix.overallAccuracy()), number(matrix.meanIou()), number(matrix.meanF1()))
                        .arg(accuracy.comparedPixels)
                        .arg(accuracy.unpredictedPixels));
  mClasses->setRowCount(n);
  mClasses->setVerticalHeaderLabels(names);
  for (int c = 0; c < n; ++c) {
    int64_t pixels = 0;
    for (int p = 0; p < n; ++p) pixels += matrix.at(c, p);
    const double values[] = {matrix.iou(c), matrix.f1(c), matrix.precision(c), matrix.recall(c)};
    for (int k = 0; k < 4; ++k) mClasses->setItem(c, k, cell(number(values[k])));
    mClasses->setItem(c, 4, cell(QStringLiteral("%L1").arg(pixels)));
  }
  mMatrix->setRowCount(n);
  mMatrix->setColumnCount(n);
  mMatrix->setVerticalHeaderLabels(names);
  mMatrix->setHorizontalHeaderLabels(names);
  for (int t = 0; t < n; ++t) {
    int64_t row = 0;
    for (int p = 0; p < n; ++p) row += matrix.at(t, p);
    for (int p = 0; p < n; ++p) {
      const int64_t count = matrix.at(t, p);
      QTableWidgetItem* item = cell(QStringLiteral("%L1").arg(count));
      // Shade by the share of the reference class: the diagonal should be dark blue, errors red.
      const double share = row > 0 ? double(count) / double(row) : 0.0;
      const QColor base = t == p ? QColor(0x21, 0x66, 0xac) : QColor(0xd6, 0x60, 0x4d);
      QColor shade = base;
      shade.setAlphaF(float(0.08 + 0.72 * share));
      item->setBackground(shade);
      item->setToolTip(tr("%L1 pixels of %2 predicted as %3 (%4 % of %2)")
                           .arg(count)
                           .arg(names[t], names[p])
                           .arg(share * 100, 0, 'f', 1));
      mMatrix->setItem(t, p, item);
    }
  }
}

void AccuracyDock::showImageResult() {
  const ImageMetrics& metrics = *mImageResult;
  mSummary->setText(tr("SSIM %1 · PSNR %2 dB · MAE %3 (reflectance)\n%L4 pixel values compared")
                        .arg(number(metrics.ssim(), 4), number(metrics.psnr(), 2), number(metrics.meanAbsoluteError(), 4))
                        .arg(metrics.pixels()));
  mClasses->setRowCount(0);
  mMatrix->setRowCount(0);
  mMatrix->setColumnCount(0);
}

void AccuracyDock::highlightCell(int truthClass, int predictedClass) {
  if (!mClassResult) return;
  mHighlight = mClassResult->cellMask(truthClass, predictedClass);
  mHighlightedPixels = std::count(mHighlight.begin(), mHighlight.end(), uint8_t(1));
  const SceneOverlap& overlap = mClassResult->overlap;
  try {
    mOverlay->setRaster(mHighlight.data(), overlap.first.width, overlap.first.height,
                        SceneGridMapping(overlap.transform, mResultCrs, mCanvas->mapCrs()));
  } catch (const Error& error) {
    Q_EMIT message(QStringLiteral("error"), tr("cannot show the pixels: %1").arg(q(error.what())));
    return;
  }
  mOverlay->setShown(true);
  mClear->setEnabled(true);
  Q_EMIT message(QStringLiteral("info"), tr("%L1 pixels highlighted in magenta").arg(mHighlightedPixels));
}

void AccuracyDock::clearHighlight() {
  mOverlay->clearRaster();
  mHighlight.clear();
  mHighlightedPixels = 0;
  mClear->setEnabled(false);
}

}  // namespace prithvi
