// report.json; see report_json.h. Written by hand (typed numbers and a
// fixed key order, so two reports diff cleanly); read with Boost's
// property tree, which is enough for a file we wrote.
#include "ci/campaign/report_json.h"

#include <fstream>
#include <sstream>

#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "models/oracle/chunk_model.h"

namespace llsim {

std::string JsonQuote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) out += absl::StrFormat("\\u%04x", c);
        else out += (char)c;
    }
  }
  return out + "\"";
}

namespace {

std::string Bool(bool b) { return b ? "true" : "false"; }

std::string QuotedList(const std::vector<std::string>& v) {
  std::vector<std::string> q;
  for (const std::string& s : v) q.push_back(JsonQuote(s));
  return "[" + absl::StrJoin(q, ", ") + "]";
}

}  // namespace

std::string ReportJson(const CampaignReport& r) {
  std::string o = "{\n  \"llsim_campaign\": 1,\n";
  absl::StrAppend(&o, "  \"core\": {\"name\": ", JsonQuote(r.core_name), ", \"sha256\": ",
                  JsonQuote(r.core_sha256), ", \"source\": ", JsonQuote(r.core_source), "},\n");
  absl::StrAppend(&o, "  \"seed\": ", r.space.seed, ",\n  \"profile\": ", JsonQuote(r.space.profile),
                  ",\n  \"profiles\": ", QuotedList(r.space.Profiles()), ",\n  \"max_ops\": ",
                  r.space.max_ops, ",\n  \"strategy\": ", JsonQuote(r.space.strategy),
                  ",\n  \"disk_order\": ", JsonQuote(r.space.disk_order), ",\n");
  // Written only for raid10 campaigns: older reports read back as raid1.
  if (r.space.level != "1") absl::StrAppend(&o, "  \"level\": ", JsonQuote(r.space.level), ",\n");
  std::vector<std::string> shards;
  for (const Shard& s : r.shards) shards.push_back(s.ToString());
  absl::StrAppend(&o, "  \"shards\": ", QuotedList(shards), ",\n");
  absl::StrAppend(&o, "  \"budget\": {\"cases\": ", r.case_budget, ", \"seconds\": ",
                  r.seconds_budget, "},\n");
  absl::StrAppend(&o, "  \"jobs\": ", r.jobs, ",\n  \"elapsed_seconds\": ",
                  absl::StrFormat("%.1f", r.elapsed_seconds), ",\n  \"case_seconds\": ",
                  absl::StrFormat("%.1f", r.case_seconds), ",\n  \"interrupted\": ",
                  Bool(r.interrupted), ",\n  \"shrinking\": ", JsonQuote(r.shrinking), ",\n");
  absl::StrAppend(&o, "  \"cases_run\": ", r.cases_run, ",\n  \"failing_cases\": ", r.failing_cases,
                  ",\n  \"operations\": ", r.operations, ",\n  \"events\": ", r.events,
                  ",\n  \"crashes_injected\": ", r.crashes_injected, ",\n  \"resyncs_verified\": ",
                  r.resyncs_verified, ",\n  \"recoveries_verified\": ", r.recoveries_verified,
                  ",\n  \"process_deaths\": ", r.process_deaths, ",\n");
  absl::StrAppend(&o, "  \"new_signatures\": ", r.NewSignatures(), ",\n  \"known_signatures\": ",
                  (int)r.signatures.size() - r.NewSignatures(), ",\n");
  o += "  \"failures\": [";
  bool first = true;
  for (const auto& [sig, e] : r.signatures) {
    o += first ? "\n" : ",\n";
    first = false;
    std::vector<std::string> skip(e.skip_before.begin(), e.skip_before.end());
    std::vector<std::string> iso_skip(e.isolated_skip.begin(), e.isolated_skip.end());
    absl::StrAppend(
        &o, "    {\"property\": ", JsonQuote(e.property), ", \"signature\": ", JsonQuote(sig),
        ", \"id\": ", JsonQuote(e.id), ", \"count\": ", e.count, ", \"first_case\": ",
        e.first_case, ", \"first_profile\": ", JsonQuote(e.first_profile), ", \"crash\": ",
        Bool(e.crash), ", \"known\": ", Bool(e.known), ", \"skip_before\": ", QuotedList(skip), ", \"isolated_case\": ",
        e.isolated_case == UINT64_MAX ? std::string("null") : absl::StrCat(e.isolated_case),
        ", \"isolated_skip\": ", QuotedList(iso_skip),
        ", \"case_trace\": ", JsonQuote(e.case_trace), ", \"shrunk_trace\": ",
        JsonQuote(e.shrunk_trace), ", \"original_ops\": ", e.original_ops, ", \"shrunk_ops\": ",
        e.shrunk_ops, ", \"shrink_note\": ", JsonQuote(e.shrink_note), ", \"example\": ",
        JsonQuote(e.example), "}");
  }
  o += first ? "],\n" : "\n  ],\n";
  o += "  \"coverage\": {\n    \"states\": [";
  std::vector<std::string> names;
  for (int s = 0; s < kChunkStates; s++) names.push_back(ChunkStateName(s));
  absl::StrAppend(&o, absl::StrJoin(names, ", ", [](std::string* out, const std::string& n) {
                    out->append(JsonQuote(n));
                  }), "],\n    \"actions\": [");
  names.clear();
  for (int a = 0; a < kChunkActions; a++) names.push_back(ChunkActionName((ChunkAction)a));
  absl::StrAppend(&o, absl::StrJoin(names, ", ", [](std::string* out, const std::string& n) {
                    out->append(JsonQuote(n));
                  }), "],\n");
  absl::StrAppend(&o, "    \"covered\": ", r.coverage.Covered(), ", \"possible\": ",
                  CoverageMatrix::PossibleCells(), ",\n    \"hits\": [");
  for (int s = 0; s < kChunkStates; s++) {
    std::vector<std::string> cells;
    for (int a = 0; a < kChunkActions; a++)
      cells.push_back(CoverageMatrix::Possible(s, a) ? absl::StrCat(r.coverage.hits[s][a])
                                                     : "null");
    absl::StrAppend(&o, s ? ",\n      " : "\n      ", "[", absl::StrJoin(cells, ", "), "]");
  }
  o += "\n    ]\n  },\n  \"reach\": {";
  bool first_row = true;
  for (const auto& [name, n] : r.reach.Rows()) {
    absl::StrAppend(&o, first_row ? "\n    " : ",\n    ", JsonQuote(name), ": ", n);
    first_row = false;
  }
  o += "\n  },\n  \"hash_samples\": {";
  first = true;
  for (const auto& [i, h] : r.hash_samples) {
    absl::StrAppend(&o, first ? "" : ", ", "\"", i, "\": ", JsonQuote(h));
    first = false;
  }
  o += "}\n}\n";
  return o;
}

namespace {

namespace pt = boost::property_tree;

template <typename T>
bool Get(const pt::ptree& t, const std::string& key, T* out) {
  auto v = t.get_optional<std::string>(key);
  if (!v) return false;
  if constexpr (std::is_same_v<T, std::string>) {
    *out = *v;
    return true;
  } else if constexpr (std::is_same_v<T, bool>) {
    *out = *v == "true";
    return *v == "true" || *v == "false";
  } else if constexpr (std::is_same_v<T, double>) {
    return absl::SimpleAtod(*v, out);
  } else {
    return absl::SimpleAtoi(*v, out);
  }
}

}  // namespace

absl::StatusOr<CampaignReport> ParseReportJson(const std::string& text, const std::string& origin) {
  pt::ptree t;
  try {
    std::istringstream in(text);
    pt::read_json(in, t);
  } catch (const pt::json_parser_error& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(origin, ":", e.line(), ": not valid JSON: ", e.message()));
  }
  auto bad = [&](const std::string& what) {
    return absl::InvalidArgumentError(
        absl::StrCat(origin, ": not an llsim campaign report (", what, ")"));
  };
  int version = 0;
  if (!Get(t, "llsim_campaign", &version) || version != 1) return bad("no \"llsim_campaign\": 1");
  CampaignReport r;
  if (!Get(t, "core.name", &r.core_name) || !Get(t, "core.sha256", &r.core_sha256))
    return bad("no core");
  Get(t, "core.source", &r.core_source);
  if (!Get(t, "seed", &r.space.seed) || !Get(t, "profile", &r.space.profile) ||
      !Get(t, "max_ops", &r.space.max_ops))
    return bad("no seed, profile or max_ops");
  Get(t, "strategy", &r.space.strategy);
  Get(t, "disk_order", &r.space.disk_order);
  Get(t, "level", &r.space.level);
  r.shards.clear();
  if (auto shards = t.get_child_optional("shards")) {
    for (const auto& [k, v] : *shards) {
      auto s = ParseShard(v.data());
      if (!s.ok()) return bad("bad shard " + v.data());
      r.shards.push_back(*s);
    }
  }
  if (r.shards.empty()) return bad("no shards");
  Get(t, "budget.cases", &r.case_budget);
  Get(t, "budget.seconds", &r.seconds_budget);
  Get(t, "jobs", &r.jobs);
  Get(t, "elapsed_seconds", &r.elapsed_seconds);
  Get(t, "case_seconds", &r.case_seconds);
  Get(t, "interrupted", &r.interrupted);
  Get(t, "shrinking", &r.shrinking);
  if (!Get(t, "cases_run", &r.cases_run)) return bad("no cases_run");
  Get(t, "failing_cases", &r.failing_cases);
  Get(t, "operations", &r.operations);
  Get(t, "events", &r.events);
  Get(t, "crashes_injected", &r.crashes_injected);
  Get(t, "resyncs_verified", &r.resyncs_verified);
  Get(t, "recoveries_verified", &r.recoveries_verified);
  Get(t, "process_deaths", &r.process_deaths);
  auto failures = t.get_child_optional("failures");
  if (!failures) return bad("no failures list");
  for (const auto& [k, f] : *failures) {
    SignatureEntry e;
    if (!Get(f, "property", &e.property) || !Get(f, "signature", &e.signature) ||
        !Get(f, "count", &e.count) || !Get(f, "first_case", &e.first_case))
      return bad("a failure without property, signature, count or first_case");
    Get(f, "id", &e.id);
    Get(f, "first_profile", &e.first_profile);
    Get(f, "crash", &e.crash);
    Get(f, "known", &e.known);
    Get(f, "case_trace", &e.case_trace);
    Get(f, "shrunk_trace", &e.shrunk_trace);
    Get(f, "original_ops", &e.original_ops);
    Get(f, "shrunk_ops", &e.shrunk_ops);
    Get(f, "shrink_note", &e.shrink_note);
    Get(f, "example", &e.example);
    if (auto skip = f.get_child_optional("skip_before"))
      for (const auto& [sk, sv] : *skip) e.skip_before.insert(sv.data());
    Get(f, "isolated_case", &e.isolated_case);
    if (auto skip = f.get_child_optional("isolated_skip"))
      for (const auto& [sk, sv] : *skip) e.isolated_skip.insert(sv.data());
    r.signatures[e.signature] = e;
  }
  if (auto hits = t.get_child_optional("coverage.hits")) {
    int s = 0;
    for (const auto& [k, row] : *hits) {
      int a = 0;
      for (const auto& [k2, cell] : row) {
        if (s < kChunkStates && a < kChunkActions) (void)absl::SimpleAtoi(cell.data(), &r.coverage.hits[s][a]);
        a++;
      }
      s++;
    }
  }
  // Row names hold no dots, so they are plain keys of the property tree.
  if (auto reach = t.get_child_optional("reach"))
    for (const auto& [k, v] : *reach) {
      uint64_t n = 0;
      if (absl::SimpleAtoi(v.data(), &n)) r.reach.Set(k, n);
    }
  if (auto samples = t.get_child_optional("hash_samples")) {
    for (const auto& [k, v] : *samples) {
      uint64_t i;
      if (absl::SimpleAtoi(k, &i)) r.hash_samples[i] = v.data();
    }
  }
  return r;
}

absl::StatusOr<CampaignReport> ReadReportJson(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open report"));
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseReportJson(ss.str(), path);
}

}  // namespace llsim
