// The deterministic scheduler; see scheduler.h.
#include "sim/scheduler.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

#if defined(LLSIM_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#define LLSIM_START_SWITCH(save, bottom, size) __sanitizer_start_switch_fiber(save, bottom, size)
#define LLSIM_FINISH_SWITCH(save, bottom, size) __sanitizer_finish_switch_fiber(save, bottom, size)
#define LLSIM_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define LLSIM_START_SWITCH(save, bottom, size) ((void)(save), (void)(bottom), (void)(size))
#define LLSIM_FINISH_SWITCH(save, bottom, size) ((void)(save), (void)(bottom), (void)(size))
#define LLSIM_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace llsim {

Scheduler* Scheduler::active_ = nullptr;

namespace {

constexpr size_t kGuard = 4096;

// Fiber stacks, kept for the life of the process: a property run builds
// thousands of worlds, and mapping stacks afresh for each one cost more
// than the simulation itself. Single-threaded, like everything here.
class StackPool {
 public:
  static StackPool& Get() {
    static StackPool pool;
    return pool;
  }
  void* Take(size_t size) {
    auto& list = free_[size];
    if (!list.empty()) {
      void* s = list.back();
      list.pop_back();
      return s;
    }
    size_t total = size + kGuard;
    void* m = mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
      fprintf(stderr, "llsim: cannot map a fiber stack\n");
      abort();
    }
    // A guard page under the stack turns a core's stack overflow into a
    // fault instead of silent corruption of a neighbour.
    mprotect(m, kGuard, PROT_NONE);
    return static_cast<char*>(m) + kGuard;
  }
  void Give(void* base, size_t size) {
    LLSIM_UNPOISON(base, size);
    free_[size].push_back(base);
  }

 private:
  std::map<size_t, std::vector<void*>> free_;
};

}  // namespace

// Hands boost::context stacks from the scheduler's pool, and tells the
// fiber where its stack lies (ASan needs the bounds at every switch).
struct PoolStack {
  Scheduler* sched;
  Fiber* fiber;
  size_t size;
  void* (*alloc)(Scheduler*);
  void (*release)(Scheduler*, void*);
  boost::context::stack_context allocate() {
    void* base = alloc(sched);
    boost::context::stack_context sc;
    sc.size = size;
    sc.sp = static_cast<char*>(base) + size;
    fiber->stack_bottom = base;
    fiber->stack_size = size;
    return sc;
  }
  void deallocate(boost::context::stack_context& sc) {
    release(sched, static_cast<char*>(sc.sp) - sc.size);
  }
};

const char* FailureKindName(FailureKind k) {
  switch (k) {
    case FailureKind::kDeadlock: return "deadlock";
    case FailureKind::kHang: return "hang";
    case FailureKind::kAtomicSleep: return "sleep-in-atomic";
    case FailureKind::kShimMisuse: return "shim-misuse";
    case FailureKind::kCore: return "core";
    case FailureKind::kProperty: return "property";
  }
  return "?";
}

std::string Failure::ToString() const {
  return absl::StrFormat("%s at %d.%09ds: %s", FailureKindName(kind), t / kNsPerSec,
                         t % kNsPerSec, message);
}

const char* RunStatusName(RunStatus s) {
  switch (s) {
    case RunStatus::kIdle: return "idle";
    case RunStatus::kDone: return "done";
    case RunStatus::kTimeLimit: return "time-limit";
    case RunStatus::kFailed: return "failed";
    case RunStatus::kStopped: return "stopped";
  }
  return "?";
}

WaitList::~WaitList() {
  // A wait list must outlive its waiters (in the kernel, freeing a wait
  // queue with sleepers is a use-after-free). Report it, and unlink them so
  // nothing points at freed memory; they stay blocked on nothing.
  if (waiters_.empty()) return;
  if (Scheduler* s = Scheduler::Active())
    s->ReportFailure(FailureKind::kShimMisuse,
                     absl::StrFormat("wait list '%s' freed while %d fibers wait on it", name_,
                                     waiters_.size()));
  for (Fiber* f : waiters_) f->waiting_on = nullptr;
}

Scheduler::Scheduler(VirtualClock& clock, EventLog& log, std::unique_ptr<Strategy> strategy,
                     SchedulerOptions opts)
    : clock_(clock),
      log_(log),
      strategy_(std::move(strategy)),
      opts_(opts) {
  Activate();
}

Scheduler::~Scheduler() {
  CancelAll();
  if (active_ == this) active_ = nullptr;
}

void Scheduler::Activate() { active_ = this; }

void* Scheduler::AllocStack() { return StackPool::Get().Take(opts_.stack_size); }

void Scheduler::FreeStack(void* base) { StackPool::Get().Give(base, opts_.stack_size); }

uint64_t Scheduler::Spawn(std::string name, std::function<void()> body) {
  return SpawnFiber(std::move(name), std::move(body), false);
}

uint64_t Scheduler::SpawnFiber(std::string name, std::function<void()> body, bool irq) {
  mutations_++;
  auto owned = std::make_unique<Fiber>();
  Fiber* f = owned.get();
  f->id = next_fiber_id_++;
  f->name = std::move(name);
  f->body = std::move(body);
  f->irq = irq;
  // An interrupt runs in atomic context from its first instruction.
  f->atomic_depth = irq ? 1 : 0;
  PoolStack stack{this, f, opts_.stack_size,
                  [](Scheduler* s) { return s->AllocStack(); },
                  [](Scheduler* s, void* p) { s->FreeStack(p); }};
  f->ctx = boost::context::fiber(
      std::allocator_arg, stack, [this, f](boost::context::fiber&& back) {
        f->sched_ctx = std::move(back);
        LLSIM_FINISH_SWITCH(nullptr, &main_stack_bottom_, &main_stack_size_);
        if (!f->cancel_requested) {
          try {
            f->body();
            if (fiber_exit_hook_) fiber_exit_hook_();
            NoteLeave();
            if (f->atomic_depth != (f->irq ? 1 : 0))
              ReportFailure(FailureKind::kShimMisuse,
                            absl::StrCat("fiber '", f->name, "' ended in atomic context (a lock "
                                         "or preempt-off section never released)"));
          } catch (const FiberCancelled&) {
          } catch (const std::exception& e) {
            ReportFailure(FailureKind::kCore, absl::StrCat("fiber '", f->name,
                                                           "' threw: ", e.what()));
          }
        }
        f->body = nullptr;
        f->state = FiberState::kDone;
        log_.Record({clock_.Now(), EventKind::kFiberExit, f->id});
        // This stack is about to be released: no fake stack to keep.
        LLSIM_START_SWITCH(nullptr, main_stack_bottom_, main_stack_size_);
        return std::move(f->sched_ctx);
      });
  fibers_.emplace(f->id, std::move(owned));
  strategy_->OnSpawn(*f);
  log_.Record({clock_.Now(), EventKind::kFiberSpawn, f->id, 0, 0, f->name});
  runnable_.push_back(f);
  return f->id;
}

void Scheduler::SwitchTo(Fiber* f) {
  Fiber* prev = current_;
  current_ = f;
  f->state = FiberState::kRunning;
  switches_++;
  void* fake = nullptr;
  LLSIM_START_SWITCH(&fake, f->stack_bottom, f->stack_size);
  f->ctx = std::move(f->ctx).resume();
  LLSIM_FINISH_SWITCH(fake, nullptr, nullptr);
  current_ = prev;
  if (f->state == FiberState::kDone) Reap(f);
}

void Scheduler::SwitchToScheduler() {
  Fiber* f = current_;
  LLSIM_START_SWITCH(&f->asan_fake_stack, main_stack_bottom_, main_stack_size_);
  f->sched_ctx = std::move(f->sched_ctx).resume();
  LLSIM_FINISH_SWITCH(f->asan_fake_stack, &main_stack_bottom_, &main_stack_size_);
  if (f->cancel_requested) throw FiberCancelled{};
}

void Scheduler::Reap(Fiber* f) {
  Unlink(f);
  fibers_.erase(f->id);
}

Fiber* Scheduler::PickNext(Fiber* preempted) {
  pick_buf_.assign(runnable_.begin(), runnable_.end());
  int current = -1;
  if (preempted) {
    current = (int)pick_buf_.size();
    pick_buf_.push_back(preempted);
  }
  size_t idx = 0;
  if (pick_buf_.size() > 1) {
    if (journal_)
      journal_->push_back({log_.Count(), (uint32_t)pick_buf_.size(),
                           current >= 0 ? (uint32_t)current : 0u, current >= 0});
    idx = strategy_->Pick(pick_buf_, current);
    if (idx >= pick_buf_.size()) idx = 0;
    if (opts_.record_choices)
      log_.Record({clock_.Now(), EventKind::kSchedChoice, pick_buf_[idx]->id, pick_buf_.size(),
                   idx});
    // An explicit override (a shrunk trace's schedule line) shows in the
    // timeline; plain strategies never make one, so old hashes stand.
    if (int64_t k = strategy_->LastOverride(); k >= 0)
      log_.Record({clock_.Now(), EventKind::kNote, 0, 0, 0,
                   absl::StrFormat("schedule override #%d: %s runs (pick %d of %d)", k,
                                   pick_buf_[idx]->name, idx, pick_buf_.size())});
  }
  Fiber* chosen = pick_buf_[idx];
  if (chosen != preempted) runnable_.erase(runnable_.begin() + idx);
  return chosen;
}

void Scheduler::Preempt() {
  Fiber* f = current_;
  bool pure = std::exchange(pure_step_, false);
  if (!f || quiet_ || Failed()) return;
  uint64_t point = ++preempt_calls_;
  DeliverDue();
  if (!timers_.empty()) {
    // Time may pass inside running code: the next interrupt lands here.
    Nanos next = timers_.begin()->first.first;
    Nanos limit = std::min(run_until_, stop_time_);
    if (journal_ && next <= limit)
      journal_->push_back({log_.Count(), 2, 0, true, true, point, pure});
    bool pass = next <= limit && strategy_->LetTimePass(next - clock_.Now());
    if (next <= limit) {
      if (int64_t k = strategy_->LastOverride(); k >= 0)
        log_.Record({clock_.Now(), EventKind::kNote, 0, 0, 0,
                     absl::StrFormat("schedule override #%d: %s inside %s", k,
                                     pass ? "time passes" : "no time passes", f->name)});
    }
    if (pass) {
      log_.Record({clock_.Now(), EventKind::kSchedChoice, f->id, 0, next - clock_.Now()});
      clock_.AdvanceTo(next);
      DeliverDue();
    }
  }
  if (stop_probe_) stop_probe_();
  if (StopReached()) {
    // Back to the run loop, which stops there; this fiber stays first in
    // line should the run go on.
    NoteLeave();
    f->state = FiberState::kRunnable;
    runnable_.insert(runnable_.begin(), f);
    handoff_ = true;
    SwitchToScheduler();
    return;
  }
  if (runnable_.empty()) return;
  Fiber* next = PickNext(f);
  if (next == f) return;
  NoteLeave();
  // Hand over through the scheduler: `next` first, `f` back in the queue.
  f->state = FiberState::kRunnable;
  runnable_.insert(runnable_.begin(), next);
  runnable_.push_back(f);
  handoff_ = true;
  SwitchToScheduler();
}

bool Scheduler::CheckMaySleep(const char* what) {
  if (current_ && current_->atomic_depth == 0) return true;
  std::string where =
      !current_      ? std::string("harness context")
      : current_->irq ? absl::StrCat("interrupt '", current_->name, "' (timer callback or IO completion)")
                      : absl::StrCat("fiber '", current_->name, "' in atomic context");
  ReportFailure(FailureKind::kAtomicSleep, absl::StrCat("sleeping in ", where, ": ", what));
  return false;
}

WakeReason Scheduler::Block(WaitList& list, BlockKind kind, Nanos deadline) {
  mutations_++;
  if (!current_) {
    // Only kernel contexts sleep; the harness blocking here is its own bug.
    fprintf(stderr, "llsim: Block('%s') outside any fiber\n", list.Name().c_str());
    abort();
  }
  if (kind != BlockKind::kSpin && !CheckMaySleep(list.Name().c_str())) HaltCurrent();
  Fiber* f = current_;
  if (f->wake_pending) {
    // Prepared, and woken since: the wake is kept, not lost. (The list
    // itself may be gone by now; nothing here touches it.)
    f->wake_pending = false;
    return WakeReason::kWoken;
  }
  if (f->prepared_on == &list) {
    f->prepared_on = nullptr;  // still queued: sleep on it as it is
  } else {
    if (f->prepared_on) FinishWait(*f->prepared_on);
    list.waiters_.push_back(f);
    f->waiting_on = &list;
  }
  NoteLeave();
  f->state = FiberState::kBlocked;
  f->block_kind = kind;
  f->blocked_since = clock_.Now();
  f->wake_reason = WakeReason::kWoken;
  if (deadline != kNever) {
    f->timeout_timer = AddTimer(deadline, {[this, f] {
                                             f->timeout_timer = 0;
                                             if (f->state == FiberState::kBlocked)
                                               MakeRunnable(f, WakeReason::kTimeout);
                                           },
                                           "", true});
  }
  SwitchToScheduler();
  return f->wake_reason;
}

void Scheduler::PrepareWait(WaitList& list) {
  mutations_++;
  Fiber* f = current_;
  if (!f) return;
  f->wake_pending = false;
  if (f->prepared_on == &list) return;
  if (f->prepared_on) FinishWait(*f->prepared_on);
  f->prepared_on = &list;
  f->waiting_on = &list;
  list.waiters_.push_back(f);
}

void Scheduler::FinishWait(WaitList& list) {
  mutations_++;
  Fiber* f = current_;
  if (!f) return;
  f->wake_pending = false;
  if (f->prepared_on != &list) return;
  f->prepared_on = nullptr;
  auto& w = list.waiters_;
  w.erase(std::find(w.begin(), w.end(), f));
  f->waiting_on = nullptr;
}

void Scheduler::Unlink(Fiber* f) {
  if (f->waiting_on) {
    auto& w = f->waiting_on->waiters_;
    w.erase(std::find(w.begin(), w.end(), f));
    f->waiting_on = nullptr;
  }
  f->prepared_on = nullptr;
  if (f->timeout_timer) {
    Cancel(f->timeout_timer);
    f->timeout_timer = 0;
  }
  runnable_.erase(std::remove(runnable_.begin(), runnable_.end(), f), runnable_.end());
}

void Scheduler::MakeRunnable(Fiber* f, WakeReason why) {
  mutations_++;
  Unlink(f);
  f->wake_reason = why;
  f->state = FiberState::kRunnable;
  f->hang_reported = false;
  runnable_.push_back(f);
}

void Scheduler::WakeOne(WaitList& list) {
  if (list.waiters_.empty()) return;
  mutations_++;
  Fiber* f = list.waiters_.front();
  if (f->state != FiberState::kBlocked) {
    // Prepared and not asleep yet: it keeps the wake for its Block.
    list.waiters_.pop_front();
    f->waiting_on = nullptr;
    f->prepared_on = nullptr;
    f->wake_pending = true;
    return;
  }
  MakeRunnable(f, WakeReason::kWoken);
}

void Scheduler::WakeAll(WaitList& list) {
  while (!list.waiters_.empty()) WakeOne(list);
}

void Scheduler::EnterAtomic() {
  if (current_) current_->atomic_depth++;
}

void Scheduler::ExitAtomic() {
  if (!current_) return;
  if (current_->atomic_depth == 0) {
    ReportFailure(FailureKind::kShimMisuse,
                  absl::StrCat("fiber '", current_->name, "' left atomic context it never entered"));
    return;
  }
  current_->atomic_depth--;
}

uint64_t Scheduler::CallAt(Nanos t, std::function<void()> fn, std::string name) {
  return AddTimer(t, {std::move(fn), std::move(name), false});
}

uint64_t Scheduler::AddTimer(Nanos t, TimerSlot slot) {
  mutations_++;
  if (t < clock_.Now()) t = clock_.Now();
  uint64_t id = next_timer_id_++;
  timers_.emplace(TimerKey{t, id}, std::move(slot));
  timer_deadline_.emplace(id, t);
  return id;
}

bool Scheduler::Cancel(uint64_t id) {
  mutations_++;
  auto it = timer_deadline_.find(id);
  if (it == timer_deadline_.end()) return false;
  timers_.erase(TimerKey{it->second, id});
  timer_deadline_.erase(it);
  return true;
}

void Scheduler::DeliverDueTimers() {
  while (!timers_.empty() && timers_.begin()->first.first <= clock_.Now()) {
    auto node = timers_.extract(timers_.begin());
    uint64_t id = node.key().second;
    TimerSlot& slot = node.mapped();
    timer_deadline_.erase(id);
    log_.Record({clock_.Now(), EventKind::kTimerFire, id});
    if (slot.internal)
      slot.fn();
    else
      SpawnFiber(std::move(slot.name), std::move(slot.fn), true);
  }
}

bool Scheduler::HasUninterruptibleWaiter() const {
  for (auto& [id, f] : fibers_)
    if (f->state == FiberState::kBlocked && f->block_kind == BlockKind::kUninterruptible)
      return true;
  return false;
}

void Scheduler::CheckHangs() {
  for (auto& [id, f] : fibers_) {
    if (f->state != FiberState::kBlocked || f->block_kind != BlockKind::kUninterruptible ||
        f->timeout_timer || f->hang_reported)
      continue;
    if (clock_.Now() - f->blocked_since > opts_.hung_task_limit) {
      f->hang_reported = true;
      ReportFailure(FailureKind::kHang,
                    absl::StrFormat("fiber '%s' blocked on '%s' for more than %ds\n%s", f->name,
                                    f->waiting_on ? f->waiting_on->Name() : "?",
                                    opts_.hung_task_limit / kNsPerSec, DescribeBlocked()));
    }
  }
}

std::string Scheduler::DescribeBlocked() const {
  std::string out;
  for (auto& [id, f] : fibers_) {
    if (f->state != FiberState::kBlocked && f->state != FiberState::kHalted) continue;
    if (f->state == FiberState::kHalted) {
      absl::StrAppendFormat(&out, "  %s (fiber %d): halted after a failure\n", f->name, id);
      continue;
    }
    absl::StrAppendFormat(&out, "  %s (fiber %d): waits on '%s' since %d.%03ds%s\n", f->name, id,
                          f->waiting_on ? f->waiting_on->Name() : "?",
                          f->blocked_since / kNsPerSec, f->blocked_since % kNsPerSec / kNsPerMs,
                          f->block_kind == BlockKind::kIdle ? " (idle)" : "");
  }
  return out;
}

std::string Scheduler::LivelockReport() const {
  std::string out = absl::StrFormat(
      "livelock: %d events by %d.%03ds virtual without the run ending; the last ones:",
      log_.Count(), clock_.Now() / kNsPerSec, clock_.Now() % kNsPerSec / kNsPerMs);
  for (const Event& e : log_.Recent()) absl::StrAppend(&out, "\n  ", e.ToString());
  return out;
}

void Scheduler::ReportFailure(FailureKind kind, std::string message) {
  log_.Record({clock_.Now(), EventKind::kFailure, (uint64_t)kind, 0, 0, message});
  failures_.push_back({kind, clock_.Now(), std::move(message)});
}

void Scheduler::HaltCurrent() {
  Fiber* f = current_;
  f->state = FiberState::kHalted;
  SwitchToScheduler();  // returns only by throwing FiberCancelled
  abort();
}

RunStatus Scheduler::Run(const std::function<bool()>& done, Nanos until) {
  Activate();
  run_until_ = until;
  for (;;) {
    if (Failed()) return RunStatus::kFailed;
    if (done && done()) return RunStatus::kDone;
    if (log_.Count() > opts_.max_events) {
      ReportFailure(FailureKind::kHang, LivelockReport());
      return RunStatus::kFailed;
    }
    if (stop_probe_) stop_probe_();
    if (StopReached()) return RunStatus::kStopped;
    DeliverDue();
    if (!runnable_.empty()) {
      Fiber* f;
      if (handoff_) {
        handoff_ = false;
        f = runnable_.front();
        runnable_.erase(runnable_.begin());
      } else {
        f = PickNext(nullptr);
      }
      SwitchTo(f);
      continue;
    }
    if (!timers_.empty()) {
      Nanos t = timers_.begin()->first.first;
      if (t > stop_time_ && stop_time_ <= until) {
        clock_.AdvanceTo(stop_time_);
        return RunStatus::kStopped;
      }
      if (t > until) {
        clock_.AdvanceTo(until);
        return RunStatus::kTimeLimit;
      }
      clock_.AdvanceTo(t);
      CheckHangs();
      continue;
    }
    if (HasUninterruptibleWaiter()) {
      ReportFailure(FailureKind::kDeadlock,
                    absl::StrCat("every fiber is blocked and nothing is pending:\n",
                                 DescribeBlocked()));
      return RunStatus::kFailed;
    }
    if (stop_time_ != kNever && stop_time_ <= until) {
      clock_.AdvanceTo(stop_time_);
      return RunStatus::kStopped;
    }
    if (until != kNever) {
      clock_.AdvanceTo(until);
      return RunStatus::kTimeLimit;
    }
    return RunStatus::kIdle;
  }
}

void Scheduler::CancelAll() {
  Activate();
  handoff_ = false;
  std::vector<Fiber*> victims;
  for (auto& [id, f] : fibers_) victims.push_back(f.get());
  for (Fiber* f : victims) {
    f->cancel_requested = true;
    Unlink(f);
  }
  runnable_.clear();
  for (Fiber* f : victims) SwitchTo(f);
  timers_.clear();
  timer_deadline_.clear();
}

}  // namespace llsim
