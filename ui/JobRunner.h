#pragma once
// One `prithvi <subcommand> --events jsonl` child process, read as the job protocol of
// ARCHITECTURE.md: progress, metrics, logs and artifacts arrive as signals on the GUI thread.
// A crashed child never takes the GUI down: it ends as `failed` with the tail of its stderr.

#include <QElapsedTimer>
#include <QObject>
#include <QProcess>
#include <QStringList>

namespace prithvi {

struct JobEvent;

class JobRunner : public QObject {
  Q_OBJECT
 public:
  // `arguments` follow `prithvi`: {"infer", "--model", ...}; --events jsonl is added.
  JobRunner(QString title, QStringList arguments, QObject* parent = nullptr);
  // A job still running when its runner goes (the window closes) is canceled, then killed.
  ~JobRunner() override;

  // The command-line program: $PRITHVI_CLI, else `prithvi` beside the running executable.
  static QString cliPath();

  void start();
  // Cooperative: SIGTERM, the job finishes its step (a trainer checkpoints) and ends as
  // `canceled`; killed when it has not ended 15 s later.
  void cancel();

  const QString& title() const { return mTitle; }
  const QStringList& arguments() const { return mArguments; }
  bool isRunning() const { return mProcess.state() != QProcess::NotRunning; }
  // "" while running, then ok | canceled | failed.
  const QString& status() const { return mStatus; }
  const QString& error() const { return mError; }
  double elapsedSeconds() const { return mClock.isValid() ? mClock.elapsed() / 1000.0 : 0.0; }

 Q_SIGNALS:
  void progressed(qint64 step, qint64 total, double etaSeconds, const QString& message);  // eta < 0: unknown
  void metricReported(const QString& name, double value, qint64 step, const QString& split);
  void logged(const QString& level, const QString& text);
  void artifactProduced(const QString& path, const QString& kind);
  void finished(const QString& status, const QString& error);

 private:
  void readEvents();
  void handle(const JobEvent& event);
  void onExited(int exitCode, QProcess::ExitStatus exitStatus);
  void finish(const QString& status, const QString& error);

  QString mTitle;
  QStringList mArguments;
  QProcess mProcess;
  QElapsedTimer mClock;
  QByteArray mPending;      // a partial stdout line
  QByteArray mStderrTail;   // the last few KB of stderr, for failures without a finished event
  QString mStatus;
  QString mError;
  QString mReportedStatus;  // from the finished event
  QString mReportedError;
};

}  // namespace prithvi
