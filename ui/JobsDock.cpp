#include "ui/JobsDock.h"

#include <algorithm>
#include <QComboBox>
#include <QDesktopServices>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTreeWidget>
#include <QUrl>
#include <QVBoxLayout>

#include "core/base/Feedback.h"
#include "core/jobs/JobCommands.h"
#include "ui/Async.h"
#include "ui/JobRunner.h"
#include "viewers/MetricChart.h"

namespace prithvi {

namespace {

QString q(const std::string& text) { return QString::fromStdString(text); }

// Jobs the app runs itself (a child it reads, or work in this process): they end with the app.
constexpr const char* kAppBackend = "app";

enum Column { kName, kKind, kWhere, kState, kProgress, kTime, kColumns };

QString duration(double seconds) {
  if (seconds < 0) return {};
  const qint64 s = qint64(seconds + 0.5);
  if (s < 60) return QObject::tr("%1 s").arg(s);
  if (s < 3600) return QObject::tr("%1 min %2 s").arg(s / 60).arg(s % 60);
  return QObject::tr("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60);
}

JobState stateOfStatus(const QString& status) {
  if (status == QLatin1String("ok")) return JobState::Succeeded;
  if (status == QLatin1String("canceled")) return JobState::Canceled;
  return JobState::Failed;
}

JobEvent eventOf(const char* type) {
  JobEvent event;
  event.type = type;
  return event;
}

// The value after `name` in a command's arguments.
std::string argumentAfter(const std::vector<std::string>& arguments, const std::string& name) {
  for (size_t i = 0; i + 1 < arguments.size(); ++i)
    if (arguments[i] == name) return arguments[i + 1];
  return {};
}

}  // namespace

struct JobsDock::Entry {
  int key = 0;
  JobRecord record;
  JobLogReader reader;
  QPointer<JobRunner> runner;
  std::shared_ptr<Feedback> feedback;
  QElapsedTimer clock;  // app tasks: for their ETA
  bool polling = false;
  bool launched() const { return record.handle.backend != kAppBackend; }
};

JobsDock::JobsDock(QWidget* parent) : QWidget(parent) {
  mPool.setMaxThreadCount(2);
  mList = new QTreeWidget(this);
  mList->setObjectName(QStringLiteral("jobsList"));
  mList->setRootIsDecorated(false);
  mList->setHeaderLabels({tr("Job"), tr("Runs"), tr("Where"), tr("State"), tr("Progress"), tr("ETA / ended")});
  mList->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
  mList->header()->setStretchLastSection(true);

  mProgress = new QProgressBar(this);
  mProgress->setObjectName(QStringLiteral("jobProgress"));
  mProgress->setRange(0, 1000);
  mStatus = new QLabel(this);
  mStatus->setObjectName(QStringLiteral("jobStatus"));
  mStatus->setWordWrap(true);
  mStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);
  mMetric = new QComboBox(this);
  mMetric->setObjectName(QStringLiteral("jobMetric"));
  mMetric->setToolTip(tr("Which metric the chart shows"));
  mChart = new MetricChart(this);
  mChart->setObjectName(QStringLiteral("jobChart"));
  mLog = new QPlainTextEdit(this);
  mLog->setObjectName(QStringLiteral("jobLog"));
  mLog->setReadOnly(true);
  mLog->setMaximumBlockCount(5000);
  mLog->setLineWrapMode(QPlainTextEdit::NoWrap);
  mLog->setFont(QFont(QStringLiteral("monospace")));

  mCancel = new QPushButton(tr("&Cancel Job"), this);
  mCancel->setObjectName(QStringLiteral("jobCancel"));
  mCancel->setToolTip(tr("Stop the job: its processes save a checkpoint and end as canceled"));
  mRetry = new QPushButton(tr("&Retry"), this);
  mRetry->setObjectName(QStringLiteral("jobRetry"));
  mRetry->setToolTip(tr("Run the same command again as a new job (training resumes from its last checkpoint)"));
  mOpenFolder = new QPushButton(tr("Open Run &Folder"), this);
  mOpenFolder->setObjectName(QStringLiteral("jobOpenFolder"));
  mRemove = new QPushButton(tr("Remove"), this);
  mRemove->setObjectName(QStringLiteral("jobRemove"));
  mRemove->setToolTip(tr("Forget a finished job (its run folder stays)"));

  auto* buttons = new QHBoxLayout;
  for (auto* button : {mCancel, mRetry, mOpenFolder, mRemove}) buttons->addWidget(button);
  buttons->addStretch();
  buttons->addWidget(new QLabel(tr("Chart:"), this));
  buttons->addWidget(mMetric);

  auto* details = new QWidget(this);
  auto* detailsLayout = new QVBoxLayout(details);
  detailsLayout->setContentsMargins(0, 0, 0, 0);
  detailsLayout->addWidget(mProgress);
  detailsLayout->addWidget(mStatus);
  detailsLayout->addLayout(buttons);
  auto* lower = new QSplitter(Qt::Horizontal, details);
  lower->addWidget(mChart);
  lower->addWidget(mLog);
  lower->setStretchFactor(0, 1);
  lower->setStretchFactor(1, 1);
  detailsLayout->addWidget(lower, 1);

  auto* split = new QSplitter(Qt::Vertical, this);
  split->addWidget(mList);
  split->addWidget(details);
  split->setStretchFactor(1, 2);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(2, 2, 2, 2);
  layout->addWidget(split);

  connect(mList, &QTreeWidget::currentItemChanged, this, [this] { refreshDetails(); });
  connect(mMetric, &QComboBox::currentTextChanged, this, [this] { refreshDetails(); });
  connect(mCancel, &QPushButton::clicked, this, &JobsDock::cancelSelected);
  connect(mRetry, &QPushButton::clicked, this, &JobsDock::retrySelected);
  connect(mRemove, &QPushButton::clicked, this, &JobsDock::removeSelected);
  connect(mOpenFolder, &QPushButton::clicked, this, [this] {
    if (const QString folder = runFolder(); !folder.isEmpty()) QDesktopServices::openUrl(QUrl::fromLocalFile(folder));
  });
  connect(&mTimer, &QTimer::timeout, this, &JobsDock::poll);
  mTimer.setInterval(2000);
  mTimer.start();
  refreshDetails();
}

JobsDock::~JobsDock() {
  mTimer.stop();
  mPool.clear();
  mPool.waitForDone();
}

void JobsDock::setPollInterval(int milliseconds) { mTimer.setInterval(milliseconds); }

void JobsDock::setProject(ProjectStore* project) {
  mEntries.clear();
  mList->clear();
  mShownKey = 0;
  mProject = project;
  mStore = project ? std::make_unique<JobStore>(*project) : nullptr;
  if (mStore) {
    std::vector<JobRecord> records;
    try {
      records = mStore->jobs();
    } catch (const std::exception& error) {
      Q_EMIT message(QStringLiteral("error"), tr("jobs: %1").arg(q(error.what())));
    }
    for (auto it = records.rbegin(); it != records.rend(); ++it) {
      auto entry = std::make_unique<Entry>();
      entry->record = std::move(*it);
      Entry* added = add(std::move(entry));
      // A job the app ran itself cannot have outlived it.
      if (!added->launched() && !isFinal(added->record.state))
        setFinal(*added, JobState::Failed, tr("Prithvi Studio closed while it ran"));
    }
  }
  if (mList->topLevelItemCount() > 0) mList->setCurrentItem(mList->topLevelItem(0));
  refreshDetails();
  poll();
}

JobsDock::Entry* JobsDock::add(std::unique_ptr<Entry> entry) {
  entry->key = mNextKey++;
  entry->clock.start();
  // What an app job's run folder is: where its output goes.
  if (entry->record.request.runDir.empty()) {
    const std::string out = argumentAfter(entry->record.request.arguments, "--out");
    if (!out.empty()) entry->record.request.runDir = QFileInfo(q(out)).absolutePath().toStdString();
  }
  auto* item = new QTreeWidgetItem;
  item->setData(kName, Qt::UserRole, entry->key);
  mList->insertTopLevelItem(0, item);
  mEntries.push_back(std::move(entry));
  refreshRow(*mEntries.back());
  return mEntries.back().get();
}

JobsDock::Entry* JobsDock::entryByKey(int key) const {
  for (const auto& entry : mEntries)
    if (entry->key == key) return entry.get();
  return nullptr;
}

JobsDock::Entry* JobsDock::entryAt(int row) const {
  const QTreeWidgetItem* item = mList->topLevelItem(row);
  return item ? entryByKey(item->data(kName, Qt::UserRole).toInt()) : nullptr;
}

JobsDock::Entry* JobsDock::selected() const {
  const QTreeWidgetItem* item = mList->currentItem();
  return item ? entryByKey(item->data(kName, Qt::UserRole).toInt()) : nullptr;
}

QString JobsDock::stateText(int row) const {
  const Entry* entry = entryAt(row);
  return entry ? q(jobStateName(entry->record.state)) : QString();
}

QString JobsDock::nameText(int row) const {
  const Entry* entry = entryAt(row);
  return entry ? q(entry->record.name) : QString();
}

int64_t JobsDock::storedId(int row) const {
  const Entry* entry = entryAt(row);
  return entry ? entry->record.id : 0;
}

void JobsDock::selectRow(int row) {
  if (QTreeWidgetItem* item = mList->topLevelItem(row)) mList->setCurrentItem(item);
}

QString JobsDock::runFolder() const {
  const Entry* entry = selected();
  if (!entry) return {};
  const std::string local = jobs::valueOr(entry->record.request.options, "local_run_dir");
  for (const std::string& folder : {local, jobs::valueOr(entry->record.handle.details, "run_dir"), entry->record.request.runDir})
    if (!folder.empty() && QFileInfo(q(folder)).isDir()) return q(folder);
  return {};
}

void JobsDock::store(Entry& entry) {
  if (!mStore) return;
  try {
    if (entry.record.id == 0) mStore->add(entry.record);
    else mStore->update(entry.record);
  } catch (const std::exception& error) {
    Q_EMIT message(QStringLiteral("error"), tr("could not record job '%1': %2").arg(q(entry.record.name), q(error.what())));
  }
}

void JobsDock::launch(const std::string& backend, const LaunchRequest& request) {
  const std::string program = JobRunner::cliPath().toStdString();
  Q_EMIT message(QStringLiteral("info"), tr("submitting '%1' to %2…").arg(q(request.name), q(backend)));
  runAsync<JobRecord>(
      mPool, this,
      [backend, request, program] {
        const auto launcher = makeLaunchBackend(backend, program);
        return launchJob(*launcher, request, nullptr);
      },
      [this, backend, request](std::optional<JobRecord> record, const std::string& error) {
        if (!record) {
          // Recorded all the same: the project lists every job the window launched, and a
          // failed submission can be retried from the dock once its cause is fixed.
          auto failed = std::make_unique<Entry>();
          failed->record.request = request;
          failed->record.name = request.name.empty() ? "job" : request.name;
          failed->record.kind = request.arguments.empty() ? "job" : request.arguments.front();
          failed->record.handle.backend = backend;
          Entry* added = add(std::move(failed));
          store(*added);
          setFinal(*added, JobState::Failed, tr("not submitted: %1").arg(q(error)));
          mList->setCurrentItem(mList->topLevelItem(0));
          Q_EMIT message(QStringLiteral("error"), tr("the job could not be submitted: %1").arg(q(error)));
          return;
        }
        auto entry = std::make_unique<Entry>();
        entry->record = std::move(*record);
        Entry* added = add(std::move(entry));
        store(*added);
        mList->setCurrentItem(mList->topLevelItem(0));
        Q_EMIT message(QStringLiteral("info"), tr("job %1 '%2' submitted (%3 %4)")
                                                   .arg(added->record.id)
                                                   .arg(q(added->record.name), q(backend), q(added->record.handle.id)));
        poll();
      });
}

void JobsDock::track(JobRunner* runner, const QString& kind) {
  auto entry = std::make_unique<Entry>();
  entry->record.name = runner->title().toStdString();
  entry->record.kind = kind.toStdString();
  entry->record.handle.backend = kAppBackend;
  for (const QString& argument : runner->arguments()) entry->record.request.arguments.push_back(argument.toStdString());
  entry->record.request.name = entry->record.name;
  entry->record.state = JobState::Running;
  entry->runner = runner;
  Entry* added = add(std::move(entry));
  store(*added);
  const int key = added->key;
  auto event = [this, key](JobEvent event) {
    if (Entry* target = entryByKey(key)) {
      target->reader.add(event);
      if (event.type == "progress" && target->reader.fraction()) target->record.progress = target->reader.fraction();
      refreshRow(*target);
      if (selected() == target) refreshDetails();
    }
  };
  connect(runner, &JobRunner::progressed, this, [event](qint64 step, qint64 total, double eta, const QString& text) {
    JobEvent progress = eventOf("progress");
    progress.step = step;
    progress.total = total;
    progress.message = text.toStdString();
    if (eta >= 0) progress.etaSeconds = eta;
    event(progress);
  });
  connect(runner, &JobRunner::metricReported, this, [event](const QString& name, double value, qint64 step, const QString& split) {
    JobEvent metric = eventOf("metric");
    metric.step = step;
    metric.name = name.toStdString();
    metric.split = split.toStdString();
    metric.value = value;
    event(metric);
  });
  connect(runner, &JobRunner::logged, this, [event](const QString& level, const QString& text) {
    JobEvent log = eventOf("log");
    log.level = level.toStdString();
    log.text = text.toStdString();
    event(log);
  });
  connect(runner, &JobRunner::finished, this, [this, key](const QString& status, const QString& error) {
    if (Entry* target = entryByKey(key)) setFinal(*target, stateOfStatus(status), error);
  });
  connect(runner, &QObject::destroyed, this, [this, key] {
    if (Entry* target = entryByKey(key); target && !isFinal(target->record.state))
      setFinal(*target, JobState::Canceled, tr("closed before it finished"));
  });
}

int JobsDock::trackTask(const QString& title, const QString& kind, std::shared_ptr<Feedback> feedback) {
  auto entry = std::make_unique<Entry>();
  entry->record.name = title.toStdString();
  entry->record.kind = kind.toStdString();
  entry->record.handle.backend = kAppBackend;
  entry->record.request.name = entry->record.name;
  entry->record.state = JobState::Running;
  entry->feedback = std::move(feedback);
  Entry* added = add(std::move(entry));
  store(*added);
  return added->key;
}

void JobsDock::endTask(int key, const QString& status, const QString& error) {
  if (Entry* entry = entryByKey(key)) setFinal(*entry, stateOfStatus(status), error);
}

void JobsDock::setFinal(Entry& entry, JobState state, const QString& error) {
  entry.record.state = state;
  entry.record.error = error.toStdString();
  if (state == JobState::Succeeded) entry.record.progress = 1.0;
  entry.record.finished = QDateTime::currentDateTimeUtc();
  entry.feedback.reset();
  store(entry);
  refreshRow(entry);
  if (selected() == &entry) refreshDetails();
  Q_EMIT jobEnded(entry.record.id, q(jobStateName(state)), q(entry.record.name));
}

void JobsDock::noteResultNotShown(const QString& path, const QString& text) {
  for (auto it = mEntries.rbegin(); it != mEntries.rend(); ++it) {
    Entry& entry = **it;
    const auto& arguments = entry.record.request.arguments;
    if (std::find(arguments.begin(), arguments.end(), path.toStdString()) == arguments.end()) continue;
    // Kept as the job's note: the project's job list says so after a restart too.
    entry.record.error = text.toStdString();
    JobEvent note = eventOf("log");
    note.level = "warning";
    note.text = text.toStdString();
    entry.reader.add(note);
    store(entry);
    refreshRow(entry);
    if (selected() == &entry) refreshDetails();
    Q_EMIT message(QStringLiteral("warning"), text);
    return;
  }
}

void JobsDock::poll() {
  const std::string program = JobRunner::cliPath().toStdString();
  for (const auto& owned : mEntries) {
    Entry& entry = *owned;
    if (isFinal(entry.record.state)) continue;
    if (entry.feedback) {  // work in this process: read its Feedback
      const int64_t step = entry.feedback->step(), total = entry.feedback->total();
      JobEvent progress = eventOf("progress");
      progress.step = step;
      progress.total = total;
      if (step > 0 && total > step) progress.etaSeconds = entry.clock.elapsed() / 1000.0 * double(total - step) / double(step);
      entry.reader.add(progress);
      entry.record.progress = entry.reader.fraction();
      refreshRow(entry);
      continue;
    }
    if (!entry.launched() || entry.polling || !mStore) continue;
    entry.polling = true;
    const int key = entry.key;
    runAsync<JobPoll>(
        mPool, this,
        [record = entry.record, program] {
          const auto backend = makeLaunchBackend(record.handle.backend, program);
          return pollJob(record, *backend);
        },
        [this, key](std::optional<JobPoll> result, const std::string& error) {
          if (!result) {
            if (Entry* entry = entryByKey(key)) entry->polling = false;
            Q_EMIT message(QStringLiteral("warning"), tr("cannot follow a job: %1").arg(q(error)));
            return;
          }
          received(key, *result);
        });
  }
  if (const Entry* entry = selected(); entry && entry->feedback) refreshDetails();
}

void JobsDock::received(int key, const JobPoll& result) {
  Entry* entry = entryByKey(key);
  if (!entry) return;  // removed, or another project opened meanwhile
  entry->polling = false;
  const JobState before = entry->record.state;
  entry->reader.update(result.log);
  if (applyPoll(entry->record, result)) store(*entry);
  refreshRow(*entry);
  if (selected() == entry) refreshDetails();
  if (isFinal(entry->record.state) && !isFinal(before))
    Q_EMIT jobEnded(entry->record.id, q(jobStateName(entry->record.state)), q(entry->record.name));
}

void JobsDock::refreshRow(const Entry& entry) {
  QTreeWidgetItem* item = nullptr;
  for (int row = 0; row < mList->topLevelItemCount() && !item; ++row)
    if (mList->topLevelItem(row)->data(kName, Qt::UserRole).toInt() == entry.key) item = mList->topLevelItem(row);
  if (!item) return;
  const JobRecord& record = entry.record;
  item->setText(kName, q(record.name));
  item->setText(kKind, q(record.kind));
  item->setText(kWhere, entry.launched() ? q(record.handle.backend + " " + record.handle.id) : tr("this app"));
  // A job that succeeded but left something to know (its result could not be shown) says so.
  const bool noted = record.state == JobState::Succeeded && !record.error.empty();
  item->setText(kState, noted ? tr("succeeded, not shown") : q(jobStateName(record.state)));
  item->setText(kProgress, record.progress ? QStringLiteral("%1 %").arg(int(*record.progress * 100 + 0.5)) : QString());
  if (isFinal(record.state))
    item->setText(kTime, record.finished.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")));
  else
    item->setText(kTime, entry.reader.etaSeconds() ? duration(*entry.reader.etaSeconds()) : QString());
  const QColor colour = record.state == JobState::Failed     ? QColor(190, 30, 30)
                        : record.state == JobState::Canceled  ? QColor(150, 110, 0)
                        : noted                                ? QColor(150, 110, 0)
                        : record.state == JobState::Succeeded ? QColor(20, 130, 40)
                                                              : palette().color(QPalette::Text);
  item->setForeground(kState, colour);
  item->setToolTip(kName, q(jobs::shellJoin(record.request.arguments)));
  if (!record.error.empty()) item->setToolTip(kState, q(record.error));
}

void JobsDock::refreshDetails() {
  const Entry* entry = selected();
  const bool active = entry && !isFinal(entry->record.state);
  mCancel->setEnabled(active && (entry->launched() || entry->runner || entry->feedback));
  mRetry->setEnabled(entry && !active && (entry->launched() || !entry->record.request.arguments.empty()));
  mRemove->setEnabled(entry && !active);
  mOpenFolder->setEnabled(!runFolder().isEmpty());
  if (!entry) {
    mProgress->setValue(0);
    mProgress->setFormat(tr("no job selected"));
    mStatus->clear();
    mChart->setCurves({});
    mLog->clear();
    mShownKey = 0;
    return;
  }
  const JobRecord& record = entry->record;
  const JobLogReader& reader = entry->reader;
  const double fraction = record.state == JobState::Succeeded ? 1.0 : reader.fraction().value_or(record.progress.value_or(0.0));
  mProgress->setValue(int(fraction * 1000));
  QString format = QStringLiteral("%1 %").arg(int(fraction * 100 + 0.5));
  if (reader.total() > 0) format += tr(" — step %1 of %2").arg(reader.step()).arg(reader.total());
  if (active && reader.etaSeconds()) format += tr(" — ETA %1").arg(duration(*reader.etaSeconds()));
  if (!active) format += QStringLiteral(" — %1").arg(q(jobStateName(record.state)));
  mProgress->setFormat(format);
  QString status = tr("%1 on %2").arg(q(record.kind), entry->launched() ? q(record.handle.backend + " " + record.handle.id) : tr("this app"));
  if (!reader.message().empty() && active) status += QStringLiteral(" — ") + q(reader.message());
  if (!record.error.empty()) status += QStringLiteral("\n") + tr("Error: %1").arg(q(record.error));
  mStatus->setText(status);

  // The metric chooser lists the metric names; the chart draws every split of the chosen one.
  QStringList names;
  for (const auto& [series, curve] : reader.metrics()) {
    const QString name = q(series.substr(0, series.find(" (")));
    if (!names.contains(name)) names << name;
  }
  if (names != [this] {
        QStringList items;
        for (int i = 0; i < mMetric->count(); ++i) items << mMetric->itemText(i);
        return items;
      }()) {
    const QString current = mMetric->currentText();
    QSignalBlocker block(mMetric);
    mMetric->clear();
    mMetric->addItems(names);
    const int index = int(names.indexOf(current.isEmpty() ? QStringLiteral("loss") : current));
    mMetric->setCurrentIndex(index >= 0 ? index : 0);
  }
  const std::string chosen = mMetric->currentText().toStdString();
  std::map<std::string, std::vector<MetricPoint>> curves;
  for (const auto& [series, curve] : reader.metrics())
    if (series.substr(0, series.find(" (")) == chosen) curves[series] = curve;
  mChart->setTitle(q(chosen));
  mChart->setCurves(curves);

  const auto& lines = reader.lines();
  if (mShownKey != entry->key || mShownLines > lines.size()) {
    mLog->clear();
    mShownLines = 0;
    mShownKey = entry->key;
  }
  for (; mShownLines < lines.size(); ++mShownLines) mLog->appendPlainText(q(lines[mShownLines]));
}

void JobsDock::cancelSelected() {
  Entry* entry = selected();
  if (!entry || isFinal(entry->record.state)) return;
  if (entry->runner) entry->runner->cancel();
  if (entry->feedback) entry->feedback->cancel();
  if (!entry->launched()) return;
  const std::string program = JobRunner::cliPath().toStdString();
  const QString name = q(entry->record.name);
  runAsync<bool>(
      mPool, this,
      [record = entry->record, program] {
        makeLaunchBackend(record.handle.backend, program)->cancel(record.handle);
        return true;
      },
      [this, name](std::optional<bool> done, const std::string& error) {
        if (done) Q_EMIT message(QStringLiteral("info"), tr("cancel sent to job '%1'; it saves a checkpoint and stops").arg(name));
        else Q_EMIT message(QStringLiteral("error"), tr("could not cancel job '%1': %2").arg(name, q(error)));
        poll();
      });
}

void JobsDock::retrySelected() {
  Entry* entry = selected();
  if (!entry || !isFinal(entry->record.state)) return;
  if (entry->launched()) {
    launch(entry->record.handle.backend, entry->record.request);
    return;
  }
  QStringList arguments;
  for (const auto& argument : entry->record.request.arguments) arguments << q(argument);
  auto* runner = new JobRunner(q(entry->record.name), arguments, this);
  connect(runner, &JobRunner::finished, runner, &QObject::deleteLater);
  track(runner, q(entry->record.kind));
  runner->start();
  mList->setCurrentItem(mList->topLevelItem(0));
}

void JobsDock::removeSelected() {
  Entry* entry = selected();
  if (!entry || !isFinal(entry->record.state)) return;
  try {
    if (mStore && entry->record.id) mStore->remove(entry->record.id);
  } catch (const std::exception& error) {
    Q_EMIT message(QStringLiteral("error"), q(error.what()));
    return;
  }
  delete mList->currentItem();
  const int key = entry->key;
  mEntries.erase(std::remove_if(mEntries.begin(), mEntries.end(), [key](const auto& e) { return e->key == key; }), mEntries.end());
  mShownKey = 0;
  refreshDetails();
}

}  // namespace prithvi
