// What a dead child process means as a failure. A crash (a signal, or a
// sanitizer report and its exit) is a `safety` failure; a child the
// watchdog had to kill is `liveness`. The message's first line is stable
// (the signature is made from it): the signal or sanitizer error and the
// top functions of the core under test, innermost first; the lines after
// it are the symbolized frames with files and lines, for people.
#pragma once

#include <string>
#include <vector>

#include "ci/campaign/child_process.h"
#include "properties/verdict.h"

namespace llsim {

struct Frame {
  std::string function;
  std::string file;  // as the debug info names it, may be empty
  int line = 0;
};

// Frames of this binary at these addresses (the child's, which are this
// process's), via addr2line when it is installed, else the dynamic symbols.
std::vector<Frame> Symbolize(const std::vector<uintptr_t>& addresses);

// `watchdog_seconds`: the limit the parent enforced (for the message).
Verdict CrashVerdict(const ChildEnd& end, double watchdog_seconds);

// The frames a sanitizer report lists ("#3 0x... in fn file:line").
std::vector<Frame> SanitizerFrames(const std::string& report);

}  // namespace llsim
