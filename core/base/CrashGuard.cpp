#include "core/base/CrashGuard.h"

#include <execinfo.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSocketNotifier>
#include <cerrno>
#include <cstring>

#include "core/base/AtomicFile.h"
#include "core/base/BuildInfo.h"

namespace prithvi {

namespace {

constexpr int kFatalSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};

// Filled before any crash, read by the handler (which may only call async-signal-safe functions).
char gReportPath[4096];
char gHeader[8192];

const char* signalName(int signal) {
  switch (signal) {
    case SIGSEGV: return "SIGSEGV (invalid memory access)";
    case SIGBUS: return "SIGBUS (bus error)";
    case SIGFPE: return "SIGFPE (arithmetic error)";
    case SIGILL: return "SIGILL (illegal instruction)";
    case SIGABRT: return "SIGABRT (abort: a failed check or an uncaught exception)";
    default: return "a fatal signal";
  }
}

void writeAll(int fd, const char* text) {
  std::size_t left = std::strlen(text);
  while (left > 0) {
    const ssize_t written = ::write(fd, text, left);
    if (written <= 0) return;
    text += written;
    left -= std::size_t(written);
  }
}

void onFatalSignal(int signal) {
  const int fd = ::open(gReportPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd >= 0) {
    writeAll(fd, gHeader);
    writeAll(fd, "signal: ");
    writeAll(fd, signalName(signal));
    writeAll(fd, "\n\nbacktrace (innermost first; name a frame of the program with\n"
                 "`addr2line -Cfie /usr/bin/prithvi-studio 0x<offset>` and its debug symbols):\n");
    void* frames[128];
    backtrace_symbols_fd(frames, backtrace(frames, 128), fd);
    ::fsync(fd);
    ::close(fd);
  }
  // Die as the signal would have (exit status, core dump).
  ::signal(signal, SIG_DFL);
  ::raise(signal);
}

void copyInto(char* buffer, std::size_t size, const std::string& text) {
  const std::size_t length = std::min(text.size(), size - 1);
  std::memcpy(buffer, text.data(), length);
  buffer[length] = '\0';
}

QString markerPath(const std::string& stateDir, qint64 pid) {
  return QString::fromStdString(stateDir) + QStringLiteral("/session-%1.txt").arg(pid);
}

// The self-pipe of quitOnTerminationSignals: the handler only writes a byte.
int gTerminationPipe[2] = {-1, -1};

void onTerminationSignal(int) {
  const char byte = 1;
  [[maybe_unused]] const ssize_t written = ::write(gTerminationPipe[0], &byte, 1);
}

bool processRuns(qint64 pid) { return pid > 0 && (::kill(pid_t(pid), 0) == 0 || errno == EPERM); }

}  // namespace

CrashGuard::CrashGuard(std::string stateDir) : mStateDir(std::move(stateDir)) {
  QDir().mkpath(QString::fromStdString(mStateDir));
  const qint64 pid = ::getpid();
  mMarker = markerPath(mStateDir, pid).toStdString();
  const QString stamp = QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmmss"));
  copyInto(gReportPath, sizeof gReportPath,
           mStateDir + "/crash-" + stamp.toStdString() + "-" + std::to_string(pid) + ".txt");
  setProject("");
  void* warmUp[1];
  backtrace(warmUp, 1);  // loads libgcc's unwinder now, not inside the handler
  struct sigaction action {};
  action.sa_handler = onFatalSignal;
  sigemptyset(&action.sa_mask);
  for (int signal : kFatalSignals) sigaction(signal, &action, nullptr);
}

CrashGuard::~CrashGuard() {
  struct sigaction action {};
  action.sa_handler = SIG_DFL;
  for (int signal : kFatalSignals) sigaction(signal, &action, nullptr);
  QFile::remove(QString::fromStdString(mMarker));
}

void CrashGuard::setProject(const std::string& project) {
  writeFileAtomically(mMarker, project + "\n");
  copyInto(gHeader, sizeof gHeader,
           versionReport("prithvi-studio") + "\npid: " + std::to_string(::getpid()) + "\nproject: " +
               (project.empty() ? "(none)" : project) + "\n");
}

std::optional<UnfinishedSession> CrashGuard::takeUnfinished(const std::string& stateDir) {
  const QDir dir(QString::fromStdString(stateDir));
  std::optional<UnfinishedSession> latest;
  QDateTime latestTime;
  for (const QFileInfo& marker : dir.entryInfoList({QStringLiteral("session-*.txt")}, QDir::Files)) {
    bool ok = false;
    const qint64 pid = marker.completeBaseName().mid(8).toLongLong(&ok);
    if (!ok || processRuns(pid)) continue;  // another window that is still open
    QFile file(marker.absoluteFilePath());
    UnfinishedSession session;
    if (file.open(QIODevice::ReadOnly)) session.project = QString::fromUtf8(file.readLine()).trimmed().toStdString();
    const QFileInfoList reports = dir.entryInfoList({QStringLiteral("crash-*-%1.txt").arg(pid)}, QDir::Files, QDir::Time);
    if (!reports.isEmpty()) session.crashReport = reports.front().absoluteFilePath().toStdString();
    if (!latest || marker.lastModified() > latestTime) {
      latest = session;
      latestTime = marker.lastModified();
    }
    QFile::remove(marker.absoluteFilePath());
  }
  return latest;
}

void quitOnTerminationSignals(QObject* context, std::function<void()> quit) {
  if (gTerminationPipe[0] >= 0 || ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, gTerminationPipe) != 0) return;
  auto* notifier = new QSocketNotifier(gTerminationPipe[1], QSocketNotifier::Read, context);
  QObject::connect(notifier, &QSocketNotifier::activated, context, [quit = std::move(quit)] {
    char byte;
    [[maybe_unused]] const ssize_t got = ::read(gTerminationPipe[1], &byte, 1);
    quit();
  });
  struct sigaction action {};
  action.sa_handler = onTerminationSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  for (int signal : {SIGTERM, SIGHUP, SIGINT}) sigaction(signal, &action, nullptr);
}

}  // namespace prithvi
