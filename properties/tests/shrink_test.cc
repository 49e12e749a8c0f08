// The shrinker's steps against a stand-in for "still fails" (no runs): it
// keeps only what the failure needs of the operations, the crash's timing
// and policy, the world's knobs and the scheduling overrides, never takes a
// step after which the failure is gone, and stays within its run budget.
#include "properties/shrink.h"

#include <gtest/gtest.h>

namespace llsim {
namespace {

Scenario Big() {
  Scenario s;
  s.strategy = "random";
  s.latency_min_us = 50;
  s.latency_max_us = 900;
  s.stall_ppm = 10;
  s.alloc_fail_ppm = 2000;
  for (int i = 0; i < 10; i++) s.ops.push_back({OpKind::kWrite, (uint64_t)i * 8, 8, 0, false, "", 1000});
  s.ops.push_back({OpKind::kAllocFail, 5000});
  s.ops.push_back({OpKind::kCrash, 640, 0, 0, false, "random:50:20", 0});
  return s;
}

bool HasWrite(const Scenario& s, uint64_t sector) {
  for (const Op& o : s.ops)
    if (o.kind == OpKind::kWrite && o.a == sector) return true;
  return false;
}

const Op* CrashOp(const Scenario& s) {
  for (const Op& o : s.ops)
    if (o.kind == OpKind::kCrash) return &o;
  return nullptr;
}

// The recorded run: 40 decisions away from fifo's, of which 7 and 31 matter.
std::map<uint64_t, uint32_t> Recorded() {
  std::map<uint64_t, uint32_t> m;
  for (uint64_t k = 0; k < 40; k++) m[k * 3 + 1] = 1;
  return m;
}

TEST(ShrinkTest, KeepsOnlyWhatTheFailureNeeds) {
  // Fails while writes 16 and 40 are there, a crash lands at least 10
  // events in, and (once scheduling is explicit) decisions 7 and 31 are
  // overridden; random scheduling fails too, plain fifo does not.
  auto fails = [](const Scenario& c) {
    const Op* crash = CrashOp(c);
    if (!HasWrite(c, 16) || !HasWrite(c, 40) || !crash || crash->a < 10) return false;
    if (c.strategy == "random") return true;
    return c.schedule.count(7) && c.schedule.count(31);
  };
  ShrinkHooks h;
  h.still_fails = fails;
  h.record = [](const Scenario&) { return std::optional(Recorded()); };
  ShrinkStats st;
  Scenario small = ShrinkScenarioWith(Big(), h, &st);
  ASSERT_TRUE(fails(small));
  EXPECT_EQ(small.ops.size(), 3u);
  for (const Op& o : small.ops) EXPECT_EQ(o.delay, 0);
  ASSERT_NE(CrashOp(small), nullptr);
  EXPECT_EQ(CrashOp(small)->text, "drop");
  EXPECT_GE(CrashOp(small)->a, 10u);
  EXPECT_LT(CrashOp(small)->a, 20u);  // halved from 640 while it failed
  EXPECT_EQ(small.stall_ppm, 0u);
  EXPECT_EQ(small.latency_min_us, 20u);
  EXPECT_EQ(small.latency_max_us, 20u);
  EXPECT_EQ(small.alloc_fail_ppm, 0u);
  EXPECT_EQ(small.disk_order, "in-order");
  EXPECT_EQ(small.strategy, "fifo");
  EXPECT_EQ(small.schedule, (std::map<uint64_t, uint32_t>{{7, 1}, {31, 1}}));
  EXPECT_EQ(st.choices_before, 40);
  EXPECT_EQ(st.choices_after, 2);
}

TEST(ShrinkTest, PlainFifoWhenTheFailureNeedsNoInterleaving) {
  ShrinkHooks h;
  h.still_fails = [](const Scenario& c) { return HasWrite(c, 24); };
  int recorded = 0;
  h.record = [&](const Scenario&) {
    recorded++;
    return std::optional(Recorded());
  };
  Scenario small = ShrinkScenarioWith(Big(), h);
  EXPECT_EQ(small.strategy, "fifo");
  EXPECT_TRUE(small.schedule.empty());
  EXPECT_EQ(recorded, 0);
  EXPECT_EQ(small.ops.size(), 1u);
}

TEST(ShrinkTest, NothingThatLosesTheFailure) {
  // Everything is needed: the shrinker must hand back the scenario as is.
  Scenario big = Big();
  ShrinkHooks h;
  h.still_fails = [&](const Scenario& c) {
    return c.ops.size() == big.ops.size() && c.ops[0].delay == big.ops[0].delay &&
           c.strategy == big.strategy && c.latency_max_us == big.latency_max_us &&
           c.stall_ppm == big.stall_ppm && c.alloc_fail_ppm == big.alloc_fail_ppm &&
           c.disk_order == big.disk_order && CrashOp(c)->a == 640 &&
           CrashOp(c)->text == "random:50:20";
  };
  Scenario same = ShrinkScenarioWith(big, h);
  EXPECT_EQ(same.ops.size(), big.ops.size());
  EXPECT_EQ(same.strategy, "random");
  EXPECT_EQ(CrashOp(same)->text, "random:50:20");
  EXPECT_EQ(same.latency_max_us, 900u);
}

TEST(ShrinkTest, StaysWithinItsBudget) {
  int runs = 0;
  ShrinkHooks h;
  h.max_runs = 25;
  h.still_fails = [&](const Scenario& c) {
    runs++;
    return HasWrite(c, 16);
  };
  h.record = [&](const Scenario&) {
    runs++;
    return std::optional(Recorded());
  };
  ShrinkStats st;
  ShrinkScenarioWith(Big(), h, &st);
  EXPECT_LE(runs, 25);
  EXPECT_EQ(st.runs, runs);
}

}  // namespace
}  // namespace llsim
