// raid1's read-error path: a read that fails on one mirror is fixed from
// another (fix_read_error rewrites the failing member and reads it back),
// and a range no member can read fails the member it was read from.
#include <gtest/gtest.h>

#include "models/md/reach.h"
#include "properties/runner.h"
#include "sim/faults.h"
#include "traces/trace_format.h"
#include "properties/tests/reach_row.h"

namespace llsim {
namespace {

RunResult RunOps(const std::string& ops) {
  auto t = ParseTrace("llsim-trace 1\nseed 9\nhz 250\nstrategy random\n"
                      "array mirrors=2 sectors=16384 space=256\n"
                      "op +0us write 0 64\nop +0us wait\n" + ops + "op +0us settle\n",
                      "readerror");
  EXPECT_TRUE(t.ok()) << t.status();
  return RunScenario(t->scenario);
}

TEST(ReadErrorTest, AWriteHealsALatentError) {
  FaultPlan p;
  Rng rng(1);
  std::string why;
  p.AddRule({.disk = 0, .writes = false, .first_sector = 100, .last_sector = 199,
             .heal_on_write = true});
  EXPECT_NE(p.Decide(0, IoOp::kRead, 150, 8, rng, &why), 0);
  EXPECT_EQ(p.Decide(1, IoOp::kRead, 150, 8, rng, &why), 0);
  EXPECT_EQ(p.Decide(0, IoOp::kWrite, 140, 20, rng, &why), 0);
  EXPECT_EQ(p.Decide(0, IoOp::kRead, 140, 20, rng, &why), 0);
  EXPECT_NE(p.Decide(0, IoOp::kRead, 139, 1, rng, &why), 0);
  EXPECT_NE(p.Decide(0, IoOp::kRead, 160, 1, rng, &why), 0);
}

TEST(ReadErrorTest, ReadErrorIsFixedFromTheOtherMirror) {
  // Enough reads that read_balance picks the bad member at least once.
  std::string ops = "op +0us readerror 0 0 64\n";
  for (int i = 0; i < 8; i++) ops += "op +0us read 0 64\nop +0us wait\n";
  RunResult r = RunOps(ops);
  ASSERT_FALSE(r.Failed()) << r.First()->ToString();
  EXPECT_GT(RowOf(r.reach, "feature read error"), 0u);
  EXPECT_GT(RowOf(r.reach, "feature read error fixed"), 0u);
  EXPECT_EQ(RowOf(r.reach, "feature member failed"), 0u);
  EXPECT_GT(RowOf(r.reach, "hook start_write"), 0u);
}

TEST(ReadErrorTest, UnreadableEverywhereFailsTheMember) {
  std::string ops = "op +0us readerror 0 0 64\nop +0us readerror 1 0 64\n";
  for (int i = 0; i < 4; i++) ops += "op +0us read 0 64\nop +0us wait\n";
  RunResult r = RunOps(ops);
  ASSERT_FALSE(r.Failed()) << r.First()->ToString();
  EXPECT_GT(RowOf(r.reach, "feature read error"), 0u);
  EXPECT_EQ(RowOf(r.reach, "feature read error fixed"), 0u);
  EXPECT_EQ(RowOf(r.reach, "feature member failed"), 1u);
  // md_error is recorded by a superblock update, which the bitmap is told
  // of first.
  EXPECT_GT(RowOf(r.reach, "hook update_sb"), 1u);
}

}  // namespace
}  // namespace llsim
