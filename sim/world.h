// One simulated machine: the virtual clock, the scheduler, the member
// disks, the fault plan and the event log, all fixed by one seed. A crash
// cancels every fiber and pending event, applies the crash policy to every
// disk and boots the clock again; the disks (and the log) live on.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/clock.h"
#include "sim/crash_policy.h"
#include "sim/disk.h"
#include "sim/event_log.h"
#include "sim/faults.h"
#include "sim/rng.h"
#include "sim/scheduler.h"

namespace llsim {

struct WorldConfig {
  uint64_t seed = 1;
  unsigned hz = 250;
  std::string strategy = "random";
  // Explicit scheduling decisions over the strategy's (choice_strategy.h),
  // and whether to record the run's decisions; either wraps the strategy.
  std::map<uint64_t, uint32_t> schedule;
  bool record_schedule = false;
  Nanos hung_task_limit = 120 * kNsPerSec;
  size_t keep_events = 1 << 20;  // events kept for diffs; the hash covers all
};

class World {
 public:
  // Fails with a clear message on a bad strategy name or HZ.
  static absl::StatusOr<std::unique_ptr<World>> Create(const WorldConfig& cfg);

  const WorldConfig& Config() const { return cfg_; }
  VirtualClock& Clock() { return clock_; }
  EventLog& Log() { return log_; }
  Scheduler& Sched() { return *sched_; }
  FaultPlan& Faults() { return faults_; }

  // A random stream for one named consumer (see rng.h).
  Rng Stream(const std::string& name) const { return Rng::Stream(cfg_.seed, name); }

  Disk& AddDisk(DiskGeometry g);
  Disk& GetDisk(int i) { return *disks_.at(i); }
  size_t DiskCount() const { return disks_.size(); }
  // Watches the media of every disk, those added later too (disk.h).
  void SetMediaObserver(MediaObserver fn);

  void Note(std::string text);

  // Layers above register what a crash must also throw away (their
  // in-memory state); called after the fibers are gone, before the disks
  // settle.
  void OnCrash(std::function<void()> fn) { crash_listeners_.push_back(std::move(fn)); }
  // `before_disks`, if set, runs after the fibers are cancelled and the
  // crash listeners ran, just before the disks decide: the disks are then
  // as the policy will find them.
  void Crash(CrashPolicy& policy, const std::function<void()>& before_disks = nullptr);

 private:
  explicit World(const WorldConfig& cfg, std::unique_ptr<Strategy> strategy);

  WorldConfig cfg_;
  VirtualClock clock_;
  EventLog log_;
  FaultPlan faults_;
  std::unique_ptr<Scheduler> sched_;
  std::vector<std::unique_ptr<Disk>> disks_;
  std::vector<std::function<void()>> crash_listeners_;
  MediaObserver media_observer_;
};

}  // namespace llsim
