#include "tests/support/StacFixture.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>

namespace prithvi::test {

QStringList FixtureProcess::start(const QString& script, QStringList arguments, const QByteArray& prefix) {
  arguments.prepend(QStringLiteral(PRITHVI_SOURCE_DIR "/tests/core/fixtures/") + script);
  arguments << QStringLiteral("--log") << logPath();
  mProcess.start(QStringLiteral("/usr/bin/python3"), arguments);
  if (!mProcess.waitForStarted(10000)) {
    mError = QStringLiteral("cannot start /usr/bin/python3: ") + mProcess.errorString();
    return {};
  }
  QElapsedTimer timer;
  timer.start();
  while (!mProcess.canReadLine() && timer.elapsed() < 15000 && mProcess.state() == QProcess::Running)
    mProcess.waitForReadyRead(200);
  const QByteArray line = mProcess.readLine().trimmed();
  if (!line.startsWith(prefix + ' ')) {
    mError = script + QStringLiteral(" did not start: ") + QString::fromUtf8(mProcess.readAllStandardError());
    return {};
  }
  return QString::fromLatin1(line.mid(prefix.size() + 1)).split(QLatin1Char(' '), Qt::SkipEmptyParts);
}

FixtureProcess::~FixtureProcess() {
  if (mProcess.state() == QProcess::NotRunning) return;
  mProcess.closeWriteChannel();  // the server stops when its stdin closes
  if (!mProcess.waitForFinished(5000)) {
    mProcess.kill();
    mProcess.waitForFinished(5000);
  }
}

std::vector<QJsonObject> FixtureProcess::requests() const {
  std::vector<QJsonObject> entries;
  QFile log(logPath());
  if (!log.open(QIODevice::ReadOnly)) return entries;
  for (const QByteArray& line : log.readAll().split('\n'))
    if (!line.trimmed().isEmpty()) entries.push_back(QJsonDocument::fromJson(line).object());
  return entries;
}

StacFixtureServer::StacFixtureServer(const Options& options) {
  QStringList arguments{QStringLiteral("--items"), QString::number(options.items),
                        QStringLiteral("--flavor"), options.flavor,
                        QStringLiteral("--faults"), QString::fromUtf8(QJsonDocument(options.faults).toJson(QJsonDocument::Compact)),
                        QStringLiteral("--max-seconds"), QString::number(options.maxSeconds)};
  if (options.ignoreQuery) arguments << QStringLiteral("--ignore-query");
  if (!options.granulesDir.isEmpty())
    arguments << QStringLiteral("--granules-dir") << options.granulesDir << QStringLiteral("--data-url") << options.dataUrl;
  const QStringList where = start(QStringLiteral("stac_server.py"), arguments, "PORT");
  if (where.size() == 1) mUrl = QStringLiteral("http://127.0.0.1:") + where.front();
}

std::vector<QJsonObject> StacFixtureServer::requestsOfPage(int page) const {
  std::vector<QJsonObject> entries;
  for (const QJsonObject& entry : requests())
    if (entry.value(QStringLiteral("page")).toInt() == page) entries.push_back(entry);
  return entries;
}

HlsDataServer::HlsDataServer(const Options& options) {
  QStringList arguments{QStringLiteral("--root"), options.root,
                        QStringLiteral("--token"), options.token,
                        QStringLiteral("--faults"), QString::fromUtf8(QJsonDocument(options.faults).toJson(QJsonDocument::Compact)),
                        QStringLiteral("--delay-ms"), QString::number(options.delayMs),
                        QStringLiteral("--max-seconds"), QString::number(options.maxSeconds)};
  if (options.noAuth) arguments << QStringLiteral("--no-auth");
  if (options.sas) arguments << QStringLiteral("--sas");
  if (!options.ursLogin.isEmpty()) arguments << QStringLiteral("--urs-login") << options.ursLogin;
  arguments << options.extraArguments;
  const QStringList ports = start(QStringLiteral("hls_data_server.py"), arguments, "PORTS");
  if (ports.size() != 2) {
    if (mError.isEmpty()) mError = QStringLiteral("hls_data_server.py printed no ports");
    return;
  }
  mUrl = QStringLiteral("http://127.0.0.1:") + ports[0];
  mSigned = QStringLiteral("127.0.0.2:") + ports[1];
}

}  // namespace prithvi::test
