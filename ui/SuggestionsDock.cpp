#include "ui/SuggestionsDock.h"

#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPixmap>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>

#include "core/base/AtomicFile.h"
#include "ui/Async.h"
#include "ui/SceneThumbnail.h"

namespace prithvi {

namespace {
constexpr int kThumbnail = 56;
enum Column { kPicture, kScene, kEntropy, kDone };
}  // namespace

SuggestionsDock::SuggestionsDock(QWidget* parent) : QWidget(parent) {
  setObjectName(QStringLiteral("suggestionsPanel"));
  mPool.setMaxThreadCount(2);
  mModel = new QComboBox(this);
  mModel->setObjectName(QStringLiteral("suggestModelCombo"));
  mModel->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  mModel->setMinimumContentsLength(12);
  mCount = new QSpinBox(this);
  mCount->setObjectName(QStringLiteral("suggestCountSpin"));
  mCount->setRange(1, 500);
  mCount->setValue(10);
  mCount->setToolTip(tr("How many chips to suggest"));
  mSuggest = new QPushButton(tr("Suggest"), this);
  mSuggest->setObjectName(QStringLiteral("suggestButton"));
  mSuggest->setToolTip(tr("Rank the unlabelled chips of the project's scenes by how unsure the model is, "
                          "spread over what the scenes hold"));
  mCancel = new QPushButton(tr("Cancel"), this);
  mCancel->setObjectName(QStringLiteral("suggestCancelButton"));
  mCancel->setEnabled(false);
  mProgress = new QProgressBar(this);
  mProgress->setObjectName(QStringLiteral("suggestProgress"));
  mProgress->setVisible(false);
  mStatus = new QLabel(tr("Choose a model and press Suggest: the chips it is least sure about come first."), this);
  mStatus->setObjectName(QStringLiteral("suggestStatus"));
  mStatus->setWordWrap(true);
  mTable = new QTableWidget(0, 4, this);
  mTable->setObjectName(QStringLiteral("suggestionsTable"));
  mTable->setHorizontalHeaderLabels({QString(), tr("Scene"), tr("Unsure"), tr("Done")});
  mTable->setSelectionBehavior(QAbstractItemView::SelectRows);
  mTable->setSelectionMode(QAbstractItemView::SingleSelection);
  mTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
  mTable->setIconSize(QSize(kThumbnail, kThumbnail));
  mTable->verticalHeader()->setDefaultSectionSize(kThumbnail + 4);
  mTable->verticalHeader()->setVisible(false);
  mTable->horizontalHeader()->setSectionResizeMode(kPicture, QHeaderView::Fixed);
  mTable->setColumnWidth(kPicture, kThumbnail + 6);
  mTable->horizontalHeader()->setSectionResizeMode(kScene, QHeaderView::Stretch);
  mTable->horizontalHeader()->setSectionResizeMode(kEntropy, QHeaderView::ResizeToContents);
  mTable->horizontalHeader()->setSectionResizeMode(kDone, QHeaderView::ResizeToContents);
  mTable->setMinimumHeight(2 * kThumbnail);  // two suggestions and the header
  mTable->horizontalHeaderItem(kEntropy)->setToolTip(tr("Mean entropy of the model's class probabilities: 0 sure, 1 all classes alike"));

  auto* row = new QHBoxLayout;
  row->addWidget(new QLabel(tr("Model"), this));
  row->addWidget(mModel, 1);
  row->addWidget(mCount);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(mSuggest);
  buttons->addWidget(mCancel);
  buttons->addWidget(mProgress, 1);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(row);
  layout->addLayout(buttons);
  layout->addWidget(mStatus);
  layout->addWidget(mTable, 1);

  connect(mSuggest, &QPushButton::clicked, this, [this] {
    if (mModel->currentIndex() < 0) {
      setStatus(tr("No model to ask: fine-tune one (Model > Fine-tune) first."));
      return;
    }
    Q_EMIT suggestRequested(model(), count());
  });
  connect(mCancel, &QPushButton::clicked, this, &SuggestionsDock::cancelRequested);
  connect(mTable, &QTableWidget::cellClicked, this, [this](int r, int column) {
    if (column != kDone) choose(r);
  });
  connect(mTable, &QTableWidget::itemChanged, this, [this](QTableWidgetItem* item) {
    if (item->column() != kDone || item->row() >= mSuggestions.size()) return;
    QJsonObject suggestion = mSuggestions[item->row()].toObject();
    const bool done = item->checkState() == Qt::Checked;
    if (suggestion.value(QStringLiteral("done")).toBool() == done) return;
    suggestion[QStringLiteral("done")] = done;
    mSuggestions[item->row()] = suggestion;
    for (int c = kPicture; c <= kEntropy; ++c)
      if (QTableWidgetItem* cell = mTable->item(item->row(), c)) cell->setForeground(done ? palette().brush(QPalette::PlaceholderText) : palette().brush(QPalette::Text));
    save();
  });
}

void SuggestionsDock::setModels(const QStringList& checkpoints) {
  const QString current = model();
  mModel->clear();
  for (const QString& checkpoint : checkpoints) {
    const QFileInfo file(checkpoint);
    // runs/<name>/checkpoints/best.safetensors reads as <name>
    const QString name = file.completeBaseName() == QLatin1String("best") || file.completeBaseName() == QLatin1String("last")
                             ? QFileInfo(file.absolutePath()).dir().dirName()
                             : file.completeBaseName();
    mModel->addItem(name, checkpoint);
    mModel->setItemData(mModel->count() - 1, checkpoint, Qt::ToolTipRole);
  }
  if (const int index = mModel->findData(current); index >= 0) mModel->setCurrentIndex(index);
}

QString SuggestionsDock::model() const { return mModel->currentData().toString(); }
int SuggestionsDock::count() const { return mCount->value(); }

void SuggestionsDock::setRunning(bool running) {
  mSuggest->setEnabled(!running);
  mCancel->setEnabled(running);
  mProgress->setVisible(running);
  if (running) mProgress->setRange(0, 0);
}

void SuggestionsDock::setProgress(qint64 step, qint64 total, const QString& message) {
  if (total > 0) {
    mProgress->setRange(0, 1000);
    mProgress->setValue(int(1000 * step / std::max<qint64>(1, total)));
  }
  if (!message.isEmpty()) setStatus(message);
}

void SuggestionsDock::setStatus(const QString& text) { mStatus->setText(text); }

bool SuggestionsDock::loadSuggestions(const QString& path, const std::vector<Scene>& scenes) {
  QFile file(path);
  QJsonParseError error{};
  const QJsonDocument document = file.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(file.readAll(), &error) : QJsonDocument();
  if (!document.isArray()) {
    setStatus(tr("The suggestions in %1 cannot be read: %2").arg(path, file.error() != QFile::NoError ? file.errorString() : error.errorString()));
    return false;
  }
  mPath = path;
  mSuggestions = document.array();
  ++mGeneration;
  const QSignalBlocker blocker(mTable);
  mTable->setRowCount(0);
  mTable->setRowCount(int(mSuggestions.size()));
  for (int r = 0; r < mSuggestions.size(); ++r) {
    const QJsonObject suggestion = mSuggestions[r].toObject();
    const std::string id = suggestion.value(QStringLiteral("scene")).toString().toStdString();
    const auto scene = std::find_if(scenes.begin(), scenes.end(), [&](const Scene& s) { return s.id == id; });
    const Window chip{suggestion.value(QStringLiteral("x")).toInt(), suggestion.value(QStringLiteral("y")).toInt(),
                      suggestion.value(QStringLiteral("width")).toInt(), suggestion.value(QStringLiteral("height")).toInt()};
    auto* picture = new QTableWidgetItem;
    mTable->setItem(r, kPicture, picture);
    QString where = QString::fromStdString(id);
    if (scene != scenes.end()) {
      const QString date = scene->acquired.isValid() ? scene->acquired.toString(QStringLiteral("yyyy-MM-dd")) : tr("undated");
      where = tr("%1 %2\n%3 · pixels %4,%5").arg(date, QString::fromStdString(scene->sensor),
                                                  scene->tile.empty() ? QString::fromStdString(id) : QStringLiteral("T") + QString::fromStdString(scene->tile))
                  .arg(chip.x)
                  .arg(chip.y);
      ++mPendingThumbnails;
      const int generation = mGeneration;
      runAsync<QImage>(
          mPool, this, [scene = *scene, chip] { return renderSceneThumbnail(scene, chip, kThumbnail); },
          [this, generation, r](std::optional<QImage> image, const std::string&) {
            if (generation == mGeneration && image)
              if (QTableWidgetItem* item = mTable->item(r, kPicture)) item->setIcon(QIcon(QPixmap::fromImage(*image)));
            if (--mPendingThumbnails == 0) Q_EMIT thumbnailsDone();
          });
    }
    auto* sceneItem = new QTableWidgetItem(where);
    sceneItem->setToolTip(QString::fromStdString(id));
    mTable->setItem(r, kScene, sceneItem);
    auto* score = new QTableWidgetItem(QString::number(suggestion.value(QStringLiteral("entropy")).toDouble(), 'f', 2));
    score->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    mTable->setItem(r, kEntropy, score);
    auto* done = new QTableWidgetItem;
    done->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    done->setCheckState(suggestion.value(QStringLiteral("done")).toBool() ? Qt::Checked : Qt::Unchecked);
    mTable->setItem(r, kDone, done);
  }
  setStatus(mSuggestions.isEmpty() ? tr("Every chip is labelled already, or none has enough data.")
                                   : tr("%n chip(s) to label, the most useful first: click one to go there.", nullptr,
                                        int(mSuggestions.size())));
  return true;
}

int SuggestionsDock::rowCount() const { return mTable->rowCount(); }

bool SuggestionsDock::isDone(int row) const {
  const QTableWidgetItem* item = mTable->item(row, kDone);
  return item && item->checkState() == Qt::Checked;
}

void SuggestionsDock::setDone(int row, bool done) {
  if (QTableWidgetItem* item = mTable->item(row, kDone)) item->setCheckState(done ? Qt::Checked : Qt::Unchecked);
}

void SuggestionsDock::choose(int row) {
  if (row < 0 || row >= mSuggestions.size()) return;
  const QJsonObject suggestion = mSuggestions[row].toObject();
  Q_EMIT chipChosen(suggestion.value(QStringLiteral("scene")).toString(),
                    Window{suggestion.value(QStringLiteral("x")).toInt(), suggestion.value(QStringLiteral("y")).toInt(),
                           suggestion.value(QStringLiteral("width")).toInt(), suggestion.value(QStringLiteral("height")).toInt()});
}

void SuggestionsDock::save() {
  if (mPath.isEmpty()) return;
  try {
    writeFileAtomically(mPath.toStdString(), QJsonDocument(mSuggestions).toJson().toStdString());
  } catch (const std::exception& error) {
    setStatus(tr("Could not keep what is done in %1: %2").arg(mPath, QString::fromUtf8(error.what())));
  }
}

}  // namespace prithvi
