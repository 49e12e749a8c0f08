// The `llsim campaign` command line: checks the flags (bad input is one
// line and exit 2), runs a campaign, merges shard reports, or rechecks a
// report's sampled event hashes. The CLI's main file parses the flags and
// hands their values here, so this layer does not own the flags.
#pragma once

#include <set>
#include <string>
#include <vector>

namespace llsim {

struct CampaignFlags {
  std::set<std::string> given;  // flags named on the command line
  int cases = 100;
  double seconds = 0;
  uint64_t seed = 1;
  int jobs = 0;  // 0: one per core
  std::string shard, profile = "all", known, out, strategy, disk_order = "relaxed";
  std::string level = "1";
  int max_ops = 24;
  double watchdog = 60;
  bool progress = true;
};

// args: what follows "campaign" ("merge DIR...", "recheck DIR" or nothing).
// Exit codes: 0 no new failure, 1 new failures (recheck: a hash differs),
// 2 bad input.
int CampaignCommand(const std::vector<std::string>& args, const CampaignFlags& f);

}  // namespace llsim
