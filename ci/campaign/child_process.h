// Running work in a forked child process, so that whatever it does to its
// process (a NULL dereference in kernel code, a sanitizer abort, a core
// that corrupts its own statics, a loop that never returns) cannot reach
// the caller. The child writes records on a pipe as it goes; a crash
// handler in the child adds its signal and backtrace to the same pipe, and
// its stderr (where a sanitizer reports) can be kept in a file. The child
// is a copy of this process, so no exec and no set-up is needed, and its
// code addresses are this process's: the parent symbolizes them.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace llsim {

struct ChildOptions {
  // Keep the child's stderr in a file (read back by ChildEnd::stderr_text)
  // instead of sharing the caller's.
  bool capture_stderr = true;
  // Campaign workers ignore Ctrl-C: the parent stops them and keeps what
  // they reported. Otherwise the child dies with the terminal's group.
  bool ignore_interrupts = false;
};

// How a child ended.
struct ChildEnd {
  bool completed = false;        // the body returned (its end record arrived)
  int code = 0;                  // the body's return value, when completed
  int signal = 0;                // the signal that killed it, 0 if none
  int exit_status = -1;          // exit status of a child that did not complete
  bool killed = false;           // stopped by the parent (watchdog, interrupt)
  std::vector<uintptr_t> frames;  // the crash handler's backtrace, innermost first
  std::string stderr_text;        // captured stderr (a sanitizer report)
};

class Child {
 public:
  // Forks. The child runs body(record_fd), writes its end record and exits
  // with the body's return value. A fork failure returns null.
  static std::unique_ptr<Child> Start(const std::function<int(int record_fd)>& body,
                                      const ChildOptions& opts = {});
  ~Child();

  pid_t Pid() const { return pid_; }
  int Fd() const { return fd_; }
  // Reads what is available without blocking; false once the pipe is closed.
  bool ReadAvailable();
  // The child's records so far, crash handler lines and end record removed.
  const std::string& Records() const { return records_; }
  // Hands over the records so far and forgets them (a long-lived worker's
  // records would otherwise pile up).
  std::string TakeRecords() { return std::exchange(records_, std::string()); }
  void Kill();
  // Reads to the end of the pipe and reaps the child.
  ChildEnd Wait();

 private:
  Child() = default;
  void Consume(const char* data, size_t n);

  pid_t pid_ = -1;
  int fd_ = -1;
  int stderr_fd_ = -1;
  bool eof_ = false;
  bool killed_ = false;
  std::string pending_;  // an unfinished line
  std::string records_;
  ChildEnd end_;
};

// Runs body in a child and waits; `watchdog_seconds` > 0 kills a child that
// has not finished by then (real time: only for a child that never ends).
ChildEnd RunInChild(const std::function<int(int record_fd)>& body, const ChildOptions& opts,
                    double watchdog_seconds, std::string* records);

// Writes all of `s` to fd (a record pipe); retries short writes.
void WriteRecord(int fd, const std::string& s);

}  // namespace llsim
