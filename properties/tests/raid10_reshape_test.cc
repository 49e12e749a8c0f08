// raid10 reshape (mdadm --grow --raid-devices, --chunk on near and offset
// layouts): every copy keeps its content across the move and across a
// crash anywhere in it, the pass resumes from the position the superblocks
// recorded, the bitmap's reshape hooks are driven, IO on either side of the
// window goes to its geometry, and what md refuses is refused. Every run
// here also passes every property (each flushed write must read back from
// every in-sync copy at the end).
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "models/md/md_array.h"
#include "properties/runner.h"
#include "properties/tests/trace_run.h"
#include "traces/trace_format.h"

namespace llsim {
namespace {

RunResult RunReshape(const std::string& array, const std::string& ops) {
  return RunTraceText("llsim-trace 1\nseed 5\nstrategy fifo\ndisk-order in-order\narray " +
                          array + "\n" + ops + "expect-failure none\n",
                      "raid10 reshape");
}

std::string Raid10(const std::string& layout, int mirrors, int chunk) {
  return absl::StrCat("mirrors=", mirrors,
                      " sectors=16384 max_sectors=16384 lbs=512 space=8 daemon_sleep=2 spares=2 "
                      "events_rollback=1 md_list=1 level=10 layout=",
                      layout, " chunk=", chunk);
}

// Writes before and during the reshape, a crash `crash_us` after it
// began, assembly, more writes (one past the old end), then settle.
std::string GrowOps(const std::string& grow, uint64_t crash_us, const std::string& policy) {
  return absl::StrCat("op +0us write 0 264\nop +100us write 10000 64\nop +0us flush\n",
                      "op +0us advance 20000\nop +0us ", grow,
                      "\nop +200us write 300 16\nop +300us write 12000 100\nop +0us flush\n",
                      "op +", crash_us, "us crash ", policy, "\nop +0us assemble\n",
                      "op +0us write 5000 64\nop +0us flush\nop +0us settle\n",
                      "op +0us write 20000 64\nop +0us flush\nop +0us settle\n");
}

TEST(Raid10ReshapeTest, GrowOntoASpareKeepsEveryCopy) {
  RunResult r = RunReshape(Raid10("n2", 2, 128),
                           "op +0us write 0 264\nop +0us flush\nop +0us advance 20000\n"
                           "op +0us grow 1 0\nop +0us write 3000 64\nop +0us flush\n"
                           "op +0us settle\nop +0us write 20000 64\nop +0us flush\n"
                           "op +0us settle\n");
  ASSERT_FALSE(r.Failed()) << r.First()->ToString();
  EXPECT_TRUE(Noted(r, "mdadm --grow --raid-devices=3"));
  EXPECT_TRUE(Noted(r, "reshape done at array sector 16384"));
  EXPECT_FALSE(Noted(r, "beyond the array"));  // 20000 lies in the grown part
  EXPECT_GT(r.reach.hooks[(int)BitmapOp::kReshapeMark], 1u);
  EXPECT_EQ(r.reach.hooks[(int)BitmapOp::kReshapeCanStart], 1u);
  EXPECT_EQ(r.reach.hooks[(int)BitmapOp::kReshapeFinish], 1u);
}

// A crash at many points of the pass, on near and offset layouts, each
// write dropped, kept or torn at random.
TEST(Raid10ReshapeTest, CrashAnywhereInTheMoveLosesNothing) {
  int resumed = 0;
  for (const char* layout : {"n2", "o2"})
    for (uint64_t us : {500, 5000, 20000, 50000})
      for (const char* policy : {"drop", "keep", "random:50:30"}) {
        RunResult r = RunReshape(Raid10(layout, 3, 64), GrowOps("grow 1 0", us, policy));
        ASSERT_FALSE(r.Failed()) << layout << ": crash " << policy << " " << us
                                 << "us after the grow: " << r.First()->ToString();
        resumed += Noted(r, "resumes at array sector");
      }
  EXPECT_GE(resumed, 12);
}

TEST(Raid10ReshapeTest, ChunkChangeAndTwoMembersSurviveACrash) {
  for (uint64_t us : {2000, 30000}) {
    RunResult r = RunReshape(Raid10("n2", 2, 64), GrowOps("grow 0 128", us, "random:50:30"));
    ASSERT_FALSE(r.Failed()) << us << "us: " << r.First()->ToString();
    EXPECT_TRUE(Noted(r, "--chunk=64K"));
  }
  RunResult r = RunReshape(Raid10("o2", 3, 64), GrowOps("grow 2 128", 10000, "drop"));
  ASSERT_FALSE(r.Failed()) << r.First()->ToString();
  EXPECT_TRUE(Noted(r, "mdadm --grow --raid-devices=5 --chunk=64K"));
  EXPECT_TRUE(Noted(r, "resumes at array sector"));
}

// While the pass is frozen, IO below the last checkpoint goes to the new
// copies, IO past it to the old ones, and a write across it is split there.
TEST(Raid10ReshapeTest, IoOnBothSidesOfAFrozenReshape) {
  RunResult r = RunReshape(Raid10("n2", 2, 64),
                           "op +0us write 0 16384\nop +0us flush\nop +0us advance 20000\n"
                           "op +0us grow 1 0\nop +20000us freeze\nop +0us write 0 16384\n"
                           "op +0us flush\nop +0us read 0 16384\nop +0us unfreeze\n"
                           "op +0us settle\n");
  ASSERT_FALSE(r.Failed()) << r.First()->ToString();
  EXPECT_GT(r.reach.features["raid10 IO split at the reshape position"], 0u);
  EXPECT_TRUE(Noted(r, "reshape done at array sector 16384"));
}

TEST(Raid10ReshapeTest, WhatMdRefusesIsRefused) {
  RunResult far = RunReshape(Raid10("f2", 2, 64), "op +0us advance 20000\nop +0us grow 1 0\n"
                                                  "op +0us settle\n");
  ASSERT_FALSE(far.Failed()) << far.First()->ToString();
  EXPECT_TRUE(Noted(far, "raid10 far layouts cannot be reshaped (EINVAL)"));

  RunResult smaller = RunReshape(Raid10("n2", 2, 128),
                                 "op +0us advance 20000\nop +0us grow 0 64\nop +0us settle\n");
  ASSERT_FALSE(smaller.Failed()) << smaller.First()->ToString();
  EXPECT_TRUE(Noted(smaller, "llbitmap refuses a smaller chunk (EOPNOTSUPP)"));

  RunResult v10 = RunReshape(Raid10("n2", 2, 128) + " metadata=1.0",
                             "op +0us advance 20000\nop +0us grow 1 0\nop +0us settle\n");
  ASSERT_FALSE(v10.Failed()) << v10.First()->ToString();
  EXPECT_TRUE(Noted(v10, "insufficient head-space for reshape"));

  RunResult busy = RunReshape(Raid10("n2", 2, 128), "op +0us grow 1 0\nop +0us settle\n");
  ASSERT_FALSE(busy.Failed()) << busy.First()->ToString();
  EXPECT_TRUE(Noted(busy, "reshape refused while resync/recovery runs (EBUSY)"));

  // A frozen reshape stays pending: md refuses a resize until it is done.
  RunResult resize = RunReshape(Raid10("n2", 2, 128),
                                "op +0us advance 20000\nop +0us grow 1 0\nop +0us freeze\n"
                                "op +0us resize 8192\nop +0us unfreeze\nop +0us settle\n");
  ASSERT_FALSE(resize.Failed()) << resize.First()->ToString();
  EXPECT_TRUE(Noted(resize, "resize refused while"));
}

}  // namespace
}  // namespace llsim
