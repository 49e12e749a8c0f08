// Shrinking a failing scenario while it keeps failing the same way. In
// order: drop operations and zero delays; run plain fifo if that still
// fails; simplify crashes (land now or earlier, the simplest policy) and
// the world's knobs (fixed latency, no stalls, no allocation failures,
// in-order disks); then turn the run's remaining scheduling choices into
// explicit overrides (sim/choice_strategy.h) and drop them by delta
// debugging; last, one more pass over the operations. Every step is kept
// only if the failure stays, and the whole is bounded by a run budget.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>

#include "traces/scenario.h"

namespace llsim {

struct ShrinkHooks {
  // True if the candidate still fails the same way (property, signature).
  std::function<bool(const Scenario&)> still_fails;
  // Runs the scenario recording its scheduling decisions (RunOptions::
  // record_schedule); nullopt if that run gave none (a process death).
  // Empty: scheduling choices are not turned into overrides.
  std::function<std::optional<std::map<uint64_t, uint32_t>>(const Scenario&)> record;
  // Runs of still_fails and record together; past it every candidate is
  // taken as not failing, so the result is the best found so far.
  int max_runs = 2000;
};

struct ShrinkStats {
  int runs = 0;
  // Scheduling choices (decisions that differ from fifo's) of the run the
  // override phase started from, and of the result; -1: not recorded.
  int64_t choices_before = -1;
  int64_t choices_after = -1;
};

Scenario ShrinkScenarioWith(const Scenario& s, const ShrinkHooks& hooks,
                            ShrinkStats* stats = nullptr);

// The number of explicit scheduling choices a scenario makes: its
// overrides over fifo; a random or pct one makes an unknown number (-1).
int64_t ScheduleChoices(const Scenario& s);

}  // namespace llsim
