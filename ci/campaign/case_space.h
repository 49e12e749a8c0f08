// The case space of a campaign: case i is a pure function of (seed,
// profile, max_ops, i), so what a case finds does not depend on --jobs, on
// which worker ran it, or on the cases around it. `--profile all` cycles
// swarm, resize, resync and recovery by case index. A shard I/N runs the
// cases with i % N == I, so N shards together run each case once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "properties/generators.h"
#include "traces/scenario.h"

namespace llsim {

struct Shard {
  int index = 0, count = 1;
  bool Holds(uint64_t i) const { return i % (uint64_t)count == (uint64_t)index; }
  std::string ToString() const { return std::to_string(index) + "/" + std::to_string(count); }
};

// "I/N" with 0 <= I < N.
absl::StatusOr<Shard> ParseShard(const std::string& text);

struct CaseSpace {
  uint64_t seed = 1;
  std::string profile = "all";  // or one of the generator's profiles
  int max_ops = 24;
  std::string strategy;          // empty: the generator picks per case
  std::string disk_order = "relaxed";
  std::string level = "1";       // "1", "10" or "mix" (llsim run --level)

  std::vector<std::string> Profiles() const;
  std::string ProfileOf(uint64_t i) const;
  Scenario ScenarioOf(uint64_t i) const;
};

bool ValidCampaignProfile(const std::string& p);

}  // namespace llsim
