// md's event count: a clean/dirty toggle on a whole array takes it back by
// one (md_update_sb's can_decrease_events), and a re-added member is
// compared with the bitmap's events_cleared from either side.
#include <gtest/gtest.h>

#include "models/md/reach.h"
#include "properties/runner.h"
#include "traces/trace_format.h"
#include "properties/tests/reach_row.h"

namespace llsim {
namespace {

RunResult RunOps(const std::string& array, const std::string& ops) {
  auto t = ParseTrace("llsim-trace 1\nseed 13\narray " + array + "\n" + ops, "events");
  EXPECT_TRUE(t.ok()) << t.status();
  if (!t.ok()) return {};
  return RunScenario(t->scenario);
}

TEST(EventsTest, CleanAfterDirtyTakesEventsBack) {
  RunResult r = RunOps("mirrors=2 sectors=16384 daemon_sleep=1 events_rollback=1",
                       "op +0us write 0 64\nop +0us wait\nop +0us advance 1000\n"
                       "op +0us write 64 8\nop +0us wait\nop +0us advance 1000\n"
                       "op +0us settle\nop +0us stop\nop +0us assemble\nop +0us settle\n");
  ASSERT_FALSE(r.Failed()) << r.First()->ToString();
  // Every dirty write but the first after assembly is undone by the clean.
  EXPECT_GE(RowOf(r.reach, "feature events decremented"), 1u);
}

TEST(EventsTest, DegradedArraysNeverTakeEventsBack) {
  RunResult r = RunOps("mirrors=2 sectors=16384 daemon_sleep=1 spares=0 events_rollback=1",
                       "op +0us fail 1\nop +0us advance 1000\nop +0us write 0 64\n"
                       "op +0us wait\nop +0us advance 1000\nop +0us write 64 8\n"
                       "op +0us wait\nop +0us advance 1000\n");
  ASSERT_FALSE(r.Failed()) << r.First()->ToString();
  EXPECT_EQ(RowOf(r.reach, "feature events decremented"), 0u);
}

TEST(EventsTest, ReAddAboveEventsClearedRecoversFromTheBitmap) {
  RunResult r = RunOps("mirrors=2 sectors=16384 daemon_sleep=1",
                       "op +0us write 0 64\nop +0us wait\nop +0us fail 1\n"
                       "op +0us write 4096 64\nop +0us wait\nop +0us readd 1\nop +0us settle\n");
  ASSERT_FALSE(r.Failed()) << r.First()->ToString();
  EXPECT_EQ(RowOf(r.reach, "feature re-add"), 1u);
  EXPECT_EQ(RowOf(r.reach, "feature re-add (full recovery)"), 0u);
}

TEST(EventsTest, ReAddBelowEventsClearedIsAFullRecovery) {
  // A spare makes the array whole and the daemon cleans meanwhile: the
  // member that left is below events_cleared when it comes back.
  RunResult r = RunOps("mirrors=2 sectors=16384 daemon_sleep=1",
                       "op +0us write 0 64\nop +0us wait\nop +0us fail 1\n"
                       "op +0us write 4096 64\nop +0us wait\nop +0us addspare\nop +0us settle\n"
                       "op +0us readd 1\nop +0us settle\n");
  ASSERT_FALSE(r.Failed()) << r.First()->ToString();
  EXPECT_EQ(RowOf(r.reach, "feature re-add (full recovery)"), 1u);
}

}  // namespace
}  // namespace llsim
