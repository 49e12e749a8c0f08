// A world with one member disk, driven from the test body: what the disk
// tests of every size share.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "sim/disk.h"
#include "sim/world.h"

namespace llsim {

class DiskFixture : public ::testing::Test {
 protected:
  void MakeWorld(uint32_t lbs, uint64_t sectors, uint64_t data_offset) {
    WorldConfig cfg;
    cfg.seed = 42;
    cfg.strategy = "fifo";
    world_ = std::move(*World::Create(cfg));
    disk_ = &world_->AddDisk({lbs, sectors, data_offset});
  }
  // Submits and waits for completion from the test's own driver fiber.
  IoResult Io(IoRequest r) {
    IoResult out;
    bool done = false;
    world_->Sched().Spawn("io", [&] {
      WaitList wl("io");
      disk_->Submit(r, [&](IoResult res) {
        out = std::move(res);
        done = true;
        world_->Sched().WakeAll(wl);
      });
      while (!done) world_->Sched().Block(wl, BlockKind::kUninterruptible);
    });
    world_->Sched().Run();
    return out;
  }
  IoResult WriteData(uint64_t sector, uint32_t n, uint64_t stamp, bool fua = false,
                     bool preflush = false) {
    IoRequest r{IoOp::kWrite, sector, n, preflush, fua};
    r.stamps.assign(n, stamp);
    return Io(r);
  }
  IoResult WriteMeta(uint64_t sector, uint32_t n, uint8_t fill, bool fua = false) {
    IoRequest r{IoOp::kWrite, sector, n, false, fua};
    r.bytes.assign(n * kSectorSize, fill);
    return Io(r);
  }
  void CrashWith(std::unique_ptr<CrashPolicy> p) { world_->Crash(*p); }

  std::unique_ptr<World> world_;
  Disk* disk_ = nullptr;
};

}  // namespace llsim
