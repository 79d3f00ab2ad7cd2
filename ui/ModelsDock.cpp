#include "ui/ModelsDock.h"

#include <QAction>
#include <QClipboard>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollBar>
#include <QSettings>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <set>

#include "core/base/AtomicFile.h"
#include "core/base/Error.h"
#include "core/project/ProjectStore.h"
#include "viewers/MetricBarChart.h"

namespace prithvi {

namespace {

QString q(const std::string& text) { return QString::fromStdString(text); }
QString versionName(int64_t id) { return QStringLiteral("v%1").arg(id); }
QString when(const QDateTime& time) { return time.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")); }

constexpr const char* kMiouMetric = "test_miou";
constexpr const char* kIouPrefix = "iou/";

// Losses and errors are better low; every other score (IoU, accuracy, F1) is better high.
bool lowerIsBetter(const std::string& metric) {
  return metric.find("loss") != std::string::npos || metric.find("error") != std::string::npos ||
         metric.find("rmse") != std::string::npos || metric.find("mae") != std::string::npos;
}

// Headline scores first, then per-class IoU, then the rest by name.
int metricRank(const std::string& metric) {
  if (metric == kMiouMetric) return 0;
  if (metric == "test_accuracy") return 1;
  if (metric == "val_miou") return 2;
  if (metric.rfind(kIouPrefix, 0) == 0) return 3;
  if (metric.rfind("test_", 0) == 0) return 4;
  return 5;
}

QString bytesText(int64_t bytes) {
  if (bytes >= 1 << 20) return QObject::tr("%1 MiB").arg(double(bytes) / (1 << 20), 0, 'f', 1);
  if (bytes >= 1 << 10) return QObject::tr("%1 KiB").arg(double(bytes) / (1 << 10), 0, 'f', 1);
  return QObject::tr("%1 bytes").arg(bytes);
}

QTreeWidgetItem* addItem(QTreeWidgetItem* parent, const QString& field, const QString& value) {
  auto* item = new QTreeWidgetItem(parent, {field, value});
  item->setToolTip(1, value);
  return item;
}

QTreeWidgetItem* addTopItem(QTreeWidget* tree, const QString& field, const QString& value) {
  auto* item = new QTreeWidgetItem(tree, {field, value});
  item->setToolTip(1, value);
  QFont bold = item->font(0);
  bold.setBold(true);
  item->setFont(0, bold);
  return item;
}

// A JSON value as tree rows: objects and arrays open into their members.
void addJson(QTreeWidgetItem* parent, const QString& key, const QJsonValue& value) {
  if (value.isObject()) {
    const QJsonObject object = value.toObject();
    auto* item = addItem(parent, key, QStringLiteral("{%1}").arg(object.size()));
    for (auto it = object.begin(); it != object.end(); ++it) addJson(item, it.key(), it.value());
  } else if (value.isArray()) {
    const QJsonArray array = value.toArray();
    // Short arrays of numbers or strings read best on one line.
    bool flat = array.size() <= 8;
    for (const QJsonValue& element : array) flat = flat && !element.isObject() && !element.isArray();
    if (flat) {
      addItem(parent, key, QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Compact)));
      return;
    }
    auto* item = addItem(parent, key, QStringLiteral("[%1]").arg(array.size()));
    for (int i = 0; i < array.size(); ++i) addJson(item, QString::number(i), array[i]);
  } else if (value.isString()) {
    addItem(parent, key, value.toString());
  } else if (value.isBool()) {
    addItem(parent, key, value.toBool() ? QStringLiteral("true") : QStringLiteral("false"));
  } else if (value.isDouble()) {
    addItem(parent, key, QString::number(value.toDouble(), 'g', 10));
  } else {
    addItem(parent, key, QStringLiteral("null"));
  }
}

QString labelSetText(const LabelSetRef& set) {
  return QObject::tr("#%1 on %2, revision %3").arg(set.id).arg(q(set.sceneId)).arg(set.revision);
}

}  // namespace

LabelChanges labelChangesSince(const ModelLineage& then, const LabelSnapshot& now) {
  LabelChanges changes;
  changes.setsThen = then.validatedLabelSets;
  changes.setsNow = int64_t(now.sets.size());
  changes.pixelsThen = then.validatedPixels;
  changes.pixelsNow = now.labelledPixels;
  changes.versionThen = then.labelSetVersion;
  changes.versionNow = now.version;
  for (const LabelSetRef& current : now.sets) {
    auto before = std::find_if(then.labelSets.begin(), then.labelSets.end(), [&](const LabelSetRef& s) { return s.id == current.id; });
    if (before == then.labelSets.end()) changes.added.push_back(current);
    else if (before->revision != current.revision) changes.changed.emplace_back(*before, current);
  }
  for (const LabelSetRef& before : then.labelSets)
    if (std::none_of(now.sets.begin(), now.sets.end(), [&](const LabelSetRef& s) { return s.id == before.id; }))
      changes.removed.push_back(before);
  return changes;
}

ModelsDock::ModelsDock(QWidget* parent) : QWidget(parent) {
  mRegion = new QComboBox(this);
  mRegion->setObjectName(QStringLiteral("modelsRegion"));
  mRegion->setToolTip(tr("Show the versions of one region (MGRS tile)"));
  mRegion->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  mYear = new QComboBox(this);
  mYear->setObjectName(QStringLiteral("modelsYear"));
  mYear->setToolTip(tr("Show the versions of one year"));
  mYear->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  mSummary = new QLabel(this);
  mSummary->setObjectName(QStringLiteral("modelsSummary"));

  mList = new QTreeWidget(this);
  mList->setObjectName(QStringLiteral("modelVersions"));
  mList->setRootIsDecorated(false);
  mList->setSelectionMode(QAbstractItemView::ExtendedSelection);
  mList->setHeaderLabels({tr("Version"), tr("Region"), tr("Year"), tr("Task"), tr("Created"), tr("Test mIoU"), tr("Aliases"), tr("Parent")});
  mList->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
  mList->header()->setStretchLastSection(true);
  mList->setToolTip(tr("Select several versions (Ctrl or Shift) to compare their scores"));

  mPromote = new QPushButton(tr("&Promote"), this);
  mPromote->setObjectName(QStringLiteral("modelPromote"));
  mPromote->setToolTip(tr("Make the selected version the champion of its region and year"));
  mRollBack = new QPushButton(tr("Roll &Back"), this);
  mRollBack->setObjectName(QStringLiteral("modelRollBack"));
  mExport = new QPushButton(tr("Export Model &Card…"), this);
  mExport->setObjectName(QStringLiteral("modelExportCard"));
  mExport->setToolTip(tr("Write the selected version's model card (Markdown or HTML)"));
  mRetrain = new QPushButton(tr("Re&train…"), this);
  mRetrain->setObjectName(QStringLiteral("modelRetrain"));
  mRetrain->setToolTip(tr("Run the annual pipeline again for the selected version's region and year, "
                          "after showing what changed in the validated labels"));
  mRefresh = new QPushButton(tr("Refresh"), this);
  mRefresh->setObjectName(QStringLiteral("modelsRefresh"));

  mMetrics = new QTableWidget(this);
  mMetrics->setObjectName(QStringLiteral("modelMetrics"));
  mMetrics->setEditTriggers(QAbstractItemView::NoEditTriggers);
  mMetrics->setWordWrap(false);
  mMetrics->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  mMetrics->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  mMetrics->setToolTip(tr("The scores of the selected versions; the best of each row in bold"));
  mChart = new MetricBarChart(this);
  mChart->setObjectName(QStringLiteral("modelMetricsChart"));
  mChart->setTitle(tr("Test mIoU and IoU per class"));

  mLineage = new QTreeWidget(this);
  mLineage->setObjectName(QStringLiteral("modelLineage"));
  mLineage->setHeaderLabels({tr("Lineage"), tr("Value")});
  // Hashes and paths are what people copy from here: shown whole, scrolled sideways when long.
  mLineage->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
  mLineage->header()->setStretchLastSection(false);  // a stretched section would elide instead
  mLineage->setWordWrap(false);

  mProvenance = new QTreeWidget(this);
  mProvenance->setObjectName(QStringLiteral("pixelProvenance"));
  mProvenance->setHeaderLabels({tr("Pixel provenance"), tr("Value")});
  mProvenance->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
  mProvenance->header()->setStretchLastSection(false);
  // A hash or path copied from either tree pastes into a terminal or a report.
  for (QTreeWidget* tree : {mLineage, mProvenance}) {
    auto* copy = new QAction(tr("Copy Value"), tree);
    copy->setShortcut(QKeySequence::Copy);
    copy->setShortcutContext(Qt::WidgetShortcut);
    tree->addAction(copy);
    tree->setContextMenuPolicy(Qt::ActionsContextMenu);
    connect(copy, &QAction::triggered, tree, [tree] {
      if (const QTreeWidgetItem* item = tree->currentItem())
        QGuiApplication::clipboard()->setText(item->text(1).isEmpty() ? item->text(0) : item->text(1));
    });
  }
  auto* hint = new QTreeWidgetItem(mProvenance, {tr("Click a pixel of an annual map on the map")});
  hint->setForeground(0, palette().color(QPalette::PlaceholderText));

  // Left: the versions and what to do with them; right: the selection's details.
  auto* filters = new QHBoxLayout;
  filters->addWidget(new QLabel(tr("Region:"), this));
  filters->addWidget(mRegion);
  filters->addWidget(new QLabel(tr("Year:"), this));
  filters->addWidget(mYear);
  filters->addStretch();
  filters->addWidget(mSummary);
  auto* buttons = new QHBoxLayout;
  for (auto* button : {mPromote, mRollBack, mExport, mRetrain}) buttons->addWidget(button);
  buttons->addStretch();
  buttons->addWidget(mRefresh);
  auto* versions = new QWidget(this);
  auto* versionsLayout = new QVBoxLayout(versions);
  versionsLayout->setContentsMargins(0, 0, 0, 0);
  versionsLayout->addLayout(filters);
  versionsLayout->addWidget(mList, 1);
  versionsLayout->addLayout(buttons);

  // The table keeps the width its columns need (fitMetricsTable); the chart takes the rest.
  mCompare = new QWidget(this);
  auto* compareLayout = new QHBoxLayout(mCompare);
  compareLayout->setContentsMargins(0, 0, 0, 0);
  compareLayout->addWidget(mMetrics);
  compareLayout->addWidget(mChart, 1);
  mTabs = new QTabWidget(this);
  mTabs->setObjectName(QStringLiteral("modelDetails"));
  mTabs->addTab(mCompare, tr("Compare"));
  mTabs->addTab(mLineage, tr("Lineage"));
  mTabs->addTab(mProvenance, tr("Provenance"));

  auto* split = new QSplitter(Qt::Horizontal, this);
  split->addWidget(versions);
  split->addWidget(mTabs);
  split->setChildrenCollapsible(false);
  split->setStretchFactor(0, 0);  // the list keeps its width; the details get what is left
  split->setStretchFactor(1, 1);
  split->setSizes({540, 500});  // the list's eight columns need a little more than half
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(2, 2, 2, 2);
  layout->addWidget(split);

  connect(mRegion, &QComboBox::currentIndexChanged, this, [this] { refillList(); });
  connect(mYear, &QComboBox::currentIndexChanged, this, [this] { refillList(); });
  connect(mList, &QTreeWidget::itemSelectionChanged, this, [this] { refreshDetails(); });
  connect(mList, &QTreeWidget::currentItemChanged, this, [this] { refreshDetails(); });
  connect(mPromote, &QPushButton::clicked, this, [this] { promoteCurrent(); });
  connect(mRollBack, &QPushButton::clicked, this, [this] { rollBackCurrent(); });
  connect(mExport, &QPushButton::clicked, this, [this] { exportModelCard(); });
  connect(mRetrain, &QPushButton::clicked, this, [this] { retrainCurrent(); });
  connect(mRefresh, &QPushButton::clicked, this, &ModelsDock::refresh);
  refresh();
}

ModelsDock::~ModelsDock() = default;

void ModelsDock::setProject(ProjectStore* project) {
  mProject = project;
  mRegistry = project ? std::make_unique<ModelRegistry>(*project) : nullptr;
  mProvenance->clear();
  refresh();
}

void ModelsDock::setReasonProvider(std::function<std::optional<QString>(const QString&, const QString&)> provider) {
  mReasonProvider = std::move(provider);
}
void ModelsDock::setSavePathProvider(std::function<QString(const QString&)> provider) { mSavePathProvider = std::move(provider); }
void ModelsDock::setConfirmProvider(std::function<bool(const QString&, const QString&)> provider) {
  mConfirmProvider = std::move(provider);
}

bool ModelsDock::guarded(const QString& what, const std::function<void()>& work, bool userActed) {
  try {
    work();
    return true;
  } catch (const std::exception& error) {
    Q_EMIT message(QStringLiteral("error"), tr("%1: %2").arg(what, q(error.what())));
    if (userActed) QMessageBox::warning(this, what, q(error.what()));
    return false;
  }
}

void ModelsDock::refresh() {
  mVersions.clear();
  mAliases.clear();
  if (mRegistry)
    guarded(tr("model registry"), [this] {
      mVersions = mRegistry->versions();
      mAliases = mRegistry->aliases();
    }, false);
  refillFilters();
  refillList();
}

const ModelVersion* ModelsDock::findVersion(int64_t id) const {
  for (const ModelVersion& version : mVersions)
    if (version.id == id) return &version;
  return nullptr;
}

const ModelVersion* ModelsDock::current() const { return findVersion(currentVersion()); }

void ModelsDock::refillFilters() {
  // The choices are what the registry holds; a choice that still exists stays chosen.
  std::set<std::string> regions;
  std::set<int> years;
  for (const ModelVersion& version : mVersions) {
    regions.insert(version.region);
    years.insert(version.year);
  }
  const QString region = mRegion->currentData().toString();
  const int year = mYear->currentData().toInt();
  {
    const QSignalBlocker blockRegion(mRegion), blockYear(mYear);
    mRegion->clear();
    mRegion->addItem(tr("All"), QString());
    for (const std::string& r : regions) mRegion->addItem(q(r), q(r));
    mRegion->setCurrentIndex(std::max(0, mRegion->findData(region)));
    mYear->clear();
    mYear->addItem(tr("All"), 0);
    for (auto it = years.rbegin(); it != years.rend(); ++it) mYear->addItem(QString::number(*it), *it);
    mYear->setCurrentIndex(std::max(0, mYear->findData(year)));
  }
}

void ModelsDock::refillList() {
  const std::vector<int64_t> selected = selectedVersions();
  const int64_t currentId = currentVersion();
  const std::string region = mRegion->currentData().toString().toStdString();
  const int year = mYear->currentData().toInt();
  {
    const QSignalBlocker block(mList);
    mList->clear();
    int shown = 0;
    for (const ModelVersion& version : mVersions) {
      if ((!region.empty() && version.region != region) || (year != 0 && version.year != year)) continue;
      ++shown;
      QStringList aliases;
      for (const AliasTarget& target : mAliases)
        if (target.version == version.id && target.region == version.region && target.year == version.year)
          aliases << q(target.alias);
      const auto miou = version.metrics.find(kMiouMetric);
      auto* item = new QTreeWidgetItem(mList);
      item->setData(kVersion, Qt::UserRole, qint64(version.id));
      item->setText(kVersion, versionName(version.id));
      item->setText(kRegion, q(version.region));
      item->setText(kYear, QString::number(version.year));
      item->setText(kTask, q(version.task));
      item->setText(kCreated, version.created.toLocalTime().toString(QStringLiteral("yyyy-MM-dd")));
      item->setToolTip(kCreated, tr("%1 by %2").arg(when(version.created), q(version.createdBy)));
      item->setText(kTestMiou, miou == version.metrics.end() ? QStringLiteral("—") : QString::number(miou->second, 'f', 4));
      item->setTextAlignment(kTestMiou, Qt::AlignRight | Qt::AlignVCenter);
      item->setText(kAliases, aliases.join(QStringLiteral(", ")));
      item->setText(kParent, version.lineage.parentVersion ? versionName(version.lineage.parentVersion) : q(version.lineage.parent));
      item->setToolTip(kParent, q(version.lineage.parent));
      item->setToolTip(kVersion, tr("%1, %2 by %3").arg(q(version.artifact), when(version.created), q(version.createdBy)));
      if (aliases.contains(QLatin1String(kChampionAlias))) {
        QFont bold = item->font(kAliases);
        bold.setBold(true);
        item->setFont(kAliases, bold);
        item->setFont(kVersion, bold);
      }
    }
    mSummary->setText(mRegistry ? tr("%n version(s)", nullptr, shown) : tr("no project open"));
    // Keep what was selected; a new list starts on the newest version.
    for (int row = 0; row < mList->topLevelItemCount(); ++row) {
      QTreeWidgetItem* item = mList->topLevelItem(row);
      const int64_t id = item->data(kVersion, Qt::UserRole).toLongLong();
      if (id == currentId) mList->setCurrentItem(item, 0, QItemSelectionModel::NoUpdate);
      item->setSelected(std::find(selected.begin(), selected.end(), id) != selected.end());
    }
    if (!mList->currentItem() && mList->topLevelItemCount() > 0) {
      mList->setCurrentItem(mList->topLevelItem(0));
      mList->topLevelItem(0)->setSelected(true);
    }
  }
  refreshDetails();
}

int ModelsDock::versionCount() const { return mList->topLevelItemCount(); }

int64_t ModelsDock::versionAt(int row) const {
  const QTreeWidgetItem* item = mList->topLevelItem(row);
  return item ? item->data(kVersion, Qt::UserRole).toLongLong() : 0;
}

QString ModelsDock::cellText(int64_t version, VersionColumn column) const {
  for (int row = 0; row < mList->topLevelItemCount(); ++row)
    if (versionAt(row) == version) return mList->topLevelItem(row)->text(column);
  return {};
}

int64_t ModelsDock::currentVersion() const {
  const QTreeWidgetItem* item = mList->currentItem();
  return item ? item->data(kVersion, Qt::UserRole).toLongLong() : 0;
}

std::vector<int64_t> ModelsDock::selectedVersions() const {
  std::vector<int64_t> ids;
  for (const QTreeWidgetItem* item : mList->selectedItems()) ids.push_back(item->data(kVersion, Qt::UserRole).toLongLong());
  std::sort(ids.begin(), ids.end());
  return ids;
}

void ModelsDock::selectVersions(const std::vector<int64_t>& versions) {
  {
    const QSignalBlocker block(mList);
    mList->clearSelection();
    for (int row = 0; row < mList->topLevelItemCount(); ++row) {
      QTreeWidgetItem* item = mList->topLevelItem(row);
      const int64_t id = versionAt(row);
      if (!versions.empty() && id == versions.front()) mList->setCurrentItem(item, 0, QItemSelectionModel::NoUpdate);
      item->setSelected(std::find(versions.begin(), versions.end(), id) != versions.end());
    }
  }
  refreshDetails();
}

void ModelsDock::refreshDetails() {
  std::vector<const ModelVersion*> chosen;
  for (int64_t id : selectedVersions())
    if (const ModelVersion* version = findVersion(id)) chosen.push_back(version);
  fillMetrics(chosen);
  fillLineage(current());
  updateButtons();
}

void ModelsDock::fillMetrics(const std::vector<const ModelVersion*>& chosen) {
  std::vector<std::string> keys;
  for (const ModelVersion* version : chosen)
    for (const auto& [key, value] : version->metrics)
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  std::stable_sort(keys.begin(), keys.end(), [](const std::string& a, const std::string& b) {
    return std::make_pair(metricRank(a), a) < std::make_pair(metricRank(b), b);
  });

  mMetrics->clear();
  mMetrics->setRowCount(int(keys.size()));
  mMetrics->setColumnCount(int(chosen.size()));
  QStringList columns, rows;
  for (const ModelVersion* version : chosen) columns << versionName(version->id);
  for (const std::string& key : keys) rows << q(key);
  mMetrics->setHorizontalHeaderLabels(columns);
  mMetrics->setVerticalHeaderLabels(rows);
  for (int row = 0; row < int(keys.size()); ++row) {
    const std::string& key = keys[size_t(row)];
    std::optional<double> best;
    for (const ModelVersion* version : chosen)
      if (auto found = version->metrics.find(key); found != version->metrics.end() && std::isfinite(found->second))
        if (!best || (lowerIsBetter(key) ? found->second < *best : found->second > *best)) best = found->second;
    for (int column = 0; column < int(chosen.size()); ++column) {
      const auto& metrics = chosen[size_t(column)]->metrics;
      const auto found = metrics.find(key);
      auto* cell = new QTableWidgetItem(found == metrics.end() ? QStringLiteral("—") : QString::number(found->second, 'f', 4));
      cell->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
      // Only a row where versions differ has a winner worth marking.
      if (found != metrics.end() && best && found->second == *best && chosen.size() > 1) {
        QFont bold = cell->font();
        bold.setBold(true);
        cell->setFont(bold);
        cell->setToolTip(lowerIsBetter(key) ? tr("lowest") : tr("highest"));
      }
      mMetrics->setItem(row, column, cell);
    }
  }

  // Bars: the headline score, then each class's IoU.
  QStringList categories;
  std::vector<std::string> chartKeys;
  for (const std::string& key : keys)
    if (key == kMiouMetric || key.rfind(kIouPrefix, 0) == 0) {
      chartKeys.push_back(key);
      categories << (key == kMiouMetric ? tr("test mIoU") : q(key.substr(std::string(kIouPrefix).size())));
    }
  std::vector<MetricBarChart::Series> series;
  for (const ModelVersion* version : chosen) {
    MetricBarChart::Series s;
    s.name = versionName(version->id);
    for (const std::string& key : chartKeys) {
      const auto found = version->metrics.find(key);
      s.values.push_back(found == version->metrics.end() ? std::nullopt : std::optional<double>(found->second));
    }
    series.push_back(std::move(s));
  }
  mChart->setData(categories, series);
  fitMetricsTable();
}

void ModelsDock::fitMetricsTable() {
  // Every column of the comparison visible (up to a few versions; more scroll), the chart
  // taking the rest of the width.
  mMetrics->resizeColumnsToContents();
  mMetrics->resizeRowsToContents();
  const int needed = mMetrics->verticalHeader()->sizeHint().width() + mMetrics->horizontalHeader()->length() +
                     2 * mMetrics->frameWidth() + mMetrics->verticalScrollBar()->sizeHint().width();
  mMetrics->setMinimumWidth(std::min(needed, 320));
  mMetrics->setMaximumWidth(std::max(needed, 120));
}

void ModelsDock::fillLineage(const ModelVersion* version) {
  mLineage->clear();
  if (!version) return;
  const ModelLineage& lineage = version->lineage;
  addTopItem(mLineage, tr("Version"), tr("%1 — %2 %3, %4").arg(versionName(version->id), q(version->region)).arg(version->year).arg(q(version->task)));

  auto* dataset = addTopItem(mLineage, tr("Dataset"), q(lineage.datasetPath));
  addItem(dataset, tr("Content hash"), q(lineage.datasetHash));

  auto* labels = addTopItem(mLineage, tr("Label-set version"), q(lineage.labelSetVersion));
  addItem(labels, tr("Validated label sets"), QString::number(lineage.validatedLabelSets));
  addItem(labels, tr("Validated pixels"), QStringLiteral("%L1").arg(lineage.validatedPixels));
  for (const LabelSetRef& set : lineage.labelSets)
    addItem(labels, tr("Label set #%1").arg(set.id), tr("%1, revision %2").arg(q(set.sceneId)).arg(set.revision));

  auto* granules = addTopItem(mLineage, tr("Granules"), QString::number(lineage.granules.size()));
  for (const std::string& granule : lineage.granules) addItem(granules, {}, q(granule));

  auto* config = addTopItem(mLineage, tr("Training config"), {});
  QJsonParseError error{};
  const QJsonDocument document = QJsonDocument::fromJson(QByteArray::fromStdString(lineage.configJson), &error);
  if (error.error == QJsonParseError::NoError && document.isObject()) {
    const QJsonObject object = document.object();
    config->setText(1, tr("%n setting(s)", nullptr, int(object.size())));
    for (auto it = object.begin(); it != object.end(); ++it) addJson(config, it.key(), it.value());
  } else {
    config->setText(1, q(lineage.configJson));
  }
  config->setToolTip(1, QString::fromUtf8(document.toJson(QJsonDocument::Indented)));

  addTopItem(mLineage, tr("Program version"), q(lineage.programVersion));
  addTopItem(mLineage, tr("Parent"), lineage.parentVersion ? tr("%1 (%2)").arg(versionName(lineage.parentVersion), q(lineage.parent))
                                                           : q(lineage.parent));
  addTopItem(mLineage, tr("Run folder"), q(lineage.runDir));
  auto* artifact = addTopItem(mLineage, tr("Artifact"), q(version->artifact));
  addItem(artifact, tr("SHA-256"), q(version->sha256));
  addItem(artifact, tr("Size"), bytesText(version->bytes));
  if (mRegistry) artifact->setToolTip(1, q(mRegistry->artifactPath(*version)));
  addTopItem(mLineage, tr("Created"), tr("%1 by %2").arg(when(version->created), q(version->createdBy)));
  if (!version->note.empty()) addTopItem(mLineage, tr("Note"), q(version->note));

  std::vector<AliasMove> history;
  if (mRegistry) guarded(tr("alias history"), [&] { history = mRegistry->aliasHistory(version->region, version->year); }, false);
  auto* moves = addTopItem(mLineage, tr("Alias history of %1 %2").arg(q(version->region)).arg(version->year),
                           tr("%n move(s)", nullptr, int(history.size())));
  for (const AliasMove& move : history) {
    const QString from = move.from ? versionName(move.from) : tr("none");
    const QString to = move.to ? versionName(move.to) : tr("removed");
    auto* item = addItem(moves, when(move.at), tr("%1: %2 → %3, by %4").arg(q(move.alias), from, to, q(move.person)));
    if (!move.reason.empty()) item->setText(1, item->text(1) + QStringLiteral(" — ") + q(move.reason));
    item->setToolTip(1, item->text(1));
  }
  mLineage->expandToDepth(0);
  config->setExpanded(false);  // long; one click away
}

std::optional<AliasMove> ModelsDock::lastChampionMove(const std::string& region, int year) {
  if (!mRegistry) return std::nullopt;
  std::vector<AliasMove> history;
  std::optional<int64_t> champion;
  if (!guarded(tr("alias history"), [&] {
        history = mRegistry->aliasHistory(region, year, kChampionAlias);
        champion = mRegistry->alias(region, year, kChampionAlias);
      }, false))
    return std::nullopt;
  // The registry undoes only the move that put the current champion there, and only when it
  // came from an earlier version (a first promotion has nothing to go back to).
  if (history.empty() || !champion || history.back().to != *champion || history.back().from == 0) return std::nullopt;
  return history.back();
}

void ModelsDock::updateButtons() {
  const ModelVersion* version = current();
  bool champion = false;
  if (version)
    for (const AliasTarget& target : mAliases)
      champion = champion || (target.version == version->id && target.region == version->region &&
                              target.year == version->year && target.alias == kChampionAlias);
  mPromote->setEnabled(version != nullptr && !champion);
  mPromote->setToolTip(version ? (champion ? tr("%1 is already the champion of %2 %3").arg(versionName(version->id), q(version->region)).arg(version->year)
                                           : tr("Make %1 the champion of %2 %3").arg(versionName(version->id), q(version->region)).arg(version->year))
                               : tr("Select a version"));
  const std::optional<AliasMove> last = version ? lastChampionMove(version->region, version->year) : std::nullopt;
  mRollBack->setEnabled(bool(last));
  mRollBack->setToolTip(last ? tr("The champion of %1 %2 goes back from %3 to %4")
                                   .arg(q(version->region))
                                   .arg(version->year)
                                   .arg(last->to ? versionName(last->to) : tr("none"), last->from ? versionName(last->from) : tr("none"))
                             : tr("The champion of the selected version's region and year has no move to undo"));
  mExport->setEnabled(version != nullptr);
  mRetrain->setEnabled(version != nullptr && mProject != nullptr);
}

QString ModelsDock::personName() const {
  const QString remembered = QSettings().value(QStringLiteral("labels/author")).toString();
  if (!remembered.isEmpty()) return remembered;
  const QString user = qEnvironmentVariable("USER", qEnvironmentVariable("USERNAME"));
  return user.isEmpty() ? tr("unknown") : user;
}

std::optional<QString> ModelsDock::askReason(const QString& title, const QString& suggested) {
  if (mReasonProvider) return mReasonProvider(title, suggested);
  bool ok = false;
  const QString reason = QInputDialog::getText(this, title, tr("Why (kept in the alias history):"), QLineEdit::Normal, suggested, &ok);
  if (!ok) return std::nullopt;
  return reason.trimmed();
}

bool ModelsDock::promoteCurrent() {
  const ModelVersion* version = current();
  if (!version || !mRegistry) return false;
  const ModelVersion chosen = *version;
  // The suggested reason compares with the champion it replaces.
  QString suggested = tr("promoted in Prithvi Studio");
  std::optional<int64_t> champion;
  guarded(tr("Promote"), [&] { champion = mRegistry->alias(chosen.region, chosen.year, kChampionAlias); }, false);
  const auto score = chosen.metrics.find(kMiouMetric);
  if (score != chosen.metrics.end()) {
    suggested = tr("test mIoU %1").arg(score->second, 0, 'f', 4);
    if (const ModelVersion* previous = champion ? findVersion(*champion) : nullptr)
      if (auto before = previous->metrics.find(kMiouMetric); before != previous->metrics.end())
        suggested += tr(" against %1 of %2").arg(before->second, 0, 'f', 4).arg(versionName(previous->id));
  }
  const std::optional<QString> reason = askReason(tr("Promote %1").arg(versionName(chosen.id)), suggested);
  if (!reason) return false;
  AliasMove move;
  const bool done = guarded(tr("Promote"), [&] { move = mRegistry->promote(chosen.id, personName().toStdString(), reason->toStdString()); }, true);
  if (done)
    Q_EMIT message(QStringLiteral("info"), tr("%1 is now the champion of %2 %3 (was %4)")
                                               .arg(versionName(chosen.id), q(chosen.region))
                                               .arg(chosen.year)
                                               .arg(move.from ? versionName(move.from) : tr("none")));
  refresh();
  return done;
}

bool ModelsDock::rollBackCurrent() {
  const ModelVersion* version = current();
  if (!version || !mRegistry) return false;
  const std::string region = version->region;
  const int year = version->year;
  const std::optional<AliasMove> last = lastChampionMove(region, year);
  if (!last) return false;
  const std::optional<QString> reason = askReason(tr("Roll back the champion of %1 %2").arg(q(region)).arg(year),
                                                  tr("rolled back from %1 in Prithvi Studio").arg(last->to ? versionName(last->to) : tr("none")));
  if (!reason) return false;
  AliasMove move;
  const bool done = guarded(tr("Roll Back"), [&] {
    move = mRegistry->rollBack(region, year, kChampionAlias, personName().toStdString(), reason->toStdString());
  }, true);
  if (done)
    Q_EMIT message(QStringLiteral("info"), tr("the champion of %1 %2 is %3 again (was %4)")
                                               .arg(q(region))
                                               .arg(year)
                                               .arg(move.to ? versionName(move.to) : tr("none"), move.from ? versionName(move.from) : tr("none")));
  refresh();
  return done;
}

bool ModelsDock::exportModelCard() {
  const ModelVersion* version = current();
  if (!version || !mRegistry || !mProject) return false;
  const int64_t id = version->id;
  const QString suggested = QDir(QFileInfo(q(mProject->path())).absolutePath()).filePath(QStringLiteral("model-card-%1.md").arg(versionName(id)));
  QString path = mSavePathProvider ? mSavePathProvider(suggested)
                                   : QFileDialog::getSaveFileName(this, tr("Export Model Card of %1").arg(versionName(id)), suggested,
                                                                  tr("Markdown (*.md);;HTML page (*.html)"));
  if (path.isEmpty()) return false;
  const QString suffix = QFileInfo(path).suffix().toLower();
  const bool html = suffix == QLatin1String("html") || suffix == QLatin1String("htm");
  if (!html && suffix != QLatin1String("md")) path += QStringLiteral(".md");
  return guarded(tr("Export Model Card"), [&] {
    const std::string card = html ? modelCardHtml(*mRegistry, id) : modelCardMarkdown(*mRegistry, id);
    // Written whole or not at all: a reader never sees half a card.
    writeFileAtomically(path.toStdString(), card);
    Q_EMIT message(QStringLiteral("info"), tr("wrote the model card of %1 to %2").arg(versionName(id), path));
  }, true);
}

QString ModelsDock::retrainSummary() {
  const ModelVersion* version = current();
  if (!version || !mRegistry || !mProject) return {};
  const std::string region = version->region, task = version->task;
  const int year = version->year;
  QStringList lines;
  lines << tr("Retrain %1 %2 (%3): the annual pipeline builds the dataset from the validated labels, trains, evaluates, "
              "registers the new version and makes it the challenger.")
               .arg(q(region))
               .arg(year)
               .arg(q(task));
  LabelSnapshot now;
  std::optional<AliasTarget> champion;
  std::optional<ModelVersion> championVersion;
  const bool read = guarded(tr("Retrain"), [&] {
    now = validatedLabels(*mProject, region, year, task);
    champion = mRegistry->aliasInEffect(region, year, kChampionAlias);
    if (champion) championVersion = mRegistry->version(champion->version);
  }, false);
  if (!read) return {};
  const QString nowText = tr("%n validated label set(s), %L1 pixels (%2)", nullptr, int(now.sets.size()))
                              .arg(now.labelledPixels)
                              .arg(q(now.version));
  lines << QString();
  if (!championVersion) {
    lines << tr("There is no champion for %1 %2 yet: the pipeline trains the first one.").arg(q(region)).arg(year);
    lines << tr("Labels now: %1").arg(nowText);
    return lines.join(QLatin1Char('\n'));
  }
  const LabelChanges changes = labelChangesSince(championVersion->lineage, now);
  lines << tr("Champion in effect: %1 (%2 %3)").arg(versionName(championVersion->id), q(championVersion->region)).arg(championVersion->year);
  lines << tr("Labels then: %n validated label set(s), %L1 pixels (%2)", nullptr, int(changes.setsThen))
               .arg(changes.pixelsThen)
               .arg(q(changes.versionThen));
  lines << tr("Labels now: %1").arg(nowText);
  lines << QString();
  if (changes.nothingChanged()) {
    lines << tr("Nothing changed: %1 was trained on these same label sets.").arg(versionName(championVersion->id));
    return lines.join(QLatin1Char('\n'));
  }
  for (const LabelSetRef& set : changes.added) lines << tr("Added: %1").arg(labelSetText(set));
  for (const LabelSetRef& set : changes.removed) lines << tr("Removed: %1").arg(labelSetText(set));
  for (const auto& [then, after] : changes.changed)
    lines << tr("Changed: #%1 on %2, revision %3 → %4").arg(then.id).arg(q(after.sceneId)).arg(then.revision).arg(after.revision);
  const int64_t delta = changes.pixelsNow - changes.pixelsThen;
  lines << tr("Validated pixels: %L1 → %L2 (%3%L4)").arg(changes.pixelsThen).arg(changes.pixelsNow).arg(delta >= 0 ? QStringLiteral("+") : QString()).arg(delta);
  return lines.join(QLatin1Char('\n'));
}

bool ModelsDock::retrainCurrent() {
  const ModelVersion* version = current();
  if (!version || !mProject) return false;
  const QString region = q(version->region), task = q(version->task);
  const int year = version->year;
  const QString summary = retrainSummary();
  if (summary.isEmpty()) return false;
  const QString title = tr("Retrain %1 %2").arg(region).arg(year);
  bool confirmed = false;
  if (mConfirmProvider) {
    confirmed = mConfirmProvider(title, summary);
  } else {
    QMessageBox box(QMessageBox::Question, title, summary, QMessageBox::Cancel, this);
    QPushButton* go = box.addButton(tr("Retrain"), QMessageBox::AcceptRole);
    box.setDefaultButton(go);
    box.exec();
    confirmed = box.clickedButton() == go;
  }
  if (!confirmed) return false;
  Q_EMIT message(QStringLiteral("info"), tr("retraining %1 %2 (%3)").arg(region).arg(year).arg(task));
  Q_EMIT retrainRequested(region, year, task);
  return true;
}

void ModelsDock::showPixelProvenance(const PixelProvenance& pixel, const QString& file) {
  mProvenance->clear();
  const MapProvenance& map = pixel.map;
  addTopItem(mProvenance, tr("Pixel"), tr("x %1, y %2").arg(pixel.x).arg(pixel.y));
  const bool observed = pixel.classValue != 255;
  addTopItem(mProvenance, tr("Class"),
             observed ? (pixel.className.empty() ? QString::number(pixel.classValue)
                                                 : tr("%1 — %2").arg(pixel.classValue).arg(q(pixel.className)))
                      : tr("no clear observation (255)"));
  addTopItem(mProvenance, tr("Clear observations"), QString::number(pixel.observations));
  addTopItem(mProvenance, tr("Votes for the class"),
             pixel.observations > 0 ? tr("%1 of %2").arg(pixel.votes).arg(pixel.observations) : QString::number(pixel.votes));

  auto* product = addTopItem(mProvenance, tr("Map"), q(map.product));
  if (!file.isEmpty()) {
    addItem(product, tr("File"), file);
    std::optional<MapProduct> recorded;
    if (mRegistry) guarded(tr("map products"), [&] { recorded = mRegistry->mapProductAt(file.toStdString()); }, false);
    addItem(product, tr("In the registry"), recorded ? tr("map product #%1, made %2").arg(recorded->id).arg(when(recorded->created))
                                                     : tr("not recorded in this project"));
  }
  addItem(product, tr("Region"), q(map.region));
  addItem(product, tr("Year"), QString::number(map.year));

  // Whether the version the map names can still be found, and what it is now.
  std::optional<ModelVersion> version;
  if (mRegistry && map.modelVersion) {
    try {
      version = mRegistry->version(map.modelVersion);
    } catch (const Error&) {
      // Not registered (any more, or in another project): said below.
    }
  }
  QStringList aliasesNow;
  for (const AliasTarget& target : mAliases)
    if (target.version == map.modelVersion) aliasesNow << tr("%1 of %2 %3").arg(q(target.alias), q(target.region)).arg(target.year);
  QString state = version ? tr("registered") : tr("not registered in this project");
  if (version) state += aliasesNow.isEmpty() ? tr("; no alias now") : tr("; now %1").arg(aliasesNow.join(QStringLiteral(", ")));
  auto* model = addItem(product, tr("Model version"), tr("%1 — %2").arg(versionName(map.modelVersion), state));
  addItem(model, tr("SHA-256"), q(map.modelSha256));
  if (version)
    addItem(model, tr("Registered artifact"), version->sha256 == map.modelSha256 ? tr("same SHA-256") : tr("DIFFERENT SHA-256: %1").arg(q(version->sha256)));
  addItem(product, tr("Alias when made"), q(map.modelAlias));
  addItem(product, tr("Label-set version"), q(map.labelSetVersion));
  addItem(product, tr("Dataset hash"), q(map.datasetHash));
  addItem(product, tr("Fmask policy"), q(map.fmaskPolicy));
  auto* granules = addItem(product, tr("Granules"), QString::number(map.granules.size()));
  for (const std::string& granule : map.granules) addItem(granules, {}, q(granule));
  mProvenance->expandAll();
  mTabs->setCurrentWidget(mProvenance);
}

}  // namespace prithvi
