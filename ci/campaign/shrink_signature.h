// Shrinking one signature: greedy removal of operations from its isolated
// case (report.h) while the run still fails first with that same
// signature. The properties that failed before it in that case are
// skipped (the trace records them), so the shrunk trace replays as that failure without the
// campaign's keep-going mode. Every candidate runs in a child process, so
// a crash signature shrinks like any other, and a candidate that crashes
// some other way only fails to qualify. Deterministic: the same case and
// signature always give the same trace.
#pragma once

#include <string>

#include "ci/campaign/report.h"
#include "properties/runner.h"
#include "traces/scenario.h"

namespace llsim {

struct ShrinkOutcome {
  bool reproduced = false;  // the first case fails first with the signature
  Scenario scenario;        // the shrunk case (the original if not reproduced)
  RunResult result;         // of the shrunk case
  int runs = 0;
  std::string note;         // why it could not be shrunk
};

// At most `max_runs` candidate runs (a bound on time, counted, not timed).
ShrinkOutcome ShrinkSignature(const Scenario& first_case, const SignatureEntry& e, int max_runs,
                              double watchdog_seconds);

}  // namespace llsim
