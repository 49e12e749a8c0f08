// Systematic exploration of one workload: every schedule within the
// deviation bound, every crash point along each, every persistence subset
// at each crash (or a sample past the cap), each execution replayed from
// scratch with its recorded choices (fifo plus overrides, a crash op armed
// at an event count, a scripted crash policy), so any execution is a trace.
//
// Reductions, each sound for what the certificate states:
// - prefix: an execution's crash points start after its last deviation
//   (before it, the execution is its parent's, whose crash points ran);
// - state deduplication (--no-dedup turns it off): a crash whose canonical
//   state (runner.h CrashState: media, non-durable writes, the oracle's
//   promises, the operations still to come) was met before in this workload
//   is not run on; the same for the state after the policy decided. The
//   first subset's run predicts the state after every other subset
//   (Disk::MediaHashIfCrash), so a subset predicted to meet a state seen
//   before is not run at all; each subset that runs checks its prediction
//   (subset_mismatches).
// - after a crash, schedules are explored only from states met for the
//   first time (after_crash_preemptions): the deviations after a crash
//   act on the state after it, which deduplication keys.
// - sleep sets for time passing (--nosleep_sets turns it off). Letting time
//   pass inside running code (the next timer or IO completion becomes due
//   and its interrupt runnable) touches only the clock, the timer queue,
//   the run queue and the log. A step of the running fiber between two of
//   its preemption points that touched none of those, stored to no page of
//   the arena (the pages the step checks read) and was not switched away
//   (the shim's StepMark) commutes with it: time passing
//   before the step and after it give the same execution from there on,
//   with the same states at every check and crash point. So after "time
//   passes" is tried at one point, it sleeps through the fiber's pure steps
//   and is not tried at the points they lead to; the schedule tried first
//   stands for them, deviation budget and all (its subtree holds theirs).
//   Only where the store hooks watch every page (not under ASan).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "ci/explore/explore_bounds.h"
#include "properties/runner.h"
#include "properties/verdict.h"
#include "sim/choice_strategy.h"
#include "traces/trace_format.h"

namespace llsim {

struct ExploreTally {
  uint64_t workloads = 0;
  uint64_t executions = 0;        // scenario runs, pruned ones included
  uint64_t schedules = 0;         // distinct schedules run to the end without a crash
  uint64_t sleep_skipped = 0;     // schedules not run: a sleep set shows one run stands for each
  uint64_t crash_points = 0;      // crashes landed (before the policy decides)
  uint64_t crash_points_seen = 0; //   of them, states met before (pruned)
  uint64_t crash_states = 0;      // distinct states after the policy, run on and judged
  uint64_t crash_states_seen = 0; //   states after the policy met before (pruned)
  uint64_t subsets = 0;           // persistence subsets tried
  uint64_t subsets_predicted = 0; //   of them, predicted to reach a state met before: not run
  uint64_t sampled_points = 0;    // crash points whose subsets were sampled (over the cap)
  uint64_t max_pending = 0;       // most writes a crash asked about
  uint64_t max_decisions = 0;     // most scheduling decisions in one execution
  uint64_t max_fibers = 0;        // most fibers spawned in one workload's execution
  uint64_t key_mismatches = 0;    // crash states that differed from the probe's (0 if sound)
  uint64_t sleep_mismatches = 0;  // verify_sleep_sets: skipped schedules that differed (0 if sound)
  uint64_t subset_mismatches = 0; // subsets run whose state was not the predicted one (0 if sound)
  uint64_t after_crash_schedules = 0;  // recoveries run with deviations after the crash
  uint64_t after_crash_skipped = 0;    //   not run: a sleep set shows one run stands for each
  std::map<std::string, uint64_t> known;  // known signature -> executions that hit it

  void Add(const ExploreTally& o);
};

// The tally's counters in one fixed order: how tallies add up (a sum, or
// the largest for a maximum) and the worker's wire form.
struct TallyField {
  uint64_t ExploreTally::*field;
  bool maximum;
};
inline constexpr TallyField kTallyFields[] = {
    {&ExploreTally::workloads, false},     {&ExploreTally::executions, false},
    {&ExploreTally::schedules, false},     {&ExploreTally::crash_points, false},
    {&ExploreTally::crash_points_seen, false}, {&ExploreTally::crash_states, false},
    {&ExploreTally::crash_states_seen, false}, {&ExploreTally::subsets, false},
    {&ExploreTally::sampled_points, false}, {&ExploreTally::max_pending, true},
    {&ExploreTally::max_decisions, true},  {&ExploreTally::max_fibers, true},
    {&ExploreTally::key_mismatches, false}, {&ExploreTally::sleep_skipped, false},
    {&ExploreTally::sleep_mismatches, false}, {&ExploreTally::subsets_predicted, false},
    {&ExploreTally::subset_mismatches, false}, {&ExploreTally::after_crash_schedules, false},
    {&ExploreTally::after_crash_skipped, false},
};

struct Counterexample {
  TraceFile trace;
  Verdict verdict;
  std::string signature;
  uint64_t workload = 0;
  std::string how;  // "schedule", "crash", with the choices, in words
};

// Whether this build can tell pure steps (the store hooks watch the core's
// page stores): without, sleep sets skip nothing.
bool SleepSetsAvailable();

class WorkloadExplorer {
 public:
  WorkloadExplorer(const ExploreBounds& b, std::set<std::string> known)
      : b_(b), known_(std::move(known)) {}
  // Explores workload `index`; false when it found a counterexample (cx()).
  bool Explore(uint64_t index);
  const ExploreTally& Tally() const { return tally_; }
  const std::optional<Counterexample>& Cx() const { return cx_; }
  // Told of each execution before it runs (a worker keeps the last one, so
  // an execution that kills its process still has its trace).
  void SetBeforeRun(std::function<void(const Scenario&)> fn) { before_run_ = std::move(fn); }

 private:
  struct Node {
    ScheduleOverrides overrides;
    int64_t last = -1;  // the decision of the last override
    int used = 0;
  };
  bool ExploreSchedules(const Scenario& base);
  // Pushes each child of `n` (one more deviation, at a decision of
  // `journal` after n.last) that the sleep sets keep; tells `skipped` the
  // decision of each they skip.
  void PushChildren(const std::vector<DecisionPoint>& journal, const Node& n,
                    std::vector<Node>* stack, const std::function<void(size_t)>& skipped);
  // Whether the sleep set skips the child of `n` that lets time pass at
  // decision k (see the header comment): k is a time point reached by a
  // pure step from the previous Preempt call, whose own time point is also
  // one the parent may deviate at.
  bool SleepSkips(const std::vector<DecisionPoint>& journal, const Node& n, size_t k) const;
  // verify_sleep_sets: runs the skipped child and the one that stands for
  // it; counts a mismatch when they differ.
  void VerifySkip(const Scenario& base, const Node& n, size_t k,
                  const std::vector<DecisionPoint>& journal);
  bool ExplorePct(const Scenario& base);
  // A place a crash can land in an execution: after event `event` (the
  // last of the points that land there), with the state key it would meet.
  struct CrashPoint {
    uint64_t event, key;
  };
  bool CrashesAfter(const Scenario& base, const RunResult& run,
                    const std::vector<CrashPoint>& points, uint64_t from);
  RunOptions::CrashProbe Probe(std::vector<CrashPoint>* out);
  // after_crash_preemptions: every schedule of what follows the crash of
  // `c` (reassembly, the rest of the workload, resync, the checks) with up
  // to that many deviations at decisions from `from` on, the decision the
  // crash landed before in `journal`, the fifo run of `c`. Each run must
  // meet the crash state `key` again (key_mismatches otherwise).
  bool ExploreAfterCrash(const Scenario& c, const std::vector<DecisionPoint>& journal,
                         size_t from, uint64_t key, const std::string& how);
  // Runs one execution; judges it; false on a new failure.
  bool Judge(const Scenario& s, const RunResult& r, const std::string& how);
  RunResult Execute(const Scenario& s, RunOptions o);

  ExploreBounds b_;
  std::set<std::string> known_;
  ExploreTally tally_;
  std::optional<Counterexample> cx_;
  uint64_t workload_ = 0;
  absl::flat_hash_set<uint64_t> seen_before_, seen_after_;
  std::function<void(const Scenario&)> before_run_;
};

}  // namespace llsim
