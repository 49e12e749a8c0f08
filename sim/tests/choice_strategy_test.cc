// Explicit scheduling choices: an override picks its candidate, one that
// does not fit falls back to the strategy's own answer, the same overrides
// give the same run, and a random run recorded as overrides over fifo
// replays the same interleaving.
#include "sim/choice_strategy.h"

#include <gtest/gtest.h>

#include "sim/scheduler.h"

namespace llsim {
namespace {

struct Outcome {
  uint64_t hash;
  std::string order;  // which fiber ran each step
  std::vector<uint64_t> picked;  // fiber ids of the multi-candidate picks
  ScheduleOverrides recorded;
  bool recorded_set = false;
};

// Four fibers take six steps each with a preemption point after every one;
// a timer 1 ms out gives the time decisions something to land on.
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
  s.CallAt(clock.Now() + 1000000, [&] { order += 'T'; }, "t");
  s.Run();
  Outcome r{log.Hash(), order, {}, {}, false};
  for (auto& e : log.Events())
    if (e.kind == EventKind::kSchedChoice && e.b > 0) r.picked.push_back(e.a);
  if (const ScheduleOverrides* rec = s.GetStrategy().Recorded()) {
    r.recorded = *rec;
    r.recorded_set = true;
  }
  return r;
}

std::unique_ptr<Strategy> Fifo(ScheduleOverrides o, bool record = false) {
  return MakeChoiceStrategy(MakeFifoStrategy(), std::move(o), record);
}

TEST(ChoiceStrategyTest, NoOverridesIsPlainFifo) {
  Outcome plain = RunWorkload(MakeFifoStrategy());
  Outcome wrapped = RunWorkload(Fifo({}));
  EXPECT_EQ(wrapped.order, plain.order);
  EXPECT_EQ(wrapped.hash, plain.hash);
}

TEST(ChoiceStrategyTest, OverridePicksItsCandidate) {
  // Decision 0 is the first pick among the four new fibers: the third runs.
  Outcome o = RunWorkload(Fifo({{0, 2}}));
  ASSERT_FALSE(o.order.empty());
  EXPECT_EQ(o.order[0], 'c');
  EXPECT_NE(o.order, RunWorkload(MakeFifoStrategy()).order);
}

TEST(ChoiceStrategyTest, IndexThatDoesNotFitFallsBack) {
  Outcome plain = RunWorkload(MakeFifoStrategy());
  Outcome o = RunWorkload(Fifo({{0, 99}, {1, 7}}));
  EXPECT_EQ(o.order, plain.order);
  EXPECT_EQ(o.hash, plain.hash);  // nothing applied, nothing noted
}

TEST(ChoiceStrategyTest, SameOverridesSameRun) {
  ScheduleOverrides ov = {{0, 1}, {3, 2}, {5, 1}, {9, 0}};
  Outcome a = RunWorkload(Fifo(ov));
  Outcome b = RunWorkload(Fifo(ov));
  EXPECT_EQ(a.hash, b.hash);
  EXPECT_EQ(a.order, b.order);
}

TEST(ChoiceStrategyTest, RecordedRandomRunReplaysOverFifo) {
  Outcome random = RunWorkload(
      MakeChoiceStrategy(MakeRandomStrategy(Rng::Stream(7, "scheduler")), {}, true));
  ASSERT_TRUE(random.recorded_set);
  EXPECT_FALSE(random.recorded.empty());
  // Recording does not change the run.
  EXPECT_EQ(random.hash, RunWorkload(MakeRandomStrategy(Rng::Stream(7, "scheduler"))).hash);
  Outcome replay = RunWorkload(Fifo(random.recorded, true));
  EXPECT_EQ(replay.order, random.order);
  EXPECT_EQ(replay.picked, random.picked);
  EXPECT_EQ(replay.recorded, random.recorded);
  // Dropping every override is fifo again: the choices were what mattered.
  EXPECT_NE(RunWorkload(Fifo({})).order, random.order);
}

TEST(ChoiceStrategyTest, TimeDecisionCanBeForced) {
  // Fifo never lets time pass inside running code; an override of 1 at
  // every decision lands the timer before the fibers finish.
  ScheduleOverrides all;
  for (uint64_t k = 0; k < 64; k++) all[k] = 1;
  Outcome plain = RunWorkload(MakeFifoStrategy());
  Outcome forced = RunWorkload(Fifo(all));
  EXPECT_EQ(plain.order.back(), 'T');
  EXPECT_NE(forced.order.back(), 'T');
}

TEST(ChoiceStrategyTest, TextRoundTrip) {
  ScheduleOverrides o;
  for (const char* w : {"3=1", "17=0", "40=2"}) ASSERT_TRUE(ParseScheduleOverride(w, &o).ok());
  EXPECT_EQ(FormatScheduleOverrides(o), "3=1 17=0 40=2");
  EXPECT_FALSE(ParseScheduleOverride("3=2", &o).ok());  // decision 3 twice
  EXPECT_FALSE(ParseScheduleOverride("x=1", &o).ok());
  EXPECT_FALSE(ParseScheduleOverride("5", &o).ok());
  EXPECT_FALSE(ParseScheduleOverride("5=-1", &o).ok());
}

}  // namespace
}  // namespace llsim
