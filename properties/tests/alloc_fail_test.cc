// Allocation failures end to end against the configured core: a core that
// handles -ENOMEM cleanly passes every property (the array does not start,
// a grow is refused, nothing leaks), and the assemblable exception covers
// only an assembly whose bitmap failed with -ENOMEM after an injected
// failure.
#include <gtest/gtest.h>

#include "absl/strings/str_join.h"
#include "properties/runner.h"
#include "traces/trace_format.h"

namespace llsim {
namespace {

Scenario Parse(const std::string& header, const std::string& ops) {
  std::string text = "llsim-trace 1\nseed 7\nhz 250\nstrategy random\n" + header +
                     "array mirrors=2 sectors=16384\n" + ops;
  auto t = ParseTrace(text, "test");
  EXPECT_TRUE(t.ok()) << t.status();
  return t->scenario;
}

int CountMd(const RunResult& r, const std::string& needle) {
  int n = 0;
  for (const Event& e : r.event_list)
    if (e.kind == EventKind::kMd && e.text.find(needle) != std::string::npos) n++;
  return n;
}

int CountInjected(const RunResult& r) {
  int n = 0;
  for (const Event& e : r.event_list)
    if (e.kind == EventKind::kFault && e.text.find("allocation failure injected") == 0) n++;
  return n;
}

RunResult RunClean(const Scenario& s) {
  RunOptions o;
  o.keep_events = true;
  RunResult r = RunScenario(s, o);
  EXPECT_FALSE(r.Failed()) << r.First()->ToString() << "\nnotes: " << absl::StrJoin(r.notes, "; ");
  return r;
}

// Every allocation fails from the start: the module does not even load,
// every assembly finds no bitmap module, and nothing is reported.
TEST(AllocFailTest, EveryAllocationFailingKeepsTheModuleOutCleanly) {
  RunResult r = RunClean(Parse("alloc-fail 1000000\n", "op +0us write 0 64\nop +0us assemble\n"));
  EXPECT_GE(CountInjected(r), 1);
  bool noted = false;
  for (const std::string& n : r.notes)
    if (n.find("md_llbitmap_init failed: -12") != std::string::npos) noted = true;
  EXPECT_TRUE(noted) << absl::StrJoin(r.notes, "; ");
}

// Memory runs out for one assembly: create fails with -ENOMEM, md does not
// start the array (excused), and the next assembly with memory works.
TEST(AllocFailTest, AssemblyWithoutMemoryFailsCleanlyAndTheNextOneWorks) {
  RunResult r = RunClean(Parse("", "op +0us write 0 64\nop +0us wait\nop +0us stop\n"
                              "op +0us allocfail 1000000\nop +0us assemble\n"
                              "op +0us allocfail 0\nop +0us assemble\nop +0us settle\n"));
  EXPECT_EQ(CountMd(r, "bitmap create failed: -12"), 1);
  EXPECT_EQ(CountMd(r, "assembled"), 2);
}

// A grow that cannot get its new bitmap pages is refused; the array runs on
// at its old size and everything written is still checked.
TEST(AllocFailTest, GrowWithoutMemoryIsRefusedAndTheArrayRunsOn) {
  Scenario s = Parse("", "op +0us write 0 64\nop +0us settle\nop +0us allocfail 1000000\n"
                         "op +0us resize 32768\nop +0us allocfail 0\nop +0us write 128 8\n"
                         "op +0us settle\n");
  s.array.bitmap_space = 16;
  s.array.dev_sectors = 262144;
  s.array.max_dev_sectors = 2 * s.array.dev_sectors;
  s.ops[3].a = s.array.max_dev_sectors;  // past what the first bitmap page covers
  RunResult r = RunClean(s);
  EXPECT_EQ(CountMd(r, "bitmap resize refused: -12"), 1) << absl::StrJoin(r.notes, "; ");
}

// The same seed and rate fail the same allocations: the run's hash repeats.
TEST(AllocFailTest, InjectedFailuresReplayExactly) {
  Scenario s = Parse("alloc-fail 300000\n",
                     "op +0us write 0 64\nop +0us crash random\nop +0us assemble\n"
                     "op +0us stop\nop +0us assemble\nop +0us settle\n");
  RunResult a = RunScenario(s, {});
  RunResult b = RunScenario(s, {});
  EXPECT_EQ(a.hash, b.hash);
  s.alloc_fail_ppm = 0;
  EXPECT_NE(RunScenario(s, {}).hash, a.hash);
}

}  // namespace
}  // namespace llsim
