// The bad-block log: with badblocks=1 a write error records bad blocks on
// the member (narrow_write_error) instead of failing it, reads avoid
// them, the log survives a reboot in the member's superblock, and a later
// good write clears them. Without the log the member fails, as before.
#include <gtest/gtest.h>

#include "models/md/reach.h"
#include "models/md/superblock.h"
#include "properties/runner.h"
#include "traces/trace_format.h"
#include "properties/tests/reach_row.h"

namespace llsim {
namespace {

RunResult RunOps(const std::string& array, const std::string& ops) {
  auto t = ParseTrace("llsim-trace 1\nseed 6\nhz 250\nstrategy random\narray " + array + "\n" +
                          ops + "op +0us settle\n",
                      "badblocks");
  EXPECT_TRUE(t.ok()) << t.status();
  return RunScenario(t->scenario);
}

TEST(BadBlocksTest, SuperblockCarriesTheLog) {
  MdSuperblock sb;
  sb.raid_disks = 2;
  std::vector<uint8_t> plain = sb.Encode();
  sb.bad_blocks = {{100, 8}, {4096, 64}};
  auto back = MdSuperblock::Decode(sb.Encode());
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->bad_blocks, sb.bad_blocks);
  // No entry: the bytes every superblock had before the log.
  sb.bad_blocks.clear();
  EXPECT_EQ(sb.Encode(), plain);
}

// A write error on disk 1, then reads (which must avoid the bad range and
// succeed), a reboot (the log comes back from the superblock), a repair of
// the disk (readd clears the fault rules; the member is still active, so
// md refuses the re-add itself) and a write over the range.
constexpr char kOps[] =
    // Eight bad sectors: the model fails a member after more than eight
    // failed rewrites of one write (models/md/badblocks.cc).
    "op +0us ioerror 1 0 8\nop +0us write 0 64\nop +0us wait\n"
    "op +0us read 0 64\nop +0us read 0 64\nop +0us read 0 64\nop +0us wait\n"
    "op +0us settle\nop +0us stop\nop +0us assemble\nop +0us settle\n"
    "op +0us readd 1\nop +0us write 0 64\nop +0us wait\n";

TEST(BadBlocksTest, WriteErrorRecordsBadBlocksAndAGoodWriteClearsThem) {
  RunResult r = RunOps("mirrors=2 sectors=16384 space=256 badblocks=1", kOps);
  ASSERT_FALSE(r.Failed()) << r.First()->ToString();
  EXPECT_GT(RowOf(r.reach, "feature write error"), 0u);
  EXPECT_GT(RowOf(r.reach, "feature bad block recorded"), 0u);
  EXPECT_GT(RowOf(r.reach, "feature bad block cleared"), 0u);
  EXPECT_EQ(RowOf(r.reach, "feature member failed"), 0u);
  EXPECT_EQ(RowOf(r.reach, "feature read error"), 0u);  // reads went round the bad range
  EXPECT_GT(RowOf(r.reach, "hook end_write"), 0u);
}

TEST(BadBlocksTest, WithoutTheLogTheMemberFails) {
  RunResult r = RunOps("mirrors=2 sectors=16384 space=256", kOps);
  ASSERT_FALSE(r.Failed()) << r.First()->ToString();
  EXPECT_EQ(RowOf(r.reach, "feature bad block recorded"), 0u);
  EXPECT_EQ(RowOf(r.reach, "feature member failed"), 1u);
}

}  // namespace
}  // namespace llsim
