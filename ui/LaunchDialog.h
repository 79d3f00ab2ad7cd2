#pragma once
// Configure a training run and where it runs, read exactly what will be submitted, then launch:
// task (its preset fills every hyperparameter, each one editable), data, model and weights,
// processes, GPUs and nodes, and a backend with its settings (this machine; SSH host and
// folders; Slurm partition, time and account; Kubernetes image, namespace and volume). The
// preview is the backend's own rendering: the batch script, the manifest or the command lines,
// and can be saved.

#include <QDialog>
#include <QMap>
#include <string>

#include "core/jobs/LaunchBackend.h"

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QSpinBox;
class QStackedWidget;
class QTableWidget;

namespace prithvi {

class LaunchDialog : public QDialog {
  Q_OBJECT
 public:
  // `projectPath`: run folders go to <project folder>/runs/<name>; `prithviProgram`: the program
  // local and Slurm jobs start.
  LaunchDialog(const QString& projectPath, const QString& prithviProgram, QWidget* parent = nullptr);

  std::string backend() const;
  // The request as configured. Error(Usage) naming what is missing.
  LaunchRequest request() const;
  // The backend's rendering of request(), or why it cannot be launched yet.
  QString preview() const;
  bool canLaunch() const { return mLaunchable; }

  // Trains on this chip store; picks a preset of its task when the chosen one is for another.
  void setTrainingData(const QString& path);
  // For tests: fields by name (task, data, model, weights, run, name) and hyperparameters.
  void setField(const QString& name, const QString& value);
  void setHyperparameter(const QString& option, const QString& value);
  QString hyperparameter(const QString& option) const;
  void setBackendSetting(const QString& key, const QString& value);
  void setBackend(const QString& name);
  void setProcesses(int perNode, int nodes, int gpusPerNode);

 Q_SIGNALS:
  void launchRequested(const QString& backend, const LaunchRequest& request);

 private:
  void loadPreset();
  void updatePreview();
  void saveScript();
  QLineEdit* addSetting(const QString& backend, const QString& key, const QString& label, const QString& placeholder);

  QString mProjectDir;
  QString mPrithvi;
  bool mLaunchable = false;
  QComboBox* mTask = nullptr;
  QLineEdit* mName = nullptr;
  QLineEdit* mData = nullptr;
  QComboBox* mModel = nullptr;
  QLineEdit* mWeights = nullptr;
  QLineEdit* mRun = nullptr;
  QTableWidget* mParameters = nullptr;
  QLineEdit* mExtra = nullptr;
  QSpinBox* mProcesses = nullptr;
  QSpinBox* mNodes = nullptr;
  QSpinBox* mGpus = nullptr;
  QComboBox* mBackend = nullptr;
  QStackedWidget* mSettingsPages = nullptr;
  QMap<QString, QMap<QString, QLineEdit*>> mSettings;  // backend -> option key -> field
  QPlainTextEdit* mPreview = nullptr;
  QLabel* mPreviewTitle = nullptr;
  QDialogButtonBox* mButtons = nullptr;
};

}  // namespace prithvi
