// Annotated copies of the core source; see annotate.h.
#include "ci/coverage/annotate.h"

#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

namespace llsim {

namespace {

std::vector<std::string> SourceLines(const std::string& source) {
  std::vector<std::string> v = absl::StrSplit(source, '\n');
  if (!v.empty() && v.back().empty()) v.pop_back();
  return v;
}

std::map<int, const LineCount*> ByLine(const FileCoverage& f) {
  std::map<int, const LineCount*> m;
  for (const LineCount& l : f.lines) m[l.line] = &l;
  return m;
}

std::map<int, const FunctionCount*> FunctionsByStart(const FileCoverage& f) {
  std::map<int, const FunctionCount*> m;
  for (const FunctionCount& fn : f.functions) m.emplace(fn.start_line, &fn);
  return m;
}

std::string Html(const std::string& s) {
  return absl::StrReplaceAll(s, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}});
}

}  // namespace

std::string AnnotatedText(const std::string& source, const FileCoverage& f) {
  std::string o = absl::StrCat(
      "        -:    0:Source:", f.file,
      "\n        -:    0:Counts: times each line ran; ##### code never run, - no code;\n"
      "        -:    0:        each branch out of a line follows it (taken N / never taken)\n");
  auto lines = ByLine(f);
  auto starts = FunctionsByStart(f);
  std::vector<std::string> src = SourceLines(source);
  for (size_t i = 0; i < src.size(); i++) {
    int n = (int)i + 1;
    if (auto fn = starts.find(n); fn != starts.end())
      absl::StrAppend(&o, "function ", fn->second->name, " called ", fn->second->calls,
                      fn->second->calls ? "\n" : " (never entered)\n");
    auto it = lines.find(n);
    std::string count = it == lines.end()         ? "-"
                        : it->second->count == 0 ? "#####"
                                                 : absl::StrCat(it->second->count);
    absl::StrAppend(&o, absl::StrFormat("%9s:%5d:", count, n), src[i], "\n");
    if (it == lines.end()) continue;
    for (size_t b = 0; b < it->second->branches.size(); b++) {
      uint64_t c = it->second->branches[b];
      absl::StrAppend(&o, absl::StrFormat("branch %2d ", b),
                      c ? absl::StrCat("taken ", c) : std::string("never taken"), "\n");
    }
  }
  return o;
}

std::string AnnotatedHtml(const std::string& source, const FileCoverage& f,
                          const CoverageSummary& s, const CoverageRun& run) {
  std::string o = R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>llsim coverage of the core</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em} table{border-collapse:collapse}
td{padding:0 6px;vertical-align:top;font:12px/1.35 monospace;white-space:pre}
td.n,td.c{text-align:right;color:#777} td.b{color:#555}
tr.miss td{background:#fdd} tr.miss td.c{color:#b00;font-weight:bold}
td.b.part{background:#fec} tr.fn td{border-top:1px solid #ccc}
th{text-align:left;padding:0 6px} details{margin:.5em 0}
.summary span{display:inline-block;margin-right:1.5em}
</style></head><body>
<h1>llsim coverage of the core</h1>
)";
  absl::StrAppend(&o, "<p class=\"summary\"><span>core <code>", Html(run.core_name), "</code> (",
                  Html(run.core_source), ")</span><span>", run.cases, " cases, seed ", run.seed,
                  "</span>",
                  run.campaign_report.empty()
                      ? ""
                      : "<span><a href=\"" + Html(run.campaign_report) + "\">campaign report</a></span>",
                  "</p>\n");
  auto figure = [](const char* what, const HitTotal& t) {
    return absl::StrFormat("<span>%s %d of %d (%.1f%%)</span>", what, t.hit, t.total, t.Percent());
  };
  absl::StrAppend(&o, "<p class=\"summary\" id=\"figures\">", figure("lines", s.lines),
                  figure("branches", s.branches), figure("functions", s.functions), "</p>\n");
  std::vector<std::string> never;
  for (const FunctionReach& r : s.per_function)
    if (!r.calls)
      never.push_back(absl::StrCat("<a href=\"#L", r.start_line, "\">", Html(r.name), "</a>"));
  absl::StrAppend(&o, "<p id=\"never-entered\">Never entered: ",
                  never.empty() ? "none" : absl::StrJoin(never, ", "), "</p>\n");
  // Functions that ran but left lines or branches behind, where to look first.
  o += "<details><summary>Functions with lines or branches not reached</summary><table>\n"
       "<tr><th>function</th><th>calls</th><th>lines</th><th>branches</th></tr>\n";
  for (const FunctionReach& r : s.per_function) {
    if (r.lines.hit == r.lines.total && r.branches.hit == r.branches.total) continue;
    absl::StrAppend(&o, "<tr><td><a href=\"#L", r.start_line, "\">", Html(r.name),
                    "</a></td><td class=\"n\">", r.calls, "</td><td class=\"n\">",
                    r.lines.hit, "/", r.lines.total, "</td><td class=\"n\">", r.branches.hit,
                    "/", r.branches.total, "</td></tr>\n");
  }
  o += "</table></details>\n";
  o += "<p>Red: code never run. Branches: taken/total, amber when one was never taken "
       "(hover for the counts).</p>\n<table>\n";
  auto lines = ByLine(f);
  auto starts = FunctionsByStart(f);
  std::vector<std::string> src = SourceLines(source);
  for (size_t i = 0; i < src.size(); i++) {
    int n = (int)i + 1;
    auto it = lines.find(n);
    bool miss = it != lines.end() && it->second->count == 0;
    std::string cls = miss ? "miss" : "";
    if (starts.count(n)) cls += cls.empty() ? "fn" : " fn";
    std::string count = it == lines.end() ? "" : miss ? "#####" : absl::StrCat(it->second->count);
    std::string branches;
    if (it != lines.end() && !it->second->branches.empty()) {
      int taken = 0;
      std::vector<std::string> counts;
      for (uint64_t c : it->second->branches) {
        taken += c > 0;
        counts.push_back(c ? absl::StrCat(c) : std::string("never"));
      }
      bool part = taken < (int)it->second->branches.size();
      branches = absl::StrCat("<td class=\"b", part ? " part" : "", "\" title=\"branches taken: ",
                              absl::StrJoin(counts, ", "), "\">", taken, "/",
                              it->second->branches.size(), "</td>");
    } else {
      branches = "<td class=\"b\"></td>";
    }
    absl::StrAppend(&o, "<tr id=\"L", n, "\"", cls.empty() ? "" : " class=\"" + cls + "\"",
                    "><td class=\"n\">", n, "</td><td class=\"c\">", count, "</td>", branches,
                    "<td>", Html(src[i]), "</td></tr>\n");
  }
  o += "</table>\n</body></html>\n";
  return o;
}

}  // namespace llsim
