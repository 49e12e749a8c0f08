// The campaign's case space; see case_space.h.
#include "ci/campaign/case_space.h"

#include <rapidcheck.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace llsim {

namespace {
const std::vector<std::string> kAllProfiles = {"swarm", "resize", "resync", "recovery", "race"};
}

absl::StatusOr<Shard> ParseShard(const std::string& text) {
  std::vector<std::string> p = absl::StrSplit(text, '/');
  Shard s;
  if (p.size() != 2 || !absl::SimpleAtoi(p[0], &s.index) || !absl::SimpleAtoi(p[1], &s.count) ||
      s.count < 1 || s.index < 0 || s.index >= s.count)
    return absl::InvalidArgumentError(
        absl::StrCat("--shard '", text, "' must be I/N with 0 <= I < N (e.g. 0/4)"));
  return s;
}

bool ValidCampaignProfile(const std::string& p) { return p == "all" || ValidProfile(p); }

std::vector<std::string> CaseSpace::Profiles() const {
  return profile == "all" ? kAllProfiles : std::vector<std::string>{profile};
}

std::string CaseSpace::ProfileOf(uint64_t i) const {
  return profile == "all" ? kAllProfiles[i % kAllProfiles.size()] : profile;
}

Scenario CaseSpace::ScenarioOf(uint64_t i) const {
  GenOptions g;
  g.max_ops = max_ops;
  g.strategy = strategy;
  g.disk_order = disk_order;
  g.profile = ProfileOf(i);
  g.level = level == "mix" ? 0 : level == "10" ? 10 : level == "4" ? 4 : level == "5" ? 5
          : level == "6" ? 6 : 1;
  // One independent stream per case, as `llsim bench` draws them.
  rc::Random rnd(seed * 1000003 + i);
  return GenScenario(g)(rnd, 50).value();
}

}  // namespace llsim
