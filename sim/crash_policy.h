// What a crash does to writes that were not yet durable: keep, drop, or
// tear them (some logical blocks reach the media, others do not). Random
// policies draw from the crash stream; a scripted policy takes one explicit
// decision per write so an explorer can enumerate them all.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/rng.h"

namespace llsim {

struct PendingWriteInfo {
  int disk = 0;
  uint64_t io_id = 0;
  uint64_t sector = 0;
  uint32_t blocks = 0;  // logical blocks
  bool completed = false;  // in the volatile cache (true) or still in flight
  bool preflush = false;   // in flight with PREFLUSH: its flush may have run
  // Dropping it leaves the same media as whatever else the policy decides
  // for it: its payload is what the media holds there, as is that of every
  // pending write overlapping it, and a flush it carries covers nothing
  // not yet durable, or the same writes as the flush of an earlier such
  // write that is asked about. A scripted policy drops it without spending
  // a decision on it (the explorer's subsets range over the rest).
  bool redundant = false;
};

struct CrashDecision {
  enum Verdict : uint8_t { kKeep, kDrop, kTear } verdict = kDrop;
  std::vector<bool> kept_blocks;  // kTear only: one flag per logical block

  static CrashDecision Keep() { return {kKeep, {}}; }
  static CrashDecision Drop() { return {kDrop, {}}; }
  static CrashDecision Tear(std::vector<bool> kept) { return {kTear, std::move(kept)}; }
  std::string ToString() const;
};

class CrashPolicy {
 public:
  virtual ~CrashPolicy() = default;
  virtual std::string Name() const = 0;
  virtual CrashDecision Decide(const PendingWriteInfo& w) = 0;
};

std::unique_ptr<CrashPolicy> MakeKeepAllPolicy();
std::unique_ptr<CrashPolicy> MakeDropAllPolicy();
// Each write kept with keep_pct %, torn with tear_pct % (multi-block writes
// only), else dropped.
std::unique_ptr<CrashPolicy> MakeRandomCrashPolicy(Rng rng, unsigned keep_pct = 50,
                                                   unsigned tear_pct = 20);
// One decision per write in the order the disks present them; writes past
// the script are dropped.
std::unique_ptr<CrashPolicy> MakeScriptedCrashPolicy(std::vector<CrashDecision> script);

// "keep", "drop", "random" or "random:<keep%>:<tear%>".
absl::StatusOr<std::unique_ptr<CrashPolicy>> MakeCrashPolicy(const std::string& spec, Rng rng);

}  // namespace llsim
