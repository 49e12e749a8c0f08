// The single-threaded deterministic scheduler of a simulated SMP machine.
// Every kernel context (a submitter, the md thread, a workqueue worker, and
// each interrupt: a timer callback or an IO completion) is a stackful
// fiber; every shim operation on shared state is a preemption point where
// the strategy picks who runs next. Atomic context (a spinlock, a read
// lock, an interrupt) means "may not sleep", not "nobody else runs": other
// fibers run on at its preemption points, as other CPUs would. Virtual-time
// work sits in a plain timer queue: when nothing is runnable the clock
// jumps to the next deadline, so hours of virtual time cost microseconds,
// and no system call is made per event.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <boost/context/fiber.hpp>

#include "absl/container/flat_hash_map.h"

#include "sim/clock.h"
#include "sim/event_log.h"
#include "sim/strategy.h"

namespace llsim {

constexpr Nanos kNever = ~0ull;

enum class FiberState { kRunnable, kRunning, kBlocked, kDone, kHalted };

// How a blocked fiber counts for hang and deadlock detection. Idle waits
// (a worker with no work, a thread sleeping until woken) are normal forever;
// uninterruptible ones are not. A spin is a CPU busy-waiting for a lock or
// a running callback: allowed in atomic context, counted as uninterruptible.
enum class BlockKind { kUninterruptible, kIdle, kSpin };

enum class WakeReason { kWoken, kTimeout };

enum class FailureKind { kDeadlock, kHang, kAtomicSleep, kShimMisuse, kCore, kProperty };
const char* FailureKindName(FailureKind k);

struct Failure {
  FailureKind kind;
  Nanos t;
  std::string message;
  std::string ToString() const;
};

class Scheduler;
class WaitList;

struct Fiber {
  uint64_t id = 0;
  std::string name;
  FiberState state = FiberState::kRunnable;
  std::function<void()> body;
  boost::context::fiber ctx;        // the fiber, while suspended
  boost::context::fiber sched_ctx;  // the way back, while it runs
  void* stack_bottom = nullptr;
  size_t stack_size = 0;
  void* asan_fake_stack = nullptr;

  WaitList* waiting_on = nullptr;  // queued on it (blocked, or prepared)
  // prepare_to_wait: queued on this list while still running, so a wake
  // that lands before Block is kept (wake_pending) instead of lost.
  WaitList* prepared_on = nullptr;
  bool wake_pending = false;
  BlockKind block_kind = BlockKind::kIdle;
  Nanos blocked_since = 0;
  uint64_t timeout_timer = 0;
  WakeReason wake_reason = WakeReason::kWoken;

  int atomic_depth = 0;  // >0: sleeping is a bug (spinlock, softirq, ...)
  bool irq = false;      // an interrupt: a timer callback or IO completion
  bool cancel_requested = false;
  bool hang_reported = false;
  // The strategy's own word about this fiber (PCT: its priority), read at
  // every pick: here rather than in a map the strategy keeps.
  uint64_t strategy_word = 0;
};

// Fibers waiting for one thing, woken in the order they came.
class WaitList {
 public:
  explicit WaitList(std::string name = "waitlist") : name_(std::move(name)) {}
  WaitList(const WaitList&) = delete;
  WaitList& operator=(const WaitList&) = delete;
  ~WaitList();
  const std::string& Name() const { return name_; }
  bool Empty() const { return waiters_.empty(); }
  size_t Size() const { return waiters_.size(); }

 private:
  friend class Scheduler;
  std::string name_;
  std::deque<Fiber*> waiters_;
};

// Thrown inside a fiber when the world cancels it (crash, teardown); it
// unwinds to the fiber's entry. Never catch it elsewhere.
struct FiberCancelled {};

// kStopped: the stop point (SetStopPoint) was reached, mid-operation.
enum class RunStatus { kIdle, kDone, kTimeLimit, kFailed, kStopped };

// Scheduler::EnterQuiet/ExitQuiet for a scope.
class QuietScope {
 public:
  explicit QuietScope(Scheduler& s);
  ~QuietScope();
  QuietScope(const QuietScope&) = delete;
  QuietScope& operator=(const QuietScope&) = delete;

 private:
  Scheduler& s_;
};
const char* RunStatusName(RunStatus s);

// One scheduling decision as the strategy met it (decision k is the k-th
// entry): the explorer enumerates the alternatives at each.
struct DecisionPoint {
  uint64_t event = 0;    // events in the log when it was made
  uint32_t options = 0;  // candidates of a pick; 2 for a time point (no, yes)
  uint32_t fifo = 0;     // what the fifo default chooses
  bool preempts = false; // a pick with the running fiber among the candidates
  bool time_point = false;
  // Time points only: the Preempt call it was made in (numbered from 1),
  // and whether the running fiber came there straight from the previous
  // Preempt call, by a step that touched nothing but its own memory off
  // the page arena (SetPureStep).
  uint64_t point = 0;
  bool pure_step = false;
};

struct SchedulerOptions {
  Nanos hung_task_limit = 120 * kNsPerSec;
  size_t stack_size = 256 * 1024;
  bool record_choices = true;
  // A run that records this many events is a livelock (something retrying
  // or re-arming forever): reported as a hang so no run spins for hours of
  // wall time. Ordinary scenarios record thousands.
  uint64_t max_events = 20'000'000;
};

class Scheduler {
 public:
  Scheduler(VirtualClock& clock, EventLog& log, std::unique_ptr<Strategy> strategy,
            SchedulerOptions opts = {});
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // The scheduler of the world that is running; the shim reaches it here.
  static Scheduler* Active() { return active_; }
  void Activate();

  VirtualClock& Clock() { return clock_; }
  EventLog& Log() { return log_; }
  Strategy& GetStrategy() { return *strategy_; }

  // --- fibers -------------------------------------------------------------
  uint64_t Spawn(std::string name, std::function<void()> body);
  Fiber* Current() const { return current_; }
  bool InFiber() const { return current_ != nullptr; }
  size_t LiveFibers() const { return fibers_.size(); }
  // Called in a fiber whose body has just returned (not when it is
  // cancelled or halted), before its atomic depth is checked: the kernel
  // runtime checks there what the context still holds.
  void SetFiberExitHook(std::function<void()> fn) { fiber_exit_hook_ = std::move(fn); }

  // The current fiber is an interrupt (timer callback, IO completion).
  bool InInterrupt() const { return current_ && current_->irq; }

  // A preemption point: interrupts that are due become runnable, and the
  // strategy may switch to another runnable fiber, in atomic context too.
  // Outside a fiber (the harness itself) it does nothing.
  void Preempt();
  // Said by the shim just before a Preempt: the step that led here from
  // the previous one was pure. Read (and cleared) by that Preempt.
  void SetPureStep(bool pure) { pure_step_ = pure; }
  // Called in the current fiber just before it gives up its CPU: it
  // blocks, it ends, or a preemption point switches away from it. Whatever
  // the fiber changed since its last preemption point is its own work
  // until then (an observer may attribute it). Not called while quiet.
  void SetLeaveObserver(std::function<void()> fn) { leave_observer_ = std::move(fn); }
  // Called wherever the stop point is checked: where a crash armed for an
  // earlier event would land (the explorer hashes the state there).
  void SetStopProbe(std::function<void()> fn) { stop_probe_ = std::move(fn); }
  // Appends every strategy decision to `out` (null: stop). Only looks.
  void SetDecisionJournal(std::vector<DecisionPoint>* out) { journal_ = out; }
  bool Journaling() const { return journal_ != nullptr; }

  // Blocks the current fiber until WakeOne/WakeAll on `list`, or until the
  // absolute virtual `deadline`. Sleeping where it is not allowed is
  // reported and the fiber is halted (kSpin may be used in atomic context).
  WakeReason Block(WaitList& list, BlockKind kind, Nanos deadline = kNever);
  // The kernel's prepare_to_wait / finish_wait: queue first, then test the
  // condition, then Block. A wake between the test and Block is kept, so
  // a condition with preemption points in it cannot lose its wakeup.
  void PrepareWait(WaitList& list);
  void FinishWait(WaitList& list);
  void WakeOne(WaitList& list);
  void WakeAll(WaitList& list);

  // Quiet: the harness is inspecting the world (an invariant reads state
  // through the same helpers kernel code uses). No preemption point is
  // taken, so what is checked, or skipped, never changes the schedule.
  void EnterQuiet() { quiet_++; }
  void ExitQuiet() { quiet_--; }
  bool Quiet() const { return quiet_ > 0; }

  // Atomic context: spinlocks, preempt-off regions, softirq callbacks.
  void EnterAtomic();
  void ExitAtomic();
  bool MaySleep() const { return current_ && current_->atomic_depth == 0; }
  // Reports sleeping in atomic context (naming `what`) when it is not
  // allowed; returns whether the caller may go on to sleep.
  bool CheckMaySleep(const char* what);

  // --- events -------------------------------------------------------------
  // Interrupts: fn runs on its own fiber in atomic context (it may not
  // sleep) once virtual time reaches t, interleaved with whatever else runs,
  // as on another CPU. `name` names that fiber ("irq/sdb", "timer").
  void Post(std::function<void()> fn, std::string name = "irq") {
    CallAt(clock_.Now(), std::move(fn), std::move(name));
  }
  uint64_t CallAt(Nanos t, std::function<void()> fn, std::string name = "irq");
  uint64_t CallAfter(Nanos d, std::function<void()> fn, std::string name = "irq") {
    return CallAt(clock_.Now() + d, std::move(fn), std::move(name));
  }
  // True if the timer was pending and will now never run.
  bool Cancel(uint64_t timer_id);
  size_t PendingTimers() const { return timers_.size(); }

  // Stop the run (RunStatus::kStopped) once the event log holds `event`
  // events, or once virtual time reaches `time`, whichever comes first,
  // wherever the fibers are: how a crash lands inside an operation.
  void SetStopPoint(uint64_t event, Nanos time) {
    stop_event_ = event;
    stop_time_ = time;
  }
  void ClearStopPoint() { SetStopPoint(~0ull, kNever); }
  bool StopReached() const { return log_.Count() >= stop_event_ || clock_.Now() >= stop_time_; }

  // --- running ------------------------------------------------------------
  // Runs until nothing can happen any more (idle: only idle waits left),
  // `done` returns true, virtual time would pass `until`, or a failure.
  RunStatus Run(const std::function<bool()>& done = nullptr, Nanos until = kNever);
  RunStatus RunFor(Nanos d) { return Run(nullptr, clock_.Now() + d); }

  // --- failures -----------------------------------------------------------
  void ReportFailure(FailureKind kind, std::string message);
  bool Failed() const { return !failures_.empty(); }
  const std::vector<Failure>& Failures() const { return failures_; }
  // Stops the current fiber for good after a failure it caused.
  [[noreturn]] void HaltCurrent();

  // Cancels every fiber (they unwind) and drops every pending event: what a
  // crash does to the machine. The scheduler can be used again afterwards.
  void CancelAll();

  // Describes every blocked fiber: who waits on what, since when.
  std::string DescribeBlocked() const;

  uint64_t SwitchCount() const { return switches_; }
  // Changes to what runs when: fibers spawned or made runnable, timers
  // armed or cancelled. With SwitchCount, the clock's reads and the log's
  // count, a step that moved none of these commutes with time passing.
  uint64_t Mutations() const { return mutations_; }

 private:
  struct TimerSlot {
    std::function<void()> fn;
    std::string name;
    bool internal;  // scheduler bookkeeping (a sleep's timeout): runs inline
  };
  using TimerKey = std::pair<Nanos, uint64_t>;  // deadline, id: FIFO per instant
  uint64_t AddTimer(Nanos t, TimerSlot slot);
  // Interrupts due by now become runnable fibers; internal timers run.
  // Inline test, out-of-line delivery: this is asked at every preemption
  // point, and mostly nothing is due.
  void DeliverDue() {
    if (!timers_.empty() && timers_.begin()->first.first <= clock_.Now()) DeliverDueTimers();
  }
  void DeliverDueTimers();
  uint64_t SpawnFiber(std::string name, std::function<void()> body, bool irq);
  void SwitchTo(Fiber* f);
  void SwitchToScheduler();
  void MakeRunnable(Fiber* f, WakeReason why);
  void Unlink(Fiber* f);
  void Reap(Fiber* f);
  Fiber* PickNext(Fiber* preempted);
  void CheckHangs();
  std::string LivelockReport() const;
  bool HasUninterruptibleWaiter() const;
  void* AllocStack();
  void FreeStack(void* base);

  VirtualClock& clock_;
  EventLog& log_;
  std::unique_ptr<Strategy> strategy_;
  SchedulerOptions opts_;

  std::map<uint64_t, std::unique_ptr<Fiber>> fibers_;
  std::vector<Fiber*> runnable_;
  Fiber* current_ = nullptr;
  uint64_t next_fiber_id_ = 1;
  uint64_t switches_ = 0;
  uint64_t preempt_calls_ = 0;
  uint64_t mutations_ = 0;
  bool pure_step_ = false;
  bool handoff_ = false;  // runnable_.front() was already picked
  int quiet_ = 0;
  std::function<void()> fiber_exit_hook_;

  std::map<TimerKey, TimerSlot> timers_;
  absl::flat_hash_map<uint64_t, Nanos> timer_deadline_;  // id -> deadline: lookups only
  uint64_t next_timer_id_ = 1;
  std::function<void()> leave_observer_;
  std::vector<DecisionPoint>* journal_ = nullptr;
  std::function<void()> stop_probe_;
  void NoteLeave() {
    if (leave_observer_ && !quiet_) leave_observer_();
  }
  Nanos run_until_ = 0;  // Run's time limit: time passing in Preempt stops there
  uint64_t stop_event_ = ~0ull;
  Nanos stop_time_ = kNever;

  std::vector<Failure> failures_;
  // ASan's view of the scheduler's own stack, for fiber switches.
  const void* main_stack_bottom_ = nullptr;
  size_t main_stack_size_ = 0;
  std::vector<Fiber*> pick_buf_;

  static Scheduler* active_;
};

}  // namespace llsim

namespace llsim {
inline QuietScope::QuietScope(Scheduler& s) : s_(s) { s_.EnterQuiet(); }
inline QuietScope::~QuietScope() { s_.ExitQuiet(); }
}  // namespace llsim
