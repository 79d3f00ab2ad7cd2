#pragma once
// Long work started from the window (import, fetch) with a modal progress dialog that can cancel
// it, listed in the jobs dock with its progress and how it ended.

#include <QApplication>
#include <QPointer>
#include <QProgressDialog>
#include <QThreadPool>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/base/Feedback.h"
#include "ui/Async.h"
#include "ui/JobsDock.h"

namespace prithvi {

// Runs `work` with a Feedback in the pool; `done` gets its result (or the error) on the GUI thread.
template <typename Result>
void runWithProgress(QWidget* parent, QThreadPool& pool, JobsDock* jobs, const QString& title, const QString& kind,
                     std::function<Result(Feedback&)> work,
                     std::function<void(std::optional<Result>, const std::string&)> done) {
  auto feedback = std::make_shared<Feedback>();
  const int task = jobs->trackTask(title, kind, feedback);
  QPointer<JobsDock> jobsGuard(jobs);
  auto* dialog = new QProgressDialog(title, QObject::tr("Cancel"), 0, 1000, parent);
  dialog->setWindowModality(Qt::WindowModal);
  dialog->setMinimumDuration(300);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  QPointer<QProgressDialog> guard(dialog);
  QObject::connect(dialog, &QProgressDialog::canceled, dialog, [feedback] { feedback->cancel(); });
  feedback->setProgressCallback([guard](int64_t step, int64_t total, const std::string& message) {
    QMetaObject::invokeMethod(
        qApp, [guard, step, total, message] {
          if (!guard) return;
          guard->setValue(total > 0 ? int(1000 * step / total) : 0);
          guard->setLabelText(QString::fromStdString(message));
        },
        Qt::QueuedConnection);
  });
  runAsync<Result>(
      pool, parent, [work, feedback] { return work(*feedback); },
      [guard, done, jobsGuard, task](std::optional<Result> result, const std::string& error) {
        if (guard) guard->close();
        if (jobsGuard)
          jobsGuard->endTask(task, result ? QStringLiteral("ok") : error == "canceled" ? QStringLiteral("canceled") : QStringLiteral("failed"),
                             QString::fromStdString(error));
        done(std::move(result), error);
      });
}

}  // namespace prithvi
