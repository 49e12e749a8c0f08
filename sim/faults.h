// The fault model: one place decides every IO error, whole-disk failure and
// latency (including rare long stalls), from the faults random stream.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "sim/clock.h"
#include "sim/rng.h"

namespace llsim {

enum class IoOp : uint8_t { kRead, kWrite, kFlush, kDiscard };
const char* IoOpName(IoOp op);

struct FaultRule {
  int disk = -1;  // -1: every disk
  bool reads = true;
  bool writes = true;  // writes and discards
  uint64_t first_sector = 0;
  uint64_t last_sector = ~0ull;  // inclusive
  uint32_t per_million = 1000000;
  int error = -5;  // -EIO
  bool once = false;
  // A latent sector error: a write that lands on part of the range
  // rewrites those sectors (the drive remaps them), and they read again.
  bool heal_on_write = false;
  // A torn write: it fails, but the first half of its sectors (at least
  // one) reached the cache. Only byte (metadata) writes tear.
  bool torn = false;
};

struct LatencyModel {
  Nanos min = 20 * 1000;
  Nanos max = 400 * 1000;
  // Rare stalls: an IO held for `stall` (longer than the bitmap daemon's
  // waits), so code that must survive a slow member is exercised.
  uint32_t stall_per_million = 0;
  Nanos stall = 30 * kNsPerSec;
};

class FaultPlan {
 public:
  void AddRule(FaultRule r) { rules_.push_back(r); }
  void ClearRules() { rules_.clear(); }
  void ClearRulesFor(int disk) {
    std::erase_if(rules_, [&](const FaultRule& r) { return r.disk == disk; });
  }
  void FailDisk(int disk) { failed_.insert(disk); }
  void ReviveDisk(int disk) { failed_.erase(disk); }
  bool DiskFailed(int disk) const { return failed_.count(disk) != 0; }
  LatencyModel& Latency() { return latency_; }

  // The error an IO gets (0 for none); `why` says which rule fired.
  int Decide(int disk, IoOp op, uint64_t sector, uint32_t sectors, Rng& rng, std::string* why,
             bool* torn = nullptr);
  Nanos PickLatency(Rng& rng, bool* stalled);

 private:
  // A successful write over [first, last] on `disk` heals that much of
  // every latent error rule it overlaps.
  void Heal(int disk, uint64_t first, uint64_t last);

  std::vector<FaultRule> rules_;
  std::set<int> failed_;
  LatencyModel latency_;
};

}  // namespace llsim
