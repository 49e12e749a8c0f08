// raid4/5/6: the write path (one start_write per bio, then each 4 KiB
// stripe held back by BIT_DELAY until raid5d's next unplug), reads that
// rebuild a missing block from the others, and raid5_sync_request (resync,
// recovery and lazy recovery of the Unwritten states). See md_array.h and
// shared/md-contract-raid10-raid456.md §3.
//
// The data area holds one 64-bit word per sector (a disk stamp): a user
// write's stamp on data blocks, P and Q computed over them on parity
// blocks (raid5_geo.h). A sector no one wrote holds garbage, a value of
// its own per member, so a row is consistent only where md made it so.
//
// Deliberately simpler than md (README "raid4/5/6"):
//  - a stripe is handled by the fiber that needs it (the writer, the sync
//    thread), under a per-stripe lock, rather than by raid5d and workers;
//    the stripe cache is unbounded and never reused across requests;
//  - every readable member of a stripe is read, whichever of rmw or rcw md
//    would pick (the choice itself follows md: rcw unless blocks_synced);
//  - no bad-block log, read-error fixing, replacement, journal or PPL.
//
// During a reshape (raid5_reshape.cc) each request names the geometry and
// data offset it goes to: the new one below the reshape window, the old
// one from its end on.
#include <algorithm>
#include <array>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "models/md/md_array.h"
#include "models/md/md_internal.h"
#include "models/md/raid5_stripe.h"

namespace llsim {

using namespace raid5;

int MdArray::Raid5Slots() const { return r5_->disks; }

MdArray::Member* MdArray::SlotMember(int slot) const {
  for (auto& m : members_)
    if (m->in_array && m->rdev.raid_disk == slot && !RdevFlag(m->rdev, Faulty)) return m.get();
  return nullptr;
}

bool MdArray::Raid5Readable(const Member& m, uint64_t dev) const {
  // analyse_stripe: a recovering member is in sync below its recovery_offset
  // (which md_update_sb advances at every checkpoint of the pass).
  return RdevFlag(m.rdev, In_sync) || m.disk == lazy_disk_ ||
         dev + kStripeSectors <= m.rdev.recovery_offset;
}

int MdArray::Raid5Missing() const {
  int missing = 0;
  for (int s = 0; s < Raid5Slots(); s++) {
    Member* m = SlotMember(s);
    if (!m || !RdevFlag(m->rdev, In_sync)) missing++;
  }
  return missing;
}

void MdArray::LockStripe(uint64_t dev) {
  BlockOn(stripe_wait_, [&] { return !busy_stripes_.count(dev); });
  busy_stripes_.insert(dev);
}

void MdArray::UnlockStripe(uint64_t dev) {
  busy_stripes_.erase(dev);
  world_.Sched().WakeAll(stripe_wait_);
}

// Reads every readable member's page of the stripe; a failed read fails
// that member (raid5_end_read_request -> md_error) and leaves its page out.
void MdArray::ReadStripe(Stripe* st) {
  st->row = st->geo->RowAt(st->dev);
  for (int s = 0; s < st->geo->disks; s++) {
    st->have[s] = false;
    Member* m = SlotMember(s);
    st->member[s] = m;
    if (!m || !Raid5Readable(*m, st->dev)) continue;
    IoRequest r{IoOp::kRead, st->off + st->dev, kStripeSectors};
    r.tag = "raid5 stripe read";
    atomic_inc(&m->rdev.nr_pending);
    IoResult res = SubmitAndWait(*m, std::move(r));
    atomic_dec(&m->rdev.nr_pending);
    if (res.error) {
      Reached("read error");
      MdErrorLocked(*m);
      continue;
    }
    for (uint32_t o = 0; o < kStripeSectors; o++)
      st->w[s][o] = WordOf(m->disk, st->off + st->dev + o - layout_.data_offset, res.stamps[o]);
    st->have[s] = true;
  }
}

// Writes the pages of `slots` to their members, all at once, and waits; a
// member whose write failed is failed (md_error).
void MdArray::WriteStripe(Stripe* st, const std::vector<int>& slots,
                                                   bool fua, uint64_t stamp, bool user) {
  MemberWrites pend(this);
  std::vector<int> members = BitmapMembers();
  for (int s : slots) {
    Member* m = st->member[s];
    if (!m || RdevFlag(m->rdev, Faulty)) continue;
    IoRequest req;
    req.op = IoOp::kWrite;
    req.sector = st->off + st->dev;
    req.sectors = kStripeSectors;
    req.fua = fua;
    for (uint32_t o = 0; o < kStripeSectors; o++) req.stamps.push_back(StampOf(st->w[s][o]));
    req.tag = user ? absl::StrCat(s == st->row.p ? "parity" : s == st->row.q ? "q" : "write",
                                  " w", stamp)
                   : "raid5 sync write";
    if (user && obs_.data_write_submitted)
      obs_.data_write_submitted(m->disk, st->dev, kStripeSectors, members);
    pend.Add(m, std::move(req), /*preempt=*/true);
  }
  pend.Wait();
}

// raid5_make_request for a write: md_account_bio starts the bitmap once
// for the whole bio; each stripe then waits for raid5d's unplug.
int MdArray::Raid5Write(uint64_t sector, uint32_t sectors, bool fua) {
  MdWriteStart();
  WaitBarrier(sector);
  Reached("raid5 write");
  if (Raid5Missing()) Reached("degraded write");
  // During a reshape: which geometry the bio goes to (md splits a bio at
  // reshape_position; the model's bios wait until they lie on one side).
  uint64_t cut = 0;
  bool prev = WaitReshapeSide(sector, sectors, &cut);
  // Split at the reshape position: this call writes the part below it, and
  // the rest goes round as a bio of its own once this part has ended.
  uint32_t rest = cut ? (uint32_t)(sector + sectors - cut) : 0;
  if (cut) sectors = (uint32_t)(cut - sector);
  // By value: the IO keeps the geometry it started in.
  const Raid5Geo g = prev ? *r5_prev_ : *r5_;
  uint64_t off = prev ? r5_prev_off_ : r5_off_;
  std::pair<uint64_t, uint64_t> old_range{sector, sector + sectors};
  if (prev) old_geometry_io_.insert(old_range);
  uint64_t stamp = oracle_->IssueWrite(sector, sectors);
  sector_t bm_off = 0;
  unsigned long bm_len = 0;
  bool bm = BitmapStartIo(sector, sectors, false, &bm_off, &bm_len);
  // The stripes the bio touches, each with the words it writes there.
  std::map<uint64_t, std::vector<std::pair<int, uint32_t>>> stripes;  // dev -> (slot, offset)
  for (uint64_t v = sector; v < sector + sectors; v++) {
    Raid5Geo::Place p = g.Map(v);
    uint64_t dev = p.dev / kStripeSectors * kStripeSectors;
    stripes[dev].emplace_back(p.slot, (uint32_t)(p.dev - dev));
  }
  auto key = [&](uint64_t dev) { return dev | (prev ? 1ull << 62 : 0); };
  // add_stripe_bio: each stripe's first write sets BIT_DELAY with the next
  // flush sequence; raid5d unplugs the bitmap and then lets them run.
  // (Locked in member order, as no two stripes are ever held otherwise.)
  for (auto& [dev, words] : stripes) LockStripe(key(dev));
  uint64_t seq = seq_flush_ + 1;
  bit_delay_stripes_ += stripes.size();
  WakeupThread(mddev_.thread);
  BlockOn(bit_delay_wait_, [&] { return seq_write_ >= seq || !running_; });
  bit_delay_stripes_ -= stripes.size();
  bool ok = running_;
  bool reached = false;
  for (auto& [dev, words] : stripes) {
    if (!ok) break;
    Stripe st;
    st.dev = dev;
    st.geo = &g;
    st.off = off;
    st.prev = prev;
    ReadStripe(&st);
    // handle_stripe_dirtying: read-modify-write only where the bitmap says
    // the stripe's parity is good (blocks_synced) and every block it needs
    // is there; else reconstruct-write, which makes the row consistent.
    bool rmw = false;
    std::vector<int> written;
    for (auto [slot, o] : words)
      if (std::find(written.begin(), written.end(), slot) == written.end()) written.push_back(slot);
    bool rmw_possible = st.have[st.row.p] && (st.row.q < 0 || st.have[st.row.q]);
    for (int s : written) rmw_possible = rmw_possible && st.have[s];
    // And never while a resync is still to reach this stripe of a whole
    // array: its parity may be stale whatever the bitmap says (rcw, as
    // handle_stripe_dirtying does below recovery_cp with no failed device).
    bool resync_ahead = mddev_.resync_offset < kMaxSector && dev >= mddev_.resync_offset &&
                        mddev_.degraded == 0;
    if (!resync_ahead && rmw_possible && (int)written.size() * 2 < g.DataDisks() &&
        BitmapEnabled() && ops_->blocks_synced)
      rmw = (BitmapCall(this, BitmapOp::kBlocksSynced), ops_->blocks_synced(&mddev_, dev));
    if (rmw) {
      Reached("raid5 read-modify-write");
      // P' = P + old + new (and Q alike): whatever the row held stays.
      auto old = st.w;
      for (auto [slot, o] : words) st.w[slot][o] = stamp;
      int nd = g.DataDisks();
      for (uint32_t o = 0; o < kStripeSectors; o++)
        for (int i = 0; i < nd; i++) {
          int s = st.row.data[i];
          uint64_t delta = old[s][o] ^ st.w[s][o];
          if (!delta) continue;
          st.w[st.row.p][o] ^= delta;
          if (st.row.q >= 0) st.w[st.row.q][o] ^= parity::Mul(delta, parity::Pow2(i));
        }
    } else {
      if (!st.Solve(g)) {
        // More members gone than parity covers: md has failed the array.
        ok = false;
        break;
      }
      for (auto [slot, o] : words) st.w[slot][o] = stamp;
      st.SetParity(g, st.row.p);
      if (st.row.q >= 0) st.SetParity(g, st.row.q);
    }
    std::vector<int> targets = written;
    targets.push_back(st.row.p);
    if (st.row.q >= 0) targets.push_back(st.row.q);
    if (!reached) {
      oracle_->WriteReachedDisk(stamp, sector, sectors);
      reached = true;
    }
    WriteStripe(&st, targets, fua, stamp, true);
  }
  for (auto& [dev, words] : stripes) UnlockStripe(key(dev));
  if (prev) {
    old_geometry_io_.erase(old_geometry_io_.find(old_range));
    world_.Sched().WakeAll(reshape_wait_);
  }
  // The stripes are done: a quiesce no longer waits for them.
  AllowBarrier(sector);
  // A member that failed on the way is recorded before the bio ends
  // (raid5 hands the bio back once md_error's superblock is out).
  BlockOn(sb_wait_, [&] {
    return !test_bit(MD_SB_CHANGE_PENDING, &mddev_.sb_flags) || !running_;
  });
  ok = ok && !Broken() && running_;
  MdWriteEnd();
  if (bm && BitmapEnabled()) {
    if (obs_.write_ending) obs_.write_ending(bm_off, (uint32_t)bm_len, false);
    (BitmapCall(this, BitmapOp::kEndWrite), ops_->end_write(&mddev_, bm_off, bm_len));
  }
  if (ok) oracle_->AckWrite(stamp, sector, sectors, fua);
  if (rest && ok) writes_in_flight_++;  // the rest is in flight already
  if (--writes_in_flight_ == 0) world_.Sched().WakeAll(barrier_wait_);
  if (rest && ok) return Raid5Write(sector + sectors, rest, fua);
  return ok ? 0 : -EIO;
}

// make_discard_request: only whole data rows are discarded; with llbitmap
// and members that do not promise zeroes (raid5_discard_unsupported, the
// default) only the bitmap changes and the data stays.
int MdArray::Raid5Discard(uint64_t sector, uint32_t sectors) {
  if (Reshaping()) {
    // make_discard_request: BLK_STS_AGAIN while a reshape runs; nothing
    // is discarded.
    Reached("discard refused during a reshape");
    if (--writes_in_flight_ == 0) world_.Sched().WakeAll(barrier_wait_);
    return 0;
  }
  uint64_t rs = r5_->RowSectors();
  uint64_t first = (sector + rs - 1) / rs * rs, end = (sector + sectors) / rs * rs;
  if (end <= first) {
    if (--writes_in_flight_ == 0) world_.Sched().WakeAll(barrier_wait_);
    return 0;
  }
  Reached("discard");
  MdWriteStart();
  oracle_->IssueDiscard(first, end - first);
  sector_t bm_off = 0;
  unsigned long bm_len = 0;
  bool bm = BitmapStartIo(first, (uint32_t)(end - first), true, &bm_off, &bm_len);
  MdWriteEnd();
  if (bm && BitmapEnabled()) {
    if (obs_.write_ending) obs_.write_ending(bm_off, (uint32_t)bm_len, true);
    (BitmapCall(this, BitmapOp::kEndDiscard), ops_->end_discard(&mddev_, bm_off, bm_len));
  }
  if (--writes_in_flight_ == 0) world_.Sched().WakeAll(barrier_wait_);
  return 0;
}

// raid5d's bitmap batch: stripes parked with BIT_DELAY run once an unplug
// that began after their start_write has returned.
void MdArray::Raid5BitmapBatch() {
  if (!r5_ || bit_delay_stripes_ == 0 || seq_write_ > seq_flush_) return;
  seq_flush_++;
  uint64_t seq = seq_flush_;
  if (BitmapEnabled()) (BitmapCall(this, BitmapOp::kUnplug), ops_->unplug(&mddev_, true));
  seq_write_ = seq;
  world_.Sched().WakeAll(bit_delay_wait_);
}

// A read, piece by piece: from the data block's member when it is in sync,
// else rebuilt from the rest of its row.
int MdArray::Raid5Read(uint64_t sector, uint32_t sectors, StampRuns* stamps) {
  // md_handle_request: a suspended array holds reads back too.
  BlockOn(suspend_wait_, [&] { return !suspended_ || !running_; });
  OtherIo hold(this);
  stamps->clear();
  uint64_t cut = 0;
  bool prev = WaitReshapeSide(sector, sectors, &cut);
  uint64_t end = cut ? cut : sector + sectors;
  // By value: the IO keeps the geometry it started in.
  const Raid5Geo g = prev ? *r5_prev_ : *r5_;
  uint64_t off = prev ? r5_prev_off_ : r5_off_;
  OldGeometryIo old_io(this, sector, end, prev);
  for (uint64_t v = sector; v < end;) {
    Raid5Geo::Place p = g.Map(v);
    uint64_t n = std::min<uint64_t>(g.PieceLen(v, end - v),
                                    kStripeSectors - p.dev % kStripeSectors);
    Member* m = SlotMember(p.slot);
    if (m && Raid5Readable(*m, p.dev / kStripeSectors * kStripeSectors)) {
      IoRequest r{IoOp::kRead, off + p.dev, (uint32_t)n};
      r.tag = "raid5 read";
      atomic_inc(&m->rdev.nr_pending);
      IoResult res = SubmitAndWait(*m, std::move(r));
      atomic_dec(&m->rdev.nr_pending);
      if (!res.error) {
        for (uint64_t o = 0; o < n; o++)
          stamps->push_back(WordOf(m->disk, off + p.dev + o - layout_.data_offset, res.stamps[o]));
        v += n;
        continue;
      }
      Reached("read error");
      MdErrorLocked(*m);
    }
    Reached("raid5 degraded read");
    Stripe st;
    st.dev = p.dev / kStripeSectors * kStripeSectors;
    st.geo = &g;
    st.off = off;
    st.prev = prev;
    LockStripe(st.Key());
    ReadStripe(&st);
    bool ok = st.Solve(g);
    UnlockStripe(st.Key());
    if (!ok) return -EIO;
    for (uint64_t o = 0; o < n; o++) stamps->push_back(st.w[p.slot][p.dev % kStripeSectors + o]);
    v += n;
  }
  if (!cut) return 0;
  // Split at the reshape position: the rest as a read of its own.
  StampRuns more;
  int err = Raid5Read(cut, (uint32_t)(sector + sectors - cut), &more);
  more.Visit(0, more.size(), [&](uint64_t b, uint64_t e, uint64_t stamp) {
    stamps->Append(e - b, stamp);
  });
  return err;
}

// raid5_sync_request for member sector j: one stripe per call.
uint64_t MdArray::Raid5SyncRequest(uint64_t j_in, uint64_t max, bool* skipped) {
  // md_do_sync walks whole stripes; one resumed elsewhere starts at its page.
  uint64_t j = j_in / kStripeSectors * kStripeSectors;
  bool requested = test_bit(MD_RECOVERY_REQUESTED, &mddev_.recovery);
  // A resync cannot check parity with as many members gone as parity covers.
  if (mddev_.degraded >= r5_->Parities() && test_bit(MD_RECOVERY_SYNC, &mddev_.recovery)) {
    *skipped = true;
    return max - j_in;
  }
  sector_t blocks = 0;
  if (BitmapEnabled() && !requested && !fullsync_ &&
      !(BitmapCall(this, BitmapOp::kStartSync), ops_->start_sync(&mddev_, j, &blocks, true)) &&
      blocks >= kStripeSectors) {
    *skipped = true;
    return std::max<uint64_t>(blocks / kStripeSectors * kStripeSectors, 1);
  }
  if (BitmapEnabled())
    (BitmapCall(this, BitmapOp::kCondEndSync), ops_->cond_end_sync(&mddev_, j, false));
  LockStripe(j);
  if (test_bit(MD_RECOVERY_INTR, &mddev_.recovery)) {
    UnlockStripe(j);
    return 0;
  }
  // (No resync or recovery runs during a reshape: md's reshape wins.)
  bool still_degraded = false;
  for (int s = 0; s < Raid5Slots(); s++) still_degraded |= SlotMember(s) == nullptr;
  bool driven = false;
  if (BitmapEnabled())
    driven = (BitmapCall(this, BitmapOp::kStartSync),
              ops_->start_sync(&mddev_, j, &blocks, still_degraded));
  if (driven && obs_.sync_io) obs_.sync_io(j, kStripeSectors, true);
  Stripe st;
  st.dev = j;
  st.geo = &*r5_;
  st.off = r5_off_;
  ReadStripe(&st);
  // What this stripe rebuilds: a recovering member, or the member the lazy
  // pass took out of sync.
  std::vector<int> targets;
  bool recover = test_bit(MD_RECOVERY_RECOVER, &mddev_.recovery);
  for (int s = 0; s < Raid5Slots(); s++) {
    Member* m = st.member[s];
    if (!m) continue;
    bool lazy = m->disk == lazy_disk_;
    bool behind = j + kStripeSectors > m->rdev.recovery_offset;
    if ((recover && !RdevFlag(m->rdev, In_sync) && !lazy && behind) || lazy) {
      targets.push_back(s);
      st.have[s] = false;
    }
  }
  bool check = test_bit(MD_RECOVERY_CHECK, &mddev_.recovery);
  if (targets.empty()) {
    // A resync: recompute parity and write it where it differs. On a
    // raid6 with one member gone (handle_parity_checks6 with one failed)
    // the missing block comes from one parity and the other is checked.
    Stripe want = st;
    if (want.Solve(*r5_)) {
      std::vector<int> fix;
      for (int s : {st.row.p, st.row.q}) {
        if (s < 0 || !st.have[s]) continue;
        want.SetParity(*r5_, s);
        if (want.w[s] != st.w[s]) fix.push_back(s);
      }
      if (!fix.empty()) {
        mismatches_ += kStripeSectors;
        if (!check) {
          Reached("raid5 parity rewritten");
          WriteStripe(&want, fix, false, 0, false);
        }
      }
    }
  } else if (st.Solve(*r5_)) {
    Reached(lazy_disk_ >= 0 ? "raid5 lazy rebuild" : "raid5 rebuild");
    // raid6 rebuilds from one parity and checks the other (handle_parity_checks6
    // with one failed member): a row is consistent once its pass is done.
    std::vector<int> writes = targets;
    for (int s : {st.row.p, st.row.q}) {
      if (s < 0 || std::find(targets.begin(), targets.end(), s) != targets.end()) continue;
      auto want = st.ParityOf(*r5_, s);
      if (want == st.w[s]) continue;
      st.w[s] = want;
      writes.push_back(s);
    }
    WriteStripe(&st, writes, false, 0, false);
  }
  if (driven && obs_.sync_io) obs_.sync_io(j, kStripeSectors, false);
  UnlockStripe(j);
  return j + kStripeSectors - j_in;
}

// mddev_select_lazy_recover_rdev: with nobody to recover, the lazy pass
// takes the highest slot out of sync (degraded is not recounted).
void MdArray::SelectLazyRecoverDisk() {
  lazy_disk_ = -1;
  Member* pick = nullptr;
  for (auto& m : members_) {
    if (!m->in_array || m->rdev.raid_disk < 0) continue;
    if (!RdevFlag(m->rdev, In_sync) || RdevFlag(m->rdev, Faulty)) return;
    if (!pick || m->rdev.raid_disk > pick->rdev.raid_disk) pick = m.get();
  }
  if (!pick) return;
  clear_bit(In_sync, &pick->rdev.flags);
  lazy_disk_ = pick->disk;
  Reached("lazy recovery");
  NoteMd(absl::StrFormat("raid%d: lazy recovery rebuilds %s", r5_->level, pick->name));
}

uint64_t MdArray::Raid5Peek(uint64_t v) const {
  // Mid-reshape, what is not yet past a checkpoint is read where it was:
  // the old copy stays intact until then.
  bool prev = Reshaping() && v >= reshape_safe_;
  const Raid5Geo& g = prev ? *r5_prev_ : *r5_;
  uint64_t off = prev ? r5_prev_off_ : r5_off_;
  Raid5Geo::Place p = g.Map(v);
  Stripe st;
  st.dev = p.dev / kStripeSectors * kStripeSectors;
  st.row = g.RowAt(st.dev);
  for (int s = 0; s < g.disks; s++) {
    Member* m = SlotMember(s);
    st.have[s] = m && Raid5Readable(*m, st.dev);
    if (!st.have[s]) continue;
    StampRuns r = m->d->VisibleStamps(off + st.dev, kStripeSectors);
    for (uint32_t o = 0; o < kStripeSectors; o++)
      st.w[s][o] = WordOf(m->disk, off + st.dev + o - layout_.data_offset, r[o]);
  }
  if (!st.have[p.slot] && !st.Solve(g)) return Garbage(-1, v);
  return st.w[p.slot][p.dev % kStripeSectors];
}

bool MdArray::ParityEnough(const std::function<bool(int slot)>& working) const {
  int missing = 0;
  for (int s = 0; s < r5_->disks; s++) missing += !working(s);
  return missing <= r5_->Parities();
}

std::vector<std::string> MdArray::ParityMismatches(
    const std::vector<std::pair<uint64_t, uint64_t>>& ranges, size_t limit) const {
  std::vector<std::string> out;
  // Mid-reshape rows are in two geometries; checked once it is done.
  if (!r5_ || Reshaping()) return out;
  std::vector<const Member*> slot(r5_->disks, nullptr);
  for (auto& m : members_)
    if (m->in_array && m->rdev.raid_disk >= 0 && RdevFlag(m->rdev, In_sync) &&
        !RdevFlag(m->rdev, Faulty))
      slot[m->rdev.raid_disk] = m.get();
  if (std::count(slot.begin(), slot.end(), nullptr)) return out;  // degraded: no check
  for (auto [first, end] : ranges) {
    end = std::min(end, r5_->dev_sectors);
    for (uint64_t dev = first / kStripeSectors * kStripeSectors; dev < end;
         dev += kStripeSectors) {
      if (out.size() >= limit) return out;
      Stripe st;
      st.dev = dev;
      st.row = r5_->RowAt(dev);
      for (int s = 0; s < r5_->disks; s++) {
        StampRuns r = slot[s]->d->VisibleStamps(r5_off_ + dev, kStripeSectors);
        for (uint32_t o = 0; o < kStripeSectors; o++)
          st.w[s][o] = WordOf(slot[s]->disk, r5_off_ + dev + o - layout_.data_offset, r[o]);
      }
      for (int s : {st.row.p, st.row.q}) {
        if (s < 0) continue;
        auto want = st.ParityOf(*r5_, s);
        for (uint32_t o = 0; o < kStripeSectors; o++)
          if (want[o] != st.w[s][o]) {
            // The slot as a number: campaign signatures fold numbers, so one
            // bug is one signature whichever member holds the parity.
            out.push_back(absl::StrFormat(
                "member sector %d: %s in slot %d is %#x, the data make it %#x", dev + o,
                s == st.row.p ? "P" : "Q", s, st.w[s][o], want[o]));
            break;
          }
      }
    }
  }
  return out;
}

}  // namespace llsim
