// Shrinking; see shrink.h.
#include "properties/shrink.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "sim/choice_strategy.h"

namespace llsim {
namespace {

class Shrinker {
 public:
  Shrinker(const Scenario& s, const ShrinkHooks& h) : best_(s), h_(h) {}

  Scenario Run(ShrinkStats* stats) {
    OpsAndDelays();
    // Plain fifo first: if the failure needs no interleaving, none is shown.
    if (best_.strategy != "fifo" || !best_.schedule.empty()) {
      Scenario c = best_;
      c.strategy = "fifo";
      c.schedule.clear();
      Try(std::move(c));
    }
    bool changed = Crashes();
    changed |= Knobs();
    changed |= Choices(stats);
    if (changed) OpsAndDelays();
    if (stats) {
      stats->runs = runs_;
      if (stats->choices_before >= 0) stats->choices_after = ScheduleChoices(best_);
    }
    return best_;
  }

 private:
  bool Budget() const { return runs_ < h_.max_runs; }

  bool Try(Scenario c) {
    if (!Budget()) return false;
    runs_++;
    if (!h_.still_fails(c)) return false;
    best_ = std::move(c);
    return true;
  }

  // Greedy removal of each operation, then zeroing each delay, to a fixed
  // point.
  void OpsAndDelays() {
    bool progress = true;
    while (progress && Budget()) {
      progress = false;
      for (size_t i = 0; i < best_.ops.size() && Budget(); i++) {
        Scenario c = best_;
        c.ops.erase(c.ops.begin() + i);
        if (Try(std::move(c))) {
          progress = true;
          i--;
        }
      }
      for (size_t i = 0; i < best_.ops.size() && Budget(); i++) {
        if (best_.ops[i].delay == 0) continue;
        Scenario c = best_;
        c.ops[i].delay = 0;
        progress |= Try(std::move(c));
      }
    }
  }

  // Each crash lands as early as still fails (now, else half as many events
  // or microseconds, repeatedly) with the simplest policy that still fails:
  // drop everything not durable, keep it all, or random without tearing.
  bool Crashes() {
    bool changed = false;
    for (size_t i = 0; i < best_.ops.size() && Budget(); i++) {
      if (best_.ops[i].kind != OpKind::kCrash) continue;
      if (best_.ops[i].a || best_.ops[i].b) {
        Scenario now = best_;
        now.ops[i].a = now.ops[i].b = 0;
        if (Try(std::move(now))) {
          changed = true;
        } else {
          for (uint64_t Op::*f : {&Op::a, &Op::b})
            while (best_.ops[i].*f > 1 && Budget()) {
              Scenario c = best_;
              c.ops[i].*f /= 2;
              if (!Try(std::move(c))) break;
              changed = true;
            }
        }
      }
      const std::string policy = best_.ops[i].text.empty() ? "random" : best_.ops[i].text;
      std::vector<std::string> simpler;
      if (policy != "drop") simpler.push_back("drop");
      if (policy != "drop" && policy != "keep") simpler.push_back("keep");
      std::vector<std::string> p = absl::StrSplit(policy, ':');
      if (p.size() == 3 && p[2] != "0") simpler.push_back(absl::StrCat(p[0], ":", p[1], ":0"));
      for (const std::string& q : simpler) {
        Scenario c = best_;
        c.ops[i].text = q;
        if (Try(std::move(c))) {
          changed = true;
          break;
        }
      }
    }
    return changed;
  }

  // The world as plain as still fails: no stalls, fixed small latency, no
  // allocation failures, disks that complete overlapping writes in order.
  bool Knobs() {
    bool changed = false;
    auto attempt = [&](auto edit) {
      Scenario c = best_;
      edit(c);
      changed |= Try(std::move(c));
    };
    if (best_.stall_ppm) attempt([](Scenario& c) { c.stall_ppm = 0; c.stall_ms = 30000; });
    if (best_.latency_min_us != best_.latency_max_us || best_.latency_min_us > 20)
      attempt([](Scenario& c) { c.latency_min_us = c.latency_max_us = 20; });
    bool allocfail_ops = std::any_of(best_.ops.begin(), best_.ops.end(),
                                     [](const Op& o) { return o.kind == OpKind::kAllocFail; });
    if (best_.alloc_fail_ppm || allocfail_ops)
      attempt([](Scenario& c) {
        c.alloc_fail_ppm = 0;
        std::erase_if(c.ops, [](const Op& o) { return o.kind == OpKind::kAllocFail; });
      });
    if (best_.disk_order != "in-order") attempt([](Scenario& c) { c.disk_order = "in-order"; });
    return changed;
  }

  // The run's scheduling choices as explicit overrides over fifo, then
  // delta debugging over them: drop halves, quarters, ... then single
  // overrides, keeping each removal after which the failure stays.
  bool Choices(ShrinkStats* stats) {
    if (!h_.record || (best_.strategy == "fifo" && best_.schedule.empty()) || !Budget())
      return false;
    runs_++;
    std::optional<ScheduleOverrides> rec = h_.record(best_);
    if (!rec) return false;
    if (stats) stats->choices_before = (int64_t)rec->size();
    Scenario c = best_;
    c.strategy = "fifo";
    c.schedule = *rec;
    // The same interleaving, now explicit: it must fail as before.
    if (!Try(std::move(c))) {
      if (stats) stats->choices_before = -1;
      return false;
    }
    std::vector<std::pair<uint64_t, uint32_t>> items(best_.schedule.begin(),
                                                     best_.schedule.end());
    size_t n = 2;
    while (!items.empty() && Budget()) {
      size_t chunk = (items.size() + n - 1) / n;
      bool removed = false;
      for (size_t start = 0; start < items.size() && Budget(); start += chunk) {
        Scenario t = best_;
        t.schedule.clear();
        for (size_t j = 0; j < items.size(); j++)
          if (j < start || j >= start + chunk) t.schedule.insert(items[j]);
        if (Try(std::move(t))) {
          items.erase(items.begin() + start,
                      items.begin() + std::min(items.size(), start + chunk));
          n = std::max<size_t>(n - 1, 2);
          removed = true;
          break;
        }
      }
      if (removed) continue;
      if (n >= items.size()) break;
      n = std::min(items.size(), n * 2);
    }
    return true;
  }

  Scenario best_;
  const ShrinkHooks& h_;
  int runs_ = 0;
};

}  // namespace

Scenario ShrinkScenarioWith(const Scenario& s, const ShrinkHooks& hooks, ShrinkStats* stats) {
  return Shrinker(s, hooks).Run(stats);
}

int64_t ScheduleChoices(const Scenario& s) {
  if (s.strategy == "fifo") return (int64_t)s.schedule.size();
  return -1;
}

}  // namespace llsim
