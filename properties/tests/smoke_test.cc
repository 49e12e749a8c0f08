// Smoke test of the configured core through struct bitmap_operations, via
// the md model: create on fresh members (first use), a write (start_write,
// unplug, end_write), the daemon after the idle time, a clean stop (flush,
// update_sb, destroy), and the bitmap bytes on every member's media are
// what the state table says at each step.
#include <gtest/gtest.h>

#include "core/kshim/src/kshim.h"
#include "models/md/md_array.h"
#include "models/oracle/chunk_model.h"
#include "models/oracle/data_oracle.h"
#include "sim/world.h"
#include "properties/tests/fiber_helpers.h"

namespace llsim {
namespace {

class SmokeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WorldConfig wc;
    wc.seed = 5;
    wc.strategy = "random";
    world_ = std::move(*World::Create(wc));
    cfg_.mirrors = 3;
    cfg_.dev_sectors = 16384;
    cfg_.daemon_sleep = 2;
    ASSERT_TRUE(CreateArrayDisks(*world_, cfg_).ok());
    kshim_ = std::make_unique<Kshim>(*world_);
    Fiber("modprobe", [&] { ASSERT_EQ(md_llbitmap_init(), 0); });
    ASSERT_NE(kshim_->BitmapOps(), nullptr);
    oracle_ = std::make_unique<DataOracle>(cfg_.dev_sectors);
    array_ = std::make_unique<MdArray>(*world_, *kshim_, cfg_, oracle_.get());
  }
  void TearDown() override {
    world_->Sched().CancelAll();
    array_.reset();
    kshim_.reset();
  }
  // Runs fn on a fiber until it returns; the world keeps going meanwhile.
  void Fiber(const std::string& name, std::function<void()> fn) {
    RunOnFiberToEnd(*world_, name, std::move(fn));
    ASSERT_FALSE(world_->Sched().Failed()) << world_->Sched().Failures()[0].ToString();
  }
  // Chunk c's state byte on disk d's media (region byte 1024 + c).
  uint8_t Media(int d, uint64_t c) {
    uint64_t pos = 1024 + c;
    auto b = world_->GetDisk(d).MediaBytes(array_->Layout().BitmapStart() + pos / 512, 1);
    return b[pos % 512];
  }
  void ExpectEverywhere(uint64_t chunk, ChunkState want, const char* when) {
    for (int d = 0; d < cfg_.mirrors; d++)
      EXPECT_EQ(Media(d, chunk), (uint8_t)want)
          << when << ": chunk " << chunk << " on disk " << d << " is " << ChunkStateName(Media(d, chunk));
  }

  ArrayConfig cfg_;
  std::unique_ptr<World> world_;
  std::unique_ptr<Kshim> kshim_;
  std::unique_ptr<DataOracle> oracle_;
  std::unique_ptr<MdArray> array_;
};

TEST_F(SmokeTest, FirstUseWriteDaemonFlushDestroy) {
  Fiber("mdadm --assemble", [&] { ASSERT_TRUE(array_->Assemble().ok()); });
  // Let the initial resync (nothing written yet) finish.
  world_->Sched().Run([&] { return !array_->SyncPending(); }, world_->Clock().Now() + 60 * kNsPerSec);
  // First use: every chunk Unwritten on every member.
  ExpectEverywhere(0, ChunkState::kUnwritten, "after create");
  ExpectEverywhere(100, ChunkState::kUnwritten, "after create");

  // A write to chunk 0: by the time it is acknowledged, the bitmap block
  // saying Dirty is on the media of every member (unplug before data).
  Fiber("writer", [&] { ASSERT_EQ(array_->Write(0, 64, false), 0); });
  ExpectEverywhere(0, ChunkState::kDirty, "after the write");
  ExpectEverywhere(1, ChunkState::kUnwritten, "after the write");

  // Idle past daemon_sleep + barrier_idle: the daemon cleans in memory; a
  // clean stop flushes that to every member.
  world_->Sched().Run(nullptr, world_->Clock().Now() + 20 * kNsPerSec);
  ASSERT_FALSE(world_->Sched().Failed());
  Fiber("mdadm --stop", [&] { ASSERT_TRUE(array_->Stop().ok()); });
  ExpectEverywhere(0, ChunkState::kClean, "after a clean stop");
  ExpectEverywhere(1, ChunkState::kUnwritten, "after a clean stop");

  // The bitmap superblock carries the array's events and the chunk size.
  auto sb = world_->GetDisk(0).MediaBytes(array_->Layout().BitmapStart(), 1);
  const bitmap_super_t* s = reinterpret_cast<const bitmap_super_t*>(sb.data());
  EXPECT_EQ(s->magic, (uint32_t)BITMAP_MAGIC);
  EXPECT_EQ(s->version, (uint32_t)BITMAP_MAJOR_LOCKLESS);
  EXPECT_EQ(s->chunksize, 128u);
  EXPECT_EQ(s->events, array_->Mddev()->events);
  EXPECT_EQ(s->state & (1u << BITMAP_FIRST_USE), 0u);

  Fiber("rmmod", [&] { md_llbitmap_exit(); });
  EXPECT_EQ(kshim_->LiveAllocations(), 0u);
}

}  // namespace
}  // namespace llsim
