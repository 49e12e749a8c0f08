// The raid1 IO path: resync barrier, writes and discards (bitmap start
// when the clone is made, member bios held until unplug returns, end from
// the last mirror's completion), flushes and reads. See md_array.h.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "models/md/md_array.h"
#include "models/md/md_internal.h"

namespace llsim {

// ---- the resync barrier ------------------------------------------------

void MdArray::WaitBarrier() {
  BlockOn(barrier_wait_, [&] { return barrier_ == 0 && !array_frozen_; });
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

void MdArray::AllowBarrier() {
  nr_pending_--;
  world_.Sched().WakeAll(barrier_wait_);
}

void MdArray::RaiseBarrier() {
  barrier_++;
  BlockOn(barrier_wait_, [&] {
    return (nr_pending_ == 0 && !array_frozen_) || test_bit(MD_RECOVERY_INTR, &mddev_.recovery);
  });
  nr_sync_pending_++;
}

void MdArray::LowerBarrier() {
  barrier_--;
  nr_sync_pending_--;
  world_.Sched().WakeAll(barrier_wait_);
}

void MdArray::FreezeArray() {
  array_frozen_ = true;
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
  array_frozen_ = false;
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
  if (sectors == 0 || sector + sectors > mddev_.dev_sectors) return -EINVAL;
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
  MdWriteStart();
  WaitBlockedRdev();
  WaitBarrier();
  auto r1 = std::make_unique<R1Bio>();
  r1->sector = sector;
  r1->sectors = sectors;
  r1->discard = discard;
  r1->fua = fua;
  std::vector<Member*> targets;
  for (auto& m : members_)
    if (m->in_array && m->rdev.raid_disk >= 0 && !test_bit(Faulty, &m->rdev.flags))
      targets.push_back(m.get());
  if (discard) Reached("discard");
  if ((int)targets.size() < cfg_.mirrors) Reached("degraded write");
  if (discard)
    oracle_->IssueDiscard(sector, sectors);
  else
    r1->stamp = oracle_->IssueWrite(sector, sectors);
  // md_account_bio -> md_clone_bio -> md_bitmap_start: before any member
  // bio exists. The prepared range is kept for the matching end.
  if (BitmapEnabled()) {
    sector_t off = sector;
    unsigned long len = sectors;
    if (ops_->prepare_range) {
#if LLSIM_PREPARE_RANGE_DISCARD
      (BitmapCall(this, BitmapOp::kPrepareRange), ops_->prepare_range(&mddev_, &off, &len, discard));
#else
      (BitmapCall(this, BitmapOp::kPrepareRange), ops_->prepare_range(&mddev_, &off, &len));
#endif
    }
    // md never calls start/end with an empty range.
    if (len) {
      r1->bm_offset = off;
      r1->bm_sectors = len;
      r1->bm_started = true;
      (BitmapCall(this, discard ? BitmapOp::kStartDiscard : BitmapOp::kStartWrite),
       (discard ? ops_->start_discard : ops_->start_write)(&mddev_, off, len));
      if (obs_.write_started) obs_.write_started(off, (uint32_t)len, discard);
    }
  }
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
  for (Member* m : targets) r1->target_disks.push_back(m->disk);
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
        atomic_inc(&m->rdev.nr_pending);
        EndMirrorWrite(raw, m, -EIO);
        return;
      }
      IoRequest req;
      req.op = raw->discard ? IoOp::kDiscard : IoOp::kWrite;
      req.sector = layout_.data_offset + raw->sector;
      req.sectors = raw->sectors;
      req.fua = raw->fua;
      if (!raw->discard) req.stamps.assign(raw->sectors, raw->stamp);
      req.tag = absl::StrCat(raw->discard ? "discard" : "write", " w", raw->stamp);
      if (!raw->discard) {
        oracle_->WriteReachedDisk(raw->stamp, raw->sector, raw->sectors);
        if (obs_.data_write_submitted)
          obs_.data_write_submitted(m->disk, raw->sector, raw->sectors, raw->target_disks);
      }
      atomic_inc(&m->rdev.nr_pending);
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
  BlockOn(raw->wait, [&] { return raw->done; });
  return raw->ok_mirrors > 0 ? 0 : -EIO;
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
  if (--r1->remaining) return;
  if (!r1->failed.empty()) {
    // raid1d handles write errors (no bad-block log here: md_error).
    nr_queued_++;
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
  AllowBarrier();
  if (r1->ok_mirrors > 0 && !r1->discard)
    oracle_->AckWrite(r1->stamp, r1->sector, r1->sectors, r1->fua);
  r1->done = true;
  world_.Sched().WakeAll(r1->wait);
  if (--writes_in_flight_ == 0) world_.Sched().WakeAll(barrier_wait_);
}

// ---- flush and read ----------------------------------------------------

// Flushes and reads hold the device open: a stop waits for them too.
struct MdArray::OtherIo {
  MdArray* a;
  explicit OtherIo(MdArray* arr) : a(arr) { a->other_io_++; }
  ~OtherIo() {
    if (--a->other_io_ == 0) a->world_.Sched().WakeAll(a->barrier_wait_);
  }
};

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
  if (!running_ || closing_ || sector + sectors > mddev_.dev_sectors) return -EINVAL;
  OtherIo hold(this);
  for (int attempt = 0; attempt < cfg_.mirrors; attempt++) {
    std::vector<int> in_sync = InSyncDisks();
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
    IoResult res = SubmitAndWait(m, std::move(r));
    if (!res.error) {
      *stamps = std::move(res.stamps);
      return 0;
    }
    MdErrorLocked(m);
  }
  return -EIO;
}

}  // namespace llsim
