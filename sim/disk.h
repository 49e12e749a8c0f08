// A simulated member disk with a volatile write cache. The metadata areas
// (the first meta_sectors, and everything from meta_tail on: md superblock,
// bitmap) hold real bytes; the data area holds one stamp per 512-byte sector, naming the write that put
// it there, which is all the oracle needs. Both are stored sparsely (pages
// of bytes, extents of stamps), so a disk costs what was written to it,
// not its size: members of many TiB are as cheap as small ones.
//
// Writes complete into the cache after a seeded latency and are visible to
// reads from then on; FLUSH, PREFLUSH and FUA make them durable with the
// block layer's meaning (a flush covers writes completed before it was
// issued). A crash keeps, drops or tears each write that was not durable,
// within the block layer's rules (sim/README.md, "What survives a crash"):
// the payload of a PREFLUSH write reaches the media only after everything
// its flush covers.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "sim/byte_pages.h"
#include "sim/crash_policy.h"
#include "sim/extent_map.h"
#include "sim/faults.h"
#include "sim/rng.h"
#include "sim/scheduler.h"
#include "sim/stamp_runs.h"

namespace llsim {

constexpr uint64_t kSectorSize = 512;
constexpr uint64_t kStampNeverWritten = 0;
constexpr uint64_t kStampDiscarded = ~0ull;

struct DiskGeometry {
  uint32_t logical_block_size = 512;  // 512 or 4096: the atomic unit
  uint64_t sectors = 0;               // capacity, in 512-byte sectors
  uint64_t meta_sectors = 0;          // [0, meta_sectors) holds bytes
  // [meta_tail, sectors) holds bytes too: md 1.0 keeps its superblock and
  // bitmap at the end of the member.
  uint64_t meta_tail = ~0ull;
};

struct IoRequest {
  IoOp op = IoOp::kRead;
  uint64_t sector = 0;
  uint32_t sectors = 0;
  bool preflush = false;
  bool fua = false;
  std::vector<uint8_t> bytes;  // metadata writes: sectors * 512 bytes
  StampRuns stamps;            // data writes: one stamp per sector
  std::string tag;               // who issued it, for the trace
};

struct IoResult {
  int error = 0;
  std::vector<uint8_t> bytes;
  StampRuns stamps;
};

using IoCallback = std::function<void(IoResult)>;

// Told of every range of sectors that reaches a disk's media: a write made
// durable (FUA, a flush, a crash keeping it; io_id names it) or formatted
// directly (io_id 0). Only looks: for the timeline `llsim show --html` draws.
using MediaObserver =
    std::function<void(int disk, uint64_t io_id, uint64_t sector, uint32_t sectors)>;

class Disk {
 public:
  Disk(int index, DiskGeometry g, Scheduler& sched, FaultPlan& faults, Rng latency_rng,
       Rng fault_rng);

  int Index() const { return index_; }
  const DiskGeometry& Geometry() const { return geo_; }
  uint32_t BlockSectors() const { return geo_.logical_block_size / kSectorSize; }

  // Asynchronous IO; `done` runs as an interrupt (its own fiber, atomic
  // context) when it completes.
  void Submit(IoRequest req, IoCallback done);

  // What the disk would return now (cache included), and what survives a
  // power loss (media only). No IO, no events: for oracles and tests.
  std::vector<uint8_t> VisibleBytes(uint64_t sector, uint32_t sectors) const;
  std::vector<uint8_t> MediaBytes(uint64_t sector, uint32_t sectors) const;
  uint64_t VisibleStamp(uint64_t sector) const;
  uint64_t MediaStamp(uint64_t sector) const;
  // The visible stamps of [sector, sector + sectors), as runs.
  StampRuns VisibleStamps(uint64_t sector, uint64_t sectors) const;
  // Direct writes to media, as a tool like mdadm does before assembly.
  void FormatBytes(uint64_t sector, const std::vector<uint8_t>& bytes);

  // Writes not yet durable, in the order a crash decides them: PREFLUSH
  // writes in flight first (whether their flush ran constrains the rest),
  // then cached writes in the order they completed, then the other writes
  // in flight.
  std::vector<PendingWriteInfo> PendingWrites() const;
  size_t InFlight() const { return inflight_; }
  // A canonical hash of what a crash now could leave: the media (bytes and
  // stamps; not the completion order, which later writes always exceed)
  // and, with pending set, every non-durable write in PendingWrites order
  // with its payload. Equal hashes, equal crash outcomes for equal
  // decisions: the explorer's state deduplication (ci/explore).
  uint64_t CrashStateHash(bool pending) const;

  // Power loss: every non-durable write is kept, dropped or torn as the
  // policy says; afterwards the cache is empty and media is all there is.
  void Crash(CrashPolicy& policy);
  // What CrashStateHash(false) would be after Crash(policy), the policy
  // asked exactly as Crash asks it; the disk is left as it was (the
  // explorer predicts each persistence subset's state this way, and runs
  // only the subsets whose state it has not met).
  uint64_t MediaHashIfCrash(CrashPolicy& policy);

  // Relaxed (the default, as NVMe and SCSI allow): overlapping writes in
  // flight together complete in any order, so the older data can land
  // last. In order: a write never completes before an overlapping write
  // submitted earlier, which hides such races to look past them.
  void SetInOrderOverlaps(bool on) { in_order_overlaps_ = on; }
  // A slower member (a write-mostly disk across a slow link): every IO's
  // drawn latency (stalls aside: they are long already) is multiplied by `factor` (1: as is).
  void SetLatencyMultiplier(uint32_t factor) { latency_multiplier_ = factor ? factor : 1; }
  void SetMediaObserver(MediaObserver fn) { media_observer_ = std::move(fn); }

 private:
  struct CachedWrite {
    uint64_t io_id;
    uint64_t sector;
    uint32_t sectors;
    bool completed;
    uint64_t completion_index;  // order it reached the cache
    bool preflush;
    uint64_t horizon;  // PREFLUSH: the cached writes its flush covers
    std::vector<uint8_t> bytes;
    StampRuns stamps;
    // StateMixWords of bytes, once asked (the payload never changes).
    mutable uint64_t bytes_hash = 0;
    mutable bool bytes_hashed = false;
  };

  bool IsMeta(uint64_t sector) const {
    return sector < geo_.meta_sectors || sector >= geo_.meta_tail;
  }
  std::string Validate(const IoRequest& r) const;
  void Complete(uint64_t io_id, IoRequest req, uint64_t flush_horizon, int error,
                IoCallback done);
  void ApplyVisible(const CachedWrite& w);
  void ApplyMedia(const CachedWrite& w, uint64_t order, const std::vector<bool>* blocks);
  void MakeDurableBefore(uint64_t horizon);
  void MarkRedundant(std::vector<PendingWriteInfo>& pending) const;
  StampRuns MediaStamps(uint64_t sector, uint64_t sectors) const;
  // What the media holds becomes what reads see, over a range.
  void ShowMedia(uint64_t sector, uint32_t sectors);

  int index_;
  DiskGeometry geo_;
  Scheduler& sched_;
  FaultPlan& faults_;
  Rng latency_rng_;
  Rng fault_rng_;
  uint32_t latency_multiplier_ = 1;
  MediaObserver media_observer_;
  std::string irq_name_;  // its completions' interrupt fiber

  BytePages meta_visible_, meta_media_;  // byte offsets from sector 0
  ExtentMap<uint64_t> data_visible_, data_media_;  // stamps, by absolute sector
  // Per sector: the completion order of the write media holds, so a torn
  // or kept older write never overrides a newer durable one at a crash.
  ExtentMap<uint64_t> media_order_;
  std::map<uint64_t, CachedWrite> cache_;  // non-durable writes by io id (submission order)
  std::map<uint64_t, uint64_t> completed_;  // those in the cache: completion index -> io id
  uint64_t next_io_id_ = 1;
  uint64_t completions_ = 0;
  size_t inflight_ = 0;
  uint64_t generation_ = 0;  // bumped by a crash: stale completions are void
  bool in_order_overlaps_ = false;
  // Bumped by every change to the media or the cache: CrashStateHash is
  // asked at every place a crash could land, mostly with nothing changed.
  // The media's part is kept apart: it changes far less often.
  uint64_t version_ = 0, media_version_ = 0;
  // Crash's decisions: asks the policy about each pending write and puts
  // what it keeps on the media; logs each decision if `log`.
  void DecideAndApply(CrashPolicy& policy, bool log);
  mutable uint64_t hash_version_[2] = {~0ull, ~0ull};
  mutable uint64_t hash_memo_[2] = {0, 0};
  struct Flight {
    uint64_t io_id, sector, sectors;
    Nanos done_at;
  };
  std::vector<Flight> flights_;  // writes in flight, for in-order overlaps
};

}  // namespace llsim
