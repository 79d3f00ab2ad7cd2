#include "ui/LabelCleanupDialog.h"

#include <QDialogButtonBox>
#include <QPushButton>
#include <QFormLayout>
#include <QLabel>
#include <QSettings>
#include <QSpinBox>
#include <QVBoxLayout>

namespace prithvi {

LabelCleanupDialog::LabelCleanupDialog(QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("Clean Up Labels"));
  QSettings settings;
  mMinRegion = new QSpinBox(this);
  mMinRegion->setObjectName(QStringLiteral("cleanMinRegion"));
  mMinRegion->setRange(0, 1000000);
  mMinRegion->setSingleStep(5);
  mMinRegion->setSuffix(tr(" px"));
  mMinRegion->setSpecialValueText(tr("keep all"));
  mMinRegion->setValue(settings.value(QStringLiteral("labels/cleanMinRegion"), 10).toInt());
  mMinRegion->setToolTip(tr("Labelled regions of one class smaller than this are erased (specks, stray clicks)"));
  mSmooth = new QSpinBox(this);
  mSmooth->setObjectName(QStringLiteral("cleanSmooth"));
  mSmooth->setRange(0, 16);
  mSmooth->setSuffix(tr(" px"));
  mSmooth->setSpecialValueText(tr("off"));
  mSmooth->setValue(settings.value(QStringLiteral("labels/cleanSmooth"), 1).toInt());
  mSmooth->setToolTip(tr("Spurs and lines thinner than this radius are erased, and unlabelled gaps narrower than "
                         "it inside a class are filled (another class is never overwritten)"));
  auto* text = new QLabel(tr("Cleans the whole label set as one edit; Undo (Ctrl+Z) takes it back."), this);
  text->setWordWrap(true);
  auto* form = new QFormLayout;
  form->addRow(tr("Erase regions under"), mMinRegion);
  form->addRow(tr("Smooth edges"), mSmooth);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  buttons->button(QDialogButtonBox::Ok)->setText(tr("Clean Up"));
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(text);
  layout->addLayout(form);
  layout->addWidget(buttons);
}

ClassMapCleanup LabelCleanupDialog::options() const {
  ClassMapCleanup options;
  options.minRegionPixels = mMinRegion->value();
  options.openRadius = mSmooth->value();
  options.closeRadius = mSmooth->value();
  return options;
}

void LabelCleanupDialog::accept() {
  QSettings settings;
  settings.setValue(QStringLiteral("labels/cleanMinRegion"), mMinRegion->value());
  settings.setValue(QStringLiteral("labels/cleanSmooth"), mSmooth->value());
  QDialog::accept();
}

}  // namespace prithvi
