// The bad-block log of each member (md's rdev badblocks) and raid1's
// narrow_write_error: a write error records the blocks that cannot be
// written instead of failing the member, when the array keeps a log and
// it has room. The member stays in the array; reads avoid its bad ranges;
// a later good write or sync over them clears them. Each member's own
// superblock carries its log (WriteMemberSb), and a write that recorded a
// bad block ends only once a superblock holds it (MD_SB_CHANGE_PENDING),
// so an acknowledged write never leans on an unrecorded bad block.
//
// What the bitmap is told: nothing. md_bitmap_end takes no success flag
// any more; a range a member could not take is the bad-block log's to
// remember, not the bitmap's (md-llbitmap's end_write only drops its page
// reference), and the array is not degraded, so the daemon may clean the
// chunk. The checks treat a bad range as holding no data (md never reads
// it), not as a mirror that must match.
#include <algorithm>
#include <functional>

#include "absl/strings/str_format.h"
#include "models/md/md_array.h"
#include "models/md/md_internal.h"

namespace llsim {

bool MdArray::IsBadBlock(const Member& m, uint64_t sector, uint64_t sectors) {
  auto it = m.bad.upper_bound(sector);
  if (it != m.bad.begin() && std::prev(it)->second > sector) return true;
  return it != m.bad.end() && it->first < sector + sectors;
}

bool MdArray::SetBadBlocks(Member& m, uint64_t sector, uint64_t sectors) {
  // badblocks.shift < 0: the array keeps no log.
  if (!cfg_.badblocks || sectors == 0) return false;
  uint64_t b = sector, e = sector + sectors;
  std::map<uint64_t, uint64_t> out;
  for (const auto& [s, t] : m.bad) {
    if (t < b || s > e) {
      out.emplace(s, t);
    } else {
      b = std::min(b, s);
      e = std::max(e, t);
    }
  }
  out[b] = e;
  if (out.size() > (size_t)kMaxBadBlocks) {
    NoteMd(absl::StrFormat("%s: bad-block log full", m.name));
    return false;
  }
  m.bad = std::move(out);
  NoteMd(absl::StrFormat("%s: bad blocks %d+%d recorded", m.name, (int64_t)sector,
                         (int64_t)sectors));
  // rdev_set_badblocks: unacknowledged until md_update_sb writes them.
  set_bit(MD_SB_CHANGE_CLEAN, &mddev_.sb_flags);
  set_bit(MD_SB_CHANGE_PENDING, &mddev_.sb_flags);
  WakeupThread(mddev_.thread);
  return true;
}

void MdArray::ClearBadBlocks(Member& m, uint64_t sector, uint64_t sectors) {
  if (!IsBadBlock(m, sector, sectors)) return;
  uint64_t b = sector, e = sector + sectors;
  std::map<uint64_t, uint64_t> out;
  for (const auto& [s, t] : m.bad) {
    if (t <= b || s >= e) {
      out.emplace(s, t);
      continue;
    }
    if (s < b) out.emplace(s, b);
    if (t > e) out.emplace(e, t);
  }
  m.bad = std::move(out);
  Reached("bad block cleared");
  NoteMd(absl::StrFormat("%s: bad blocks in %d+%d cleared", m.name, (int64_t)sector,
                         (int64_t)sectors));
  // Written with the next superblock; until then the old log on disk is
  // only more cautious than memory.
}

std::vector<std::pair<uint64_t, uint64_t>> MdArray::BadBlocks(int disk) const {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  if (disk < 0 || disk >= (int)members_.size()) return out;
  for (const auto& [s, e] : members_[disk]->bad) out.emplace_back(s, e);
  return out;
}

bool MdArray::NarrowWriteError(R1Bio* r1, Member& m) {
  if (!cfg_.badblocks) return false;
  if (test_bit(Faulty, &m.rdev.flags)) return true;  // failed meanwhile: nothing to narrow
  // md rewrites the range one block (the log's granularity, at least a
  // logical block) at a time, synchronously on raid1d, and records the
  // blocks that fail again. Deliberately not md for large writes: the
  // model first halves a failing range until it is at most 64 blocks, then
  // goes block by block, so the same blocks are recorded with far fewer
  // IOs (the simulated disks are slow enough that a pass per sector over a
  // 4 MiB write outlasts the hung-task limit); and it gives up (md_error)
  // after kMaxFailures (8) failed rewrites: a member failing that much is
  // dead, and md would fail it too, once its superblock write failed.
  constexpr int kMaxFailures = 8;
  uint64_t block = std::max<uint64_t>(1, cfg_.logical_block_size / 512);
  bool ok = true, recorded = false;
  int failures = 0;
  auto rewrite = [&](uint64_t s, uint64_t n) {
    IoRequest w{r1->discard ? IoOp::kDiscard : IoOp::kWrite, DataOffset() + s, (uint32_t)n};
    if (!r1->discard) w.stamps.assign(n, r1->stamp);
    w.tag = "narrow_write_error";
    atomic_inc(&m.rdev.nr_pending);
    IoResult res = SubmitAndWait(m, std::move(w));
    atomic_dec(&m.rdev.nr_pending);
    if (res.error && ++failures > kMaxFailures) ok = false;
    return res.error == 0;
  };
  std::function<void(uint64_t, uint64_t)> narrow = [&](uint64_t s, uint64_t n) {
    if (!ok || n == 0) return;
    if (n > 64 * block) {
      if (rewrite(s, n) || !ok) return;
      uint64_t mid = (s + n / 2) / block * block;
      narrow(s, mid - s);
      narrow(mid, s + n - mid);
      return;
    }
    for (uint64_t b = s, end = s + n; b < end && ok;) {
      uint64_t len = std::min(end, (b / block + 1) * block) - b;
      if (!rewrite(b, len) && ok) {
        bool set = SetBadBlocks(m, b, len);
        ok = set && ok;
        recorded |= set;
      }
      b += len;
    }
  };
  narrow(r1->DevOn(m.disk), r1->sectors);  // in m's own sectors (raid10)
  if (recorded) Reached("bad block recorded");  // once per narrowed write
  return ok;
}

}  // namespace llsim
