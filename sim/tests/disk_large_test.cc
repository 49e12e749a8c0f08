// Member disks of real sizes: a 16 TiB disk costs what was written to it,
// and the crash rules hold at sectors no dense layout could address.
#include <gtest/gtest.h>

#include "sim/disk.h"
#include "sim/tests/disk_fixture.h"
#include "sim/world.h"

namespace llsim {
namespace {

constexpr uint64_t k16TiB = 1ull << 35;  // sectors

class LargeDiskTest : public DiskFixture {
 protected:
  void SetUp() override { MakeWorld(512); }
  void MakeWorld(uint32_t lbs) { DiskFixture::MakeWorld(lbs, k16TiB, 2048); }
};

TEST_F(LargeDiskTest, TheLastSectorsOf16TiB) {
  uint64_t end = k16TiB;
  ASSERT_EQ(WriteData(end - 8, 8, 5).error, 0);
  IoResult r = Io({IoOp::kRead, end - 16, 16});
  ASSERT_EQ(r.error, 0);
  std::vector<uint64_t> want(16, kStampNeverWritten);
  std::fill(want.begin() + 8, want.end(), 5);
  EXPECT_EQ(r.stamps, want);
  EXPECT_EQ(disk_->VisibleStamp(end - 1), 5u);
  EXPECT_EQ(disk_->MediaStamp(end - 1), kStampNeverWritten);
  // Past the end is misuse, as on a small disk.
  WriteData(end - 4, 8, 6);
  ASSERT_TRUE(world_->Sched().Failed());
  EXPECT_NE(world_->Sched().Failures()[0].message.find("beyond the end"), std::string::npos);
}

TEST_F(LargeDiskTest, AWriteOfManyGiBIsOneRun) {
  uint32_t n = 1u << 31;  // 1 TiB in one IO
  ASSERT_EQ(WriteData(1ull << 33, n, 9, /*fua=*/true).error, 0);
  IoResult r = Io({IoOp::kRead, (1ull << 33) - 8, n + 16});
  EXPECT_EQ(r.stamps.size(), (uint64_t)n + 16);
  EXPECT_EQ(r.stamps.Runs().size(), 3u);  // unwritten, the write, unwritten
  EXPECT_EQ(disk_->MediaStamp((1ull << 33) + n - 1), 9u);
  CrashWith(MakeDropAllPolicy());
  EXPECT_EQ(disk_->VisibleStamp((1ull << 33) + n / 2), 9u);
}

TEST_F(LargeDiskTest, CrashRulesHoldFarOut) {
  uint64_t far = k16TiB - (1ull << 20);
  WriteData(far, 8, 1);  // cached, not flushed
  IoRequest r{IoOp::kWrite, far + 100, 8, /*preflush=*/true, /*fua=*/true};
  r.stamps.assign(8, 2);
  disk_->Submit(r, [](IoResult) {});  // in flight at the crash
  world_->Crash(*MakeScriptedCrashPolicy({CrashDecision::Keep(), CrashDecision::Drop()}));
  EXPECT_EQ(disk_->VisibleStamp(far + 100), 2u);
  EXPECT_EQ(disk_->VisibleStamp(far), 1u) << "payload durable before the writes it flushes";
}

TEST_F(LargeDiskTest, TearsKeepWholeBlocksFarOut) {
  MakeWorld(4096);
  uint64_t far = k16TiB - 64;
  WriteData(far, 32, 3);
  world_->Crash(*MakeScriptedCrashPolicy({CrashDecision::Tear({true, false, true, false})}));
  for (uint64_t s = 0; s < 32; s++)
    EXPECT_EQ(disk_->VisibleStamp(far + s), (s / 8) % 2 == 0 ? 3u : kStampNeverWritten) << s;
}

TEST_F(LargeDiskTest, OlderWriteNeverOverridesNewerOnMedia) {
  uint64_t far = k16TiB / 2;
  WriteData(far, 16, 1);                    // cached
  WriteData(far + 8, 16, 2, /*fua=*/true);  // newer, durable over half of it
  world_->Crash(*MakeKeepAllPolicy());
  EXPECT_EQ(disk_->VisibleStamp(far), 1u);
  EXPECT_EQ(disk_->VisibleStamp(far + 8), 2u);
  EXPECT_EQ(disk_->VisibleStamp(far + 23), 2u);
}

TEST_F(LargeDiskTest, MetadataBytesAreSparse) {
  IoRequest w{IoOp::kWrite, 2000, 8, false, true};
  w.bytes.assign(8 * kSectorSize, 0x5a);
  ASSERT_EQ(Io(w).error, 0);
  EXPECT_EQ(disk_->MediaBytes(2000, 8), std::vector<uint8_t>(8 * kSectorSize, 0x5a));
  EXPECT_EQ(disk_->VisibleBytes(0, 1), std::vector<uint8_t>(kSectorSize, 0));
}

// After a power loss reads show the media, everywhere: random histories of
// cached, FUA, PREFLUSH and in-flight writes, data and metadata, torn or
// not. (A crash only copies the ranges of writes that were not durable.)
TEST(DiskCrashTest, ReadsShowTheMediaAfterACrash) {
  for (uint64_t seed = 1; seed <= 30; seed++) {
    WorldConfig cfg;
    cfg.seed = seed;
    cfg.strategy = "fifo";
    auto world = std::move(*World::Create(cfg));
    Disk& d = world->AddDisk({512, 4096, 64});
    Rng rng(seed);
    uint64_t stamp = 1;
    for (int round = 0; round < 4; round++) {
      for (int i = 0; i < 40; i++) {
        bool meta = rng.Chance(1, 4);
        uint64_t sector = meta ? rng.Below(56) : 64 + rng.Below(4000);
        uint32_t n = 1 + (uint32_t)rng.Below(meta ? 8 : 32);
        IoRequest r{IoOp::kWrite, sector, n, rng.Chance(1, 8), rng.Chance(1, 6)};
        if (meta)
          r.bytes.assign(n * kSectorSize, (uint8_t)stamp);
        else
          r.stamps.assign(n, stamp);
        stamp++;
        d.Submit(std::move(r), [](IoResult) {});
        if (rng.Chance(1, 2)) world->Sched().RunFor(rng.Below(300) * 1000);
      }
      world->Crash(*MakeRandomCrashPolicy(Rng(seed * 10 + round), 50, 30));
      for (uint64_t s = 64; s < 4096; s++)
        ASSERT_EQ(d.VisibleStamp(s), d.MediaStamp(s)) << "seed " << seed << " sector " << s;
      ASSERT_EQ(d.VisibleBytes(0, 64), d.MediaBytes(0, 64)) << "seed " << seed;
    }
  }
}

}  // namespace
}  // namespace llsim
