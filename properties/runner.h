// Runs one scenario against the core linked into this binary, on a fresh
// simulated world, and decides: the step invariants watch every step, the
// end-to-end checks run at each settle and at the end, and scheduler and
// shim failures (deadlock, hang, misuse, WARN, leaks) are reported too.
// Same scenario, same core: byte-identical event stream.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "models/md/reach.h"
#include "properties/coverage_matrix.h"
#include "properties/timeline.h"
#include "properties/verdict.h"
#include "sim/event_log.h"
#include "sim/scheduler.h"
#include "traces/scenario.h"

namespace llsim {

// What the world could become at a crash (the explorer's deduplication,
// ci/explore): a canonical hash of the media, of every write not yet durable
// (before the policy decides) and of the oracle's promises, plus what of the
// run is still to come. Virtual time is left out: after a crash jiffies
// restart (VirtualClock::Boot) and nothing of md or the core that outlives
// the crash holds an absolute time.
struct CrashState {
  bool decided = false;  // false: before the policy decided; true: after
  bool armed = false;    // an armed crash op (in=...) landing, not an immediate crash op
  uint64_t key = 0;
  uint64_t policy_decisions = 0;  // decided: how many writes the policy was asked about
  // decided, with RunOptions::crash_subsets: the key each of its scripts
  // would have given in place of this crash's own policy.
  std::vector<uint64_t> predicted;
};

struct RunOptions {
  // Properties not to check (to look past a known failure).
  std::set<std::string> skip;
  bool keep_events = false;    // keep the event list (for show/diff), else hash only
  bool final_settle = true;    // settle, check and stop cleanly at the end
  bool print_progress = false;
  // Campaign mode: a violation of any property but liveness and safety is
  // recorded and the case goes on, so a shallow bug does not hide deeper
  // ones. Liveness, safety and scheduler failures (deadlock, hang, shim
  // misuse, WARN/BUG) still end the case: after them the world cannot be
  // trusted to make progress.
  bool keep_going = false;
  // Compare every core page at every step, and report (as `store-hooks`)
  // a page that changed where the store hooks saw no store
  // (core/kshim/src/store_track.h): the test that the hooks miss nothing.
  bool check_store_hooks = false;
  // keep_going: failures with the same key (a signature) are recorded once.
  std::function<std::string(const Verdict&)> failure_key;
  // Called as each failure is recorded, so a case that later kills its
  // process has still reported what it found before.
  std::function<void(const Verdict&)> on_failure;
  // Record the run's scheduling decisions (RunResult::schedule), so a
  // shrinker can turn a random run's interleaving into explicit overrides.
  bool record_schedule = false;
  // If set, filled with the chunk states, media writes, operations and
  // crashes of the run (`llsim show --html`); the run is the same either way.
  Timeline* timeline = nullptr;
  // Filled with every scheduling decision of the run (sim/scheduler.h).
  std::vector<DecisionPoint>* decisions = nullptr;
  // Called at each crash, before and after the policy decides; returning
  // false ends the run there, with no further checks (the explorer has
  // seen that crash state).
  std::function<bool(const CrashState&)> on_crash;
  // At an armed crash: told how many writes a crash asks about, returns
  // persistence scripts ("kd..."); the decided CrashState then predicts
  // the key of each (Disk::MediaHashIfCrash), so the explorer runs only
  // the subsets whose state it has not met.
  std::function<std::vector<std::string>(uint64_t asked)> crash_subsets;
  // Called wherever a crash could land, once per new event count: events
  // [from, to) were logged since the last such point, and key() gives the
  // CrashState key (before the policy) a crash landing here would have.
  // Only looks: the run is the same with or without it.
  using CrashProbe = std::function<void(const std::vector<Event>& events, uint64_t from,
                                        uint64_t to, const std::function<uint64_t()>& key)>;
  CrashProbe crash_point_probe;
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
  uint64_t crashes = 0;              // crash operations injected
  uint64_t resyncs_verified = 0;     // settles after a crash whose checks passed
  uint64_t recoveries_verified = 0;  // settles after a recovery whose checks passed
  CoverageMatrix coverage_matrix;    // state x action hits, as data
  Reach reach;                       // hooks md called, model features driven
  bool process_died = false;         // run in a child that died (the last failure says how)
  // record_schedule: the decisions that differ from fifo's, by number;
  // fifo plus these is the same interleaving (sim/choice_strategy.h).
  std::map<uint64_t, uint32_t> schedule;
  bool schedule_recorded = false;
  // Events in the log when the first operation was issued, and after the
  // last one (before the final settle): where a workload's crash points are.
  uint64_t ops_start_event = 0, ops_end_event = 0;

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
