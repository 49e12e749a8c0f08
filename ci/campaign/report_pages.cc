// report.md, report.html and signatures.txt; see report_pages.h.
#include "ci/campaign/report_pages.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "models/oracle/chunk_model.h"

namespace llsim {

namespace {

std::string ShardText(const CampaignReport& r) {
  std::vector<std::string> s;
  for (const Shard& sh : r.shards) s.push_back(sh.ToString());
  return absl::StrJoin(s, ", ");
}

std::string Budget(const CampaignReport& r) {
  std::string b;
  if (r.case_budget) b = absl::StrCat(r.case_budget, " cases");
  if (r.seconds_budget > 0)
    absl::StrAppend(&b, b.empty() ? "" : ", at most ", absl::StrFormat("%g s", r.seconds_budget));
  return b.empty() ? "none" : b;
}

std::string Totals(const CampaignReport& r) {
  return absl::StrFormat(
      "%d cases run (%d failing), %d operations, %d events, %d crashes injected, "
      "%d resyncs and %d recoveries verified, %d process deaths",
      r.cases_run, r.failing_cases, r.operations, r.events, r.crashes_injected,
      r.resyncs_verified, r.recoveries_verified, r.process_deaths);
}

std::string Shrunk(const SignatureEntry& e) {
  if (!e.shrunk_trace.empty()) return absl::StrCat(e.shrunk_ops, " of ", e.original_ops, " ops");
  return e.shrink_note.empty() ? "not shrunk" : e.shrink_note;
}

std::string Md(std::string s) {
  return absl::StrReplaceAll(s, {{"|", "\\|"}, {"\n", " "}, {"`", "'"}});
}

std::string Html(const std::string& s) {
  return absl::StrReplaceAll(s, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}});
}

}  // namespace

std::string ReportMarkdown(const CampaignReport& r) {
  std::string o = "# llsim campaign report\n\n";
  absl::StrAppend(&o, "- core: `", r.core_name, "` (", r.core_source, "), sha256 `", r.core_sha256,
                  "`\n");
  absl::StrAppend(&o, "- seed ", r.space.seed, ", profile ", r.space.profile,
                  r.space.level == "1" ? "" : ", level " + r.space.level, ", max_ops ",
                  r.space.max_ops, ", shard(s) ", ShardText(r), ", budget ", Budget(r), "\n");
  absl::StrAppend(&o, "- ", Totals(r), "\n");
  absl::StrAppend(&o, absl::StrFormat("- %d jobs, %.1f s (cases %.1f s)%s; shrinking: %s\n",
                                      r.jobs, r.elapsed_seconds, r.case_seconds,
                                      r.interrupted ? ", INTERRUPTED (partial results)" : "",
                                      r.shrinking));
  absl::StrAppend(&o, "- ", r.signatures.size(), " signatures, ", r.NewSignatures(), " new\n");
  if (!r.line_coverage_page.empty())
    absl::StrAppend(&o, "- lines of the core these cases reached: ", r.line_coverage_page, "\n");
  o += "\n";
  if (!r.signatures.empty()) {
    o += "| new | property | count | first case | shrunk | trace | signature |\n";
    o += "| --- | --- | --- | --- | --- | --- | --- |\n";
    for (const SignatureEntry* e : r.Ordered()) {
      std::string trace = !e->shrunk_trace.empty() ? e->shrunk_trace : e->case_trace;
      absl::StrAppend(&o, "| ", e->known ? "known" : "**new**", " | ", e->property, " | ",
                      e->count, " | ", e->first_case, " (", e->first_profile, ") | ",
                      Md(Shrunk(*e)), " | ", trace.empty() ? "" : "`" + trace + "`", " | `",
                      Md(e->signature), "` |\n");
    }
    o += "\n## Examples\n";
    for (const SignatureEntry* e : r.Ordered()) {
      absl::StrAppend(&o, "\n### ", e->id, e->known ? " (known)" : " (new)", "\n\n```\n",
                      e->example, "\n```\n");
      std::string trace = !e->shrunk_trace.empty() ? e->shrunk_trace : e->case_trace;
      if (!trace.empty()) absl::StrAppend(&o, "\nreplay: `llsim replay ", trace, "`\n");
    }
  }
  absl::StrAppend(&o, "\n## State x action coverage (", r.coverage.Covered(), " of ",
                  CoverageMatrix::PossibleCells(), " table cells)\n\n| state |");
  for (int a = 0; a < kChunkActions; a++)
    absl::StrAppend(&o, " ", ChunkActionName((ChunkAction)a), " |");
  o += "\n| --- |";
  for (int a = 0; a < kChunkActions; a++) o += " --- |";
  o += "\n";
  for (int s = 0; s < kChunkStates; s++) {
    absl::StrAppend(&o, "| ", ChunkStateName(s), " |");
    for (int a = 0; a < kChunkActions; a++)
      absl::StrAppend(&o, " ",
                      CoverageMatrix::Possible(s, a) ? absl::StrCat(r.coverage.hits[s][a]) : ".",
                      " |");
    o += "\n";
  }
  o += "\n## Hooks and md features reached (cases' sum)\n\n| hook or feature | times |\n| --- | --- |\n";
  for (const auto& [name, n] : r.reach.Rows())
    absl::StrAppend(&o, "| ", name, " | ", n ? absl::StrCat(n) : "**never**", " |\n");
  return o;
}

std::string ReportHtml(const CampaignReport& r) {
  std::string o = R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>llsim campaign report</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em} h2{font-size:1.15em;margin-top:1.5em}
table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #ccc;padding:3px 6px;vertical-align:top;text-align:left}
th{background:#f0f0f0} td.num{text-align:right}
tr.new td:first-child{color:#b00;font-weight:bold}
code,pre{font:12px/1.3 monospace} pre{background:#f7f7f7;padding:6px;white-space:pre-wrap;margin:0}
td.cell{text-align:right;min-width:3em} td.na{background:#eee;color:#999;text-align:center} td.never{background:#fdd}
.summary span{display:inline-block;margin-right:1.5em}
</style></head><body>
<h1>llsim campaign report</h1>
)";
  absl::StrAppend(&o, "<p class=\"summary\"><span>core <code>", Html(r.core_name), "</code> (",
                  Html(r.core_source), ")</span><span>sha256 <code>", Html(r.core_sha256),
                  "</code></span></p>\n");
  absl::StrAppend(&o, "<p class=\"summary\"><span>seed ", r.space.seed, "</span><span>profile ",
                  Html(r.space.profile), "</span><span>shard(s) ", ShardText(r),
                  "</span><span>budget ", Html(Budget(r)), "</span><span>",
                  r.jobs, " jobs, ", absl::StrFormat("%.1f", r.elapsed_seconds),
                  " s</span><span>shrinking: ", Html(r.shrinking), "</span></p>\n");
  if (r.interrupted) o += "<p><b>Interrupted: partial results.</b></p>\n";
  absl::StrAppend(&o, "<p id=\"totals\">", Html(Totals(r)), "</p>\n");
  if (!r.line_coverage_page.empty())
    absl::StrAppend(&o, "<p id=\"line-coverage\"><a href=\"", Html(r.line_coverage_page),
                    "\">Lines, branches and functions of the core these cases reached</a></p>\n");
  absl::StrAppend(&o, "<h2 id=\"failures\">", r.signatures.size(), " signatures, ",
                  r.NewSignatures(), " new</h2>\n");
  if (!r.signatures.empty()) {
    o += "<table><tr><th></th><th>property</th><th>count</th><th>first case</th><th>shrunk</th>"
         "<th>signature and example</th></tr>\n";
    for (const SignatureEntry* e : r.Ordered()) {
      std::string trace = !e->shrunk_trace.empty() ? e->shrunk_trace : e->case_trace;
      absl::StrAppend(&o, "<tr class=\"", e->known ? "known" : "new", "\"><td>",
                      e->known ? "known" : "new", "</td><td>", Html(e->property),
                      "</td><td class=\"num\">", e->count, "</td><td class=\"num\">",
                      e->first_case, " (", Html(e->first_profile), ")</td><td>",
                      Html(Shrunk(*e)),
                      trace.empty() ? "" : "<br><a href=\"" + Html(trace) + "\">" + Html(trace) + "</a>",
                      "</td><td><code>", Html(e->signature), "</code><pre>", Html(e->example),
                      "</pre></td></tr>\n");
    }
    o += "</table>\n";
  }
  uint64_t top = 1;
  for (const auto& row : r.coverage.hits)
    for (uint64_t h : row) top = std::max(top, h);
  absl::StrAppend(&o, "<h2 id=\"coverage\">State x action coverage: ", r.coverage.Covered(),
                  " of ", CoverageMatrix::PossibleCells(), " table cells</h2>\n<table><tr><th>state</th>");
  for (int a = 0; a < kChunkActions; a++)
    absl::StrAppend(&o, "<th>", ChunkActionName((ChunkAction)a), "</th>");
  o += "</tr>\n";
  for (int s = 0; s < kChunkStates; s++) {
    absl::StrAppend(&o, "<tr><th>", ChunkStateName(s), "</th>");
    for (int a = 0; a < kChunkActions; a++) {
      if (!CoverageMatrix::Possible(s, a)) {
        o += "<td class=\"na\">.</td>";
        continue;
      }
      uint64_t h = r.coverage.hits[s][a];
      // Shade by order of magnitude; a possible cell never hit stands out.
      int shade = h ? 235 - (int)(120.0 * std::log10((double)h + 1) / std::log10((double)top + 1)) : 0;
      std::string bg = h ? absl::StrFormat("rgb(%d,%d,255)", shade, shade) : "#fdd";
      absl::StrAppend(&o, "<td class=\"cell\" style=\"background:", bg, "\">", h, "</td>");
    }
    o += "</tr>\n";
  }
  o += "</table>\n<p>Pink: a table cell no case reached. Grey: no such cell in the table.</p>\n";
  o += "<h2 id=\"reach\">Hooks and md features reached</h2>\n<table><tr><th>hook or "
       "feature</th><th>times</th></tr>\n";
  for (const auto& [name, n] : r.reach.Rows())
    absl::StrAppend(&o, "<tr><td>", Html(name), "</td>",
                    n ? absl::StrCat("<td>", n, "</td>") : std::string("<td class=\"never\">never</td>"),
                    "</tr>\n");
  o += "</table>\n<p>A hook or feature never reached is a blind spot: no property sees into it.</p>\n"
       "</body></html>\n";
  return o;
}

std::string SignatureList(const CampaignReport& r) {
  std::string o = absl::StrCat("# llsim campaign signatures: core ", r.core_name, " ",
                               r.core_sha256, ", seed ", r.space.seed, ", profile ",
                               r.space.profile, ", ", r.cases_run, " cases\n");
  for (const auto& [sig, e] : r.signatures)
    absl::StrAppend(&o, sig, "  # ", e.count, " cases, first ", e.first_case, "\n");
  return o;
}

}  // namespace llsim
