// Disk micro-benchmarks: what a write costs, from submission to its
// completion, and what a crash costs, on a small member and on a 16 TiB
// one (the sparse layout makes them the same). Reported, never asserted.
#include <benchmark/benchmark.h>

#include "sim/disk.h"
#include "sim/world.h"

namespace llsim {
namespace {

// Random 4-64 KiB data writes, 1 in 10 FUA and 1 in 20 with PREFLUSH,
// each completed before the next; state.range(0) is the member's size in
// GiB.
void BM_DiskWrite(benchmark::State& state) {
  WorldConfig cfg;
  cfg.strategy = "fifo";
  cfg.keep_events = 0;
  auto world = std::move(*World::Create(cfg));
  uint64_t sectors = (uint64_t)state.range(0) << 21;
  Disk& d = world->AddDisk({512, sectors, 2048});
  Rng rng(7);
  uint64_t stamp = 1;
  for (auto _ : state) {
    IoRequest r{IoOp::kWrite, 2048 + rng.Below((sectors - 2048 - 128) / 8) * 8,
                8 * (uint32_t)rng.Between(1, 16)};
    r.fua = rng.Chance(1, 10);
    r.preflush = rng.Chance(1, 20);
    r.stamps.assign(r.sectors, stamp++);
    d.Submit(std::move(r), [](IoResult) {});
    world->Sched().Run();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DiskWrite)->Arg(1)->Arg(16 << 10);

// 200 writes (half left in the cache), then a power loss under the random
// policy; state.range(0) is the member's size in GiB.
void BM_DiskCrash(benchmark::State& state) {
  WorldConfig cfg;
  cfg.strategy = "fifo";
  cfg.keep_events = 0;
  auto world = std::move(*World::Create(cfg));
  uint64_t sectors = (uint64_t)state.range(0) << 21;
  Disk& d = world->AddDisk({512, sectors, 2048});
  Rng rng(7);
  uint64_t stamp = 1;
  for (auto _ : state) {
    for (int i = 0; i < 200; i++) {
      IoRequest r{IoOp::kWrite, 2048 + rng.Below((sectors - 2048 - 128) / 8) * 8, 64};
      r.fua = i % 2;
      r.stamps.assign(r.sectors, stamp++);
      d.Submit(std::move(r), [](IoResult) {});
    }
    world->Sched().Run();
    auto policy = MakeRandomCrashPolicy(Rng(stamp));
    world->Crash(*policy);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DiskCrash)->Arg(1)->Arg(16 << 10);

}  // namespace
}  // namespace llsim
