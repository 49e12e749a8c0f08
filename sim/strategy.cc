// Scheduling strategies; see strategy.h.
#include "sim/strategy.h"

#include <algorithm>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "sim/scheduler.h"

namespace llsim {
namespace {

class FifoStrategy : public Strategy {
 public:
  std::string Name() const override { return "fifo"; }
  size_t Pick(const std::vector<Fiber*>& c, int current) override {
    return current >= 0 ? (size_t)current : 0;
  }
};

class RandomStrategy : public Strategy {
 public:
  // How bursty a run is, per world: a CPU that gets to run keeps running
  // for a while (a race that needs one side to take several steps inside
  // another's window wants runs, not a coin per step).
  explicit RandomStrategy(Rng rng) : rng_(rng), stay_eighths_(kStay[rng_.Below(3)]) {}
  std::string Name() const override { return "random"; }
  size_t Pick(const std::vector<Fiber*>& c, int current) override {
    // A fiber at a preemption point inside a critical section (a lock
    // held, an interrupt) is now and then parked for a few picks while the
    // others go on: the window where lockless races live, held open long
    // enough for another CPU to take several steps inside it.
    if (current >= 0 && c[current]->atomic_depth > 0 && rng_.Chance(1, kParkChance)) {
      parked_ = c[current]->id;
      park_left_ = kParkSteps;
    }
    if (park_left_ > 0) {
      park_left_--;
      size_t n = 0;
      for (Fiber* f : c) n += f->id != parked_;
      if (n > 0 && n < c.size()) {
        size_t k = rng_.Below(n);
        for (size_t i = 0; i < c.size(); i++)
          if (c[i]->id != parked_ && k-- == 0) return i;
      }
    }
    if (current >= 0 && rng_.Chance(stay_eighths_, 8)) return (size_t)current;
    return rng_.Below(c.size());
  }
  bool LetTimePass(uint64_t gap) override {
    return gap <= kTimePassHorizon && rng_.Chance(1, kTimePassChance);
  }

 private:
  Rng rng_;
  static constexpr uint64_t kStay[3] = {0, 4, 7};
  static constexpr uint64_t kParkChance = 8;
  static constexpr int kParkSteps = 32;
  uint64_t stay_eighths_;
  uint64_t parked_ = 0;
  int park_left_ = 0;
};

class PctStrategy : public Strategy {
 public:
  PctStrategy(Rng rng, unsigned depth, uint64_t steps) : rng_(rng), depth_(depth) {
    for (unsigned i = 1; i < depth; i++) change_at_[1 + rng_.Below(steps)] = depth - i;
  }
  std::string Name() const override { return absl::StrCat("pct:", depth_); }
  bool LetTimePass(uint64_t gap) override {
    return gap <= kTimePassHorizon && rng_.Chance(1, kTimePassChance);
  }
  void OnSpawn(Fiber& f) override {
    // Initial priorities sit above every change-point priority.
    f.strategy_word = depth_ + rng_.Below(1u << 20);
  }
  size_t Pick(const std::vector<Fiber*>& c, int current) override {
    step_++;
    auto it = change_at_.find(step_);
    if (it != change_at_.end() && current >= 0) c[current]->strategy_word = it->second;
    size_t best = 0;
    uint64_t best_prio = c[0]->strategy_word;
    for (size_t i = 1; i < c.size(); i++) {
      uint64_t p = c[i]->strategy_word;
      if (p > best_prio) {
        best = i;
        best_prio = p;
      }
    }
    return best;
  }

 private:
  Rng rng_;
  unsigned depth_;
  uint64_t step_ = 0;
  std::map<uint64_t, uint64_t> change_at_;  // step -> new low priority
  // A fiber's priority is its Fiber::strategy_word.
};

class ReplayStrategy : public Strategy {
 public:
  explicit ReplayStrategy(std::vector<uint32_t> picks) : picks_(std::move(picks)) {}
  std::string Name() const override { return "replay"; }
  size_t Pick(const std::vector<Fiber*>& c, int current) override {
    if (next_ >= picks_.size() || picks_[next_] >= c.size()) {
      diverged_ = true;
      next_++;
      return current >= 0 ? (size_t)current : 0;
    }
    return picks_[next_++];
  }
  bool Diverged() const override { return diverged_; }

 private:
  std::vector<uint32_t> picks_;
  size_t next_ = 0;
  bool diverged_ = false;
};

}  // namespace

std::unique_ptr<Strategy> MakeFifoStrategy() { return std::make_unique<FifoStrategy>(); }
std::unique_ptr<Strategy> MakeRandomStrategy(Rng rng) {
  return std::make_unique<RandomStrategy>(rng);
}
std::unique_ptr<Strategy> MakePctStrategy(Rng rng, unsigned depth, uint64_t steps) {
  return std::make_unique<PctStrategy>(rng, std::max(depth, 1u), std::max<uint64_t>(steps, 1));
}
std::unique_ptr<Strategy> MakeReplayStrategy(std::vector<uint32_t> picks) {
  return std::make_unique<ReplayStrategy>(std::move(picks));
}

absl::StatusOr<std::unique_ptr<Strategy>> MakeStrategy(const std::string& spec, Rng rng) {
  if (spec == "fifo") return MakeFifoStrategy();
  if (spec == "random") return MakeRandomStrategy(rng);
  if (spec == "pct") return MakePctStrategy(rng, 3, 2000);
  if (spec.rfind("pct:", 0) == 0) {
    unsigned depth;
    uint64_t steps = 20000;
    std::string rest = spec.substr(4);
    // pct:<depth>:<steps>: change points among the first `steps` picks
    // (the explorer sizes it to the schedule, for PCT's bound).
    if (size_t colon = rest.find(':'); colon != std::string::npos) {
      if (!absl::SimpleAtoi(rest.substr(colon + 1), &steps) || steps == 0) steps = 0;
      rest = rest.substr(0, colon);
    }
    if (steps && absl::SimpleAtoi(rest, &depth) && depth >= 1 && depth <= 64)
      return MakePctStrategy(rng, depth, steps);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown scheduling strategy '", spec, "' (use fifo, random, pct, pct:<depth 1-64> or pct:<depth>:<steps>)"));
}

}  // namespace llsim
