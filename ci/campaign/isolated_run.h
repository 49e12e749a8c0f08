// One scenario run in another process (worker.h): what the run found
// comes back over a pipe, each failure the moment it is recorded,
// so a run that later kills its process still reports what came before,
// and the death itself becomes one more failure (crash_verdict.h).
#pragma once

#include <string>

#include "ci/campaign/child_process.h"
#include "properties/runner.h"
#include "traces/scenario.h"

namespace llsim {

// The wire form of a run, one record a line:
//   F <property> <t> <message, C-escaped>     (as each failure is recorded)
//   R <hash> <events> <virtual ns> <crashes> <resyncs> <recoveries>
//   C <the 80 coverage counts>
std::string EncodeFailure(const Verdict& v);
std::string EncodeResult(const RunResult& r);

// Rebuilds a result from the records and how the child ended. A child that
// did not complete gets its death as the last failure and process_died.
RunResult DecodeRun(const std::string& records, const ChildEnd& end, double watchdog_seconds);

// What a process running a scenario passes to RunScenario so that each
// failure is written as it is recorded; it then ends with EncodeResult.
RunOptions StreamingOptions(RunOptions o, int record_fd);

// `llsim replay`/`show` in a child: `replay` prints its own verdict and
// returns its exit code. If the child dies instead, its death is printed as
// the verdict and compared with the trace's expected failure: 0 when that
// is the property the death counts as (reproduced), else 1.
int ReplayIsolated(const std::function<int()>& replay, const std::string& expect_failure,
                   double watchdog_seconds);

}  // namespace llsim
