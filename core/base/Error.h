#pragma once
// One error type for core. The kind decides the CLI exit code and how the GUI presents it;
// the message is written for the user and says what to fix.

#include <stdexcept>
#include <string>

namespace prithvi {

enum class ErrorKind {
  BadInput,  // the user's data is unusable (corrupt, wrong shape, wrong kind of file)
  Usage,     // the request itself is wrong (bad option value, missing argument)
  Io,        // the system failed us (disk full, permission denied, busy database)
  Canceled,  // the user asked to stop
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), mKind(kind) {}
  ErrorKind kind() const { return mKind; }

 private:
  ErrorKind mKind;
};

[[noreturn]] inline void throwBadInput(const std::string& message) {
  throw Error(ErrorKind::BadInput, message);
}
[[noreturn]] inline void throwUsage(const std::string& message) {
  throw Error(ErrorKind::Usage, message);
}
[[noreturn]] inline void throwIo(const std::string& message) { throw Error(ErrorKind::Io, message); }

}  // namespace prithvi
