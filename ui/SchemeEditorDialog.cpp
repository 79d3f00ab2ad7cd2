#include "ui/SchemeEditorDialog.h"

#include <QCheckBox>
#include <QColorDialog>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QPixmap>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>
#include <set>

#include "core/base/Error.h"
#include "core/labels/LabelStore.h"

namespace prithvi {

namespace {
enum Column { kValue, kName, kColor };
const QStringList kTasks = {QStringLiteral("custom"), QStringLiteral("flood"), QStringLiteral("burn_scars"),
                            QStringLiteral("crop"), QStringLiteral("cloud"), QStringLiteral("land_cover")};
// Colours for new classes: distinct and readable over imagery (ColorBrewer Set1).
const char* const kNewColors[] = {"#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#ffff33", "#a65628", "#f781bf"};

QIcon swatch(const QColor& color) {
  QPixmap pixmap(16, 16);
  pixmap.fill(color);
  QPainter painter(&pixmap);
  painter.setPen(QColor(0, 0, 0, 120));
  painter.drawRect(0, 0, 15, 15);
  return QIcon(pixmap);
}
}  // namespace

SchemeEditorDialog::SchemeEditorDialog(LabelStore& store, const std::string& scheme, QWidget* parent)
    : QDialog(parent), mStore(store) {
  setWindowTitle(tr("Class Schemes"));
  setObjectName(QStringLiteral("schemeEditor"));
  mChooser = new QComboBox(this);
  mChooser->setObjectName(QStringLiteral("schemeChooser"));
  mName = new QLineEdit(this);
  mName->setObjectName(QStringLiteral("schemeName"));
  mName->setToolTip(tr("Saving under a new name makes a new scheme; the old one stays"));
  mTask = new QComboBox(this);
  mTask->addItems(kTasks);
  mIgnore = new QSpinBox(this);
  mIgnore->setObjectName(QStringLiteral("ignoreValue"));
  mIgnore->setRange(0, 255);
  mIgnore->setToolTip(tr("The value exported masks hold where nothing is labelled; training skips it"));
  mMultiTemporal = new QCheckBox(tr("Labels refer to a date of a time series"), this);
  mTable = new QTableWidget(0, 3, this);
  mTable->setObjectName(QStringLiteral("classTable"));
  mTable->setHorizontalHeaderLabels({tr("Value"), tr("Name"), tr("Colour")});
  mTable->horizontalHeader()->setSectionResizeMode(kName, QHeaderView::Stretch);
  mTable->verticalHeader()->hide();
  mTable->setSelectionBehavior(QAbstractItemView::SelectRows);
  mTable->setToolTip(tr("Double-click a value or name to edit it; click a colour to pick another"));
  mError = new QLabel(this);
  mError->setObjectName(QStringLiteral("schemeError"));
  mError->setWordWrap(true);
  mError->setStyleSheet(QStringLiteral("color: #c0392b;"));

  auto* add = new QPushButton(tr("&Add class"), this);
  add->setShortcut(QKeySequence(tr("Ctrl+N")));
  add->setToolTip(tr("Add a class (Ctrl+N)"));
  auto* remove = new QPushButton(tr("&Remove class"), this);
  remove->setShortcut(QKeySequence::Delete);
  remove->setToolTip(tr("Remove the selected classes (Delete)"));
  auto* rowButtons = new QHBoxLayout;
  rowButtons->addWidget(add);
  rowButtons->addWidget(remove);
  rowButtons->addStretch();

  auto* form = new QFormLayout;
  form->addRow(tr("Scheme"), mChooser);
  form->addRow(tr("Name"), mName);
  form->addRow(tr("Task"), mTask);
  form->addRow(tr("Ignore value"), mIgnore);
  form->addRow(QString(), mMultiTemporal);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Close, this);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(mTable);
  layout->addLayout(rowButtons);
  layout->addWidget(mError);
  layout->addWidget(buttons);
  resize(460, 520);

  connect(add, &QPushButton::clicked, this, &SchemeEditorDialog::addClass);
  connect(remove, &QPushButton::clicked, this, &SchemeEditorDialog::removeSelectedClasses);
  connect(buttons->button(QDialogButtonBox::Save), &QPushButton::clicked, this, [this] {
    if (save()) accept();
  });
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(mTable, &QTableWidget::cellClicked, this, [this](int row, int column) {
    if (column == kColor) pickColor(row);
  });

  try {
    mSchemes = mStore.schemes();
  } catch (const std::exception& error) {
    mError->setText(QString::fromStdString(error.what()));
  }
  for (const ClassScheme& s : mSchemes) mChooser->addItem(QString::fromStdString(s.name));
  mChooser->addItem(tr("New scheme…"));
  connect(mChooser, &QComboBox::currentIndexChanged, this, [this](int index) {
    if (index >= 0 && index < int(mSchemes.size())) {
      load(mSchemes[size_t(index)]);
    } else {
      load({"", "custom", {{1, tr("Class 1").toStdString(), kNewColors[0]}}, 255, false});
      mName->setFocus();
    }
  });
  const int initial = mChooser->findText(QString::fromStdString(scheme));
  mChooser->setCurrentIndex(-1);
  mChooser->setCurrentIndex(initial >= 0 ? initial : 0);
}

void SchemeEditorDialog::load(const ClassScheme& scheme) {
  mName->setText(QString::fromStdString(scheme.name));
  const int task = mTask->findText(QString::fromStdString(scheme.task));
  mTask->setCurrentIndex(task >= 0 ? task : 0);
  mIgnore->setValue(scheme.ignoreValue);
  mMultiTemporal->setChecked(scheme.multiTemporal);
  mTable->setRowCount(0);
  for (const LabelClass& labelClass : scheme.classes) appendRow(labelClass);
  mError->clear();
}

void SchemeEditorDialog::appendRow(const LabelClass& labelClass) {
  const int row = mTable->rowCount();
  mTable->insertRow(row);
  mTable->setItem(row, kValue, new QTableWidgetItem(QString::number(labelClass.value)));
  mTable->setItem(row, kName, new QTableWidgetItem(QString::fromStdString(labelClass.name)));
  auto* color = new QTableWidgetItem;
  color->setFlags(color->flags() & ~Qt::ItemIsEditable);
  mTable->setItem(row, kColor, color);
  setRowColor(row, QColor(QString::fromStdString(labelClass.color)));
}

void SchemeEditorDialog::setRowColor(int row, const QColor& color) {
  QTableWidgetItem* item = mTable->item(row, kColor);
  item->setText(color.name());
  item->setIcon(swatch(color));
}

void SchemeEditorDialog::pickColor(int row) {
  const QColor current(mTable->item(row, kColor)->text());
  const QColor chosen = QColorDialog::getColor(current, this, tr("Colour of %1").arg(mTable->item(row, kName)->text()));
  if (chosen.isValid()) setRowColor(row, chosen);
}

void SchemeEditorDialog::addClass() {
  std::set<int> used;
  for (int row = 0; row < mTable->rowCount(); ++row) used.insert(mTable->item(row, kValue)->text().toInt());
  int value = 0;
  while (used.count(value) || value == mIgnore->value()) ++value;
  appendRow({value, tr("Class %1").arg(value).toStdString(), kNewColors[mTable->rowCount() % std::size(kNewColors)]});
  mTable->setCurrentCell(mTable->rowCount() - 1, kName);
  mTable->editItem(mTable->item(mTable->rowCount() - 1, kName));
}

void SchemeEditorDialog::removeSelectedClasses() {
  std::set<int> rows;
  for (const QModelIndex& index : mTable->selectionModel()->selectedIndexes()) rows.insert(index.row());
  if (rows.empty() && mTable->currentRow() >= 0) rows.insert(mTable->currentRow());
  for (auto it = rows.rbegin(); it != rows.rend(); ++it) mTable->removeRow(*it);
}

ClassScheme SchemeEditorDialog::collect() const {
  ClassScheme scheme;
  scheme.name = mName->text().trimmed().toStdString();
  scheme.task = mTask->currentText().toStdString();
  scheme.ignoreValue = mIgnore->value();
  scheme.multiTemporal = mMultiTemporal->isChecked();
  for (int row = 0; row < mTable->rowCount(); ++row) {
    bool ok = false;
    const QString valueText = mTable->item(row, kValue)->text().trimmed();
    const int value = valueText.toInt(&ok);
    if (!ok)
      throwBadInput(tr("row %1: the value '%2' is not a whole number").arg(row + 1).arg(valueText).toStdString());
    scheme.classes.push_back({value, mTable->item(row, kName)->text().trimmed().toStdString(),
                              mTable->item(row, kColor)->text().toStdString()});
  }
  return scheme;
}

bool SchemeEditorDialog::save() {
  try {
    const ClassScheme scheme = collect();
    mStore.saveScheme(scheme);
    mSaved = scheme.name;
    mError->clear();
    return true;
  } catch (const std::exception& error) {
    mError->setText(tr("Not saved: %1").arg(QString::fromStdString(error.what())));
    return false;
  }
}

}  // namespace prithvi
