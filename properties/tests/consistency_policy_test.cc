// raid4/5/6 arrays with a journal or a partial parity log take no
// write-intent bitmap: llbitmap's create refuses a journal (-EBUSY), and md
// refuses PPL beside any bitmap. The rejection is the behaviour under test;
// an assembly that went through would fail these.
#include <gtest/gtest.h>

#include "properties/runner.h"
#include "traces/trace_format.h"
#include "properties/tests/trace_run.h"

namespace llsim {
namespace {

RunResult RunPolicy(const std::string& policy) {
  return RunTraceText(
      "llsim-trace 1\nseed 3\narray mirrors=3 sectors=4096 max_sectors=4096 spares=0 level=5 "
      "layout=ls chunk=128 policy=" +
          policy + "\nop +0us write 0 8\nop +0us settle\nexpect-failure none\n",
      "policy");
}


TEST(ConsistencyPolicyTest, JournalArrayRefusedByTheBitmapsCreate) {
  RunResult r = RunPolicy("journal");
  ASSERT_FALSE(r.Failed()) << r.First()->ToString();
  EXPECT_TRUE(Noted(r, "bitmap create failed: -16")) << "the core took an array with a journal";
  EXPECT_TRUE(Noted(r, "skipped +0us write 0 8: array not running"));
}

TEST(ConsistencyPolicyTest, PplArrayRefusedBeforeTheBitmap) {
  RunResult r = RunPolicy("ppl");
  ASSERT_FALSE(r.Failed()) << r.First()->ToString();
  EXPECT_TRUE(Noted(r, "PPL cannot be used with a write-intent bitmap"));
  EXPECT_FALSE(Noted(r, "bitmap create failed"));
}

TEST(ConsistencyPolicyTest, PolicyRoundTripsAndIsParityOnly) {
  auto t = ParseTrace(
      "llsim-trace 1\narray mirrors=4 sectors=4096 level=6 layout=ls chunk=128 policy=journal\n"
      "expect-failure none\n",
      "x");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->scenario.array.consistency_policy, "journal");
  EXPECT_NE(FormatTrace(*t).find(" policy=journal"), std::string::npos);
  ArrayConfig a;
  EXPECT_FALSE(ParseArrayConfig("mirrors=2 policy=ppl", &a).ok());
  ArrayConfig b;
  EXPECT_FALSE(ParseArrayConfig("mirrors=3 level=5 layout=ls chunk=128 policy=log", &b).ok());
}

}  // namespace
}  // namespace llsim
