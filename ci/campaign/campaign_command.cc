// `llsim campaign`, `campaign merge`, `campaign recheck`; see
// campaign_command.h.
#include "ci/campaign/campaign_command.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ci/campaign/campaign.h"
#include "ci/campaign/known.h"
#include "ci/campaign/report_json.h"
#include "properties/runner.h"

namespace llsim {

namespace {

int Bad(const std::string& msg) {
  std::cerr << "llsim: " << msg << "\n";
  return 2;
}

int Jobs(const CampaignFlags& f) {
  if (f.jobs > 0) return f.jobs;
  unsigned n = std::thread::hardware_concurrency();
  return n ? (int)n : 1;
}

// --out: a directory we may write (created if missing).
int CheckOut(const std::string& out) {
  if (out.empty()) return Bad("campaign needs --out DIR (where the report goes)");
  std::error_code ec;
  if (std::filesystem::exists(out, ec) && !std::filesystem::is_directory(out, ec))
    return Bad(absl::StrCat("--out ", out, ": exists and is not a directory"));
  std::filesystem::create_directories(out + "/traces", ec);
  if (ec || access(out.c_str(), W_OK) != 0)
    return Bad(absl::StrCat("--out ", out, ": cannot create or write it"));
  return 0;
}

void PrintSummary(const CampaignReport& r, const std::string& out) {
  std::cout << absl::StrFormat(
      "llsim campaign: core %s (%s), seed %d, profile %s, shard %s: %d cases in %.1fs "
      "(%.1f cases/s, %d jobs), shrinking %.1fs%s\n",
      r.core_name, r.core_sha256.substr(0, 12), r.space.seed,
      r.space.level == "1" ? r.space.profile : r.space.profile + ", level " + r.space.level,
      r.shards.size() == 1 ? r.shards[0].ToString() : absl::StrCat(r.shards.size(), " shards"),
      r.cases_run, r.case_seconds, r.case_seconds > 0 ? r.cases_run / r.case_seconds : 0, r.jobs,
      std::max(0.0, r.elapsed_seconds - r.case_seconds), r.interrupted ? ", INTERRUPTED" : "");
  std::cout << absl::StrFormat(
      "  %d operations, %d crashes injected, %d resyncs and %d recoveries verified, %d of %d "
      "state x action cells covered\n",
      r.operations, r.crashes_injected, r.resyncs_verified, r.recoveries_verified,
      r.coverage.Covered(), CoverageMatrix::PossibleCells());
  std::cout << absl::StrFormat("  %d signatures, %d new; shrinking: %s\n", r.signatures.size(),
                               r.NewSignatures(), r.shrinking);
  for (const SignatureEntry* e : r.Ordered()) {
    std::string trace = !e->shrunk_trace.empty() ? e->shrunk_trace : e->case_trace;
    std::cout << absl::StrFormat("  %-5s %5d x  first case %-6d %s\n        %s\n",
                                 e->known ? "known" : "NEW", e->count, e->first_case,
                                 trace.empty() ? "" : out + "/" + trace, e->signature);
  }
  std::cout << "report: " << out << "/report.md (and report.json, report.html, signatures.txt)\n";
}

int Merge(const std::vector<std::string>& dirs, const CampaignFlags& f) {
  if (dirs.empty()) return Bad("campaign merge takes the report directories of the shards");
  if (int rc = CheckOut(f.out); rc) return rc;
  std::set<std::string> known;
  if (!f.known.empty()) {
    auto k = ReadKnownSignatures(f.known);
    if (!k.ok()) return Bad(std::string(k.status().message()));
    known = *k;
  }
  CampaignReport merged;
  bool first = true;
  for (const std::string& d : dirs) {
    auto r = ReadReportJson(d + "/report.json");
    if (!r.ok()) return Bad(std::string(r.status().message()));
    // Trace paths become absolute until they are copied below.
    for (auto& [sig, e] : r->signatures) {
      if (!e.case_trace.empty()) e.case_trace = d + "/" + e.case_trace;
      if (!e.shrunk_trace.empty()) e.shrunk_trace = d + "/" + e.shrunk_trace;
    }
    if (first) {
      merged = *r;
      first = false;
    } else if (absl::Status st = MergeReports(&merged, *r); !st.ok()) {
      return Bad(absl::StrCat(d, ": ", st.message()));
    }
  }
  if (!f.known.empty()) merged.MarkKnown(known);
  std::error_code ec;
  for (auto& [sig, e] : merged.signatures) {
    for (std::string* path : {&e.case_trace, &e.shrunk_trace}) {
      if (path->empty()) continue;
      std::string rel = "traces/" + std::filesystem::path(*path).filename().string();
      std::filesystem::copy_file(*path, f.out + "/" + rel,
                                 std::filesystem::copy_options::overwrite_existing, ec);
      *path = ec ? "" : rel;
    }
  }
  if (absl::Status st = WriteReports(merged, f.out); !st.ok()) return Bad(std::string(st.message()));
  PrintSummary(merged, f.out);
  return merged.NewSignatures() ? 1 : 0;
}

int Recheck(const std::vector<std::string>& dirs, const CampaignFlags& f) {
  if (dirs.size() != 1) return Bad("campaign recheck takes one report directory");
  auto r = ReadReportJson(dirs[0] + "/report.json");
  if (!r.ok()) return Bad(std::string(r.status().message()));
  CoreInfo core = LinkedCore();
  if (r->core_sha256 != core.sha256)
    return Bad(absl::StrCat(dirs[0], ": the report is of core ", r->core_name, " (",
                            r->core_sha256.substr(0, 12), "), this binary runs ", core.name, " (",
                            core.sha256.substr(0, 12), ")"));
  std::vector<std::string> bad = RecheckHashes(*r, Jobs(f), f.watchdog);
  for (const std::string& b : bad) std::cout << "MISMATCH " << b << "\n";
  std::cout << absl::StrFormat("recheck: %d sampled cases, %d with a different event hash\n",
                               r->hash_samples.size(), bad.size());
  return bad.empty() ? 0 : 1;
}

}  // namespace

int CampaignCommand(const std::vector<std::string>& args, const CampaignFlags& f) {
  if (f.jobs < 0 || f.jobs > 512) return Bad("--jobs must be between 1 and 512 (0: one per core)");
  if (f.watchdog <= 0) return Bad("--watchdog must be a positive number of seconds");
  if (!args.empty() && args[0] == "merge")
    return Merge(std::vector<std::string>(args.begin() + 1, args.end()), f);
  if (!args.empty() && args[0] == "recheck")
    return Recheck(std::vector<std::string>(args.begin() + 1, args.end()), f);
  if (!args.empty())
    return Bad(absl::StrCat("campaign: unknown subcommand '", args[0],
                            "' (campaign, campaign merge DIR..., campaign recheck DIR)"));
  CampaignOptions o;
  if (f.given.count("cases") && f.cases < 1) return Bad("--cases must be at least 1");
  if (f.seconds < 0) return Bad("--seconds must be a positive number of seconds");
  if (f.given.count("cases") || f.seconds == 0) o.cases = (uint64_t)std::max(f.cases, 1);
  o.seconds = f.seconds;
  o.space.seed = f.seed;
  o.space.profile = f.given.count("profile") ? f.profile : "all";
  if (!ValidCampaignProfile(o.space.profile))
    return Bad("--profile must be all, swarm, resize, resync, recovery or race");
  if (f.max_ops < 1) return Bad("--max_ops must be at least 1");
  o.space.max_ops = f.max_ops;
  if (!f.strategy.empty() && f.strategy != "fifo" && f.strategy != "random" && f.strategy != "pct")
    return Bad("--strategy must be fifo, random or pct");
  o.space.strategy = f.strategy;
  if (f.disk_order != "relaxed" && f.disk_order != "in-order")
    return Bad("--disk_order must be relaxed or in-order");
  o.space.disk_order = f.disk_order;
  if (f.level != "1" && f.level != "10" && f.level != "4" && f.level != "5" && f.level != "6" &&
      f.level != "mix")
    return Bad(absl::StrCat("--level ", f.level, ": the md model runs 1 (raid1), 10 (raid10), "
                            "4, 5, 6 (raid4/5/6) or mix (raid10 on a quarter of the cases, "
                            "raid4/5/6 on three in eight)"));
  o.space.level = f.level;
  if (!f.shard.empty()) {
    auto s = ParseShard(f.shard);
    if (!s.ok()) return Bad(std::string(s.status().message()));
    o.shard = *s;
  }
  if (!f.known.empty()) {
    auto k = ReadKnownSignatures(f.known);
    if (!k.ok()) return Bad(std::string(k.status().message()));
    o.known = *k;
  }
  if (int rc = CheckOut(f.out); rc) return rc;
  o.out_dir = f.out;
  o.jobs = Jobs(f);
  o.watchdog_seconds = f.watchdog;
  o.progress = f.progress;
  CampaignReport r = RunCampaign(o);
  PrintSummary(r, f.out);
  return r.NewSignatures() ? 1 : 0;
}

}  // namespace llsim
