#pragma once
// What is left when the GUI dies: a crash report, and the knowledge that the last session did not
// end cleanly so the next start can offer its project again (every edit is already in it).
//
// A running session is a marker file STATE/session-<pid>.txt holding the open project; a clean exit
// removes it. A fatal signal (SEGV, BUS, FPE, ILL, ABRT; abort() and uncaught exceptions included)
// writes STATE/crash-<UTC time>-<pid>.txt with the version, the project and a backtrace
// (backtrace(3), async-signal-safe after its first call), then dies as it would have. A marker
// whose process is gone, killed or crashed, is an unfinished session.

#include <functional>
#include <optional>
#include <string>

class QObject;

namespace prithvi {

struct UnfinishedSession {
  std::string project;      // "" when none was open
  std::string crashReport;  // "" when it was killed without a report (SIGKILL, power loss)
};

class CrashGuard {
 public:
  // Marks this session running and installs the handlers. One per process.
  explicit CrashGuard(std::string stateDir);
  ~CrashGuard();  // the clean exit: removes the marker
  CrashGuard(const CrashGuard&) = delete;
  CrashGuard& operator=(const CrashGuard&) = delete;

  // The project now open (recorded in the marker and in a report).
  void setProject(const std::string& project);

  // The most recent earlier session of a process that no longer runs, if any; forgets them all
  // (their markers go; their reports stay for the user).
  static std::optional<UnfinishedSession> takeUnfinished(const std::string& stateDir);

 private:
  std::string mStateDir;
  std::string mMarker;
};

// SIGTERM, SIGHUP and SIGINT (a logout, `kill`, Ctrl-C in the terminal) call `quit` through the
// event loop of `context`'s thread, so the session ends as if the window were closed (its marker
// removed, the window's state saved) instead of dying. Once per process.
void quitOnTerminationSignals(QObject* context, std::function<void()> quit);

}  // namespace prithvi
