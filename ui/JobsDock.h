#pragma once
// Every long job in one place: training launched on this machine, over SSH, on Slurm or on
// Kubernetes; inference the app runs as its child; imports and exports done in-process. Each has
// a progress bar with ETA, its loss and metric curves as they come, its log, and Cancel, Retry
// and Open Run Folder. Launched jobs are stored in the project: when it opens again, those still
// running are followed again (their backends are asked every few seconds) and those that ended
// meanwhile show how they ended.

#include <QPointer>
#include <QThreadPool>
#include <QTimer>
#include <QWidget>
#include <memory>
#include <vector>

#include "core/jobs/JobLog.h"
#include "core/jobs/JobStore.h"

class QComboBox;
class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QTreeWidget;

namespace prithvi {

class Feedback;
class JobRunner;
class MetricChart;
class ProjectStore;

class JobsDock : public QWidget {
  Q_OBJECT
 public:
  explicit JobsDock(QWidget* parent = nullptr);
  ~JobsDock() override;

  // The project's jobs (nullptr: none). Jobs it left running are followed again.
  void setProject(ProjectStore* project);
  // Submits in the background (rsync, sbatch and kubectl take a while) and records the job.
  void launch(const std::string& backend, const LaunchRequest& request);
  // A job the app runs as its own child process (inference), recorded in the project.
  void track(JobRunner* runner, const QString& kind);
  // Work done inside the app (imports, exports): its progress and cancel go through `feedback`;
  // endTask() reports how it ended (ok | canceled | failed). Returns the task's key.
  int trackTask(const QString& title, const QString& kind, std::shared_ptr<Feedback> feedback);
  void endTask(int key, const QString& status, const QString& error = {});
  // The job that wrote `path` succeeded, but its output could not be shown: its row says so in
  // amber, its log and tooltip carry `text`, and the project keeps the note.
  void noteResultNotShown(const QString& path, const QString& text);
  // How often running launched jobs are asked where they stand (default 2 s).
  void setPollInterval(int milliseconds);

  // For tests and the main window.
  int jobCount() const { return int(mEntries.size()); }
  // Newest first, as listed.
  QString stateText(int row) const;
  QString nameText(int row) const;
  int64_t storedId(int row) const;
  void selectRow(int row);
  MetricChart* chart() const { return mChart; }
  QProgressBar* progressBar() const { return mProgress; }
  QPlainTextEdit* logView() const { return mLog; }
  QPushButton* cancelButton() const { return mCancel; }
  QPushButton* retryButton() const { return mRetry; }
  QPushButton* openFolderButton() const { return mOpenFolder; }
  QTreeWidget* list() const { return mList; }
  // The selected job's run folder (empty when it has none here).
  QString runFolder() const;

 Q_SIGNALS:
  // A job reached a final state (succeeded, failed, canceled).
  void jobEnded(qint64 storedId, const QString& state, const QString& name);
  void message(const QString& level, const QString& text);

 private:
  struct Entry;
  Entry* add(std::unique_ptr<Entry> entry);
  Entry* entryAt(int row) const;
  Entry* entryByKey(int key) const;
  Entry* selected() const;
  void store(Entry& entry);
  void poll();
  void received(int key, const JobPoll& poll);
  void setFinal(Entry& entry, JobState state, const QString& error);
  void refreshRow(const Entry& entry);
  void refreshDetails();
  void cancelSelected();
  void retrySelected();
  void removeSelected();

  ProjectStore* mProject = nullptr;
  std::unique_ptr<JobStore> mStore;
  std::vector<std::unique_ptr<Entry>> mEntries;  // oldest first; listed newest first
  int mNextKey = 1;
  int mShownKey = 0;
  size_t mShownLines = 0;
  QThreadPool mPool;
  QTimer mTimer;

  QTreeWidget* mList = nullptr;
  QProgressBar* mProgress = nullptr;
  QLabel* mStatus = nullptr;
  QComboBox* mMetric = nullptr;
  MetricChart* mChart = nullptr;
  QPlainTextEdit* mLog = nullptr;
  QPushButton* mCancel = nullptr;
  QPushButton* mRetry = nullptr;
  QPushButton* mOpenFolder = nullptr;
  QPushButton* mRemove = nullptr;
};

}  // namespace prithvi
