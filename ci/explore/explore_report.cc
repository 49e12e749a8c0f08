// The certificate and counterexample, as text and JSON; see explore_report.h.
#include "ci/explore/explore_report.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "ci/campaign/report_json.h"

namespace llsim {
namespace {

uint64_t KnownHits(const ExploreTally& t) {
  uint64_t n = 0;
  for (const auto& [s, c] : t.known) n += c;
  return n;
}

std::string Reductions(const ExploreBounds& b) {
  std::vector<std::string> r;
  if (!b.pct_runs) r.push_back("prefix (a schedule's crash points start after its last deviation)");
  if (b.dedup && !b.pct_runs) r.push_back("crash-state deduplication (canonical hash of media, pending writes, "
                           "oracle promises and the operations to come)");
  if (b.sleep_sets && !b.pct_runs)
    r.push_back(SleepSetsAvailable()
                    ? "sleep sets for time passing (an interrupt's arrival is not moved across "
                      "a pure step of the running fiber)"
                    : "sleep sets OFF: this build does not watch every page store (ASan or "
                      "no store hooks)");
  if (r.empty()) return "none";
  return absl::StrJoin(r, "; ");
}

}  // namespace

double PctRunProbability(uint64_t fibers, uint64_t steps, int depth) {
  if (!fibers || !steps) return 0;
  return 1.0 / ((double)fibers * std::pow((double)steps, depth - 1));
}

std::string FormatExploreReport(const ExploreReport& r) {
  const ExploreTally& t = r.tally;
  const ExploreBounds& b = r.bounds;
  std::string s;
  if (r.cx) {
    const ExploreCounterexample& c = *r.cx;
    absl::StrAppend(&s, "counterexample: ", c.property, ": ", c.message, "\n");
    absl::StrAppend(&s, "  signature: ", c.signature, "\n");
    absl::StrAppend(&s, "  workload ", c.workload, ": ",
                    absl::StrJoin(WorkloadLetters(b, c.workload), " "), "; ", c.how, "\n");
    absl::StrAppend(&s, "  trace: ", c.trace_path.empty() ? "(not written)" : c.trace_path,
                    "  (llsim replay / shrink / show it)\n");
    absl::StrAppend(&s, "  explored before it: ", t.workloads, " workloads, ", t.executions,
                    " executions in ", absl::StrFormat("%.1f", r.seconds), " s\n");
    return s;
  }
  uint64_t known = KnownHits(t);
  if (r.interrupted)
    absl::StrAppend(&s, "interrupted: no certificate; ", t.workloads, " of ", r.workloads_total,
                    " workloads explored completely within ", b.Describe(), "\n");
  else if (known)
    absl::StrAppend(&s, "certificate: no violation except the known signatures within ",
                    b.Describe(), "\n");
  else
    absl::StrAppend(&s, "certificate: no violation within ", b.Describe(), "\n");
  absl::StrAppend(&s, "  core: ", r.core.name, " sha256 ", r.core.sha256, "\n");
  absl::StrAppend(&s, "  workloads: ", t.workloads, " of ", r.workloads_total,
                  b.shards > 1 ? absl::StrCat(" in shard ", b.shard, "/", b.shards) : "", "\n");
  if (b.pct_runs) {
    double p = PctRunProbability(t.max_fibers, t.max_decisions, b.pct_depth);
    absl::StrAppend(
        &s, "  schedules: ", t.schedules, " PCT runs (", b.pct_runs, " per workload, depth ",
        b.pct_depth, "); with n <= ", t.max_fibers, " fibers and k <= ", t.max_decisions,
        " steps, each run finds a given depth-", b.pct_depth,
        " bug with probability >= 1/(n*k^(d-1)) = ", absl::StrFormat("%.3g", p), ", so ",
        b.pct_runs, " runs miss it with probability <= ",
        absl::StrFormat("%.6f", std::pow(1 - p, b.pct_runs)),
        " per workload (n counts every fiber, interrupts too)\n");
  } else {
    absl::StrAppend(&s, "  schedules: ", t.schedules, " run",
                    t.sleep_skipped ? absl::StrCat(" + ", t.sleep_skipped,
                                                   " covered by sleep sets (each the same "
                                                   "execution as one run)")
                                    : "",
                    " (every schedule with at most ", b.preemptions,
                    " deviations from fifo: a preemption, an out-of-order pick or an "
                    "interrupt landing inside running code; at most ",
                    t.max_decisions, " decisions in one execution)\n");
  }
  if (b.crash_points != CrashPoints::kNone && b.pct_runs) {
    absl::StrAppend(&s, "  crashes: ", t.crash_points,
                    " (each PCT run then crashes once, at a random ", CrashPointsName(b.crash_points),
                    " point of its schedule, keeping a random subset of the writes not durable)\n");
  } else if (b.crash_points != CrashPoints::kNone) {
    absl::StrAppend(&s, "  crash points: ", t.crash_points, " landed (",
                    CrashPointsName(b.crash_points) == std::string("io")
                        ? "after every member IO submission and completion"
                        : "after every event",
                    "), ", t.crash_points - t.crash_points_seen, " distinct, ",
                    t.crash_points_seen, " met before\n");
    absl::StrAppend(&s, "  crash states: ", t.crash_states, " distinct after the crash, ",
                    t.crash_states_seen, " met before; ", t.subsets,
                    " persistence subsets tried (keep or drop per write, no tears; ",
                    t.subsets_predicted,
                    " of them predicted to meet a state met before, so not run), "
                    "at most ",
                    t.max_pending, " writes at one crash; ");
    if (t.sampled_points)
      absl::StrAppend(&s, t.sampled_points, " crash points had more than ", b.subset_cap,
                      " writes: their subsets were SAMPLED (", (1u << b.subset_cap),
                      " each), not enumerated\n");
    else
      absl::StrAppend(&s, "every subset enumerated\n");
  }
  absl::StrAppend(&s, "  executions: ", t.executions, " in ", absl::StrFormat("%.1f", r.seconds),
                  " s on ", r.jobs, " job(s) (", absl::StrFormat("%.0f", t.executions / std::max(r.seconds, 1e-9)),
                  "/s)\n");
  absl::StrAppend(&s, "  reductions: ", Reductions(b), "\n");
  if (t.subset_mismatches)
    absl::StrAppend(&s, "  WARNING: ", t.subset_mismatches,
                    " persistence subsets met a state other than the one predicted: "
                    "deduplication may have skipped states (run with --nodedup)\n");
  if (t.sleep_mismatches)
    absl::StrAppend(&s, "  WARNING: ", t.sleep_mismatches,
                    " schedules skipped by sleep sets differed from the one that stands for "
                    "them (run with --nosleep_sets)\n");
  if (t.key_mismatches)
    absl::StrAppend(&s, "  WARNING: ", t.key_mismatches,
                    " crashes met a state other than the one their point was probed with: "
                    "deduplication may have skipped states (run with --nodedup)\n");
  absl::StrAppend(&s, "  after each crash: reassembly, then the rest of the workload, resync "
                      "and every check");
  if (b.pct_runs)  // the crash run keeps its PCT schedule past the crash
    absl::StrAppend(&s, " under the run's PCT schedule\n");
  else if (b.after_crash_preemptions)
    absl::StrAppend(&s, ", under fifo and, from each distinct crash state, every schedule with "
                        "at most ",
                    b.after_crash_preemptions, " deviations: ", t.after_crash_schedules, " run",
                    t.after_crash_skipped ? absl::StrCat(" + ", t.after_crash_skipped,
                                                         " covered by sleep sets")
                                          : "",
                    "\n");
  else
    absl::StrAppend(&s, " under fifo (no deviations; --after_crash_preemptions races them)\n");
  for (const auto& [sig, n] : t.known)
    absl::StrAppend(&s, "  known: ", sig, "  (", n, " executions)\n");
  if (!r.cut_short.empty())
    absl::StrAppend(&s, "  cut short by a known process death: workloads ",
                    absl::StrJoin(r.cut_short, ","), " (their remaining executions did not run)\n");
  return s;
}

std::string ExploreReportJson(const ExploreReport& r) {
  const ExploreTally& t = r.tally;
  const ExploreBounds& b = r.bounds;
  std::string s = "{\n";
  absl::StrAppend(&s, "  \"result\": ",
                  JsonQuote(r.cx ? "counterexample" : r.interrupted ? "interrupted" : "certificate"),
                  ",\n");
  absl::StrAppend(&s, "  \"bounds\": {\"ops\": ", b.ops, ", \"alphabet\": [",
                  absl::StrJoin(b.alphabet, ", ",
                                [](std::string* o, const std::string& l) {
                                  o->append(JsonQuote(l));
                                }),
                  "], \"chunks\": ", b.chunks, ", \"members\": ", b.members,
                  ", \"preemptions\": ", b.preemptions,
                  ", \"after_crash_preemptions\": ", b.after_crash_preemptions,
                  ", \"crash_points\": ",
                  JsonQuote(CrashPointsName(b.crash_points)), ", \"subset_cap\": ", b.subset_cap,
                  ", \"dedup\": ", b.dedup ? "true" : "false",
                  ", \"sleep_sets\": ", b.sleep_sets && SleepSetsAvailable() ? "true" : "false",
                  ", \"pct_runs\": ", b.pct_runs,
                  ", \"pct_depth\": ", b.pct_depth, ", \"seed\": ", b.seed, ", \"shard\": \"",
                  b.shard, "/", b.shards, "\"},\n");
  absl::StrAppend(&s, "  \"core\": {\"name\": ", JsonQuote(r.core.name), ", \"sha256\": ",
                  JsonQuote(r.core.sha256), "},\n");
  absl::StrAppend(&s, "  \"workloads\": ", t.workloads, ", \"workloads_total\": ", r.workloads_total,
                  ",\n  \"executions\": ", t.executions, ", \"schedules\": ", t.schedules,
                  ", \"schedules_sleep_skipped\": ", t.sleep_skipped,
                  ", \"after_crash_schedules\": ", t.after_crash_schedules,
                  ", \"after_crash_sleep_skipped\": ", t.after_crash_skipped,
                  ",\n  \"crash_points_landed\": ", t.crash_points, ", \"crash_points_seen\": ",
                  t.crash_points_seen, ",\n  \"crash_states\": ", t.crash_states,
                  ", \"crash_states_seen\": ", t.crash_states_seen, ",\n  \"subsets\": ", t.subsets,
                  ", \"subsets_predicted_seen\": ", t.subsets_predicted,
                  ", \"subset_mismatches\": ", t.subset_mismatches,
                  ", \"sleep_mismatches\": ", t.sleep_mismatches,
                  ", \"sampled_crash_points\": ", t.sampled_points, ", \"max_pending_writes\": ",
                  t.max_pending, ",\n  \"max_decisions\": ", t.max_decisions, ", \"max_fibers\": ",
                  t.max_fibers, ", \"key_mismatches\": ", t.key_mismatches, ",\n  \"seconds\": ", absl::StrFormat("%.3f", r.seconds),
                  ", \"jobs\": ", r.jobs, ",\n  \"reductions\": ", JsonQuote(Reductions(b)), ",\n");
  if (b.pct_runs)
    absl::StrAppend(&s, "  \"pct_run_probability\": ",
                    absl::StrFormat("%.6g", PctRunProbability(t.max_fibers, t.max_decisions,
                                                              b.pct_depth)),
                    ",\n");
  absl::StrAppend(&s, "  \"known\": {");
  bool first = true;
  for (const auto& [sig, n] : t.known) {
    absl::StrAppend(&s, first ? "" : ", ", JsonQuote(sig), ": ", n);
    first = false;
  }
  absl::StrAppend(&s, "},\n  \"cut_short\": [", absl::StrJoin(r.cut_short, ", "), "]");
  if (r.cx) {
    const ExploreCounterexample& c = *r.cx;
    absl::StrAppend(&s, ",\n  \"counterexample\": {\"workload\": ", c.workload,
                    ", \"property\": ", JsonQuote(c.property), ", \"signature\": ",
                    JsonQuote(c.signature), ", \"message\": ", JsonQuote(c.message),
                    ", \"how\": ", JsonQuote(c.how), ", \"trace\": ", JsonQuote(c.trace_path),
                    "}");
  }
  s += "\n}\n";
  return s;
}

}  // namespace llsim
