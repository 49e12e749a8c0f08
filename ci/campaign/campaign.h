// `llsim campaign`: runs the cases of one shard of a case space, each in
// its own child process (at most `jobs` at once), records every distinct
// failure of every case under its signature, shrinks each new signature
// once, and writes the reports. Cases are dispatched in index order and
// aggregated order-independently, so the signatures, counts and shrunk
// traces depend on (core, seed, profile, budget, shard) alone.
#pragma once

#include <set>
#include <string>

#include "ci/campaign/case_space.h"
#include "ci/campaign/report.h"

namespace llsim {

struct CampaignOptions {
  CaseSpace space;
  Shard shard;
  uint64_t cases = 0;    // size of the whole case space (all shards); 0: unbounded
  double seconds = 0;    // stop dispatching after this long; 0: no time box
  int jobs = 1;
  double watchdog_seconds = 60;  // a case (or shrink run) with no result by then is killed
  int shrink_runs = 300;         // candidate runs per signature
  std::string out_dir;
  std::set<std::string> known;
  bool progress = true;
};

// Runs the campaign and writes out_dir/report.{json,md,html},
// signatures.txt and traces/. SIGINT/SIGTERM stop it: workers are killed,
// shrinking is skipped, the report of what was found is still written.
CampaignReport RunCampaign(const CampaignOptions& opts);

// Writes report.json, report.md, report.html and signatures.txt.
absl::Status WriteReports(const CampaignReport& r, const std::string& dir);

// Re-runs the sampled cases of a report in child processes and compares
// their event hashes; returns the mismatches as lines.
std::vector<std::string> RecheckHashes(const CampaignReport& r, int jobs, double watchdog_seconds);

}  // namespace llsim
