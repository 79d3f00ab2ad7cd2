#include "core/base/RotatingLog.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>

#include "core/base/Error.h"

namespace prithvi {

namespace {
QString rotated(const std::string& path, int index) { return QString::fromStdString(path) + QLatin1Char('.') + QString::number(index); }
}  // namespace

RotatingLog::RotatingLog(std::string path, std::int64_t maxBytes, int keep)
    : mPath(std::move(path)), mMaxBytes(std::max<std::int64_t>(maxBytes, 1024)), mKeep(std::max(keep, 1)) {
  QDir().mkpath(QFileInfo(QString::fromStdString(mPath)).absolutePath());
  if (QFileInfo(QString::fromStdString(mPath)).size() >= mMaxBytes) rotate();
  openFile();
}

RotatingLog::~RotatingLog() = default;

void RotatingLog::openFile() {
  mFile = std::make_unique<QFile>(QString::fromStdString(mPath));
  if (!mFile->open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Text))
    throwBadInput("cannot write the log " + mPath + ": " + mFile->errorString().toStdString());
}

void RotatingLog::rotate() {
  if (mFile) mFile->close();
  QFile::remove(rotated(mPath, mKeep));
  for (int index = mKeep - 1; index >= 1; --index) QFile::rename(rotated(mPath, index), rotated(mPath, index + 1));
  QFile::rename(QString::fromStdString(mPath), rotated(mPath, 1));
}

void RotatingLog::append(const std::string& level, const std::string& text) {
  const QByteArray line = QDateTime::currentDateTimeUtc().toString(Qt::ISODate).toUtf8() + ' ' +
                          QByteArray::fromStdString(level).leftJustified(7) + ' ' + QByteArray::fromStdString(text) + '\n';
  std::lock_guard lock(mMutex);
  if (mFile->size() > 0 && mFile->size() + line.size() > mMaxBytes) {
    rotate();
    openFile();
  }
  mFile->write(line);
  mFile->flush();
}

}  // namespace prithvi
