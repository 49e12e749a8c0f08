// The `llsim explore` command line: checks the bounds (bad input is one
// line and exit 2), spreads the workloads of this shard over worker
// processes, adds up what they explored and prints a certificate, or the
// first counterexample as a trace. The CLI's main file parses the flags.
#pragma once

#include <set>
#include <string>

#include "ci/explore/explore_bounds.h"

namespace llsim {

struct ExploreFlags {
  std::set<std::string> given;
  int ops = 2;
  std::string alphabet, crash_points = "io", shard, known, json, out = "llsim-failures";
  int chunks = 8, members = 2, preemptions = 1, subset_cap = 6;
  int after_crash_preemptions = 0;
  bool dedup = true;
  bool sleep_sets = true;
  int pct = 0, pct_depth = 2;
  uint64_t seed = 1;
  int jobs = 0;  // 0: one per core
  double watchdog = 60;
  bool progress = true;
};

// Exit codes: 0 certificate, 1 counterexample, 2 bad input.
int ExploreCommand(const ExploreFlags& f);

// Checks the flags and builds the bounds (exposed for tests).
absl::StatusOr<ExploreBounds> BoundsFromFlags(const ExploreFlags& f);

}  // namespace llsim
