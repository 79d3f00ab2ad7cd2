#include "ui/DatasetDialog.h"

#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>
#include <set>

#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/base/ModelCatalog.h"
#include "core/labels/LabelStore.h"
#include "core/project/ProjectStore.h"
#include "ui/Async.h"
#include "ui/JobsDock.h"

namespace prithvi {

namespace {

QString q(const std::string& text) { return QString::fromStdString(text); }

QDoubleSpinBox* percentBox(double value, QWidget* parent) {
  auto* box = new QDoubleSpinBox(parent);
  box->setRange(0, 100);
  box->setDecimals(0);
  box->setSuffix(QStringLiteral(" %"));
  box->setValue(value);
  return box;
}

QString pixelsText(int64_t pixels) { return QLocale().toString(qlonglong(pixels)); }

}  // namespace

DatasetDialog::DatasetDialog(const QString& projectPath, JobsDock* jobs, QWidget* parent)
    : QDialog(parent), mProjectPath(projectPath), mJobs(jobs) {
  setWindowTitle(tr("Build Dataset"));
  setObjectName(QStringLiteral("datasetDialog"));
  mPool.setMaxThreadCount(1);

  mPreset = new QComboBox(this);
  mPreset->setObjectName(QStringLiteral("datasetPreset"));
  for (const TaskPresetChoice& preset : taskPresetChoices()) {
    mPreset->addItem(QStringLiteral("%1 (%2)").arg(q(preset.name), q(preset.task)), q(preset.name));
    mPreset->setItemData(mPreset->count() - 1, q(preset.description), Qt::ToolTipRole);
    mPreset->setItemData(mPreset->count() - 1, q(preset.path), Qt::UserRole + 1);
    mPreset->setItemData(mPreset->count() - 1, q(preset.task), Qt::UserRole + 2);
  }
  mPreset->setToolTip(tr("The task, and the chip size, splits and filters its preset suggests"));

  mLabelSets = new QTableWidget(0, 6, this);
  mLabelSets->setObjectName(QStringLiteral("datasetLabelSets"));
  mLabelSets->setHorizontalHeaderLabels({tr("Set"), tr("Scene"), tr("Scheme"), tr("State"), tr("Author"), tr("Used")});
  mLabelSets->verticalHeader()->hide();
  mLabelSets->setEditTriggers(QAbstractItemView::NoEditTriggers);
  mLabelSets->setSelectionMode(QAbstractItemView::NoSelection);
  mLabelSets->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  mLabelSets->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
  mLabelSets->setMinimumHeight(110);
  mValidated = new QCheckBox(tr("validated"), this);
  mValidated->setChecked(true);
  mSubmitted = new QCheckBox(tr("submitted"), this);
  mDraft = new QCheckBox(tr("draft"), this);
  mDraft->setToolTip(tr("Unreviewed labels: fine for a first try, not for a model you will publish"));
  auto* states = new QHBoxLayout;
  states->addWidget(new QLabel(tr("Use label sets that are"), this));
  for (QCheckBox* box : {mValidated, mSubmitted, mDraft}) states->addWidget(box);
  states->addStretch();
  auto* setsBox = new QGroupBox(tr("Label sets"), this);
  auto* setsLayout = new QVBoxLayout(setsBox);
  setsLayout->addWidget(mLabelSets);
  setsLayout->addLayout(states);

  mChipSize = new QSpinBox(this);
  mChipSize->setObjectName(QStringLiteral("datasetChipSize"));
  mChipSize->setRange(16, 2048);
  mChipSize->setSingleStep(16);
  mChipSize->setSuffix(tr(" px"));
  mStride = new QSpinBox(this);
  mStride->setRange(0, 2048);
  mStride->setSingleStep(16);
  mStride->setSpecialValueText(tr("chip size (no overlap)"));
  mStride->setSuffix(tr(" px"));
  mFrames = new QSpinBox(this);
  mFrames->setRange(1, 16);
  mFrames->setToolTip(tr("Dates per chip: the labelled date and the clearest others of its tile"));
  mMinLabelled = percentBox(10, this);
  mMinLabelled->setToolTip(tr("Chips with a smaller labelled share are left out"));
  mMaxCloud = percentBox(50, this);
  mMaxCloud->setToolTip(tr("Chips with more cloud and cloud shadow (Fmask) are left out"));
  mValidation = percentBox(15, this);
  mValidation->setObjectName(QStringLiteral("datasetValidation"));
  mTest = percentBox(15, this);
  mTest->setObjectName(QStringLiteral("datasetTest"));
  mBlock = new QSpinBox(this);
  mBlock->setRange(1, 64);
  mBlock->setToolTip(tr("Splits are drawn per block of N x N chips, so neighbouring chips never sit in different splits"));
  mSeed = new QSpinBox(this);
  mSeed->setRange(0, 1'000'000);
  mSeed->setValue(1);
  auto* chips = new QHBoxLayout;
  chips->addWidget(mChipSize);
  chips->addWidget(new QLabel(tr("stride"), this));
  chips->addWidget(mStride);
  chips->addWidget(new QLabel(tr("frames"), this));
  chips->addWidget(mFrames);
  auto* filters = new QHBoxLayout;
  filters->addWidget(new QLabel(tr("labelled at least"), this));
  filters->addWidget(mMinLabelled);
  filters->addWidget(new QLabel(tr("cloud at most"), this));
  filters->addWidget(mMaxCloud);
  filters->addStretch();
  auto* splits = new QHBoxLayout;
  splits->addWidget(new QLabel(tr("validation"), this));
  splits->addWidget(mValidation);
  splits->addWidget(new QLabel(tr("test"), this));
  splits->addWidget(mTest);
  splits->addWidget(new QLabel(tr("block"), this));
  splits->addWidget(mBlock);
  splits->addWidget(new QLabel(tr("seed"), this));
  splits->addWidget(mSeed);
  splits->addStretch();

  mOutput = new QLineEdit(this);
  mOutput->setObjectName(QStringLiteral("datasetOutput"));
  auto* browse = new QToolButton(this);
  browse->setText(tr("…"));
  connect(browse, &QToolButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save the dataset as"), mOutput->text(), tr("Zarr chip stores (*.zarr)"));
    if (!path.isEmpty()) setOutputPath(path.endsWith(QLatin1String(".zarr")) ? path : path + QStringLiteral(".zarr"));
  });
  connect(mOutput, &QLineEdit::textEdited, this, [this] {
    mOutputChosen = true;
    updateButtons();
  });
  auto* outputRow = new QHBoxLayout;
  outputRow->addWidget(mOutput, 1);
  outputRow->addWidget(browse);

  auto* form = new QFormLayout;
  form->addRow(tr("&Task preset"), mPreset);
  form->addRow(tr("Chips"), chips);
  form->addRow(tr("Keep chips"), filters);
  form->addRow(tr("Splits"), splits);
  form->addRow(tr("Save as"), outputRow);

  mSummary = new QLabel(this);
  mSummary->setObjectName(QStringLiteral("datasetSummary"));
  mSummary->setWordWrap(true);
  mClassTable = new QTableWidget(0, 3, this);
  mClassTable->setObjectName(QStringLiteral("datasetClassPixels"));
  mClassTable->setHorizontalHeaderLabels({tr("train"), tr("validation"), tr("test")});
  mClassTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
  mClassTable->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
  mClassTable->setMinimumHeight(90);
  auto* previewBox = new QGroupBox(tr("Before building: chips and labelled pixels per class and split"), this);
  auto* previewLayout = new QVBoxLayout(previewBox);
  previewLayout->addWidget(mSummary);
  previewLayout->addWidget(mClassTable);

  mProgress = new QProgressBar(this);
  mProgress->setObjectName(QStringLiteral("datasetProgress"));
  mProgress->setRange(0, 1000);
  mProgress->setValue(0);
  mStatus = new QLabel(this);
  mStatus->setObjectName(QStringLiteral("datasetStatus"));
  mStatus->setWordWrap(true);
  mStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);

  auto* buttons = new QDialogButtonBox(this);
  mBuild = buttons->addButton(tr("&Build"), QDialogButtonBox::AcceptRole);
  mBuild->setObjectName(QStringLiteral("datasetBuildButton"));
  mBuild->setDefault(true);
  mCancel = buttons->addButton(tr("Cancel Build"), QDialogButtonBox::ActionRole);
  mCancel->setObjectName(QStringLiteral("datasetCancelButton"));
  mLaunch = buttons->addButton(tr("&Launch Training…"), QDialogButtonBox::ActionRole);
  mLaunch->setObjectName(QStringLiteral("datasetLaunchButton"));
  mLaunch->setToolTip(tr("Open Launch Training with this dataset"));
  QPushButton* close = buttons->addButton(QDialogButtonBox::Close);
  connect(mBuild, &QPushButton::clicked, this, &DatasetDialog::build);
  connect(mCancel, &QPushButton::clicked, this, [this] {
    if (mBuilding) mBuilding->cancel();
    mStatus->setText(tr("Canceling…"));
  });
  connect(mLaunch, &QPushButton::clicked, this, [this] { Q_EMIT launchTrainingRequested(mBuiltPath); });
  connect(close, &QPushButton::clicked, this, &QDialog::close);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(setsBox, 1);
  layout->addWidget(previewBox, 1);
  layout->addWidget(mProgress);
  layout->addWidget(mStatus);
  layout->addWidget(buttons);
  resize(760, 640);

  mPreviewTimer = new QTimer(this);
  mPreviewTimer->setSingleShot(true);
  mPreviewTimer->setInterval(300);
  connect(mPreviewTimer, &QTimer::timeout, this, &DatasetDialog::computePreview);
  connect(mPreset, &QComboBox::currentIndexChanged, this, [this] {
    loadPreset();
    if (!mOutputChosen) proposeOutputPath();
  });
  for (QSpinBox* box : {mChipSize, mStride, mFrames, mBlock, mSeed})
    connect(box, &QSpinBox::valueChanged, this, &DatasetDialog::schedulePreview);
  for (QDoubleSpinBox* box : {mMinLabelled, mMaxCloud, mValidation, mTest})
    connect(box, &QDoubleSpinBox::valueChanged, this, &DatasetDialog::schedulePreview);
  for (QCheckBox* box : {mValidated, mSubmitted, mDraft}) connect(box, &QCheckBox::toggled, this, &DatasetDialog::schedulePreview);

  // A task with label sets in the project first: what the user most likely came to build.
  try {
    auto project = ProjectStore::open(mProjectPath.toStdString());
    LabelStore labels(*project);
    for (const LabelSet& set : labels.labelSets()) {
      const std::string task = labels.scheme(set.scheme).task;
      const int index = mPreset->findData(q(task));
      if (index >= 0 && set.state == ReviewState::Validated) {
        mPreset->setCurrentIndex(index);
        break;
      }
    }
  } catch (const Error& error) {
    mStatus->setText(q(error.what()));
  }
  loadPreset();
  proposeOutputPath();
}

DatasetDialog::~DatasetDialog() {
  if (mBuilding) mBuilding->cancel();
  mPool.waitForDone();
}

bool DatasetDialog::selectPreset(const QString& name) {
  const int index = mPreset->findData(name);
  if (index < 0) return false;
  mPreset->setCurrentIndex(index);
  return true;
}

void DatasetDialog::loadPreset() {
  DatasetBuildOptions defaults;
  QFile file(mPreset->currentData(Qt::UserRole + 1).toString());
  if (file.open(QIODevice::ReadOnly)) {
    try {
      applyDatasetPreset(file.readAll().toStdString(), defaults);
    } catch (const Error& error) {
      mStatus->setText(q(error.what()));
    }
  }
  const QSignalBlocker blocks[] = {QSignalBlocker(mChipSize), QSignalBlocker(mStride), QSignalBlocker(mFrames),
                                   QSignalBlocker(mMinLabelled), QSignalBlocker(mMaxCloud), QSignalBlocker(mValidation),
                                   QSignalBlocker(mTest), QSignalBlocker(mBlock)};
  mChipSize->setValue(defaults.chipSize);
  mStride->setValue(defaults.stride);
  mFrames->setValue(defaults.frames);
  mMinLabelled->setValue(defaults.minLabelledFraction * 100);
  mMaxCloud->setValue(defaults.maxCloudFraction * 100);
  mValidation->setValue(defaults.validationFraction * 100);
  mTest->setValue(defaults.testFraction * 100);
  mBlock->setValue(defaults.blockChips);
  schedulePreview();
}

DatasetBuildOptions DatasetDialog::options() const {
  DatasetBuildOptions options;
  options.task = mPreset->currentData(Qt::UserRole + 2).toString().toStdString();
  options.chipSize = mChipSize->value();
  options.stride = mStride->value();
  options.frames = mFrames->value();
  options.minLabelledFraction = mMinLabelled->value() / 100;
  options.maxCloudFraction = mMaxCloud->value() / 100;
  options.validationFraction = mValidation->value() / 100;
  options.testFraction = mTest->value() / 100;
  options.blockChips = mBlock->value();
  options.seed = uint64_t(mSeed->value());
  options.states.clear();
  if (mValidated->isChecked()) options.states.push_back(ReviewState::Validated);
  if (mSubmitted->isChecked()) options.states.push_back(ReviewState::Submitted);
  if (mDraft->isChecked()) options.states.push_back(ReviewState::Draft);
  return options;
}

QString DatasetDialog::outputPath() const { return mOutput->text().trimmed(); }

void DatasetDialog::setOutputPath(const QString& path) {
  mOutputChosen = true;
  mOutput->setText(path);
  updateButtons();
}

void DatasetDialog::proposeOutputPath() {
  // <project folder>/datasets/<preset>-<date>.zarr, never over an existing store.
  const QDir folder(QDir(QFileInfo(mProjectPath).absolutePath()).filePath(QStringLiteral("datasets")));
  const QString stem = mPreset->currentData().toString() + QLatin1Char('-') +
                       QDateTime::currentDateTime().toString(QStringLiteral("yyyy-MM-dd"));
  QString path = folder.filePath(stem + QStringLiteral(".zarr"));
  for (int n = 2; QFileInfo::exists(path); ++n) path = folder.filePath(stem + QStringLiteral("-%1.zarr").arg(n));
  mOutput->setText(path);
  updateButtons();
}

void DatasetDialog::refreshLabelSets() {
  mLabelSets->setRowCount(0);
  mScheme.reset();
  const DatasetBuildOptions chosen = options();
  try {
    auto project = ProjectStore::open(mProjectPath.toStdString());
    LabelStore labels(*project);
    for (const LabelSet& set : labels.labelSets()) {
      const ClassScheme scheme = labels.scheme(set.scheme);
      const bool taskMatches = scheme.task == chosen.task;
      const bool stateCounts =
          std::find(chosen.states.begin(), chosen.states.end(), set.state) != chosen.states.end();
      if (taskMatches && stateCounts && !mScheme) mScheme = scheme;
      const int row = mLabelSets->rowCount();
      mLabelSets->insertRow(row);
      const QStringList cells{QString::number(set.id), q(set.sceneId), q(set.scheme), QLatin1String(reviewStateName(set.state)),
                              q(set.author),
                              taskMatches ? (stateCounts ? tr("yes") : tr("no: %1").arg(QLatin1String(reviewStateName(set.state))))
                                          : tr("no: task %1").arg(q(scheme.task))};
      for (int column = 0; column < cells.size(); ++column) {
        auto* item = new QTableWidgetItem(cells[column]);
        if (!(taskMatches && stateCounts)) item->setForeground(palette().color(QPalette::PlaceholderText));
        mLabelSets->setItem(row, column, item);
      }
    }
  } catch (const Error& error) {
    mStatus->setText(q(error.what()));
  }
}

void DatasetDialog::schedulePreview() {
  ++mPreviewGeneration;  // a result of older settings is dropped
  mPreview.reset();
  mSummary->setText(tr("Counting chips…"));
  refreshLabelSets();
  mPreviewTimer->start();
  updateButtons();
}

void DatasetDialog::computePreview() {
  const int generation = mPreviewGeneration;
  const DatasetBuildOptions chosen = options();
  const std::string project = mProjectPath.toStdString();
  runAsync<DatasetSummary>(
      mPool, this,
      [project, chosen] {
        auto store = ProjectStore::open(project);  // this thread's own connection
        return planChipDataset(*store, chosen);
      },
      [this, generation](std::optional<DatasetSummary> summary, const std::string& error) {
        if (generation != mPreviewGeneration) return;
        if (!summary) {
          mSummary->setText(tr("Nothing to build with these settings: %1").arg(q(error)));
          mClassTable->setRowCount(0);
        } else {
          mPreview = summary;
          showPreview(*summary);
        }
        updateButtons();
        Q_EMIT previewReady();
      });
}

void DatasetDialog::showPreview(const DatasetSummary& summary) {
  mSummary->setText(tr("%1 chips: %2 train, %3 validation, %4 test; %5 left out at split borders.")
                        .arg(summary.chips)
                        .arg(summary.chipsPerSplit[0])
                        .arg(summary.chipsPerSplit[1])
                        .arg(summary.chipsPerSplit[2])
                        .arg(summary.droppedAtSplitBorders) +
                    (summary.skipped.empty() ? QString() : tr(" Left out: %1").arg(q(summary.skipped.front()))));
  std::set<int> values;
  for (const auto& split : summary.classPixels)
    for (const auto& [value, pixels] : split) values.insert(value);
  mClassTable->setRowCount(int(values.size()));
  int row = 0;
  for (int value : values) {
    const LabelClass* named = mScheme ? mScheme->find(value) : nullptr;
    mClassTable->setVerticalHeaderItem(row, new QTableWidgetItem(named ? QStringLiteral("%1 %2").arg(value).arg(q(named->name))
                                                                       : QString::number(value)));
    for (int split = 0; split < 3; ++split) {
      const auto found = summary.classPixels[size_t(split)].find(value);
      const int64_t pixels = found == summary.classPixels[size_t(split)].end() ? 0 : found->second;
      auto* item = new QTableWidgetItem(pixelsText(pixels));
      item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
      // A class a split lacks cannot be evaluated there: say so in colour.
      if (pixels == 0 && summary.chipsPerSplit[size_t(split)] > 0) item->setForeground(QColor(190, 30, 30));
      mClassTable->setItem(row, split, item);
    }
    ++row;
  }
}

QString DatasetDialog::previewText() const { return mSummary->text(); }

void DatasetDialog::updateButtons() {
  const bool building = isBuilding();
  mBuild->setEnabled(!building && mPreview && !outputPath().isEmpty());
  mCancel->setEnabled(building);
  mLaunch->setEnabled(!building && !mBuiltPath.isEmpty());
  for (QWidget* widget : std::initializer_list<QWidget*>{mPreset, mChipSize, mStride, mFrames, mMinLabelled, mMaxCloud,
                                                         mValidation, mTest, mBlock, mSeed, mOutput})
    widget->setEnabled(!building);
}

void DatasetDialog::build() {
  const QString out = outputPath();
  if (out.isEmpty() || !mPreview) return;
  if (QFileInfo::exists(out)) {
    mStatus->setText(tr("%1 exists: choose another name (a dataset is never written over).").arg(out));
    return;
  }
  QDir().mkpath(QFileInfo(out).absolutePath());
  mBuilding = std::make_shared<Feedback>();
  mBuiltPath.clear();
  const int task = mJobs ? mJobs->trackTask(tr("Dataset %1").arg(QFileInfo(out).fileName()), QStringLiteral("dataset"), mBuilding) : 0;
  QPointer<DatasetDialog> guard(this);
  mBuilding->setProgressCallback([guard](int64_t step, int64_t total, const std::string& message) {
    QMetaObject::invokeMethod(
        guard.data(), [guard, step, total, message] {
          if (!guard) return;
          guard->mProgress->setValue(total > 0 ? int(1000 * step / total) : 0);
          guard->mStatus->setText(q(message));
        },
        Qt::QueuedConnection);
  });
  mProgress->setValue(0);
  mStatus->setText(tr("Building…"));
  updateButtons();
  const DatasetBuildOptions chosen = options();
  const std::string project = mProjectPath.toStdString();
  const std::shared_ptr<Feedback> feedback = mBuilding;
  runAsync<DatasetSummary>(
      mPool, this,
      [project, chosen, out, feedback] {
        auto store = ProjectStore::open(project);
        return buildChipDataset(*store, out.toStdString(), chosen, feedback.get());
      },
      [this, out, task](std::optional<DatasetSummary> summary, const std::string& error) {
        mBuilding.reset();
        const bool canceled = error == "canceled";
        if (mJobs && task) mJobs->endTask(task, summary ? QStringLiteral("ok") : canceled ? QStringLiteral("canceled") : QStringLiteral("failed"), q(error));
        if (summary) {
          mBuiltPath = out;
          mProgress->setValue(1000);
          mStatus->setText(tr("Built %1 chips into %2. Next: Launch Training.").arg(summary->chips).arg(out));
          Q_EMIT built(out);
        } else {
          mProgress->setValue(0);
          mStatus->setText(canceled ? tr("Canceled; nothing was written.") : tr("Failed: %1").arg(q(error)));
          Q_EMIT buildFailed(q(error));
        }
        mOutputChosen = false;
        if (summary) proposeOutputPath();  // a second build never goes over this one
        updateButtons();
      });
}

void DatasetDialog::closeEvent(QCloseEvent* event) {
  // A build keeps running only as long as the dialog: closing cancels it.
  if (mBuilding) mBuilding->cancel();
  QDialog::closeEvent(event);
}

}  // namespace prithvi
