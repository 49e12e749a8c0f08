// Runtime administration md drives into the bitmap: md's bitmap_set_bits
// (dirty_bits + unplug), writes to the bitmap's sysfs tunables while IO
// runs, sync_action check and repair, and the hooks md skips because
// llbitmap leaves them NULL (daemon_work). Each runs a trace on the
// configured core, which must pass, and asserts the hooks it reached.
#include <gtest/gtest.h>

#include "models/md/reach.h"
#include "properties/runner.h"
#include "traces/trace_format.h"
#include "properties/tests/reach_row.h"
#include "properties/tests/trace_run.h"

namespace llsim {
namespace {

RunResult RunOps(const std::string& ops, bool keep_events = false) {
  return RunTraceText(
      "llsim-trace 1\nseed 5\narray mirrors=2 sectors=16384 daemon_sleep=1\n" + ops, "admin",
      keep_events);
}


TEST(AdminTest, NewOpsRoundTripThroughTheTraceFormat) {
  auto t = ParseTrace(
      "llsim-trace 1\narray mirrors=2 sectors=16384\nop +5us sysfs bitmap_set_bits 1-2,7\n"
      "op +0us check\nop +0us repair\nexpect-failure none\n",
      "roundtrip");
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->scenario.ops.size(), 3u);
  EXPECT_EQ(t->scenario.ops[0].ToString(), "+5us sysfs bitmap_set_bits 1-2,7");
  EXPECT_EQ(t->scenario.ops[1].ToString(), "+0us check");
  auto back = ParseTrace(FormatTrace(*t), "again");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(FormatTrace(*back), FormatTrace(*t));
  EXPECT_FALSE(ParseTrace("llsim-trace 1\nop +0us sysfs daemon_sleep\n", "short").ok());
  auto r = ParseTrace("llsim-trace 1\narray mirrors=2 md_list=1\nop +0us replace 1\nexpect-failure none\n",
                      "replace");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->scenario.ops[0].ToString(), "+0us replace 1");
  EXPECT_TRUE(r->scenario.array.md_list_order);
  EXPECT_NE(FormatTrace(*r).find("md_list=1"), std::string::npos);
  EXPECT_FALSE(ParseTrace("llsim-trace 1\nop +0us replace\n", "short").ok());
}

TEST(AdminTest, BitmapSetBitsCallsDirtyBitsThenUnplug) {
  RunResult r = RunOps(
      "op +0us write 0 64\nop +0us wait\nop +0us advance 20000\n"
      "op +0us sysfs bitmap_set_bits 3-5,9\nop +0us sysfs bitmap_set_bits 7x\n"
      "op +0us settle\n",
      true);
  ASSERT_FALSE(r.Failed()) << r.First()->ToString();
  // Two ranges of the first write; nothing of the second (md's parser
  // stops at the 'x' before marking the number in front of it).
  EXPECT_EQ(RowOf(r.reach, "hook dirty_bits"), 2u);
  EXPECT_EQ(RowOf(r.reach, "feature dirty bits"), 1u);
  EXPECT_TRUE(Noted(r, "bitmap_set_bits 3-5"));
  EXPECT_TRUE(Noted(r, "bitmap_set_bits 9-9"));
  EXPECT_FALSE(Noted(r, "bitmap_set_bits 7-7"));
  // llbitmap has no daemon_work: md must skip the NULL hook.
  EXPECT_EQ(RowOf(r.reach, "hook daemon_work"), 0u);
  // raid1 never asks blocks_synced (raid456 lazy recovery does).
  EXPECT_EQ(RowOf(r.reach, "hook blocks_synced"), 0u);
}

TEST(AdminTest, DirtyBitsSurviveACrashAsAResync) {
  // Chunks marked by bitmap_set_bits are durable once the store returns:
  // a crash right after makes the next assembly resync them.
  RunResult r = RunOps(
      "op +0us sysfs bitmap_set_bits 0-3\nop +0us crash drop\nop +0us assemble\n"
      "op +0us settle\n",
      true);
  ASSERT_FALSE(r.Failed()) << r.First()->ToString();
  EXPECT_EQ(RowOf(r.reach, "hook dirty_bits"), 1u);
  EXPECT_GT(RowOf(r.reach, "feature resync"), 0u);
}

TEST(AdminTest, ASpareIsBoundAtAssemblyAndTakesAFreedSlot) {
  // A spare added to a whole array stays a spare; its superblock says so,
  // and the next assembly binds it with no slot (it is on the member list
  // while the core reads its pages). A failure then gives it the slot.
  RunResult r = RunOps(
      "op +0us addspare\nop +0us wait\nop +0us write 0 64\nop +0us wait\n"
      "op +0us stop\nop +0us assemble\nop +0us write 4096 64\nop +0us wait\n"
      "op +0us fail 1\nop +0us settle\n",
      true);
  ASSERT_FALSE(r.Failed()) << r.First()->ToString();
  EXPECT_EQ(RowOf(r.reach, "feature spare added"), 1u);
  EXPECT_EQ(RowOf(r.reach, "feature spare bound at assembly"), 1u);
  EXPECT_TRUE(Noted(r, "bound as a spare"));
  EXPECT_TRUE(Noted(r, "takes slot 1 (full sync)"));
  EXPECT_GT(RowOf(r.reach, "feature recovery"), 0u);
}

TEST(AdminTest, AReplacementIsRecoveredInFullWhileTheArrayStaysWhole) {
  // mdadm --replace on slot 0: a spare is recovered beside disk 0 while
  // nothing is degraded (llbitmap's skip_sync_blocks must not skip Clean
  // chunks then), writes reach both, and disk 0 leaves once it is done.
  RunResult r = RunOps(
      "op +0us write 0 64\nop +0us write 8192 64\nop +0us wait\nop +0us advance 20000\n"
      "op +0us replace 0\nop +0us write 4096 64\nop +0us wait\nop +0us settle\n",
      true);
  ASSERT_FALSE(r.Failed()) << r.First()->ToString();
  EXPECT_EQ(RowOf(r.reach, "feature replace requested"), 1u);
  EXPECT_EQ(RowOf(r.reach, "feature replacement"), 1u);
  EXPECT_EQ(RowOf(r.reach, "feature replacement done"), 1u);
  EXPECT_GT(RowOf(r.reach, "hook skip_sync_blocks"), 0u);
  EXPECT_TRUE(Noted(r, "replaces sda in slot 0 (full sync)"));
  EXPECT_TRUE(Noted(r, "sda replaced by sdc"));
  EXPECT_TRUE(Noted(r, "sdc is now the member of slot 0"));
}

TEST(AdminTest, AReplacementCutShortByACrashResumes) {
  RunResult r = RunOps(
      "op +0us write 0 64\nop +0us wait\nop +0us replace 1\nop +0us advance 1\n"
      "op +0us crash random\nop +0us assemble\nop +0us write 64 8\nop +0us settle\n",
      true);
  ASSERT_FALSE(r.Failed()) << r.First()->ToString();
  EXPECT_EQ(RowOf(r.reach, "feature replacement"), 1u);
}

TEST(AdminTest, TunablesChangeWhileWritesRun) {
  RunResult r = RunOps(
      "op +0us write 0 64\nop +0us write 4096 8\nop +0us sysfs daemon_sleep 30\n"
      "op +0us sysfs barrier_idle 10\nop +0us sysfs daemon_sleep abc\n"
      "op +0us sysfs barrier_idle 18446744073709551616\nop +0us write 8192 8\n"
      "op +0us sysfs daemon_sleep 2\nop +0us wait\nop +0us settle\n",
      true);
  ASSERT_FALSE(r.Failed()) << r.First()->ToString();
  // Five stores, and mdadm's daemon_sleep tuning at assembly.
  EXPECT_EQ(RowOf(r.reach, "hook sysfs store"), 6u);
  EXPECT_EQ(RowOf(r.reach, "feature sysfs change"), 5u);
  // The invalid values are refused, the valid ones taken.
  EXPECT_TRUE(Noted(r, "daemon_sleep <- 30: 3"));
  EXPECT_TRUE(Noted(r, "barrier_idle <- 10: 3"));
  EXPECT_FALSE(Noted(r, "daemon_sleep <- abc: 4"));
  EXPECT_FALSE(Noted(r, "barrier_idle <- 18446744073709551616: 21"));
}

TEST(AdminTest, CheckComparesAndRepairRewrites) {
  RunResult r = RunOps(
      "op +0us write 0 64\nop +0us write 9000 300\nop +0us wait\nop +0us settle\n"
      "op +0us check\nop +0us settle\nop +0us repair\nop +0us write 64 8\nop +0us settle\n",
      true);
  ASSERT_FALSE(r.Failed()) << r.First()->ToString();
  EXPECT_EQ(RowOf(r.reach, "feature check"), 1u);
  EXPECT_EQ(RowOf(r.reach, "feature repair"), 1u);
  // Check/repair visit written chunks through start_sync (skip_sync_blocks
  // lets them through under MD_RECOVERY_REQUESTED) and close the pass.
  EXPECT_GT(RowOf(r.reach, "hook start_sync"), 0u);
  EXPECT_GT(RowOf(r.reach, "hook close_sync"), 0u);
  EXPECT_TRUE(Noted(r, "check done at"));
  EXPECT_TRUE(Noted(r, "repair done at"));
  EXPECT_TRUE(Noted(r, "mismatch_cnt 0"));
}

}  // namespace
}  // namespace llsim
