// raid10 placement: Map and Virt must be exact inverses over every sector a
// layout uses, or the model, the oracle and the properties would each see a
// different array. The published layout tables (md(4), the Linux raid
// wiki's near/far/offset diagrams) pin the placement itself; the sizes are
// checked against numbers worked out by hand from md's rules.
#include "models/md/raid10_geo.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

namespace llsim {
namespace {

struct Shape {
  int disks, near, far;
  bool offset;
  uint32_t chunk;
  uint64_t member;
};

std::string Describe(const Shape& s) {
  return std::to_string(s.disks) + " disks near " + std::to_string(s.near) + " far " +
         std::to_string(s.far) + (s.offset ? " offset" : "") + " chunk " +
         std::to_string(s.chunk) + " member " + std::to_string(s.member);
}

Raid10Geo Make(int disks, int near, int far, bool offset, uint32_t chunk, uint64_t member) {
  auto g = Raid10Geo::For(disks, near, far, offset, chunk, member);
  EXPECT_TRUE(g.ok()) << g.status();
  return g.ok() ? *g : Raid10Geo{};
}

// Rows [from, to) of the members, one letter per chunk ('A' is chunk 0),
// '.' for a place that holds nothing: "A A B / B C C".
std::string Table(const Raid10Geo& g, uint64_t from, uint64_t to) {
  std::string out;
  for (uint64_t row = from; row < to; ++row) {
    if (row != from) out += " / ";
    for (int slot = 0; slot < g.disks; ++slot) {
      if (slot) out += ' ';
      uint64_t v = g.Virt(row * g.chunk_sectors, slot);
      out += v == UINT64_MAX ? '.' : char('A' + v / g.chunk_sectors);
    }
  }
  return out;
}

// Odd member sizes (not a multiple of the chunk, or of chunk * far) leave
// partial rows and unused tails, where off-by-ones live.
std::vector<Shape> Shapes() {
  std::vector<Shape> v;
  auto add = [&](int d, int n, int f, bool o) {
    for (uint32_t chunk : {8u, 16u, 128u})
      for (uint64_t chunks : {2u, 7u, 13u})
        v.push_back({d, n, f, o, chunk, chunks * f * chunk + chunk / 2 + 3});
  };
  for (int d : {2, 3, 4, 5}) add(d, 2, 1, false);
  for (int d : {3, 4}) add(d, 3, 1, false);
  for (int d : {2, 3, 4}) add(d, 1, 2, false);
  for (int d : {2, 3, 4}) add(d, 1, 2, true);
  // Less common shapes md accepts too.
  add(5, 1, 2, false);
  add(3, 1, 3, true);
  add(4, 1, 3, false);
  add(4, 2, 2, false);
  add(5, 2, 2, true);
  add(8, 2, 1, false);
  return v;
}

TEST(Raid10GeoTest, MapAndVirtAreInverses) {
  for (const Shape& s : Shapes()) {
    SCOPED_TRACE(Describe(s));
    Raid10Geo g = Make(s.disks, s.near, s.far, s.offset, s.chunk, s.member);
    ASSERT_GT(g.array_sectors, 0u);
    ASSERT_LE(g.dev_sectors, s.member);
    std::set<std::pair<int, uint64_t>> used;
    for (uint64_t v = 0; v < g.array_sectors; ++v) {
      auto copies = g.Map(v);
      ASSERT_EQ(copies.size(), g.Copies()) << "v=" << v;
      std::set<int> slots;
      for (const auto& c : copies) {
        ASSERT_GE(c.slot, 0);
        ASSERT_LT(c.slot, g.disks);
        ASSERT_LT(c.dev, g.dev_sectors) << "v=" << v << " slot " << c.slot;
        ASSERT_EQ(g.Virt(c.dev, c.slot), v) << "slot " << c.slot << " dev " << c.dev;
        slots.insert(c.slot);
        ASSERT_TRUE(used.emplace(c.slot, c.dev).second)
            << "slot " << c.slot << " dev " << c.dev << " holds two array sectors";
      }
      ASSERT_EQ(int(slots.size()), g.Copies()) << "two copies of v=" << v << " share a slot";
    }
    // The other way round: every place Virt names is one Map gives, so the
    // used places are exactly array_sectors * copies; the rest is the tail.
    uint64_t named = 0;
    for (int slot = 0; slot < g.disks; ++slot)
      for (uint64_t dev = 0; dev < g.dev_sectors; ++dev) {
        uint64_t v = g.Virt(dev, slot);
        if (v == UINT64_MAX) continue;
        ++named;
        ASSERT_TRUE(used.count({slot, dev})) << "slot " << slot << " dev " << dev << " v " << v;
      }
    EXPECT_EQ(named, g.array_sectors * g.Copies());
    EXPECT_EQ(g.Virt(g.dev_sectors, 0), UINT64_MAX);
    EXPECT_EQ(g.Virt(0, g.disks), UINT64_MAX);
    EXPECT_EQ(g.Map(g.array_sectors).size(), 0);
  }
}

TEST(Raid10GeoTest, SizesFollowMdsRounding) {
  struct Want {
    Shape s;
    uint64_t array, dev, stride;
  };
  // Worked by hand: whole chunks per far band, times disks, over near
  // copies is the array's chunk count; its copies spread over the disks
  // (rounded up to a row) are what each member uses.
  const Want wants[] = {
      {{3, 2, 1, false, 128, 1000}, 10 * 128, 7 * 128, 7 * 128},   // 7 chunks: 21/2 = 10
      {{3, 1, 2, false, 8, 100}, 18 * 8, 12 * 8, 6 * 8},           // 12 chunks, 6 per band
      {{4, 1, 2, true, 16, 250}, 28 * 16, 14 * 16, 16},            // 15 chunks, 7 per band
      {{4, 3, 1, false, 8, 77}, 12 * 8, 9 * 8, 9 * 8},             // 9 chunks: 36/3
      {{5, 2, 1, false, 16, 170}, 25 * 16, 10 * 16, 10 * 16},      // 10 chunks: 50/2
      {{2, 2, 1, false, 64, 64 * 5 + 1}, 5 * 64, 5 * 64, 5 * 64},  // raid1-like
      {{5, 2, 2, false, 8, 8 * 7}, 7 * 8, 6 * 8, 3 * 8},           // 3 per band: 15/2 = 7
  };
  for (const Want& w : wants) {
    SCOPED_TRACE(Describe(w.s));
    Raid10Geo g = Make(w.s.disks, w.s.near, w.s.far, w.s.offset, w.s.chunk, w.s.member);
    EXPECT_EQ(g.array_sectors, w.array);
    EXPECT_EQ(g.dev_sectors, w.dev);
    EXPECT_EQ(g.stride, w.stride);
  }
}

TEST(Raid10GeoTest, NearTablesMatchTheDocs) {
  // Two chunks per member: the n2 three-disk table of md(4).
  Raid10Geo g = Make(3, 2, 1, false, 8, 16);
  EXPECT_EQ(Table(g, 0, 2), "A A B / B C C");
  g = Make(3, 2, 1, false, 8, 32);
  EXPECT_EQ(Table(g, 0, 4), "A A B / B C C / D D E / E F F");
  g = Make(4, 2, 1, false, 16, 16 * 3);
  EXPECT_EQ(Table(g, 0, 3), "A A B B / C C D D / E E F F");
  g = Make(2, 2, 1, false, 8, 24);
  EXPECT_EQ(Table(g, 0, 3), "A A / B B / C C");
  // Five chunks of n2 on 3 disks hold 7.5 chunks: the last half row is
  // unused (md rounds the array down to whole chunks).
  g = Make(3, 2, 1, false, 8, 40);
  EXPECT_EQ(g.array_sectors, 7u * 8);
  EXPECT_EQ(Table(g, 0, 5), "A A B / B C C / D D E / E F F / G G .");
}

TEST(Raid10GeoTest, FarTablesMatchTheDocs) {
  // f2 on 2 disks: the first half is raid0, the second half the same rows
  // with the disks swapped.
  Raid10Geo g = Make(2, 1, 2, false, 8, 32);
  ASSERT_EQ(g.stride, 16u);
  EXPECT_EQ(Table(g, 0, 2), "A B / C D");
  EXPECT_EQ(Table(g, 2, 4), "B A / D C");
  g = Make(3, 1, 2, false, 8, 48);
  EXPECT_EQ(Table(g, 0, 3), "A B C / D E F / G H I");
  EXPECT_EQ(Table(g, 3, 6), "C A B / F D E / I G H");
  // An odd member: the half chunk at the end is not used at all.
  g = Make(2, 1, 2, false, 8, 36);
  EXPECT_EQ(g.dev_sectors, 32u);
  EXPECT_EQ(Table(g, 0, 4), "A B / C D / B A / D C");
}

TEST(Raid10GeoTest, OffsetTablesMatchTheDocs) {
  Raid10Geo g = Make(2, 1, 2, true, 8, 32);
  ASSERT_EQ(g.stride, 8u);
  EXPECT_EQ(Table(g, 0, 4), "A B / B A / C D / D C");
  g = Make(3, 1, 2, true, 16, 64);
  EXPECT_EQ(Table(g, 0, 4), "A B C / C A B / D E F / F D E");
}

TEST(Raid10GeoTest, CopiesComeNearFirstThenFar) {
  // n2f2 on 4 disks: chunk 0's near copies on slots 0 and 1, each followed
  // by its far copy two slots on, one band down.
  Raid10Geo g = Make(4, 2, 2, false, 8, 64);
  ASSERT_EQ(g.stride, 32u);
  auto c = g.Map(3);
  ASSERT_EQ(c.size(), 4);
  EXPECT_EQ(c[0].slot, 0);
  EXPECT_EQ(c[0].dev, 3u);
  EXPECT_EQ(c[1].slot, 2);
  EXPECT_EQ(c[1].dev, 35u);
  EXPECT_EQ(c[2].slot, 1);
  EXPECT_EQ(c[2].dev, 3u);
  EXPECT_EQ(c[3].slot, 3);
  EXPECT_EQ(c[3].dev, 35u);
}

TEST(Raid10GeoTest, PieceLenStopsAtChunkEnds) {
  Raid10Geo g = Make(3, 2, 1, false, 8, 800);
  EXPECT_EQ(g.PieceLen(5, 100), 3u);
  EXPECT_EQ(g.PieceLen(8, 100), 8u);
  EXPECT_EQ(g.PieceLen(5, 2), 2u);
  EXPECT_EQ(g.PieceLen(0, 0), 0u);
  g = Make(2, 1, 2, true, 16, 800);
  EXPECT_EQ(g.PieceLen(17, 100), 15u);
  // Every disk holds every chunk: md does not split.
  g = Make(2, 2, 1, false, 8, 800);
  EXPECT_EQ(g.PieceLen(5, 100), 100u);
}

std::function<bool(int)> Alive(std::set<int> failed) {
  return [failed](int slot) { return !failed.count(slot); };
}

TEST(Raid10GeoTest, EnoughKnownCases) {
  Raid10Geo g = Make(4, 2, 1, false, 8, 800);
  EXPECT_TRUE(g.Enough(Alive({}), -1));
  EXPECT_TRUE(g.Enough(Alive({0, 2}), -1));
  EXPECT_TRUE(g.Enough(Alive({1, 3}), -1));
  EXPECT_FALSE(g.Enough(Alive({0, 1}), -1));
  EXPECT_FALSE(g.Enough(Alive({2, 3}), -1));
  // `ignore` counts as failed.
  EXPECT_FALSE(g.Enough(Alive({0}), 1));
  EXPECT_TRUE(g.Enough(Alive({0}), 2));
  // n2 on 3 disks: every pair of slots shares a chunk.
  g = Make(3, 2, 1, false, 8, 800);
  EXPECT_TRUE(g.Enough(Alive({1}), -1));
  EXPECT_FALSE(g.Enough(Alive({0, 2}), -1));
  // f2 on 4 disks: a chunk's copies are on neighbouring slots.
  g = Make(4, 1, 2, false, 8, 800);
  EXPECT_TRUE(g.Enough(Alive({0, 2}), -1));
  EXPECT_FALSE(g.Enough(Alive({3, 0}), -1));
}

// Against a brute force over the chunks of an array big enough to use
// every copy window: Enough is "every chunk has a live copy".
TEST(Raid10GeoTest, EnoughMatchesEveryChunkHasALiveCopy) {
  for (const Shape& s : Shapes()) {
    if (s.chunk != 8) continue;
    SCOPED_TRACE(Describe(s));
    Raid10Geo g = Make(s.disks, s.near, s.far, s.offset, s.chunk, 8 * 64);
    for (int failed = 0; failed < 1 << g.disks; ++failed) {
      auto in_sync = [&](int slot) { return !(failed >> slot & 1); };
      bool all = true;
      for (uint64_t v = 0; v < g.array_sectors && all; v += g.chunk_sectors) {
        bool any = false;
        for (const auto& c : g.Map(v)) any = any || in_sync(c.slot);
        all = any;
      }
      EXPECT_EQ(g.Enough(in_sync, -1), all) << "failed mask " << failed;
      for (int ignore = 0; ignore < g.disks; ++ignore) {
        auto without = [&](int slot) { return slot != ignore && in_sync(slot); };
        EXPECT_EQ(g.Enough(in_sync, ignore), g.Enough(without, -1));
      }
    }
  }
}

TEST(Raid10GeoTest, NamesAndLayoutWords) {
  Raid10Geo g = Make(3, 2, 1, false, 8, 800);
  EXPECT_EQ(g.Name(), "n2");
  EXPECT_EQ(g.LayoutWord(), 0x102);
  g = Make(3, 1, 2, false, 8, 800);
  EXPECT_EQ(g.Name(), "f2");
  EXPECT_EQ(g.LayoutWord(), 0x201);
  g = Make(3, 1, 3, true, 8, 800);
  EXPECT_EQ(g.Name(), "o3");
  EXPECT_EQ(g.LayoutWord(), 0x10301);
  g = Make(4, 2, 2, false, 8, 800);
  EXPECT_EQ(g.Name(), "n2f2");
  EXPECT_EQ(g.LayoutWord(), 0x202);
}

TEST(Raid10GeoTest, ParsesMdadmLayoutNames) {
  struct Case {
    const char* name;
    int near, far;
    bool offset;
  };
  for (const Case& c : {Case{"n2", 2, 1, false}, Case{"n3", 3, 1, false}, Case{"f2", 1, 2, false},
                        Case{"f4", 1, 4, false}, Case{"o2", 1, 2, true}, Case{"o3", 1, 3, true},
                        Case{"n12", 12, 1, false}, Case{"f255", 1, 255, false}}) {
    SCOPED_TRACE(c.name);
    int near = 0, far = 0;
    bool offset = false;
    ASSERT_TRUE(ParseRaid10Layout(c.name, &near, &far, &offset).ok());
    EXPECT_EQ(near, c.near);
    EXPECT_EQ(far, c.far);
    EXPECT_EQ(offset, c.offset);
  }
  // Names round-trip through Name().
  for (const char* name : {"n2", "f3", "o2"}) {
    int near = 0, far = 0;
    bool offset = false;
    ASSERT_TRUE(ParseRaid10Layout(name, &near, &far, &offset).ok());
    EXPECT_EQ(Make(4, near, far, offset, 8, 800).Name(), name);
  }
}

TEST(Raid10GeoTest, RefusesOtherLayoutNames) {
  for (const char* name : {"", "n", "2", "x2", "N2", "n1", "o1", "n0", "n02", "n256", "n2x",
                           "n-2", "n+2", "f 2", "n2f2", "near2", "n99999"}) {
    SCOPED_TRACE(name);
    int near = 7, far = 7;
    bool offset = true;
    absl::Status st = ParseRaid10Layout(name, &near, &far, &offset);
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(st.message().find("nK"), std::string_view::npos) << st.message();
    EXPECT_EQ(near, 7);  // untouched on failure
  }
}

TEST(Raid10GeoTest, ForRefusesWhatMdRefuses) {
  struct Case {
    Shape s;
    const char* why;  // a word the message must contain
  };
  const Case cases[] = {
      {{1, 2, 1, false, 8, 800}, "disks"},
      {{9, 2, 1, false, 8, 800}, "disks"},
      {{2, 3, 1, false, 8, 800}, "copies"},   // n3 on 2 disks
      {{3, 2, 2, false, 8, 800}, "copies"},   // 4 copies on 3 disks
      {{4, 1, 1, false, 8, 800}, "copies"},   // raid0
      {{4, 0, 2, false, 8, 800}, "at least 1"},
      {{4, 2, -1, false, 8, 800}, "at least 1"},
      {{4, 1 << 16, 1 << 16, false, 8, 800}, "copies"},  // no int overflow
      {{4, 2, 1, true, 8, 800}, "offset"},    // offset without far copies
      {{4, 2, 1, false, 12, 800}, "power of two"},
      {{4, 2, 1, false, 4, 800}, "power of two"},
      {{4, 2, 1, false, 0, 800}, "power of two"},
      {{4, 1, 2, false, 128, 255}, "member"},  // one chunk, two far bands
      {{2, 2, 1, false, 8, 7}, "member"},
      {{2, 2, 1, false, 8, 0}, "member"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(Describe(c.s));
    auto g = Raid10Geo::For(c.s.disks, c.s.near, c.s.far, c.s.offset, c.s.chunk, c.s.member);
    ASSERT_FALSE(g.ok());
    EXPECT_EQ(g.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(g.status().message().find(c.why), std::string_view::npos) << g.status().message();
    EXPECT_EQ(g.status().message().find('\n'), std::string_view::npos);
  }
  // The smallest members that work: one chunk per far band.
  EXPECT_TRUE(Raid10Geo::For(4, 1, 2, false, 128, 256).ok());
  EXPECT_TRUE(Raid10Geo::For(2, 2, 1, false, 8, 8).ok());
  EXPECT_TRUE(Raid10Geo::For(8, 2, 1, false, 1024, 1024).ok());
}

}  // namespace
}  // namespace llsim
