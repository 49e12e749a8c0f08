// Reach counts: every hook and feature is listed even when never reached,
// names round-trip, and a run counts what it drives and nothing else.
#include <gtest/gtest.h>

#include "models/md/md_array.h"
#include "models/md/reach.h"
#include "properties/runner.h"
#include "traces/trace_format.h"
#include "properties/tests/reach_row.h"

namespace llsim {
namespace {

TEST(ReachTest, NothingReachedStillListsEveryHookAndFeature) {
  Reach r;
  auto rows = r.Rows();
  EXPECT_EQ(rows.size(), 30u + ModelFeatures().size());
  for (const auto& [name, n] : rows) EXPECT_EQ(n, 0u) << name;
  EXPECT_EQ(RowOf(r, "hook start_write"), 0u);
  EXPECT_EQ(RowOf(r, "feature crash"), 0u);
}

TEST(ReachTest, RowNamesRoundTrip) {
  Reach a;
  a.Hook(BitmapOp::kCloseSync);
  a.Feature("re-add", 2);
  Reach b;
  for (const auto& [name, n] : a.Rows()) EXPECT_TRUE(b.Set(name, n)) << name;
  EXPECT_EQ(a.Rows(), b.Rows());
  EXPECT_FALSE(b.Set("hook no_such_hook", 1));
}

TEST(ReachTest, ARunCountsWhatItDrives) {
  auto t = ParseTrace(
      "llsim-trace 1\nseed 3\narray mirrors=2 sectors=16384\n"
      "op +0us write 0 64\nop +0us discard 4096 128\nop +0us wait\n"
      "op +0us crash random\nop +0us settle\n",
      "reach");
  ASSERT_TRUE(t.ok()) << t.status();
  RunResult r = RunScenario(t->scenario);
  ASSERT_FALSE(r.Failed()) << r.First()->ToString();
  EXPECT_GT(RowOf(r.reach, "hook start_write"), 0u);
  EXPECT_GT(RowOf(r.reach, "hook end_write"), 0u);
  EXPECT_GT(RowOf(r.reach, "hook start_discard"), 0u);
  EXPECT_EQ(RowOf(r.reach, "feature crash"), 1u);
  EXPECT_EQ(RowOf(r.reach, "feature discard"), 1u);
  EXPECT_EQ(RowOf(r.reach, "feature assemble"), 2u);
  EXPECT_EQ(RowOf(r.reach, "feature resize"), 0u);
  EXPECT_EQ(RowOf(r.reach, "feature member failed"), 0u);
}

}  // namespace
}  // namespace llsim
