#include "ui/LaunchDialog.h"
#include "core/base/AtomicFile.h"
#include "ui/PreferencesDialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include "core/base/Assets.h"
#include "core/base/Error.h"
#include "core/base/ModelCatalog.h"
#include "core/dataset/ChipDataset.h"
#include "core/jobs/JobStore.h"

namespace prithvi {

namespace {

QString q(const std::string& text) { return QString::fromStdString(text); }

// The hyperparameters shown, as command-line options, and the preset keys that fill them.
struct Parameter {
  const char* option;
  const char* presetKey;  // in the preset's "train" object; nullptr: none
  const char* help;
};
const Parameter kParameters[] = {
    {"steps", "steps", "optimiser steps"},
    {"batch", "batch_size", "chips per step and process"},
    {"lr", "lr", "peak learning rate"},
    {"weight-decay", "weight_decay", "AdamW weight decay"},
    {"warmup", "warmup_steps", "linear warm-up steps"},
    {"eval-every", "eval_every", "steps between evaluations and checkpoints"},
    {"patience", "patience", "evaluations without improvement before stopping (0: never)"},
    {"head", "head", "upernet or fcn (fine-tuning)"},
    {"decoder-channels", "decoder_channels", "decoder width (fine-tuning)"},
    {"mask-ratio", "mask_ratio", "share of patches hidden (pretraining)"},
    {"accumulate", nullptr, "batches per optimiser step"},
    {"workers", nullptr, "loader threads"},
    {"threads", nullptr, "CPU threads per process (0: all)"},
    {"device", nullptr, "auto, cpu or cuda"},
    {"seed", nullptr, "random seed"},
};

QString presetValue(const QJsonValue& value) {
  if (value.isDouble()) return QString::number(value.toDouble(), 'g', 10);
  if (value.isString()) return value.toString();
  return {};
}

// Splits extra arguments on spaces, keeping "quoted parts" whole.
QStringList splitArguments(const QString& text) {
  QStringList words;
  QString word;
  bool quoted = false, any = false;
  for (const QChar c : text) {
    if (c == '"') {
      quoted = !quoted;
      any = true;
    } else if (c.isSpace() && !quoted) {
      if (any) words << word;
      word.clear();
      any = false;
    } else {
      word += c;
      any = true;
    }
  }
  if (any) words << word;
  return words;
}

}  // namespace

LaunchDialog::LaunchDialog(const QString& projectPath, const QString& prithviProgram, QWidget* parent)
    : QDialog(parent), mProjectDir(QFileInfo(projectPath).absolutePath()), mPrithvi(prithviProgram) {
  setWindowTitle(tr("Launch Training"));
  setObjectName(QStringLiteral("launchDialog"));

  // What to run.
  mTask = new QComboBox(this);
  mTask->setObjectName(QStringLiteral("task"));
  for (const TaskPresetChoice& preset : taskPresetChoices()) {
    mTask->addItem(q(preset.name), q(preset.path));
    mTask->setItemData(mTask->count() - 1, q(preset.description), Qt::ToolTipRole);
  }
  mName = new QLineEdit(this);
  mName->setObjectName(QStringLiteral("name"));
  mName->setPlaceholderText(tr("letters, digits and dashes"));
  mData = new QLineEdit(this);
  mData->setObjectName(QStringLiteral("data"));
  mData->setPlaceholderText(tr("a chip store from Dataset Build (.zarr)"));
  auto* browseData = new QPushButton(tr("Browse…"), this);
  mModel = new QComboBox(this);
  mModel->setObjectName(QStringLiteral("model"));
  mModel->setEditable(true);
  // The CLI's own list (core/base/ModelCatalog): every name here is one `--model` takes.
  for (const ModelChoice& choice : modelChoices()) {
    mModel->addItem(q(choice.name));
    mModel->setItemData(mModel->count() - 1, q(choice.description), Qt::ToolTipRole);
  }
  mWeights = new QLineEdit(this);
  mWeights->setObjectName(QStringLiteral("weights"));
  mWeights->setPlaceholderText(tr("pretrained weights (empty: random initialisation)"));
  auto* browseWeights = new QPushButton(tr("Browse…"), this);
  mRun = new QLineEdit(this);
  mRun->setObjectName(QStringLiteral("run"));
  mRun->setToolTip(tr("Checkpoints, events and metrics go here; an existing run resumes from its last checkpoint"));

  auto row = [this](QWidget* field, QWidget* button) {
    auto* box = new QWidget(this);
    auto* layout = new QHBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(field, 1);
    if (button) layout->addWidget(button);
    return box;
  };
  auto* what = new QGroupBox(tr("Run"), this);
  auto* whatForm = new QFormLayout(what);
  whatForm->addRow(tr("&Task preset:"), mTask);
  whatForm->addRow(tr("&Name:"), mName);
  whatForm->addRow(tr("&Data:"), row(mData, browseData));
  whatForm->addRow(tr("&Model:"), mModel);
  whatForm->addRow(tr("&Weights:"), row(mWeights, browseWeights));
  whatForm->addRow(tr("Run &folder:"), mRun);

  mParameters = new QTableWidget(int(std::size(kParameters)), 2, this);
  mParameters->setObjectName(QStringLiteral("hyperparameters"));
  mParameters->setHorizontalHeaderLabels({tr("Option"), tr("Value")});
  mParameters->verticalHeader()->hide();
  mParameters->horizontalHeader()->setStretchLastSection(true);
  for (int i = 0; i < int(std::size(kParameters)); ++i) {
    auto* option = new QTableWidgetItem(QString::fromLatin1(kParameters[i].option));
    option->setFlags(Qt::ItemIsEnabled);
    option->setToolTip(tr(kParameters[i].help));
    mParameters->setItem(i, 0, option);
    auto* value = new QTableWidgetItem;
    value->setToolTip(tr("%1; empty: the preset's or the default").arg(tr(kParameters[i].help)));
    mParameters->setItem(i, 1, value);
  }
  mParameters->resizeColumnToContents(0);
  mExtra = new QLineEdit(this);
  mExtra->setObjectName(QStringLiteral("extra"));
  mExtra->setPlaceholderText(tr("more options, e.g. --freeze-encoder --class-weights 0.3,0.7"));
  auto* parameters = new QGroupBox(tr("Hyperparameters (from the preset; every value can be changed)"), this);
  auto* parametersLayout = new QVBoxLayout(parameters);
  parametersLayout->addWidget(mParameters);
  parametersLayout->addWidget(mExtra);

  // Where it runs.
  mProcesses = new QSpinBox(this);
  mProcesses->setObjectName(QStringLiteral("processes"));
  mProcesses->setRange(1, 64);
  mProcesses->setToolTip(tr("Data-parallel processes per node (one per GPU when there are GPUs)"));
  mNodes = new QSpinBox(this);
  mNodes->setObjectName(QStringLiteral("nodes"));
  mNodes->setRange(1, 1024);
  mGpus = new QSpinBox(this);
  mGpus->setObjectName(QStringLiteral("gpus"));
  mGpus->setRange(0, 16);
  mBackend = new QComboBox(this);
  mBackend->setObjectName(QStringLiteral("backend"));
  mSettingsPages = new QStackedWidget(this);
  const std::pair<const char*, QString> backends[] = {{"local", tr("This machine")},
                                                      {"ssh", tr("Another machine (SSH)")},
                                                      {"slurm", tr("Slurm cluster")},
                                                      {"k8s", tr("Kubernetes cluster")}};
  for (const auto& [name, title] : backends) {
    mBackend->addItem(title, QString::fromLatin1(name));
    auto* page = new QWidget(this);
    new QFormLayout(page);
    mSettingsPages->addWidget(page);
  }
  static_cast<QFormLayout*>(mSettingsPages->widget(0)->layout())
      ->addRow(new QLabel(tr("The job runs here in the background and keeps running if the app closes."), this));
  addSetting("ssh", "host", tr("Host:"), tr("user@host"));
  addSetting("ssh", "port", tr("Port:"), tr("22"));
  addSetting("ssh", "identity", tr("Key file:"), tr("~/.ssh/id_ed25519 (empty: ssh's default)"));
  addSetting("ssh", "remote_dir", tr("Remote folder:"), tr("work folder on the host"));
  addSetting("ssh", "sync_up", tr("Copy up:"), tr("local files and folders, comma-separated (rsync)"));
  addSetting("ssh", "local_run_dir", tr("Results back to:"), tr("local folder the run folder is copied to when it ends"));
  addSetting("ssh", "prithvi", tr("Remote prithvi:"), tr("prithvi (on the remote PATH)"));
  addSetting("slurm", "partition", tr("Partition:"), tr("the cluster's default"));
  addSetting("slurm", "time", tr("Time limit:"), tr("HH:MM:SS"));
  addSetting("slurm", "account", tr("Account:"), tr("the user's default"));
  addSetting("slurm", "requeue", tr("Requeue (1/0):"), tr("1: a preempted job starts again and resumes"));
  addSetting("slurm", "prithvi", tr("prithvi on the nodes:"), mPrithvi);
  addSetting("k8s", "image", tr("Image:"), tr("container image with prithvi"));
  addSetting("k8s", "namespace", tr("Namespace:"), tr("default"));
  addSetting("k8s", "volume_claim", tr("Volume claim:"), tr("PersistentVolumeClaim holding data and runs"));
  addSetting("k8s", "mount_path", tr("Mounted at:"), tr("default: the run folder's parent"));
  addSetting("k8s", "cpu", tr("CPU per pod:"), tr("e.g. 4"));
  addSetting("k8s", "memory", tr("Memory per pod:"), tr("e.g. 16Gi"));
  addSetting("k8s", "context", tr("kubectl context:"), tr("the current one"));

  auto* where = new QGroupBox(tr("Where"), this);
  auto* whereForm = new QFormLayout(where);
  whereForm->addRow(tr("&Backend:"), mBackend);
  whereForm->addRow(tr("&Processes per node:"), mProcesses);
  whereForm->addRow(tr("N&odes:"), mNodes);
  whereForm->addRow(tr("&GPUs per node:"), mGpus);
  whereForm->addRow(mSettingsPages);

  mPreviewTitle = new QLabel(this);
  mPreview = new QPlainTextEdit(this);
  mPreview->setObjectName(QStringLiteral("preview"));
  mPreview->setReadOnly(true);
  mPreview->setLineWrapMode(QPlainTextEdit::WidgetWidth);
  mPreview->setFont(QFont(QStringLiteral("monospace")));
  auto* previewBox = new QWidget(this);
  auto* previewLayout = new QVBoxLayout(previewBox);
  previewLayout->setContentsMargins(0, 0, 0, 0);
  previewLayout->addWidget(mPreviewTitle);
  previewLayout->addWidget(mPreview);

  mButtons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
  auto* launchButton = mButtons->addButton(tr("&Launch"), QDialogButtonBox::AcceptRole);
  launchButton->setObjectName(QStringLiteral("launchButton"));
  auto* saveButton = mButtons->addButton(tr("&Save Script…"), QDialogButtonBox::ActionRole);
  saveButton->setObjectName(QStringLiteral("saveScript"));

  auto* left = new QWidget(this);
  auto* leftLayout = new QVBoxLayout(left);
  leftLayout->setContentsMargins(0, 0, 0, 0);
  leftLayout->addWidget(what);
  leftLayout->addWidget(parameters, 1);
  auto* right = new QWidget(this);
  auto* rightLayout = new QVBoxLayout(right);
  rightLayout->setContentsMargins(0, 0, 0, 0);
  rightLayout->addWidget(where);
  rightLayout->addWidget(previewBox, 1);
  auto* split = new QSplitter(Qt::Horizontal, this);
  split->addWidget(left);
  split->addWidget(right);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(split, 1);
  layout->addWidget(mButtons);
  resize(1100, 720);

  connect(mTask, &QComboBox::currentIndexChanged, this, &LaunchDialog::loadPreset);
  connect(mBackend, &QComboBox::currentIndexChanged, mSettingsPages, &QStackedWidget::setCurrentIndex);
  for (QLineEdit* edit : {mName, mData, mWeights, mRun, mExtra}) connect(edit, &QLineEdit::textChanged, this, &LaunchDialog::updatePreview);
  connect(mName, &QLineEdit::textEdited, this, [this](const QString& name) {
    mRun->setText(QDir(mProjectDir).filePath(QStringLiteral("runs/") + name));
  });
  connect(mModel, &QComboBox::currentTextChanged, this, &LaunchDialog::updatePreview);
  connect(mParameters, &QTableWidget::itemChanged, this, &LaunchDialog::updatePreview);
  for (QSpinBox* box : {mProcesses, mNodes, mGpus}) connect(box, &QSpinBox::valueChanged, this, &LaunchDialog::updatePreview);
  connect(mBackend, &QComboBox::currentIndexChanged, this, &LaunchDialog::updatePreview);
  connect(browseData, &QPushButton::clicked, this, [this] {
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Training data (.zarr)"), mProjectDir);
    if (!folder.isEmpty()) mData->setText(folder);
  });
  connect(browseWeights, &QPushButton::clicked, this, [this] {
    const QString file = QFileDialog::getOpenFileName(this, tr("Pretrained weights"), mProjectDir,
                                                      tr("Checkpoints (*.safetensors *.pt *.pth);;All files (*)"));
    if (!file.isEmpty()) mWeights->setText(file);
  });
  connect(saveButton, &QPushButton::clicked, this, &LaunchDialog::saveScript);
  connect(mButtons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(mButtons, &QDialogButtonBox::accepted, this, [this] {
    try {
      const LaunchRequest launch = request();
      Q_EMIT launchRequested(q(backend()), launch);
      accept();
    } catch (const std::exception& error) {
      QMessageBox::warning(this, tr("Launch Training"), q(error.what()));
    }
  });

  const QString name = QStringLiteral("run-") + QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmm"));
  mName->setText(name);
  mRun->setText(QDir(mProjectDir).filePath(QStringLiteral("runs/") + name));
  loadPreset();
  // The dataset built last (Label > Build Dataset writes them under datasets/), ready to train.
  const QFileInfoList built = QDir(QDir(mProjectDir).filePath(QStringLiteral("datasets")))
                                  .entryInfoList({QStringLiteral("*.zarr")}, QDir::Dirs | QDir::NoDotAndDotDot, QDir::Time);
  if (!built.isEmpty()) setTrainingData(built.front().absoluteFilePath());
}

void LaunchDialog::setTrainingData(const QString& path) {
  mData->setText(path);
  // A preset of the dataset's task, the one made for its chip size when there is one.
  try {
    const auto dataset = ChipDataset::open(path.toStdString());
    if (mTask->currentIndex() >= 0) {
      QFile current(mTask->currentData().toString());
      if (current.open(QIODevice::ReadOnly) &&
          QJsonDocument::fromJson(current.readAll()).object().value(QStringLiteral("task")).toString() == q(dataset->task()))
        return;
    }
    int chosen = -1;
    for (const TaskPresetChoice& preset : taskPresetChoices()) {
      if (preset.task != dataset->task()) continue;
      QFile file(q(preset.path));
      DatasetBuildOptions options;
      if (file.open(QIODevice::ReadOnly)) applyDatasetPreset(file.readAll().toStdString(), options);
      const int index = mTask->findText(q(preset.name));
      if (chosen < 0 || options.chipSize == dataset->chipSize()) chosen = index;
      if (options.chipSize == dataset->chipSize()) break;
    }
    if (chosen >= 0) mTask->setCurrentIndex(chosen);
  } catch (const Error&) {
    // Not a dataset this program reads: the preview says why when it renders the request.
  }
}

QLineEdit* LaunchDialog::addSetting(const QString& backend, const QString& key, const QString& label, const QString& placeholder) {
  int page = 0;
  for (; page < mBackend->count(); ++page)
    if (mBackend->itemData(page).toString() == backend) break;
  auto* edit = new QLineEdit(this);
  edit->setObjectName(backend + QLatin1Char('_') + key);
  edit->setPlaceholderText(placeholder);
  static_cast<QFormLayout*>(mSettingsPages->widget(page)->layout())->addRow(label, edit);
  mSettings[backend][key] = edit;
  connect(edit, &QLineEdit::textChanged, this, &LaunchDialog::updatePreview);
  return edit;
}

void LaunchDialog::loadPreset() {
  QFile input(mTask->currentData().toString());
  QJsonObject train;
  if (input.open(QIODevice::ReadOnly)) train = QJsonDocument::fromJson(input.readAll()).object().value(QStringLiteral("train")).toObject();
  QSignalBlocker block(mParameters);
  for (int i = 0; i < int(std::size(kParameters)); ++i) {
    const char* key = kParameters[i].presetKey;
    mParameters->item(i, 1)->setText(key ? presetValue(train.value(QString::fromLatin1(key))) : QString());
  }
  if (train.contains(QStringLiteral("model"))) mModel->setCurrentText(train.value(QStringLiteral("model")).toString());
  updatePreview();
}

std::string LaunchDialog::backend() const { return mBackend->currentData().toString().toStdString(); }

LaunchRequest LaunchDialog::request() const {
  LaunchRequest request;
  request.name = mName->text().trimmed().toStdString();
  if (request.name.empty()) throwUsage("give the run a name");
  if (mTask->currentIndex() < 0) throwUsage("no task presets were found (assets/tasks)");
  const bool pretraining = mTask->currentText() == QLatin1String("pretrain");
  const QString data = mData->text().trimmed();
  if (data.isEmpty()) throwUsage("choose the training data (a .zarr store from Dataset Build)");
  const QString run = mRun->text().trimmed();
  if (run.isEmpty()) throwUsage("choose a run folder");
  QStringList arguments{pretraining ? QStringLiteral("pretrain") : QStringLiteral("finetune"), QStringLiteral("--preset"),
                        mTask->currentText(), QStringLiteral("--data"), data, QStringLiteral("--run"), run};
  if (!mModel->currentText().trimmed().isEmpty()) arguments << QStringLiteral("--model") << mModel->currentText().trimmed();
  if (!mWeights->text().trimmed().isEmpty()) arguments << QStringLiteral("--weights") << mWeights->text().trimmed();
  for (int i = 0; i < mParameters->rowCount(); ++i) {
    const QString option = mParameters->item(i, 0)->text();
    const QString value = mParameters->item(i, 1)->text().trimmed();
    if (value.isEmpty()) continue;
    if (pretraining && (option == QLatin1String("head") || option == QLatin1String("decoder-channels") || option == QLatin1String("patience")))
      continue;  // fine-tuning options
    if (!pretraining && option == QLatin1String("mask-ratio")) continue;
    arguments << QStringLiteral("--") + option << value;
  }
  arguments << splitArguments(mExtra->text());
  // This computer's thread setting (Preferences) for jobs that run here; other hosts pick theirs.
  if (backend() == "local" && !arguments.contains(QStringLiteral("--threads"))) arguments << cpuThreadArguments();
  for (const QString& argument : arguments) request.arguments.push_back(argument.toStdString());
  request.runDir = QDir(mProjectDir).absoluteFilePath(run).toStdString();
  request.workDir = mProjectDir.toStdString();
  request.processesPerNode = mProcesses->value();
  request.nodes = mNodes->value();
  request.gpusPerNode = mGpus->value();
  const QMap<QString, QLineEdit*> settings = mSettings.value(q(backend()));
  for (auto it = settings.begin(); it != settings.end(); ++it)
    if (!it.value()->text().trimmed().isEmpty()) request.options[it.key().toStdString()] = it.value()->text().trimmed().toStdString();
  return request;
}

QString LaunchDialog::preview() const { return mPreview->toPlainText(); }

void LaunchDialog::updatePreview() {
  const QString kind = backend() == "slurm" ? tr("Batch script") : backend() == "k8s" ? tr("Kubernetes manifest") : tr("Commands");
  try {
    const auto launcher = makeLaunchBackend(backend(), mPrithvi.toStdString());
    mPreview->setPlainText(q(launcher->render(request())));
    mPreviewTitle->setText(tr("%1 that Launch submits:").arg(kind));
    mLaunchable = true;
  } catch (const std::exception& error) {
    mPreview->setPlainText(tr("Not ready to launch: %1").arg(q(error.what())));
    mPreviewTitle->setText(kind);
    mLaunchable = false;
  }
  if (auto* button = mButtons ? mButtons->findChild<QPushButton*>(QStringLiteral("launchButton")) : nullptr)
    button->setEnabled(mLaunchable);
}

void LaunchDialog::saveScript() {
  const QString suffix = backend() == "k8s" ? QStringLiteral(".json") : QStringLiteral(".sh");
  const QString path = QFileDialog::getSaveFileName(this, tr("Save"), QDir(mProjectDir).filePath(mName->text() + suffix));
  if (path.isEmpty()) return;
  try {
    writeFileAtomically(path.toStdString(), mPreview->toPlainText().toStdString());
  } catch (const Error& error) {
    QMessageBox::warning(this, tr("Save"), QString::fromStdString(error.what()));
  }
}

void LaunchDialog::setField(const QString& name, const QString& value) {
  if (name == QLatin1String("task")) mTask->setCurrentIndex(mTask->findText(value));
  else if (name == QLatin1String("model")) mModel->setCurrentText(value);
  else if (auto* edit = findChild<QLineEdit*>(name)) edit->setText(value);
}

void LaunchDialog::setHyperparameter(const QString& option, const QString& value) {
  for (int i = 0; i < mParameters->rowCount(); ++i)
    if (mParameters->item(i, 0)->text() == option) mParameters->item(i, 1)->setText(value);
}

QString LaunchDialog::hyperparameter(const QString& option) const {
  for (int i = 0; i < mParameters->rowCount(); ++i)
    if (mParameters->item(i, 0)->text() == option) return mParameters->item(i, 1)->text();
  return {};
}

void LaunchDialog::setBackendSetting(const QString& key, const QString& value) {
  if (QLineEdit* edit = mSettings.value(q(backend())).value(key)) edit->setText(value);
}

void LaunchDialog::setBackend(const QString& name) { mBackend->setCurrentIndex(mBackend->findData(name)); }

void LaunchDialog::setProcesses(int perNode, int nodes, int gpusPerNode) {
  mProcesses->setValue(perNode);
  mNodes->setValue(nodes);
  mGpus->setValue(gpusPerNode);
}

}  // namespace prithvi
