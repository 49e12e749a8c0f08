// raid10 resize (raid10_resize): near and offset layouts grow and shrink
// with the bitmap resized to the new array size first, a grow resyncs the
// new part, and every flushed write reads back across a crash; far layouts
// are refused, as md refuses them.
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "models/md/md_array.h"
#include "properties/tests/trace_run.h"

namespace llsim {
namespace {

RunResult RunRaid10(const std::string& layout, const std::string& ops) {
  return RunTraceText(
      absl::StrCat("llsim-trace 1\nseed 9\nstrategy fifo\ndisk-order in-order\n",
                   "array mirrors=3 sectors=8192 max_sectors=16384 daemon_sleep=2 spares=1 ",
                   "events_rollback=1 md_list=1 level=10 layout=", layout, " chunk=128\n", ops,
                   "expect-failure none\n"),
      "raid10-resize");
}

TEST(Raid10ResizeTest, NearAndOffsetGrowThenShrinkKeepTheData) {
  for (const char* layout : {"n2", "o2"}) {
    RunResult r = RunRaid10(
        layout,
        "op +0us write 0 264\nop +0us write 12000 64\nop +0us flush\nop +0us advance 20000\n"
        "op +0us resize 16384\nop +100us write 20000 128\nop +0us flush\n"
        "op +2000us crash random:50:30\nop +0us assemble\nop +0us settle\n"
        "op +0us resize 12288\nop +0us write 100 8\nop +0us flush\nop +0us settle\n");
    ASSERT_FALSE(r.Failed()) << layout << ": " << r.First()->ToString();
    EXPECT_TRUE(Noted(r, "resize 8192 -> 16384 sectors")) << layout;
    EXPECT_TRUE(Noted(r, "resize 16384 -> 12288 sectors")) << layout;
    EXPECT_EQ(r.reach.hooks[(int)BitmapOp::kResize], 2u) << layout;
  }
}

TEST(Raid10ResizeTest, FarLayoutIsRefused) {
  RunResult r = RunRaid10("f2", "op +0us advance 20000\nop +0us resize 16384\nop +0us settle\n");
  ASSERT_FALSE(r.Failed()) << r.First()->ToString();
  EXPECT_TRUE(Noted(r, "raid10 far layouts cannot be resized (EINVAL)"));
  EXPECT_EQ(r.reach.hooks[(int)BitmapOp::kResize], 0u);
}

}  // namespace
}  // namespace llsim
