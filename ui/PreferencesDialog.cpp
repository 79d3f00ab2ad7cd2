#include "ui/PreferencesDialog.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QSettings>
#include <QSpinBox>
#include <QThread>
#include <QVBoxLayout>

namespace prithvi {

namespace {
const QString kThreadsKey = QStringLiteral("model/cpuThreads");
}

int modelCpuThreads() { return std::max(0, QSettings().value(kThreadsKey, 0).toInt()); }

void setModelCpuThreads(int threads) { QSettings().setValue(kThreadsKey, std::max(0, threads)); }

QStringList cpuThreadArguments() {
  const int threads = modelCpuThreads();
  if (threads <= 0) return {};
  return {QStringLiteral("--threads"), QString::number(threads)};
}

PreferencesDialog::PreferencesDialog(QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("Preferences"));
  setObjectName(QStringLiteral("preferencesDialog"));
  mThreads = new QSpinBox(this);
  mThreads->setObjectName(QStringLiteral("cpuThreadsSpin"));
  mThreads->setRange(0, 1024);
  mThreads->setSpecialValueText(tr("automatic (one per physical core)"));
  mThreads->setValue(modelCpuThreads());
  mThreads->setToolTip(tr("Threads of the model's CPU kernels in Run Model and local training jobs. More threads than "
                          "physical cores make the model slower, not faster; fewer leave cores for other work."));
  auto* note = new QLabel(tr("This computer has %1 logical processors. Jobs already running keep their setting.")
                              .arg(QThread::idealThreadCount()),
                          this);
  note->setWordWrap(true);
  auto* form = new QFormLayout;
  form->addRow(tr("CPU threads for models"), mThreads);
  form->addRow(QString(), note);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(buttons);
}

void PreferencesDialog::accept() {
  setModelCpuThreads(mThreads->value());
  QDialog::accept();
}

}  // namespace prithvi
