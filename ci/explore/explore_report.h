// What `llsim explore` prints and writes with --json: a certificate (the
// bounds, what was explored, the reductions on, the known signatures hit
// and how often, the core's sha256) or the first counterexample.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ci/explore/explore_bounds.h"
#include "ci/explore/explorer.h"
#include "properties/runner.h"

namespace llsim {

struct ExploreCounterexample {
  uint64_t workload = 0;
  std::string property, signature, message, how, trace_text, trace_path;
};

struct ExploreReport {
  ExploreBounds bounds;
  CoreInfo core;
  uint64_t workloads_total = 0;  // in this shard
  int jobs = 1;
  ExploreTally tally;
  double seconds = 0;
  std::vector<uint64_t> cut_short;  // workloads a known process death ended early
  std::optional<ExploreCounterexample> cx;
  bool interrupted = false;  // stopped by a signal: no certificate
};

std::string FormatExploreReport(const ExploreReport& r);
std::string ExploreReportJson(const ExploreReport& r);

// PCT's bound (Burckhardt et al. 2010): one run finds a given bug of depth
// d with probability at least 1 / (n * k^(d-1)), n fibers, k steps.
double PctRunProbability(uint64_t fibers, uint64_t steps, int depth);

}  // namespace llsim
