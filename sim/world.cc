// One simulated machine; see world.h.
#include "sim/world.h"

#include "absl/strings/str_cat.h"
#include "sim/choice_strategy.h"

namespace llsim {

absl::StatusOr<std::unique_ptr<World>> World::Create(const WorldConfig& cfg) {
  if (cfg.hz == 0 || kNsPerSec % cfg.hz != 0 || cfg.hz > 10000)
    return absl::InvalidArgumentError(
        absl::StrCat("HZ ", cfg.hz, " is not supported (use 100, 250, 300 or 1000)"));
  auto strategy = MakeStrategy(cfg.strategy, Rng::Stream(cfg.seed, "scheduler"));
  if (!strategy.ok()) return strategy.status();
  // Unwrapped unless asked: a run without overrides is the strategy alone.
  if (!cfg.schedule.empty() || cfg.record_schedule)
    *strategy = MakeChoiceStrategy(std::move(*strategy), cfg.schedule, cfg.record_schedule);
  return std::unique_ptr<World>(new World(cfg, std::move(*strategy)));
}

World::World(const WorldConfig& cfg, std::unique_ptr<Strategy> strategy)
    : cfg_(cfg), clock_(cfg.hz), log_(cfg.keep_events) {
  SchedulerOptions opts;
  opts.hung_task_limit = cfg.hung_task_limit;
  sched_ = std::make_unique<Scheduler>(clock_, log_, std::move(strategy), opts);
}

Disk& World::AddDisk(DiskGeometry g) {
  int i = (int)disks_.size();
  disks_.push_back(std::make_unique<Disk>(i, g, *sched_, faults_,
                                          Stream(absl::StrCat("disk", i, ".latency")),
                                          Stream(absl::StrCat("disk", i, ".faults"))));
  if (media_observer_) disks_.back()->SetMediaObserver(media_observer_);
  return *disks_.back();
}

void World::SetMediaObserver(MediaObserver fn) {
  media_observer_ = std::move(fn);
  for (auto& d : disks_) d->SetMediaObserver(media_observer_);
}

void World::Note(std::string text) {
  log_.Record({clock_.Now(), EventKind::kNote, 0, 0, 0, std::move(text)});
}

void World::Crash(CrashPolicy& policy, const std::function<void()>& before_disks) {
  Note(absl::StrCat("crash (policy ", policy.Name(), ")"));
  sched_->CancelAll();
  for (auto& fn : crash_listeners_) fn();
  if (before_disks) before_disks();
  for (auto& d : disks_) d->Crash(policy);
  clock_.Boot();
}

}  // namespace llsim
