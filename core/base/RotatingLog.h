#pragma once
// A program's log file that keeps a bounded history: when the file passes `maxBytes` it becomes
// NAME.1 (NAME.1 becomes NAME.2, ... the oldest beyond `keep` is deleted) and a new file starts.
// Lines are "2026-12-07T18:02:11Z level  text", UTC, written and flushed one at a time so a crash
// loses none that were written. Safe to use from several threads.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

class QFile;

namespace prithvi {

class RotatingLog {
 public:
  // Creates the folder when missing. Error(BadInput) when the file cannot be opened.
  RotatingLog(std::string path, std::int64_t maxBytes = 2 << 20, int keep = 3);
  ~RotatingLog();

  void append(const std::string& level, const std::string& text);
  const std::string& path() const { return mPath; }

 private:
  void openFile();
  void rotate();

  std::string mPath;
  std::int64_t mMaxBytes;
  int mKeep;
  std::mutex mMutex;
  std::unique_ptr<QFile> mFile;
};

}  // namespace prithvi
