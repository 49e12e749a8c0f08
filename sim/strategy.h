// Scheduling strategies: who runs next at a preemption point or after a
// fiber blocks. Every pick among two or more candidates is recorded as an
// event, so a replay strategy can feed the same picks back.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/rng.h"

namespace llsim {

struct Fiber;

// How far ahead, and how often, a strategy lets an interrupt land inside
// running code (see Strategy::LetTimePass).
constexpr uint64_t kTimePassHorizon = 100'000'000;  // 100 ms
constexpr uint64_t kTimePassChance = 32;             // 1 in 32 points

class Strategy {
 public:
  virtual ~Strategy() = default;
  virtual std::string Name() const = 0;
  // candidates are in the order they became runnable; at a preemption point
  // the preempted fiber is last and `current` is its index, else -1.
  virtual size_t Pick(const std::vector<Fiber*>& candidates, int current) = 0;
  virtual void OnSpawn(Fiber& f) {}
  // At a preemption point, with the next timer or IO completion `gap`
  // away: let that much time pass now, as if the running code took it,
  // so the interrupt lands in the middle of whatever runs.
  virtual bool LetTimePass(uint64_t gap) { return false; }
  // True once a replay strategy ran out of recorded picks or met a pick that
  // does not fit: the run is no longer the recorded one.
  virtual bool Diverged() const { return false; }
  // Recording strategies (choice_strategy.h): the decisions so far that
  // differ from the fifo default, by decision number; else null.
  virtual const std::map<uint64_t, uint32_t>* Recorded() const { return nullptr; }
  // The number of the decision just made if an explicit override made it,
  // else -1 (the scheduler notes applied overrides in the event log).
  virtual int64_t LastOverride() const { return -1; }
};

// Run-to-block: a preempted fiber keeps running; otherwise oldest first.
std::unique_ptr<Strategy> MakeFifoStrategy();
// Uniform among candidates at every point; now and then lets time pass at
// a preemption point (kTimePassChance, up to kTimePassHorizon ahead).
std::unique_ptr<Strategy> MakeRandomStrategy(Rng rng);
// Probabilistic concurrency testing (Burckhardt et al. 2010): random fiber
// priorities, depth-1 priority change points among the first `steps` picks;
// lets time pass as the random strategy does.
std::unique_ptr<Strategy> MakePctStrategy(Rng rng, unsigned depth, uint64_t steps);
// Feeds back recorded pick indices, one per multi-candidate pick.
std::unique_ptr<Strategy> MakeReplayStrategy(std::vector<uint32_t> picks);

// "fifo", "random", "pct" or "pct:<depth>" by name.
absl::StatusOr<std::unique_ptr<Strategy>> MakeStrategy(const std::string& spec, Rng rng);

}  // namespace llsim
