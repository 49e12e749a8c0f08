// Coverage figures, coverage.json and summary.txt; see coverage_summary.h.
#include "ci/coverage/coverage_summary.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "ci/campaign/report_json.h"

namespace llsim {

namespace {

void Add(HitTotal* t, bool hit) {
  t->total++;
  if (hit) t->hit++;
}

std::string Json(const HitTotal& t) {
  return absl::StrFormat("{\"hit\": %d, \"total\": %d, \"percent\": %.1f}", t.hit, t.total,
                         t.Percent());
}

std::string Line(const char* what, const HitTotal& t) {
  return absl::StrFormat("  %-10s %5d of %5d  %5.1f%%\n", what, t.hit, t.total, t.Percent());
}

}  // namespace

CoverageSummary Summarize(const FileCoverage& f) {
  CoverageSummary s;
  for (const FunctionCount& fn : f.functions) {
    FunctionReach r{fn.name, fn.start_line, fn.end_line, fn.calls, {}, {}};
    s.per_function.push_back(r);
    Add(&s.functions, fn.calls > 0);
    if (!fn.calls) s.never_entered.push_back(fn.name);
  }
  for (const LineCount& l : f.lines) {
    Add(&s.lines, l.count > 0);
    for (uint64_t b : l.branches) Add(&s.branches, b > 0);
    // Functions do not nest in C: the one whose span holds the line.
    for (FunctionReach& r : s.per_function) {
      if (l.line < r.start_line || l.line > r.end_line) continue;
      Add(&r.lines, l.count > 0);
      for (uint64_t b : l.branches) Add(&r.branches, b > 0);
      break;
    }
  }
  return s;
}

std::string CoverageJson(const CoverageSummary& s, const CoverageRun& run) {
  std::string o = "{\n  \"llsim_coverage\": 1,\n";
  absl::StrAppend(&o, "  \"core\": {\"name\": ", JsonQuote(run.core_name), ", \"source\": ",
                  JsonQuote(run.core_source), ", \"sha256\": ", JsonQuote(run.core_sha256), "},\n");
  absl::StrAppend(&o, "  \"campaign\": {\"cases\": ", run.cases, ", \"seed\": ", run.seed,
                  ", \"report\": ", JsonQuote(run.campaign_report), "},\n");
  absl::StrAppend(&o, "  \"lines\": ", Json(s.lines), ",\n  \"branches\": ", Json(s.branches),
                  ",\n  \"functions\": ", Json(s.functions), ",\n");
  std::vector<std::string> fns;
  for (const FunctionReach& r : s.per_function)
    fns.push_back(absl::StrCat("    {\"name\": ", JsonQuote(r.name), ", \"start_line\": ",
                               r.start_line, ", \"end_line\": ", r.end_line, ", \"calls\": ",
                               r.calls, ", \"lines\": ", Json(r.lines), ", \"branches\": ",
                               Json(r.branches), "}"));
  absl::StrAppend(&o, "  \"per_function\": [\n", absl::StrJoin(fns, ",\n"),
                  fns.empty() ? "" : "\n", "  ],\n");
  std::vector<std::string> never;
  for (const std::string& n : s.never_entered) never.push_back(JsonQuote(n));
  absl::StrAppend(&o, "  \"never_entered\": [", absl::StrJoin(never, ", "), "]\n}\n");
  return o;
}

std::string SummaryText(const CoverageSummary& s, const CoverageRun& run) {
  std::string o = absl::StrFormat("llsim coverage: core %s (%s), %d cases, seed %d\n",
                                  run.core_name, run.core_source, run.cases, run.seed);
  o += Line("lines", s.lines) + Line("branches", s.branches) + Line("functions", s.functions);
  absl::StrAppend(&o, "  never entered (", s.never_entered.size(), "): ",
                  s.never_entered.empty() ? "none" : absl::StrJoin(s.never_entered, ", "), "\n");
  return o;
}

}  // namespace llsim
