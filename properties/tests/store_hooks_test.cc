// The store hooks (core/kshim/src/store_track.h) see every store the core
// makes to its pages: with every page compared at every preemption point,
// no page changes where the hooks saw no store, over the regression corpus
// and generated cases of every profile. The step checks rely on this to
// skip, at a preemption point, the pages the core did not write.
#include <gtest/gtest.h>

#include <rapidcheck.h>

#include <filesystem>

#include "core/kshim/src/store_track.h"
#include "properties/generators.h"
#include "properties/runner.h"
#include "traces/trace_format.h"

namespace llsim {
namespace {

void ExpectNoUnseenStore(const Scenario& s, const std::set<std::string>& skip,
                         const std::string& what) {
  RunOptions o;
  o.check_store_hooks = true;
  o.skip = skip;
  RunResult r = RunScenario(s, o);
  for (const Verdict& v : r.failures)
    EXPECT_NE(v.property, "store-hooks") << what << ": " << v.ToString();
}

TEST(StoreHooksTest, OnWhereBuiltIn) {
#if LLSIM_STORE_HOOKS_BUILD
  EXPECT_TRUE(store_track::HooksActive());
#else
  GTEST_SKIP() << "this build compares every page (no store hooks)";
#endif
}

TEST(StoreHooksTest, NotedStoresAndOnlyThose) {
  if (!store_track::HooksActive()) GTEST_SKIP() << "no store hooks in this build";
  auto* p = static_cast<volatile uint8_t*>(store_track::AllocPageData());
  EXPECT_NE(store_track::TakeWrittenLines((const void*)p), 0u);  // fresh: its contents are new
  EXPECT_EQ(store_track::TakeWrittenLines((const void*)p), 0u);
  p[17] = 1;  // the harness's own store: no hook sees it
  EXPECT_EQ(store_track::TakeWrittenLines((const void*)p), 0u);
  store_track::NoteWrite((const void*)(p + 4095), 1);
  EXPECT_NE(store_track::TakeWrittenLines((const void*)p), 0u);
  EXPECT_EQ(store_track::TakeWrittenLines((const void*)p), 0u);
  store_track::FreePageData((void*)p);
  // Memory not from the arena is never known clean.
  uint8_t other[64];
  EXPECT_EQ(store_track::TakeWrittenLines(other), store_track::kAllLines);
}

// The step checks compare only the 64-byte lines marked: a store marks the
// line it lands on, a copy every line it covers, and a fresh page all.
TEST(StoreHooksTest, LinesMarkedAreTheLinesStoredTo) {
  if (!store_track::HooksActive()) GTEST_SKIP() << "no store hooks in this build";
  auto* p = static_cast<uint8_t*>(store_track::AllocPageData());
  EXPECT_EQ(store_track::TakeWrittenLines(p), store_track::kAllLines);
  uint64_t epoch = store_track::MarkEpoch();
  store_track::NoteWrite(p + 4095, 1);
  EXPECT_NE(store_track::MarkEpoch(), epoch);
  EXPECT_EQ(store_track::TakeWrittenLines(p), uint64_t{1} << 63);
  store_track::NoteWrite(p + 60, 70);  // bytes 60..129: lines 0, 1 and 2
  EXPECT_EQ(store_track::TakeWrittenLines(p), uint64_t{7});
  store_track::NoteWrite(p + 64, 64);  // exactly line 1
  EXPECT_EQ(store_track::TakeWrittenLines(p), uint64_t{2});
  epoch = store_track::MarkEpoch();
  EXPECT_EQ(store_track::TakeWrittenLines(p), uint64_t{0});
  EXPECT_EQ(store_track::MarkEpoch(), epoch);  // taking marks is not a store
  store_track::FreePageData(p);
}

TEST(StoreHooksTest, CorpusShowsNoUnseenStore) {
  int n = 0;
  std::vector<std::filesystem::path> files;
  for (const auto& e :
       std::filesystem::directory_iterator(std::string(LLSIM_SOURCE_DIR) + "/traces/corpus"))
    if (e.path().extension() == ".trace") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    auto t = ReadTraceFile(f.string());
    ASSERT_TRUE(t.ok()) << t.status();
    ExpectNoUnseenStore(t->scenario, t->skip, f.filename().string());
    n++;
  }
  EXPECT_GT(n, 20);
}

TEST(StoreHooksTest, GeneratedCasesShowNoUnseenStore) {
  for (const char* profile : {"swarm", "resize", "resync", "recovery", "race"})
    for (uint64_t seed = 1; seed <= 8; seed++) {
      rc::Random rnd(seed * 7919);
      GenOptions g;
      g.profile = profile;
      Scenario s = GenScenario(g)(rnd, 50).value();
      ExpectNoUnseenStore(s, {}, std::string(profile) + " seed " + std::to_string(seed));
    }
}

}  // namespace
}  // namespace llsim
