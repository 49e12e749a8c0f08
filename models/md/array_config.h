// The shape of a simulated raid1 or raid10 array and where things live on each
// member, for each md 1.x metadata version: where our own md superblock
// sits (sb_start), where the bitmap region sits relative to it (md's signed
// bitmap offset) and where the data area is. Validate() turns an
// impossible geometry into one clear message.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "models/md/raid5_geo.h"

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
  // md superblock version 1.<metadata_minor>: 0 (superblock near the end of
  // the member, bitmap just before it, data from sector 0), 1 (superblock
  // at sector 0, bitmap after it), 2 (superblock 4 KiB in, bitmap after).
  int metadata_minor = 2;
  // md_update_sb rolls the events back on a clean<->dirty toggle of a whole
  // array (can_decrease_events) and leaves spares alone then, as md does.
  // Off (events only ever go up) in traces recorded before it was modelled.
  bool events_rollback = false;
  // Spares are bigger than the mirrors by this many sectors (a multiple of
  // 8). On 1.0 that moves a spare's superblock, and so its bitmap, to
  // other sectors than the mirrors' (md addresses the bitmap from each
  // member's own sb_start); on 1.1/1.2 it only leaves room unused.
  uint64_t spare_extra_sectors = 0;
  bool failfast = false;                 // mdadm --failfast: every member FailFast
  bool badblocks = false;                // members keep a bad-block log (md's default
                                         // is on; off keeps the traces before it)
  // mdadm --write-mostly: bit i flags simulated disk i (members first, then
  // spares) WriteMostly; mdadm --write-behind=N: recorded in the bitmap
  // superblock (a core that reads it sets bitmap_info.max_write_behind);
  // the write-mostly disks' IO takes slow_write_mostly times as long.
  uint32_t write_mostly = 0;
  uint32_t write_behind = 0;
  uint32_t slow_write_mostly = 1;
  // Members sit on md's rdev list in md's order: bind_rdev_to_array adds
  // at the head, and mdadm --assemble binds the slots in order, then the
  // spares, then the freshest member, so rdev_for_each meets the freshest
  // first and a member added at run time before the others. Off (bound at
  // the tail in disk order) in traces recorded before it was modelled.
  bool md_list_order = false;
  // The personality: 1 (raid1, the default and every trace before levels)
  // or 10. For raid10, `mirrors` is raid_disks, `dev_sectors` the member
  // data size mdadm --size gives (the array is smaller, see ArraySectors),
  // and the layout is mdadm's nK/fK/oK with chunk_sectors (a power of 2).
  // Levels 4, 5 and 6: `mirrors` is raid_disks (data and parity), the
  // layout one of md's parity algorithms (raid4's is always parity last).
  int level = 1;
  int near_copies = 2, far_copies = 1;
  bool far_offset = false;
  Raid5Algo raid5_algo = Raid5Algo::kLeftSymmetric;
  uint32_t chunk_sectors = 128;
  // Every disk offers write-zeroes with unmap (bdev_write_zeroes_unmap_sectors
  // is not 0): a new raid4/5/6 llbitmap may zero its members at creation
  // and start with every chunk CleanUnwritten.
  bool write_zeroes = false;
  // raid4/5/6's consistency policy (mdadm --consistency-policy): "" (resync,
  // with the bitmap), "journal" or "ppl". Neither of the last two runs with
  // llbitmap: a journal makes the core's create refuse (-EBUSY), and md
  // refuses PPL beside any write-intent bitmap. Traces only (policy=).
  std::string consistency_policy;

  bool Parity() const { return level == 4 || level == 5 || level == 6; }

  absl::Status Validate() const;
  // "raid1", or "raid10 n2 chunk 64K"-like names for notes and reports.
  std::string LevelName() const;
  // mdadm's layout name: raid10 "n2", "f2", "o2"; raid4/5/6 "ls", "pl", ...
  std::string LayoutName() const;
};

// The array's size in sectors as md computes it (raid1: dev_sectors;
// raid10: raid10_size of the members).
uint64_t ArraySectors(const ArrayConfig& cfg);
// The sectors the bitmap covers: the array's for raid1 and raid10, a
// member's (every member's rows at once) for raid4/5/6.
uint64_t BitmapSectors(const ArrayConfig& cfg);

// Member disk layout, in 512-byte sectors, as mdadm lays out a member of
// that metadata version (super1.c write_init_super1) and md finds it
// (super_1_load): see MemberLayout::For.
struct MemberLayout {
  int metadata_minor = 2;
  // md_update_sb rolls the events back on a clean<->dirty toggle of a whole
  // array (can_decrease_events) and leaves spares alone then, as md does.
  // Off (events only ever go up) in traces recorded before it was modelled.
  bool events_rollback = false;
  // Spares are bigger than the mirrors by this many sectors (a multiple of
  // 8). On 1.0 that moves a spare's superblock, and so its bitmap, to
  // other sectors than the mirrors' (md addresses the bitmap from each
  // member's own sb_start); on 1.1/1.2 it only leaves room unused.
  uint64_t spare_extra_sectors = 0;
  uint64_t sb_start = 8;
  int64_t bitmap_offset = 8;   // md's bitmap_info.offset: signed, from sb_start
  uint64_t bitmap_space = 0;   // sectors of the region
  uint64_t data_offset = 0;    // start of the data area
  uint64_t data_sectors = 0;   // room for data (rdev->sectors, sb data_size)
  uint64_t capacity = 0;
  // Sectors that hold bytes rather than data stamps on the simulated disk:
  // [0, meta_head) and [meta_tail, capacity).
  uint64_t meta_head = 0;
  uint64_t meta_tail = ~0ull;

  // Member `disk` of the array: the mirrors are disks 0..mirrors-1, the
  // spares (spare_extra_sectors bigger) come after them.
  static MemberLayout For(const ArrayConfig& cfg, int disk = 0);
  uint64_t BitmapStart() const { return sb_start + (uint64_t)bitmap_offset; }
  uint64_t BitmapEnd() const { return BitmapStart() + bitmap_space; }
  // What md itself tells the bitmap the region's size is (bitmap_info.space
  // set by super_1_validate): 0 for 1.1/1.2, where llbitmap then takes the
  // bitmap superblock's sectors_reserved; for 1.0 with the bitmap before
  // the superblock, everything from the bitmap up to the superblock.
  uint64_t MdBitmapSpace() const {
    return metadata_minor == 0 && bitmap_offset < 0 ? (uint64_t)-bitmap_offset : 0;
  }
};

// "1.0", "1.1", "1.2".
const char* MetadataName(int minor);

}  // namespace llsim
