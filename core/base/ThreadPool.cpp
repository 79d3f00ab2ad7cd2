#include "core/base/ThreadPool.h"

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
  std::vector<std::future<void>> pending;
  pending.reserve(count);
  for (int i = 0; i < count; ++i) pending.push_back(submit([&task, i] { task(i); }));
  for (auto& future : pending) future.wait();
  for (auto& future : pending) future.get();  // rethrows the first failure
}

ThreadPool& ThreadPool::global() {
  static ThreadPool pool(int(std::max(2u, std::thread::hardware_concurrency())));
  return pool;
}

}  // namespace prithvi
