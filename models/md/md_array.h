// A model of md core + the raid1 personality driving a bitmap core through
// struct bitmap_operations in the order, and from the kinds of context,
// that md.c and raid1.c use (see shared/md-contract.md):
//   - assemble/run: superblocks, then pers->run, bitmap create, load;
//   - writes and discards: start_* when the clone is made, member bios
//     held until unplug returns, end_* once, with the same range, from the
//     completion of the last mirror (an interrupt);
//   - the md thread (raid1d + md_check_recovery): pending writes,
//     superblock updates (update_sb before member superblocks), starting
//     and reaping resync/recovery;
//   - the sync thread (md_do_sync + raid1_sync_request): skip_sync_blocks,
//     start_sync, cond_end_sync, real sync IO, end_sync on abort,
//     close_sync;
//   - member failure, re-add, new spare, resize, stop.
// It implements the md.h helpers (MdHost) on the simulated disks.
//
// Operations that block (Write, Stop, ...) must be called from a fiber.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/kshim/src/kshim.h"
#include "models/md/array_config.h"
#include "models/md/barrier_bucket.h"
#include "models/md/raid10_geo.h"
#include "models/md/raid5_geo.h"
#include "models/md/reach.h"
#include "models/md/superblock.h"
#include "models/oracle/data_oracle.h"
#include "sim/world.h"

namespace llsim {

// Formats fresh member disks as `mdadm --create --bitmap=lockless` leaves
// them (md superblocks, bitmap superblock with FIRST_USE) plus blank
// spares. Adds the disks to the world.
absl::Status CreateArrayDisks(World& world, const ArrayConfig& cfg);

// The bitmap operation md is inside when it calls the core (struct
// bitmap_operations member), or a core context md does not enter (a work
// item or a timer callback of the core's own).
enum class BitmapOp : uint8_t {
  kNone,
  kCreate,
  kLoad,
  kDestroy,
  kFlush,
  kResize,
  kWriteAll,
  kUpdateSb,
  kGetStats,
  kPrepareRange,
  kStartWrite,
  kEndWrite,
  kStartDiscard,
  kEndDiscard,
  kUnplug,
  kSkipSyncBlocks,
  kStartSync,
  kEndSync,
  kCloseSync,
  kCondEndSync,
  kSysfs,
  // Hooks md reaches only through paths added later (sysfs bitmap_set_bits,
  // md_check_recovery, raid1 behind writes); blocks_synced is raid456's
  // (lazy recovery) and listed so reports show it is never driven here.
  kDirtyBits,
  kDaemonWork,
  kBlocksSynced,
  kStartBehindWrite,
  kEndBehindWrite,
  kWaitBehindWrites,
  kSysfsShow,  // a read of one of the core's sysfs attributes
  kWork,   // a work item the core queued (its daemon, its unplug writer)
  kTimer,  // a timer callback of the core's
  // The reshape hooks (mainline): raid5_start_reshape's checks, each
  // reshape checkpoint's merge of old bits into new ones, the end.
  kReshapeCanStart,
  kReshapeMark,
  kReshapeFinish,
};
const char* BitmapOpName(BitmapOp op);

// Observers the property layer installs on the model.
struct MdObserver {
  // A user data write is about to reach member `disk` (write intent);
  // `members` are the disks it goes to: the bitmap members when it began.
  std::function<void(int disk, uint64_t array_sector, uint32_t sectors,
                     const std::vector<int>& members)>
      data_write_submitted;
  // start_write/start_discard returned (range in array sectors), and the
  // matching end_* is about to be called.
  std::function<void(uint64_t sector, uint32_t sectors, bool discard)> write_started;
  std::function<void(uint64_t sector, uint32_t sectors, bool discard)> write_ending;
  // The core wrote a bitmap block to a member: page index and its memory,
  // so the oracle can watch the core's in-memory state bytes.
  std::function<void(int page_index, const uint8_t* page_memory)> bitmap_page_seen;
  // The core read a whole page of its bitmap region from a member's media
  // into `page_memory` (sync_page_io): its copy of that page, holding what
  // the media held, until it writes it. A core may read further copies of
  // a page into scratch memory: only the first read of an index counts.
  std::function<void(int page_index, const uint8_t* page_memory)> bitmap_page_read;
  // The core is writing member sectors [sector, sector + sectors) of its
  // bitmap region (md_write_metadata), before the IO is submitted.
  std::function<void(int disk, uint64_t sector, uint32_t sectors)> bitmap_write;
  // A sync IO (read, then writes) that start_sync asked for is issued /
  // has ended, array sectors. Not called for syncs md does regardless of
  // the bitmap (a new spare's full sync, check/repair).
  std::function<void(uint64_t sector, uint32_t sectors, bool begin)> sync_io;
  // end_sync is about to be called / returned (sector): the sync gave back
  // everything from there on.
  std::function<void()> sync_abort_begin;
  std::function<void(uint64_t sector)> sync_aborted;
  // The core is about to free its pages (destroy, or a failed create):
  // page memory seen so far must not be read any more.
  std::function<void()> bitmap_gone;
  // md is about to call / has returned from a bitmap operation, in the
  // calling fiber.
  std::function<void(BitmapOp op, bool begin)> bitmap_call;
  // A write of the core's sysfs attribute `name` is about to run / has
  // returned `rc`, in the calling fiber (outside bitmap_call's bracket).
  std::function<void(const std::string& name, bool begin, ssize_t rc)> sysfs_store;
  // reshape_mark(old_pos, new_pos) is about to be called / has returned:
  // array range [lo, hi) moved to the new geometry.
  std::function<void(uint64_t lo, uint64_t hi, bool begin)> reshape_mark;
  // raid10: the bitmap resize a reshape onto more members starts with is
  // about to be called / has returned (a core may re-chunk there).
  std::function<void(bool begin)> reshape_resize;
};

class MdArray : public MdHost {
 public:
  MdArray(World& world, Kshim& kshim, const ArrayConfig& cfg, DataOracle* oracle);
  ~MdArray() override;

  const ArrayConfig& Config() const { return cfg_; }
  // The mirrors' layout; LayoutOf a disk may differ (a bigger spare).
  const MemberLayout& Layout() const { return layout_; }
  const MemberLayout& LayoutOf(int disk) const;
  mddev* Mddev() { return &mddev_; }
  const bitmap_operations* Ops() const { return ops_; }
  void SetObserver(MdObserver obs) { obs_ = std::move(obs); }
  // Where hook calls and features reached are counted (may be null); it
  // outlives this array, so counts add up over every assembly of a run.
  void SetReach(Reach* reach) { reach_ = reach; }

  // --- lifecycle (fiber context) -----------------------------------------
  // Reads member superblocks, picks the fresh members, runs the array:
  // pers->run, bitmap create, load, md thread; resync/recovery start as md
  // would start them.
  absl::Status Assemble();
  // Clean stop: freeze sync, flush the bitmap, mark clean, destroy.
  absl::Status Stop();
  bool Running() const { return running_; }

  // --- IO (fiber context); return 0 or -errno ---------------------------
  int Write(uint64_t sector, uint32_t sectors, bool fua);
  int Discard(uint64_t sector, uint32_t sectors);
  int Flush();
  // Reads from one in-sync mirror; stamps out.
  int Read(uint64_t sector, uint32_t sectors, StampRuns* stamps);

  // --- administration (fiber context) -----------------------------------
  absl::Status FailMember(int slot);
  // Puts a member that left the array (failed or kicked at assembly) back:
  // bitmap-based recovery of what it missed.
  absl::Status ReAdd(int disk);
  // A blank spare joins: full recovery.
  absl::Status AddSpare();
  // mdadm --replace: the in-sync member of `slot` wants replacing; a spare
  // (a blank disk is added if none is bound) is recovered in full beside
  // it while the array stays whole, then takes its place.
  absl::Status Replace(int slot);
  absl::Status Resize(uint64_t new_dev_sectors);
  // mdadm --grow --raid-devices=+delta --chunk=chunk (raid4/5/6, and
  // raid10 near and offset layouts; delta 0 to 2, chunk 0 keeps it): a
  // blank disk is added for each new member if no spare is bound, and the
  // array is reshaped, moving its data to a new data offset
  // (raid5_reshape.cc, raid10_reshape.cc).
  absl::Status Grow(int delta, uint32_t chunk_sectors = 0);
  // A reshape is in progress (started, not yet finished).
  bool Reshaping() const { return r5_prev_.has_value() || r10_prev_.has_value(); }
  // Where the current geometry's data starts on each member (mdadm's
  // data offset until a reshape moves it).
  uint64_t DataOffset() const { return r5_off_; }
  // raid4/5/6 during a reshape: the member rows array range [v, v + n)
  // touches in the old (previous) or new geometry, as md's
  // bitmap_sector_map gives them; false when the range is empty there.
  bool ReshapeRows(uint64_t v, uint64_t n, bool previous, uint64_t* dev, uint64_t* len) const;
  void Freeze(bool frozen);
  // Writes a bitmap sysfs attribute (echo value > md/llbitmap/<name>)
  // through the core's attribute group; the store's return value.
  ssize_t SysfsStore(const std::string& name, const std::string& value);
  // echo value > md/<name> for the attributes that reach the bitmap: md's
  // own bitmap_set_bits (dirty_bits, then unplug) and, by name, those of
  // the bitmap's group (SysfsStore).
  ssize_t SysfsWrite(const std::string& name, const std::string& value);
  // md's bitmap_store: "<chunk>", "<chunk>-<chunk>", ... separated by
  // spaces; always returns len, as md does.
  ssize_t SetBitmapBits(const std::string& value);
  // cat md/llbitmap/*: every attribute of the core's group that has a
  // show, into a page each, as sysfs gives it; the values are noted.
  void SysfsReadAll();
  // The core's sysfs attribute groups, in md's order (the plural list, then
  // the single group), as md registers them.
  std::vector<const attribute_group*> BitmapAttrGroups() const;
  // echo check|repair > md/sync_action (action_store): -EBUSY while a sync
  // runs or is being started.
  int RequestSync(bool repair);
  // mismatch_cnt: sectors the last check/repair found differing.
  uint64_t Mismatches() const { return mismatches_; }
  // The longest barrier_idle (seconds) the bitmap has run with since
  // assembly, as far as md knows: 0 when only the core's default was.
  unsigned long LongestBarrierIdle() const { return longest_barrier_idle_; }
  // The daemon period the bitmap runs with now, in seconds, and the longest
  // it has run with since assembly (a timer armed before mdadm shortened
  // the period keeps its deadline).
  unsigned long DaemonSleep() const { return mddev_.bitmap_info.daemon_sleep; }
  unsigned long LongestDaemonSleep() const {
    return std::max<unsigned long>(longest_daemon_sleep_, DaemonSleep());
  }

  // --- state for checks ---------------------------------------------------
  uint64_t DevSectors() const { return mddev_.dev_sectors; }
  // What the bitmap covers and user IO addresses: raid1's members hold
  // the whole array (dev_sectors); raid10's array is what its layout makes
  // of the members.
  uint64_t ArraySectors() const {
    return geo_ || r5_ ? mddev_.array_sectors : mddev_.dev_sectors;
  }
  // What the bitmap covers: the array's sectors, but raid4/5/6's member
  // rows (every member's at once).
  // raid10 during a reshape: the bitmap already covers the grown array.
  uint64_t BitmapSectors() const {
    return r5_ ? mddev_.dev_sectors : r10_prev_ ? geo_->array_sectors : ArraySectors();
  }
  // raid10's layout, once assembled (null for raid1); during a reshape,
  // the one the array is going to, and the one it comes from.
  const Raid10Geo* Geo() const { return geo_ ? &*geo_ : nullptr; }
  const Raid10Geo* PrevGeo() const { return r10_prev_ ? &*r10_prev_ : nullptr; }
  // raid10: the sectors from `sector` on (at most n) that lie in one chunk
  // of the geometry holding them and on one side of a reshape.
  uint64_t ContiguousSectors(uint64_t sector, uint64_t n) const;
  // raid4/5/6's layout, once assembled (null otherwise).
  const Raid5Geo* ParityGeo() const { return r5_ ? &*r5_ : nullptr; }
  // raid4/5/6 during a reshape: the geometry it moves the data out of.
  const Raid5Geo* PrevParityGeo() const { return r5_prev_ ? &*r5_prev_ : nullptr; }
  // raid4/5/6: would the array keep every row readable with only the
  // slots `working` says hold an in-sync member?
  bool ParityEnough(const std::function<bool(int slot)>& working) const;
  // raid4/5/6, whole arrays only: rows of [first, end) member-sector ranges
  // whose P (or Q) on the media the cache shows does not match their data,
  // as "member sector S: P on sdX is ..., the data make it ..." lines.
  // raid4/5/6: what a read of array sector v returns now, from what the
  // members' caches show (rebuilt from the row when its member is out);
  // no IO, no preemption point. 0 for other levels.
  uint64_t PeekArraySector(uint64_t v) const;
  // raid4/5/6: the write hole is open in this boot: the assembly forced a
  // dirty degraded array to start, or a member failed before the resync a
  // crash left owed had finished (md then resyncs nothing: raid5's
  // sync_request skips every stripe of an array missing as many members as
  // it has parity, and reads rebuild the lost member from parity the crash
  // may have left stale).
  bool WriteHoleAccepted() const { return write_hole_; }
  // The runner's word that a crash happened since the last verified settle:
  // whether a resync after it may still be owed (see WriteHoleAccepted).
  void SetCrashResyncOwed(bool owed) { crash_resync_owed_ = owed; }
  // raid4/5/6: md started a lazy pass on an array already missing as many
  // members as it has parity, and demoted one more (FINDINGS.md M5).
  bool LazyPassBrokeArray() const { return lazy_broke_; }
  std::vector<std::string> ParityMismatches(
      const std::vector<std::pair<uint64_t, uint64_t>>& ranges, size_t limit = 8) const;
  // For each In_sync, working slot's member holding a copy of array
  // sector `sector`: (disk, data-area sector). raid1: every in-sync
  // member at `sector`. For checks; no preemption point.
  std::vector<std::pair<int, uint64_t>> InSyncCopies(uint64_t sector) const;
  // The chunk size the core told md (bitmap_info.chunksize), 0 if none yet.
  unsigned long BitmapChunkSectors() const { return mddev_.bitmap_info.chunksize; }
  // The size a resize in progress goes to (~0 when none is).
  uint64_t ResizingTo() const { return resizing_to_; }
  int Degraded() const { return mddev_.degraded; }
  bool SyncRunning() const;
  bool SyncPending() const;
  bool Broken() const;
  // A metadata write failed on a member md would not fail (the last one
  // working): what its superblock says about the others may be stale or
  // torn, so an assembly may start from a member md had failed.
  bool MetadataUnrecorded() const { return metadata_unrecorded_; }
  // A member failed and no superblock records it yet (raid1_error's
  // Blocked is still set): a crash now brings it back in sync, holding
  // whatever its volatile cache lost, and a resync may copy from it.
  bool FailureUnrecorded() const;
  bool BitmapEnabled() const;
  std::vector<int> InSyncDisks() const;    // simulated disk indices
  int DiskInSlot(int slot) const;          // the working member there, or -1
  std::vector<int> BitmapMembers() const;  // raid_disk >= 0 && !Faulty
  // A member's bad blocks (data-area sectors, [first, end)), for checks:
  // md never reads there, so they hold no data anyone relies on.
  std::vector<std::pair<uint64_t, uint64_t>> BadBlocks(int disk) const;
  size_t WritesInFlight() const { return writes_in_flight_; }
  uint64_t ResyncsCompleted() const { return syncs_completed_; }
  std::string Describe() const;

  // --- MdHost -------------------------------------------------------------
  const char* Name(mddev* mddev) override { return "md0"; }
  void WakeupThread(md_thread* thread) override;
  void Error(mddev* mddev, md_rdev* rdev) override;
  bool SyncPageIo(md_rdev* rdev, sector_t sector, int size, page* pg, blk_opf_t opf,
                  bool metadata_op) override;
  void WriteMetadata(mddev* mddev, md_rdev* rdev, sector_t sector, int size, page* pg,
                     unsigned int offset) override;
  int SuperWait(mddev* mddev) override;
  int IssueFlush(block_device* bdev) override;
  int IssueZeroout(block_device* bdev, sector_t sector, sector_t sectors) override;

 private:
  struct Member;
  struct R1Bio;
  class BitmapCall;
  struct SyncIo;
  struct OtherIo;
  struct Stripe;
  struct MemberWrites;

  // md core
  void MdThreadMain();
  void CheckRecovery();
  void StartSyncWork();
  void ChooseAndStartSync();
  // md_update_sb(mddev, force_change); every caller says which.
  void UpdateSb(bool force = false);
  // One member's superblock of an md_update_sb round: the array's clean
  // state and resync_offset as the round took them (sync_sbs).
  void WriteMemberSb(Member& m, bool clean, uint64_t resync_offset);
  // md_write_metadata's IO (PREFLUSH|FUA, counted for md_super_wait), for
  // the core's bitmap writes and md's own superblock writes alike.
  void SubmitMetadataWrite(Member& m, uint64_t sector, int size, page* pg, unsigned int offset);
  void ReadSyncSource(SyncIo* sr);
  // mdadm reading a member's md superblock; nullopt if unreadable or none.
  std::optional<MdSuperblock> ReadMemberSb(Member& m);
  void StartSync();
  void SyncThreadMain();
  void ReapSyncThread();
  void MdWriteStart();
  void MdWriteEnd();
  void MdErrorLocked(Member& m);
  void SafemodeTimer();
  void StopSyncThread();
  void Quiesce(bool on);
  // The end of do_md_stop (or of a failed RUN_ARRAY): the md thread goes,
  // the members are unbound, the array is no longer running.
  void AbandonRun();
  // A spare with a saved slot whose events fell below events_cleared while
  // it waited: the bitmap no longer knows everything it missed.
  bool StaleForBitmapRecovery(const Member& m);

  // raid1
  void WaitBlockedRdev();
  // raid1's barrier is per bucket: a normal IO waits only for a sync in
  // its own bucket (barrier_bucket.h), a freeze waits for all of them.
  void WaitBarrier(uint64_t sector);
  void AllowBarrier(uint64_t sector);
  void RaiseBarrier(uint64_t sector);
  void LowerBarrier(uint64_t sector);
  void FreezeArray();
  void UnfreezeArray();
  int WriteRequest(uint64_t sector, uint32_t sectors, bool fua, bool discard);
  // One piece of a write that stays inside one barrier unit: barrier,
  // r1bio, bitmap start and the member bios; returns without waiting.
  // sectors_total: the user's whole write, which the first piece issues.
  R1Bio* WritePiece(uint64_t sector, uint32_t sectors, uint32_t sectors_total, bool fua,
                    bool discard, uint64_t* stamp, std::unique_ptr<R1Bio>* owner);
  void FlushBioList(std::vector<std::function<void()>> bios);
  void FlushPendingWrites();
  void EndMirrorWrite(R1Bio* r1, Member* m, int error);
  void FinishR1Bio(R1Bio* r1);
  // The bad-block log (md's rdev_set_badblocks, rdev_clear_badblocks,
  // is_badblock). Setting fails when the array keeps no log or it is
  // full; the caller then fails the member (md_error).
  bool SetBadBlocks(Member& m, uint64_t sector, uint64_t sectors);
  void ClearBadBlocks(Member& m, uint64_t sector, uint64_t sectors);
  static bool IsBadBlock(const Member& m, uint64_t sector, uint64_t sectors);
  // raid1's narrow_write_error: rewrites a failed write block by block on
  // `m`, recording the blocks that fail again; false if one cannot be.
  bool NarrowWriteError(R1Bio* r1, Member& m);
  // raid1's handle_read_error -> fix_read_error for a read of
  // [sector, sector + sectors) that failed on `bad`.
  void FixReadError(Member& bad, uint64_t sector, uint32_t sectors);
  int Raid10Read(uint64_t sector, uint32_t sectors, StampRuns* stamps);
  // md_bitmap_start: prepare_range, then start_write/start_discard unless
  // the range is empty; the range to hand back to end_* is returned.
  bool BitmapStartIo(uint64_t sector, uint32_t sectors, bool discard, sector_t* off,
                     unsigned long* len);
  // raid4/5/6 (raid5_io.cc)
  int Raid5Write(uint64_t sector, uint32_t sectors, bool fua);
  int Raid5Discard(uint64_t sector, uint32_t sectors);
  int Raid5Read(uint64_t sector, uint32_t sectors, StampRuns* stamps);
  uint64_t Raid5SyncRequest(uint64_t j, uint64_t max, bool* skipped);
  void Raid5BitmapBatch();
  uint64_t Raid5Peek(uint64_t v) const;
  void SelectLazyRecoverDisk();
  // raid5_reshape.cc
  void StartReshape();
  void ReshapeThreadMain();
  void ReshapeCheckpoint();
  void ReshapeCopyRow(uint64_t v);
  void FinishReshape();
  // Blocks until array range [v, v + n) lies wholly on one side of the
  // reshape window; true for the old geometry (v at or past the window).
  // With no pass running the window is empty and a range across
  // reshape_safe_ never comes to one side: *cut is then set to where md
  // splits it (mddev_bio_split_at_reshape_offset), and the part below goes
  // to the new geometry.
  bool WaitReshapeSide(uint64_t v, uint64_t n, uint64_t* cut);
  // raid10 during a reshape: array sector v lies in the old geometry.
  bool Raid10Prev(uint64_t v) const { return r10_prev_ && v >= reshape_safe_; }
  // Grow's level parts, under the lock with IO suspended, after the
  // checks both levels share; and the steps they share.
  absl::Status Raid5Grow(int delta, uint32_t chunk);
  absl::Status Raid10Grow(int delta, uint32_t chunk);
  // Every member in sync, and `delta` spares (blank disks bound if need be).
  absl::Status GrowSpares(int delta, std::vector<Member*>* spares);
  // The bitmap resize a reshape starts with (delta_disks and the new chunk
  // set first; undone if the core refuses).
  absl::Status ReshapeResize(int delta, int disks, uint32_t chunk, uint64_t blocks);
  // The spares take the slots from `slot` on, in sync; the pass starts at 0.
  void AdoptGrowSpares(const std::vector<Member*>& spares, int slot, const std::string& level);
  void EndReshapePass(bool intr);
  // Assembly: the members, chunk and data offset a reshape left in the
  // superblock (no reshape pending yet); then, for one recorded as
  // running, the old geometry's side of it (the caller sets that geometry).
  void AdoptReshapedShape(const MdSuperblock& top);
  void ResumeReshapeAt(const MdSuperblock& top, uint32_t prev_chunk, const std::string& level);
  // The pass both levels run: from the last checkpoint to `end`, `step`
  // array sectors at a time, a checkpoint first when `checkpoint_first`
  // says the step would overwrite old data not yet checkpointed (or every
  // eighth of the way), then `copy`; at the end a last checkpoint and
  // `finish`.
  void RunReshapePass(uint64_t end, uint64_t step,
                      const std::function<bool(uint64_t v)>& checkpoint_first,
                      const std::function<void(uint64_t v, uint64_t n)>& copy,
                      void (MdArray::*finish)());
  void ReshapeDone(uint32_t chunk);
  void Raid10ReshapeThreadMain();
  void Raid10ReshapeCopy(uint64_t v, uint64_t n);
  void Raid10FinishReshape();
  // Registers an old-geometry IO on array range r until destroyed: the
  // reshape moves no range with such IO in flight.
  struct OldGeometryIo;
  int Raid5Slots() const;
  // Slots whose member is missing, failed or not in sync (raid5_calc_degraded).
  int Raid5Missing() const;
  Member* SlotMember(int slot) const;
  bool Raid5Readable(const Member& m, uint64_t dev) const;
  void LockStripe(uint64_t dev);
  void UnlockStripe(uint64_t dev);
  void ReadStripe(Stripe* st);
  void WriteStripe(Stripe* st, const std::vector<int>& slots, bool fua,
                                   uint64_t stamp, bool user);
  uint64_t SyncRequest(uint64_t sector, uint64_t max_sector, bool* skipped);
  uint64_t Raid10RecoveryRequest(uint64_t j, uint64_t max_sector, bool* skipped);
  void CloseSyncRequest(uint64_t max_sector);
  // end_sync(sector), told to the observer: the core gives back what is
  // Syncing from there on. Returns the blocks it reports.
  sector_t GiveBackSync(uint64_t sector);
  void EndSyncRequest(SyncIo* sr);
  void CompareSyncTargets(SyncIo* sr, const StampRuns& source);
  void WriteSyncTarget(SyncIo* sr, Member* t, const StampRuns& stamps);

  // mddev_lock: the reconfig mutex every md_update_sb runs under; the md
  // thread only ever trylocks it (md_check_recovery).
  void MddevLock();
  bool MddevTrylock();
  void MddevUnlock();
  struct LockGuard {
    MdArray* a;
    explicit LockGuard(MdArray* arr) : a(arr) { a->MddevLock(); }
    ~LockGuard() { a->MddevUnlock(); }
  };

  // helpers
  // Where member m holds array sector `sector` (data-area relative), or
  // kNoCopy: raid1's members hold every sector at its own address.
  static constexpr uint64_t kNoCopy = ~0ull;
  // The barrier bucket of a sector: raid1's per 64 MiB unit; raid10's
  // barrier is one for the whole array (its recovery addresses members,
  // not the array, so no bucket of the array's would do).
  int BucketOf(uint64_t sector) const { return geo_ || r5_ ? 0 : BarrierBucket(sector); }
  // raid10's "enough": every chunk keeps a working in-sync copy with the
  // slot `ignore_slot` (-1: none) counted as failed.
  bool Raid10Enough(int ignore_slot) const;
  // Per slot, whether an in-sync, working member holds it.
  std::vector<bool> WorkingSlots() const;
  // Takes every member off md's list (a run that did not start).
  void UnbindAll();
  uint64_t DevSector(const Member& m, uint64_t sector) const;
  // The sectors from `sector` on (at most n) that map to one place on
  // each member: raid10 splits at chunk ends.
  Member* MemberByRdev(md_rdev* rdev);
  // The member whose block device `bdev` is; null (and shim misuse named
  // after `caller`) for anything else.
  Member* MemberByBdev(block_device* bdev, const char* caller);
  void BlockOn(WaitList& wl, const std::function<bool()>& done, bool idle = false);
  void Submit(Member& m, IoRequest req, IoCallback done);
  // Submits and blocks the calling fiber until the IO completes.
  IoResult SubmitAndWait(Member& m, IoRequest req);
  void NoteMd(std::string text);
  // Counts a model feature (reach.h's ModelFeatures() name).
  void Reached(const char* feature) {
    if (reach_) reach_->Feature(feature);
  }
  md_rdev* AddRdev(Member& m);
  // mdadm --add of the first blank disk: bound with no slot, as a new
  // spare; null when none is left.
  Member* BindBlankSpare();

  World& world_;
  Kshim& kshim_;
  ArrayConfig cfg_;
  MemberLayout layout_;
  std::optional<Raid10Geo> geo_;  // level 10, from assembly on
  std::optional<Raid5Geo> r5_;    // levels 4, 5, 6, from assembly on
  // raid5: conf->seq_flush / seq_write, the stripes parked with BIT_DELAY,
  // the stripes being handled, and the member a lazy recovery rebuilds.
  uint64_t seq_flush_ = 0, seq_write_ = 0;
  size_t bit_delay_stripes_ = 0;
  WaitList bit_delay_wait_{"raid5 STRIPE_BIT_DELAY"};
  std::set<uint64_t> busy_stripes_;
  WaitList stripe_wait_{"raid5 stripe busy"};
  int lazy_disk_ = -1;
  // A reshape (raid5_reshape.cc): the geometry and data offset data below
  // reshape_safe_ lives in (r5_, r5_off_) and, while one runs, that of the
  // rest (r5_prev_, r5_prev_off_). Array sectors [reshape_safe_,
  // reshape_progress_) are being moved: IO there waits for the checkpoint.
  std::optional<Raid5Geo> r5_prev_;
  // raid10's old geometry while a reshape runs (geo_ is the new one); the
  // data offsets are r5_off_ and r5_prev_off_, as for raid4/5/6.
  std::optional<Raid10Geo> r10_prev_;
  uint64_t r5_off_ = 0, r5_prev_off_ = 0;
  uint64_t reshape_safe_ = 0, reshape_progress_ = 0;
  // The chunk the array was created with (the trace's): a superblock names
  // another one only after a reshape changed it.
  uint32_t created_chunk_sectors_ = 0;
  WaitList reshape_wait_{"raid5 reshape window"};
  // Old-geometry user IO in flight (writes and reads, raid4/5/6 and
  // raid10), by array range: the reshape copies no range before it is done
  // (OldGeometryIo registers it).
  std::multiset<std::pair<uint64_t, uint64_t>> old_geometry_io_;
  bool write_hole_ = false;
  bool crash_resync_owed_ = false;
  bool lazy_broke_ = false;
  DataOracle* oracle_;
  MdObserver obs_;
  Reach* reach_ = nullptr;
  const bitmap_operations* ops_ = nullptr;

  mddev mddev_{};
  md_personality pers_{};
  gendisk gendisk_{};
  block_device array_bdev_{};
  std::vector<std::unique_ptr<Member>> members_;  // by simulated disk index
  bool running_ = false;
  bool closing_ = false;
  unsigned long longest_daemon_sleep_ = 0;
  unsigned long longest_barrier_idle_ = 0;
  uint64_t mismatches_ = 0;
  uint64_t resizing_to_ = ~0ull;  // MD_CLOSING: a stop has begun, no new IO
  // mddev_suspend in md_start_sync while spares change: new writes wait,
  // the ones in flight drain before a slot is filled.
  // mddev->suspended: a count, as md's suspensions nest (a grow and
  // md_start_sync may suspend at once; the first to resume must not
  // release the other's).
  int suspended_ = 0;
  bool start_sync_queued_ = false;
  WaitList suspend_wait_{"mddev suspended"};

  spinlock_t device_lock_{};  // raid1's conf->device_lock
  bool reconfig_held_ = false;
  WaitList reconfig_wait_{"mddev reconfig_mutex"};

  // md thread
  uint64_t md_thread_fiber_ = 0;
  bool thread_wakeup_ = false;
  bool thread_stop_ = false;
  WaitList thread_wait_{"md0_raid1 wakeup"};
  WaitList sb_wait_{"md sb_wait"};
  WaitList meta_wait_{"md pending metadata writes"};
  int pending_meta_writes_ = 0;
  bool meta_need_rewrite_ = false;
  bool metadata_unrecorded_ = false;
  uint64_t safemode_timer_ = 0;
  bool safemode_armed_ = false;
  int writes_pending_ = 0;

  // sync thread
  bool sync_thread_running_ = false;
  bool sync_thread_done_ = false;
  WaitList sync_exit_{"md0_resync exit"};
  WaitList recovery_wait_{"md recovery_wait"};
  uint64_t syncs_completed_ = 0;
  // Sync IO in flight, owned here: a crash drops its completions.
  std::map<uint64_t, std::unique_ptr<SyncIo>> sync_ios_;
  uint64_t next_sync_io_ = 1;
  bool fullsync_ = false;
  uint64_t curr_resync_ = 0;
  uint64_t sync_failed_from_ = ~0ull;  // lowest range this pass could not copy

  // raid1 barrier: totals over every bucket (freeze_array counts those)
  // and the per-bucket counts (conf->nr_pending[idx], nr_waiting[idx],
  // nr_queued[idx], barrier[idx]), bucket = BarrierBucket(sector).
  int nr_pending_ = 0;
  int nr_sync_pending_ = 0;
  int nr_queued_ = 0;  // writes on raid1d's retry and end lists
  std::vector<int> bucket_pending_, bucket_waiting_, bucket_queued_, bucket_barrier_;
  // freeze_array's flag, as a count here: a read-error fix (raid1d) and a
  // quiesce may freeze at once in the model; the last unfreeze thaws.
  int array_frozen_ = 0;
  WaitList barrier_wait_{"raid1 barrier"};

  // raid1d work
  std::deque<std::function<void()>> pending_bios_;
  Rng plug_rng_;
  Rng read_rng_;
  std::deque<R1Bio*> retry_list_;
  std::deque<R1Bio*> end_io_list_;  // failed on a mirror; end once it is recorded
  size_t writes_in_flight_ = 0;
  size_t other_io_ = 0;  // flushes and reads in flight
};

}  // namespace llsim
