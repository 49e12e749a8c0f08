// Runs one scenario against the core linked into this binary, on a fresh
// simulated world, and decides: the step invariants watch every step, the
// end-to-end checks run at each settle and at the end, and scheduler and
// shim failures (deadlock, hang, misuse, WARN, leaks) are reported too.
// Same scenario, same core: byte-identical event stream.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "properties/verdict.h"
#include "sim/event_log.h"
#include "traces/scenario.h"

namespace llsim {

struct RunOptions {
  // Properties not to check (to look past a known failure).
  std::set<std::string> skip;
  bool keep_events = false;    // keep the event list (for show/diff), else hash only
  bool final_settle = true;    // settle, check and stop cleanly at the end
  bool print_progress = false;
};

struct RunResult {
  std::vector<Verdict> failures;  // the first one is the verdict
  uint64_t hash = 0;
  uint64_t events = 0;
  Nanos virtual_time = 0;
  uint64_t resyncs = 0;
  uint64_t transitions = 0;
  int coverage_cells = 0;
  std::string coverage;
  std::vector<std::string> dmesg;
  std::vector<Event> event_list;
  std::vector<std::string> notes;  // skipped ops and why

  bool Failed() const { return !failures.empty(); }
  const Verdict* First() const { return failures.empty() ? nullptr : &failures[0]; }
};

RunResult RunScenario(const Scenario& s, const RunOptions& opts = {});

// The linked core, as the build recorded it.
struct CoreInfo {
  std::string name, kind, source, sha256, defines;
};
CoreInfo LinkedCore();

}  // namespace llsim
