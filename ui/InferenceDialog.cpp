#include "ui/InferenceDialog.h"
#include "ui/PreferencesDialog.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "core/base/Error.h"
#include "core/raster/Crs.h"
#include "core/registry/CheckpointSummary.h"
#include "ui/JobRunner.h"

namespace prithvi {

namespace {

QString q(const std::string& text) { return QString::fromStdString(text); }

QString durationText(double seconds) {
  if (seconds < 0) return {};
  const int s = int(std::lround(seconds));
  return s >= 3600 ? QStringLiteral("%1 h %2 min").arg(s / 3600).arg(s % 3600 / 60)
         : s >= 60 ? QStringLiteral("%1 min %2 s").arg(s / 60).arg(s % 60)
                   : QStringLiteral("%1 s").arg(s);
}

QString safeName(QString text) {
  text.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9_-]+")), QStringLiteral("_"));
  return text;
}

}  // namespace

QString InferenceDialog::defaultResultName(const Scene& scene, const QString& modelPath, const QDateTime& when) {
  // What made it, where and when: never the input's own name, which would read as an HLS band
  // file ("HLS.S30.T13REN….v2.0-….tif") and not as a result.
  const QFileInfo model(modelPath);
  QString made = model.completeBaseName();
  if (made == QLatin1String("best") || made == QLatin1String("last"))  // runs/<name>/checkpoints/best.safetensors
    made = QFileInfo(model.absolutePath()).dir().dirName();
  made.remove(QRegularExpression(QStringLiteral("\\.(config|safetensors)$")));
  QStringList parts{made.isEmpty() ? QStringLiteral("result") : made};
  parts << (scene.tile.empty() ? QString::fromStdString(scene.id) : QStringLiteral("T") + QString::fromStdString(scene.tile));
  if (scene.acquired.isValid()) parts << scene.acquired.toString(QStringLiteral("yyyy-MM-dd"));
  parts << when.toString(QStringLiteral("HHmmss"));
  QStringList safe;
  for (const QString& part : parts) safe << safeName(part);
  return safe.join(QLatin1Char('_')) + QStringLiteral(".tif");
}


InferenceDialog::InferenceDialog(const InferenceContext& context, QWidget* parent)
    : QDialog(parent), mContext(context) {
  setWindowTitle(tr("Run Model"));
  setObjectName(QStringLiteral("inferenceDialog"));

  mModel = new QComboBox(this);
  mModel->setObjectName(QStringLiteral("modelCombo"));
  mModel->setMinimumContentsLength(50);
  mModel->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  for (auto it = context.models.rbegin(); it != context.models.rend(); ++it) setModel(*it);
  mModelSummary = new QLabel(this);
  mModelSummary->setObjectName(QStringLiteral("modelSummary"));
  mModelSummary->setWordWrap(true);
  mModelSummary->setTextInteractionFlags(Qt::TextSelectableByMouse);
  auto* browse = new QToolButton(this);
  browse->setText(tr("Browse…"));
  connect(browse, &QToolButton::clicked, this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Model checkpoint"), QFileInfo(modelPath()).path(),
                                                      tr("Checkpoints (*.safetensors *.pt *.pth)"));
    if (!path.isEmpty()) setModel(path);
  });
  auto* modelRow = new QHBoxLayout;
  modelRow->addWidget(mModel, 1);
  modelRow->addWidget(browse);

  const Scene& scene = context.scene;
  auto* sceneLabel = new QLabel(q(scene.id) + (scene.acquired.isValid()
                                                   ? QStringLiteral("  (%1)").arg(scene.acquired.toString(QStringLiteral("yyyy-MM-dd")))
                                                   : QString()),
                                this);
  sceneLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
  mFrames = new QSpinBox(this);
  mFrames->setObjectName(QStringLiteral("framesSpin"));
  mFrames->setRange(1, 1 + int(context.earlierDates.size()));
  mFrames->setToolTip(tr("Dates the model takes as frames: this scene and the ones before it of the same tile. "
                         "Multi-temporal models (crop types, multi-date cloud gap) need as many as they were trained on."));

  mAreaScene = new QRadioButton(tr("Whole scene"), this);
  mAreaView = new QRadioButton(tr("Current view"), this);
  mAreaDrawn = new QRadioButton(tr("Drawn area"), this);
  mAreaScene->setChecked(true);
  mAreaDrawn->setEnabled(false);
  mAreaGroup = new QButtonGroup(this);
  mAreaGroup->addButton(mAreaScene, int(Area::Scene));
  mAreaGroup->addButton(mAreaView, int(Area::View));
  mAreaGroup->addButton(mAreaDrawn, int(Area::Drawn));
  auto* draw = new QPushButton(tr("Draw on Map"), this);
  draw->setObjectName(QStringLiteral("drawAreaButton"));
  draw->setToolTip(tr("Drag a rectangle on the map; the model runs over it only"));
  connect(draw, &QPushButton::clicked, this, &InferenceDialog::drawAreaRequested);
  auto* areaRow = new QHBoxLayout;
  for (QWidget* widget : {static_cast<QWidget*>(mAreaScene), static_cast<QWidget*>(mAreaView),
                          static_cast<QWidget*>(mAreaDrawn), static_cast<QWidget*>(draw)})
    areaRow->addWidget(widget);
  areaRow->addStretch();

  mWindow = new QSpinBox(this);
  mWindow->setRange(0, 4096);
  mWindow->setSingleStep(16);
  mWindow->setSpecialValueText(tr("as trained"));
  mWindow->setSuffix(tr(" px"));
  mWindow->setToolTip(tr("Sliding-window size; a multiple of the model's patch size. 'as trained' uses its chip size."));
  mOverlap = new QDoubleSpinBox(this);
  mOverlap->setRange(0, 0.9);
  mOverlap->setSingleStep(0.05);
  mOverlap->setValue(0.25);
  mOverlap->setToolTip(tr("Share of a window its neighbour repeats; overlapping predictions are blended"));
  mBlend = new QComboBox(this);
  mBlend->addItems({QStringLiteral("cosine"), QStringLiteral("gaussian"), QStringLiteral("none")});
  auto* windowRow = new QHBoxLayout;
  windowRow->addWidget(mWindow);
  windowRow->addWidget(new QLabel(tr("overlap"), this));
  windowRow->addWidget(mOverlap);
  windowRow->addWidget(new QLabel(tr("blend"), this));
  windowRow->addWidget(mBlend);
  windowRow->addStretch();

  mOutputKind = new QComboBox(this);
  mOutputKind->setObjectName(QStringLiteral("outputKindCombo"));
  mOutputKind->addItem(tr("as the model does (classes, or a filled image for cloud gap)"), QString());
  mOutputKind->addItem(tr("class map"), QStringLiteral("classes"));
  mOutputKind->addItem(tr("class probabilities"), QStringLiteral("probabilities"));
  mOutputKind->addItem(tr("uncertainty (entropy and top-2 margin)"), QStringLiteral("uncertainty"));
  mOutputKind->addItem(tr("cloud-filled image"), QStringLiteral("filled"));
  mMaskClouds = new QCheckBox(tr("No prediction under clouds and cloud shadow (Fmask)"), this);
  mCleanMinRegion = new QSpinBox(this);
  mCleanMinRegion->setObjectName(QStringLiteral("cleanMinRegionSpin"));
  mCleanMinRegion->setRange(0, 1000000);
  mCleanMinRegion->setSingleStep(10);
  mCleanMinRegion->setSpecialValueText(tr("off"));
  mCleanMinRegion->setSuffix(tr(" px"));
  mCleanMinRegion->setToolTip(tr("Class map: regions of one class smaller than this take the class around them "
                                 "(removes specks; 11 pixels are one hectare at 30 m)"));
  mCleanSmooth = new QSpinBox(this);
  mCleanSmooth->setObjectName(QStringLiteral("cleanSmoothSpin"));
  mCleanSmooth->setRange(0, 16);
  mCleanSmooth->setSpecialValueText(tr("off"));
  mCleanSmooth->setSuffix(tr(" px"));
  mCleanSmooth->setToolTip(tr("Class map: removes lines and spurs thinner than this radius and closes the gaps "
                              "they leave (morphological opening and closing)"));
  auto* cleanRow = new QHBoxLayout;
  cleanRow->addWidget(new QLabel(tr("regions under"), this));
  cleanRow->addWidget(mCleanMinRegion);
  cleanRow->addWidget(new QLabel(tr("smooth"), this));
  cleanRow->addWidget(mCleanSmooth);
  cleanRow->addStretch();
  auto enableCleanup = [this] {
    const QString kind = mOutputKind->currentData().toString();
    const bool classes = kind.isEmpty() || kind == QLatin1String("classes");
    mCleanMinRegion->setEnabled(classes);
    mCleanSmooth->setEnabled(classes);
  };
  connect(mOutputKind, &QComboBox::currentIndexChanged, this, enableCleanup);
  mPrecision = new QComboBox(this);
  mPrecision->setObjectName(QStringLiteral("precisionCombo"));
  mPrecision->addItem(tr("fp32 (exact)"), QStringLiteral("fp32"));
  mPrecision->addItem(tr("bf16 (faster on processors with AVX512_BF16 or AMX, and on GPUs)"), QStringLiteral("bf16"));
  mPrecision->addItem(tr("int8 (faster on the CPU, weights quantised)"), QStringLiteral("int8"));
  mPrecision->setToolTip(tr("Arithmetic of the transformer's matrix products. bf16 and int8 run faster and change a "
                            "few pixels of a class map; a processor without bf16 support refuses bf16 with the reason. "
                            "CPU threads are set in Edit > Preferences."));

  mOutput = new QLineEdit(this);
  mOutput->setObjectName(QStringLiteral("outputEdit"));
  auto* saveAs = new QToolButton(this);
  saveAs->setText(tr("…"));
  connect(saveAs, &QToolButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Result"), mOutput->text(), tr("GeoTIFF (*.tif)"));
    if (!path.isEmpty()) setOutputPath(path);
  });
  auto* outputRow = new QHBoxLayout;
  outputRow->addWidget(mOutput, 1);
  outputRow->addWidget(saveAs);

  auto* form = new QFormLayout;
  form->addRow(tr("Model"), modelRow);
  form->addRow(QString(), mModelSummary);
  form->addRow(tr("Scene"), sceneLabel);
  form->addRow(tr("Frames"), mFrames);
  form->addRow(tr("Area"), areaRow);
  form->addRow(tr("Window"), windowRow);
  form->addRow(tr("Output"), mOutputKind);
  form->addRow(QString(), mMaskClouds);
  form->addRow(tr("Clean up"), cleanRow);
  form->addRow(tr("Precision"), mPrecision);
  form->addRow(tr("Save as"), outputRow);

  mProgress = new QProgressBar(this);
  mProgress->setObjectName(QStringLiteral("inferenceProgress"));
  mProgress->setRange(0, 1000);
  mProgress->setValue(0);
  mStatus = new QLabel(this);
  mStatus->setObjectName(QStringLiteral("inferenceStatus"));
  mStatus->setWordWrap(true);
  mLog = new QPlainTextEdit(this);
  mLog->setObjectName(QStringLiteral("inferenceLog"));
  mLog->setReadOnly(true);
  mLog->setMaximumBlockCount(500);
  mLog->setFixedHeight(110);
  mLog->hide();  // the command line and the job's log are for when something needs looking into
  auto* details = new QToolButton(this);
  details->setObjectName(QStringLiteral("detailsButton"));
  details->setText(tr("Details"));
  details->setCheckable(true);
  details->setArrowType(Qt::RightArrow);
  details->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
  details->setAutoRaise(true);
  connect(details, &QToolButton::toggled, this, [this, details](bool shown) {
    details->setArrowType(shown ? Qt::DownArrow : Qt::RightArrow);
    mLog->setVisible(shown);
    adjustSize();
  });

  auto* buttons = new QDialogButtonBox(this);
  mRun = buttons->addButton(tr("Run"), QDialogButtonBox::AcceptRole);
  mRun->setObjectName(QStringLiteral("runButton"));
  mRun->setDefault(true);
  mCancel = buttons->addButton(tr("Cancel Job"), QDialogButtonBox::ActionRole);
  mCancel->setObjectName(QStringLiteral("cancelButton"));
  QPushButton* close = buttons->addButton(QDialogButtonBox::Close);
  connect(mRun, &QPushButton::clicked, this, &InferenceDialog::run);
  connect(mCancel, &QPushButton::clicked, this, [this] {
    if (!mJob) return;
    mJob->cancel();
    mStatus->setText(tr("Canceling…"));
  });
  connect(close, &QPushButton::clicked, this, &QDialog::close);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(mProgress);
  layout->addWidget(mStatus);
  layout->addWidget(details);
  layout->addWidget(mLog);
  layout->addWidget(buttons);

  connect(mModel, &QComboBox::currentIndexChanged, this, [this] {
    showModelSummary();
    // The default name follows the model until the user picks a name of their own.
    if (!mOutputChosen) proposeOutputPath(mContext.resultsFolder);
    updateState();
  });
  connect(mOutput, &QLineEdit::textEdited, this, [this] { mOutputChosen = true; });
  proposeOutputPath(context.resultsFolder);
  connect(mAreaGroup, &QButtonGroup::idClicked, this, &InferenceDialog::updateState);
  connect(mOutput, &QLineEdit::textChanged, this, [this] {
    mOutput->setToolTip(mOutput->text());
    updateState();
  });
  mOutput->setToolTip(mOutput->text());
  showModelSummary();
  updateState();
}

InferenceDialog::~InferenceDialog() = default;

void InferenceDialog::setModel(const QString& path) {
  int index = mModel->findData(path);
  if (index < 0) {
    // The file's name and its folder, elided in the middle; the whole path in the tooltip.
    const QFileInfo file(path);
    const QString shown = mModel->fontMetrics().elidedText(
        QStringLiteral("%1  —  %2").arg(file.fileName(), QDir::toNativeSeparators(file.absolutePath())), Qt::ElideMiddle, 380);
    mModel->insertItem(0, shown, path);
    mModel->setItemData(0, path, Qt::ToolTipRole);
    index = 0;
  }
  mModel->setCurrentIndex(index);
}

QString InferenceDialog::modelPath() const { return mModel->currentData().toString(); }

void InferenceDialog::showModelSummary() {
  const QString path = modelPath();
  mModel->setToolTip(path);
  if (path.isEmpty()) {
    mModelSummary->setText(tr("Choose a fine-tuned checkpoint (a run's checkpoints/best.safetensors) or a cloud-gap MAE."));
    return;
  }
  if (!path.endsWith(QLatin1String(".safetensors"))) {
    mModelSummary->setText(tr("A PyTorch checkpoint: what it holds is read when the job starts."));
    return;
  }
  try {
    const CheckpointSummary summary = summarizeCheckpoint(path.toStdString());
    QStringList parts;
    parts << (summary.task.empty() ? tr("a model of unknown task") : tr("%1 model").arg(q(summary.task)));
    if (!summary.classNames.empty()) {
      QStringList names;
      for (const std::string& name : summary.classNames) names << q(name);
      parts << tr("%1 classes (%2)").arg(names.size()).arg(names.join(QStringLiteral(", ")));
    }
    if (summary.bands) parts << (summary.bands == 1 ? tr("1 band") : tr("%1 bands").arg(summary.bands));
    if (summary.frames) parts << (summary.frames == 1 ? tr("1 frame") : tr("%1 frames").arg(summary.frames));
    if (summary.chipSize) parts << tr("%1-px windows").arg(summary.chipSize);
    if (!summary.head.empty()) parts << tr("%1 head").arg(q(summary.head));
    if (summary.step) parts << tr("trained %1 steps").arg(summary.step);
    if (summary.validationMiou) parts << tr("validation mIoU %1").arg(*summary.validationMiou, 0, 'f', 3);
    mModelSummary->setText(parts.join(QStringLiteral(" · ")));
    mModelFrames = summary.frames;
  } catch (const Error& error) {
    mModelSummary->setText(tr("Cannot read this checkpoint: %1").arg(q(error.what())));
  }
}

void InferenceDialog::setArea(Area area) {
  if (QAbstractButton* button = mAreaGroup->button(int(area)); button && button->isEnabled()) button->setChecked(true);
  updateState();
}

void InferenceDialog::setDrawnArea(const MapExtent& extent) {
  mDrawn = extent;
  mAreaDrawn->setEnabled(true);
  mAreaDrawn->setChecked(true);
  raise();
  activateWindow();
  updateState();
}

void InferenceDialog::setOutputKind(const QString& kind) {
  const int index = mOutputKind->findData(kind);
  if (index >= 0) mOutputKind->setCurrentIndex(index);
}

void InferenceDialog::setOutputPath(const QString& path) {
  mOutputChosen = true;
  mOutput->setText(path);
}

void InferenceDialog::proposeOutputPath(const QString& folder) {
  // A second run the same second gets a numbered name: a result is never overwritten.
  const QString name = defaultResultName(mContext.scene, modelPath(), QDateTime::currentDateTime());
  QString path = QDir(folder).filePath(name);
  for (int n = 2; QFileInfo::exists(path); ++n)
    path = QDir(folder).filePath(QFileInfo(name).completeBaseName() + QStringLiteral("-%1.tif").arg(n));
  mOutput->setText(path);
}

void InferenceDialog::setWindow(int pixels, double overlap) {
  mWindow->setValue(pixels);
  mOverlap->setValue(overlap);
}

QString InferenceDialog::outputPath() const { return mOutput->text(); }

bool InferenceDialog::isRunning() const { return mJob && mJob->isRunning(); }

QString InferenceDialog::bboxArgument(QString* error) const {
  const auto id = Area(mAreaGroup->checkedId());
  if (id == Area::Scene) return {};
  const MapExtent extent = id == Area::View ? mContext.view : mDrawn.value_or(MapExtent{});
  if (extent.isEmpty()) {
    if (error) *error = tr("the area is empty; draw a rectangle on the map first");
    return {};
  }
  // The CLI takes the area in the scene's CRS: the extent's outline, densified so a
  // reprojected edge that bows outwards is still inside the box.
  std::vector<MapPoint> outline;
  constexpr int kSteps = 8;
  for (int i = 0; i <= kSteps; ++i) {
    const double t = double(i) / kSteps;
    const double x = extent.minX + t * (extent.maxX - extent.minX), y = extent.minY + t * (extent.maxY - extent.minY);
    outline.insert(outline.end(), {{x, extent.minY}, {x, extent.maxY}, {extent.minX, y}, {extent.maxX, y}});
  }
  const std::string target = mContext.scene.crs();
  double minX = INFINITY, minY = INFINITY, maxX = -INFINITY, maxY = -INFINITY;
  try {
    std::optional<CrsTransform> transform;
    if (!mContext.mapCrs.empty() && !target.empty() && !sameCrs(mContext.mapCrs, target)) transform.emplace(mContext.mapCrs, target);
    for (const MapPoint& point : outline) {
      const std::optional<MapPoint> scenePoint = transform ? transform->transform(point) : std::optional<MapPoint>(point);
      if (!scenePoint) continue;
      minX = std::min(minX, scenePoint->x), maxX = std::max(maxX, scenePoint->x);
      minY = std::min(minY, scenePoint->y), maxY = std::max(maxY, scenePoint->y);
    }
  } catch (const Error& failure) {
    if (error) *error = q(failure.what());
    return {};
  }
  if (!(maxX > minX && maxY > minY)) {
    if (error) *error = tr("the area cannot be placed in the scene's coordinates");
    return {};
  }
  return QStringLiteral("%1,%2,%3,%4").arg(minX, 0, 'f', 3).arg(minY, 0, 'f', 3).arg(maxX, 0, 'f', 3).arg(maxY, 0, 'f', 3);
}

QStringList InferenceDialog::jobArguments(QString* error) const {
  const QString model = modelPath();
  if (model.isEmpty()) {
    if (error) *error = tr("choose a model checkpoint");
    return {};
  }
  if (!QFileInfo::exists(model)) {
    if (error) *error = tr("%1 does not exist").arg(model);
    return {};
  }
  if (mOutput->text().trimmed().isEmpty()) {
    if (error) *error = tr("choose where to save the result");
    return {};
  }
  QString bboxError;
  const QString bbox = bboxArgument(&bboxError);
  if (!bboxError.isEmpty()) {
    if (error) *error = bboxError;
    return {};
  }
  QStringList arguments{QStringLiteral("infer"), QStringLiteral("--model"), model, QStringLiteral("--out"), mOutput->text().trimmed()};
  // Every file of every frame: the CLI groups them into scenes and orders the dates.
  std::vector<const Scene*> frames{&mContext.scene};
  for (int i = 0; i + 1 < mFrames->value() && i < int(mContext.earlierDates.size()); ++i)
    frames.push_back(&mContext.earlierDates[size_t(i)]);
  QStringList files;
  for (const Scene* frame : frames)
    for (const SceneBand& band : frame->bands)
      if (!files.contains(q(band.path))) files << q(band.path);
  for (const QString& file : files) arguments << QStringLiteral("--input") << file;
  // The shown scene is the one whose cloud gaps a multi-date model fills (the CLI's default is
  // the earliest date).
  if (frames.size() > 1) arguments << QStringLiteral("--frame") << q(mContext.scene.id);
  if (!bbox.isEmpty()) arguments << QStringLiteral("--bbox") << bbox;
  arguments << QStringLiteral("--window") << QString::number(mWindow->value()) << QStringLiteral("--overlap")
            << QString::number(mOverlap->value()) << QStringLiteral("--blend") << mBlend->currentText();
  if (const QString kind = mOutputKind->currentData().toString(); !kind.isEmpty()) arguments << QStringLiteral("--output") << kind;
  if (mMaskClouds->isChecked()) arguments << QStringLiteral("--mask-clouds");
  if (mCleanMinRegion->isEnabled() && mCleanMinRegion->value() > 0)
    arguments << QStringLiteral("--clean-min-region") << QString::number(mCleanMinRegion->value());
  if (mCleanSmooth->isEnabled() && mCleanSmooth->value() > 0)
    arguments << QStringLiteral("--clean-open") << QString::number(mCleanSmooth->value()) << QStringLiteral("--clean-close")
              << QString::number(mCleanSmooth->value());
  if (const QString precision = mPrecision->currentData().toString(); precision != QLatin1String("fp32"))
    arguments << QStringLiteral("--precision") << precision;
  arguments << cpuThreadArguments();
  return arguments;
}

void InferenceDialog::updateState() {
  const bool running = isRunning();
  QString error;
  jobArguments(&error);
  mRun->setEnabled(!running && error.isEmpty());
  mCancel->setEnabled(running);
  if (!running) mStatus->setText(error.isEmpty() ? QString() : tr("To run: %1.").arg(error));
}

void InferenceDialog::run() {
  QString error;
  const QStringList arguments = jobArguments(&error);
  if (!error.isEmpty()) {
    mStatus->setText(tr("To run: %1.").arg(error));
    return;
  }
  QDir().mkpath(QFileInfo(mOutput->text()).absolutePath());
  delete mJob;
  mResultPath.clear();
  mResultKind.clear();
  mJob = new JobRunner(tr("Inference on %1").arg(q(mContext.scene.id)), arguments, this);
  connect(mJob, &JobRunner::progressed, this, [this](qint64 step, qint64 total, double eta, const QString& text) {
    mProgress->setValue(total > 0 ? int(1000 * step / total) : 0);
    mStatus->setText(eta >= 0 ? tr("%1 — about %2 left").arg(text, durationText(eta)) : text);
  });
  connect(mJob, &JobRunner::logged, this, [this](const QString& level, const QString& text) {
    mLog->appendPlainText(QStringLiteral("[%1] %2").arg(level, text));
  });
  connect(mJob, &JobRunner::artifactProduced, this, [this](const QString& path, const QString& kind) {
    mResultPath = path;
    mResultKind = kind;
  });
  connect(mJob, &JobRunner::finished, this, &InferenceDialog::onFinished);
  Q_EMIT jobStarted(mJob);
  mLog->appendPlainText(QStringLiteral("prithvi ") + arguments.join(QLatin1Char(' ')));
  mProgress->setValue(0);
  mStatus->setText(tr("Starting…"));
  mJob->start();
  updateState();
  mStatus->setText(tr("Starting…"));
}

void InferenceDialog::onFinished(const QString& status, const QString& error) {
  updateState();
  if (status == QLatin1String("ok")) {
    mProgress->setValue(1000);
    const QString path = mResultPath.isEmpty() ? mOutput->text() : mResultPath;
    mStatus->setText(tr("Done in %1: %2").arg(durationText(mJob->elapsedSeconds()), path));
    Q_EMIT message(QStringLiteral("info"), tr("inference wrote %1").arg(path));
    Q_EMIT resultReady(path, mResultKind, QFileInfo(path).completeBaseName());
    // A new run gets a new file name, so a second click never overwrites this result.
    mOutputChosen = false;
    proposeOutputPath(QFileInfo(path).absolutePath());
  } else if (status == QLatin1String("canceled")) {
    mProgress->setValue(0);
    mStatus->setText(tr("Canceled; nothing was written."));
    Q_EMIT message(QStringLiteral("info"), tr("inference canceled"));
  } else {
    mStatus->setText(tr("Failed: %1").arg(error));
    Q_EMIT message(QStringLiteral("error"), tr("inference failed: %1").arg(error));
  }
}

void InferenceDialog::showResultNotShown(const QString& path, const QString& reason) {
  mStatus->setText(tr("The job succeeded and wrote %1, but it could not be shown: %2").arg(path, reason));
}

void InferenceDialog::closeEvent(QCloseEvent* event) {
  // A running job keeps running only as long as the dialog: closing cancels it.
  if (mJob && mJob->isRunning()) mJob->cancel();
  QDialog::closeEvent(event);
}

}  // namespace prithvi
