// The explorer's counts checked against brute force: every single
// scheduling override tried one by one, every crash event offset tried one
// by one, with nothing of the explorer's journal, probe or deduplication.
#include <set>

#include "ci/explore/explore_bounds.h"
#include "ci/explore/explore_command.h"
#include "ci/explore/explorer.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "properties/runner.h"
#include "sim/choice_strategy.h"

namespace llsim {
namespace {

ExploreBounds Small(std::vector<std::string> alphabet, int preemptions, CrashPoints cp) {
  ExploreBounds b;
  b.ops = 1;
  b.alphabet = std::move(alphabet);
  b.preemptions = preemptions;
  b.crash_points = cp;
  return b;
}

// The events of a run without the override notes the scheduler adds.
std::vector<std::string> Plain(const RunResult& r) {
  std::vector<std::string> out;
  for (const Event& e : r.event_list)
    if (!(e.kind == EventKind::kNote && e.text.rfind("schedule override", 0) == 0))
      out.push_back(e.ToString());
  return out;
}

TEST(ExploreBoundsTest, WorkloadsAreNumberedByLengthThenLetters) {
  ExploreBounds b;
  b.ops = 2;
  b.alphabet = {"w0", "flush"};
  ASSERT_EQ(WorkloadCount(b), 2u + 4u);
  EXPECT_EQ(WorkloadLetters(b, 0), (std::vector<std::string>{"w0"}));
  EXPECT_EQ(WorkloadLetters(b, 1), (std::vector<std::string>{"flush"}));
  EXPECT_EQ(WorkloadLetters(b, 2), (std::vector<std::string>{"w0", "w0"}));
  EXPECT_EQ(WorkloadLetters(b, 3), (std::vector<std::string>{"w0", "flush"}));
  EXPECT_EQ(WorkloadLetters(b, 5), (std::vector<std::string>{"flush", "flush"}));
}

TEST(ExploreBoundsTest, BadLettersAreRefusedWithTheReason) {
  EXPECT_EQ(ParseAlphabet("w8", 8, 2).status().message(),
            "--alphabet: 'w8' needs a chunk number 0..7 (--chunks 8)");
  EXPECT_EQ(ParseAlphabet("span7", 8, 2).status().message(),
            "--alphabet: 'span7' needs a chunk number 0..6 (--chunks 8)");
  EXPECT_EQ(ParseAlphabet("fail2", 8, 2).status().message(),
            "--alphabet: 'fail2' needs a member number 0..1");
  EXPECT_EQ(ParseAlphabet("w0,w0", 8, 2).status().message(), "--alphabet: 'w0' is listed twice");
  EXPECT_FALSE(ParseAlphabet("jump", 8, 2).ok());
  EXPECT_FALSE(ParseAlphabet("flush3", 8, 2).ok());
  EXPECT_FALSE(ParseAlphabet("", 8, 2).ok());
  EXPECT_TRUE(ParseAlphabet("w0, fua7, span6, d3, flush, wait, daemon, fail1, readd1", 8, 2).ok());
}

TEST(ExploreBoundsTest, FlagsOutOfRangeAreRefused) {
  ExploreFlags f;
  f.ops = 0;
  EXPECT_EQ(BoundsFromFlags(f).status().message(), "--ops 0 is out of range (1..8)");
  f = ExploreFlags();
  f.shard = "2/2";
  EXPECT_FALSE(BoundsFromFlags(f).ok());
  f = ExploreFlags();
  f.crash_points = "often";
  EXPECT_EQ(BoundsFromFlags(f).status().message(),
            "--crash_points: 'often' is not none, io or step");
  f = ExploreFlags();
  f.after_crash_preemptions = 5;
  EXPECT_EQ(BoundsFromFlags(f).status().message(),
            "--after_crash_preemptions 5 is out of range (0..4)");
  f.after_crash_preemptions = 1;
  f.pct = 10;
  EXPECT_FALSE(BoundsFromFlags(f).ok());
  f.pct = 0;
  f.crash_points = "none";
  EXPECT_EQ(BoundsFromFlags(f).status().message(),
            "--after_crash_preemptions needs crashes: --crash_points none lands none");
  f = ExploreFlags();
  f.chunks = 4;  // the default alphabet follows the geometry
  ASSERT_TRUE(BoundsFromFlags(f).ok());
  EXPECT_EQ(BoundsFromFlags(f)->alphabet,
            (std::vector<std::string>{"w0", "wend3", "span1", "d0", "dspan2", "flush", "daemon"}));
}

// Schedules within one deviation: the fifo run, plus one per (decision,
// other choice). Brute force: override decision k with choice c for every
// k and c, keep those the scheduler applied and that changed the run.
TEST(ExploreCountsTest, OneDeviationSchedulesMatchBruteForce) {
  ExploreBounds b = Small({"w0"}, 1, CrashPoints::kNone);
  WorkloadExplorer ex(b, {});
  ASSERT_TRUE(ex.Explore(0));
  Scenario base = WorkloadScenario(b, {"w0"});
  RunOptions keep;
  keep.keep_events = true;
  RunResult fifo_run = RunScenario(base, keep);
  std::vector<std::string> fifo = Plain(fifo_run);
  // Every pick the scheduler logs names its candidates: no choice beyond
  // the most of them can apply (time points take 0 or 1).
  uint32_t choices = 2;
  for (const Event& e : fifo_run.event_list)
    if (e.kind == EventKind::kSchedChoice && e.b > choices) choices = (uint32_t)e.b;
  uint64_t distinct = 0, misses = 0;
  for (uint64_t k = 0; misses < 200; k++) {
    bool applied = false;
    for (uint32_t c = 0; c < choices; c++) {
      Scenario s = base;
      s.schedule = {{k, c}};
      RunResult r = RunScenario(s, keep);
      bool note = false;
      for (const Event& e : r.event_list)
        note |= e.kind == EventKind::kNote &&
                e.text.rfind(absl::StrCat("schedule override #", k, ":"), 0) == 0;
      if (!note) continue;
      applied = true;
      if (Plain(r) != fifo) distinct++;
    }
    misses = applied ? 0 : misses + 1;
  }
  // A schedule the sleep sets skip is counted there, not run.
  EXPECT_EQ(ex.Tally().schedules + ex.Tally().sleep_skipped, 1 + distinct);
}

// Sleep sets for time passing skip only schedules that are the same
// execution as one run: with verify_sleep_sets each skipped schedule is run
// anyway and compared event for event (the scheduler's choice bookkeeping
// aside) with the one that stands for it.
TEST(ExploreSleepSetsTest, SkippedSchedulesAreTheSameExecutions) {
  if (!SleepSetsAvailable()) GTEST_SKIP() << "no store hooks in this build: sleep sets are off";
  uint64_t skipped = 0;
  for (const char* letter : {"w0", "span3", "dspan6", "daemon", "fail1", "grow"}) {
    ExploreBounds b = Small({letter}, 1, CrashPoints::kNone);
    b.ops = 2;  // workload 1 is the letter twice, issued together
    b.verify_sleep_sets = true;
    for (uint64_t w : {0, 1}) {
      WorkloadExplorer ex(b, {});
      ASSERT_TRUE(ex.Explore(w)) << letter;
      EXPECT_EQ(ex.Tally().sleep_mismatches, 0u) << letter << " workload " << w;
      skipped += ex.Tally().sleep_skipped;
    }
  }
  EXPECT_GT(skipped, 0u);
}

// The comparison can fail: skipping time points without the purity test
// (whatever the step between did) skips schedules that differ.
TEST(ExploreSleepSetsTest, VerificationCatchesAnUnsoundRule) {
  if (!SleepSetsAvailable()) GTEST_SKIP() << "no store hooks in this build: sleep sets are off";
  ExploreBounds b = Small({"w0"}, 1, CrashPoints::kNone);
  b.verify_sleep_sets = true;
  b.sleep_sets_ignore_purity_for_test = true;
  WorkloadExplorer ex(b, {});
  ASSERT_TRUE(ex.Explore(0));
  EXPECT_GT(ex.Tally().sleep_mismatches, 0u);
}

// With sleep sets the verdicts and crash states are those of the search
// without them: the same distinct crash states judged, fewer executions.
TEST(ExploreSleepSetsTest, SameCrashStatesFewerExecutions) {
  if (!SleepSetsAvailable()) GTEST_SKIP() << "no store hooks in this build: sleep sets are off";
  ExploreBounds b = Small({"w0"}, 1, CrashPoints::kIo);
  WorkloadExplorer with(b, {});
  ASSERT_TRUE(with.Explore(0));
  b.sleep_sets = false;
  WorkloadExplorer without(b, {});
  ASSERT_TRUE(without.Explore(0));
  EXPECT_EQ(with.Tally().crash_states, without.Tally().crash_states);
  EXPECT_EQ(with.Tally().crash_points - with.Tally().crash_points_seen,
            without.Tally().crash_points - without.Tally().crash_points_seen);
  EXPECT_EQ(with.Tally().schedules + with.Tally().sleep_skipped, without.Tally().schedules);
  EXPECT_LT(with.Tally().executions, without.Tally().executions);
}

// Crash points without deduplication: one per place a crash can land after
// a member IO event. Brute force: arm the crash at every event offset of
// the workload and collect where each landed (the crash note's index).
TEST(ExploreCountsTest, CrashPointsMatchBruteForce) {
  ExploreBounds b = Small({"w0"}, 0, CrashPoints::kIo);
  b.dedup = false;
  b.subset_cap = 0;
  WorkloadExplorer ex(b, {});
  ASSERT_TRUE(ex.Explore(0));
  Scenario base = WorkloadScenario(b, {"w0"});
  RunOptions keep;
  keep.keep_events = true;
  RunResult free_run = RunScenario(base, keep);
  std::set<uint64_t> landed;
  for (uint64_t i = free_run.ops_start_event; i < free_run.ops_end_event; i++) {
    EventKind k = free_run.event_list[i].kind;
    if (k != EventKind::kDiskSubmit && k != EventKind::kDiskComplete) continue;
    Scenario s = base;
    Op crash{OpKind::kCrash};
    crash.text = "drop";
    crash.a = i + 2 - free_run.ops_start_event;
    s.ops.insert(s.ops.begin(), crash);
    RunResult r = RunScenario(s, keep);
    for (size_t j = 0; j < r.event_list.size(); j++)
      if (r.event_list[j].kind == EventKind::kNote &&
          r.event_list[j].text.rfind("crash (policy", 0) == 0) {
        landed.insert(j);
        break;
      }
  }
  EXPECT_GT(landed.size(), 10u);
  EXPECT_EQ(ex.Tally().crash_points, landed.size());
  EXPECT_EQ(ex.Tally().crash_points_seen, 0u);
  // Each crash point ran its one subset (every write dropped: the cap is 0
  // and every point with a write to decide is sampled with no more).
  EXPECT_EQ(ex.Tally().subsets, landed.size());
  EXPECT_EQ(ex.Tally().key_mismatches, 0u);
}

// Persistence subsets and crash states against brute force: at every
// event offset of the workload, every keep/drop script as long as the most
// writes a crash was asked about, each run just to the crash; the distinct
// states after the crash must be exactly those the explorer judged, with
// its prefix, deduplication and the redundant-write mark in play.
TEST(ExploreCountsTest, CrashStatesMatchBruteForce) {
  ExploreBounds b = Small({"span3"}, 0, CrashPoints::kIo);
  b.subset_cap = 10;
  WorkloadExplorer ex(b, {});
  ASSERT_TRUE(ex.Explore(0));
  ASSERT_EQ(ex.Tally().sampled_points, 0u);
  uint64_t m = ex.Tally().max_pending;
  ASSERT_GE(m, 2u);
  ASSERT_LE(m, 10u);
  Scenario base = WorkloadScenario(b, {"span3"});
  RunOptions keep;
  keep.keep_events = true;
  RunResult free_run = RunScenario(base, keep);
  std::set<uint64_t> states;
  for (uint64_t i = free_run.ops_start_event; i < free_run.ops_end_event; i++) {
    EventKind k = free_run.event_list[i].kind;
    if (k != EventKind::kDiskSubmit && k != EventKind::kDiskComplete) continue;
    for (uint64_t mask = 0; mask < (1ull << m); mask++) {
      std::string script(m, 'd');
      for (uint64_t w = 0; w < m; w++)
        if (mask >> w & 1) script[w] = 'k';
      Scenario s = base;
      Op crash{OpKind::kCrash};
      crash.text = "script:" + script;
      crash.a = i + 2 - free_run.ops_start_event;
      s.ops.insert(s.ops.begin(), crash);
      RunOptions o;
      o.on_crash = [&](const CrashState& st) {
        if (st.armed && st.decided) states.insert(st.key);
        return !st.decided;  // nothing after the crash is counted
      };
      RunScenario(s, o);
    }
  }
  EXPECT_GT(states.size(), 10u);
  EXPECT_EQ(ex.Tally().crash_states, states.size());
}

// Deduplication only skips: with it, no more states are judged, every
// probed state matches the crash that lands there, and the same workload
// gives the same counts twice (determinism).
TEST(ExploreCountsTest, DeduplicationSkipsAndIsDeterministic) {
  ExploreBounds b = Small({"span3"}, 1, CrashPoints::kIo);
  WorkloadExplorer with(b, {}), again(b, {});
  ASSERT_TRUE(with.Explore(0));
  ASSERT_TRUE(again.Explore(0));
  EXPECT_EQ(with.Tally().executions, again.Tally().executions);
  EXPECT_EQ(with.Tally().crash_states, again.Tally().crash_states);
  EXPECT_EQ(with.Tally().key_mismatches, 0u);
  EXPECT_GT(with.Tally().crash_points_seen, 0u);
  // Subsets predicted to meet a known state are not run; those that run
  // meet the state predicted.
  EXPECT_GT(with.Tally().subsets_predicted, 0u);
  EXPECT_EQ(with.Tally().subset_mismatches, 0u);
  b.dedup = false;
  b.preemptions = 0;
  WorkloadExplorer without(b, {});
  ASSERT_TRUE(without.Explore(0));
  EXPECT_EQ(without.Tally().crash_points_seen, 0u);
  EXPECT_GE(without.Tally().executions, without.Tally().crash_points);
  // Without deduplication every subset runs, and each checks its prediction.
  EXPECT_EQ(without.Tally().subsets_predicted, 0u);
  EXPECT_GT(without.Tally().subsets, without.Tally().crash_points);
  EXPECT_EQ(without.Tally().subset_mismatches, 0u);
}

// Schedules after a crash (after_crash_preemptions 1) against brute force:
// the flush workload meets one state after its crashes; from the first
// crash point, override every decision after the crash with every other
// choice, one at a time, and count the runs the override changed.
TEST(ExploreCountsTest, AfterCrashSchedulesMatchBruteForce) {
  ExploreBounds b = Small({"flush"}, 0, CrashPoints::kIo);
  b.after_crash_preemptions = 1;
  b.sleep_sets = false;
  WorkloadExplorer ex(b, {});
  ASSERT_TRUE(ex.Explore(0));
  ASSERT_EQ(ex.Tally().crash_states, 1u);
  EXPECT_EQ(ex.Tally().key_mismatches, 0u);
  Scenario base = WorkloadScenario(b, {"flush"});
  RunOptions keep;
  keep.keep_events = true;
  RunResult free_run = RunScenario(base, keep);
  uint64_t first = 0;
  for (uint64_t i = free_run.ops_start_event; i < free_run.ops_end_event && !first; i++) {
    EventKind k = free_run.event_list[i].kind;
    if (k == EventKind::kDiskSubmit || k == EventKind::kDiskComplete) first = i;
  }
  ASSERT_GT(first, 0u);
  Scenario c = base;
  Op crash{OpKind::kCrash};
  crash.text = "script:";
  crash.a = first + 2 - free_run.ops_start_event;
  c.ops.insert(c.ops.begin(), crash);
  std::vector<DecisionPoint> journal;
  size_t crash_at = 0;
  RunOptions jo = keep;
  jo.decisions = &journal;
  jo.on_crash = [&](const CrashState& st) {
    if (st.armed && st.decided) crash_at = journal.size();
    return true;
  };
  std::vector<std::string> fifo = Plain(RunScenario(c, jo));
  ASSERT_GT(crash_at, 0u);
  ASSERT_GT(journal.size(), crash_at);
  uint64_t distinct = 0;
  for (size_t k = crash_at; k < journal.size(); k++) {
    for (uint32_t ch = 0; ch < journal[k].options; ch++) {
      if (ch == journal[k].fifo) continue;
      Scenario s = c;
      s.schedule = {{k, ch}};
      if (Plain(RunScenario(s, keep)) != fifo) distinct++;
    }
  }
  EXPECT_GT(distinct, 100u);
  EXPECT_EQ(ex.Tally().after_crash_schedules, distinct);
  EXPECT_EQ(ex.Tally().schedules, 1u);  // before the crash: fifo only
}

// Sleep sets after a crash only skip: the same states, the skipped
// schedules and the run ones add up to those run without them.
TEST(ExploreSleepSetsTest, AfterCrashTheyOnlySkip) {
  if (!SleepSetsAvailable()) GTEST_SKIP() << "no store hooks in this build: sleep sets are off";
  ExploreBounds b = Small({"flush"}, 0, CrashPoints::kIo);
  b.after_crash_preemptions = 1;
  WorkloadExplorer with(b, {});
  ASSERT_TRUE(with.Explore(0));
  b.sleep_sets = false;
  WorkloadExplorer without(b, {});
  ASSERT_TRUE(without.Explore(0));
  EXPECT_GT(with.Tally().after_crash_skipped, 0u);
  EXPECT_EQ(with.Tally().after_crash_schedules + with.Tally().after_crash_skipped,
            without.Tally().after_crash_schedules);
  EXPECT_EQ(with.Tally().crash_states, without.Tally().crash_states);
}

}  // namespace
}  // namespace llsim
