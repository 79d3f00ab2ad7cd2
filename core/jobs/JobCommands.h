#pragma once
// What every launch backend does with the programs it drives (sbatch, ssh, rsync, kubectl, sh):
// run one to the end with a time limit, quote words for a POSIX shell, read options. One copy
// here so every backend reports a missing program or a hung command the same way.

#include <map>
#include <string>
#include <vector>

namespace prithvi::jobs {

struct CommandRun {
  bool started = false;  // false: the program could not be started (err says why)
  bool timedOut = false;
  int code = -1;         // exit code; -1 when it crashed, timed out or never started
  std::string out, err;
  bool ok() const { return started && !timedOut && code == 0; }
  // The program's own explanation: stderr, else stdout, trimmed.
  std::string message() const;
};

// Runs `program arguments...` with stdin closed; kills it after `timeoutMs` (< 0: no limit).
// `packageHint` names what to install when the program is missing ("openssh-client").
CommandRun runProgram(const std::string& program, const std::vector<std::string>& arguments, int timeoutMs,
                      const std::string& packageHint = {});
// The same, Error(Io) "<what> failed (<program> exit code N): <message>" unless it exits 0.
CommandRun runProgramChecked(const std::string& program, const std::vector<std::string>& arguments, int timeoutMs,
                             const std::string& what, const std::string& packageHint = {});

// `word` as one word for a POSIX shell: unchanged when made of safe characters, else in single
// quotes.
std::string shellQuote(const std::string& word);
// A command line of shell-quoted words.
std::string shellJoin(const std::vector<std::string>& words);

std::string trimmed(const std::string& text);
// options[key], or `fallback` when it is missing or empty.
std::string valueOr(const std::map<std::string, std::string>& options, const std::string& key,
                    const std::string& fallback = {});
bool isAllDigits(const std::string& text);
// A job's output file as it is now: empty when it does not exist yet, Error(Io) when unreadable.
std::string readOutputFile(const std::string& path);

}  // namespace prithvi::jobs
