#include "core/jobs/JobCommands.h"

#include <QFile>
#include <QProcess>
#include <QString>
#include <QStringList>

#include <algorithm>

#include "core/base/Error.h"

namespace prithvi::jobs {

std::string CommandRun::message() const { return trimmed(err.empty() || trimmed(err).empty() ? out : err); }

CommandRun runProgram(const std::string& program, const std::vector<std::string>& arguments, int timeoutMs,
                      const std::string& packageHint) {
  CommandRun run;
  QStringList list;
  for (const auto& argument : arguments) list << QString::fromStdString(argument);
  QProcess process;
  process.start(QString::fromStdString(program), list);
  if (!process.waitForStarted(30000)) {
    run.err = "cannot run " + program + ": " + process.errorString().toStdString() +
              (packageHint.empty() ? "" : " (install " + packageHint + ")");
    return run;
  }
  run.started = true;
  process.closeWriteChannel();
  if (!process.waitForFinished(timeoutMs < 0 ? -1 : timeoutMs)) {
    process.kill();
    process.waitForFinished(5000);
    run.timedOut = true;
    run.err = program + " did not finish within " + std::to_string(timeoutMs / 1000) + " s";
    return run;
  }
  run.code = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
  run.out = process.readAllStandardOutput().toStdString();
  run.err = process.readAllStandardError().toStdString();
  if (run.code == -1 && run.err.empty()) run.err = program + " crashed";
  return run;
}

CommandRun runProgramChecked(const std::string& program, const std::vector<std::string>& arguments, int timeoutMs,
                             const std::string& what, const std::string& packageHint) {
  CommandRun run = runProgram(program, arguments, timeoutMs, packageHint);
  if (!run.started || run.timedOut) throwIo(what + " failed: " + run.err);
  if (run.code != 0) throwIo(what + " failed (" + program + " exit code " + std::to_string(run.code) + "): " + run.message());
  return run;
}

std::string shellQuote(const std::string& word) {
  if (!word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               std::string("_@%+=:,./-").find(c) != std::string::npos;
      }))
    return word;
  std::string quoted = "'";
  for (char c : word) {
    if (c == '\'') quoted += "'\\''";
    else quoted += c;
  }
  return quoted + "'";
}

std::string shellJoin(const std::vector<std::string>& words) {
  std::string line;
  for (const auto& word : words) line += (line.empty() ? "" : " ") + shellQuote(word);
  return line;
}

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

std::string valueOr(const std::map<std::string, std::string>& options, const std::string& key, const std::string& fallback) {
  const auto found = options.find(key);
  return found == options.end() || found->second.empty() ? fallback : found->second;
}

bool isAllDigits(const std::string& text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string readOutputFile(const std::string& path) {
  QFile file(QString::fromStdString(path));
  if (!file.exists()) return {};
  if (!file.open(QIODevice::ReadOnly)) throwIo("cannot read " + path + ": " + file.errorString().toStdString());
  return file.readAll().toStdString();
}

}  // namespace prithvi::jobs
