// Searching for a failing scenario and shrinking it. Generated search runs
// RapidCheck (seeded, bounded, shrinking by dropping operations) and keeps
// the property fixed while it shrinks, so the small case fails the same
// way the big one did. shrink.h does the same for a trace file without
// RapidCheck, and shrinks more than operations.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "properties/generators.h"
#include "properties/runner.h"
#include "properties/shrink.h"
#include "traces/scenario.h"

namespace llsim {

struct HuntOptions {
  uint64_t seed = 1;
  int cases = 100;
  GenOptions gen;
  RunOptions run;
  // Called after every generated case (not during shrinking).
  std::function<void(int done, int total)> progress;
  // Called when the first failure is found and each time shrinking makes
  // it smaller, so a caller can keep the best case on disk at all times.
  std::function<void(const Scenario&, const RunResult&)> on_failure;
  // Called before every run, so a core that kills the process (a NULL
  // dereference in kernel code) still leaves its case behind.
  std::function<void(const Scenario&)> before_run;
  // Runs one case; empty: RunScenario in this process. The command line
  // runs each case in a child process, so a crash is a failure, not an end.
  std::function<RunResult(const Scenario&, const RunOptions&)> run_case;
};

struct HuntResult {
  int cases_run = 0;
  int shrink_runs = 0;
  bool failed = false;
  Scenario original;
  Scenario shrunk;
  RunResult result;  // of the shrunk scenario
};

HuntResult Hunt(const HuntOptions& opts);

// shrink.h's shrink while the scenario still fails with `property`, each
// candidate run in this process. Returns the smaller scenario and its result.
Scenario ShrinkScenario(const Scenario& s, const std::string& property, RunResult* result,
                        int* runs, const RunOptions& ro = {}, ShrinkStats* stats = nullptr);

// The same for any notion of "still fails" (a campaign keeps a failure's
// signature, or a process crash, which needs a child process). Without a
// recorder it leaves scheduling choices to the strategy (plain fifo if
// that still fails); ShrinkScenarioWith with RecordVia shrinks them too.
Scenario ShrinkScenarioWhile(const Scenario& s,
                             const std::function<bool(const Scenario&)>& still_fails,
                             int max_runs = 2000);

// Hooks whose record step runs a scenario with record_schedule through
// `run` (in this process or a worker).
std::function<std::optional<std::map<uint64_t, uint32_t>>(const Scenario&)> RecordVia(
    std::function<RunResult(const Scenario&, const RunOptions&)> run, RunOptions o);

}  // namespace llsim
