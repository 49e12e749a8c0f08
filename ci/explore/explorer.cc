// The search over one workload; see explorer.h.
#include "ci/explore/explorer.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "ci/campaign/signature.h"
#include "core/kshim/src/store_track.h"
#include "sim/choice_strategy.h"
#include "sim/rng.h"

namespace llsim {

void ExploreTally::Add(const ExploreTally& o) {
  for (const TallyField& f : kTallyFields)
    this->*f.field = f.maximum ? std::max(this->*f.field, o.*f.field) : this->*f.field + o.*f.field;
  for (const auto& [sig, n] : o.known) known[sig] += n;
}

namespace {

// The crash op the explorer arms as the workload's first operation: it
// lands once the log holds the event after `event` of the crash-free run
// (the armed note is one event more), with the persistence `script`.
Op CrashOp(const RunResult& free_run, uint64_t event, const std::string& script) {
  Op op{OpKind::kCrash};
  op.text = "script:" + script;
  op.a = event + 2 - free_run.ops_start_event;
  return op;
}

std::string Script(uint64_t mask, uint64_t n) {
  std::string s(n, 'd');
  for (uint64_t i = 0; i < n; i++)
    if (mask >> i & 1) s[i] = 'k';
  return s;
}

uint64_t Fibers(const RunResult& r) {
  uint64_t n = 0;
  for (const Event& e : r.event_list)
    if (e.kind == EventKind::kFiberSpawn) n++;
  return n;
}

}  // namespace

bool SleepSetsAvailable() { return store_track::HooksActive(); }

RunResult WorkloadExplorer::Execute(const Scenario& s, RunOptions o) {
  o.keep_going = true;
  o.failure_key = [](const Verdict& v) { return Signature(v); };
  tally_.executions++;
  if (before_run_) before_run_(s);
  return RunScenario(s, o);
}

bool WorkloadExplorer::Judge(const Scenario& s, const RunResult& r, const std::string& how) {
  for (const Verdict& v : r.failures) {
    std::string sig = Signature(v);
    if (known_.count(sig)) {
      tally_.known[sig]++;
      continue;
    }
    Counterexample cx;
    cx.trace.scenario = s;
    CoreInfo core = LinkedCore();
    cx.trace.core_name = core.name;
    cx.trace.core_sha256 = core.sha256;
    cx.trace.expect_failure = v.property;
    // A replay stops at its first failure: look past the known ones
    // before it, and pin the hash of that run.
    for (const Verdict& before : r.failures) {
      if (&before == &v) break;
      if (before.property != v.property) cx.trace.skip.insert(before.property);
    }
    RunOptions plain;
    plain.skip = cx.trace.skip;
    RunResult again = RunScenario(s, plain);
    if (again.Failed() && again.First()->property == v.property)
      cx.trace.expect_hash = absl::StrFormat("%016x", again.hash);
    cx.verdict = v;
    cx.signature = sig;
    cx.workload = workload_;
    cx.how = how;
    cx_ = std::move(cx);
    return false;
  }
  return true;
}

bool WorkloadExplorer::Explore(uint64_t index) {
  workload_ = index;
  seen_before_.clear();
  seen_after_.clear();
  tally_.workloads++;
  Scenario base = WorkloadScenario(b_, WorkloadLetters(b_, index));
  return b_.pct_runs ? ExplorePct(base) : ExploreSchedules(base);
}

RunOptions::CrashProbe WorkloadExplorer::Probe(std::vector<CrashPoint>* out) {
  CrashPoints mode = b_.crash_points;
  return [out, mode](const std::vector<Event>& ev, uint64_t from, uint64_t to,
                     const std::function<uint64_t()>& key) {
    // Every boundary among events [from, to) lands its crash here: one
    // point, named after the last of them.
    int64_t last = -1;
    for (uint64_t i = from; i < to && i < ev.size(); i++)
      if (mode == CrashPoints::kStep || ev[i].kind == EventKind::kDiskSubmit ||
          ev[i].kind == EventKind::kDiskComplete)
        last = (int64_t)i;
    if (last >= 0) out->push_back({(uint64_t)last, key()});
  };
}

bool WorkloadExplorer::ExploreSchedules(const Scenario& base) {
  // Depth first over deviations from fifo (delay bounding): a child adds
  // one override at a decision after its parent's last, so every set of up
  // to `preemptions` deviations is met exactly once.
  std::vector<Node> stack{Node{}};
  while (!stack.empty()) {
    Node n = std::move(stack.back());
    stack.pop_back();
    Scenario s = base;
    s.schedule = n.overrides;
    std::vector<DecisionPoint> journal;
    std::vector<CrashPoint> points;
    RunOptions o;
    o.decisions = &journal;
    o.keep_events = b_.crash_points != CrashPoints::kNone || n.overrides.empty();
    if (b_.crash_points != CrashPoints::kNone) o.crash_point_probe = Probe(&points);
    RunResult r = Execute(s, o);
    tally_.schedules++;
    tally_.max_decisions = std::max<uint64_t>(tally_.max_decisions, journal.size());
    if (n.overrides.empty()) tally_.max_fibers = std::max(tally_.max_fibers, Fibers(r));
    std::string how = n.overrides.empty()
                          ? "fifo schedule, no crash"
                          : absl::StrCat("schedule ", FormatScheduleOverrides(n.overrides),
                                         ", no crash");
    if (!Judge(s, r, how)) return false;
    if (n.used < b_.preemptions)
      PushChildren(journal, n, &stack, [&](size_t k) {
        tally_.sleep_skipped++;
        if (b_.verify_sleep_sets) VerifySkip(base, n, k, journal);
      });
    if (b_.crash_points == CrashPoints::kNone) continue;
    uint64_t from = n.last >= 0 ? journal[n.last].event : r.ops_start_event;
    if (!CrashesAfter(s, r, points, from)) return false;
  }
  return true;
}

void WorkloadExplorer::PushChildren(const std::vector<DecisionPoint>& journal, const Node& n,
                                    std::vector<Node>* stack,
                                    const std::function<void(size_t)>& skipped) {
  // Pushed last decision first, so the earliest deviation runs first.
  for (size_t k = journal.size(); k-- > (size_t)(n.last + 1);) {
    const DecisionPoint& d = journal[k];
    for (uint32_t c = d.options; c-- > 0;) {
      if (c == d.fifo) continue;
      if (SleepSkips(journal, n, k)) {
        skipped(k);
        continue;
      }
      Node child{n.overrides, (int64_t)k, n.used + 1};
      child.overrides[k] = c;
      stack->push_back(std::move(child));
    }
  }
}

bool WorkloadExplorer::SleepSkips(const std::vector<DecisionPoint>& journal, const Node& n,
                                  size_t k) const {
  const DecisionPoint& d = journal[k];
  if (!b_.sleep_sets || !d.time_point) return false;
  if (!d.pure_step && !b_.sleep_sets_ignore_purity_for_test) return false;
  // The previous Preempt call's time point: the nearest one before k (a
  // pure step makes no decisions), if the parent may still deviate there.
  for (size_t j = k; j-- > (size_t)(n.last + 1);)
    if (journal[j].time_point) return journal[j].point + 1 == d.point;
  return false;
}

namespace {

// What a run did, with the scheduler's own bookkeeping left out: choice
// events and override notes name decisions, which move with the point
// where time passed; everything else must be the same event for event.
std::vector<std::string> Behaviour(const RunResult& r) {
  std::vector<std::string> out;
  for (const Event& e : r.event_list)
    if (e.kind != EventKind::kSchedChoice && e.kind != EventKind::kNote)
      out.push_back(e.ToString());
  for (const Verdict& v : r.failures) out.push_back("failure " + Signature(v));
  return out;
}

}  // namespace

void WorkloadExplorer::VerifySkip(const Scenario& base, const Node& n, size_t k,
                                  const std::vector<DecisionPoint>& journal) {
  size_t rep = k;
  while (SleepSkips(journal, n, rep))
    do rep--;
    while (!journal[rep].time_point);
  auto run = [&](size_t at) {
    Scenario s = base;
    s.schedule = n.overrides;
    s.schedule[at] = 1;
    RunOptions o;
    o.keep_events = true;
    o.keep_going = true;
    o.failure_key = [](const Verdict& v) { return Signature(v); };
    return Behaviour(RunScenario(s, o));
  };
  if (run(k) != run(rep)) tally_.sleep_mismatches++;
}

bool WorkloadExplorer::CrashesAfter(const Scenario& s, const RunResult& run,
                                    const std::vector<CrashPoint>& points, uint64_t from) {
  for (const CrashPoint& p : points) {
    if (p.event < from || p.event >= run.ops_end_event) continue;
    tally_.crash_points++;
    if (b_.dedup && !seen_before_.insert(p.key).second) {
      tally_.crash_points_seen++;
      continue;
    }
    uint64_t i = p.event;
    Scenario c = s;
    c.ops.insert(c.ops.begin(), CrashOp(run, i, ""));
    // The first subset (every write dropped) asks the policy about the
    // most writes: no PREFLUSH write it keeps forces an earlier one kept.
    // It also plans the other subsets, all of them up to the cap, else a
    // sample of as many as the cap allows (drawn from the run's seed and
    // the point), and has the runner predict the state each would reach.
    uint64_t asked = 0, n = 0;
    std::vector<std::string> scripts;
    std::vector<uint64_t> predicted;
    auto plan = [&](uint64_t a) {
      asked = a;
      n = std::min<uint64_t>(asked, 63);
      std::vector<uint64_t> masks;
      if (asked <= (uint64_t)b_.subset_cap) {
        for (uint64_t m = 1; m < (1ull << asked); m++) masks.push_back(m);
      } else {
        tally_.sampled_points++;
        Rng rng = Rng::Stream(b_.seed, absl::StrCat("subsets ", workload_, " ", i));
        for (uint64_t m = 1; m < (1ull << b_.subset_cap); m++)
          masks.push_back(rng.Next() & ((1ull << n) - 1));
      }
      for (uint64_t m : masks) scripts.push_back(Script(m, n));
      return scripts;
    };
    // `expect`: the state the runner predicted for this subset, or 0.
    auto after = [&](const CrashState& st, uint64_t expect) {
      if (!st.armed) return true;  // a crash letter of the workload
      if (!st.decided) {
        if (st.key != p.key) tally_.key_mismatches++;
        return true;
      }
      if (expect && st.key != expect) tally_.subset_mismatches++;
      if (b_.dedup && !seen_after_.insert(st.key).second) {
        tally_.crash_states_seen++;
        return false;
      }
      tally_.crash_states++;
      return true;
    };
    // With after_crash_preemptions, each run that meets a new state after
    // the crash records its decisions, and where the crash landed in them.
    bool raced = b_.after_crash_preemptions > 0;
    std::vector<DecisionPoint> journal;
    size_t crash_at = 0;
    uint64_t crash_key = 0;
    bool ran_on = false;
    auto land = [&](const CrashState& st, uint64_t expect) {
      bool on = after(st, expect);
      if (st.armed && st.decided) {
        ran_on = on;
        crash_at = journal.size();
        crash_key = st.key;
      }
      return on;
    };
    RunOptions o;
    o.crash_subsets = plan;
    if (raced) o.decisions = &journal;
    o.on_crash = [&](const CrashState& st) {
      if (st.armed && st.decided) predicted = st.predicted;
      return land(st, 0);
    };
    RunResult r = Execute(c, o);
    tally_.subsets++;
    std::string how = absl::StrCat("crash after event ", i, ", every pending write dropped");
    if (!Judge(c, r, how)) return false;
    if (raced && ran_on && !ExploreAfterCrash(c, journal, crash_at, crash_key, how)) return false;
    tally_.max_pending = std::max(tally_.max_pending, asked);
    for (size_t j = 0; j < scripts.size(); j++) {
      tally_.subsets++;
      uint64_t expect = j < predicted.size() ? predicted[j] : 0;
      // A state met before is not run again (deduplication), whether the
      // crash would meet it or the prediction says it will.
      if (b_.dedup && expect && seen_after_.contains(expect)) {
        tally_.crash_states_seen++;
        tally_.subsets_predicted++;
        continue;
      }
      const std::string& script = scripts[j];
      Scenario cs = s;
      cs.ops.insert(cs.ops.begin(), CrashOp(run, i, script));
      RunOptions so;
      journal.clear();
      ran_on = false;
      if (raced) so.decisions = &journal;
      so.on_crash = [&](const CrashState& st) { return land(st, expect); };
      RunResult rs = Execute(cs, so);
      std::string shows = absl::StrCat("crash after event ", i, ", writes kept: ", script);
      if (!Judge(cs, rs, shows)) return false;
      if (raced && ran_on && !ExploreAfterCrash(cs, journal, crash_at, crash_key, shows))
        return false;
    }
  }
  return true;
}

bool WorkloadExplorer::ExploreAfterCrash(const Scenario& c,
                                         const std::vector<DecisionPoint>& journal, size_t from,
                                         uint64_t key, const std::string& how) {
  // The same depth-first search over deviations as ExploreSchedules, rooted
  // at the crash run (already run and judged): its deviations all come at
  // or after the crash, so the crash lands where it did every time.
  std::vector<Node> stack{Node{c.schedule, (int64_t)from - 1, 0}};
  bool root = true;
  while (!stack.empty()) {
    Node n = std::move(stack.back());
    stack.pop_back();
    std::vector<DecisionPoint> own;
    const std::vector<DecisionPoint>* jp = &journal;
    if (!root) {
      Scenario x = c;
      x.schedule = n.overrides;
      RunOptions o;
      o.decisions = &own;
      o.on_crash = [&](const CrashState& st) {
        if (st.armed && st.decided && st.key != key) tally_.key_mismatches++;
        return true;
      };
      RunResult r = Execute(x, o);
      tally_.after_crash_schedules++;
      if (!Judge(x, r, absl::StrCat(how, ", then schedule ", FormatScheduleOverrides(n.overrides))))
        return false;
      jp = &own;
    }
    root = false;
    if (n.used < b_.after_crash_preemptions)
      PushChildren(*jp, n, &stack, [&](size_t) { tally_.after_crash_skipped++; });
  }
  return true;
}

bool WorkloadExplorer::ExplorePct(const Scenario& base) {
  // PCT's change points are drawn among as many steps as the fifo
  // execution takes decisions (its bound, explore_report.h, uses that k).
  std::vector<DecisionPoint> fifo_journal;
  RunOptions fo;
  fo.decisions = &fifo_journal;
  RunResult fifo = Execute(base, fo);
  if (!Judge(base, fifo, "fifo schedule, no crash")) return false;
  uint64_t steps = std::max<uint64_t>(fifo_journal.size(), 1);
  tally_.max_decisions = std::max(tally_.max_decisions, steps);
  // Each sample: a PCT schedule, then a crash at a point drawn from that
  // schedule's crash points (or none) and a random persistence subset.
  for (int run = 0; run < b_.pct_runs; run++) {
    Scenario s = base;
    s.strategy = absl::StrCat("pct:", b_.pct_depth, ":", steps);
    s.seed = Rng::Stream(b_.seed, absl::StrCat("pct ", workload_, " ", run)).Next() | 1;
    std::vector<DecisionPoint> journal;
    RunOptions o;
    o.decisions = &journal;
    o.keep_events = true;
    RunResult r = Execute(s, o);
    tally_.schedules++;
    tally_.max_fibers = std::max(tally_.max_fibers, Fibers(r));
    if (!Judge(s, r, absl::StrCat("pct schedule (seed ", s.seed, "), no crash"))) return false;
    if (b_.crash_points == CrashPoints::kNone) continue;
    std::vector<uint64_t> points;
    for (uint64_t i = r.ops_start_event; i < r.ops_end_event && i < r.event_list.size(); i++) {
      EventKind k = r.event_list[i].kind;
      if (b_.crash_points == CrashPoints::kStep || k == EventKind::kDiskSubmit ||
          k == EventKind::kDiskComplete)
        points.push_back(i);
    }
    if (points.empty()) continue;
    Rng rng = Rng::Stream(s.seed, "pct crash");
    uint64_t i = points[rng.Below(points.size())];
    std::string script;
    for (int k = 0; k < 16; k++) script += rng.Chance(1, 2) ? 'k' : 'd';
    Scenario c = s;
    c.ops.insert(c.ops.begin(), CrashOp(r, i, script));
    RunOptions co;
    co.on_crash = [&](const CrashState& st) {
      if (!st.armed) return true;
      if (!st.decided) tally_.crash_points++;
      else tally_.crash_states++;
      return true;
    };
    RunResult rc = Execute(c, co);
    tally_.subsets++;
    if (!Judge(c, rc, absl::StrCat("pct schedule (seed ", s.seed, "), crash after event ", i,
                                   ", writes kept: ", script)))
      return false;
  }
  return true;
}

}  // namespace llsim
