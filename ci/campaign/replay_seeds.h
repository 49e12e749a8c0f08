// `llsim replay --seeds N`: one trace under seeds 1..N. The seed moves
// what a trace leaves to chance (latencies, a random strategy's picks, a
// random crash policy), not its operations, so this asks how robustly a
// failure reproduces, and lets a test that needs a rare window try many
// windows in one process instead of N.
#pragma once

#include "properties/runner.h"
#include "traces/trace_format.h"

namespace llsim {

// Runs the trace's scenario with each seed in a worker process (a crash is
// that seed's safety failure) and prints "seed S: passed" or "seed S:
// FAILED <failure>" for each, then a summary line. Returns 0 if every seed
// passed, 1 if any failed. The trace's expected hash belongs to its own
// seed and is not checked.
int ReplaySeeds(const TraceFile& t, const RunOptions& o, int seeds, double watchdog_seconds);

}  // namespace llsim
