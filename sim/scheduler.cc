// The deterministic scheduler; see scheduler.h.
#include "sim/scheduler.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/post.hpp>

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

// Thrown through a handler (timer callback, completion) that tried to
// sleep; caught by the handler wrapper after the failure is reported.
struct HandlerAborted {};

// deps.md pitfall 3: asio must never wait for real time.
struct NoWaitTraits {
  using Clock = VirtualClock::AsioClock;
  static Clock::duration to_wait_duration(const Clock::duration&) { return Clock::duration::zero(); }
  static Clock::duration to_wait_duration(const Clock::time_point&) {
    return Clock::duration::zero();
  }
};
using SimTimer = boost::asio::basic_waitable_timer<VirtualClock::AsioClock, NoWaitTraits>;

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

struct Scheduler::TimerSlot {
  explicit TimerSlot(boost::asio::io_context& io) : timer(io) {}
  SimTimer timer;
  Nanos deadline = 0;
  std::function<void()> fn;
  bool cancelled = false;
};

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
      opts_(opts),
      io_(std::make_unique<boost::asio::io_context>(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE)) {
  Activate();
}

Scheduler::~Scheduler() {
  CancelAll();
  if (active_ == this) active_ = nullptr;
}

void Scheduler::Activate() {
  active_ = this;
  VirtualClock::Bind(&clock_);
}

void* Scheduler::AllocStack() { return StackPool::Get().Take(opts_.stack_size); }

void Scheduler::FreeStack(void* base) { StackPool::Get().Give(base, opts_.stack_size); }

uint64_t Scheduler::Spawn(std::string name, std::function<void()> body) {
  auto owned = std::make_unique<Fiber>();
  Fiber* f = owned.get();
  f->id = next_fiber_id_++;
  f->name = std::move(name);
  f->body = std::move(body);
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
    idx = strategy_->Pick(pick_buf_, current);
    if (idx >= pick_buf_.size()) idx = 0;
    if (opts_.record_choices)
      log_.Record({clock_.Now(), EventKind::kSchedChoice, pick_buf_[idx]->id, pick_buf_.size(),
                   idx});
  }
  Fiber* chosen = pick_buf_[idx];
  if (chosen != preempted) runnable_.erase(runnable_.begin() + idx);
  return chosen;
}

void Scheduler::Preempt() {
  Fiber* f = current_;
  if (!f || quiet_ || f->atomic_depth > 0 || runnable_.empty() || Failed()) return;
  Fiber* next = PickNext(f);
  if (next == f) return;
  // Hand over through the scheduler: `next` first, `f` back in the queue.
  f->state = FiberState::kRunnable;
  runnable_.insert(runnable_.begin(), next);
  runnable_.push_back(f);
  handoff_ = true;
  SwitchToScheduler();
}

bool Scheduler::CheckMaySleep(const char* what) {
  if (current_ && current_->atomic_depth == 0) return true;
  std::string where = current_ ? absl::StrCat("fiber '", current_->name, "' in atomic context")
                               : std::string("handler context (timer or IO completion)");
  ReportFailure(FailureKind::kAtomicSleep, absl::StrCat("sleeping in ", where, ": ", what));
  return false;
}

WakeReason Scheduler::Block(WaitList& list, BlockKind kind, Nanos deadline) {
  if (!CheckMaySleep(list.Name().c_str())) {
    if (current_) HaltCurrent();
    throw HandlerAborted{};
  }
  Fiber* f = current_;
  f->state = FiberState::kBlocked;
  f->waiting_on = &list;
  f->block_kind = kind;
  f->blocked_since = clock_.Now();
  f->wake_reason = WakeReason::kWoken;
  list.waiters_.push_back(f);
  if (deadline != kNever) {
    f->timeout_timer = CallAt(deadline, [this, f] {
      f->timeout_timer = 0;
      if (f->state == FiberState::kBlocked) MakeRunnable(f, WakeReason::kTimeout);
    });
  }
  SwitchToScheduler();
  return f->wake_reason;
}

void Scheduler::Unlink(Fiber* f) {
  if (f->waiting_on) {
    auto& w = f->waiting_on->waiters_;
    w.erase(std::find(w.begin(), w.end(), f));
    f->waiting_on = nullptr;
  }
  if (f->timeout_timer) {
    Cancel(f->timeout_timer);
    f->timeout_timer = 0;
  }
  runnable_.erase(std::remove(runnable_.begin(), runnable_.end(), f), runnable_.end());
}

void Scheduler::MakeRunnable(Fiber* f, WakeReason why) {
  Unlink(f);
  f->wake_reason = why;
  f->state = FiberState::kRunnable;
  f->hang_reported = false;
  runnable_.push_back(f);
}

void Scheduler::WakeOne(WaitList& list) {
  if (!list.waiters_.empty()) MakeRunnable(list.waiters_.front(), WakeReason::kWoken);
}

void Scheduler::WakeAll(WaitList& list) {
  while (!list.waiters_.empty()) MakeRunnable(list.waiters_.front(), WakeReason::kWoken);
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

void Scheduler::Post(std::function<void()> fn) {
  boost::asio::post(*io_, [fn = std::move(fn)] {
    try {
      fn();
    } catch (const HandlerAborted&) {
    }
  });
}

uint64_t Scheduler::CallAt(Nanos t, std::function<void()> fn) {
  if (t < clock_.Now()) t = clock_.Now();
  uint64_t id = next_timer_id_++;
  auto slot = std::make_unique<TimerSlot>(*io_);
  slot->deadline = t;
  slot->fn = std::move(fn);
  slot->timer.expires_at(VirtualClock::AsioClock::time_point(std::chrono::nanoseconds(t)));
  slot->timer.async_wait([this, id](const boost::system::error_code&) { FireTimer(id); });
  timers_.emplace(id, std::move(slot));
  deadlines_.insert(t);
  return id;
}

bool Scheduler::Cancel(uint64_t id) {
  auto it = timers_.find(id);
  if (it == timers_.end() || it->second->cancelled) return false;
  TimerSlot& s = *it->second;
  s.cancelled = true;
  deadlines_.erase(deadlines_.find(s.deadline));
  s.timer.cancel();
  return true;
}

void Scheduler::FireTimer(uint64_t id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;
  std::unique_ptr<TimerSlot> slot = std::move(it->second);
  timers_.erase(it);
  if (slot->cancelled) return;
  deadlines_.erase(deadlines_.find(slot->deadline));
  log_.Record({clock_.Now(), EventKind::kTimerFire, id});
  try {
    slot->fn();
  } catch (const HandlerAborted&) {
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
  for (;;) {
    if (Failed()) return RunStatus::kFailed;
    if (done && done()) return RunStatus::kDone;
    if (log_.Count() > opts_.max_events) {
      ReportFailure(FailureKind::kHang, LivelockReport());
      return RunStatus::kFailed;
    }
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
    io_->restart();
    if (io_->poll() > 0) continue;
    if (!deadlines_.empty()) {
      Nanos t = *deadlines_.begin();
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
  for (auto& [id, slot] : timers_) slot->timer.cancel();
  timers_.clear();
  deadlines_.clear();
  io_ = std::make_unique<boost::asio::io_context>(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE);
}

}  // namespace llsim
