// raid4/5/6 reshape onto more members and/or a larger chunk (mdadm --grow
// --raid-devices=+N --chunk=C):
// raid5_start_reshape, reshape_request's copy and checkpoints, end_reshape
// and raid5_finish_reshape, with the bitmap's reshape hooks where md calls
// them (shared/md-contract-raid10-raid456.md §3.7).
//
// The data moves to a new data offset below the old one, as mdadm does
// when a member has head room (no backup file): each new row is written
// where no old row a crash could still need lies, and where the next one
// would reach old rows past the last checkpoint, a checkpoint comes first
// (reshape_request's safepos/writepos test). A checkpoint merges the moved
// range's old bits into new ones (reshape_mark), writes them (unplug), and
// only then records reshape_position in the superblocks (whose PREFLUSH
// makes the moved rows durable). After a crash, assembly resumes from the
// recorded position and copies again from the old rows, still intact.
//
// Deliberately simpler than md: forward only (growing), one new row per
// step, whole member chunks per IO; the level and the algorithm never
// change.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "models/md/md_array.h"
#include "models/md/md_internal.h"
#include "models/md/raid5_stripe.h"

namespace llsim {

using namespace raid5;

bool MdArray::ReshapeRows(uint64_t v, uint64_t n, bool previous, uint64_t* dev,
                          uint64_t* len) const {
  if (geo_) {
    // raid10's bitmap covers the array: the range itself, within the
    // geometry's array.
    const Raid10Geo& g = previous && r10_prev_ ? *r10_prev_ : *geo_;
    *dev = v;
    *len = v < g.array_sectors ? std::min(n, g.array_sectors - v) : 0;
    return *len > 0;
  }
  const Raid5Geo& g = previous && r5_prev_ ? *r5_prev_ : *r5_;
  *dev = *len = 0;
  if (v >= g.array_sectors || n == 0) return false;
  n = std::min(n, g.array_sectors - v);
  g.MemberRows(v, n, dev, len);
  return *len > 0;
}

bool MdArray::WaitReshapeSide(uint64_t v, uint64_t n, uint64_t* cut) {
  *cut = 0;
  if (!Reshaping()) return false;
  // make_stripe_request: inside [reshape_safe, reshape_progress) the IO
  // waits for the checkpoint. md splits a bio at reshape_position; the
  // model's IO waits until it lies wholly on one side while a pass moves
  // the window, and is split when none does.
  BlockOn(reshape_wait_, [&] {
    return !Reshaping() || !running_ || v + n <= reshape_safe_ || v >= reshape_progress_ ||
           (!sync_thread_running_ && v < reshape_safe_);
  });
  if (!Reshaping()) return false;
  if (v < reshape_safe_ && v + n > reshape_safe_) {
    Reached(geo_ ? "raid10 IO split at the reshape position"
                 : "raid5 IO split at the reshape position");
    *cut = reshape_safe_;
    return false;
  }
  if (!(v + n <= reshape_safe_))
    Reached(geo_ ? "raid10 IO in the old geometry during a reshape"
                 : "raid5 IO in the old geometry during a reshape");
  return !(v + n <= reshape_safe_);
}

absl::Status MdArray::Grow(int delta, uint32_t chunk) {
  if (!running_) return absl::FailedPreconditionError("md0 is not running");
  if (!r5_ && !geo_)
    return absl::UnimplementedError("raid1 reshape is not modelled (grow is for raid4/5/6/10)");
  uint32_t cur = r5_ ? r5_->chunk_sectors : geo_->chunk_sectors;
  if (delta < 0 || delta > 2)
    return absl::InvalidArgumentError(absl::StrFormat("grow by %d members: 0, 1 or 2", delta));
  if (chunk == 0) chunk = cur;
  if (chunk < 8 || chunk > 4096 || (chunk & (chunk - 1)))
    return absl::InvalidArgumentError(
        absl::StrFormat("chunk %d sectors: a power of two from 8 to 4096", chunk));
  if (delta == 0 && chunk == cur)
    return absl::InvalidArgumentError("nothing to reshape: same members, same chunk");
  // raid10_check_reshape: a far layout keeps its copies a band apart.
  if (geo_ && geo_->far_copies > 1 && !geo_->far_offset)
    return absl::InvalidArgumentError("raid10 far layouts cannot be reshaped (EINVAL)");
  // raid_disks_store: mddev_suspend_and_lock. All IO drains before the
  // geometry changes, and new IO waits until it has.
  suspended_++;
  struct Resume {
    MdArray* a;
    ~Resume() {
      if (--a->suspended_ == 0) a->world_.Sched().WakeAll(a->suspend_wait_);
    }
  } resume{this};
  BlockOn(barrier_wait_, [&] { return (writes_in_flight_ == 0 && other_io_ == 0) || !running_; });
  LockGuard lock(this);
  if (!running_) return absl::FailedPreconditionError("md0 is not running");
  if (Reshaping()) return absl::FailedPreconditionError("a reshape is already running (EBUSY)");
  // start_reshape: -EBUSY while a sync runs or is pending.
  if (sync_thread_running_ || test_bit(MD_RECOVERY_RUNNING, &mddev_.recovery) ||
      mddev_.resync_offset < kMaxSector)
    return absl::FailedPreconditionError("reshape refused while resync/recovery runs (EBUSY)");
  if (!BitmapEnabled() || !ops_->reshape_mark)
    return absl::FailedPreconditionError(
        "this core has no reshape hooks (reshape_mark): md refuses to reshape under it");
  // check_reshape: llbitmap cannot follow a smaller chunk (EOPNOTSUPP).
  if (chunk < cur)
    return absl::FailedPreconditionError(absl::StrFormat(
        "chunk %d -> %d sectors: llbitmap refuses a smaller chunk (EOPNOTSUPP)", cur, chunk));
  return geo_ ? Raid10Grow(delta, chunk) : Raid5Grow(delta, chunk);
}

// raid5_start_reshape's part (under the lock, IO suspended).
absl::Status MdArray::Raid5Grow(int delta, uint32_t chunk) {
  if (mddev_.dev_sectors % chunk)
    return absl::InvalidArgumentError(absl::StrFormat(
        "component size %d sectors is not a multiple of the new chunk (%d)", mddev_.dev_sectors,
        chunk));
  int disks = r5_->disks + delta;
  if (disks > Raid5Geo::kMaxDisks || disks > (int)members_.size())
    return absl::FailedPreconditionError(
        absl::StrFormat("no room for %d members (%d disks)", disks, members_.size()));
  // mdadm: without head room before the data the reshape needs a backup
  // file, which the model does not do.
  uint64_t head = r5_off_ > layout_.meta_head ? (r5_off_ - layout_.meta_head) : 0;
  uint64_t gap = std::min<uint64_t>(head / chunk * chunk, 2048);
  if (gap < chunk)
    return absl::FailedPreconditionError(absl::StrFormat(
        "insufficient head-space for reshape: %d sectors before the data, a chunk is %d "
        "(mdadm would need --backup-file)", head, chunk));
  auto geo = Raid5Geo::For(r5_->level, disks, r5_->algo, chunk, r5_->dev_sectors);
  if (!geo.ok()) return geo.status();
  std::vector<Member*> spares;
  if (absl::Status st = GrowSpares(delta, &spares); !st.ok()) return st;
  NoteMd(absl::StrFormat("mdadm --grow --raid-devices=%d --chunk=%dK", disks, chunk / 2));
  Reached("raid5 reshape started");
  // The bitmap is resized (with delta_disks set: a reshape) before the
  // geometry changes; for raid4/5/6 the rows it covers stay the same.
  if (absl::Status st = ReshapeResize(delta, disks, chunk, mddev_.dev_sectors); !st.ok())
    return st;
  r5_prev_ = *r5_;
  r5_prev_off_ = r5_off_;
  r5_ = *geo;
  r5_off_ -= gap;
  cfg_.mirrors = disks;
  cfg_.chunk_sectors = chunk;
  AdoptGrowSpares(spares, r5_prev_->disks, absl::StrCat("raid", r5_->level));
  mddev_.degraded = Raid5Missing();
  set_bit(MD_SB_CHANGE_DEVS, &mddev_.sb_flags);
  UpdateSb(/*force=*/true);
  StartReshape();
  return absl::OkStatus();
}

absl::Status MdArray::GrowSpares(int delta, std::vector<Member*>* spares) {
  // Every member working and in sync, plus `delta` spares (bound now from
  // blank disks if need be).
  for (auto& m : members_)
    if (m->in_array && m->rdev.raid_disk >= 0 &&
        (!RdevFlag(m->rdev, In_sync) || RdevFlag(m->rdev, Faulty)))
      return absl::FailedPreconditionError("reshape refused: a member is not in sync");
  for (auto& m : members_)
    if (m->in_array && m->rdev.raid_disk < 0 && !RdevFlag(m->rdev, Faulty) &&
        (int)spares->size() < delta)
      spares->push_back(m.get());
  while ((int)spares->size() < delta) {
    Member* m = BindBlankSpare();
    if (!m) return absl::FailedPreconditionError("no spare to grow onto");
    spares->push_back(m);
  }
  return absl::OkStatus();
}

absl::Status MdArray::ReshapeResize(int delta, int disks, uint32_t chunk, uint64_t blocks) {
  mddev_.delta_disks = delta;
  mddev_.raid_disks = disks;
  mddev_.new_chunk_sectors = (int)chunk;
  // raid10 resizes only when members are added (its bitmap covers the
  // array, which grows); raid4/5/6 always (its rows stay the same).
  if (geo_ && !delta) return absl::OkStatus();
  if (geo_ && obs_.reshape_resize) obs_.reshape_resize(true);
  int err = (BitmapCall(this, BitmapOp::kResize), ops_->resize(&mddev_, blocks, 0));
  if (geo_ && obs_.reshape_resize) obs_.reshape_resize(false);
  if (!err) return absl::OkStatus();
  mddev_.delta_disks = 0;
  mddev_.raid_disks = cfg_.mirrors;
  mddev_.new_chunk_sectors = mddev_.chunk_sectors;
  NoteMd(absl::StrFormat("bitmap resize for the reshape refused: %d", err));
  return absl::FailedPreconditionError(absl::StrFormat("bitmap resize failed (%d)", err));
}

void MdArray::AdoptGrowSpares(const std::vector<Member*>& spares, int slot,
                              const std::string& level) {
  reshape_safe_ = reshape_progress_ = 0;
  mddev_.reshape_position = 0;
  for (Member* m : spares) {
    // add_disk + start_reshape: past the old members a new member is in
    // sync (what it holds is written as the reshape goes).
    m->rdev.raid_disk = slot++;
    m->rdev.saved_raid_disk = -1;
    m->rdev.recovery_offset = kMaxSector;
    set_bit(In_sync, &m->rdev.flags);
    NoteMd(absl::StrFormat("%s: %s takes slot %d", level, m->name, m->rdev.raid_disk));
  }
}

void MdArray::StartReshape() {
  clear_bit(MD_RECOVERY_INTR, &mddev_.recovery);
  clear_bit(MD_RECOVERY_SYNC, &mddev_.recovery);
  clear_bit(MD_RECOVERY_RECOVER, &mddev_.recovery);
  set_bit(MD_RECOVERY_RESHAPE, &mddev_.recovery);
  set_bit(MD_RECOVERY_RUNNING, &mddev_.recovery);
  sync_thread_running_ = true;
  sync_thread_done_ = false;
  NoteMd(absl::StrFormat("reshape started at array sector %d", reshape_progress_));
  world_.Sched().Spawn("md0_reshape", [this] {
    if (geo_)
      Raid10ReshapeThreadMain();
    else
      ReshapeThreadMain();
  });
}

// reshape_request's checkpoint: merge what moved into the new bits, make
// them durable, then record the position (the superblock's PREFLUSH makes
// the moved rows durable first).
void MdArray::ReshapeCheckpoint() {
  if (reshape_safe_ == reshape_progress_) return;
  if (BitmapEnabled() && ops_->reshape_mark) {
    if (obs_.reshape_mark) obs_.reshape_mark(reshape_safe_, reshape_progress_, true);
    (BitmapCall(this, BitmapOp::kReshapeMark),
     ops_->reshape_mark(&mddev_, reshape_safe_, reshape_progress_));
    if (obs_.reshape_mark) obs_.reshape_mark(reshape_safe_, reshape_progress_, false);
    (BitmapCall(this, BitmapOp::kUnplug), ops_->unplug(&mddev_, true));
  }
  // The superblock write is the md thread's (md_update_sb); the pass waits
  // for it, as reshape_request does.
  mddev_.reshape_position = reshape_progress_;
  set_bit(MD_SB_CHANGE_DEVS, &mddev_.sb_flags);
  WakeupThread(mddev_.thread);
  BlockOn(sb_wait_, [&] {
    return !(mddev_.sb_flags & ((1ul << MD_SB_CHANGE_DEVS) | (1ul << MD_SB_CHANGE_PENDING))) ||
           test_bit(MD_RECOVERY_INTR, &mddev_.recovery) || !running_;
  });
  if (mddev_.sb_flags & ((1ul << MD_SB_CHANGE_DEVS) | (1ul << MD_SB_CHANGE_PENDING))) return;
  reshape_safe_ = mddev_.reshape_position;
  Reached(geo_ ? "raid10 reshape checkpoint" : "raid5 reshape checkpoint");
  world_.Sched().WakeAll(reshape_wait_);
}

// Copies new row `v` (an array sector, a whole new row) from the old rows.
void MdArray::ReshapeCopyRow(uint64_t v) {
  const Raid5Geo& og = *r5_prev_;
  const Raid5Geo& ng = *r5_;
  uint64_t cs = og.chunk_sectors, ncs = ng.chunk_sectors;
  uint64_t old_end = og.array_sectors;
  // The old rows holding [v, v + row): read whole, each under its stripes'
  // locks, and any missing block solved from its row.
  std::map<uint64_t, std::vector<Stripe>> old_rows;  // old row dev -> stripes
  if (v < old_end) {
    uint64_t last = std::min(v + ng.RowSectors(), old_end) - 1;
    for (uint64_t r = og.Map(v).dev / cs * cs; r <= og.Map(last).dev / cs * cs; r += cs) {
      std::vector<Stripe>& sts = old_rows[r];
      sts.resize(cs / kStripeSectors);
      for (uint64_t i = 0; i < sts.size(); i++) {
        sts[i].dev = r + i * kStripeSectors;
        sts[i].geo = &og;
        sts[i].off = r5_prev_off_;
        sts[i].prev = true;
        sts[i].row = og.RowAt(sts[i].dev);
        LockStripe(sts[i].Key());
      }
      for (int s = 0; s < og.disks; s++) {
        Member* m = SlotMember(s);
        bool ok = m && Raid5Readable(*m, r);
        IoResult res;
        if (ok) {
          IoRequest req{IoOp::kRead, r5_prev_off_ + r, (uint32_t)cs};
          req.tag = "raid5 reshape read";
          atomic_inc(&m->rdev.nr_pending);
          res = SubmitAndWait(*m, std::move(req));
          atomic_dec(&m->rdev.nr_pending);
          if (res.error) {
            Reached("read error");
            MdErrorLocked(*m);
            ok = false;
          }
        }
        for (uint64_t i = 0; i < sts.size(); i++) {
          sts[i].have[s] = ok;
          sts[i].member[s] = m;
          if (!ok) continue;
          for (uint32_t o = 0; o < kStripeSectors; o++) {
            uint64_t sec = r5_prev_off_ + r + i * kStripeSectors + o;
            sts[i].w[s][o] = WordOf(m->disk, sec - layout_.data_offset,
                                  res.stamps[i * kStripeSectors + o]);
          }
        }
      }
      for (Stripe& st : sts) {
        // Too much missing: what the row held is lost; the model writes
        // what the old data members show (md would fail the reshape).
        st.Solve(og);
        UnlockStripe(st.Key());
      }
    }
  }
  auto old_word = [&](uint64_t a) -> uint64_t {
    if (a >= old_end) return 0;  // new space: reshape_request zeroes it
    Raid5Geo::Place p = og.Map(a);
    uint64_t r = p.dev / cs * cs;
    const Stripe& st = old_rows[r][(p.dev - r) / kStripeSectors];
    return st.w[p.slot][p.dev % kStripeSectors];
  };
  // The new row, stripe by stripe, then one write per member.
  uint64_t nr = ng.Map(v).dev / ncs * ncs;
  std::vector<Stripe> sts(ncs / kStripeSectors);
  for (uint64_t i = 0; i < sts.size(); i++) {
    Stripe& st = sts[i];
    st.dev = nr + i * kStripeSectors;
    st.geo = &ng;
    st.off = r5_off_;
    st.row = ng.RowAt(st.dev);
    for (int d = 0; d < ng.DataDisks(); d++) {
      int s = st.row.data[d];
      for (uint32_t o = 0; o < kStripeSectors; o++) st.w[s][o] = old_word(ng.Virt(st.dev + o, s));
      st.have[s] = true;
    }
    st.SetParity(ng, st.row.p);
    if (st.row.q >= 0) st.SetParity(ng, st.row.q);
  }
  MemberWrites pend(this);
  for (int s = 0; s < ng.disks; s++) {
    Member* m = SlotMember(s);
    if (!m) continue;
    IoRequest req;
    req.op = IoOp::kWrite;
    req.sector = r5_off_ + nr;
    req.sectors = (uint32_t)ncs;
    for (const Stripe& st : sts)
      for (uint32_t o = 0; o < kStripeSectors; o++) req.stamps.push_back(StampOf(st.w[s][o]));
    req.tag = "raid5 reshape write";
    pend.Add(m, std::move(req), /*preempt=*/false);
  }
  pend.Wait();
}

void MdArray::ReshapeThreadMain() {
  const uint64_t ncs = r5_->chunk_sectors, ocs = r5_prev_->chunk_sectors;
  // Would this row's write reach old rows past the last checkpoint?
  auto checkpoint_first = [&](uint64_t v) {
    uint64_t write_end = r5_off_ + r5_->Map(v).dev / ncs * ncs + ncs;
    uint64_t safe_row = reshape_safe_ < r5_prev_->array_sectors
                            ? r5_prev_->Map(reshape_safe_).dev / ocs * ocs
                            : r5_prev_->dev_sectors;
    return write_end > r5_prev_off_ + safe_row;
  };
  // end_reshape, then md_finish_sync's raid5_finish_reshape, both in the
  // sync thread (raid5d stays free to run the stripes a quiesce waits
  // for; md called it from the reap, in raid5d, before md-7.3).
  RunReshapePass(r5_->array_sectors, r5_->RowSectors(), checkpoint_first,
                 [&](uint64_t v, uint64_t) { ReshapeCopyRow(v); }, &MdArray::FinishReshape);
}

void MdArray::RunReshapePass(uint64_t end, uint64_t step,
                             const std::function<bool(uint64_t v)>& checkpoint_first,
                             const std::function<void(uint64_t v, uint64_t n)>& copy,
                             void (MdArray::*finish)()) {
  const uint64_t every = std::max<uint64_t>(step, end / 8 / step * step);
  auto stopping = [&] { return test_bit(MD_RECOVERY_INTR, &mddev_.recovery) || !running_; };
  bool intr = false;
  // Resumed mid-window (an interrupted pass): from the last checkpoint.
  reshape_progress_ = reshape_safe_;
  while (reshape_progress_ < end) {
    if ((intr = stopping())) break;
    uint64_t v = reshape_progress_;
    // The checkpoint first where the step needs it (and every so often
    // anyway: md's 10 s).
    if (checkpoint_first(v) || v - reshape_safe_ >= every) ReshapeCheckpoint();
    if ((intr = stopping())) break;
    uint64_t n = std::min(step, end - v);
    // The window opens over the step; old-geometry IO already in it drains.
    reshape_progress_ = v + n;
    BlockOn(reshape_wait_, [&] {
      for (auto& [s, e] : old_geometry_io_)
        if (s < v + n && e > v) return false;
      return true;
    });
    copy(v, n);
    llsim_preempt();
  }
  if (!intr) {
    ReshapeCheckpoint();
    intr = reshape_safe_ != end;
    if (!intr) (this->*finish)();
  }
  EndReshapePass(intr);
}

void MdArray::EndReshapePass(bool intr) {
  if (intr) {
    // What moved since the last checkpoint is moved again on resume; IO
    // waiting in the window goes to the old data, still intact.
    reshape_progress_ = reshape_safe_;
    world_.Sched().WakeAll(reshape_wait_);
  }
  NoteMd(absl::StrFormat("reshape %s at array sector %d", intr ? "interrupted" : "done",
                         reshape_safe_));
  set_bit(MD_RECOVERY_DONE, &mddev_.recovery);
  sync_thread_done_ = true;
  WakeupThread(mddev_.thread);
  world_.Sched().WakeAll(sync_exit_);
}

// md_finish_reshape's part both levels share, then the bitmap's
// reshape_finish (called with the old geometry already dropped).
void MdArray::ReshapeDone(uint32_t chunk) {
  mddev_.reshape_position = kMaxSector;
  mddev_.delta_disks = 0;
  mddev_.chunk_sectors = mddev_.new_chunk_sectors = (int)chunk;
  // A member out of sync while the data moved holds none of it where the
  // array now keeps it: its recovery is a full one, whatever the bitmap
  // says.
  for (auto& m : members_)
    if (m->in_array && !RdevFlag(m->rdev, In_sync)) {
      m->rdev.saved_raid_disk = -1;
      clear_bit(Bitmap_sync, &m->rdev.flags);
      if (m->rdev.raid_disk >= 0) fullsync_ = true;
    }
  for (auto& m : members_) m->rdev.data_offset = m->rdev.new_data_offset = r5_off_;
  if (BitmapEnabled() && ops_->reshape_finish)
    (BitmapCall(this, BitmapOp::kReshapeFinish), ops_->reshape_finish(&mddev_));
}

// md_finish_reshape and raid5_finish_reshape (md_finish_sync, at the end
// of the pass; the reap writes the superblocks).
void MdArray::FinishReshape() {
  r5_prev_.reset();
  ReshapeDone(r5_->chunk_sectors);
  mddev_.array_sectors = r5_->array_sectors;
  // raid5_finish_reshape with llbitmap: a resync follows, which the bitmap
  // confines to NeedSync chunks.
  mddev_.resync_offset = 0;
  mddev_.resync_max_sectors = mddev_.dev_sectors;
  oracle_->Resize(mddev_.array_sectors);
  Reached("raid5 reshape finished");
  world_.Sched().WakeAll(reshape_wait_);
}

}  // namespace llsim
