// The data oracle; see data_oracle.h.
#include "models/oracle/data_oracle.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "sim/event_log.h"
#include "sim/disk.h"

namespace llsim {

DataOracle::DataOracle(uint64_t sectors) : sectors_(sectors) {}

uint64_t DataOracle::IssueWrite(uint64_t sector, uint32_t n) { return next_stamp_++; }

void DataOracle::WriteReachedDisk(uint64_t stamp, uint64_t sector, uint32_t n) {
  last_.Update(sector, std::min(sector + n, sectors_), [&](uint64_t v) {
    return v == kDiscard || v < stamp ? stamp : v;
  });
}

void DataOracle::AckWrite(uint64_t stamp, uint64_t sector, uint32_t n, bool fua) {
  Ack a{++acks_, stamp, sector, n};
  if (fua)
    MakeDurable(a);
  else
    unflushed_.push_back(a);
}

void DataOracle::IssueDiscard(uint64_t sector, uint32_t n) {
  uint64_t end = std::min(sector + n, sectors_);
  last_.Assign(sector, end, kDiscard);
  floor_.Assign(sector, end, 0);
  discarded_before_.Assign(sector, end, next_stamp_);
}

void DataOracle::MakeDurable(const Ack& a) {
  // A discard issued after this write cleared the sector's history, even
  // where a newer write (one a crash may yet take away) came after it.
  std::vector<std::pair<uint64_t, uint64_t>> written, covered;
  last_.Visit(a.sector, std::min(a.sector + a.sectors, sectors_),
              [&](uint64_t b, uint64_t e, uint64_t v) {
                if (v != kDiscard && v >= a.stamp) written.push_back({b, e});
              });
  for (auto [wb, we] : written)
    discarded_before_.Visit(wb, we, [&](uint64_t b, uint64_t e, uint64_t next) {
      if (next <= a.stamp) covered.push_back({b, e});
    });
  for (auto [b, e] : covered)
    floor_.Update(b, e, [&](uint64_t f) { return std::max(f, a.stamp); });
}

void DataOracle::FlushCompleted(uint64_t horizon) {
  auto keep = std::remove_if(unflushed_.begin(), unflushed_.end(), [&](const Ack& a) {
    if (a.index > horizon) return false;
    MakeDurable(a);
    return true;
  });
  unflushed_.erase(keep, unflushed_.end());
}

void DataOracle::Resize(uint64_t sectors) {
  // Shrinking forgets the dropped range; growing adds never-written sectors.
  if (sectors < sectors_) {
    last_.EraseFrom(sectors);
    floor_.EraseFrom(sectors);
    discarded_before_.EraseFrom(sectors);
  }
  sectors_ = sectors;
}

namespace {

// Calls fn(b, e, stamps) for consecutive pieces of [begin, end) over which
// every mirror's visible stamp is constant; stamps[m] is mirror m's.
template <typename F>
void VisitMirrors(const std::vector<const Disk*>& mirrors, uint64_t data_offset, uint64_t begin,
                  uint64_t end, F&& fn) {
  std::vector<StampRuns> runs;
  for (const Disk* d : mirrors) runs.push_back(d->VisibleStamps(data_offset + begin, end - begin));
  std::vector<size_t> at(mirrors.size(), 0);
  std::vector<uint64_t> stamps(mirrors.size());
  uint64_t pos = 0, len = end - begin;
  while (pos < len) {
    uint64_t next = len;
    for (size_t m = 0; m < mirrors.size(); m++) {
      const auto& r = runs[m].Runs();
      while (r[at[m]].end <= pos) at[m]++;
      stamps[m] = r[at[m]].stamp;
      next = std::min(next, r[at[m]].end);
    }
    if (!fn(begin + pos, begin + next, stamps)) return;
    pos = next;
  }
}

// Whether mirror m's bad ranges meet [b, e).
bool BadIn(const DataOracle::BadRanges* bad, size_t m, uint64_t b, uint64_t e) {
  if (!bad || m >= bad->size()) return false;
  for (const auto& [s, t] : (*bad)[m])
    if (s < e && t > b) return true;
  return false;
}

}  // namespace

std::vector<std::string> DataOracle::MirrorMismatches(const std::vector<const Disk*>& mirrors,
                                                      uint64_t data_offset, size_t limit,
                                                      const BadRanges* bad) const {
  std::vector<std::string> out;
  if (mirrors.size() < 2) return out;
  for (const auto& [first, ext] : last_) {
    if (out.size() >= limit) break;
    if (ext.value == kDiscard) continue;
    VisitMirrors(mirrors, data_offset, first, ext.end,
                 [&](uint64_t b, uint64_t e, const std::vector<uint64_t>& got) {
                   bool any_bad = false;
                   for (size_t m = 0; m < mirrors.size(); m++) any_bad |= BadIn(bad, m, b, e);
                   if (any_bad) {
                     // Sector by sector, among the mirrors not bad there.
                     for (uint64_t s = b; s < e && out.size() < limit; s++) {
                       int ref = -1;
                       for (size_t m = 0; m < mirrors.size(); m++) {
                         if (BadIn(bad, m, s, s + 1)) continue;
                         if (ref < 0) {
                           ref = (int)m;
                         } else if (got[m] != got[ref]) {
                           out.push_back(absl::StrFormat(
                               "sector %d: disk %d holds write %d, disk %d holds write %d", s,
                               mirrors[ref]->Index(), got[ref], mirrors[m]->Index(), got[m]));
                           break;
                         }
                       }
                     }
                     return out.size() < limit;
                   }
                   for (size_t m = 1; m < mirrors.size(); m++) {
                     if (got[m] == got[0]) continue;
                     // One line per sector, as far as the limit.
                     for (uint64_t s = b; s < e && out.size() < limit; s++)
                       out.push_back(absl::StrFormat(
                           "sector %d: disk %d holds write %d, disk %d holds write %d", s,
                           mirrors[0]->Index(), got[0], mirrors[m]->Index(), got[m]));
                     break;
                   }
                   return out.size() < limit;
                 });
  }
  return out;
}

std::vector<std::string> DataOracle::LostWrites(const std::vector<const Disk*>& mirrors,
                                                uint64_t data_offset, size_t limit,
                                                const BadRanges* bad) const {
  std::vector<std::string> out;
  if (mirrors.empty()) return out;
  for (const auto& [first, ext] : floor_) {
    if (out.size() >= limit) break;
    uint64_t floor = ext.value;
    VisitMirrors(mirrors, data_offset, first, ext.end,
                 [&](uint64_t b, uint64_t e, const std::vector<uint64_t>& got) {
                   for (size_t m = 0; m < mirrors.size(); m++) {
                     if (got[m] != kStampDiscarded && got[m] >= floor) continue;
                     bool some_bad = BadIn(bad, m, b, e);
                     bool reported = false;
                     for (uint64_t s = b; s < e && out.size() < limit; s++) {
                       if (some_bad && BadIn(bad, m, s, s + 1)) continue;
                       reported = true;
                       out.push_back(absl::StrFormat(
                           "sector %d: acknowledged, flushed write %d lost on disk %d (holds %d)",
                           s, floor, mirrors[m]->Index(),
                           got[m] == kStampDiscarded ? 0 : got[m]));
                     }
                     if (reported) break;
                   }
                   return out.size() < limit;
                 });
  }
  return out;
}

namespace {

// Calls fn(b, e, copies) for pieces of [begin, end) over which the copies
// stay contiguous, leaving out the ranges in `skip`; false from fn stops.
template <typename F>
void VisitCopyPieces(const DataOracle::CopyPlacement& copies, uint64_t begin, uint64_t end,
                     const DataOracle::ArrayRanges* skip, F&& fn) {
  for (uint64_t p = begin; p < end;) {
    uint64_t len = end - p;
    std::vector<DataOracle::CopyAt> at = copies(p, &len);
    uint64_t e = std::min(end, p + std::max<uint64_t>(len, 1));
    // The parts of [p, e) outside every skipped range.
    uint64_t q = p;
    while (q < e) {
      uint64_t stop = e;
      bool skipped = false;
      if (skip)
        for (const auto& [sb, se] : *skip) {
          if (sb <= q && q < se) {
            q = std::min(se, e);
            skipped = true;
            break;
          }
          if (sb > q) stop = std::min(stop, sb);
        }
      if (skipped) continue;
      std::vector<DataOracle::CopyAt> shifted = at;
      for (auto& c : shifted) c.sector += q - p;
      if (!fn(q, stop, shifted)) return;
      q = stop;
    }
    p = e;
  }
}

}  // namespace

std::vector<std::string> DataOracle::CopyMismatches(const CopyPlacement& copies, size_t limit,
                                                    const ArrayRanges* skip) const {
  std::vector<std::string> out;
  for (const auto& [first, ext] : last_) {
    if (out.size() >= limit) break;
    if (ext.value == kDiscard) continue;
    VisitCopyPieces(copies, first, ext.end, skip,
                    [&](uint64_t b, uint64_t e, const std::vector<CopyAt>& at) {
                      if (at.size() < 2) return true;
                      StampRuns ref = at[0].disk->VisibleStamps(at[0].sector, e - b);
                      for (size_t k = 1; k < at.size(); k++) {
                        StampRuns got = at[k].disk->VisibleStamps(at[k].sector, e - b);
                        if (got == ref) continue;
                        for (uint64_t i = 0; i < e - b; i++)
                          if (got[i] != ref[i]) {
                            out.push_back(absl::StrFormat(
                                "sector %d: disk %d holds write %d, disk %d holds write %d",
                                b + i, at[0].disk->Index(), ref[i], at[k].disk->Index(), got[i]));
                            break;
                          }
                        break;
                      }
                      return out.size() < limit;
                    });
  }
  return out;
}

std::vector<std::string> DataOracle::CopyLostWrites(const CopyPlacement& copies,
                                                    size_t limit) const {
  std::vector<std::string> out;
  for (const auto& [first, ext] : floor_) {
    if (out.size() >= limit) break;
    uint64_t floor = ext.value;
    VisitCopyPieces(copies, first, ext.end, nullptr,
                    [&](uint64_t b, uint64_t e, const std::vector<CopyAt>& at) {
                      for (const CopyAt& c : at) {
                        StampRuns got = c.disk->VisibleStamps(c.sector, e - b);
                        bool reported = false;
                        got.Visit(0, e - b, [&](uint64_t rb, uint64_t, uint64_t stamp) {
                          if (reported || (stamp != kStampDiscarded && stamp >= floor)) return;
                          reported = true;
                          out.push_back(absl::StrFormat(
                              "sector %d: acknowledged, flushed write %d lost on disk %d "
                              "(holds %d)",
                              b + rb, floor, c.disk->Index(),
                              stamp == kStampDiscarded ? 0 : stamp));
                        });
                        if (reported) break;
                      }
                      return out.size() < limit;
                    });
  }
  return out;
}

std::vector<std::string> DataOracle::ReadLostWrites(const ReadAt& read, size_t limit) const {
  std::vector<std::string> out;
  for (const auto& [first, ext] : floor_) {
    for (uint64_t s = first; s < ext.end && out.size() < limit; s++) {
      uint64_t got = read(s);
      // A word no write was ever issued with is data the array made up.
      if (got >= ext.value && got < next_stamp_) continue;
      out.push_back(absl::StrFormat("sector %d: acknowledged, flushed write %d reads back as %s",
                                    s, ext.value,
                                    got < next_stamp_ ? absl::StrCat("write ", got)
                                                      : absl::StrFormat("%#x", got)));
      break;  // one line per extent
    }
    if (out.size() >= limit) break;
  }
  return out;
}

uint64_t DataOracle::StateHash() const {
  auto mix = [](uint64_t h, uint64_t w) { return MixWord(h, w); };
  uint64_t h = MixWord(MixWord(MixWord(Fnv1a("oracle"), sectors_), next_stamp_), acks_);
  h = last_.Fold(h, mix);
  h = floor_.Fold(MixWord(h, 1), mix);
  h = discarded_before_.Fold(MixWord(h, 2), mix);
  for (const Ack& a : unflushed_)
    h = MixWord(MixWord(MixWord(MixWord(h, a.index), a.stamp), a.sector), a.sectors);
  return h;
}

}  // namespace llsim
