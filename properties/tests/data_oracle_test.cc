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
