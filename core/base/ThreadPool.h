#pragma once
// A fixed set of long-lived worker threads: no thread is started per task.

#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

namespace prithvi {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return int(mThreads.size()); }
  std::future<void> submit(std::function<void()> task);
  // Runs task(i) for i in [0, count) on the pool and waits; rethrows the first exception.
  void parallelFor(int count, const std::function<void(int)>& task);

  // One pool for the process, sized to the machine's cores.
  static ThreadPool& global();

 private:
  void work();
  std::vector<std::thread> mThreads;
  std::queue<std::packaged_task<void()>> mTasks;
  std::mutex mMutex;
  std::condition_variable mWake;
  bool mStopping = false;
};

}  // namespace prithvi
