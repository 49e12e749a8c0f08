// Strategies are deterministic: the same seed gives the same interleaving
// (same event hash), a replay of the recorded picks gives the same run, and
// a replay that no longer fits says so.
#include "sim/strategy.h"

#include <gtest/gtest.h>

#include "sim/scheduler.h"

namespace llsim {
namespace {

// Four fibers bump a shared counter with preemption points in between; the
// interleaving shows in the order of writes.
struct Outcome {
  uint64_t hash;
  std::string order;
  std::vector<uint32_t> picks;
  bool diverged;
};

Outcome RunWorkload(std::unique_ptr<Strategy> strategy) {
  VirtualClock clock(250);
  EventLog log;
  Scheduler s(clock, log, std::move(strategy));
  std::string order;
  for (int i = 0; i < 4; i++)
    s.Spawn("f" + std::to_string(i), [&, i] {
      for (int k = 0; k < 6; k++) {
        order += char('a' + i);
        s.Preempt();
      }
    });
  s.Run();
  Outcome r{log.Hash(), order, {}, s.GetStrategy().Diverged()};
  for (auto& e : log.Events())
    if (e.kind == EventKind::kSchedChoice) r.picks.push_back((uint32_t)e.c);
  return r;
}

TEST(StrategyTest, FifoRunsToCompletion) {
  EXPECT_EQ(RunWorkload(MakeFifoStrategy()).order, "aaaaaabbbbbbccccccdddddd");
}

TEST(StrategyTest, RandomIsDeterministicPerSeed) {
  Outcome a = RunWorkload(MakeRandomStrategy(Rng::Stream(7, "scheduler")));
  Outcome b = RunWorkload(MakeRandomStrategy(Rng::Stream(7, "scheduler")));
  Outcome c = RunWorkload(MakeRandomStrategy(Rng::Stream(8, "scheduler")));
  EXPECT_EQ(a.hash, b.hash);
  EXPECT_EQ(a.order, b.order);
  EXPECT_NE(a.order, c.order);
  EXPECT_NE(a.order, "aaaaaabbbbbbccccccdddddd");  // it does interleave
}

TEST(StrategyTest, PctIsDeterministicPerSeed) {
  Outcome a = RunWorkload(MakePctStrategy(Rng::Stream(3, "scheduler"), 3, 50));
  Outcome b = RunWorkload(MakePctStrategy(Rng::Stream(3, "scheduler"), 3, 50));
  EXPECT_EQ(a.hash, b.hash);
  EXPECT_EQ(a.order, b.order);
}

TEST(StrategyTest, ReplayReproducesARecordedRun) {
  Outcome original = RunWorkload(MakeRandomStrategy(Rng::Stream(11, "scheduler")));
  ASSERT_FALSE(original.picks.empty());
  Outcome replayed = RunWorkload(MakeReplayStrategy(original.picks));
  EXPECT_EQ(replayed.order, original.order);
  EXPECT_EQ(replayed.hash, original.hash);
  EXPECT_FALSE(replayed.diverged);
}

TEST(StrategyTest, ReplayReportsDivergence) {
  Outcome original = RunWorkload(MakeRandomStrategy(Rng::Stream(11, "scheduler")));
  std::vector<uint32_t> short_picks(original.picks.begin(), original.picks.begin() + 3);
  EXPECT_TRUE(RunWorkload(MakeReplayStrategy(short_picks)).diverged);
}

TEST(StrategyTest, BadNamesAreRejected) {
  EXPECT_FALSE(MakeStrategy("roundrobin", Rng(1)).ok());
  EXPECT_FALSE(MakeStrategy("pct:0", Rng(1)).ok());
  EXPECT_TRUE(MakeStrategy("pct:4", Rng(1)).ok());
}

}  // namespace
}  // namespace llsim
