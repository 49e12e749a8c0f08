// Reading what `gcov --json-format --stdout -b -c` prints (gcc 9 and later)
// for the core's object: the line, branch and function counts of the core
// source file alone. The same object also carries the kernel shim's
// static inline functions, filed under their headers; those are the
// harness, not the core, and are left out.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace llsim {

struct LineCount {
  int line = 0;
  uint64_t count = 0;
  // Times each branch arc out of the line was taken. Exception arcs (the
  // core is built with -fexceptions so fibers can unwind through it) are
  // left out: C code never throws, they can only ever be 0.
  std::vector<uint64_t> branches;
};

struct FunctionCount {
  std::string name;
  int start_line = 0, end_line = 0;
  uint64_t calls = 0;
};

struct FileCoverage {
  std::string file;               // as gcov names it
  std::vector<LineCount> lines;   // lines with code, by line number
  std::vector<FunctionCount> functions;  // by start line
};

// `source_name` is the core file's base name (md-llbitmap.c); the entry of
// that name is returned. An error when the text is not gcov JSON or has no
// such file.
absl::StatusOr<FileCoverage> ParseGcovJson(const std::string& json,
                                           const std::string& source_name);

}  // namespace llsim
