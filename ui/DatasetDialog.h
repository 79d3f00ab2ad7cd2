#pragma once
// "Build Dataset": from the project's label sets to a training chip store, in the window. The
// user picks the task (its preset fills chip size, splits and filters), which review states
// count, and where to save; before building, the dialog shows which label sets take part and
// how many chips and labelled pixels per class each split will get (planChipDataset, in the
// background). Build runs in the background with progress and Cancel, is listed in the jobs
// dock, and ends with a button that opens Launch Training on the new store.

#include <QDialog>
#include <QPointer>
#include <QThreadPool>
#include <memory>
#include <optional>

#include "core/dataset/ChipDataset.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;
class QTimer;

namespace prithvi {

class Feedback;
class JobsDock;

class DatasetDialog : public QDialog {
  Q_OBJECT
 public:
  // `jobs` (may be null) lists the build as a job of the project.
  DatasetDialog(const QString& projectPath, JobsDock* jobs, QWidget* parent = nullptr);
  ~DatasetDialog() override;

  // The build the controls describe; Error(Usage) text in `error` when they describe none.
  DatasetBuildOptions options() const;
  QString outputPath() const;
  void setOutputPath(const QString& path);
  // Selects a task preset by name ("flood", "demo_flood"); false when there is none.
  bool selectPreset(const QString& name);
  // The latest preview, once computed (nullopt while computing or when nothing qualifies).
  const std::optional<DatasetSummary>& preview() const { return mPreview; }
  QString previewText() const;
  bool isBuilding() const { return bool(mBuilding); }
  void build();

 Q_SIGNALS:
  void previewReady();
  // The store is written (path, summary) or the build ended otherwise (empty path, the reason).
  void built(const QString& path);
  void buildFailed(const QString& error);
  // The user asks to train on the store just built.
  void launchTrainingRequested(const QString& datasetPath);

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void loadPreset();
  void refreshLabelSets();
  void schedulePreview();
  void computePreview();
  void showPreview(const DatasetSummary& summary);
  void proposeOutputPath();
  void updateButtons();

  QString mProjectPath;
  QPointer<JobsDock> mJobs;
  QThreadPool mPool;
  QTimer* mPreviewTimer;
  int mPreviewGeneration = 0;
  std::optional<DatasetSummary> mPreview;
  std::optional<ClassScheme> mScheme;  // of the task's label sets, for class names
  std::shared_ptr<Feedback> mBuilding;
  QString mBuiltPath;
  bool mOutputChosen = false;

  QComboBox* mPreset;
  QTableWidget* mLabelSets;
  QCheckBox* mValidated;
  QCheckBox* mSubmitted;
  QCheckBox* mDraft;
  QSpinBox* mChipSize;
  QSpinBox* mStride;
  QSpinBox* mFrames;
  QDoubleSpinBox* mMinLabelled;
  QDoubleSpinBox* mMaxCloud;
  QDoubleSpinBox* mValidation;
  QDoubleSpinBox* mTest;
  QSpinBox* mBlock;
  QSpinBox* mSeed;
  QLineEdit* mOutput;
  QLabel* mSummary;
  QTableWidget* mClassTable;
  QProgressBar* mProgress;
  QLabel* mStatus;
  QPushButton* mBuild;
  QPushButton* mCancel;
  QPushButton* mLaunch;
};

}  // namespace prithvi
