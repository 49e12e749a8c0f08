// llsim bench: runs the measurements, prints the table, writes the JSON.
#include "properties/bench.h"

#include <sys/utsname.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "ci/campaign/report_json.h"
#include "properties/bench_parts.h"
#include "properties/runner.h"

namespace llsim {

namespace {

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown cpu";
}

std::string Kernel() {
  utsname u{};
  return uname(&u) == 0 ? absl::StrCat(u.sysname, " ", u.release) : "unknown";
}

std::string BuildType() {
  std::string t = LLSIM_BUILD_TYPE;
#ifdef LLSIM_ASAN
  t += " + ASan/UBSan";
#endif
  return t.empty() ? "unspecified" : t;
}

std::string Num(double v) { return absl::StrFormat("%.6g", v); }
std::string Opt(const std::optional<double>& v) { return v ? Num(*v) : "null"; }

struct Row {
  std::string key, value, target;
  bool met = true;
  bool has_target = false;
};

}  // namespace

int RunBench(const BenchOptions& o) {
  if (o.cases < 1) {
    std::cerr << "llsim: --cases must be at least 1\n";
    return 2;
  }
  if (!o.json.empty()) {
    std::ofstream probe(o.json, std::ios::app);
    if (!probe) {
      std::cerr << "llsim: --json: cannot write " << o.json << "\n";
      return 2;
    }
  }
  auto start = std::chrono::steady_clock::now();
  // A short run (few cases) scales every time box down with it.
  double scale = std::min(1.0, o.cases / 300.0);
  CoreInfo core = LinkedCore();
  std::cout << absl::StrFormat("llsim bench: %s, %d cores, %s; build %s; core %s (%s)\n",
                               CpuModel(), std::thread::hardware_concurrency(), Kernel(),
                               BuildType(), core.name, core.sha256.substr(0, 12));
  std::cout.flush();

  // Scenarios first, from a fresh process as a campaign worker starts, so
  // the kernel time share is not flattered by memory earlier parts left.
  ScenarioFigures sc = GeneratedScenarios(o.cases, o.seed, o.max_ops);
  std::cout << absl::StrFormat(
      "%d scenarios in %.2fs: %.1f scenarios/s, %.2fM events/s, %.0fx virtual/real time\n",
      o.cases, sc.scenarios.seconds, sc.scenarios.per_s,
      sc.events / sc.scenarios.seconds / 1e6, sc.virtual_seconds / sc.scenarios.seconds);
  std::cout.flush();
  std::vector<BenchWrite> mix = MakeWriteMix(o.seed, 3000, kGiBSectors);
  Rate raw = RawCoreWrites(mix, std::max(0.1, 1.0 * scale));
  Rate sim = SimWrites(std::vector<BenchWrite>(mix.begin(), mix.begin() + std::max<size_t>(
                                                                 100, mix.size() * scale)),
                       o.seed, std::max(0.1, 1.0 * scale));
  double overhead = sim.per_s > 0 ? raw.per_s / sim.per_s : 0;
  // 100 writes per cycle (fewer in a short run, whose figures are only
  // there to show the bench works).
  int writes = std::max(10, (int)(100 * scale));
  int cycles = std::max(1, (int)(5 * scale));
  Rate crash = CrashCycles(kGiBSectors, cycles, writes, 3.0 * scale, o.seed);
  Rate crash_tib = CrashCycles(kTiBSectors, cycles, writes, 3.0 * scale, o.seed);
  std::string self = o.self_exe;
  if (self.empty()) {
    std::error_code ec;
    self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  }
  // Hunts go on to their first failure (30 s at most); a short run caps
  // them at its number of cases.
  MutantFigures mut = MutantDetection(self, 5, o.cases < 300 ? o.cases : 1000000, 30.0);
  double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // What a crash cycle's resync is made of: the number that says whether
  // the crash-cycle target can be met at all (README, Benchmarks).
  double sync_per_cycle = crash.count ? (double)crash.sync_requests / crash.count : 0;
  std::vector<Row> rows = {
      {"raw_core_writes_per_s", Num(raw.per_s)},
      {"sim_writes_per_s", Num(sim.per_s), ">= 300000", sim.per_s >= 300000, true},
      {"overhead_ratio", Num(overhead), "<= 3", overhead <= 3, true},
      {"crash_cycles_per_s", Num(crash.per_s), ">= 1000", crash.per_s >= 1000, true},
      {"crash_cycles_per_s_1tib", Num(crash_tib.per_s), ">= half the 1 GiB figure",
       crash_tib.per_s * 2 >= crash.per_s, true},
      {"scenarios_per_s", Num(sc.scenarios.per_s), ">= 480", sc.scenarios.per_s >= 480, true},
      {"kernel_time_share", Num(sc.kernel_time_share), "< 0.10", sc.kernel_time_share < 0.10,
       true},
  };
  std::cout << absl::StrFormat("\n%-26s %14s  %-26s %s\n", "figure", "value", "target (issue 13)",
                               "met");
  for (const Row& r : rows)
    std::cout << absl::StrFormat("%-26s %14s  %-26s %s\n", r.key, r.value, r.target,
                                 r.has_target ? (r.met ? "yes" : "NO") : "");
  std::cout << absl::StrFormat("%-26s %14s\n", "minor_faults_per_scenario",
                               Num(sc.minor_faults_per_scenario));
  std::cout << absl::StrFormat("%-26s %14s\n", "sync_requests_per_cycle", Num(sync_per_cycle));
  if (sync_per_cycle > 0 && raw.per_s > 0)
    std::cout << absl::StrFormat(
        "  a crash cycle of %d writes resyncs %.0f chunks of %d (llbitmap infects every "
        "clean chunk of a bitmap block of 512 that writes dirty together): 1000 cycles/s "
        "would be %.3gM sync requests/s, %.1fx the rate of the core alone on writes\n",
        writes, sync_per_cycle, (int)(kGiBSectors / 128), sync_per_cycle * 1000 / 1e6,
        sync_per_cycle * 1000 / raw.per_s);
  std::cout << "\nmutant hunts: median seconds to a first failure over 5 seeds (target <= 10)\n";
  for (auto& [name, med] : mut.median_s) {
    bool ok = med && *med <= 10;
    std::cout << absl::StrFormat("  %-38s %10s  found %s  %s%s\n", name,
                                 med ? absl::StrFormat("%.2f", *med) : "not found",
                                 mut.detected[name], mut.property[name], ok ? "" : "  (NO)");
  }
  if (!mut.trace_replay_s.empty()) {
    std::cout << "mutants proved by a trace (not hunted): seconds until the mutant fails it, "
                 "seeds 1..100 in turn\n";
    for (auto& [name, s] : mut.trace_replay_s)
      std::cout << absl::StrFormat("  %-38s %10s\n", name,
                                   s ? absl::StrFormat("%.2f", *s) : "did not fail");
  }
  for (const std::string& n : mut.notes) std::cout << "  note: " << n << "\n";
  std::vector<std::string> problems;
  for (auto [what, r] : {std::pair<const char*, const Rate*>{"raw core writes", &raw},
                         {"sim writes", &sim}, {"crash cycles", &crash},
                         {"crash cycles 1 TiB", &crash_tib}})
    if (!r->problem.empty()) problems.push_back(absl::StrCat(what, ": ", r->problem));
  for (const std::string& p : problems) std::cout << "warning: " << p << "\n";
  std::cout << absl::StrFormat("bench took %.0fs\n", total);

  if (!o.json.empty()) {
    std::string j = "{\n";
    auto add = [&](const std::string& k, const std::string& v) {
      absl::StrAppend(&j, "  ", JsonQuote(k), ": ", v, ",\n");
    };
    add("machine", absl::StrCat("{\"cpu\": ", JsonQuote(CpuModel()), ", \"cores\": ",
                                std::thread::hardware_concurrency(),
                                ", \"kernel\": ", JsonQuote(Kernel()), "}"));
    add("build_type", JsonQuote(BuildType()));
    add("core", absl::StrCat("{\"name\": ", JsonQuote(core.name), ", \"sha256\": ",
                             JsonQuote(core.sha256), "}"));
    for (const Row& r : rows) add(r.key, r.value);
    add("minor_faults_per_scenario", Num(sc.minor_faults_per_scenario));
    add("sync_requests_per_cycle", Num(sync_per_cycle));
    add("sync_requests_per_cycle_1tib",
        Num(crash_tib.count ? (double)crash_tib.sync_requests / crash_tib.count : 0));
    add("events_per_s", Num(sc.events / sc.scenarios.seconds));
    add("scenarios", std::to_string(o.cases));
    add("raw_core_writes", std::to_string(raw.count));
    add("sim_writes", std::to_string(sim.count));
    add("crash_cycles", std::to_string(crash.count));
    add("crash_cycles_1tib", std::to_string(crash_tib.count));
    auto map = [](const std::map<std::string, std::optional<double>>& m) {
      std::vector<std::string> parts;
      for (auto& [k, v] : m) parts.push_back(absl::StrCat(JsonQuote(k), ": ", Opt(v)));
      return absl::StrCat("{", absl::StrJoin(parts, ", "), "}");
    };
    auto smap = [](const std::map<std::string, std::string>& m) {
      std::vector<std::string> parts;
      for (auto& [k, v] : m) parts.push_back(absl::StrCat(JsonQuote(k), ": ", JsonQuote(v)));
      return absl::StrCat("{", absl::StrJoin(parts, ", "), "}");
    };
    add("mutant_detect_median_s", map(mut.median_s));
    add("mutant_detected_seeds", smap(mut.detected));
    add("mutant_first_property", smap(mut.property));
    add("mutant_trace_replay_s", map(mut.trace_replay_s));
    std::vector<std::string> notes = mut.notes;
    notes.insert(notes.end(), problems.begin(), problems.end());
    std::vector<std::string> quoted;
    for (const std::string& n : notes) quoted.push_back(JsonQuote(n));
    add("notes", absl::StrCat("[", absl::StrJoin(quoted, ", "), "]"));
    absl::StrAppend(&j, "  \"bench_seconds\": ", Num(total), "\n}\n");
    std::ofstream out(o.json, std::ios::trunc);
    out << j;
    if (!out) {
      std::cerr << "llsim: --json: cannot write " << o.json << "\n";
      return 2;
    }
    std::cout << "figures: " << o.json << "\n";
  }
  return 0;
}

}  // namespace llsim
