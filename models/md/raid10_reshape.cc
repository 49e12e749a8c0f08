// raid10 reshape onto more members and/or a larger chunk (mdadm --grow
// --raid-devices=+N --chunk=C on a near or offset layout): raid10's
// check_reshape and start_reshape, reshape_request's copy and
// checkpoints, end_reshape and raid10_finish_reshape, with the bitmap's
// reshape hooks where md calls them (shared/md-contract-raid10-raid456.md
// §2.6; mainline only).
//
// raid10's bitmap covers array sectors, so a reshape keeps every chunk's
// meaning unless the grown array no longer fits the bitmap at its chunk
// size. What changes is where the copies live: the data moves, one new
// chunk at a time, to a new data offset below the old one (mdadm with head
// room), and a checkpoint comes before a new chunk's copies would reach
// old copies past the last one. A checkpoint merges the moved range's bits
// (reshape_mark), writes them (unplug), and only then records
// reshape_position in the superblocks. After a crash, assembly resumes from
// the recorded position and copies again from the old copies, still intact.
//
// Deliberately simpler than md: forward only (growing), the copy is read
// from one in-sync copy (md reads one and writes every new copy too), far
// layouts are refused as md refuses them, and the copy count never changes.
#include <algorithm>

#include "absl/strings/str_format.h"
#include "models/md/md_array.h"
#include "models/md/md_internal.h"
#include "models/md/raid5_stripe.h"

namespace llsim {

// raid10_start_reshape's part (under the lock, IO suspended).
absl::Status MdArray::Raid10Grow(int delta, uint32_t chunk) {
  if (mddev_.array_sectors % chunk)
    return absl::InvalidArgumentError(absl::StrFormat(
        "array of %d sectors is not a multiple of the new chunk (%d) (EINVAL)",
        mddev_.array_sectors, chunk));
  int disks = geo_->disks + delta;
  if (disks > Raid10Geo::kMaxDisks || disks > (int)members_.size())
    return absl::FailedPreconditionError(
        absl::StrFormat("no room for %d members (%d disks)", disks, members_.size()));
  auto geo = Raid10Geo::For(disks, geo_->near_copies, geo_->far_copies, geo_->far_offset, chunk,
                            mddev_.dev_sectors);
  if (!geo.ok()) return geo.status();
  if (geo->array_sectors < mddev_.array_sectors)
    return absl::InvalidArgumentError(absl::StrFormat(
        "reshape to %s would shrink the array (%d -> %d sectors) (EINVAL)", geo->Name(),
        mddev_.array_sectors, geo->array_sectors));
  if (delta == 0 && geo->array_sectors != mddev_.array_sectors)
    return absl::FailedPreconditionError(
        "a chunk change that changes the array size is not modelled");
  // Head room: each new chunk's copies must land below the old copies not
  // yet checkpointed. A copy ends at most a new chunk (times the far
  // copies) past its row, and an old row starts at most two old chunks
  // (times the far copies) before the same array sector's new one: that
  // much room keeps every step possible right after a checkpoint
  // (raid10_start_reshape's offset_diff against before/after_length).
  uint64_t far = geo_->far_copies;
  uint64_t need = (chunk + 2 * geo_->chunk_sectors) * far;
  uint64_t head = r5_off_ > layout_.meta_head ? (r5_off_ - layout_.meta_head) : 0;
  uint64_t gap = std::min<uint64_t>(head / chunk * chunk, std::max<uint64_t>(2048, need));
  if (gap < need)
    return absl::FailedPreconditionError(absl::StrFormat(
        "insufficient head-space for reshape: %d sectors before the data, %d needed "
        "(mdadm would need --backup-file)", head, need));
  // raid10_start_reshape: the bitmap refuses while a chunk still needs a sync.
  if (ops_->reshape_can_start) {
    int err = (BitmapCall(this, BitmapOp::kReshapeCanStart), ops_->reshape_can_start(&mddev_));
    if (err)
      return absl::FailedPreconditionError(absl::StrFormat(
          "the bitmap refuses the reshape (%d): chunks still need a sync (EBUSY)", err));
  }
  // A degraded raid10 is not reshaped here. md's start_reshape would put
  // the spare into the empty slot (raid10_add_disk takes the lowest free
  // one, to be recovered by the reshape itself) and leave the new slot
  // empty; the model only places new members past the old ones, which on a
  // degraded array can leave a chunk with no copy in the new layout (soak,
  // seed 77: n2 on 4 members, slots 1 and 2 failed, grown to 5).
  std::vector<bool> slot_ok = WorkingSlots();
  if (std::find(slot_ok.begin(), slot_ok.end(), false) != slot_ok.end())
    return absl::FailedPreconditionError(
        "reshape of a degraded raid10 is not modelled (md would recover the empty slot "
        "onto the spare as it reshapes)");
  std::vector<Member*> spares;
  if (absl::Status st = GrowSpares(delta, &spares); !st.ok()) return st;
  NoteMd(absl::StrFormat("mdadm --grow --raid-devices=%d --chunk=%dK (raid10 %s)", disks,
                         chunk / 2, geo_->Name()));
  Reached("raid10 reshape started");
  // With new members the bitmap is resized to the grown array first,
  // which llbitmap takes as a reshape (it stages the new size).
  if (absl::Status st = ReshapeResize(delta, disks, chunk, geo->array_sectors); !st.ok())
    return st;
  r10_prev_ = *geo_;
  r5_prev_off_ = r5_off_;
  geo_ = *geo;
  r5_off_ -= gap;
  cfg_.mirrors = disks;
  cfg_.chunk_sectors = chunk;
  AdoptGrowSpares(spares, r10_prev_->disks, "raid10");
  slot_ok = WorkingSlots();
  mddev_.degraded = (int)std::count(slot_ok.begin(), slot_ok.end(), false);
  set_bit(MD_SB_CHANGE_DEVS, &mddev_.sb_flags);
  UpdateSb(/*force=*/true);
  StartReshape();
  return absl::OkStatus();
}

// Copies array range [v, v + n) (within one new chunk) from the old copies
// to every new one.
void MdArray::Raid10ReshapeCopy(uint64_t v, uint64_t n) {
  const Raid10Geo& og = *r10_prev_;
  StampRuns data;
  for (uint64_t s = v; s < v + n;) {
    uint64_t len = og.PieceLen(s, v + n - s);
    bool done = false;
    // md reads the first copy it can; a failed read fails that member and
    // the next copy is tried.
    for (const Raid10Geo::Copy& c : og.Map(s)) {
      int d = DiskInSlot(c.slot);
      Member* m = d >= 0 ? members_[d].get() : nullptr;
      if (!m || !RdevFlag(m->rdev, In_sync) || RdevFlag(m->rdev, Faulty) ||
          IsBadBlock(*m, c.dev + r5_prev_off_ - r5_off_, len))
        continue;
      IoRequest req{IoOp::kRead, r5_prev_off_ + c.dev, (uint32_t)len};
      req.tag = "raid10 reshape read";
      atomic_inc(&m->rdev.nr_pending);
      IoResult res = SubmitAndWait(*m, std::move(req));
      atomic_dec(&m->rdev.nr_pending);
      if (res.error) {
        Reached("read error");
        MdErrorLocked(*m);
        continue;
      }
      uint64_t at = 0;
      for (const StampRuns::Run& run : res.stamps.Runs()) {
        data.Append(run.end - at, run.stamp);
        at = run.end;
      }
      done = true;
      break;
    }
    // No copy left: what the range held is lost (md would fail the reshape);
    // the model writes what it could not read as never written.
    if (!done) data.Append(len, 0);
    s += len;
  }
  MemberWrites pend(this);
  for (const Raid10Geo::Copy& c : geo_->Map(v))
    for (auto& m : members_) {
      // The slot's member and its replacement, as raid10 writes both.
      if (!m->in_array || m->rdev.raid_disk != c.slot || RdevFlag(m->rdev, Faulty)) continue;
      IoRequest req{IoOp::kWrite, r5_off_ + c.dev, (uint32_t)n};
      req.stamps = data;
      req.tag = "raid10 reshape write";
      pend.Add(m.get(), std::move(req), /*preempt=*/false);
    }
  pend.Wait();
}

void MdArray::Raid10ReshapeThreadMain() {
  // The lowest member sector (relative to its geometry's data) an old copy
  // of array sector a or later lies at: its chunk row (rows only grow
  // with a, in near and offset layouts).
  auto old_floor = [&](uint64_t a) {
    if (a >= r10_prev_->array_sectors) return r10_prev_->dev_sectors;
    uint64_t lo = ~0ull, cs = r10_prev_->chunk_sectors;
    for (const Raid10Geo::Copy& c : r10_prev_->Map(a)) lo = std::min(lo, c.dev / cs * cs);
    return lo;
  };
  auto new_ceiling = [&](uint64_t a) {
    uint64_t hi = 0, cs = geo_->chunk_sectors;
    for (const Raid10Geo::Copy& c : geo_->Map(a)) hi = std::max(hi, c.dev / cs * cs + cs);
    return hi;
  };
  // reshape_request: would this chunk's new copies reach old copies past
  // the last checkpoint?
  auto checkpoint_first = [&](uint64_t v) {
    return r5_off_ + new_ceiling(v) > r5_prev_off_ + old_floor(reshape_safe_);
  };
  // md_do_sync walks resync_max_sectors: the old array. The grown part is
  // left to the resync after raid10_finish_reshape (Unwritten, skipped).
  // At the end, end_reshape, then md_finish_sync's raid10_finish_reshape.
  RunReshapePass(r10_prev_->array_sectors, geo_->chunk_sectors, checkpoint_first,
                 [&](uint64_t v, uint64_t n) { Raid10ReshapeCopy(v, n); },
                 &MdArray::Raid10FinishReshape);
}

// md_finish_reshape and raid10_finish_reshape.
void MdArray::Raid10FinishReshape() {
  uint64_t old_size = r10_prev_->array_sectors;
  r10_prev_.reset();
  ReshapeDone(geo_->chunk_sectors);
  mddev_.array_sectors = geo_->array_sectors;
  mddev_.dev_sectors = geo_->dev_sectors;
  // Growing: the new part is resynced from the old end (the bitmap has it
  // Unwritten, so the pass skips it).
  if (geo_->array_sectors > old_size && mddev_.resync_offset > old_size) {
    mddev_.resync_offset = old_size;
    set_bit(MD_RECOVERY_NEEDED, &mddev_.recovery);
  }
  mddev_.resync_max_sectors = mddev_.array_sectors;
  oracle_->Resize(mddev_.array_sectors);
  Reached("raid10 reshape finished");
  world_.Sched().WakeAll(reshape_wait_);
}

}  // namespace llsim
