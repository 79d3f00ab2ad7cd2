#pragma once
// Edit > Preferences: settings of this computer that every project shares (QSettings), today
// how many CPU threads the model jobs the app starts may use. The model runs in `prithvi` jobs,
// never in the app, so the setting travels as their --threads option (cpuThreadArguments).

#include <QDialog>
#include <QStringList>

class QSpinBox;

namespace prithvi {

// CPU threads for model jobs on this computer; 0: one per physical core (the CLI's default).
int modelCpuThreads();
void setModelCpuThreads(int threads);
// {"--threads", "N"} when a count is set, else nothing (the job picks the physical cores).
QStringList cpuThreadArguments();

class PreferencesDialog : public QDialog {
  Q_OBJECT
 public:
  explicit PreferencesDialog(QWidget* parent = nullptr);
  void accept() override;

 private:
  QSpinBox* mThreads;
};

}  // namespace prithvi
