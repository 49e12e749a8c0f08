// Private pieces shared by the md model's source files.
#pragma once

#include <map>
#include <memory>

#include "models/md/md_array.h"

namespace llsim {

// A member flag the model reads for its own bookkeeping. test_bit is a
// preemption point (a scheduling decision in the run's history); a check
// the kernel does not make must not add one.
inline bool RdevFlag(const md_rdev& r, int bit) { return (r.flags >> bit) & 1; }

// The stamp of a sector that holds zeroes (blkdev_issue_zeroout, or a
// parity word that came out 0): stamp 0 means never written.
inline constexpr uint64_t kZeroWord = 0x7a65726f7a65726full;

struct MdArray::Member {
  int disk = 0;
  Disk* d = nullptr;
  md_rdev rdev{};
  block_device bdev{};
  std::string name;
  bool in_array = false;  // on mddev->disks
  bool blank = false;     // a spare that never held array data
  uint64_t events_at_add = 0;  // its superblock's events when (re-)added
  MemberLayout layout;         // where md finds things on this member
  uint64_t sb_events = 0;      // events of the superblock last written to it (rdev->sb_events)
  // rdev->badblocks: first sector -> end, data-area relative, merged.
  std::map<uint64_t, uint64_t> bad;
};

// The data-area sector `who` holds an IO's range at, from its (member,
// sector) list; `fallback` (the array sector: raid1) when it is not listed.
template <typename K>
uint64_t DevIn(const std::vector<std::pair<K, uint64_t>>& dev_of, K who, uint64_t fallback) {
  for (const auto& [k, dev] : dev_of)
    if (k == who) return dev;
  return fallback;
}

// One user write or discard: raid1's r1bio plus md's io clone.
struct MdArray::R1Bio {
  uint64_t sector = 0;
  uint32_t sectors = 0;
  bool discard = false;
  bool fua = false;
  uint64_t stamp = 0;
  // The range handed to start_* (after prepare_range), for end_*.
  sector_t bm_offset = 0;
  unsigned long bm_sectors = 0;
  bool bm_started = false;
  bool behind = false;  // start_behind_write was called for it
  int remaining = 0;
  int ok_mirrors = 0;
  std::vector<Member*> failed;
  std::vector<int> target_disks;
  // raid10: each target's data-area sector for `sector` (in target order),
  // and the members holding the bitmap when the write began (raid1 takes
  // target_disks for both).
  std::vector<std::pair<int, uint64_t>> dev_of;
  std::vector<int> bitmap_disks;
  uint64_t DevOn(int disk) const { return DevIn(dev_of, disk, sector); }
  bool done = false;
  WaitList wait{"raid1 write completion"};
};

struct MdArray::SyncIo {
  uint64_t id = 0;
  uint64_t sector = 0;
  uint32_t sectors = 0;
  Member* source = nullptr;
  std::vector<Member*> targets;
  int remaining = 0;
  bool failed = false;
  bool bitmap_driven = false;  // start_sync said this range needs syncing
  std::vector<Member*> tried;  // sources that failed to read
  // md_do_sync's j for this IO: `sector` on raid1 and in a resync; a
  // member's sector in raid10's recovery, where `sector` is the array's.
  uint64_t md_sector = 0;
  // raid10: each member's data-area sector for `sector` (empty on raid1,
  // where it is `sector` itself).
  std::vector<std::pair<const Member*, uint64_t>> dev_of;
  uint64_t DevOn(const Member* m) const { return DevIn(dev_of, m, sector); }
};

// md calling one bitmap operation: the observer learns which one the
// calling fiber is inside (begin and end, also when the fiber is
// cancelled in the middle).
class MdArray::BitmapCall {
 public:
  BitmapCall(MdArray* a, BitmapOp op) : a_(a), op_(op) {
    if (a_->reach_) a_->reach_->Hook(op_);
    if (a_->obs_.bitmap_call) a_->obs_.bitmap_call(op_, true);
  }
  ~BitmapCall() {
    if (a_->obs_.bitmap_call) a_->obs_.bitmap_call(op_, false);
  }
  BitmapCall(const BitmapCall&) = delete;
  BitmapCall& operator=(const BitmapCall&) = delete;

 private:
  MdArray* a_;
  BitmapOp op_;
};

// Flushes and reads hold the device open: a stop waits for them too.
struct MdArray::OtherIo {
  MdArray* a;
  explicit OtherIo(MdArray* arr) : a(arr) { a->other_io_++; }
  ~OtherIo() {
    if (--a->other_io_ == 0) a->world_.Sched().WakeAll(a->barrier_wait_);
  }
};

// An IO in a reshape's old geometry, on array range [first, second): the
// reshape copies no range with such IO in flight (the window waits).
struct MdArray::OldGeometryIo {
  MdArray* a;
  std::pair<uint64_t, uint64_t> r;
  bool on;
  OldGeometryIo(MdArray* arr, uint64_t b, uint64_t e, bool prev) : a(arr), r{b, e}, on(prev) {
    if (on) a->old_geometry_io_.insert(r);
  }
  ~OldGeometryIo() {
    if (!on) return;
    a->old_geometry_io_.erase(a->old_geometry_io_.find(r));
    a->world_.Sched().WakeAll(a->reshape_wait_);
  }
};

constexpr uint64_t kMaxSector = ~0ull;
constexpr uint32_t kSyncIoSectors = 128;  // raid1's 64 KiB resync unit

}  // namespace llsim
