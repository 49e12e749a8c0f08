// `llsim coverage`: which lines, branches and functions of the core a
// campaign reaches. Runs a campaign (ci/campaign) with the core's gcov
// counters going to DIR/gcda, then reads them with gcov and writes
// DIR/coverage.json, DIR/summary.txt, DIR/core.annotated.txt and
// DIR/core.html, the campaign's report under DIR/campaign linking to them.
// Works only in a build configured with -DLLSIM_COVERAGE=ON; anywhere else
// it says so in one line. The CLI's main file parses the flags and hands
// their values here.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace llsim {

struct CoverageFlags {
  std::set<std::string> given;  // flags named on the command line
  int cases = 100;
  uint64_t seed = 1;
  int jobs = 0;         // 0: one per core
  std::string out;      // empty: the build tree's coverage/ directory
  double watchdog = 60;
  bool progress = true;
};

// The directory `--out` defaults to (in the build tree, outside the sources).
std::string DefaultCoverageOut();

// args: what follows "coverage" (nothing is accepted). Exit codes: 0 the
// coverage report was written, 2 bad input or no instrumentation, 1 the
// campaign ran but its counters could not be read.
int CoverageCommand(const std::vector<std::string>& args, const CoverageFlags& f);

}  // namespace llsim
