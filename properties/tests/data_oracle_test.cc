// The data oracle finds mirrors that differ and acknowledged, flushed
// writes that were lost, and nothing else.
#include "models/oracle/data_oracle.h"

#include <gtest/gtest.h>

#include "sim/world.h"

namespace llsim {
namespace {

struct TwoDisks {
  std::unique_ptr<World> world = std::move(*World::Create({}));
  Disk* a = &world->AddDisk({512, 1024 + 64, 64});
  Disk* b = &world->AddDisk({512, 1024 + 64, 64});
  void Put(Disk* d, uint64_t sector, uint64_t stamp) {
    IoRequest r{IoOp::kWrite, 64 + sector, 1, false, true};
    r.stamps = {stamp};
    d->Submit(r, [](IoResult) {});
    world->Sched().Run();
  }
};

TEST(DataOracleTest, MismatchOnlyWhereWritten) {
  TwoDisks t;
  DataOracle o(1024);
  uint64_t w = o.IssueWrite(10, 1);
  t.Put(t.a, 10, 99);
  EXPECT_TRUE(o.MirrorMismatches({t.a, t.b}, 64).empty());  // lost before any disk
  o.WriteReachedDisk(w, 10, 1);
  t.Put(t.a, 10, w);
  EXPECT_EQ(o.MirrorMismatches({t.a, t.b}, 64).size(), 1u);
  t.Put(t.b, 10, w);
  EXPECT_TRUE(o.MirrorMismatches({t.a, t.b}, 64).empty());
  t.Put(t.a, 500, 77);  // never written through the array: no opinion
  EXPECT_TRUE(o.MirrorMismatches({t.a, t.b}, 64).empty());
  o.IssueDiscard(10, 1);
  t.Put(t.a, 10, 5);
  EXPECT_TRUE(o.MirrorMismatches({t.a, t.b}, 64).empty());
}

// raid10's check, copy by copy: each array chunk of 8 sectors has its two
// copies at other disk sectors (chunk c on disk a at 8c, on disk b at
// 8(c+1) mod 128), so a copy written at the wrong place is a mismatch, and
// a range md owes a resync is not compared.
TEST(DataOracleTest, CopiesAreComparedWhereTheLayoutPutsThem) {
  TwoDisks t;
  DataOracle o(1024);
  DataOracle::CopyPlacement copies = [&](uint64_t s, uint64_t* len) {
    uint64_t c = s / 8, in = s % 8;
    *len = std::min<uint64_t>(*len, 8 - in);
    return std::vector<DataOracle::CopyAt>{{t.a, 64 + 8 * c + in},
                                           {t.b, 64 + 8 * ((c + 1) % 128) + in}};
  };
  uint64_t w = o.IssueWrite(6, 4);  // sectors 6..9: two chunks
  o.WriteReachedDisk(w, 6, 4);
  for (uint64_t s = 6; s < 10; s++) {
    t.Put(t.a, 8 * (s / 8) + s % 8, w);
    t.Put(t.b, 8 * (s / 8 + 1) + s % 8, w);
  }
  EXPECT_TRUE(o.CopyMismatches(copies).empty());
  // Mirrored at the same sectors, as raid1 would put it, is wrong here.
  EXPECT_EQ(o.MirrorMismatches({t.a, t.b}, 64).size(), 4u);
  t.Put(t.b, 8 * 2 + 1, 0);  // sector 9's second copy
  std::vector<std::string> bad = o.CopyMismatches(copies);
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0], "sector 9: disk 0 holds write 1, disk 1 holds write 0");
  DataOracle::ArrayRanges owed = {{8, 16}};
  EXPECT_TRUE(o.CopyMismatches(copies, 8, &owed).empty());
  o.AckWrite(w, 6, 4, false);
  o.FlushCompleted(o.FlushIssued());
  std::vector<std::string> lost = o.CopyLostWrites(copies);
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_EQ(lost[0], "sector 9: acknowledged, flushed write 1 lost on disk 1 (holds 0)");
}

TEST(DataOracleTest, LostFlushedWrite) {
  TwoDisks t;
  DataOracle o(1024);
  uint64_t w1 = o.IssueWrite(3, 1);
  o.WriteReachedDisk(w1, 3, 1);
  o.AckWrite(w1, 3, 1, false);
  EXPECT_TRUE(o.LostWrites({t.a}, 64).empty());  // not flushed: no promise
  uint64_t h = o.FlushIssued();
  o.FlushCompleted(h);
  EXPECT_EQ(o.LostWrites({t.a}, 64).size(), 1u);
  t.Put(t.a, 3, w1);
  EXPECT_TRUE(o.LostWrites({t.a}, 64).empty());
  uint64_t w2 = o.IssueWrite(3, 1);  // a later write may replace it
  o.WriteReachedDisk(w2, 3, 1);
  t.Put(t.a, 3, w2);
  EXPECT_TRUE(o.LostWrites({t.a}, 64).empty());
}

// A write acknowledged, then discarded, then written again by a write a
// crash took away: the flush that completes afterwards promises nothing
// for the first write (soak seed 24, case 26407).
TEST(DataOracleTest, FlushAfterDiscardPromisesNothingForTheDiscardedWrite) {
  TwoDisks t;
  DataOracle o(1024);
  uint64_t w1 = o.IssueWrite(7, 1);
  o.WriteReachedDisk(w1, 7, 1);
  t.Put(t.a, 7, w1);
  o.AckWrite(w1, 7, 1, false);
  o.IssueDiscard(7, 1);
  t.Put(t.a, 7, 0);
  uint64_t w2 = o.IssueWrite(7, 1);
  o.WriteReachedDisk(w2, 7, 1);  // then lost: never acknowledged
  uint64_t h = o.FlushIssued();
  o.FlushCompleted(h);
  EXPECT_TRUE(o.LostWrites({t.a}, 64).empty());
  // Written again after the discard and flushed: promised again.
  uint64_t w3 = o.IssueWrite(7, 1);
  o.WriteReachedDisk(w3, 7, 1);
  o.AckWrite(w3, 7, 1, true);
  EXPECT_EQ(o.LostWrites({t.a}, 64).size(), 1u);
}

}  // namespace
}  // namespace llsim
