// Campaign report data; see report.h.
#include "ci/campaign/report.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ci/campaign/signature.h"

namespace llsim {

void CampaignReport::AddCase(uint64_t index, const Scenario& s, const RunResult& r) {
  cases_run++;
  operations += s.ops.size();
  events += r.events;
  crashes_injected += r.crashes;
  resyncs_verified += r.resyncs_verified;
  recoveries_verified += r.recoveries_verified;
  process_deaths += r.process_died;
  failing_cases += r.Failed();
  coverage.Add(r.coverage_matrix);
  reach.Add(r.reach);
  if (index % kHashSampleEvery == 0 && !r.process_died)
    hash_samples[index] = absl::StrFormat("%016x", r.hash);
  std::set<std::string> seen;
  std::set<std::string> before;
  for (size_t k = 0; k < r.failures.size(); k++) {
    const Verdict& v = r.failures[k];
    std::string sig = Signature(v);
    if (seen.insert(sig).second) {
      SignatureEntry& e = signatures[sig];
      e.count++;
      if (index < e.first_case) {
        e.property = v.property;
        e.signature = sig;
        e.id = SignatureId(v.property, sig);
        e.first_case = index;
        e.first_profile = space.ProfileOf(index);
        e.example = v.message;
        e.crash = r.process_died && k + 1 == r.failures.size();
        e.skip_before = before;
        e.skip_before.erase(v.property);
      }
      if (!before.count(v.property) && index < e.isolated_case) {
        e.isolated_case = index;
        e.isolated_skip = before;
        e.original_ops = (int)s.ops.size();
      }
    }
    before.insert(v.property);
  }
}

void CampaignReport::MarkKnown(const std::set<std::string>& known) {
  for (auto& [sig, e] : signatures) e.known = known.count(sig) > 0;
}

int CampaignReport::NewSignatures() const {
  int n = 0;
  for (const auto& [sig, e] : signatures) n += !e.known;
  return n;
}

std::vector<const SignatureEntry*> CampaignReport::Ordered() const {
  std::vector<const SignatureEntry*> out;
  for (const auto& [sig, e] : signatures) out.push_back(&e);
  std::stable_sort(out.begin(), out.end(), [](const SignatureEntry* a, const SignatureEntry* b) {
    if (a->known != b->known) return !a->known;
    if (a->property != b->property) return a->property < b->property;
    return a->count > b->count;
  });
  return out;
}

absl::Status MergeReports(CampaignReport* into, const CampaignReport& o) {
  auto differ = [&](const std::string& what, const std::string& a, const std::string& b) {
    return absl::InvalidArgumentError(absl::StrCat(
        "reports are not shards of one campaign: ", what, " ", a, " vs ", b));
  };
  if (o.core_sha256 != into->core_sha256)
    return differ("core sha256", into->core_sha256.substr(0, 12), o.core_sha256.substr(0, 12));
  if (o.space.seed != into->space.seed)
    return differ("seed", absl::StrCat(into->space.seed), absl::StrCat(o.space.seed));
  if (o.space.profile != into->space.profile)
    return differ("profile", into->space.profile, o.space.profile);
  if (o.space.level != into->space.level)
    return differ("level", into->space.level, o.space.level);
  if (o.space.max_ops != into->space.max_ops)
    return differ("max_ops", absl::StrCat(into->space.max_ops), absl::StrCat(o.space.max_ops));
  if (o.case_budget != into->case_budget)
    return differ("case budget", absl::StrCat(into->case_budget), absl::StrCat(o.case_budget));
  for (const Shard& a : into->shards)
    for (const Shard& b : o.shards)
      if (a.count != b.count || a.index == b.index)
        return differ("shards", a.ToString(), b.ToString());
  into->shards.insert(into->shards.end(), o.shards.begin(), o.shards.end());
  std::sort(into->shards.begin(), into->shards.end(),
            [](const Shard& a, const Shard& b) { return a.index < b.index; });
  into->jobs = std::max(into->jobs, o.jobs);
  into->elapsed_seconds = std::max(into->elapsed_seconds, o.elapsed_seconds);
  into->case_seconds = std::max(into->case_seconds, o.case_seconds);
  into->interrupted |= o.interrupted;
  if (o.shrinking != into->shrinking) into->shrinking = "mixed: see each shard";
  into->cases_run += o.cases_run;
  into->failing_cases += o.failing_cases;
  into->operations += o.operations;
  into->events += o.events;
  into->crashes_injected += o.crashes_injected;
  into->resyncs_verified += o.resyncs_verified;
  into->recoveries_verified += o.recoveries_verified;
  into->process_deaths += o.process_deaths;
  into->coverage.Add(o.coverage);
  into->reach.Add(o.reach);
  into->hash_samples.insert(o.hash_samples.begin(), o.hash_samples.end());
  for (const auto& [sig, e] : o.signatures) {
    auto it = into->signatures.find(sig);
    if (it == into->signatures.end()) {
      into->signatures[sig] = e;
      continue;
    }
    SignatureEntry& m = it->second;
    SignatureEntry first = e.first_case < m.first_case ? e : m;
    // The isolated case decides which traces there are: they come with it.
    const SignatureEntry& iso = e.isolated_case < m.isolated_case ? e : m;
    first.count = m.count + e.count;
    first.known = m.known || e.known;
    first.isolated_case = iso.isolated_case;
    first.isolated_skip = iso.isolated_skip;
    first.case_trace = iso.case_trace;
    first.shrunk_trace = iso.shrunk_trace;
    first.shrunk_ops = iso.shrunk_ops;
    first.original_ops = iso.original_ops;
    first.shrink_note = iso.shrink_note;
    m = first;
  }
  return absl::OkStatus();
}

}  // namespace llsim
