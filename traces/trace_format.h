// The trace file: a scenario plus what running it produced, as plain text
// a developer can read, edit and replay.
//
//   llsim-trace 1
//   core reference 3f2a...            (name and source sha256)
//   seed 42
//   hz 250
//   strategy random
//   schedule 12=1 40=0                (explicit scheduling decisions; absent: none)
//   alloc-fail 20000                  (allocation failures per million; absent: 0)
//   array mirrors=2 sectors=131072 lbs=512 space=256 daemon_sleep=5 ...
//   skip write-intent                 (properties the run did not check)
//   op +0us write 128 64
//   op +1500us crash random:50:20
//   expect-failure resync-completeness (or none: it should pass)
//   expect-hash 9c1e...
//
// '#' starts a comment. Parse errors name the line and what was wrong. A
// file must end with its expect lines (a passing one: 'expect-failure
// none'); ReadTraceFile rejects one that does not, as cut off.
#pragma once

#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "traces/scenario.h"

namespace llsim {

struct TraceFile {
  Scenario scenario;
  std::string core_name;
  std::string core_sha256;
  std::string expect_failure;  // property name, empty: expected to pass
  std::string expect_hash;     // hex event-stream hash, empty: not checked
  std::set<std::string> skip;  // properties not checked (run --skip)
};

std::string FormatTrace(const TraceFile& t);
absl::StatusOr<TraceFile> ParseTrace(const std::string& text, const std::string& origin);
absl::StatusOr<TraceFile> ReadTraceFile(const std::string& path);
absl::Status WriteTraceFile(const std::string& path, const TraceFile& t);

std::string FormatArrayConfig(const ArrayConfig& a);
absl::Status ParseArrayConfig(const std::string& text, ArrayConfig* a);

}  // namespace llsim
