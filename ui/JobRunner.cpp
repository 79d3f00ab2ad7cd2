#include "ui/JobRunner.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QTimer>
#include <csignal>

#include "core/base/JobEvents.h"

namespace prithvi {

namespace {
constexpr int kStderrTailBytes = 4096;
constexpr int kKillAfterMs = 15000;
}  // namespace

JobRunner::JobRunner(QString title, QStringList arguments, QObject* parent)
    : QObject(parent), mTitle(std::move(title)), mArguments(std::move(arguments)) {
  connect(&mProcess, &QProcess::readyReadStandardOutput, this, &JobRunner::readEvents);
  connect(&mProcess, &QProcess::readyReadStandardError, this, [this] {
    mStderrTail += mProcess.readAllStandardError();
    if (mStderrTail.size() > kStderrTailBytes) mStderrTail = mStderrTail.right(kStderrTailBytes);
  });
  connect(&mProcess, &QProcess::finished, this, &JobRunner::onExited);
  connect(&mProcess, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
    if (error == QProcess::FailedToStart)
      finish(QStringLiteral("failed"), tr("cannot start %1: %2").arg(cliPath(), mProcess.errorString()));
  });
}

JobRunner::~JobRunner() {
  if (!isRunning()) return;
  mProcess.disconnect(this);
  ::kill(pid_t(mProcess.processId()), SIGTERM);
  if (!mProcess.waitForFinished(kKillAfterMs)) mProcess.kill();
  mProcess.waitForFinished(2000);
}

QString JobRunner::cliPath() {
  const QString configured = qEnvironmentVariable("PRITHVI_CLI");
  if (!configured.isEmpty()) return configured;
  return QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("prithvi"));
}

void JobRunner::start() {
  QStringList arguments = mArguments;
  arguments << QStringLiteral("--events") << QStringLiteral("jsonl");
  mStatus.clear();
  mError.clear();
  mClock.start();
  mProcess.start(cliPath(), arguments);
}

void JobRunner::cancel() {
  if (!isRunning()) return;
  ::kill(pid_t(mProcess.processId()), SIGTERM);
  QTimer::singleShot(kKillAfterMs, this, [this] {
    if (isRunning()) mProcess.kill();
  });
}

void JobRunner::readEvents() {
  mPending += mProcess.readAllStandardOutput();
  qsizetype newline;
  while ((newline = mPending.indexOf('\n')) >= 0) {
    const QByteArray line = mPending.left(newline).trimmed();
    mPending.remove(0, newline + 1);
    if (line.isEmpty()) continue;
    if (const std::optional<JobEvent> event = parseJobEvent(line.toStdString()))
      handle(*event);
    else
      Q_EMIT logged(QStringLiteral("info"), QString::fromUtf8(line));  // a stray print
  }
}

void JobRunner::handle(const JobEvent& event) {
  const auto q = [](const std::string& text) { return QString::fromStdString(text); };
  if (event.type == "progress") {
    Q_EMIT progressed(event.step, event.total, event.etaSeconds.value_or(-1.0), q(event.message));
  } else if (event.type == "metric") {
    Q_EMIT metricReported(q(event.name), event.value, event.step, q(event.split));
  } else if (event.type == "log") {
    Q_EMIT logged(q(event.level), q(event.text));
  } else if (event.type == "artifact") {
    Q_EMIT artifactProduced(q(event.path), q(event.kind));
  } else if (event.type == "finished") {
    mReportedStatus = q(event.status);
    mReportedError = q(event.error);
  }
}

void JobRunner::onExited(int exitCode, QProcess::ExitStatus exitStatus) {
  readEvents();
  if (!mReportedStatus.isEmpty()) {
    finish(mReportedStatus, mReportedError);
    return;
  }
  // No finished event: the process died (killed, out of memory, a crash).
  const QString tail = QString::fromLocal8Bit(mStderrTail).trimmed();
  const QString how = exitStatus == QProcess::CrashExit ? tr("the job crashed") : tr("the job exited with code %1").arg(exitCode);
  finish(QStringLiteral("failed"), tail.isEmpty() ? how : how + QStringLiteral(": ") + tail);
}

void JobRunner::finish(const QString& status, const QString& error) {
  if (!mStatus.isEmpty()) return;
  mStatus = status;
  mError = error;
  Q_EMIT finished(status, error);
}

}  // namespace prithvi
