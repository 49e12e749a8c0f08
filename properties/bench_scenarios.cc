// Generated scenarios per second, and where their time goes (bench.h).
#include <sys/resource.h>

#include <chrono>

#include "properties/bench_parts.h"
#include "properties/generators.h"
#include "properties/runner.h"

namespace llsim {

namespace {

struct Usage {
  double user = 0, sys = 0;
  long minflt = 0;
};

Usage Now() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return {u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6, u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6,
          u.ru_minflt};
}

}  // namespace

ScenarioFigures GeneratedScenarios(int cases, uint64_t seed, int max_ops) {
  ScenarioFigures f;
  GenOptions g;
  g.max_ops = max_ops;
  auto gen = GenScenario(g);
  Usage before = Now();
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < cases; i++) {
    // One independent stream per case (a Random cannot split once used).
    rc::Random rnd(seed * 1000003 + i);
    Scenario s = gen(rnd, 50).value();
    RunResult r = RunScenario(s);
    f.events += r.events;
    f.virtual_seconds += r.virtual_time / 1e9;
  }
  f.scenarios.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  Usage after = Now();
  f.scenarios.count = cases;
  f.scenarios.per_s = cases / f.scenarios.seconds;
  double user = after.user - before.user, sys = after.sys - before.sys;
  f.kernel_time_share = user + sys > 0 ? sys / (user + sys) : 0;
  f.minor_faults_per_scenario = double(after.minflt - before.minflt) / cases;
  return f;
}

}  // namespace llsim
