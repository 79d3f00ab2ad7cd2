#include "tests/support/StacFixture.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>

namespace prithvi::test {

StacFixtureServer::StacFixtureServer(const Options& options) {
  QStringList arguments{QStringLiteral(PRITHVI_SOURCE_DIR "/tests/core/fixtures/stac_server.py"),
                        QStringLiteral("--items"), QString::number(options.items),
                        QStringLiteral("--flavor"), options.flavor,
                        QStringLiteral("--faults"), QString::fromUtf8(QJsonDocument(options.faults).toJson(QJsonDocument::Compact)),
                        QStringLiteral("--log"), mDir.filePath(QStringLiteral("requests.jsonl")),
                        QStringLiteral("--max-seconds"), QString::number(options.maxSeconds)};
  if (options.ignoreQuery) arguments << QStringLiteral("--ignore-query");
  mProcess.start(QStringLiteral("/usr/bin/python3"), arguments);
  if (!mProcess.waitForStarted(10000)) {
    mError = QStringLiteral("cannot start /usr/bin/python3: ") + mProcess.errorString();
    return;
  }
  // The first line says where it listens.
  QElapsedTimer timer;
  timer.start();
  while (!mProcess.canReadLine() && timer.elapsed() < 15000 && mProcess.state() == QProcess::Running)
    mProcess.waitForReadyRead(200);
  const QByteArray line = mProcess.readLine().trimmed();
  if (!line.startsWith("PORT ")) {
    mError = QStringLiteral("the STAC fixture did not start: ") + QString::fromUtf8(mProcess.readAllStandardError());
    return;
  }
  mUrl = QStringLiteral("http://127.0.0.1:") + QString::fromLatin1(line.mid(5));
}

StacFixtureServer::~StacFixtureServer() {
  if (mProcess.state() == QProcess::NotRunning) return;
  mProcess.closeWriteChannel();  // the server stops when its stdin closes
  if (!mProcess.waitForFinished(5000)) {
    mProcess.kill();
    mProcess.waitForFinished(5000);
  }
}

std::vector<QJsonObject> StacFixtureServer::requests() const {
  std::vector<QJsonObject> entries;
  QFile log(mDir.filePath(QStringLiteral("requests.jsonl")));
  if (!log.open(QIODevice::ReadOnly)) return entries;
  for (const QByteArray& line : log.readAll().split('\n'))
    if (!line.trimmed().isEmpty()) entries.push_back(QJsonDocument::fromJson(line).object());
  return entries;
}

std::vector<QJsonObject> StacFixtureServer::requestsOfPage(int page) const {
  std::vector<QJsonObject> entries;
  for (const QJsonObject& entry : requests())
    if (entry.value(QStringLiteral("page")).toInt() == page) entries.push_back(entry);
  return entries;
}

}  // namespace prithvi::test
