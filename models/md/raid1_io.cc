// The raid1 IO path: resync barrier, writes and discards (bitmap start
// when the clone is made, member bios held until unplug returns, end from
// the last mirror's completion), flushes and reads. See md_array.h.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "models/md/barrier_bucket.h"
#include "models/md/md_array.h"
#include "models/md/md_internal.h"

namespace llsim {

// ---- the resync barrier ------------------------------------------------
// Per bucket, as raid1 keeps it since barrier buckets: a normal IO counts
// itself pending in its bucket and waits only while a sync holds that
// bucket's barrier (or the array is frozen); a sync waits for the normal
// IO of its own bucket only, so resync and recovery in one 64 MiB unit go
// on beside user writes in the others.

void MdArray::WaitBarrier(uint64_t sector) {
  int idx = BucketOf(sector);
  // _wait_barrier's fast path: nothing raised here, not frozen.
  if (!(bucket_barrier_[idx] == 0 && !array_frozen_)) {
    // Waiting IO has priority: raise_barrier lets nr_waiting drain before
    // it raises the barrier again.
    bucket_waiting_[idx]++;
    BlockOn(barrier_wait_, [&] { return bucket_barrier_[idx] == 0 && !array_frozen_; });
    bucket_waiting_[idx]--;
    // Deliberately a wake md does not do: a raise waiting for nr_waiting
    // to drain would otherwise only wake at the next allow_barrier.
    world_.Sched().WakeAll(barrier_wait_);
  }
  bucket_pending_[idx]++;
  nr_pending_++;
}

void MdArray::WaitBlockedRdev() {
  // raid1's wait_blocked_rdev: a member that failed is Blocked until a
  // superblock says so; writes wait rather than reach only the others.
  BlockOn(sb_wait_, [&] {
    if (!running_) return true;
    for (auto& m : members_)
      if (m->in_array && m->rdev.raid_disk >= 0 && test_bit(Blocked, &m->rdev.flags))
        return false;
    return true;
  });
}

void MdArray::AllowBarrier(uint64_t sector) {
  bucket_pending_[BucketOf(sector)]--;
  nr_pending_--;
  world_.Sched().WakeAll(barrier_wait_);
}

void MdArray::RaiseBarrier(uint64_t sector) {
  int idx = BucketOf(sector);
  // raise_barrier: first let the normal IO already waiting here go, then
  // block new IO of this bucket and wait for what is pending in it.
  // (raid1_sync_request also naps a jiffy when IO waits; not modelled:
  // the wait below gives the same priority.)
  BlockOn(barrier_wait_, [&] {
    return bucket_waiting_[idx] == 0 || test_bit(MD_RECOVERY_INTR, &mddev_.recovery);
  });
  bucket_barrier_[idx]++;
  BlockOn(barrier_wait_, [&] {
    return (bucket_pending_[idx] == 0 && !array_frozen_) ||
           test_bit(MD_RECOVERY_INTR, &mddev_.recovery);
  });
  nr_sync_pending_++;
  // A user write in flight in another bucket while this sync IO goes out.
  if (nr_pending_ > bucket_pending_[idx] && !test_bit(MD_RECOVERY_INTR, &mddev_.recovery))
    Reached("sync beside user writes");
}

void MdArray::LowerBarrier(uint64_t sector) {
  bucket_barrier_[BucketOf(sector)]--;
  nr_sync_pending_--;
  world_.Sched().WakeAll(barrier_wait_);
}

void MdArray::FreezeArray() {
  array_frozen_++;
  // raid1's freeze_array flushes queued writes itself while it waits.
  for (;;) {
    FlushPendingWrites();
    // Writes parked on raid1d's lists (failed on a mirror, waiting for the
    // superblock to record it) are not waited for: they need the md thread,
    // which may need the reconfig mutex the freezer holds (nr_queued).
    BlockOn(barrier_wait_, [&] {
      return (nr_pending_ - nr_queued_ == 0 && nr_sync_pending_ == 0) || !pending_bios_.empty();
    });
    if (pending_bios_.empty()) break;
  }
}

void MdArray::UnfreezeArray() {
  array_frozen_--;
  world_.Sched().WakeAll(barrier_wait_);
}

// ---- writes --------------------------------------------------------------

int MdArray::Write(uint64_t sector, uint32_t sectors, bool fua) {
  return WriteRequest(sector, sectors, fua, false);
}

int MdArray::Discard(uint64_t sector, uint32_t sectors) {
  return WriteRequest(sector, sectors, false, true);
}

int MdArray::WriteRequest(uint64_t sector, uint32_t sectors, bool fua, bool discard) {
  if (sectors == 0 || sector + sectors > ArraySectors()) return -EINVAL;
  // Counted before any check: the checks use bitops, which are preemption
  // points, and a stop must never miss a write that got past them.
  writes_in_flight_++;
  for (;;) {
    if (!running_ || closing_ || Broken()) {
      if (--writes_in_flight_ == 0) world_.Sched().WakeAll(barrier_wait_);
      return -EIO;
    }
    if (!suspended_) break;
    // md_handle_request: a suspended array holds new IO back.
    if (--writes_in_flight_ == 0) world_.Sched().WakeAll(barrier_wait_);
    BlockOn(suspend_wait_, [&] { return !suspended_ || !running_; });
    writes_in_flight_++;
  }
  if (r5_) return discard ? Raid5Discard(sector, sectors) : Raid5Write(sector, sectors, fua);
  // raid1_make_request: no request crosses a barrier unit's end; the bio
  // is split there and the rest goes round again as its own request
  // (md_write_start, barrier, bitmap start and end of its own), in flight
  // beside the first. The user's write ends when every piece has.
  // raid10 during a reshape (regular_request_wait): the bio waits until
  // it lies on one side of the window, or is split at reshape_position
  // (mddev_bio_split_at_reshape_offset) and the rest goes round as a
  // request of its own once this part has ended.
  uint64_t cut = 0;
  bool prev = geo_ && WaitReshapeSide(sector, sectors, &cut);
  uint32_t rest = cut ? (uint32_t)(sector + sectors - cut) : 0;
  if (cut) sectors = (uint32_t)(cut - sector);
  OldGeometryIo old_io(this, sector, sector + sectors, prev);
  std::vector<std::unique_ptr<R1Bio>> pieces;
  uint64_t stamp = 0;
  for (uint64_t s = sector, left = sectors; left;) {
    // raid10_make_request splits at chunk ends too.
    uint64_t n = ContiguousSectors(s, SectorsToUnitEnd(s, left));
    if (n < left) writes_in_flight_++;  // one more piece to wait for
    pieces.emplace_back();
    WritePiece(s, (uint32_t)n, sectors, fua, discard, &stamp, &pieces.back());
    s += n;
    left -= n;
  }
  bool ok = true;
  for (auto& p : pieces) {
    R1Bio* raw = p.get();
    BlockOn(raw->wait, [&] { return raw->done; });
    ok = ok && raw->ok_mirrors > 0;
  }
  if (rest && ok) {
    pieces.clear();
    return WriteRequest(sector + sectors, rest, fua, discard);
  }
  return ok ? 0 : -EIO;
}

bool MdArray::BitmapStartIo(uint64_t sector, uint32_t sectors, bool discard, sector_t* off_out,
                            unsigned long* len_out) {
  if (!BitmapEnabled()) return false;
  sector_t off = sector;
  unsigned long len = sectors;
  if (ops_->prepare_range) {
#if LLSIM_PREPARE_RANGE_DISCARD
    (BitmapCall(this, BitmapOp::kPrepareRange), ops_->prepare_range(&mddev_, &off, &len, discard));
#else
    (BitmapCall(this, BitmapOp::kPrepareRange), ops_->prepare_range(&mddev_, &off, &len));
#endif
  } else if (mddev_.pers && mddev_.pers->bitmap_sector) {
    // A core without prepare_range (v6.18): md_bitmap_start maps the
    // range to member rows itself (raid5_bitmap_sector).
    mddev_.pers->bitmap_sector(&mddev_, &off, &len);
  }
  // md never calls start/end with an empty range.
  if (!len) return false;
  *off_out = off;
  *len_out = len;
  (BitmapCall(this, discard ? BitmapOp::kStartDiscard : BitmapOp::kStartWrite),
   (discard ? ops_->start_discard : ops_->start_write)(&mddev_, off, len));
  if (obs_.write_started) obs_.write_started(off, (uint32_t)len, discard);
  return true;
}

MdArray::R1Bio* MdArray::WritePiece(uint64_t sector, uint32_t sectors, uint32_t sectors_total,
                                    bool fua, bool discard, uint64_t* stamp,
                                    std::unique_ptr<R1Bio>* owner) {
  MdWriteStart();
  WaitBlockedRdev();
  WaitBarrier(sector);
  auto r1 = std::make_unique<R1Bio>();
  r1->sector = sector;
  r1->sectors = sectors;
  r1->discard = discard;
  r1->fua = fua;
  std::vector<Member*> targets;
  // raid10: only the members holding a copy (raid10_write_request); the
  // others still hold the bitmap.
  for (auto& m : members_) {
    if (!m->in_array || m->rdev.raid_disk < 0) continue;
    uint64_t dev = DevSector(*m, sector);
    if (dev == kNoCopy) {
      if (!RdevFlag(m->rdev, Faulty)) r1->bitmap_disks.push_back(m->disk);
      continue;
    }
    if (test_bit(Faulty, &m->rdev.flags)) continue;
    targets.push_back(m.get());
    if (geo_) {
      r1->dev_of.emplace_back(m->disk, dev);
      r1->bitmap_disks.push_back(m->disk);
    }
  }
  if (discard) Reached("discard");
  if ((int)targets.size() < (geo_ ? geo_->Copies() : cfg_.mirrors)) Reached("degraded write");
  if (geo_) Reached("raid10 write");
  // The first piece issues the user's write (one stamp for all of it).
  if (discard)
    oracle_->IssueDiscard(sector, sectors);
  else if (*stamp == 0)
    *stamp = oracle_->IssueWrite(sector, sectors_total);
  r1->stamp = *stamp;
  // md_account_bio -> md_clone_bio -> md_bitmap_start: before any member
  // bio exists. The prepared range is kept for the matching end.
  r1->bm_started = BitmapStartIo(sector, sectors, discard, &r1->bm_offset, &r1->bm_sectors);
  // raid1_start_write_behind: with a write-mostly target, the write may go
  // behind (the user's bio completes once the other mirrors have it) if the
  // bitmap allows: fewer behind writes than bitmap_info.max_write_behind
  // and no reader waiting for them. Upstream llbitmap never sets
  // max_write_behind (only the classic bitmap reads it from its superblock
  // or the backlog attribute), so with it md never writes behind.
  bool write_behind = std::any_of(targets.begin(), targets.end(), [](Member* m) {
    return test_bit(WriteMostly, &m->rdev.flags);
  });
  if (write_behind && !discard) Reached("write-mostly write");
  if (write_behind && !discard && BitmapEnabled() && ops_->get_stats) {
    md_bitmap_stats stats{};
    int err = (BitmapCall(this, BitmapOp::kGetStats), ops_->get_stats(mddev_.bitmap, &stats));
    if (!err && !stats.behind_wait &&
        (unsigned long)stats.behind_writes < mddev_.bitmap_info.max_write_behind) {
      // Deliberately not md: the user's write, and end_write with it, still
      // wait for the write-mostly mirror (raid1 before end_write moved into
      // md_end_clone_io). Only the behind-write accounting is driven.
      Reached("behind write");
      r1->behind = true;
      (BitmapCall(this, BitmapOp::kStartBehindWrite), ops_->start_behind_write(&mddev_));
    }
  }
  r1->remaining = (int)targets.size();
  // raid1_write_request takes a reference on each member it picks, here,
  // not at submission: a member failed in between keeps its IO pending, so
  // it cannot be removed and re-added (a fresh rdev in md) before the bio
  // meets its Faulty flag and errors out. Taken later, a re-add slipped in
  // and the bio reached a recovering member whose bitmap never had the
  // chunk (soak seed 22, case 31128; traces/corpus/readd-waits-for-a-failed-members-writes).
  // (Taken without a preemption point: the one an atomic op has stays
  // where the reference used to be taken, at submission, so that recorded
  // schedules keep their meaning.)
  for (Member* m : targets) {
    r1->target_disks.push_back(m->disk);
    m->rdev.nr_pending.counter++;
  }
  R1Bio* raw = r1.get();
  if (targets.empty()) {
    r1->remaining = 1;
    EndMirrorWrite(raw, nullptr, -EIO);
  }
  std::vector<std::function<void()>> bios;
  for (Member* m : targets) {
    bios.push_back([this, raw, m] {
      // raid1_submit_write: a member that failed since the bio was made
      // gets an error, not the data.
      if (test_bit(Faulty, &m->rdev.flags)) {
        llsim_preempt();
        EndMirrorWrite(raw, m, -EIO);
        return;
      }
      IoRequest req;
      req.op = raw->discard ? IoOp::kDiscard : IoOp::kWrite;
      req.sector = DataOffset() + raw->DevOn(m->disk);
      req.sectors = raw->sectors;
      req.fua = raw->fua;
      if (!raw->discard) req.stamps.assign(raw->sectors, raw->stamp);
      req.tag = absl::StrCat(raw->discard ? "discard" : "write", " w", raw->stamp);
      if (!raw->discard) {
        oracle_->WriteReachedDisk(raw->stamp, raw->sector, raw->sectors);
        if (obs_.data_write_submitted)
          obs_.data_write_submitted(m->disk, raw->sector, raw->sectors,
                                    geo_ ? raw->bitmap_disks : raw->target_disks);
      }
      llsim_preempt();
      Submit(*m, std::move(req), [this, raw, m](IoResult res) {
        EndMirrorWrite(raw, m, res.error);
      });
    });
  }
  if (!bios.empty()) {
    // raid1_add_bio_to_plug: with a bitmap, bios wait for an unplug, either
    // this task's plug or raid1d's pending list.
    if (!BitmapEnabled()) {
      for (auto& b : bios) b();
    } else if (plug_rng_.Chance(1, 2)) {
      FlushBioList(std::move(bios));
    } else {
      for (auto& b : bios) pending_bios_.push_back(std::move(b));
      world_.Sched().WakeAll(barrier_wait_);
      WakeupThread(mddev_.thread);
    }
  }
  *owner = std::move(r1);
  return raw;
}

void MdArray::FlushBioList(std::vector<std::function<void()>> bios) {
  // raid1_prepare_flush_writes: the bitmap is made durable first. This is
  // the write-intent ordering.
  if (BitmapEnabled()) (BitmapCall(this, BitmapOp::kUnplug), ops_->unplug(&mddev_, true));
  for (auto& b : bios) b();
}

void MdArray::FlushPendingWrites() {
  if (pending_bios_.empty()) return;
  std::vector<std::function<void()>> bios(std::make_move_iterator(pending_bios_.begin()),
                                          std::make_move_iterator(pending_bios_.end()));
  pending_bios_.clear();
  FlushBioList(std::move(bios));
}

void MdArray::EndMirrorWrite(R1Bio* r1, Member* m, int error) {
  if (m) atomic_dec(&m->rdev.nr_pending);
  if (error) {
    Reached("write error");
    if (m) r1->failed.push_back(m);
  } else if (m && test_bit(In_sync, &m->rdev.flags) && !test_bit(Faulty, &m->rdev.flags)) {
    // raid1_end_write_request: only a member in sync makes the write good
    // (R1BIO_Uptodate); one being recovered holds the data but no promise.
    r1->ok_mirrors++;
  }
  // A good write over bad blocks makes them good (R1BIO_MadeGood; md
  // clears them from raid1d, the model at once).
  if (!error && m && !r1->discard) ClearBadBlocks(*m, r1->DevOn(m->disk), r1->sectors);
  if (--r1->remaining) return;
  if (!r1->failed.empty()) {
    // raid1d handles write errors (no bad-block log here: md_error).
    nr_queued_++;
    bucket_queued_[BucketOf(r1->sector)]++;
    retry_list_.push_back(r1);
    world_.Sched().WakeAll(barrier_wait_);  // a freezer counts it as quiet now
    WakeupThread(mddev_.thread);
    return;
  }
  FinishR1Bio(r1);
}

void MdArray::FinishR1Bio(R1Bio* r1) {
  // close_write: the behind-write count drops before md_write_end.
  if (r1->behind && BitmapEnabled())
    (BitmapCall(this, BitmapOp::kEndBehindWrite), ops_->end_behind_write(&mddev_));
  MdWriteEnd();
  // md_end_clone_io -> md_bitmap_end, with the stored range, if the
  // bitmap is still enabled.
  if (r1->bm_started && BitmapEnabled()) {
    if (obs_.write_ending) obs_.write_ending(r1->bm_offset, (uint32_t)r1->bm_sectors, r1->discard);
    (BitmapCall(this, r1->discard ? BitmapOp::kEndDiscard : BitmapOp::kEndWrite),
     (r1->discard ? ops_->end_discard : ops_->end_write)(&mddev_, r1->bm_offset, r1->bm_sectors));
  }
  AllowBarrier(r1->sector);
  if (r1->ok_mirrors > 0 && !r1->discard)
    oracle_->AckWrite(r1->stamp, r1->sector, r1->sectors, r1->fua);
  r1->done = true;
  world_.Sched().WakeAll(r1->wait);
  if (--writes_in_flight_ == 0) world_.Sched().WakeAll(barrier_wait_);
}

// ---- flush and read ----------------------------------------------------


int MdArray::Flush() {
  if (!running_ || closing_) return -EIO;
  OtherIo hold(this);
  uint64_t horizon = oracle_->FlushIssued();
  int remaining = 0, ok = 0;
  WaitList wl("md flush");
  for (auto& m : members_) {
    if (!m->in_array || m->rdev.raid_disk < 0 || test_bit(Faulty, &m->rdev.flags)) continue;
    remaining++;
    IoRequest r{IoOp::kFlush, 0, 0};
    r.tag = "md_flush_request";
    Submit(*m, r, [&](IoResult res) {
      ok += res.error == 0;
      if (--remaining == 0) world_.Sched().WakeAll(wl);
    });
  }
  BlockOn(wl, [&] { return remaining == 0; });
  if (!ok) return -EIO;
  oracle_->FlushCompleted(horizon);
  return 0;
}

int MdArray::Read(uint64_t sector, uint32_t sectors, StampRuns* stamps) {
  if (!running_ || closing_ || sector + sectors > ArraySectors()) return -EINVAL;
  if (geo_) return Raid10Read(sector, sectors, stamps);
  if (r5_) return Raid5Read(sector, sectors, stamps);
  OtherIo hold(this);
  // Bounded: each failed round either fixes the range on a member (the
  // error healed) or fails one.
  for (int round = 0; round < 2 * cfg_.mirrors + 2; round++) {
    // read_balance: any in-sync member without a bad block in the range
    // (md would read the good part from one and the rest from another; the
    // model wants one member that holds it all).
    std::vector<int> in_sync = InSyncDisks();
    std::erase_if(in_sync, [&](int d) { return IsBadBlock(*members_[d], sector, sectors); });
    if (in_sync.empty()) return -EIO;
    // read_balance: a write-mostly member only as the last resort.
    std::vector<int> preferred;
    for (int d : in_sync)
      if (!test_bit(WriteMostly, &members_[d]->rdev.flags)) preferred.push_back(d);
    if (preferred.size() != in_sync.size() && !preferred.empty()) in_sync = preferred;
    Member& m = *members_[in_sync[read_rng_.Below(in_sync.size())]];
    if (test_bit(WriteMostly, &m.rdev.flags) && BitmapEnabled()) {
      // raid1_read_request: a read from a write-mostly member must not
      // overtake a write still behind on it.
      Reached("write-mostly read");
      if (ops_->wait_behind_writes)
#if LLSIM_WAIT_BEHIND_NOWAIT
        (BitmapCall(this, BitmapOp::kWaitBehindWrites), ops_->wait_behind_writes(&mddev_, false));
#else
        (BitmapCall(this, BitmapOp::kWaitBehindWrites), ops_->wait_behind_writes(&mddev_));
#endif
    }
    IoRequest r{IoOp::kRead, layout_.data_offset + sector, sectors};
    r.tag = "raid1 read";
    atomic_inc(&m.rdev.nr_pending);
    IoResult res = SubmitAndWait(m, std::move(r));
    atomic_dec(&m.rdev.nr_pending);
    if (!res.error) {
      *stamps = std::move(res.stamps);
      return 0;
    }
    Reached("read error");
    // raid1_end_read_request: with one working mirror left, and this one
    // it, the error goes up as it is; md fails nothing.
    if (test_bit(In_sync, &m.rdev.flags) && !test_bit(Faulty, &m.rdev.flags) &&
        InSyncDisks().size() <= 1)
      return -EIO;
    // raid1d's handle_read_error: with the array frozen, fix_read_error
    // rewrites the range from a good copy, then the read goes round again.
    // (md runs this on raid1d; here the reading fiber runs it, frozen the
    // same way, so nothing else writes meanwhile.)
    if (!test_bit(Faulty, &m.rdev.flags)) {
      FreezeArray();
      FixReadError(m, sector, sectors);
      UnfreezeArray();
    }
  }
  return -EIO;
}

// raid10_read_request, piece by piece (split at chunk ends): a random
// in-sync copy without a bad block there. Deliberately not md: a failed
// read tries the other copies and then gives up; fix_read_error (raid10's
// rewrite from a good copy) is not modelled, and the generator injects no
// read errors on raid10.
int MdArray::Raid10Read(uint64_t sector, uint32_t sectors, StampRuns* stamps) {
  OtherIo hold(this);
  stamps->clear();
  // During a reshape, as a write: one side of the window, or split there.
  uint64_t cut = 0;
  bool prev = WaitReshapeSide(sector, sectors, &cut);
  uint32_t rest = cut ? (uint32_t)(sector + sectors - cut) : 0;
  if (cut) sectors = (uint32_t)(cut - sector);
  OldGeometryIo old_io(this, sector, sector + sectors, prev);
  for (uint64_t s = sector, left = sectors; left;) {
    uint64_t n = ContiguousSectors(s, left);
    std::vector<std::pair<int, uint64_t>> copies = InSyncCopies(s);
    std::erase_if(copies, [&](const auto& c) {
      return IsBadBlock(*members_[c.first], c.second, n);
    });
    bool done = false;
    while (!copies.empty() && !done) {
      size_t pick = read_rng_.Below(copies.size());
      auto [disk, dev] = copies[pick];
      copies.erase(copies.begin() + (long)pick);
      Member& m = *members_[disk];
      IoRequest r{IoOp::kRead, DataOffset() + dev, (uint32_t)n};
      r.tag = "raid10 read";
      atomic_inc(&m.rdev.nr_pending);
      IoResult res = SubmitAndWait(m, std::move(r));
      atomic_dec(&m.rdev.nr_pending);
      if (res.error) {
        Reached("read error");
        continue;
      }
      uint64_t at = 0;
      for (const StampRuns::Run& run : res.stamps.Runs()) {
        stamps->Append(run.end - at, run.stamp);
        at = run.end;
      }
      done = true;
    }
    if (!done) return -EIO;
    s += n;
    left -= n;
  }
  if (rest) {
    StampRuns more;
    if (int err = Raid10Read(sector + sectors, rest, &more)) return err;
    uint64_t at = 0;
    for (const StampRuns::Run& run : more.Runs()) {
      stamps->Append(run.end - at, run.stamp);
      at = run.end;
    }
  }
  return 0;
}

void MdArray::FixReadError(Member& bad, uint64_t sector, uint32_t sectors) {
  // The members by slot (conf->mirrors), from the failing one round.
  auto by_slot = [&](int slot) -> Member* {
    // conf->mirrors[slot].rdev: the slot's own member, not its replacement.
    for (auto& m : members_)
      if (m->in_array && m->rdev.raid_disk == slot && !RdevFlag(m->rdev, Replacement))
        return m.get();
    return nullptr;
  };
  int read_slot = bad.rdev.raid_disk;
  if (read_slot < 0) return;
  int n = cfg_.mirrors;
  bool fixed = false;  // counted once per fix, not per page
  struct Count {
    MdArray* a;
    bool* fixed;
    ~Count() {
      if (*fixed) a->Reached("read error fixed");
    }
  } count{this, &fixed};
  // A page at a time, as conf->tmppage holds. Deliberately not md: once
  // the failing member has been failed (a fix write or re-read failed and
  // no bad block could be recorded), the model stops fixing; md walks the
  // rest of the range all the same, which on a dead disk with the
  // simulated disks' stalls outlasts the hung-task limit.
  for (uint64_t sect = sector, left = sectors; left && !test_bit(Faulty, &bad.rdev.flags);) {
    uint32_t s = (uint32_t)std::min<uint64_t>(left, 8);
    // Find a member that reads it, starting with the failing one (the
    // error may have been passing).
    int d = read_slot;
    bool success = false;
    IoResult good;
    do {
      Member* m = by_slot(d);
      if (m && !IsBadBlock(*m, sect, s) &&
          (test_bit(In_sync, &m->rdev.flags) ||
           (!test_bit(Faulty, &m->rdev.flags) && m->rdev.recovery_offset >= sect + s))) {
        IoRequest r{IoOp::kRead, layout_.data_offset + sect, s};
        r.tag = "fix_read_error read";
        atomic_inc(&m->rdev.nr_pending);
        good = SubmitAndWait(*m, std::move(r));
        atomic_dec(&m->rdev.nr_pending);
        if (!good.error) success = true;
      }
      if (success) break;
      d = (d + 1) % n;
    } while (d != read_slot);
    if (!success) {
      // Nowhere to read it from: rdev_set_badblocks on the failing member;
      // when it cannot, md_error.
      NoteMd(absl::StrFormat("raid1: %s: unrecoverable read error at %d", bad.name, (int64_t)sect));
      if (!SetBadBlocks(bad, sect, s)) MdErrorLocked(bad); else Reached("bad block recorded");
      return;
    }
    // Write the good copy back to every member tried before it, then read
    // each back (r1_sync_page_io: a failure there fails that member).
    int start = d;
    std::vector<Member*> rewritten;
    while (d != read_slot) {
      d = (d + n - 1) % n;
      Member* m = by_slot(d);
      if (!m || test_bit(Faulty, &m->rdev.flags)) continue;
      IoRequest w{IoOp::kWrite, layout_.data_offset + sect, s};
      w.stamps = good.stamps;
      w.tag = "fix_read_error write";
      atomic_inc(&m->rdev.nr_pending);
      IoResult wr = SubmitAndWait(*m, std::move(w));
      atomic_dec(&m->rdev.nr_pending);
      // r1_sync_page_io: a failure records bad blocks, or fails the member.
      if (wr.error) {
        if (!SetBadBlocks(*m, sect, s)) MdErrorLocked(*m); else Reached("bad block recorded");
      } else {
        ClearBadBlocks(*m, sect, s);
        rewritten.push_back(m);
      }
    }
    d = start;
    while (d != read_slot) {
      d = (d + n - 1) % n;
      Member* m = by_slot(d);
      if (!m || test_bit(Faulty, &m->rdev.flags)) continue;
      IoRequest r{IoOp::kRead, layout_.data_offset + sect, s};
      r.tag = "fix_read_error re-read";
      atomic_inc(&m->rdev.nr_pending);
      IoResult rr = SubmitAndWait(*m, std::move(r));
      atomic_dec(&m->rdev.nr_pending);
      if (rr.error) {
        if (!SetBadBlocks(*m, sect, s)) MdErrorLocked(*m); else Reached("bad block recorded");
      } else if (std::find(rewritten.begin(), rewritten.end(), m) != rewritten.end()) {
        fixed = true;
        NoteMd(absl::StrFormat("raid1: read error corrected (%d sectors at %d on %s)", s,
                               (int64_t)sect, m->name));
      }
    }
    sect += s;
    left -= s;
  }
}

}  // namespace llsim
