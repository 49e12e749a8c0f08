// llsim: the command line. Runs generated scenarios against the core this
// binary was built with, runs campaigns (ci/campaign), replays and shrinks
// trace files, shows a trace as a timeline, reports what core is linked,
// measures which lines of the core a campaign reaches (ci/coverage),
// and benchmarks the simulator. Scenarios run in child processes, so a
// core that crashes is reported, never fatal to llsim.
// Exit codes: 0 no property failed / the trace reproduced / no new
// failure, 1 a property failed / the trace did not reproduce / new
// failures, 2 bad input.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <unistd.h>
#include <set>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <iostream>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "ci/campaign/campaign_command.h"
#include "properties/heap_tuning.h"
#include "ci/campaign/isolated_run.h"
#include "ci/campaign/replay_seeds.h"
#include "ci/campaign/signature.h"
#include "ci/campaign/worker.h"
#include "ci/coverage/coverage_command.h"
#include "ci/explore/explore_command.h"
#include "properties/bench.h"
#include "properties/demo_trace.h"
#include "properties/html_timeline.h"
#include "properties/hunt.h"
#include "properties/timeline.h"
#include "sim/choice_strategy.h"
#include "properties/runner.h"
#include "traces/trace_format.h"

ABSL_FLAG(int, cases, 100, "generated scenarios to run");
ABSL_FLAG(uint64_t, seed, 1, "seed of the generated run (each case derives its own)");
ABSL_FLAG(std::string, out, "llsim-failures", "directory for failure traces");
ABSL_FLAG(int, max_ops, 24, "most operations in one generated scenario");
ABSL_FLAG(std::string, strategy, "", "force a scheduling strategy: fifo, random, pct");
ABSL_FLAG(std::string, level, "mix",
          "run, campaign: the md personality of the generated arrays: mix (picked per case), "
          "1 (raid1), 10 (raid10), 4, 5, 6 (raid4/5/6)");
ABSL_FLAG(std::string, profile, "swarm",
          "generator profile: swarm, resize, resync, recovery, race (campaign: also all, its default)");
ABSL_FLAG(std::string, disk_order, "relaxed",
          "relaxed: overlapping writes in flight complete in any order (real devices); "
          "in-order: never before an earlier overlapping write");
ABSL_FLAG(std::string, expect_failure, "",
          "run: succeed only if this property fails (mutant tests)");
ABSL_FLAG(int, max_shrunk, 0, "run --expect-failure: also require at most this many ops");
ABSL_FLAG(bool, progress, true, "print progress on long runs");
ABSL_FLAG(std::string, skip, "", "comma-separated properties not to check (look past a known failure)");
ABSL_FLAG(bool, verbose, false, "replay/show: print every event");
ABSL_FLAG(int, repeat, 1, "replay: run N times in this process; the hashes must agree");
ABSL_FLAG(int, seeds, 0, "replay: run the trace under each of seeds 1..N instead of its own");
ABSL_FLAG(double, seconds, 0, "campaign: stop starting cases after this many seconds");
ABSL_FLAG(int, jobs, 0, "campaign, coverage: cases run at once, each in its own process (0: one per core)");
ABSL_FLAG(std::string, shard, "", "campaign: I/N runs the cases i with i % N == I");
ABSL_FLAG(std::string, known, "",
          "campaign: report.json or signature list whose failures are known, not new");
ABSL_FLAG(std::string, json, "", "bench: also write the figures to this JSON file");
ABSL_FLAG(std::string, html, "",
          "show: also draw the trace as one self-contained HTML page at this path");
ABSL_FLAG(int, ops, 2, "explore: operations per workload (every length 1..N)");
ABSL_FLAG(std::string, alphabet, "", "explore: the operations workloads are made of");
ABSL_FLAG(int, chunks, 8, "explore: bitmap chunks (64 KiB each) of the array");
ABSL_FLAG(int, members, 2, "explore: raid1 mirrors");
ABSL_FLAG(int, preemptions, 1, "explore: deviations from the fifo schedule per execution");
ABSL_FLAG(int, after_crash_preemptions, 0,
          "explore: deviations after each distinct crash state (recovery raced)");
ABSL_FLAG(std::string, crash_points, "io", "explore: none, io or step");
ABSL_FLAG(int, subset_cap, 6, "explore: enumerate every persistence subset of up to N writes");
ABSL_FLAG(bool, dedup, true, "explore: explore each canonical crash state once");
ABSL_FLAG(bool, sleep_sets, true,
          "explore: do not move an interrupt's arrival across a pure step (same execution)");
ABSL_FLAG(int, pct, 0, "explore: PCT mode, N random schedules per workload");
ABSL_FLAG(int, pct_depth, 2, "explore --pct: the bug depth PCT targets");
ABSL_FLAG(double, watchdog, 60,
          "seconds of real time a case may take before its process is killed (a liveness "
          "failure)");

namespace llsim {
namespace {

constexpr const char* kUsage = R"(llsim: deterministic simulation of the md lockless bitmap (llbitmap)

usage: llsim <command> [flags] [args]

commands:
  run                 run generated scenarios against the linked core, each in a
                      worker process; on the first failure, shrink it and write a
                      trace to --out
                        --cases N (100)  --seed S (1)  --out DIR (llsim-failures)
                        --max_ops N (24) --strategy fifo|random|pct
                        --disk_order relaxed|in-order (relaxed)
                        --skip PROPERTY[,PROPERTY] (not checked)
                        --profile swarm|resize|resync|recovery|race (swarm: every
                          feature at random; resize: grows into new bitmap pages;
                          resync: crashes, then stops, freezes and crashes during
                          resync, large chunks, check and repair three times as
                          often; recovery: failures, spares, re-adds,
                          idle time; race: bursts of writes to fresh chunks of one
                          bitmap page on fast disks)
                        --level mix|1|10|4|5|6 (mix, the default: the level by
                          the case's seed, raid10 on a quarter of the cases and of
                          the rest raid1 on 10 in 16, raid5 on 3, raid6 on 2, raid4
                          on 1; 1: raid1 only; 10: raid10, near, far or offset layout by
                          the seed, half the spares of near and offset layouts
                          added as a reshape onto them (mdadm --grow); 4, 5, 6:
                          raid4/5/6, the layout by the seed, half on members zeroed
                          at creation, half the spares added as a reshape onto
                          them; raid4/5/6 have no replace and no read errors yet,
                          raid10 no read errors, and far layouts no resize or
                          reshape, which md refuses)
                        --expect_failure PROPERTY [--max_shrunk N]
                        --watchdog S (60: a case running longer, in real time, is
                          killed and fails liveness)
                      LLSIM_CASES=N in the environment overrides --cases
  campaign            run many cases, keep going past failures, deduplicate them
                      by signature, shrink each new one; writes --out DIR/report.json,
                      report.md, report.html, signatures.txt and traces/
                        --out DIR (required)  --cases N (100; the whole case space
                          when sharded) | --seconds S (time box)  --seed S (1)
                        --jobs J (one per core)  --shard I/N (cases i % N == I)
                        --profile all|swarm|resize|resync|recovery|race (all: cycles
                          the five by case index)  --known FILE (report.json or signature
                          list: those failures are counted, not new)  --watchdog S (60)
                        and run's --max_ops, --strategy, --disk_order, --level
                      exit: 0 no new failure, 1 new failures, 2 bad input
  campaign merge DIR... --out DIR [--known FILE]
                      merge shard reports (counts add, signatures deduplicate)
  campaign recheck DIR
                      re-run a report's sampled cases (1 in 100); their event
                      hashes must match (exit 1 if one differs)
  coverage            which lines, branches and functions of the core a campaign
                      reaches (a build configured with -DLLSIM_COVERAGE=ON only):
                      runs a campaign (profile all) into DIR/campaign, then writes
                      DIR/coverage.json, summary.txt (also printed), and the core
                      annotated with its counts, core.annotated.txt and core.html
                        --cases N (100)  --out DIR (coverage/ in the build tree)
                        --seed S (1)  --jobs J (one per core)  --watchdog S (60)
                      exit: 0 written, 1 the counters could not be read, 2 bad
                      input or a build without coverage instrumentation
  replay FILE         run a trace again (in a child process: a crash is reported,
                      as safety); checks its expected failure and hash
                        --repeat N (1: run N times; the hashes must agree)
                        --seeds N  run it under each of seeds 1..N instead of
                          its own (the seed moves latencies, a random strategy's
                          picks and crash policy, not the operations): one line
                          per seed and a count per property; exit 1 if any
                          seed failed, 0 if all passed
  shrink FILE         make a failing trace smaller, keeping its failure;
                      writes FILE.shrunk
  show FILE           replay a trace and print its timeline, dmesg and the
                      state-transition coverage
                        --html OUT  also write OUT: one self-contained HTML page
                          (no script, nothing fetched) drawing over virtual time
                          the state of each chunk that changed (past 48 such
                          chunks, neighbours share a row) in the core's memory
                          and on each member's media, every member's IO
                          (submitted, completed, on the media), crashes, faults,
                          member failures, the failure, the operations and the
                          core's log lines
  explore             bounded systematic exploration: every workload of up to --ops
                      operations from --alphabet on a --chunks-chunk array of
                      --members mirrors, every schedule with at most --preemptions
                      deviations from fifo (a preemption, an out-of-order pick or
                      an interrupt inside running code each count one), a crash
                      at every --crash_points point along each, and at each crash
                      every keep/drop subset of the writes not yet durable (up to
                      --subset_cap writes; past it, 2^cap sampled and the
                      certificate says so); each crash is followed by reassembly,
                      the rest of the workload, resync and every check, under fifo
                      plus up to --after_crash_preemptions deviations.
                      Prints "certificate: ..." and exits 0, or the first
                      counterexample (a trace in --out for replay/shrink/show) and
                      exits 1. Ctrl-C: what was explored, no certificate (130).
                      Default bound: under a minute on one core.
                        --ops N (2)  --alphabet L,L,... (w0,wend7,span3,d0,dspan6,flush,daemon)
                          letters: w<c> 4 KiB write at chunk c's start, wend<c>
                          at its end; fua<c> FUA write at its start; span<c> 8 KiB across chunks c, c+1; d<c> discard of
                          chunk c; dspan<c> 64 KiB discard across chunks c, c+1;
                          flush; wait; daemon (4 s of virtual time);
                          fail<m> / readd<m> / replace<m> member m; spare; grow
                          (to twice the chunks); restart (clean stop, assemble);
                          crash (power loss now, nothing not durable kept);
                          freeze; unfreeze; check
                        --chunks C (8)  --members M (2)  --preemptions P (1)
                        --after_crash_preemptions Q (0: the recovery after each
                          distinct crash state runs under fifo; Q: every schedule
                          of it with at most Q deviations as well)
                        --crash_points none|io|step (io: after every member IO
                          submission and completion; step: after every event)
                        --subset_cap K (6)  --nodedup (no crash-state deduplication)
                        --nosleep_sets (run every schedule, also those a sleep set
                          shows to be the same execution as one run)
                        --pct N [--pct_depth D (2)]  (PCT: N random schedules per
                          workload instead of the bounded search, with its bound)
                        --seed S (1: sampled subsets, PCT)  --known FILE
                        --jobs J (one per core)  --shard I/N (workloads i % N == I)
                        --json FILE  --out DIR (llsim-failures)  --watchdog S (60)
  info                which core this binary runs (name, source, sha256)
  demo                run a short fixed scenario and print its timeline
  bench               what the simulator costs: the core alone and in the simulator,
                      crash cycles, scenarios/s, kernel time, mutant detection times
                        --cases N (300 scenarios)  --json FILE (the figures as JSON)
  help                this text

properties: resync-completeness recovery-completeness durability write-intent
            no-clean-in-flight transitions liveness safety bitmap-bounds
            assemblable
a process crash (signal, sanitizer report) counts as safety, a case killed by
the watchdog as liveness.
exit codes: 0 pass / reproduced, 1 property failed / did not reproduce, 2 bad input
)";

int BadInput(const std::string& msg) {
  std::cerr << "llsim: " << msg << "\n";
  return 2;
}

const std::vector<std::string> kProperties = {
    kPropResync, kPropRecovery, kPropDurability, kPropWriteIntent, kPropNoCleanInFlight,
    kPropTransitions, kPropLiveness, kPropSafety, kPropBitmapBounds, kPropAssemblable};

// --skip as a set, added to `out` (which may hold a trace's skip line);
// false (with a message) if a name is not a property.
bool SkipSet(std::set<std::string>* out, const std::string& origin = "--skip") {
  for (absl::string_view p : absl::StrSplit(absl::GetFlag(FLAGS_skip), ',', absl::SkipEmpty()))
    out->insert(std::string(p));
  for (const std::string& p : *out) {
    if (std::find(kProperties.begin(), kProperties.end(), p) == kProperties.end()) {
      std::cerr << "llsim: " << origin << ": '" << p << "' is not a property (see llsim --help)\n";
      return false;
    }
  }
  return true;
}

std::string HashHex(uint64_t h) { return absl::StrFormat("%016x", h); }

void PrintFailure(const RunResult& r, const Scenario& s) {
  std::cout << "FAILED " << r.First()->ToString() << "\n";
  std::cout << "  seed " << s.seed << ", " << s.ops.size() << " operations:\n";
  for (const Op& op : s.ops) std::cout << "    " << op.ToString() << "\n";
}

// What shrinking did to the scheduling choices, for the summary line.
// `before`: the choices of the run shrinking started from (-1: unknown).
std::string ChoicesNote(int64_t before, const Scenario& small) {
  int64_t after = ScheduleChoices(small);
  if (after < 0) return "; scheduling choices left to the " + small.strategy + " strategy";
  if (before < 0) return absl::StrFormat("; %d scheduling choice(s) left", after);
  return absl::StrFormat("; scheduling choices %d -> %d", before, after);
}

// `name` fixes the file across shrink steps; empty: named after this run.
std::string WriteFailureTrace(const Scenario& s, const RunResult& r, std::string name = "",
                              const std::set<std::string>& skip = {}) {
  std::string dir = absl::GetFlag(FLAGS_out);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (name.empty()) name = absl::StrFormat("%s-%016x", r.First()->property, r.hash);
  std::string path = absl::StrFormat("%s/%s.trace", dir, name);
  CoreInfo core = LinkedCore();
  TraceFile t{s, core.name, core.sha256, r.First()->property,
              r.process_died ? "" : HashHex(r.hash), skip};
  if (absl::Status st = WriteTraceFile(path, t); !st.ok()) {
    std::cerr << "llsim: " << st.message() << "\n";
    return "";
  }
  return path;
}


// Traces are on disk the moment a failure is found and after every shrink
// step, so an interrupted campaign loses nothing; the handler only says so.
void OnInterrupt(int) {
  const char msg[] = "\nllsim: interrupted; every failure found so far is in the --out directory\n";
  (void)!write(2, msg, sizeof(msg) - 1);
  _exit(130);
}

int CmdRun() {
  std::signal(SIGINT, OnInterrupt);
  std::signal(SIGTERM, OnInterrupt);
  int cases = absl::GetFlag(FLAGS_cases);
  // LLSIM_CASES scales every run up (ctest -L property with a deeper budget).
  if (const char* env = std::getenv("LLSIM_CASES")) {
    int n;
    if (!absl::SimpleAtoi(env, &n) || n < 1) return BadInput("LLSIM_CASES must be a positive number");
    cases = n;
  }
  if (cases < 1) return BadInput("--cases must be at least 1");
  if (absl::GetFlag(FLAGS_max_ops) < 1) return BadInput("--max_ops must be at least 1");
  std::string strategy = absl::GetFlag(FLAGS_strategy);
  if (!strategy.empty() && strategy != "fifo" && strategy != "random" && strategy != "pct")
    return BadInput("--strategy must be fifo, random or pct");
  std::string order = absl::GetFlag(FLAGS_disk_order);
  if (order != "relaxed" && order != "in-order")
    return BadInput("--disk_order must be relaxed or in-order");
  std::string level = absl::GetFlag(FLAGS_level);
  int level_choice = level == "mix" ? 0 : std::atoi(level.c_str());
  if (level != "1" && level != "10" && level != "4" && level != "5" && level != "6" &&
      level != "mix")
    return BadInput(absl::StrCat("--level ", level, ": the md model runs 1 (raid1), 10 (raid10), "
                            "4, 5, 6 (raid4/5/6) or mix (the level picked per case)"));
  CoreInfo core = LinkedCore();
  std::cout << "llsim run: core " << core.name << " (" << core.sha256.substr(0, 12) << "), "
            << cases << " cases, seed " << absl::GetFlag(FLAGS_seed) << ", profile "
            << absl::GetFlag(FLAGS_profile)
            << (absl::GetFlag(FLAGS_level) == "1" ? "" : ", level " + absl::GetFlag(FLAGS_level))
            << "\n";
  HuntOptions h;
  h.seed = absl::GetFlag(FLAGS_seed);
  h.cases = cases;
  h.gen.max_ops = absl::GetFlag(FLAGS_max_ops);
  h.gen.strategy = strategy;
  h.gen.disk_order = order;
  h.gen.profile = absl::GetFlag(FLAGS_profile);
  h.gen.level = level_choice;
  double watchdog = absl::GetFlag(FLAGS_watchdog);
  if (watchdog <= 0) return BadInput("--watchdog must be a positive number of seconds");
  // Every case runs in a worker process: a crashing core is a failure.
  auto runner = std::make_shared<IsolatedRunner>(watchdog);
  h.run_case = [runner](const Scenario& s, const RunOptions& o) { return runner->Run(s, o); };
  if (!ValidProfile(h.gen.profile))
    return BadInput("--profile must be swarm, resize, resync, recovery or race");
  if (!SkipSet(&h.run.skip)) return 2;
  auto start = std::chrono::steady_clock::now();
  bool progress = absl::GetFlag(FLAGS_progress);
  h.progress = [&](int done, int total) {
    if (!progress || (done % 25 && done != total)) return;
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cerr << absl::StrFormat("  %d/%d cases, %.1fs\n", done, total, secs);
  };
  std::string trace_name;
  h.on_failure = [&](const Scenario& s, const RunResult& r) {
    if (trace_name.empty()) {
      trace_name = r.process_died
                       ? SignatureId(r.First()->property, Signature(*r.First()))
                       : absl::StrFormat("%s-%016x", r.First()->property, r.hash);
      std::cerr << "  found a " << r.First()->property << " failure; shrinking (trace kept in "
                << absl::GetFlag(FLAGS_out) << "/" << trace_name << ".trace)\n";
    }
    WriteFailureTrace(s, r, trace_name, h.run.skip);
  };
  // The case being run is on disk until the run ends normally.
  std::string in_progress = absl::GetFlag(FLAGS_out) + "/in-progress.trace";
  h.before_run = [&](const Scenario& s) {
    std::error_code ec;
    std::filesystem::create_directories(absl::GetFlag(FLAGS_out), ec);
    CoreInfo c = LinkedCore();
    (void)WriteTraceFile(in_progress, TraceFile{s, c.name, c.sha256, "", "", h.run.skip});
  };
  HuntResult res = Hunt(h);
  std::filesystem::remove(in_progress);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::string expect = absl::GetFlag(FLAGS_expect_failure);
  if (!res.failed) {
    std::cout << absl::StrFormat("passed: %d cases, no property failed (%.1fs)\n", res.cases_run,
                                 secs);
    if (!expect.empty()) {
      std::cout << "expected a " << expect << " failure and found none\n";
      return 1;
    }
    return 0;
  }
  // RapidCheck shrank by dropping ops; finish with greedy removal (a
  // process death keeps its signature, else the property is kept).
  int runs = 0;
  RunResult final_result = res.result;
  std::string property = res.result.First()->property;
  std::string death = res.result.process_died ? Signature(*res.result.First()) : "";
  ShrinkHooks sh;
  sh.still_fails = [&](const Scenario& c) {
    RunResult r = h.run_case(c, h.run);
    if (!r.Failed() || r.First()->property != property) return false;
    if (!death.empty() && Signature(*r.First()) != death) return false;
    final_result = std::move(r);
    return true;
  };
  sh.record = RecordVia(h.run_case, h.run);
  ShrinkStats stats;
  Scenario small = ShrinkScenarioWith(res.shrunk, sh, &stats);
  runs = stats.runs;
  std::cout << absl::StrFormat("found after %d cases; shrunk from %d to %d operations in %d runs "
                               "(%.1fs)%s\n",
                               res.cases_run, res.original.ops.size(), small.ops.size(),
                               res.shrink_runs + runs, secs, ChoicesNote(stats.choices_before, small));
  PrintFailure(final_result, small);
  // The trace must replay bit for bit: run the shrunk case once more.
  RunResult again = h.run_case(small, h.run);
  if (again.hash != final_result.hash)
    std::cout << "warning: NOT DETERMINISTIC: the shrunk case gave hash " << HashHex(again.hash)
              << " on a second run, " << HashHex(final_result.hash) << " before\n";
  std::string path = WriteFailureTrace(small, final_result, trace_name, h.run.skip);
  if (!path.empty()) std::cout << "trace: " << path << "\nreplay: llsim replay " << path << "\n";
  if (!expect.empty()) {
    bool right = final_result.First()->property == expect;
    int max_ops = absl::GetFlag(FLAGS_max_shrunk);
    bool short_enough = max_ops <= 0 || (int)small.ops.size() <= max_ops;
    std::cout << (right ? "expected property failed" : "a different property failed");
    if (max_ops > 0)
      std::cout << (short_enough ? "; shrunk case is short enough"
                                 : absl::StrFormat("; shrunk case longer than %d ops", max_ops));
    std::cout << "\n";
    return right && short_enough ? 0 : 1;
  }
  return 1;
}

int ReplayInThisProcess(const TraceFile& trace, const RunOptions& o, bool show,
                        const std::string& path);

int CmdReplay(const std::string& path, bool show, bool seeds_given) {
  auto t = ReadTraceFile(path);
  if (!t.ok()) return BadInput(std::string(t.status().message()));
  CoreInfo core = LinkedCore();
  if (!t->core_sha256.empty() && t->core_sha256 != core.sha256)
    std::cerr << "llsim: note: trace was recorded with core " << t->core_name << " ("
              << t->core_sha256.substr(0, 12) << "), this binary runs " << core.name << " ("
              << core.sha256.substr(0, 12) << "); the run may differ\n";
  RunOptions o;
  o.keep_events = show || absl::GetFlag(FLAGS_verbose);
  o.skip = t->skip;
  if (!SkipSet(&o.skip, path + ": skip")) return 2;
  if (seeds_given) {
    int seeds = absl::GetFlag(FLAGS_seeds);
    if (seeds < 1 || seeds > 100000) return BadInput("--seeds must be between 1 and 100000");
    if (absl::GetFlag(FLAGS_repeat) != 1 || absl::GetFlag(FLAGS_verbose))
      return BadInput("--seeds prints one line per seed: --repeat and --verbose are for one run");
    double watchdog = absl::GetFlag(FLAGS_watchdog);
    if (watchdog <= 0) return BadInput("--watchdog must be a positive number of seconds");
    return ReplaySeeds(*t, o, seeds, watchdog);
  }
  // A page that cannot be written is bad input, found before the run.
  std::string html = absl::GetFlag(FLAGS_html);
  if (show && !html.empty())
    if (absl::Status st = CheckHtmlPath(html); !st.ok()) return BadInput(std::string(st.message()));
  // The replay runs in a child: a trace whose core crashes the process
  // reports that crash (as safety) instead of taking llsim down with it.
  return ReplayIsolated([&] { return ReplayInThisProcess(*t, o, show, path); }, t->expect_failure, 0);
}

int ReplayInThisProcess(const TraceFile& trace, const RunOptions& o, bool show,
                        const std::string& path) {
  const TraceFile* t = &trace;
  std::string html = show ? absl::GetFlag(FLAGS_html) : "";
  Timeline timeline;
  RunOptions first = o;
  if (!html.empty()) first.timeline = &timeline;
  RunResult r = RunScenario(t->scenario, first);
  for (int i = 1; i < absl::GetFlag(FLAGS_repeat); i++) {
    RunResult again = RunScenario(t->scenario, o);
    if (again.hash != r.hash) {
      std::cout << "NOT DETERMINISTIC: run " << i + 1 << " gave hash " << HashHex(again.hash)
                << ", run 1 gave " << HashHex(r.hash) << "\n";
      return 1;
    }
  }
  if (show) {
    // Which scheduling choices the trace makes: a shrunk trace keeps only
    // those its failure needs; each applied one is a "schedule override"
    // note in the timeline below.
    const Scenario& sc = t->scenario;
    if (!sc.schedule.empty())
      std::cout << "schedule: " << sc.schedule.size() << " explicit choice(s) over "
                << sc.strategy << ": " << FormatScheduleOverrides(sc.schedule) << "\n";
    else if (sc.strategy == "fifo")
      std::cout << "schedule: plain fifo, no scheduling choices\n";
    else
      std::cout << "schedule: every choice from the " << sc.strategy << " strategy (seed "
                << sc.seed << ")\n";
  }
  if (o.keep_events) {
    for (const Event& e : r.event_list) {
      if (!absl::GetFlag(FLAGS_verbose) &&
          (e.kind == EventKind::kSchedChoice || e.kind == EventKind::kTimerFire ||
           e.kind == EventKind::kDiskComplete || e.kind == EventKind::kFiberExit))
        continue;
      std::cout << e.ToString() << "\n";
    }
  }
  if (show) {
    std::cout << "\n--- dmesg ---\n";
    for (const std::string& l : r.dmesg) std::cout << l << "\n";
    std::cout << "\n--- state transitions seen (" << r.transitions << ", "
              << r.coverage_cells << " table cells) ---\n"
              << r.coverage;
    std::cout << "\n--- hooks and md features reached ---\n";
    for (const auto& [name, n] : r.reach.Rows())
      if (n) std::cout << name << ": " << n << "\n";
  }
  for (const std::string& n : r.notes) std::cout << "note: " << n << "\n";
  if (!html.empty()) {
    HtmlTimelineInput page{path, LinkedCore().name, &r, &timeline};
    if (absl::Status st = WriteHtmlTimeline(html, page); !st.ok())
      return BadInput(std::string(st.message()));
    std::cout << "html: " << html << "\n";
  }
  std::string got = r.Failed() ? r.First()->property : "";
  std::cout << (r.Failed() ? "FAILED " + r.First()->ToString() : std::string("passed")) << "\n";
  std::cout << "hash " << HashHex(r.hash) << ", " << r.events << " events, "
            << absl::StrFormat("%.3f", r.virtual_time / 1e9) << "s virtual\n";
  bool same_failure = got == t->expect_failure;
  bool same_hash = t->expect_hash.empty() || t->expect_hash == HashHex(r.hash);
  if (same_failure && same_hash) {
    std::cout << "reproduced\n";
    return 0;
  }
  std::cout << "did NOT reproduce: expected "
            << (t->expect_failure.empty() ? "a pass" : t->expect_failure)
            << (same_hash ? "" : " and hash " + t->expect_hash) << "\n";
  return 1;
}

int CmdShrink(const std::string& path) {
  auto t = ReadTraceFile(path);
  if (!t.ok()) return BadInput(std::string(t.status().message()));
  RunOptions o;
  o.skip = t->skip;
  if (!SkipSet(&o.skip, path + ": skip")) return 2;
  double watchdog = absl::GetFlag(FLAGS_watchdog);
  IsolatedRunner runner(watchdog);
  RunOptions record = o;
  record.record_schedule = true;  // the choices the whole trace makes
  RunResult r = runner.Run(t->scenario, record);
  if (!r.Failed()) {
    std::cout << "the trace passes on this core: nothing to shrink\n";
    return 1;
  }
  // Each candidate runs in a child; a process death keeps its signature.
  int runs = 0;
  RunResult small_r = r;
  std::string death = r.process_died ? Signature(*r.First()) : "";
  ShrinkHooks sh;
  sh.still_fails = [&](const Scenario& c) {
    RunResult cr = runner.Run(c, o);
    if (!cr.Failed() || cr.First()->property != r.First()->property) return false;
    if (!death.empty() && Signature(*cr.First()) != death) return false;
    small_r = std::move(cr);
    return true;
  };
  sh.record = RecordVia([&](const Scenario& c, const RunOptions& ro) { return runner.Run(c, ro); },
                        o);
  ShrinkStats stats;
  Scenario small = ShrinkScenarioWith(t->scenario, sh, &stats);
  runs = stats.runs;
  std::cout << absl::StrFormat("shrunk from %d to %d operations in %d runs%s\n",
                               t->scenario.ops.size(), small.ops.size(), runs,
                               ChoicesNote(r.schedule_recorded ? (int64_t)r.schedule.size() : -1,
                                           small));
  PrintFailure(small_r, small);
  CoreInfo core = LinkedCore();
  TraceFile out{small, core.name, core.sha256, small_r.First()->property,
                small_r.process_died ? "" : HashHex(small_r.hash), o.skip};
  std::string dest = path + ".shrunk";
  if (absl::Status st = WriteTraceFile(dest, out); !st.ok()) return BadInput(std::string(st.message()));
  std::cout << "trace: " << dest << "\n";
  return 0;
}

int CmdDemo() {
  auto t = ParseTrace(kDemoTrace, "demo");
  if (!t.ok()) return BadInput(std::string(t.status().message()));
  RunOptions o;
  o.keep_events = true;
  RunResult r = RunScenario(t->scenario, o);
  std::cout << "llsim demo: core " << LinkedCore().name << "\n" << FormatTrace(*t) << "\n";
  for (const Event& e : r.event_list) {
    // kworker/md_llbitmap_io spawns are the daemon timer firing.
    bool show = e.kind == EventKind::kMd || e.kind == EventKind::kCrashDecision ||
                e.kind == EventKind::kNote || e.kind == EventKind::kFailure ||
                e.kind == EventKind::kCore || e.kind == EventKind::kFiberSpawn;
    if (show) std::cout << e.ToString() << "\n";
  }
  std::cout << (r.Failed() ? "FAILED " + r.First()->ToString() : std::string("passed: every property held"))
            << "\n" << absl::StrFormat("%d events, %.3fs virtual, hash %s\n", r.events,
                                       r.virtual_time / 1e9, HashHex(r.hash));
  return r.Failed() ? 1 : 0;
}

int CmdInfo() {
  CoreInfo c = LinkedCore();
  std::cout << "core:    " << c.name << " (" << c.kind << ")\n"
            << "source:  " << c.source << "\n"
            << "sha256:  " << c.sha256 << "\n"
            << "probed:  " << (c.defines.empty() ? "(defaults)" : c.defines) << "\n"
            // The md layouts the model runs the core on (a trace's array
            // line names its own; generated cases: 1 in 8 each 1.0 and 1.1).
            << "md:      raid1, raid10 (near, far, offset; near and offset reshape), raid4/5/6 "
               "(la ra ls rs pf pl); reshape onto more members or a larger chunk; "
               "generated cases pick one per case (--level pins it); metadata 1.0 1.1 1.2 "
               "(default 1.2)\n";
  return 0;
}

int CmdBench(const std::set<std::string>& given) {
  BenchOptions o;
  if (given.count("cases")) o.cases = absl::GetFlag(FLAGS_cases);
  o.seed = absl::GetFlag(FLAGS_seed);
  o.max_ops = absl::GetFlag(FLAGS_max_ops);
  o.json = absl::GetFlag(FLAGS_json);
  return RunBench(o);
}

// Every flag named on the command line exists and its value parses; absl
// itself would exit 1 with its own message, and bad input is exit 2 here.
int CheckFlags(const std::vector<std::string>& raw, std::set<std::string>* given) {
  for (size_t i = 0; i < raw.size(); i++) {
    const std::string& a = raw[i];
    if (a == "--") break;
    if (a.rfind("--", 0) != 0) continue;
    size_t eq = a.find('=');
    std::string name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (!flag && name.rfind("no", 0) == 0) {
      flag = absl::FindCommandLineFlag(name.substr(2));
      if (flag && flag->IsOfType<bool>() && eq == std::string::npos) {
        // --noX is a flag given too: a command it does not apply to says so.
        given->insert(std::string(flag->Name()));
        continue;
      }
      flag = nullptr;
    }
    if (!flag) return BadInput(absl::StrCat("unknown flag ", a, " (see llsim --help)"));
    given->insert(std::string(flag->Name()));
    std::string value;
    if (eq != std::string::npos) {
      value = a.substr(eq + 1);
    } else if (flag->IsOfType<bool>()) {
      continue;
    } else if (i + 1 < raw.size()) {
      value = raw[++i];
    } else {
      return BadInput(absl::StrCat("--", name, " needs a value (see llsim --help)"));
    }
    std::string error;
    if (!flag->ParseFrom(value, &error))
      return BadInput(absl::StrCat("--", name, ": '", value, "' is not ",
                                   flag->IsOfType<bool>() ? "true or false" : "a number",
                                   " (see llsim --help)"));
  }
  return 0;
}

// A flag that the command would ignore is bad input too: the user meant
// something by it.
int CheckFlagsApply(const std::string& cmd, const std::set<std::string>& given) {
  static const std::set<std::string> kCampaignOnly = {"seconds", "jobs", "shard", "known"};
  static const std::set<std::string> kExploreOnly = {"ops", "alphabet", "chunks", "members",
                                                     "preemptions", "crash_points", "subset_cap",
                                                     "dedup", "sleep_sets", "pct", "pct_depth",
                                                     "after_crash_preemptions"};
  static const std::set<std::string> kExploreAlso = {"seed", "jobs", "shard", "known", "json",
                                                     "out", "watchdog", "progress"};
  static const std::set<std::string> kCoverageFlags = {"cases", "seed", "jobs",     "out",
                                                       "watchdog", "progress"};
  static const std::set<std::string> kNotInCampaign = {"skip", "expect_failure", "max_shrunk",
                                                       "repeat", "verbose"};
  for (const std::string& f : given) {
    if (cmd == "explore") {
      if (!kExploreOnly.count(f) && !kExploreAlso.count(f))
        return BadInput(absl::StrCat("--", f, " does not apply to explore (see llsim --help)"));
      continue;
    }
    if (kExploreOnly.count(f))
      return BadInput(absl::StrCat("--", f, " applies to explore only (see llsim --help)"));
    if (cmd != "bench" && f == "json")
      return BadInput("--json applies to bench only (see llsim --help)");
    if (cmd != "show" && f == "html")
      return BadInput("--html applies to show only (see llsim --help)");
    if (cmd != "replay" && f == "seeds")
      return BadInput("--seeds applies to replay only (see llsim --help)");
    if (cmd == "coverage") {
      if (!kCoverageFlags.count(f))
        return BadInput(absl::StrCat("--", f, " does not apply to coverage (it takes --cases, "
                                     "--out, --seed, --jobs, --watchdog)"));
      continue;
    }
    if (f == "level" && cmd != "run" && cmd != "campaign")
      return BadInput("--level applies to run and campaign only (a trace names its own level)");
    if (cmd != "campaign" && kCampaignOnly.count(f))
      return BadInput(absl::StrCat("--", f, " applies to campaign only (see llsim --help)"));
    if (cmd == "campaign" && kNotInCampaign.count(f))
      return BadInput(absl::StrCat("--", f, " does not apply to campaign (a campaign checks every "
                                   "property and files each failure under its signature)"));
  }
  return 0;
}

}  // namespace
}  // namespace llsim

int main(int argc, char** argv) {
  using namespace llsim;
  TuneHeap(argv);
  std::vector<std::string> raw(argv + 1, argv + argc);
  for (const std::string& a : raw) {
    if (a == "--help" || a == "-h" || a == "--helpfull") {
      std::cout << kUsage;
      return 0;
    }
  }
  std::set<std::string> given;
  if (int rc = CheckFlags(raw, &given); rc) return rc;
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() < 2) {
    std::cout << kUsage;
    return 2;
  }
  std::string cmd = args[1];
  if (int rc = CheckFlagsApply(cmd, given); rc) return rc;
  if (given.count("html") && absl::GetFlag(FLAGS_html).empty())
    return BadInput("--html needs a file name (see llsim --help)");
  auto need_file = [&]() -> std::string { return args.size() == 3 ? args[2] : ""; };
  if (cmd == "help") {
    std::cout << kUsage;
    return 0;
  }
  if (cmd == "campaign") {
    CampaignFlags f;
    f.given = given;
    f.cases = absl::GetFlag(FLAGS_cases);
    f.seconds = absl::GetFlag(FLAGS_seconds);
    f.seed = absl::GetFlag(FLAGS_seed);
    f.jobs = absl::GetFlag(FLAGS_jobs);
    f.shard = absl::GetFlag(FLAGS_shard);
    f.profile = absl::GetFlag(FLAGS_profile);
    f.known = absl::GetFlag(FLAGS_known);
    f.out = given.count("out") ? absl::GetFlag(FLAGS_out) : "";
    f.strategy = absl::GetFlag(FLAGS_strategy);
    f.disk_order = absl::GetFlag(FLAGS_disk_order);
    f.level = absl::GetFlag(FLAGS_level);
    f.max_ops = absl::GetFlag(FLAGS_max_ops);
    f.watchdog = absl::GetFlag(FLAGS_watchdog);
    f.progress = absl::GetFlag(FLAGS_progress);
    return CampaignCommand(std::vector<std::string>(args.begin() + 2, args.end()), f);
  }
  if (cmd == "explore") {
    if (args.size() != 2) return BadInput("explore takes no arguments (see llsim --help)");
    ExploreFlags f;
    f.given = given;
    f.ops = absl::GetFlag(FLAGS_ops);
    f.alphabet = absl::GetFlag(FLAGS_alphabet);
    f.chunks = absl::GetFlag(FLAGS_chunks);
    f.members = absl::GetFlag(FLAGS_members);
    f.preemptions = absl::GetFlag(FLAGS_preemptions);
    f.after_crash_preemptions = absl::GetFlag(FLAGS_after_crash_preemptions);
    f.crash_points = absl::GetFlag(FLAGS_crash_points);
    f.subset_cap = absl::GetFlag(FLAGS_subset_cap);
    f.dedup = absl::GetFlag(FLAGS_dedup);
    f.sleep_sets = absl::GetFlag(FLAGS_sleep_sets);
    f.pct = absl::GetFlag(FLAGS_pct);
    f.pct_depth = absl::GetFlag(FLAGS_pct_depth);
    f.seed = absl::GetFlag(FLAGS_seed);
    f.jobs = absl::GetFlag(FLAGS_jobs);
    f.shard = absl::GetFlag(FLAGS_shard);
    f.known = absl::GetFlag(FLAGS_known);
    f.json = absl::GetFlag(FLAGS_json);
    f.out = absl::GetFlag(FLAGS_out);
    f.watchdog = absl::GetFlag(FLAGS_watchdog);
    f.progress = absl::GetFlag(FLAGS_progress);
    return ExploreCommand(f);
  }
  if (cmd == "coverage") {
    CoverageFlags f;
    f.given = given;
    f.cases = absl::GetFlag(FLAGS_cases);
    f.seed = absl::GetFlag(FLAGS_seed);
    f.jobs = absl::GetFlag(FLAGS_jobs);
    f.out = given.count("out") ? absl::GetFlag(FLAGS_out) : "";
    f.watchdog = absl::GetFlag(FLAGS_watchdog);
    f.progress = absl::GetFlag(FLAGS_progress);
    return CoverageCommand(std::vector<std::string>(args.begin() + 2, args.end()), f);
  }
  if (cmd == "run" && args.size() == 2) return CmdRun();
  if (cmd == "info" && args.size() == 2) return CmdInfo();
  if (cmd == "demo" && args.size() == 2) return CmdDemo();
  if (cmd == "bench" && args.size() == 2) return CmdBench(given);
  if (cmd == "replay" || cmd == "show" || cmd == "shrink") {
    std::string f = need_file();
    if (f.empty()) return BadInput(cmd + " takes one trace file");
    if (cmd == "shrink") return CmdShrink(f);
    return CmdReplay(f, cmd == "show", given.count("seeds") > 0);
  }
  if (cmd == "run" || cmd == "info" || cmd == "bench" || cmd == "demo")
    return BadInput(absl::StrCat(cmd, " takes no arguments (see llsim --help)"));
  return BadInput(absl::StrCat("unknown command '", cmd, "' (see llsim --help)"));
}
