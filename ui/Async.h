#pragma once
// Runs work on a thread pool and hands its result to a callback on the GUI thread, unless the
// receiving object is gone by then. Exceptions become an error string for the callback.

#include <QMetaObject>
#include <QPointer>
#include <QThreadPool>
#include <exception>
#include <functional>
#include <optional>
#include <string>

namespace prithvi {

template <typename Result>
void runAsync(QThreadPool& pool, QObject* receiver, std::function<Result()> work,
              std::function<void(std::optional<Result>, const std::string& error)> done) {
  QPointer<QObject> guard(receiver);
  pool.start([guard, work = std::move(work), done = std::move(done)] {
    std::optional<Result> result;
    std::string error;
    try {
      result = work();
    } catch (const std::exception& failure) {
      error = failure.what();
    }
    if (!guard) return;
    QMetaObject::invokeMethod(
        guard.data(), [guard, done, result = std::move(result), error] {
          if (guard) done(result, error);
        },
        Qt::QueuedConnection);
  });
}

}  // namespace prithvi
