// What a campaign found, as data: one entry per failure signature with its
// count and first case, the totals, the coverage matrix summed over cases,
// and sampled event hashes (for the determinism recheck). Adding cases is
// order-independent (counts add, the first case is the smallest index),
// so the report does not depend on --jobs or on which case finished first,
// and shard reports merge into what one unsharded run would give.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "ci/campaign/case_space.h"
#include "properties/coverage_matrix.h"
#include "properties/runner.h"

namespace llsim {

struct SignatureEntry {
  std::string property, signature, id;
  uint64_t count = 0;                 // cases it was found in
  uint64_t first_case = UINT64_MAX;   // smallest case index
  std::string first_profile;
  std::string example;                // its message in the first case
  std::set<std::string> skip_before;  // properties that failed before it there
  // The first case where no failure of the same property came before it:
  // with the properties that did fail before it skipped, that case fails
  // first with this signature, so it is the one shrunk and replayed.
  uint64_t isolated_case = UINT64_MAX;
  std::set<std::string> isolated_skip;
  bool crash = false;                 // the process died (or was killed)
  bool known = false;                 // listed in --known
  // Traces, relative to the report directory; empty when not written.
  std::string case_trace;     // the first case, unshrunk
  std::string shrunk_trace;
  int original_ops = 0, shrunk_ops = -1;
  std::string shrink_note;    // why it was not shrunk, or ""
};

// Event hashes are kept for every case whose index is a multiple of this.
constexpr uint64_t kHashSampleEvery = 100;

struct CampaignReport {
  std::string core_name, core_sha256, core_source;
  CaseSpace space;
  std::vector<Shard> shards = {Shard{}};
  uint64_t case_budget = 0;   // 0: none (time-boxed)
  double seconds_budget = 0;  // 0: none
  int jobs = 0;
  double elapsed_seconds = 0;
  double case_seconds = 0;  // of elapsed_seconds, running cases (the rest: shrinking)
  bool interrupted = false;
  std::string shrinking = "not needed";

  uint64_t cases_run = 0, failing_cases = 0, operations = 0, events = 0;
  uint64_t crashes_injected = 0, resyncs_verified = 0, recoveries_verified = 0;
  uint64_t process_deaths = 0;
  CoverageMatrix coverage;
  Reach reach;  // hooks md called and model features driven, summed
  std::map<uint64_t, std::string> hash_samples;      // case -> event hash (hex)
  std::map<std::string, SignatureEntry> signatures;  // by signature
  // Set by `llsim coverage` (ci/coverage), which runs the campaign: its
  // annotated core, relative to the report. Not part of report.json.
  std::string line_coverage_page;

  void AddCase(uint64_t index, const Scenario& s, const RunResult& r);
  // Marks the entries whose signature is in `known`.
  void MarkKnown(const std::set<std::string>& known);
  int NewSignatures() const;
  // Entries ordered for people: new first, then by property and count.
  std::vector<const SignatureEntry*> Ordered() const;
};

// Adds `other` (another shard of the same campaign) to `into`; an error
// when they are not shards of one campaign (core, seed, profile, budget).
absl::Status MergeReports(CampaignReport* into, const CampaignReport& other);

}  // namespace llsim
