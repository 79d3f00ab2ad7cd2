#include "core/base/ThreadPool.h"

#include <atomic>

namespace prithvi {

ThreadPool::ThreadPool(int threads) {
  for (int i = 0; i < std::max(1, threads); ++i) mThreads.emplace_back([this] { work(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mMutex);
    mStopping = true;
  }
  mWake.notify_all();
  for (auto& thread : mThreads) thread.join();
}

void ThreadPool::work() {
  for (;;) {
    std::packaged_task<void()> task;
    {
      std::unique_lock lock(mMutex);
      mWake.wait(lock, [this] { return mStopping || !mTasks.empty(); });
      if (mTasks.empty()) return;
      task = std::move(mTasks.front());
      mTasks.pop();
    }
    task();
  }
}

std::future<void> ThreadPool::submit(std::function<void()> task) {
  std::packaged_task<void()> packaged(std::move(task));
  std::future<void> result = packaged.get_future();
  {
    std::lock_guard lock(mMutex);
    mTasks.push(std::move(packaged));
  }
  mWake.notify_one();
  return result;
}

void ThreadPool::parallelFor(int count, const std::function<void(int)>& task) {
  // The caller works too, taking indices from the same counter as the helpers: when each task
  // is quick (a chip from a warm cache) it finishes nearly alone instead of waiting on wake-ups.
  std::atomic<int> next{0};
  std::exception_ptr failure;
  std::mutex failureMutex;
  auto drain = [&] {
    for (int i = next++; i < count; i = next++) {
      try {
        task(i);
      } catch (...) {
        std::lock_guard lock(failureMutex);
        if (!failure) failure = std::current_exception();
      }
    }
  };
  std::vector<std::future<void>> helpers;
  for (int h = 0; h < std::min(size(), count - 1); ++h) helpers.push_back(submit(drain));
  drain();
  for (auto& helper : helpers) helper.wait();
  if (failure) std::rethrow_exception(failure);
}

ThreadPool& ThreadPool::global() {
  static ThreadPool pool(int(std::max(2u, std::thread::hardware_concurrency())));
  return pool;
}

}  // namespace prithvi
