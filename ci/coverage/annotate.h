// The core's source annotated with its counts, for reading which code a
// campaign reached: core.annotated.txt (gcov's layout: count, line number,
// source; "#####" for code never run; a line per branch under the line it
// leaves) and core.html (the same as one self-contained page, lines never
// run and branches never taken marked, never-entered functions listed,
// and a table of the functions that ran but left lines or branches behind).
#pragma once

#include <string>

#include "ci/coverage/coverage_summary.h"
#include "ci/coverage/gcov_json.h"

namespace llsim {

std::string AnnotatedText(const std::string& source, const FileCoverage& f);
std::string AnnotatedHtml(const std::string& source, const FileCoverage& f,
                          const CoverageSummary& s, const CoverageRun& run);

}  // namespace llsim
