// Write-mostly members (mdadm --write-mostly, --write-behind): reads avoid
// them, a read that has only them left waits for behind writes first
// (wait_behind_writes), and writes go behind only when the bitmap gives
// md a max_write_behind, which llbitmap never does.
#include <gtest/gtest.h>

#include "models/md/reach.h"
#include "properties/runner.h"
#include "traces/trace_format.h"
#include "properties/tests/reach_row.h"

namespace llsim {
namespace {

RunResult RunTrace(const std::string& text) {
  auto t = ParseTrace(text, "write-mostly");
  EXPECT_TRUE(t.ok()) << t.status();
  if (!t.ok()) return {};
  return RunScenario(t->scenario);
}

TEST(WriteMostlyTest, ArrayKeysRoundTripAndStayOffByDefault) {
  ArrayConfig a;
  EXPECT_EQ(FormatArrayConfig(a).find("write_mostly"), std::string::npos);
  a.write_mostly = 2;
  a.write_behind = 256;
  a.slow_write_mostly = 8;
  ArrayConfig b;
  ASSERT_TRUE(ParseArrayConfig(FormatArrayConfig(a), &b).ok());
  EXPECT_EQ(b.write_mostly, 2u);
  EXPECT_EQ(b.write_behind, 256u);
  EXPECT_EQ(b.slow_write_mostly, 8u);
  ArrayConfig c;
  EXPECT_FALSE(ParseArrayConfig("mirrors=2 spares=0 write_mostly=4", &c).ok());
}

TEST(WriteMostlyTest, LastResortReadWaitsForBehindWrites) {
  // Disk 0 is write-mostly (and slow); the other member fails, so the
  // reads that follow can only be served by the write-mostly one.
  RunResult r = RunTrace(
      "llsim-trace 1\nseed 9\n"
      "array mirrors=2 sectors=16384 daemon_sleep=1 write_mostly=1 write_behind=256 "
      "slow_write_mostly=8\n"
      "op +0us write 0 64\nop +0us read 0 64\nop +0us wait\nop +0us fail 1\n"
      "op +0us read 0 64\nop +0us write 128 8\nop +0us wait\nop +0us readd 1\n"
      "op +0us settle\nexpect-failure none\n");
  ASSERT_FALSE(r.Failed()) << r.First()->ToString();
  EXPECT_GT(RowOf(r.reach, "feature write-mostly write"), 0u);
  EXPECT_EQ(RowOf(r.reach, "feature write-mostly read"), 1u);
  EXPECT_EQ(RowOf(r.reach, "hook wait_behind_writes"), 1u);
  // raid1 asks the bitmap for its behind-write stats on each such write.
  EXPECT_GT(RowOf(r.reach, "hook get_stats"), 0u);
  // llbitmap leaves bitmap_info.max_write_behind 0 (it ignores the
  // superblock's write_behind): md never writes behind with it.
  EXPECT_EQ(RowOf(r.reach, "feature behind write"), 0u);
  EXPECT_EQ(RowOf(r.reach, "hook start_behind_write"), 0u);
  EXPECT_EQ(RowOf(r.reach, "hook end_behind_write"), 0u);
}

TEST(WriteMostlyTest, ReadsAvoidAWriteMostlyMember) {
  RunResult r = RunTrace(
      "llsim-trace 1\nseed 9\narray mirrors=3 sectors=16384 write_mostly=2\n"
      "op +0us write 0 64\nop +0us wait\nop +0us read 0 64\nop +0us read 0 8\n"
      "op +0us read 8 8\nop +0us read 16 8\nop +0us wait\nop +0us settle\n"
      "expect-failure none\n");
  ASSERT_FALSE(r.Failed()) << r.First()->ToString();
  EXPECT_EQ(RowOf(r.reach, "feature write-mostly read"), 0u);
  EXPECT_EQ(RowOf(r.reach, "hook wait_behind_writes"), 0u);
}

}  // namespace
}  // namespace llsim
