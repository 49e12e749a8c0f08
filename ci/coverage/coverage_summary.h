// From the core's gcov counts to what `llsim coverage` reports: lines,
// branches and functions reached (hit and total), the same per function,
// the functions never entered; as coverage.json and as the summary text
// printed and kept in summary.txt.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ci/coverage/gcov_json.h"

namespace llsim {

struct HitTotal {
  uint64_t hit = 0, total = 0;
  double Percent() const { return total ? 100.0 * (double)hit / (double)total : 0.0; }
};

struct FunctionReach {
  std::string name;
  int start_line = 0, end_line = 0;
  uint64_t calls = 0;
  HitTotal lines, branches;
};

struct CoverageSummary {
  HitTotal lines, branches, functions;  // a branch is hit when taken at least once
  std::vector<FunctionReach> per_function;  // by start line
  std::vector<std::string> never_entered;   // by start line
};

// What ran: printed with the figures so a summary names its campaign.
struct CoverageRun {
  std::string core_name, core_source, core_sha256;
  uint64_t cases = 0, seed = 0;
  std::string campaign_report;  // relative to the coverage directory
};

CoverageSummary Summarize(const FileCoverage& f);
std::string CoverageJson(const CoverageSummary& s, const CoverageRun& run);
std::string SummaryText(const CoverageSummary& s, const CoverageRun& run);

}  // namespace llsim
