#pragma once
// How the benchmarks time work: the median of repeated runs, in milliseconds.

#include <QElapsedTimer>
#include <algorithm>
#include <vector>

namespace prithvi::bench {

template <typename Work>
double medianMs(int repeats, Work&& work) {
  std::vector<double> ms;
  QElapsedTimer timer;
  for (int r = 0; r < std::max(1, repeats); ++r) {
    timer.start();
    work();
    ms.push_back(timer.nsecsElapsed() / 1e6);
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

}  // namespace prithvi::bench
