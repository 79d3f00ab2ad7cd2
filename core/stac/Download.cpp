#include "core/stac/Download.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

#include <QFile>
#include <QFileInfo>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QThread>

#include "core/base/AtomicFile.h"
#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/base/NumberText.h"

namespace prithvi {

namespace {

constexpr int kProgressPollMs = 50;

std::string megabytes(int64_t bytes) { return fixedNumberText(double(bytes) / 1e6, 1) + " MB"; }

// What the workers share; the counters feed the progress the calling thread reports.
struct DownloadState {
  std::atomic<size_t> next{0};
  std::atomic<int64_t> received{0};  // for progress: bytes on disk, earlier runs' included
  std::atomic<int64_t> fetched{0};   // bytes this call received
  std::atomic<int64_t> knownTotal{0};  // sizes learned so far, files already there included
  std::atomic<int> finished{0};
  Feedback inner;  // canceled by the caller's cancel or by the first failure
  std::mutex mutex;
  std::exception_ptr firstError;
  std::vector<std::string> completed;  // files this call wrote
  DownloadSummary summary;
};

std::string partPathOf(const std::string& path) { return path + ".part"; }

void downloadOne(QNetworkAccessManager& network, const DownloadItem& item, const DownloadOptions& options,
                 DownloadState& state) {
  if (const QFileInfo existing(QString::fromStdString(item.path)); existing.exists()) {
    state.knownTotal += existing.size();
    state.received += existing.size();
    std::lock_guard lock(state.mutex);
    ++state.summary.alreadyThere;
    return;
  }
  const std::string part = partPathOf(item.path);
  QFile file(QString::fromStdString(part));
  if (!file.open(QIODevice::ReadWrite | QIODevice::Append)) throwWriteFailure(part, 0, file.errorString().toStdString());
  bool resumed = false;  // a Range request continued the file (a .part of an earlier run, a dropped connection)
  int64_t total = -1;
  int64_t counted = 0;  // of this file's bytes in state.received

  HttpRequest request;
  request.url = item.url;
  request.headers = {{"Accept", "*/*"}};
  request.hostOnlyHeaders = options.hostOnlyHeaders;
  request.service = options.service;
  request.refusedHint = options.refusedHint;
  HttpBodySink sink;
  sink.prepare = [&](HttpRequest& next) {
    std::erase_if(next.headers, [](const auto& header) { return header.first == "Range"; });
    if (file.size() > 0) {
      next.headers.emplace_back("Range", "bytes=" + QByteArray::number(file.size()) + "-");
      resumed = true;
    }
  };
  sink.begin = [&](int status, const QNetworkReply& reply) {
    const QByteArray range = reply.rawHeader("Content-Range");
    int64_t size = -1;
    if (status == 206) {
      if (contentRangeStart(range) != file.size())
        throwIo(options.service + " at " + item.url.toString().toStdString() + " sent bytes from " +
                std::to_string(contentRangeStart(range)) + " when those from " + std::to_string(file.size()) +
                " were asked for");
      size = contentRangeTotal(range);
    } else if (status == 416) {
      size = contentRangeTotal(range);
    } else {  // the whole file (a server without ranges answers 200 to a Range request)
      state.received -= counted;
      counted = 0;
      file.resize(0);
      const QVariant length = reply.header(QNetworkRequest::ContentLengthHeader);
      size = length.isValid() ? length.toLongLong() : -1;
    }
    if (total < 0 && size >= 0) {
      total = size;
      state.knownTotal += total;
    }
    if (counted == 0 && file.size() > 0) {  // the part an earlier run left counts as received
      counted = file.size();
      state.received += counted;
    }
  };
  sink.write = [&](const QByteArray& chunk) {
    if (file.write(chunk) != chunk.size()) throwWriteFailure(part, 0, file.errorString().toStdString());
    counted += chunk.size();
    state.received += chunk.size();
    state.fetched += chunk.size();
  };
  const HttpResponse response = sendWithRetries(network, request, options.retry, &state.inner, &sink);
  if (!file.flush()) throwWriteFailure(part, 0, file.errorString().toStdString());
  const int64_t size = file.size();
  file.close();
  if (response.status == 416 && size != total) {
    QFile::remove(QString::fromStdString(part));  // what it kept is not a start of this file
    throwIo(options.service + " refused the rest of " + item.url.toString().toStdString() +
            " (416): the partial download was removed; run the download again");
  }
  if (total >= 0 && size != total)
    throwIo(options.service + " at " + item.url.toString().toStdString() + " ended the file after " +
            std::to_string(size) + " of " + std::to_string(total) + " bytes; run the download again to resume it");
  publishNewFile(part, item.path);
  std::lock_guard lock(state.mutex);
  state.completed.push_back(item.path);
  ++state.summary.downloaded;
  state.summary.resumed += resumed;
}

void worker(const std::vector<DownloadItem>& items, const DownloadOptions& options, DownloadState& state) {
  QNetworkAccessManager network;
  for (size_t index = state.next++; index < items.size() && !state.inner.isCanceled(); index = state.next++) {
    try {
      downloadOne(network, items[index], options, state);
      ++state.finished;
    } catch (...) {
      std::lock_guard lock(state.mutex);
      if (!state.firstError && !state.inner.isCanceled()) state.firstError = std::current_exception();
      state.inner.cancel();  // the others stop: their .part files stay for a later call
      return;
    }
  }
}

int64_t rangeNumber(const QByteArray& header, bool wantTotal) {
  const QByteArray text = header.trimmed();
  if (!text.startsWith("bytes ")) return -1;
  const QByteArray spec = text.mid(6);
  const int slash = spec.indexOf('/');
  if (slash < 0) return -1;
  bool ok = false;
  if (wantTotal) {
    const qint64 total = spec.mid(slash + 1).toLongLong(&ok);
    return ok && total >= 0 ? total : -1;
  }
  const int dash = spec.indexOf('-');
  if (dash < 0 || dash > slash) return -1;
  const qint64 start = spec.left(dash).toLongLong(&ok);
  return ok && start >= 0 ? start : -1;
}

}  // namespace

int64_t contentRangeTotal(const QByteArray& header) { return rangeNumber(header, true); }
int64_t contentRangeStart(const QByteArray& header) { return rangeNumber(header, false); }

DownloadSummary downloadFiles(const std::vector<DownloadItem>& items, const DownloadOptions& options, Feedback* feedback) {
  DownloadState state;
  const int threads = std::clamp(options.parallel, 1, std::max(1, int(items.size())));
  std::vector<std::unique_ptr<QThread>> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back(QThread::create([&] { worker(items, options, state); }));
    workers.back()->start();
  }
  auto running = [&] {
    for (const auto& thread : workers)
      if (!thread->isFinished()) return true;
    return false;
  };
  while (running()) {
    if (isCanceled(feedback)) state.inner.cancel();
    reportProgress(feedback, state.received, std::max<int64_t>(state.knownTotal, 1),
                   megabytes(state.received) + " of " + megabytes(state.knownTotal) + ", " +
                       std::to_string(state.finished) + " of " + std::to_string(items.size()) + " files");
    std::this_thread::sleep_for(std::chrono::milliseconds(kProgressPollMs));
  }
  for (const auto& thread : workers) thread->wait();

  if (isCanceled(feedback)) {
    for (const DownloadItem& item : items) QFile::remove(QString::fromStdString(partPathOf(item.path)));
    for (const std::string& path : state.completed) QFile::remove(QString::fromStdString(path));
    throw Error(ErrorKind::Canceled, "canceled");
  }
  // Keep what a later call can resume; an empty .part (the request failed before any byte) is
  // nothing to resume.
  for (const DownloadItem& item : items)
    if (QFileInfo(QString::fromStdString(partPathOf(item.path))).size() == 0)
      QFile::remove(QString::fromStdString(partPathOf(item.path)));
  if (state.firstError) std::rethrow_exception(state.firstError);
  state.summary.bytes = state.fetched;
  return state.summary;
}

}  // namespace prithvi
