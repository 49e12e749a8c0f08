// raid1's barrier buckets: the array is cut into 64 MiB barrier units,
// and each unit is hashed into one of BARRIER_BUCKETS_NR buckets (a page
// of atomic_t counters: 1024). Normal IO and sync IO only wait for each
// other inside one bucket, and no raid1 request crosses a unit's end (a
// bio that would is split there first). Units whose indices hash alike
// share a bucket, as in md: the hash is the kernel's hash_64.
#pragma once

#include <cstdint>

namespace llsim {

constexpr int kBarrierUnitSectorBits = 17;  // 64 MiB of 512-byte sectors
constexpr uint64_t kBarrierUnitSectors = 1ull << kBarrierUnitSectorBits;
constexpr int kBarrierBucketsBits = 10;     // PAGE_SHIFT - ilog2(sizeof(atomic_t))
constexpr int kBarrierBuckets = 1 << kBarrierBucketsBits;

// sector_to_idx: hash_long(unit, BARRIER_BUCKETS_NR_BITS) on a 64-bit
// kernel, a multiply by the 64-bit golden ratio keeping the top bits.
inline int BarrierBucket(uint64_t sector) {
  uint64_t unit = sector >> kBarrierUnitSectorBits;
  return (int)((unit * 0x61C8864680B583EBull) >> (64 - kBarrierBucketsBits));
}

// align_to_barrier_unit_end: how much of [sector, sector + sectors) lies
// in sector's barrier unit.
inline uint64_t SectorsToUnitEnd(uint64_t sector, uint64_t sectors) {
  uint64_t room = kBarrierUnitSectors - (sector & (kBarrierUnitSectors - 1));
  return sectors < room ? sectors : room;
}

}  // namespace llsim
