// raid4/5/6 reshape (mdadm --grow --raid-devices, --chunk): the data keeps
// its content across the move and across a crash anywhere in it, the pass
// resumes from the position the superblocks recorded, the bitmap's reshape
// hooks are driven, and what md refuses is refused. Every run here also
// passes every property (each flushed write must read back at the end).
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "models/md/md_array.h"
#include "properties/runner.h"
#include "traces/trace_format.h"
#include "properties/tests/trace_run.h"

namespace llsim {
namespace {

RunResult RunReshape(const std::string& array, const std::string& ops) {
  return RunTraceText("llsim-trace 1\nseed 5\nstrategy fifo\ndisk-order in-order\narray " +
                          array + "\n" + ops + "expect-failure none\n",
                      "reshape");
}


const char* kRaid5 =
    "mirrors=3 sectors=16384 max_sectors=16384 lbs=512 space=8 daemon_sleep=2 spares=1 "
    "events_rollback=1 md_list=1 level=5 layout=ls chunk=128";

// Writes before and during the reshape, a crash `crash_us` after it
// began, assembly, more writes, then settle: every flushed write must
// read back (durability) and the parity match the data.
std::string GrowOps(const std::string& grow, uint64_t crash_us, const std::string& policy) {
  return absl::StrCat("op +0us write 0 264\nop +100us write 10000 64\nop +0us flush\n",
                      "op +0us advance 20000\nop +0us ", grow,
                      "\nop +200us write 300 16\nop +300us write 20000 100\nop +0us flush\n",
                      "op +", crash_us, "us crash ", policy, "\nop +0us assemble\n",
                      "op +0us write 5000 64\nop +0us flush\nop +0us settle\n");
}

TEST(Raid5ReshapeTest, GrowOntoASpareKeepsTheData) {
  RunResult r = RunReshape(kRaid5, "op +0us write 0 264\nop +0us flush\nop +0us advance 20000\n"
                            "op +0us grow 1 0\nop +0us write 24000 64\nop +0us flush\n"
                            "op +0us settle\n");
  ASSERT_FALSE(r.Failed()) << r.First()->ToString();
  EXPECT_TRUE(Noted(r, "mdadm --grow --raid-devices=4"));
  EXPECT_TRUE(Noted(r, "reshape done at array sector 49152"));
  EXPECT_GT(r.reach.hooks[(int)BitmapOp::kReshapeMark], 1u);
  EXPECT_EQ(r.reach.hooks[(int)BitmapOp::kReshapeFinish], 1u);
}

// A crash at many points of the pass: before the first checkpoint, between
// checkpoints, near the end; each write dropped, kept or torn at random.
TEST(Raid5ReshapeTest, CrashAnywhereInTheMoveLosesNothing) {
  int resumed = 0;
  for (uint64_t us : {500, 5000, 20000, 50000, 90000, 140000})
    for (const char* policy : {"drop", "keep", "random:50:30"}) {
      RunResult r = RunReshape(kRaid5, GrowOps("grow 1 0", us, policy));
      ASSERT_FALSE(r.Failed()) << "crash " << policy << " " << us << "us after the grow: "
                               << r.First()->ToString();
      resumed += Noted(r, "resumes at array sector");
    }
  // Most crash points land inside the pass, which assembly then resumes.
  EXPECT_GE(resumed, 9);
}

TEST(Raid5ReshapeTest, ChunkChangeSurvivesACrash) {
  for (uint64_t us : {2000, 30000, 60000}) {
    RunResult r = RunReshape(kRaid5, GrowOps("grow 0 256", us, "random:50:30"));
    ASSERT_FALSE(r.Failed()) << us << "us: " << r.First()->ToString();
    EXPECT_TRUE(Noted(r, "--chunk=128K"));
  }
  RunResult r = RunReshape(std::string(kRaid5).replace(std::string(kRaid5).find("level=5"), 7, "level=6")
                        .replace(0, 9, "mirrors=4"),
                    GrowOps("grow 1 256", 40000, "drop"));
  ASSERT_FALSE(r.Failed()) << r.First()->ToString();
  EXPECT_TRUE(Noted(r, "mdadm --grow --raid-devices=5 --chunk=128K"));
}

TEST(Raid5ReshapeTest, WhatMdRefusesIsRefused) {
  RunResult smaller = RunReshape(kRaid5, "op +0us advance 20000\nop +0us grow 0 64\nop +0us settle\n");
  ASSERT_FALSE(smaller.Failed()) << smaller.First()->ToString();
  EXPECT_TRUE(Noted(smaller, "llbitmap refuses a smaller chunk (EOPNOTSUPP)"));

  RunResult v10 = RunReshape(std::string(kRaid5) + " metadata=1.0",
                      "op +0us advance 20000\nop +0us grow 1 0\nop +0us settle\n");
  ASSERT_FALSE(v10.Failed()) << v10.First()->ToString();
  EXPECT_TRUE(Noted(v10, "insufficient head-space for reshape"));

  RunResult busy = RunReshape(kRaid5, "op +0us grow 1 0\nop +0us settle\n");
  ASSERT_FALSE(busy.Failed()) << busy.First()->ToString();
  EXPECT_TRUE(Noted(busy, "reshape refused while resync/recovery runs (EBUSY)"));

  RunResult mirror = RunReshape("mirrors=2 sectors=4096 spares=1", "op +0us grow 1 0\nop +0us settle\n");
  ASSERT_FALSE(mirror.Failed()) << mirror.First()->ToString();
  EXPECT_TRUE(Noted(mirror, "raid1 reshape is not modelled"));

  // A frozen reshape stays pending: md refuses a resize until it is done.
  RunResult resize = RunReshape(kRaid5,
                         "op +0us advance 20000\nop +0us grow 1 0\nop +0us freeze\n"
                         "op +0us resize 8192\nop +0us unfreeze\nop +0us settle\n");
  ASSERT_FALSE(resize.Failed()) << resize.First()->ToString();
  EXPECT_TRUE(Noted(resize, "resize refused while"));
}

}  // namespace
}  // namespace llsim
