// The shape of a simulated raid1 array and where things live on each
// member: our own md superblock at sb_start, the bitmap region right after
// it, then the data area. Validate() turns an impossible geometry into one
// clear message.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace llsim {

constexpr uint64_t kMaxMemberSectors = 1ull << 35;  // 16 TiB

struct ArrayConfig {
  int mirrors = 2;                       // raid_disks, 2..4
  uint64_t dev_sectors = 64 * 2048;      // array (and member data) size: 64 MiB
  uint64_t max_dev_sectors = 0;          // room to grow into (0: 2 x dev_sectors)
  uint32_t logical_block_size = 512;     // 512 or 4096
  uint32_t bitmap_space = 256;           // sectors reserved for the bitmap region
  uint32_t daemon_sleep = 5;             // seconds (written by sysfs after create)
  uint32_t barrier_idle = 0;             // seconds, 0 keeps the core's default
  bool assume_clean = false;             // mdadm --assume-clean: BITMAP_CLEAN
  int spares = 1;                        // blank disks available for add-spare
  // mdadm --write-mostly: bit i flags simulated disk i (members first, then
  // spares) WriteMostly; mdadm --write-behind=N: recorded in the bitmap
  // superblock (a core that reads it sets bitmap_info.max_write_behind);
  // the write-mostly disks' IO takes slow_write_mostly times as long.
  uint32_t write_mostly = 0;
  uint32_t write_behind = 0;
  uint32_t slow_write_mostly = 1;

  absl::Status Validate() const;
};

// Member disk layout, in 512-byte sectors.
struct MemberLayout {
  uint64_t sb_start = 8;
  uint64_t bitmap_offset = 8;  // relative to sb_start
  uint64_t bitmap_space = 0;
  uint64_t data_offset = 0;    // start of the data area (= metadata area size)
  uint64_t capacity = 0;

  static MemberLayout For(const ArrayConfig& cfg);
  uint64_t BitmapStart() const { return sb_start + bitmap_offset; }
};

}  // namespace llsim
