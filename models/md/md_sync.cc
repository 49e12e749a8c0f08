// Resync and recovery: the sync thread (md_do_sync) and raid1's
// sync_request, with real sync IO, checkpoints, abort and close. See
// md_array.h and md-contract.md §4.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "models/md/barrier_bucket.h"
#include "models/md/md_array.h"
#include "models/md/md_internal.h"

namespace llsim {

bool MdArray::SyncRunning() const { return sync_thread_running_; }

bool MdArray::SyncPending() const {
  // MD_RECOVERY_RUNNING lasts until the pass is reaped: spare_active may
  // have made the array whole while the reap's superblock write still
  // waits on a stalled disk, and the pass is not over until it is done.
  return sync_thread_running_ || test_bit(MD_RECOVERY_RUNNING, &mddev_.recovery) ||
         test_bit(MD_RECOVERY_NEEDED, &mddev_.recovery) ||
         mddev_.resync_offset < kMaxSector;
}

void MdArray::StartSync() {
  // A new pass has completed nothing yet: md_update_sb must not record a
  // recovering member as in sync up to where the last pass got.
  if (r5_) mddev_.curr_resync_completed = 0;
  set_bit(MD_RECOVERY_RUNNING, &mddev_.recovery);
  sync_thread_running_ = true;
  sync_thread_done_ = false;
  bool recover = test_bit(MD_RECOVERY_RECOVER, &mddev_.recovery);
  NoteMd(recover ? "recovery started" : "resync started");
  world_.Sched().Spawn("md0_resync", [this] { SyncThreadMain(); });
}

void MdArray::SyncThreadMain() {
  bool recover = test_bit(MD_RECOVERY_RECOVER, &mddev_.recovery);
  // A recovery walks member sectors (raid10 maps each back to the array
  // for the bitmap, raid10_find_virt), a resync the array's.
  uint64_t max = recover ? mddev_.dev_sectors : mddev_.resync_max_sectors;
  uint64_t j = 0;
  if (recover && r5_ && test_bit(MD_RECOVERY_LAZY_RECOVER, &mddev_.recovery))
    SelectLazyRecoverDisk();
  if (recover) {
    j = kMaxSector;
    for (auto& m : members_)
      if (m->in_array && m->rdev.raid_disk >= 0 && !test_bit(Faulty, &m->rdev.flags) &&
          !test_bit(In_sync, &m->rdev.flags))
        j = std::min<uint64_t>(j, m->rdev.recovery_offset);
    if (j == kMaxSector) j = 0;
    // With a bitmap, writes that began before the spare joined drain first.
    if (BitmapEnabled()) {
      Quiesce(true);
      Quiesce(false);
    }
  }
  // With a bitmap a resync always starts from 0; the bitmap skips.
  curr_resync_ = j;
  mddev_.curr_resync = j;
  if (r5_) mddev_.curr_resync_completed = j;
  sync_failed_from_ = kMaxSector;
  uint64_t next_mark = j + std::max<uint64_t>(max / 8, kSyncIoSectors);
  while (j < max) {
    if (test_bit(MD_RECOVERY_INTR, &mddev_.recovery)) break;
    if (j >= next_mark) {
      // A checkpoint: everything below j is on disk.
      BlockOn(recovery_wait_, [&] {
        return atomic_read(&mddev_.recovery_active) == 0 ||
               test_bit(MD_RECOVERY_INTR, &mddev_.recovery);
      });
      mddev_.curr_resync_completed = j;
      if (!recover && j > mddev_.resync_offset && mddev_.resync_offset != kMaxSector)
        mddev_.resync_offset = j;
      set_bit(MD_SB_CHANGE_CLEAN, &mddev_.sb_flags);
      WakeupThread(mddev_.thread);
      next_mark = j + std::max<uint64_t>(max / 8, kSyncIoSectors);
    }
    if (BitmapEnabled() && ops_->skip_sync_blocks) {
      sector_t skip = (BitmapCall(this, BitmapOp::kSkipSyncBlocks), ops_->skip_sync_blocks(&mddev_, j));
      if (skip) {
        j += skip;
        curr_resync_ = mddev_.curr_resync = std::min<uint64_t>(j, max);
        continue;
      }
    }
    bool skipped = false;
    uint64_t sectors = SyncRequest(j, max, &skipped);
    if (sectors == 0) {
      set_bit(MD_RECOVERY_INTR, &mddev_.recovery);
      break;
    }
    j += sectors;
    curr_resync_ = mddev_.curr_resync = std::min<uint64_t>(j, max);
    // The resync window: a bounded amount of sync IO in flight.
    BlockOn(recovery_wait_, [&] {
      return atomic_read(&mddev_.recovery_active) < 4 * (int)kSyncIoSectors ||
             test_bit(MD_RECOVERY_INTR, &mddev_.recovery);
    });
  }
  BlockOn(recovery_wait_, [&] { return atomic_read(&mddev_.recovery_active) == 0; });
  bool intr = test_bit(MD_RECOVERY_INTR, &mddev_.recovery);
  if (!intr) mddev_.curr_resync_completed = curr_resync_;
  CloseSyncRequest(max);
  // md_finish_sync: a check leaves resync_offset alone; a repair moves it
  // as a resync does.
  bool check = test_bit(MD_RECOVERY_CHECK, &mddev_.recovery);
  if (check) {
  } else if (!recover) {
    if (!intr) curr_resync_ = kMaxSector;
    if (curr_resync_ > mddev_.resync_offset || !intr) mddev_.resync_offset = curr_resync_;
    if (intr && mddev_.resync_offset > curr_resync_) mddev_.resync_offset = curr_resync_;
  } else {
    for (auto& m : members_)
      if (m->in_array && m->rdev.raid_disk >= 0 && !test_bit(Faulty, &m->rdev.flags) &&
          !test_bit(In_sync, &m->rdev.flags))
        m->rdev.recovery_offset = intr ? std::min(curr_resync_, sync_failed_from_) : kMaxSector;
  }
  const char* what = recover ? "recovery"
                     : check ? "check"
                     : test_bit(MD_RECOVERY_REQUESTED, &mddev_.recovery) ? "repair"
                                                                        : "resync";
  NoteMd(absl::StrFormat("%s %s at %d%s", what, intr ? "interrupted" : "done",
                         (int64_t)curr_resync_,
                         test_bit(MD_RECOVERY_REQUESTED, &mddev_.recovery)
                             ? absl::StrFormat(", mismatch_cnt %d", mismatches_)
                             : std::string()));
  set_bit(MD_RECOVERY_DONE, &mddev_.recovery);
  sync_thread_done_ = true;
  WakeupThread(mddev_.thread);
  world_.Sched().WakeAll(sync_exit_);
}

uint64_t MdArray::SyncRequest(uint64_t sector, uint64_t max, bool* skipped) {
  bool recover = test_bit(MD_RECOVERY_RECOVER, &mddev_.recovery);
  if (r5_) return Raid5SyncRequest(sector, max, skipped);
  if (geo_ && recover) return Raid10RecoveryRequest(sector, max, skipped);
  sector_t sync_blocks = 1024;
  bool must = true;
  // raid10_sync_request checkpoints before it asks (raid1 after).
  if (geo_ && !recover && BitmapEnabled())
    (BitmapCall(this, BitmapOp::kCondEndSync), ops_->cond_end_sync(&mddev_, sector, false));
  if (BitmapEnabled())
    must = (BitmapCall(this, BitmapOp::kStartSync), ops_->start_sync(&mddev_, sector, &sync_blocks, true));
  if (!must && !fullsync_ && !test_bit(MD_RECOVERY_REQUESTED, &mddev_.recovery)) {
    *skipped = true;
    return sync_blocks ? sync_blocks : 1;
  }
  if (!geo_ && BitmapEnabled()) (BitmapCall(this, BitmapOp::kCondEndSync), ops_->cond_end_sync(&mddev_, sector, false));
  RaiseBarrier(sector);
  if (test_bit(MD_RECOVERY_INTR, &mddev_.recovery)) {
    LowerBarrier(sector);
    return 0;
  }
  // raid1_sync_request: read from an in-sync member; write to every member
  // being recovered, and for a resync to the other in-sync ones as well.
  // raid1_sync_request keeps a sync IO inside one barrier unit too.
  uint64_t n = SectorsToUnitEnd(sector, std::min<uint64_t>({sync_blocks, kSyncIoSectors, max - sector}));
  // raid10: one chunk at a time, and only the members holding a copy.
  n = ContiguousSectors(sector, n);
  std::vector<std::pair<const Member*, uint64_t>> dev_of;
  auto dev = [&](const Member* m) { return DevIn(dev_of, m, sector); };
  // A member with a bad block in the range is no source (md reads the good
  // part elsewhere; the model wants one member that holds it all).
  Member* source = nullptr;
  std::vector<Member*> targets;
  bool bad_sources = false;
  for (auto& m : members_) {
    if (geo_ && m->in_array && m->rdev.raid_disk >= 0) {
      uint64_t d = DevSector(*m, sector);
      if (d == kNoCopy) continue;
      dev_of.emplace_back(m.get(), d);
    }
    if (!m->in_array || m->rdev.raid_disk < 0 || test_bit(Faulty, &m->rdev.flags)) continue;
    bool in_sync = test_bit(In_sync, &m->rdev.flags);
    bool readable = in_sync && !IsBadBlock(*m, dev(m.get()), n);
    bad_sources |= in_sync && !readable;
    if (readable && !source)
      source = m.get();
    else if (!in_sync || !recover)
      targets.push_back(m.get());
  }
  if (!source && bad_sources && !targets.empty()) {
    // Every copy is bad here: the targets get the bad blocks too (the
    // min_bad path of raid1_sync_request); if one cannot take them, the
    // pass is abandoned.
    bool ok = true;
    for (Member* t : targets) ok = SetBadBlocks(*t, dev(t), n) && ok;
    LowerBarrier(sector);
    if (!ok) return 0;
    Reached("bad block recorded");
    *skipped = true;
    return n;
  }
  // raid1_sync_request reads from a write-mostly member only when no other
  // in-sync member is left.
  if (source && test_bit(WriteMostly, &source->rdev.flags))
    for (Member* t : targets)
      if (test_bit(In_sync, &t->rdev.flags) && !test_bit(WriteMostly, &t->rdev.flags) &&
          !IsBadBlock(*t, dev(t), n)) {
        std::replace(targets.begin(), targets.end(), t, source);
        source = t;
        break;
      }
  if (!source || targets.empty()) {
    LowerBarrier(sector);
    *skipped = true;
    return n;
  }
  uint64_t id = next_sync_io_++;
  auto owned = std::make_unique<SyncIo>(SyncIo{id, sector, (uint32_t)n, source, targets, 0, false,
                                               BitmapEnabled() && must});
  SyncIo* sr = owned.get();
  sr->md_sector = sector;
  sr->dev_of = std::move(dev_of);
  if (geo_) Reached("raid10 resync");
  if (sr->bitmap_driven && obs_.sync_io) obs_.sync_io(sector, (uint32_t)n, true);
  sync_ios_.emplace(id, std::move(owned));
  atomic_add((int)n, &mddev_.recovery_active);
  ReadSyncSource(sr);
  return n;
}

// raid10_sync_request's recovery branch: `j` is a member sector. Each slot
// being recovered asks the bitmap about the array sector its j holds
// (raid10_find_virt) and, if that needs it (or the recovery is a full one,
// or the member a replacement), copies it from an in-sync copy. The pieces
// stay inside one raid chunk. Deliberately not md: start_sync is asked
// once per slot (raid10 asks again after raising the barrier, which only
// repeats Syncing); a range no slot can read from is skipped (md records
// bad blocks or gives up on the member).
uint64_t MdArray::Raid10RecoveryRequest(uint64_t j, uint64_t max, bool* skipped) {
  uint64_t n = std::min<uint64_t>({kSyncIoSectors, max - j,
                                   geo_->chunk_sectors - j % geo_->chunk_sectors});
  struct Job {
    Member* target;
    Member* source;
    uint64_t array_sector, source_dev;
    bool must;
  };
  std::vector<Job> jobs;
  for (auto& t : members_) {
    if (!t->in_array || t->rdev.raid_disk < 0 || RdevFlag(t->rdev, Faulty)) continue;
    bool replacement = RdevFlag(t->rdev, Replacement);
    if (RdevFlag(t->rdev, In_sync) && !replacement) continue;
    int slot = t->rdev.raid_disk;
    uint64_t v = geo_->Virt(j, slot);
    if (v >= ArraySectors()) continue;
    sector_t blocks = 1024;
    bool must = true;
    if (BitmapEnabled())
      must = (BitmapCall(this, BitmapOp::kStartSync), ops_->start_sync(&mddev_, v, &blocks, true));
    n = std::min<uint64_t>(n, blocks ? blocks : 1);
    if (!must && !fullsync_ && !replacement) continue;
    Member* source = nullptr;
    uint64_t source_dev = 0;
    // Any in-sync copy: for a replacement, its own slot's member too.
    for (const Raid10Geo::Copy& c : geo_->Map(v)) {
      for (auto& m : members_)
        if (!source && m->in_array && m->rdev.raid_disk == c.slot && RdevFlag(m->rdev, In_sync) &&
            !RdevFlag(m->rdev, Faulty) && !RdevFlag(m->rdev, Replacement) &&
            !IsBadBlock(*m, c.dev, n)) {
          source = m.get();
          source_dev = c.dev;
        }
    }
    if (!source) continue;
    jobs.push_back({t.get(), source, v, source_dev, must});
  }
  if (jobs.empty()) {
    *skipped = true;
    return n;
  }
  for (const Job& job : jobs) {
    RaiseBarrier(j);
    if (test_bit(MD_RECOVERY_INTR, &mddev_.recovery)) {
      LowerBarrier(j);
      return 0;
    }
    uint64_t id = next_sync_io_++;
    auto owned = std::make_unique<SyncIo>(SyncIo{id, job.array_sector, (uint32_t)n, job.source,
                                                 {job.target}, 0, false,
                                                 BitmapEnabled() && job.must});
    SyncIo* sr = owned.get();
    sr->md_sector = j;
    sr->dev_of = {{job.source, job.source_dev}, {job.target, j}};
    Reached("raid10 recovery");
    if (sr->bitmap_driven && obs_.sync_io) obs_.sync_io(sr->sector, (uint32_t)n, true);
    sync_ios_.emplace(id, std::move(owned));
    atomic_add((int)n, &mddev_.recovery_active);
    ReadSyncSource(sr);
  }
  return n;
}

// Reads the range from sr->source; on an error, as fix_sync_read_error
// does, reads it from the next in-sync member and writes the good copy
// back to the one that failed (a latent sector error is rewritten, the
// member stays). Only when no member can read it does the pass stop with
// the range unwritten, and then the members that failed to read it are
// failed (md records bad blocks, or disables recovery until the members
// change: without a bad-block log the model fails them, so a pass does
// not restart into the same error forever).
void MdArray::ReadSyncSource(SyncIo* sr) {
  bool recover = test_bit(MD_RECOVERY_RECOVER, &mddev_.recovery);
  IoRequest rd{IoOp::kRead, DataOffset() + sr->DevOn(sr->source), sr->sectors};
  rd.tag = recover ? "recovery read"
           : test_bit(MD_RECOVERY_REQUESTED, &mddev_.recovery) ? "check/repair read"
                                                               : "resync read";
  atomic_inc(&sr->source->rdev.nr_pending);
  Submit(*sr->source, rd, [this, sr](IoResult res) {
    atomic_dec(&sr->source->rdev.nr_pending);
    if (res.error) {
      Member* bad = sr->source;
      sr->tried.push_back(bad);
      sr->source = nullptr;
      for (auto& m : members_)
        if (m->in_array && m->rdev.raid_disk >= 0 &&
            (!geo_ || DevSector(*m, sr->sector) != kNoCopy) && test_bit(In_sync, &m->rdev.flags) &&
            !test_bit(Faulty, &m->rdev.flags) && !IsBadBlock(*m, sr->DevOn(m.get()), sr->sectors) &&
            std::find(sr->tried.begin(), sr->tried.end(), m.get()) == sr->tried.end()) {
          sr->source = m.get();
          break;
        }
      if (sr->source) {
        if (geo_) sr->dev_of.emplace_back(sr->source, DevSector(*sr->source, sr->sector));
        std::erase(sr->targets, sr->source);
        if (!test_bit(Faulty, &bad->rdev.flags) &&
            std::find(sr->targets.begin(), sr->targets.end(), bad) == sr->targets.end())
          sr->targets.push_back(bad);
        ReadSyncSource(sr);
        return;
      }
      for (Member* m : sr->tried) MdErrorLocked(*m);
      sr->failed = true;
      EndSyncRequest(sr);
      return;
    }
    sr->remaining = (int)sr->targets.size();
    if (sr->targets.empty()) {
      EndSyncRequest(sr);
      return;
    }
    if (test_bit(MD_RECOVERY_REQUESTED, &mddev_.recovery)) {
      CompareSyncTargets(sr, res.stamps);
      return;
    }
    for (Member* t : sr->targets) WriteSyncTarget(sr, t, res.stamps);
  });
}

// check/repair (MD_RECOVERY_REQUESTED): raid1 reads every in-sync member
// and compares each with the first (process_checks); a differing range is
// counted in mismatch_cnt, and rewritten from the first only for repair.
// A member whose read fails is rewritten as well (and counted), as raid1
// does not trust what it could not read.
void MdArray::CompareSyncTargets(SyncIo* sr, const StampRuns& source) {
  bool check = test_bit(MD_RECOVERY_CHECK, &mddev_.recovery);
  for (Member* t : sr->targets) {
    IoRequest rd{IoOp::kRead, DataOffset() + sr->DevOn(t), sr->sectors};
    rd.tag = check ? "check read" : "repair read";
    atomic_inc(&t->rdev.nr_pending);
    Submit(*t, rd, [this, sr, t, source, check](IoResult res) {
      atomic_dec(&t->rdev.nr_pending);
      if (!res.error && res.stamps == source) {
        if (--sr->remaining == 0) EndSyncRequest(sr);
        return;
      }
      mismatches_ += sr->sectors;
      if (check) {
        if (--sr->remaining == 0) EndSyncRequest(sr);
        return;
      }
      WriteSyncTarget(sr, t, source);
    });
  }
}

void MdArray::WriteSyncTarget(SyncIo* sr, Member* t, const StampRuns& stamps) {
  bool recover = test_bit(MD_RECOVERY_RECOVER, &mddev_.recovery);
  bool requested = test_bit(MD_RECOVERY_REQUESTED, &mddev_.recovery);
  {
    {
      IoRequest wr{IoOp::kWrite, DataOffset() + sr->DevOn(t), sr->sectors};
      wr.stamps = stamps;
      wr.tag = recover ? "recovery write" : requested ? "repair write" : "resync write";
      atomic_inc(&t->rdev.nr_pending);
      Submit(*t, std::move(wr), [this, sr, t](IoResult w) {
        atomic_dec(&t->rdev.nr_pending);
        // A good sync write makes bad blocks there good (handle_sync_write_finished).
        if (!w.error) ClearBadBlocks(*t, sr->DevOn(t), sr->sectors);
        if (w.error) {
          // end_sync_write -> abort_sync_write: give the range back
          // (raid1; raid10's end_sync_write gives nothing back).
          MdErrorLocked(*t);
          if (BitmapEnabled() && !geo_) {
            uint64_t s = sr->sector;
            while (s < sr->sector + sr->sectors) {
              sector_t blocks = GiveBackSync(s);
              s += blocks ? blocks : 1;
            }
          }
          sr->failed = true;
        }
        if (--sr->remaining == 0) EndSyncRequest(sr);
      });
    }
  }
}

void MdArray::EndSyncRequest(SyncIo* sr) {
  // A range nobody could read was not copied: an interrupted recovery must
  // not resume past it.
  if (sr->failed) sync_failed_from_ = std::min(sync_failed_from_, sr->md_sector);
  if (sr->bitmap_driven && obs_.sync_io) obs_.sync_io(sr->sector, sr->sectors, false);
  atomic_sub((int)sr->sectors, &mddev_.recovery_active);
  LowerBarrier(sr->md_sector);
  if (sr->failed) set_bit(MD_RECOVERY_INTR, &mddev_.recovery);
  sync_ios_.erase(sr->id);
  world_.Sched().WakeAll(recovery_wait_);
  wake_up(&mddev_.recovery_wait);
}

sector_t MdArray::GiveBackSync(uint64_t sector) {
  sector_t blocks = 0;
  if (obs_.sync_abort_begin) obs_.sync_abort_begin();
  (BitmapCall(this, BitmapOp::kEndSync), ops_->end_sync(&mddev_, sector, &blocks));
  if (obs_.sync_aborted) obs_.sync_aborted(sector);
  return blocks;
}

void MdArray::CloseSyncRequest(uint64_t max) {
  // raid1_sync_request(max, max): give back what an abort left Syncing,
  // then close the pass.
  if (curr_resync_ < max) {
    if (BitmapEnabled() && geo_ && test_bit(MD_RECOVERY_RECOVER, &mddev_.recovery)) {
      // raid10: the member sector where the pass stopped, as each slot's
      // array sector (the core gives back from there on: the lowest wins).
      for (int slot = 0; slot < geo_->disks; slot++) {
        uint64_t v = geo_->Virt(curr_resync_, slot);
        if (v < ArraySectors()) GiveBackSync(v);
      }
    } else if (BitmapEnabled()) {
      GiveBackSync(curr_resync_);
    }
  } else {
    fullsync_ = false;
  }
  if (BitmapEnabled()) (BitmapCall(this, BitmapOp::kCloseSync), ops_->close_sync(&mddev_));
}

void MdArray::ReapSyncThread() {
  sync_thread_done_ = false;
  sync_thread_running_ = false;
  bool intr = test_bit(MD_RECOVERY_INTR, &mddev_.recovery);
  if (!intr && !test_bit(MD_RECOVERY_REQUESTED, &mddev_.recovery)) {
    // raid1_spare_active, under conf->device_lock as raid1_error is: a
    // member another CPU is failing (In_sync already cleared, Faulty not
    // yet set) must not be taken for a recovered spare, or degraded is
    // counted down twice for one slot.
    spin_lock(&device_lock_);
    for (auto& m : members_) {
      if (!m->in_array || m->rdev.raid_disk < 0 || test_bit(Faulty, &m->rdev.flags) ||
          test_bit(In_sync, &m->rdev.flags) || m->rdev.recovery_offset != kMaxSector)
        continue;
      set_bit(In_sync, &m->rdev.flags);
      m->rdev.saved_raid_disk = m->rdev.raid_disk;
      set_bit(MD_SB_CHANGE_DEVS, &mddev_.sb_flags);
      NoteMd(absl::StrFormat("raid1: %s is in sync", m->name));
      Member* orig = nullptr;
      if (RdevFlag(m->rdev, Replacement))
        for (auto& o : members_)
          if (o.get() != m.get() && o->in_array && o->rdev.raid_disk == m->rdev.raid_disk &&
              !RdevFlag(o->rdev, Replacement))
            orig = o.get();
      // A replacement that has just become active: the member it replaces
      // is failed so that it leaves, and never comes back; the slot was
      // counted working already unless that member had failed meanwhile.
      if (!orig || !test_and_clear_bit(In_sync, &orig->rdev.flags)) mddev_.degraded--;
      if (orig) {
        set_bit(Faulty, &orig->rdev.flags);
        clear_bit(WantReplacement, &orig->rdev.flags);
        Reached("replacement done");
        NoteMd(absl::StrFormat("raid1: %s replaced by %s", orig->name, m->name));
      }
    }
    // raid5_spare_active recounts (a lazy pass's member was never counted
    // missing).
    if (r5_) mddev_.degraded = Raid5Missing();
    spin_unlock(&device_lock_);
  }
  if (lazy_disk_ >= 0) {
    // An interrupted lazy pass leaves its member recovering from where it
    // stopped, as md_finish_sync records it.
    if (!RdevFlag(members_[lazy_disk_]->rdev, In_sync) && r5_) mddev_.degraded = Raid5Missing();
    lazy_disk_ = -1;
  }
  // md_reap_sync_thread: once the array is whole, what a waiting spare
  // once held is history; it will join with a full recovery.
  if (!mddev_.degraded)
    for (auto& m : members_)
      if (m->in_array && m->rdev.raid_disk < 0) m->rdev.saved_raid_disk = -1;
  UpdateSb(/*force=*/true);  // md_reap_sync_thread: md_update_sb(mddev, 1)
  for (int b : {MD_RECOVERY_RUNNING, MD_RECOVERY_DONE, MD_RECOVERY_SYNC, MD_RECOVERY_RECOVER,
                MD_RECOVERY_RESHAPE, MD_RECOVERY_REQUESTED, MD_RECOVERY_CHECK,
                MD_RECOVERY_LAZY_RECOVER, MD_RECOVERY_INTR})
    clear_bit(b, &mddev_.recovery);
  set_bit(MD_RECOVERY_NEEDED, &mddev_.recovery);
  syncs_completed_++;
  world_.Sched().WakeAll(sync_exit_);
  WakeupThread(mddev_.thread);
}

void MdArray::StopSyncThread() {
  if (!sync_thread_running_) return;
  set_bit(MD_RECOVERY_INTR, &mddev_.recovery);
  world_.Sched().WakeAll(recovery_wait_);
  world_.Sched().WakeAll(barrier_wait_);
  wake_up(&mddev_.recovery_wait);
  BlockOn(sync_exit_, [&] { return sync_thread_done_ || !sync_thread_running_; });
  if (sync_thread_done_) ReapSyncThread();
}

}  // namespace llsim
