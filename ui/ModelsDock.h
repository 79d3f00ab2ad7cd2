#pragma once
// The project's model registry in one place: every registered version with its region, year,
// scores and the aliases pointing at it; the scores of the selected versions side by side (a
// table with the best value of each row in bold, and bars); the lineage of the selected version
// (dataset, labels, granules, config, parent, artifact) with the alias history of its region and
// year; Promote, Roll Back, Export Model Card and Retrain. A "Provenance" panel answers "where
// does this pixel of an annual map come from": its class and votes, then the map's model version
// (and whether it is still registered), labels, dataset and granules.

#include <QWidget>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/registry/AnnualMap.h"
#include "core/registry/ModelRegistry.h"

class QComboBox;
class QLabel;
class QPushButton;
class QTabWidget;
class QTableWidget;
class QTreeWidget;
class QTreeWidgetItem;

namespace prithvi {

class MetricBarChart;
class ProjectStore;

// What changed in the validated labels of a region and year since a version was trained on them.
struct LabelChanges {
  std::vector<LabelSetRef> added;    // validated now, not in the version's lineage
  std::vector<LabelSetRef> removed;  // in the lineage, no longer validated (or deleted)
  std::vector<std::pair<LabelSetRef, LabelSetRef>> changed;  // (then, now): another revision
  int64_t setsThen = 0, setsNow = 0;
  int64_t pixelsThen = 0, pixelsNow = 0;
  std::string versionThen, versionNow;
  bool nothingChanged() const { return added.empty() && removed.empty() && changed.empty() && versionThen == versionNow; }
};
LabelChanges labelChangesSince(const ModelLineage& then, const LabelSnapshot& now);

class ModelsDock : public QWidget {
  Q_OBJECT
 public:
  enum VersionColumn { kVersion, kRegion, kYear, kTask, kCreated, kTestMiou, kAliases, kParent, kVersionColumns };

  explicit ModelsDock(QWidget* parent = nullptr);
  ~ModelsDock() override;

  // The project's registry (nullptr: none).
  void setProject(ProjectStore* project);
  // Reads the registry again: versions, aliases, and the selected version's details.
  void refresh();
  // Shows one pixel of an annual map and where it comes from; `file` is the map's path when known
  // (its map product record is looked up).
  void showPixelProvenance(const PixelProvenance& pixel, const QString& file = {});

  // The actions behind the buttons, for the buttons and for tests. Each asks what it needs
  // (reason, file, confirmation), reports through message() and refreshes. True when it acted.
  bool promoteCurrent();
  bool rollBackCurrent();
  bool exportModelCard();
  bool retrainCurrent();
  // What the Retrain dialog shows for the current version's region, year and task: what changed
  // in the validated labels since the champion in effect was trained.
  QString retrainSummary();

  // Replace the dialogs (tests, scripted use). A reason provider returns nullopt for Cancel; a
  // save-path provider an empty string for Cancel; a confirm provider false for Cancel.
  void setReasonProvider(std::function<std::optional<QString>(const QString& title, const QString& suggested)> provider);
  void setSavePathProvider(std::function<QString(const QString& suggested)> provider);
  void setConfirmProvider(std::function<bool(const QString& title, const QString& text)> provider);

  // For tests and the main window.
  int versionCount() const;
  int64_t versionAt(int row) const;  // as listed, newest first
  QString cellText(int64_t version, VersionColumn column) const;
  // Selects these versions; the first becomes the current one (lineage, actions).
  void selectVersions(const std::vector<int64_t>& versions);
  int64_t currentVersion() const;  // 0: none
  std::vector<int64_t> selectedVersions() const;  // ascending
  QTreeWidget* versionsList() const { return mList; }
  QTableWidget* metricsTable() const { return mMetrics; }
  MetricBarChart* metricsChart() const { return mChart; }
  QTreeWidget* lineageTree() const { return mLineage; }
  QTreeWidget* provenanceTree() const { return mProvenance; }
  QTabWidget* detailTabs() const { return mTabs; }
  QComboBox* regionFilter() const { return mRegion; }
  QComboBox* yearFilter() const { return mYear; }
  QPushButton* promoteButton() const { return mPromote; }
  QPushButton* rollBackButton() const { return mRollBack; }
  QPushButton* exportButton() const { return mExport; }
  QPushButton* retrainButton() const { return mRetrain; }
  QPushButton* refreshButton() const { return mRefresh; }

 Q_SIGNALS:
  void message(const QString& level, const QString& text);
  // The user confirmed a retrain: run the annual pipeline for this region, year and task.
  void retrainRequested(const QString& region, int year, const QString& task);

 private:
  const ModelVersion* findVersion(int64_t id) const;
  const ModelVersion* current() const;
  void refillFilters();
  void refillList();
  void refreshDetails();
  void fillMetrics(const std::vector<const ModelVersion*>& chosen);
  void fillLineage(const ModelVersion* version);
  void fitMetricsTable();
  void updateButtons();
  // The move a rollback of this region and year's champion would undo; nullopt when none.
  std::optional<AliasMove> lastChampionMove(const std::string& region, int year);
  std::optional<QString> askReason(const QString& title, const QString& suggested);
  QString personName() const;
  // Runs registry work; an Error becomes a message, and a warning box when the user acted.
  bool guarded(const QString& what, const std::function<void()>& work, bool userActed);

  ProjectStore* mProject = nullptr;
  std::unique_ptr<ModelRegistry> mRegistry;
  std::vector<ModelVersion> mVersions;  // all of them, newest first
  std::vector<AliasTarget> mAliases;    // all of them

  std::function<std::optional<QString>(const QString&, const QString&)> mReasonProvider;
  std::function<QString(const QString&)> mSavePathProvider;
  std::function<bool(const QString&, const QString&)> mConfirmProvider;

  QComboBox* mRegion = nullptr;
  QComboBox* mYear = nullptr;
  QTreeWidget* mList = nullptr;
  QLabel* mSummary = nullptr;
  QTabWidget* mTabs = nullptr;
  QWidget* mCompare = nullptr;
  QTableWidget* mMetrics = nullptr;
  MetricBarChart* mChart = nullptr;
  QTreeWidget* mLineage = nullptr;
  QTreeWidget* mProvenance = nullptr;
  QPushButton* mPromote = nullptr;
  QPushButton* mRollBack = nullptr;
  QPushButton* mExport = nullptr;
  QPushButton* mRetrain = nullptr;
  QPushButton* mRefresh = nullptr;
};

}  // namespace prithvi
