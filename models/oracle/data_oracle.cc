// The data oracle; see data_oracle.h.
#include "models/oracle/data_oracle.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "sim/disk.h"

namespace llsim {

DataOracle::DataOracle(uint64_t sectors) : last_(sectors, 0), floor_(sectors, 0) {}

uint64_t DataOracle::IssueWrite(uint64_t sector, uint32_t n) { return next_stamp_++; }

void DataOracle::WriteReachedDisk(uint64_t stamp, uint64_t sector, uint32_t n) {
  for (uint64_t s = sector; s < sector + n && s < last_.size(); s++)
    if (last_[s] == kDiscard || last_[s] < stamp) last_[s] = stamp;
}

void DataOracle::AckWrite(uint64_t stamp, uint64_t sector, uint32_t n, bool fua) {
  Ack a{++acks_, stamp, sector, n};
  if (fua)
    MakeDurable(a);
  else
    unflushed_.push_back(a);
}

void DataOracle::IssueDiscard(uint64_t sector, uint32_t n) {
  for (uint64_t s = sector; s < sector + n && s < last_.size(); s++) {
    last_[s] = kDiscard;
    floor_[s] = 0;
  }
}

void DataOracle::MakeDurable(const Ack& a) {
  for (uint64_t s = a.sector; s < a.sector + a.sectors && s < floor_.size(); s++)
    // A discard issued after this write cleared the sector's history.
    if (last_[s] != kDiscard && last_[s] >= a.stamp) floor_[s] = std::max(floor_[s], a.stamp);
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
  last_.resize(sectors, 0);
  floor_.resize(sectors, 0);
}

std::vector<std::string> DataOracle::MirrorMismatches(const std::vector<const Disk*>& mirrors,
                                                      uint64_t data_offset, size_t limit) const {
  std::vector<std::string> out;
  if (mirrors.size() < 2) return out;
  for (uint64_t s = 0; s < last_.size() && out.size() < limit; s++) {
    if (!Written(s)) continue;
    uint64_t want = mirrors[0]->VisibleStamp(data_offset + s);
    for (size_t m = 1; m < mirrors.size(); m++) {
      uint64_t got = mirrors[m]->VisibleStamp(data_offset + s);
      if (got != want) {
        out.push_back(absl::StrFormat("sector %d: disk %d holds write %d, disk %d holds write %d",
                                      s, mirrors[0]->Index(), want, mirrors[m]->Index(), got));
        break;
      }
    }
  }
  return out;
}

std::vector<std::string> DataOracle::LostWrites(const std::vector<const Disk*>& mirrors,
                                                uint64_t data_offset, size_t limit) const {
  std::vector<std::string> out;
  for (uint64_t s = 0; s < floor_.size() && out.size() < limit; s++) {
    if (!floor_[s]) continue;
    for (const Disk* d : mirrors) {
      uint64_t got = d->VisibleStamp(data_offset + s);
      if (got == kStampDiscarded || got < floor_[s]) {
        out.push_back(absl::StrFormat(
            "sector %d: acknowledged, flushed write %d lost on disk %d (holds %d)", s,
            floor_[s], d->Index(), got == kStampDiscarded ? 0 : got));
        break;
      }
    }
  }
  return out;
}

}  // namespace llsim
