// raid1's barrier buckets: resync IO in one 64 MiB barrier unit goes on
// beside user writes in another, writes crossing a unit's end are split
// there, and the reference core passes such runs.
#include <gtest/gtest.h>

#include "models/md/barrier_bucket.h"
#include "models/md/reach.h"
#include "properties/runner.h"
#include "traces/trace_format.h"
#include "properties/tests/reach_row.h"

namespace llsim {
namespace {

TEST(BarrierBucketsTest, BucketsAreTheKernelsHash) {
  EXPECT_EQ(BarrierBucket(0), 0);
  EXPECT_EQ(BarrierBucket(kBarrierUnitSectors - 1), 0);
  EXPECT_EQ(BarrierBucket(kBarrierUnitSectors), 391);
  EXPECT_EQ(BarrierBucket(2 * kBarrierUnitSectors), 782);
  EXPECT_EQ(SectorsToUnitEnd(kBarrierUnitSectors - 8, 64), 8u);
  EXPECT_EQ(SectorsToUnitEnd(0, 64), 64u);
}

// A crash leaves chunks of unit 0 to resync on slow disks; user writes to
// unit 1 (and across the boundary) go on meanwhile.
constexpr char kTrace[] =
    "llsim-trace 1\nseed 5\nhz 250\nstrategy random\nlatency 2000 20000 0 30000\n"
    "array mirrors=2 sectors=262144 space=256 daemon_sleep=5\n"
    "op +0us write 0 4096\nop +0us wait\nop +0us crash drop\nop +0us assemble\n"
    "op +1000us write 140000 64\nop +1000us write 150000 64\nop +1000us write 160000 8\n"
    "op +1000us write 131000 200\nop +1000us write 170000 64\nop +1000us write 180000 64\n"
    "op +0us wait\nop +0us settle\n";

TEST(BarrierBucketsTest, ResyncOverlapsWritesInOtherUnits) {
  auto t = ParseTrace(kTrace, "buckets");
  ASSERT_TRUE(t.ok()) << t.status();
  RunResult r = RunScenario(t->scenario);
  ASSERT_FALSE(r.Failed()) << r.First()->ToString();
  EXPECT_GT(RowOf(r.reach, "feature resync"), 0u);
  EXPECT_GT(RowOf(r.reach, "hook start_sync"), 0u);
  EXPECT_GT(RowOf(r.reach, "feature sync beside user writes"), 0u);
  // The write across the unit's end is two bitmap writes: 6 user writes,
  // 7 start_write calls after the reboot, plus the first one.
  EXPECT_EQ(RowOf(r.reach, "hook start_write"), 8u);
  EXPECT_EQ(RowOf(r.reach, "hook end_write"), RowOf(r.reach, "hook start_write"));
}

}  // namespace
}  // namespace llsim
