// raid4/5/6 placement and parity: Map and Virt must be exact inverses, the
// layouts must be md(4)'s tables, and two lost words of a raid6 row must be
// solvable from P and Q, or the model's degraded reads and rebuilds would
// invent data.
#include "models/md/raid5_geo.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/rng.h"

namespace llsim {
namespace {

Raid5Geo Make(int level, int disks, Raid5Algo algo, uint32_t chunk = 8, uint64_t member = 64) {
  auto g = Raid5Geo::For(level, disks, algo, chunk, member);
  EXPECT_TRUE(g.ok()) << g.status();
  return g.ok() ? *g : Raid5Geo{};
}

// One line per row: "D0 D1 P", data by array chunk number.
std::string Table(const Raid5Geo& g, int rows) {
  std::string out;
  for (int r = 0; r < rows; r++) {
    Raid5Geo::Row row = g.RowAt(uint64_t(r) * g.chunk_sectors);
    for (int s = 0; s < g.disks; s++) {
      if (s) out += ' ';
      if (s == row.p) {
        out += 'P';
      } else if (s == row.q) {
        out += 'Q';
      } else {
        out += 'D' + std::to_string(r * g.DataDisks() + row.DataIndexOf(s));
      }
    }
    out += '\n';
  }
  return out;
}

TEST(Raid5GeoTest, LayoutsAreMdsTables) {
  EXPECT_EQ(Table(Make(5, 4, Raid5Algo::kLeftSymmetric), 4),
            "D0 D1 D2 P\nD4 D5 P D3\nD8 P D6 D7\nP D9 D10 D11\n");
  EXPECT_EQ(Table(Make(5, 4, Raid5Algo::kLeftAsymmetric), 4),
            "D0 D1 D2 P\nD3 D4 P D5\nD6 P D7 D8\nP D9 D10 D11\n");
  EXPECT_EQ(Table(Make(5, 4, Raid5Algo::kRightAsymmetric), 2), "P D0 D1 D2\nD3 P D4 D5\n");
  EXPECT_EQ(Table(Make(5, 4, Raid5Algo::kRightSymmetric), 2), "P D0 D1 D2\nD5 P D3 D4\n");
  EXPECT_EQ(Table(Make(5, 3, Raid5Algo::kParityFirst), 2), "P D0 D1\nP D2 D3\n");
  EXPECT_EQ(Table(Make(4, 3, Raid5Algo::kParityLast), 2), "D0 D1 P\nD2 D3 P\n");
  EXPECT_EQ(Table(Make(6, 5, Raid5Algo::kLeftSymmetric), 3),
            "Q D0 D1 D2 P\nD3 D4 D5 P Q\nD7 D8 P Q D6\n");
  EXPECT_EQ(Table(Make(6, 5, Raid5Algo::kLeftAsymmetric), 3),
            "Q D0 D1 D2 P\nD3 D4 D5 P Q\nD6 D7 P Q D8\n");
  EXPECT_EQ(Table(Make(6, 4, Raid5Algo::kParityLast), 1), "D0 D1 P Q\n");
}

TEST(Raid5GeoTest, MapAndVirtAreInverses) {
  for (int level : {4, 5, 6})
    for (int disks = level == 6 ? 4 : 3; disks <= 8; disks++)
      for (int a = 0; a <= 5; a++) {
        auto algo = Raid5Algo(a);
        if (level == 4 && algo != Raid5Algo::kParityLast) continue;
        Raid5Geo g = Make(level, disks, algo, 16, 16 * 9 + 5);
        ASSERT_EQ(g.dev_sectors, 16u * 9);
        ASSERT_EQ(g.array_sectors, g.dev_sectors * g.DataDisks());
        std::vector<int> held(g.dev_sectors * disks, 0);
        for (uint64_t v = 0; v < g.array_sectors; v++) {
          Raid5Geo::Place p = g.Map(v);
          ASSERT_LT(p.dev, g.dev_sectors);
          ASSERT_EQ(g.Virt(p.dev, p.slot), v) << g.Name() << " sector " << v;
          held[p.dev * disks + p.slot]++;
        }
        // Every member sector holds one data sector or is a parity block.
        for (uint64_t dev = 0; dev < g.dev_sectors; dev++)
          for (int s = 0; s < disks; s++) {
            bool parity = g.Virt(dev, s) == UINT64_MAX;
            EXPECT_EQ(held[dev * disks + s], parity ? 0 : 1);
          }
      }
}

TEST(Raid5GeoTest, MemberRowsRoundOutToWholeRows) {
  // The contract's example: 4 disks, 64 KiB chunks: array [0,8) is row 0,
  // member sectors [0,128).
  Raid5Geo g = Make(5, 4, Raid5Algo::kLeftSymmetric, 128, 128 * 10);
  uint64_t dev, len;
  g.MemberRows(0, 8, &dev, &len);
  EXPECT_EQ(dev, 0u);
  EXPECT_EQ(len, 128u);
  g.MemberRows(380, 8, &dev, &len);  // crosses into row 1
  EXPECT_EQ(dev, 0u);
  EXPECT_EQ(len, 256u);
  g.MemberRows(g.array_sectors - 1, 1, &dev, &len);
  EXPECT_EQ(dev + len, g.dev_sectors);
}

TEST(Raid5GeoTest, RefusesWhatMdRefuses) {
  EXPECT_FALSE(Raid5Geo::For(5, 2, Raid5Algo::kLeftSymmetric, 128, 1024).ok());
  EXPECT_FALSE(Raid5Geo::For(6, 3, Raid5Algo::kLeftSymmetric, 128, 1024).ok());
  EXPECT_FALSE(Raid5Geo::For(4, 3, Raid5Algo::kLeftSymmetric, 128, 1024).ok());
  EXPECT_FALSE(Raid5Geo::For(5, 3, Raid5Algo::kLeftSymmetric, 96, 1024).ok());
  EXPECT_FALSE(Raid5Geo::For(5, 3, Raid5Algo::kLeftSymmetric, 128, 100).ok());
  EXPECT_FALSE(Raid5Geo::For(5, 9, Raid5Algo::kLeftSymmetric, 128, 1024).ok());
  Raid5Algo a;
  EXPECT_TRUE(ParseRaid5Algo("left-symmetric", &a).ok());
  EXPECT_EQ(a, Raid5Algo::kLeftSymmetric);
  EXPECT_FALSE(ParseRaid5Algo("n2", &a).ok());
}

TEST(Raid5GeoTest, RaidSixSolvesAnyTwoLostWords) {
  Rng rng(7);
  for (int n = 2; n <= 6; n++)
    for (int a = 0; a < n; a++)
      for (int b = a + 1; b < n; b++) {
        std::vector<uint64_t> d(n);
        for (auto& w : d) w = rng.Next();
        uint64_t p = 0;
        for (auto w : d) p ^= w;
        uint64_t q = parity::Q(d.data(), n);
        std::vector<uint64_t> lost = d;
        lost[a] = lost[b] = 0xdead;
        parity::SolveTwo(lost.data(), n, a, b, p, q);
        EXPECT_EQ(lost, d) << n << " " << a << " " << b;
        lost = d;
        lost[a] = 0;
        EXPECT_EQ(parity::SolveFromQ(lost.data(), n, a, q), d[a]);
      }
}

}  // namespace
}  // namespace llsim
