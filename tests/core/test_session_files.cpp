// The GUI's files in the user's state folder: the rotating log and the markers of running
// sessions (the crash itself is tested on the real program in ui_test_main_window).
#include <signal.h>
#include <unistd.h>

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include "core/base/Assets.h"
#include "core/base/CrashGuard.h"
#include "core/base/RotatingLog.h"

using namespace prithvi;

namespace {
QString read(const QString& path) {
  QFile file(path);
  return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
}
}  // namespace

class SessionFilesTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void logRotatesAndKeepsTheNewestLines() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("logs/app.log"));
    {
      RotatingLog log(path.toStdString(), 1024, 2);
      for (int line = 0; line < 100; ++line) log.append("info", "line " + std::to_string(line) + std::string(30, '.'));
    }
    QVERIFY(QFile::exists(path));
    QVERIFY(QFile::exists(path + QStringLiteral(".1")));
    QVERIFY(QFile::exists(path + QStringLiteral(".2")));
    QVERIFY(!QFile::exists(path + QStringLiteral(".3")));  // the oldest beyond `keep` went
    for (const QString& file : {path, path + QStringLiteral(".1"), path + QStringLiteral(".2")})
      QVERIFY(QFileInfo(file).size() <= 1024);
    // Oldest to newest, the kept files hold consecutive lines ending with the last one written.
    const QStringList lines = (read(path + QStringLiteral(".2")) + read(path + QStringLiteral(".1")) + read(path))
                                  .split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QVERIFY(lines.size() > 20);
    QVERIFY2(lines.back().contains(QStringLiteral("info    line 99.")), qPrintable(lines.back()));
    const int first = lines.front().section(QStringLiteral("line "), 1).section(QLatin1Char('.'), 0, 0).toInt();
    for (int index = 0; index < lines.size(); ++index)
      QVERIFY2(lines[index].contains(QStringLiteral("line %1.").arg(first + index)), qPrintable(lines[index]));
    QVERIFY(QDateTime::fromString(lines.back().section(QLatin1Char(' '), 0, 0), Qt::ISODate).isValid());

    // A new session appends; one that finds the file full rotates first.
    RotatingLog again(path.toStdString(), 1024, 2);
    again.append("warning", "after reopening");
    QVERIFY(read(path).endsWith(QStringLiteral("after reopening\n")));
  }

  void unfinishedSessionsAreThoseOfGoneProcesses() {
    QTemporaryDir dir;
    const std::string state = dir.path().toStdString();
    QVERIFY(!CrashGuard::takeUnfinished(state));
    // No process runs with pid 999999 (checked: pid_max may be as high as 4194304).
    QVERIFY(::kill(999999, 0) != 0);
    auto write = [&](const QString& name, const QByteArray& text) {
      QFile file(dir.filePath(name));
      QVERIFY(file.open(QIODevice::WriteOnly));
      file.write(text);
    };
    write(QStringLiteral("session-%1.txt").arg(999999), "/data/a.gpkg\n");
    write(QStringLiteral("crash-20261207-101010-%1.txt").arg(999999), "report");
    write(QStringLiteral("session-%1.txt").arg(::getpid()), "/data/still-open.gpkg\n");  // this process runs
    const auto unfinished = CrashGuard::takeUnfinished(state);
    QVERIFY(unfinished);
    QCOMPARE(unfinished->project, std::string("/data/a.gpkg"));
    QCOMPARE(QString::fromStdString(unfinished->crashReport), dir.filePath(QStringLiteral("crash-20261207-101010-999999.txt")));
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("session-999999.txt"))));
    QVERIFY(QFile::exists(dir.filePath(QStringLiteral("session-%1.txt").arg(::getpid()))));
    QVERIFY(QFile::exists(dir.filePath(QStringLiteral("crash-20261207-101010-999999.txt"))));  // reports stay
    QVERIFY(!CrashGuard::takeUnfinished(state));
  }

  void guardMarksTheSessionAndACleanExitRemovesIt() {
    QTemporaryDir dir;
    const QString marker = dir.filePath(QStringLiteral("state/session-%1.txt").arg(::getpid()));
    {
      CrashGuard guard(dir.filePath(QStringLiteral("state")).toStdString());
      QCOMPARE(read(marker), QStringLiteral("\n"));
      guard.setProject("/data/field survey.gpkg");
      QCOMPARE(read(marker), QStringLiteral("/data/field survey.gpkg\n"));
    }
    QVERIFY(!QFile::exists(marker));
  }

  void userFoldersFollowXdg() {
    const QByteArray saved = qgetenv("XDG_STATE_HOME");
    qputenv("XDG_STATE_HOME", "/srv/state");
    QCOMPARE(userStateDir(), std::string("/srv/state/prithvi-studio"));
    qputenv("XDG_STATE_HOME", "relative/ignored");  // the specification ignores relative paths
    QCOMPARE(QString::fromStdString(userStateDir()), QDir::homePath() + QStringLiteral("/.local/state/prithvi-studio"));
    if (saved.isEmpty()) qunsetenv("XDG_STATE_HOME"); else qputenv("XDG_STATE_HOME", saved);
    QCOMPARE(defaultDemoDir(), userDataDir() + "/demo");
    // The build tree mirrors the installed share folder (packaging/CMakeLists.txt).
    QVERIFY(QFileInfo::exists(QString::fromStdString(assetPath("tasks/flood.json"))));
    QCOMPARE(QString::fromStdString(assetPath("tasks/flood.json")),
             QFileInfo(QString::fromStdString(sharedDataDir() + "/assets/tasks/flood.json")).absoluteFilePath());
  }
};

QTEST_GUILESS_MAIN(SessionFilesTest)
#include "test_session_files.moc"
