// Search and shrink; see hunt.h.
#include "properties/hunt.h"

#include <iostream>
#include <sstream>

#include <rapidcheck.h>
#include <rapidcheck/detail/Configuration.h>
#include <rapidcheck/detail/TestListenerAdapter.h>

namespace llsim {

namespace {

// RapidCheck announces its configuration on first use and, through its
// default listener, prints its own reproduce hints at exit; llsim reports
// seeds and traces itself, so both are kept off the terminal.
void QuietRapidCheck() {
  static bool done = false;
  if (done) return;
  done = true;
  std::ostringstream sink;
  std::streambuf* old = std::cerr.rdbuf(sink.rdbuf());
  rc::detail::configuration();
  std::cerr.rdbuf(old);
}

}  // namespace

HuntResult Hunt(const HuntOptions& opts) {
  QuietRapidCheck();
  HuntResult h;
  std::string property;  // fixed by the first failure
  bool in_shrink = false;
  int generated = 0;
  auto prop = [&] {
    Scenario s = *GenScenario(opts.gen);
    if (opts.before_run) opts.before_run(s);
    RunResult r = opts.run_case ? opts.run_case(s, opts.run) : RunScenario(s, opts.run);
    if (!in_shrink) {
      h.cases_run = ++generated;
      if (opts.progress) opts.progress(generated, opts.cases);
    } else {
      h.shrink_runs++;
    }
    if (!r.Failed()) return;
    if (!in_shrink) {
      in_shrink = true;
      property = r.First()->property;
      h.original = s;
    } else if (r.First()->property != property) {
      return;  // a different failure: not the one being shrunk
    }
    h.failed = true;
    h.shrunk = s;
    h.result = r;
    if (opts.on_failure) opts.on_failure(s, r);
    RC_FAIL(r.First()->ToString());
  };
  rc::detail::TestParams params;
  params.seed = opts.seed;
  params.maxSuccess = opts.cases;
  params.maxSize = 100;
  rc::detail::TestMetadata meta;
  meta.id = "llsim";
  meta.description = "llsim properties";
  rc::detail::TestListenerAdapter quiet;
  rc::detail::checkTestable(prop, meta, params, quiet);
  return h;
}

Scenario ShrinkScenario(const Scenario& s, const std::string& property, RunResult* result,
                        int* runs, const RunOptions& ro, ShrinkStats* stats) {
  ShrinkHooks h;
  h.still_fails = [&](const Scenario& c) {
    (*runs)++;
    RunResult r = RunScenario(c, ro);
    if (!r.Failed() || r.First()->property != property) return false;
    *result = std::move(r);
    return true;
  };
  h.record = RecordVia([&](const Scenario& c, const RunOptions& o) {
    (*runs)++;
    return RunScenario(c, o);
  }, ro);
  return ShrinkScenarioWith(s, h, stats);
}

Scenario ShrinkScenarioWhile(const Scenario& s,
                             const std::function<bool(const Scenario&)>& still_fails,
                             int max_runs) {
  ShrinkHooks h;
  h.still_fails = still_fails;
  h.max_runs = max_runs;
  return ShrinkScenarioWith(s, h);
}

std::function<std::optional<std::map<uint64_t, uint32_t>>(const Scenario&)> RecordVia(
    std::function<RunResult(const Scenario&, const RunOptions&)> run, RunOptions o) {
  o.record_schedule = true;
  return [run = std::move(run), o](const Scenario& c)
             -> std::optional<std::map<uint64_t, uint32_t>> {
    RunResult r = run(c, o);
    if (!r.schedule_recorded) return std::nullopt;
    return r.schedule;
  };
}

}  // namespace llsim
