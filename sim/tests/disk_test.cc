// Member disks: FUA and flushed writes survive every crash policy, cached
// ones can vanish, tearing keeps whole logical blocks, misuse is reported.
#include "sim/disk.h"

#include <gtest/gtest.h>

#include "sim/tests/disk_fixture.h"
#include "sim/world.h"

namespace llsim {
namespace {

class DiskTest : public DiskFixture {
 protected:
  void SetUp() override { MakeWorld(512); }
  void MakeWorld(uint32_t lbs) { DiskFixture::MakeWorld(lbs, 4096, 64); }
};

TEST_F(DiskTest, ReadsSeeTheCache) {
  WriteData(100, 8, 7);
  IoResult r = Io({IoOp::kRead, 100, 8});
  ASSERT_EQ(r.error, 0);
  EXPECT_EQ(r.stamps, std::vector<uint64_t>(8, 7));
  EXPECT_EQ(disk_->MediaStamp(100), kStampNeverWritten);
}

TEST_F(DiskTest, UnflushedWriteVanishesUnderDrop) {
  WriteData(100, 8, 7);
  CrashWith(MakeDropAllPolicy());
  EXPECT_EQ(disk_->VisibleStamp(100), kStampNeverWritten);
}

TEST_F(DiskTest, UnflushedWriteSurvivesUnderKeep) {
  WriteData(100, 8, 7);
  CrashWith(MakeKeepAllPolicy());
  EXPECT_EQ(disk_->VisibleStamp(100), 7u);
}

TEST_F(DiskTest, FuaAndFlushedWritesSurviveEveryPolicy) {
  for (int policy = 0; policy < 4; policy++) {
    MakeWorld(512);
    WriteData(100, 8, 1, /*fua=*/true);
    WriteMeta(8, 2, 0xab, /*fua=*/true);
    WriteData(200, 8, 2);
    Io({IoOp::kFlush, 0, 0});
    // An older cached write under a newer FUA write must not resurface.
    WriteData(300, 8, 3);
    WriteData(300, 8, 4, /*fua=*/true);
    std::unique_ptr<CrashPolicy> p;
    switch (policy) {
      case 0: p = MakeKeepAllPolicy(); break;
      case 1: p = MakeDropAllPolicy(); break;
      case 2: p = MakeRandomCrashPolicy(Rng(policy), 50, 50); break;
      case 3: p = MakeScriptedCrashPolicy({CrashDecision::Keep()}); break;
    }
    CrashWith(std::move(p));
    EXPECT_EQ(disk_->VisibleStamp(100), 1u) << policy;
    EXPECT_EQ(disk_->VisibleStamp(107), 1u) << policy;
    EXPECT_EQ(disk_->VisibleStamp(200), 2u) << policy;
    EXPECT_EQ(disk_->VisibleStamp(300), 4u) << policy;
    EXPECT_EQ(disk_->VisibleBytes(8, 2), std::vector<uint8_t>(1024, 0xab)) << policy;
  }
}

TEST_F(DiskTest, PreflushCoversOnlyEarlierCompletions) {
  WriteData(100, 8, 1);
  WriteData(200, 8, 2, /*fua=*/true, /*preflush=*/true);
  WriteData(300, 8, 3);
  CrashWith(MakeDropAllPolicy());
  EXPECT_EQ(disk_->VisibleStamp(100), 1u);
  EXPECT_EQ(disk_->VisibleStamp(200), 2u);
  EXPECT_EQ(disk_->VisibleStamp(300), kStampNeverWritten);
}

// What survives a crash (sim/README.md): the payload of a PREFLUSH write
// reaches the media only after the flush of every write completed before
// it was issued, so where any of it survives, those writes survive too.
TEST_F(DiskTest, SurvivingPreflushPayloadImpliesItsFlushRan) {
  WriteData(100, 8, 1);  // completed into the cache, not flushed
  IoRequest r{IoOp::kWrite, 200, 8, /*preflush=*/true, /*fua=*/true};
  r.stamps.assign(8, 2);
  disk_->Submit(r, [](IoResult) {});  // still in flight at the crash
  auto pending = disk_->PendingWrites();
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_TRUE(pending[0].preflush);  // decided first: it constrains the rest
  // Keep the PREFLUSH write, then (policy-wise) drop everything else.
  CrashWith(MakeScriptedCrashPolicy({CrashDecision::Keep(), CrashDecision::Drop()}));
  EXPECT_EQ(disk_->VisibleStamp(200), 2u);
  EXPECT_EQ(disk_->VisibleStamp(100), 1u) << "payload durable before the writes it flushes";
}

TEST_F(DiskTest, DroppedPreflushPayloadLeavesEarlierWritesToChance) {
  WriteData(100, 8, 1);
  IoRequest r{IoOp::kWrite, 200, 8, /*preflush=*/true, /*fua=*/true};
  r.stamps.assign(8, 2);
  disk_->Submit(r, [](IoResult) {});
  CrashWith(MakeDropAllPolicy());
  EXPECT_EQ(disk_->VisibleStamp(200), kStampNeverWritten);
  EXPECT_EQ(disk_->VisibleStamp(100), kStampNeverWritten);
}

TEST_F(DiskTest, PreflushDoesNotCoverWritesCompletedAfterItWasIssued) {
  IoRequest r{IoOp::kWrite, 200, 8, /*preflush=*/true, /*fua=*/true};
  r.stamps.assign(8, 2);
  world_->Faults().Latency().min = world_->Faults().Latency().max = 10 * kNsPerMs;
  disk_->Submit(r, [](IoResult) {});  // in flight for 10 ms
  world_->Faults().Latency().min = world_->Faults().Latency().max = kNsPerMs;
  IoRequest later{IoOp::kWrite, 100, 8};
  later.stamps.assign(8, 1);
  bool done = false;
  disk_->Submit(later, [&](IoResult) { done = true; });
  // Completes in 1 ms, into the cache, after the flush was issued.
  world_->Sched().Run([&] { return done; });
  CrashWith(MakeScriptedCrashPolicy({CrashDecision::Keep(), CrashDecision::Drop()}));
  EXPECT_EQ(disk_->VisibleStamp(200), 2u);
  EXPECT_EQ(disk_->VisibleStamp(100), kStampNeverWritten);
}

TEST_F(DiskTest, TearingKeepsWholeLogicalBlocks) {
  MakeWorld(4096);
  WriteData(512, 32, 9);  // four 4 KiB blocks
  auto pending = disk_->PendingWrites();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].blocks, 4u);
  CrashWith(MakeScriptedCrashPolicy({CrashDecision::Tear({true, false, false, true})}));
  for (int s = 0; s < 32; s++) {
    uint64_t want = (s < 8 || s >= 24) ? 9 : kStampNeverWritten;
    EXPECT_EQ(disk_->VisibleStamp(512 + s), want) << "sector " << s;
  }
}

TEST_F(DiskTest, RandomTearsAreBlockAligned) {
  MakeWorld(4096);
  for (int i = 0; i < 20; i++) WriteData(1024 + i * 64, 64, 100 + i);
  CrashWith(MakeRandomCrashPolicy(Rng(5), 30, 60));
  int torn_blocks_mixed = 0;
  for (uint64_t b = 1024; b < 1024 + 20 * 64; b += 8) {
    uint64_t first = disk_->VisibleStamp(b);
    for (int s = 1; s < 8; s++)
      if (disk_->VisibleStamp(b + s) != first) torn_blocks_mixed++;
  }
  EXPECT_EQ(torn_blocks_mixed, 0);
}

TEST_F(DiskTest, MisalignedIoIsReported) {
  MakeWorld(4096);
  WriteData(100, 8, 1);
  ASSERT_TRUE(world_->Sched().Failed());
  EXPECT_NE(world_->Sched().Failures()[0].message.find("not aligned"), std::string::npos);
}

TEST_F(DiskTest, FaultRulesAndDiskFailure) {
  world_->Faults().AddRule({.disk = 0, .reads = false, .first_sector = 1000, .last_sector = 1007});
  EXPECT_EQ(WriteData(1000, 8, 1).error, -5);
  EXPECT_EQ(WriteData(2000, 8, 1).error, 0);
  EXPECT_EQ(Io({IoOp::kRead, 1000, 8}).error, 0);
  world_->Faults().FailDisk(0);
  EXPECT_EQ(Io({IoOp::kRead, 2000, 8}).error, -5);
}

TEST_F(DiskTest, StallsHoldIoForLong) {
  world_->Faults().Latency().stall_per_million = 1000000;
  world_->Faults().Latency().stall = 40 * kNsPerSec;
  Nanos before = world_->Clock().Now();
  WriteData(100, 8, 1);
  EXPECT_EQ(world_->Clock().Now() - before, 40 * kNsPerSec);
}

// The explorer's persistence subsets range over writes whose fate matters:
// a write of what the media already holds is marked redundant (and the
// scripted policy drops it without spending a letter); one that differs,
// or that overlaps one that differs, is not.
class RecordingPolicy : public CrashPolicy {
 public:
  std::string Name() const override { return "recording"; }
  CrashDecision Decide(const PendingWriteInfo& w) override {
    seen.push_back(w);
    return CrashDecision::Keep();
  }
  std::vector<PendingWriteInfo> seen;
};

TEST_F(DiskTest, WritesOfWhatTheMediaHoldsAreMarkedRedundant) {
  WriteMeta(8, 1, 0xab);
  WriteMeta(16, 1, 0xcd);
  Io({IoOp::kFlush, 0, 0});
  WriteMeta(8, 1, 0xab);   // the same bytes again
  WriteMeta(16, 1, 0xcd);  // the same, but overlapped by a different write
  WriteMeta(16, 1, 0xee);
  WriteMeta(24, 1, 0x11);  // new bytes
  RecordingPolicy rec;
  world_->Crash(rec);
  ASSERT_EQ(rec.seen.size(), 4u);
  EXPECT_TRUE(rec.seen[0].redundant);
  EXPECT_FALSE(rec.seen[1].redundant);
  EXPECT_FALSE(rec.seen[2].redundant);
  EXPECT_FALSE(rec.seen[3].redundant);
}

TEST_F(DiskTest, ScriptedPolicyTextSpendsLettersOnlyOnWritesThatMatter) {
  WriteMeta(8, 1, 0xab);
  Io({IoOp::kFlush, 0, 0});
  WriteMeta(8, 1, 0xab);   // redundant: no letter
  WriteMeta(24, 1, 0x11);  // takes the one letter: keep
  auto p = MakeCrashPolicy("script:k", Rng(1));
  ASSERT_TRUE(p.ok());
  world_->Crash(**p);
  EXPECT_EQ(disk_->MediaBytes(24, 1), std::vector<uint8_t>(kSectorSize, 0x11));
  EXPECT_EQ(MakeCrashPolicy("script:kx", Rng(1)).status().message(),
            "crash policy 'script:kx': a script holds only k (keep) and d (drop)");
}

}  // namespace
}  // namespace llsim
