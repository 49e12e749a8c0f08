// The fault model; see faults.h.
#include "sim/faults.h"

#include "absl/strings/str_format.h"

namespace llsim {

const char* IoOpName(IoOp op) {
  switch (op) {
    case IoOp::kRead: return "read";
    case IoOp::kWrite: return "write";
    case IoOp::kFlush: return "flush";
    case IoOp::kDiscard: return "discard";
  }
  return "?";
}

int FaultPlan::Decide(int disk, IoOp op, uint64_t sector, uint32_t sectors, Rng& rng,
                      std::string* why, bool* torn) {
  if (failed_.count(disk)) {
    *why = "disk failed";
    return -5;
  }
  for (size_t i = 0; i < rules_.size(); i++) {
    FaultRule& r = rules_[i];
    if (r.disk >= 0 && r.disk != disk) continue;
    bool is_read = op == IoOp::kRead;
    if ((is_read && !r.reads) || (!is_read && !r.writes)) continue;
    if (op == IoOp::kFlush) continue;
    uint64_t last = sector + (sectors ? sectors - 1 : 0);
    if (last < r.first_sector || sector > r.last_sector) continue;
    if (r.per_million < 1000000 && !rng.Chance(r.per_million, 1000000)) continue;
    *why = absl::StrFormat("rule %d (%s %d..%d)", i, IoOpName(op), r.first_sector,
                           r.last_sector);
    int err = r.error;
    if (torn && r.torn && op == IoOp::kWrite) {
      *torn = true;
      *why += " torn";
    }
    if (r.once) rules_.erase(rules_.begin() + i);
    return err;
  }
  if (op == IoOp::kWrite && sectors) Heal(disk, sector, sector + sectors - 1);
  return 0;
}

void FaultPlan::Heal(int disk, uint64_t first, uint64_t last) {
  std::vector<FaultRule> out;
  bool changed = false;
  for (const FaultRule& r : rules_) {
    if (!r.heal_on_write || r.disk != disk || last < r.first_sector || first > r.last_sector) {
      out.push_back(r);
      continue;
    }
    changed = true;
    // What the write did not cover stays bad: a head and a tail, in order.
    if (r.first_sector < first) {
      FaultRule head = r;
      head.last_sector = first - 1;
      out.push_back(head);
    }
    if (r.last_sector > last) {
      FaultRule tail = r;
      tail.first_sector = last + 1;
      out.push_back(tail);
    }
  }
  if (changed) rules_ = std::move(out);
}

Nanos FaultPlan::PickLatency(Rng& rng, bool* stalled) {
  *stalled = latency_.stall_per_million && rng.Chance(latency_.stall_per_million, 1000000);
  if (*stalled) return latency_.stall;
  return rng.Between(latency_.min, latency_.max);
}

}  // namespace llsim
