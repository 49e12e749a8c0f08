// The md model's paths, end to end against the configured core: each
// scenario is a trace (the same text `llsim replay` reads), run with every
// property checked, plus what md must have done along the way.
#include <gtest/gtest.h>

#include "absl/strings/str_join.h"
#include "properties/runner.h"
#include "traces/trace_format.h"

namespace llsim {
namespace {

Scenario Parse(const std::string& ops, const std::string& array = "mirrors=2 sectors=16384") {
  std::string text = "llsim-trace 1\nseed 7\nhz 250\nstrategy random\narray " + array + "\n" + ops;
  auto t = ParseTrace(text, "test");
  EXPECT_TRUE(t.ok()) << t.status();
  return t->scenario;
}

struct Outcome {
  RunResult r;
  int Count(const std::string& needle) const {
    int n = 0;
    for (const Event& e : r.event_list)
      if (e.kind == EventKind::kMd && e.text.find(needle) != std::string::npos) n++;
    return n;
  }
};

Outcome RunChecked(const Scenario& s) {
  RunOptions o;
  o.keep_events = true;
  Outcome out{RunScenario(s, o)};
  EXPECT_FALSE(out.r.Failed()) << out.r.First()->ToString() << "\nnotes: "
                               << absl::StrJoin(out.r.notes, "; ");
  return out;
}

TEST(ScenarioTest, CleanStopThenAssembleNeedsNoResync) {
  Outcome o = RunChecked(Parse(
      "op +0us write 0 64\nop +0us write 4096 8\nop +0us wait\nop +0us stop\n"
      "op +0us assemble\nop +0us settle\n",
      "mirrors=2 sectors=16384 assume_clean=1"));
  EXPECT_EQ(o.Count("resync started"), 0);
  EXPECT_EQ(o.Count("assembled"), 2);
}

TEST(ScenarioTest, CrashWithWritesInFlightResyncsAndMirrorsAgree) {
  Outcome o = RunChecked(Parse(
      "op +0us write 0 64\nop +0us write 1024 64\nop +0us write 8192 128\n"
      "op +300us crash random:50:30\nop +0us assemble\nop +0us settle\n"));
  EXPECT_GE(o.Count("resync started"), 1);
  EXPECT_GE(o.Count("resync done"), 1);
}

TEST(ScenarioTest, FailedMemberReAddedGetsBitmapRecovery) {
  Outcome o = RunChecked(Parse(
      "op +0us fail 1\nop +0us write 0 64\nop +0us write 9000 8\nop +0us wait\n"
      "op +0us readd 1\nop +0us settle\n"));
  EXPECT_EQ(o.Count("bitmap recovery"), 1);
  EXPECT_GE(o.Count("recovery done"), 1);
  EXPECT_GE(o.Count("is in sync"), 1);
}

TEST(ScenarioTest, NewSpareGetsFullSync) {
  Outcome o = RunChecked(Parse(
      "op +0us write 0 64\nop +0us wait\nop +0us fail 0\nop +0us write 4096 64\n"
      "op +0us addspare\nop +0us settle\n"));
  EXPECT_EQ(o.Count("full sync"), 1);
  EXPECT_GE(o.Count("recovery done"), 1);
}

TEST(ScenarioTest, GrowAndShrinkWithWritesAround) {
  Outcome o = RunChecked(Parse(
      "op +0us write 0 64\nop +0us wait\nop +0us resize 32768\nop +0us write 30000 64\n"
      "op +0us settle\nop +0us resize 12288\nop +0us write 100 8\nop +0us settle\n"));
  EXPECT_EQ(o.Count("resize 16384 -> 32768"), 1);
  EXPECT_EQ(o.Count("resize 32768 -> 12288"), 1);
}

TEST(ScenarioTest, ResyncInterruptedByCrashFinishesAfterNextBoot) {
  Outcome o = RunChecked(Parse(
      "op +0us write 0 128\nop +0us write 2048 128\nop +0us write 12000 64\n"
      "op +200us crash keep\nop +0us assemble\nop +100us crash random\nop +0us assemble\n"
      "op +0us settle\n",
      "mirrors=3 sectors=16384"));
  EXPECT_GE(o.Count("resync done"), 1);
}

TEST(ScenarioTest, DegradedWritesThenCrashAndReAdd) {
  Outcome o = RunChecked(Parse(
      "op +0us write 0 64\nop +0us wait\nop +0us fail 0\nop +0us write 64 64\n"
      "op +2000us crash random\nop +0us assemble\nop +0us readd 0\nop +0us settle\n"));
  EXPECT_GE(o.Count("recovery done"), 1);
}

TEST(ScenarioTest, DiscardThenWrite4kBlocks) {
  RunChecked(Parse("op +0us write 0 256\nop +0us wait\nop +0us discard 0 512\nop +0us write 64 8\n"
            "op +50us crash random\nop +0us assemble\nop +0us settle\n",
            "mirrors=2 sectors=16384 lbs=4096"));
}

}  // namespace
}  // namespace llsim
