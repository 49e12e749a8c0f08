// Extent maps and stamp runs: the sparse storage behind the disks and the
// data oracle answers exactly what a dense per-sector array would.
#include "sim/extent_map.h"

#include <gtest/gtest.h>

#include <vector>

#include "sim/byte_pages.h"
#include "sim/rng.h"
#include "sim/stamp_runs.h"

namespace llsim {
namespace {

TEST(ExtentMapTest, UnwrittenReadsDefault) {
  ExtentMap<uint64_t> m;
  EXPECT_EQ(m.Get(0), 0u);
  EXPECT_EQ(m.Get(1ull << 40), 0u);
  EXPECT_TRUE(m.Empty());
}

TEST(ExtentMapTest, AssignSplitsAndMerges) {
  ExtentMap<uint64_t> m;
  m.Assign(10, 20, 7);
  m.Assign(14, 16, 9);  // splits 7 in two
  EXPECT_EQ(m.ExtentCount(), 3u);
  EXPECT_EQ(m.Get(13), 7u);
  EXPECT_EQ(m.Get(14), 9u);
  EXPECT_EQ(m.Get(16), 7u);
  EXPECT_EQ(m.Get(20), 0u);
  m.Assign(14, 16, 7);  // touching neighbours of one value become one
  EXPECT_EQ(m.ExtentCount(), 1u);
  m.Assign(12, 18, 0);  // the default value erases
  EXPECT_EQ(m.ExtentCount(), 2u);
  EXPECT_EQ(m.Get(12), 0u);
  EXPECT_EQ(m.Get(11), 7u);
}

TEST(ExtentMapTest, VisitCoversGaps) {
  ExtentMap<uint64_t> m;
  m.Assign(5, 10, 1);
  m.Assign(20, 30, 2);
  std::vector<std::tuple<uint64_t, uint64_t, uint64_t>> seen;
  m.Visit(7, 25, [&](uint64_t b, uint64_t e, uint64_t v) { seen.push_back({b, e, v}); });
  std::vector<std::tuple<uint64_t, uint64_t, uint64_t>> want = {
      {7, 10, 1}, {10, 20, 0}, {20, 25, 2}};
  EXPECT_EQ(seen, want);
}

TEST(ExtentMapTest, EraseFromForgetsTheTail) {
  ExtentMap<uint64_t> m;
  m.Assign(0, 100, 3);
  m.EraseFrom(40);
  EXPECT_EQ(m.Get(39), 3u);
  EXPECT_EQ(m.Get(40), 0u);
  EXPECT_EQ(m.ExtentCount(), 1u);
}

// Random assigns and updates agree with a dense array, sector by sector.
TEST(ExtentMapTest, MatchesADenseArray) {
  Rng rng(7);
  for (int round = 0; round < 20; round++) {
    ExtentMap<uint64_t> m;
    std::vector<uint64_t> dense(300, 0);
    for (int op = 0; op < 200; op++) {
      uint64_t b = rng.Below(300), e = b + 1 + rng.Below(40);
      e = std::min<uint64_t>(e, 300);
      uint64_t v = rng.Below(4);  // small values: many merges and erases
      if (rng.Chance(1, 3)) {
        m.Update(b, e, [&](uint64_t old) { return std::max(old, v); });
        for (uint64_t s = b; s < e; s++) dense[s] = std::max(dense[s], v);
      } else {
        m.Assign(b, e, v);
        for (uint64_t s = b; s < e; s++) dense[s] = v;
      }
      for (uint64_t s = 0; s < 300; s++) ASSERT_EQ(m.Get(s), dense[s]) << "sector " << s;
      // Stored extents are disjoint, ordered, non-empty and merged.
      uint64_t last_end = 0, last_v = 0;
      for (const auto& [first, ext] : m) {
        ASSERT_LT(first, ext.end);
        ASSERT_GE(first, last_end);
        ASSERT_FALSE(first == last_end && ext.value == last_v && first != 0);
        ASSERT_NE(ext.value, 0u);
        last_end = ext.end;
        last_v = ext.value;
      }
    }
  }
}

TEST(StampRunsTest, BehavesLikeAVectorOfStamps) {
  StampRuns r;
  r.assign(5, 7);
  r.Append(3, 7);
  r.Append(2, 9);
  EXPECT_EQ(r.size(), 10u);
  EXPECT_EQ(r.Runs().size(), 2u);
  EXPECT_EQ(r[7], 7u);
  EXPECT_EQ(r[8], 9u);
  EXPECT_EQ(r, std::vector<uint64_t>({7, 7, 7, 7, 7, 7, 7, 7, 9, 9}));
  EXPECT_FALSE(r == std::vector<uint64_t>(10, 7));
  StampRuns s = {7, 7, 7, 7, 7, 7, 7, 7, 9, 9};
  EXPECT_EQ(r, s);
  EXPECT_EQ(r.Expand(), s.Expand());
}

TEST(StampRunsTest, ALongWriteIsOneRun) {
  StampRuns r;
  r.assign(1ull << 33, 42);  // 4 TiB of one write
  EXPECT_EQ(r.Runs().size(), 1u);
  EXPECT_EQ(r[(1ull << 33) - 1], 42u);
}

TEST(BytePagesTest, UnwrittenBytesReadAsZeroAndCopiesAreDeep) {
  BytePages p;
  std::vector<uint8_t> in(600, 0xab), out(1000, 0xff);
  p.Write(4000, in.data(), in.size());  // straddles two pages
  EXPECT_EQ(p.PageCount(), 2u);
  p.Read(3900, out.data(), out.size());
  for (size_t i = 0; i < out.size(); i++)
    ASSERT_EQ(out[i], (i >= 100 && i < 700) ? 0xab : 0) << i;
  BytePages q = p;
  std::vector<uint8_t> zero(600, 0);
  p.Write(4000, zero.data(), zero.size());
  uint8_t b = 0;
  q.Read(4000, &b, 1);
  EXPECT_EQ(b, 0xab);
}

}  // namespace
}  // namespace llsim
