// Scheduler: fibers block and wake, deadlocks and hangs are reported with
// who waits on what, sleeping where it is not allowed is reported, a crash
// unwinds every fiber.
#include "sim/scheduler.h"

#include <gtest/gtest.h>

namespace llsim {
namespace {

struct Fixture {
  VirtualClock clock{250};
  EventLog log;
  Scheduler sched{clock, log, MakeFifoStrategy()};
};

TEST(SchedulerTest, BlockAndWakeInOrder) {
  Fixture w;
  WaitList wl("gate");
  std::vector<std::string> trace;
  for (int i = 0; i < 3; i++)
    w.sched.Spawn("waiter" + std::to_string(i), [&, i] {
      trace.push_back("wait" + std::to_string(i));
      w.sched.Block(wl, BlockKind::kUninterruptible);
      trace.push_back("woke" + std::to_string(i));
    });
  w.sched.Spawn("waker", [&] {
    trace.push_back("wake");
    w.sched.WakeAll(wl);
  });
  EXPECT_EQ(w.sched.Run(), RunStatus::kIdle);
  EXPECT_EQ(trace, (std::vector<std::string>{"wait0", "wait1", "wait2", "wake", "woke0", "woke1",
                                             "woke2"}));
  EXPECT_EQ(w.sched.LiveFibers(), 0u);
}

TEST(SchedulerTest, TimedBlockTimesOut) {
  Fixture w;
  WaitList wl("never");
  WakeReason why = WakeReason::kWoken;
  Nanos woke_at = 0;
  w.sched.Spawn("sleeper", [&] {
    why = w.sched.Block(wl, BlockKind::kUninterruptible, 5 * kNsPerSec);
    woke_at = w.clock.Now();
  });
  EXPECT_EQ(w.sched.Run(), RunStatus::kIdle);
  EXPECT_EQ(why, WakeReason::kTimeout);
  EXPECT_EQ(woke_at, 5 * kNsPerSec);
}

TEST(SchedulerTest, LivelockIsReportedNotSpun) {
  VirtualClock clock{250};
  EventLog log(0);
  SchedulerOptions opts;
  opts.max_events = 1000;
  Scheduler sched{clock, log, MakeFifoStrategy(), opts};
  // A handler that re-arms itself forever: virtual time moves, nothing ends.
  std::function<void()> again = [&] {
    log.Record({clock.Now(), EventKind::kNote, 0, 0, 0, "retry"});
    sched.CallAfter(kNsPerMs, again);
  };
  sched.CallAfter(kNsPerMs, again);
  EXPECT_EQ(sched.Run(nullptr, 3600 * kNsPerSec), RunStatus::kFailed);
  ASSERT_EQ(sched.Failures().size(), 1u);
  EXPECT_EQ(sched.Failures()[0].kind, FailureKind::kHang);
  EXPECT_NE(sched.Failures()[0].message.find("livelock"), std::string::npos);
  EXPECT_NE(sched.Failures()[0].message.find("retry"), std::string::npos);
  EXPECT_LT(clock.Now(), 3600 * kNsPerSec);
}

TEST(SchedulerTest, DeadlockNamesEveryWaiter) {
  WaitList a("lock A"), b("lock B");
  Fixture w;
  w.sched.Spawn("alice", [&] { w.sched.Block(a, BlockKind::kUninterruptible); });
  w.sched.Spawn("bob", [&] { w.sched.Block(b, BlockKind::kUninterruptible); });
  EXPECT_EQ(w.sched.Run(), RunStatus::kFailed);
  ASSERT_EQ(w.sched.Failures().size(), 1u);
  const Failure& f = w.sched.Failures()[0];
  EXPECT_EQ(f.kind, FailureKind::kDeadlock);
  EXPECT_NE(f.message.find("alice"), std::string::npos);
  EXPECT_NE(f.message.find("lock A"), std::string::npos);
  EXPECT_NE(f.message.find("bob"), std::string::npos);
  EXPECT_NE(f.message.find("lock B"), std::string::npos);
}

TEST(SchedulerTest, IdleWaitsAreNotDeadlocks) {
  WaitList work("no work");
  Fixture w;
  w.sched.Spawn("worker", [&] { w.sched.Block(work, BlockKind::kIdle); });
  EXPECT_EQ(w.sched.Run(), RunStatus::kIdle);
  EXPECT_FALSE(w.sched.Failed());
}

TEST(SchedulerTest, HangReportedWhileTimeMoves) {
  WaitList never("bitmap page barrier");
  Fixture w;
  w.sched.Spawn("writer", [&] { w.sched.Block(never, BlockKind::kUninterruptible); });
  // A periodic timer keeps the world alive, so it is not a deadlock.
  std::function<void()> tick = [&] { w.sched.CallAfter(10 * kNsPerSec, tick); };
  tick();
  EXPECT_EQ(w.sched.Run(nullptr, 600 * kNsPerSec), RunStatus::kFailed);
  ASSERT_FALSE(w.sched.Failures().empty());
  const Failure& f = w.sched.Failures()[0];
  EXPECT_EQ(f.kind, FailureKind::kHang);
  EXPECT_NE(f.message.find("writer"), std::string::npos);
  EXPECT_NE(f.message.find("bitmap page barrier"), std::string::npos);
  EXPECT_GT(f.t, 120 * kNsPerSec);
  EXPECT_LE(f.t, 131 * kNsPerSec);
}

TEST(SchedulerTest, SleepInAtomicContextReported) {
  Fixture w;
  WaitList wl("mutex");
  bool after = false;
  w.sched.Spawn("spinner", [&] {
    w.sched.EnterAtomic();
    w.sched.Block(wl, BlockKind::kUninterruptible);
    after = true;
  });
  EXPECT_EQ(w.sched.Run(), RunStatus::kFailed);
  ASSERT_EQ(w.sched.Failures().size(), 1u);
  EXPECT_EQ(w.sched.Failures()[0].kind, FailureKind::kAtomicSleep);
  EXPECT_NE(w.sched.Failures()[0].message.find("spinner"), std::string::npos);
  EXPECT_FALSE(after);  // the fiber was halted, not allowed to go on
}

TEST(SchedulerTest, SleepInTimerCallbackReported) {
  Fixture w;
  WaitList wl("completion");
  w.sched.CallAfter(kNsPerSec, [&] { w.sched.Block(wl, BlockKind::kUninterruptible); });
  EXPECT_EQ(w.sched.Run(), RunStatus::kFailed);
  ASSERT_EQ(w.sched.Failures().size(), 1u);
  EXPECT_EQ(w.sched.Failures()[0].kind, FailureKind::kAtomicSleep);
  EXPECT_NE(w.sched.Failures()[0].message.find("interrupt 'irq'"), std::string::npos);
}

TEST(SchedulerTest, CancelAllUnwindsFibers) {
  Fixture w;
  WaitList wl("forever");
  int destroyed = 0;
  struct Guard {
    int* n;
    ~Guard() { ++*n; }
  };
  for (int i = 0; i < 4; i++)
    w.sched.Spawn("victim", [&] {
      Guard g{&destroyed};
      w.sched.Block(wl, BlockKind::kIdle);
      ADD_FAILURE() << "a cancelled fiber went on";
    });
  w.sched.CallAfter(kNsPerSec, [] {});
  EXPECT_EQ(w.sched.Run(nullptr, 0), RunStatus::kTimeLimit);
  EXPECT_EQ(w.sched.LiveFibers(), 4u);
  w.sched.CancelAll();
  EXPECT_EQ(destroyed, 4);
  EXPECT_EQ(w.sched.LiveFibers(), 0u);
  EXPECT_EQ(w.sched.PendingTimers(), 0u);
  // Usable again after the crash.
  bool ran = false;
  w.sched.Spawn("after", [&] { ran = true; });
  EXPECT_EQ(w.sched.Run(), RunStatus::kIdle);
  EXPECT_TRUE(ran);
}

TEST(SchedulerTest, CancelledTimerNeverRuns) {
  Fixture w;
  bool ran = false;
  uint64_t id = w.sched.CallAfter(kNsPerSec, [&] { ran = true; });
  EXPECT_TRUE(w.sched.Cancel(id));
  EXPECT_FALSE(w.sched.Cancel(id));
  EXPECT_EQ(w.sched.Run(), RunStatus::kIdle);
  EXPECT_FALSE(ran);
  EXPECT_EQ(w.clock.Now(), 0u);
}

}  // namespace
}  // namespace llsim

namespace llsim {
namespace {

// Switches away from the running fiber at every preemption point where
// another can run: the most hostile interleaving, deterministically.
class AlwaysSwitch : public Strategy {
 public:
  std::string Name() const override { return "always-switch"; }
  size_t Pick(const std::vector<Fiber*>& c, int current) override {
    return current == 0 ? 1 : 0;
  }
};

struct SmpFixture {
  explicit SmpFixture(std::unique_ptr<Strategy> s) : sched{clock, log, std::move(s)} {}
  VirtualClock clock{250};
  EventLog log;
  Scheduler sched;
};

// The waiter reads the condition, then passes a preemption point (a
// second bitop of the condition), and only then sleeps. A waker running
// at that point sets the condition and wakes: a waiter that queues only
// when it sleeps has missed the wake and sleeps for ever.
void WaitWithPreemptibleCondition(SmpFixture& w, bool prepare, bool& flag, bool& done) {
  WaitList wl("condition");
  w.sched.Spawn("waiter", [&] {
    for (;;) {
      if (prepare) w.sched.PrepareWait(wl);
      bool seen = flag;
      w.sched.Preempt();  // the rest of the condition
      if (seen) break;
      w.sched.Block(wl, BlockKind::kUninterruptible);
    }
    if (prepare) w.sched.FinishWait(wl);
    done = true;
  });
  w.sched.Spawn("waker", [&] {
    flag = true;
    w.sched.WakeAll(wl);
  });
  w.sched.Run();
}

TEST(SchedulerSmpTest, PreparedWaitKeepsAWakeThatLandsInTheCondition) {
  SmpFixture w(std::make_unique<AlwaysSwitch>());
  bool flag = false, done = false;
  WaitWithPreemptibleCondition(w, /*prepare=*/true, flag, done);
  EXPECT_TRUE(done);
  EXPECT_FALSE(w.sched.Failed()) << w.sched.Failures()[0].ToString();
}

TEST(SchedulerSmpTest, UnpreparedWaitLosesThatWake) {
  // The race the prepare order exists for: without it, a deadlock.
  SmpFixture w(std::make_unique<AlwaysSwitch>());
  bool flag = false, done = false;
  WaitWithPreemptibleCondition(w, /*prepare=*/false, flag, done);
  EXPECT_FALSE(done);
  ASSERT_TRUE(w.sched.Failed());
  EXPECT_EQ(w.sched.Failures()[0].kind, FailureKind::kDeadlock);
}

TEST(SchedulerSmpTest, AtomicContextStillLetsOthersRun) {
  SmpFixture w(std::make_unique<AlwaysSwitch>());
  int other_steps_inside = 0;
  bool inside = false;
  w.sched.Spawn("holder", [&] {
    w.sched.EnterAtomic();  // a spinlock, say
    inside = true;
    for (int i = 0; i < 3; i++) w.sched.Preempt();
    inside = false;
    w.sched.ExitAtomic();
  });
  w.sched.Spawn("other cpu", [&] {
    for (int i = 0; i < 3; i++) {
      other_steps_inside += inside;
      w.sched.Preempt();
    }
  });
  EXPECT_EQ(w.sched.Run(), RunStatus::kIdle);
  EXPECT_GT(other_steps_inside, 0);
}

TEST(SchedulerSmpTest, InterruptsRunAtPreemptionPointsOfRunningCode) {
  SmpFixture w(std::make_unique<AlwaysSwitch>());
  int step = 0, step_at_irq = -1;
  bool irq_was_atomic = false;
  w.sched.Spawn("process", [&] {
    w.sched.CallAfter(0, [&] {
      step_at_irq = step;
      irq_was_atomic = w.sched.InInterrupt() && !w.sched.MaySleep();
    });
    for (step = 0; step < 5; step++) w.sched.Preempt();
  });
  EXPECT_EQ(w.sched.Run(), RunStatus::kIdle);
  EXPECT_GE(step_at_irq, 0);
  EXPECT_LT(step_at_irq, 5);  // not after the process code finished
  EXPECT_TRUE(irq_was_atomic);
}

TEST(SchedulerSmpTest, TimePassesInsideRunningCodeSoTimersLandThere) {
  // Random strategy: now and then a preemption point lets time pass up to
  // the next deadline, as if the code took that long.
  int landed_inside = 0;
  for (uint64_t seed = 1; seed <= 20; seed++) {
    SmpFixture w(MakeRandomStrategy(Rng(seed)));
    bool running = false;
    w.sched.Spawn("busy", [&] {
      running = true;
      for (int i = 0; i < 400; i++) w.sched.Preempt();
      running = false;
    });
    w.sched.CallAfter(kNsPerMs, [&] { landed_inside += running; });
    EXPECT_EQ(w.sched.Run(), RunStatus::kIdle);
  }
  EXPECT_GT(landed_inside, 0);
}

TEST(SchedulerSmpTest, FifoNeverLetsTimePassInsideCode) {
  SmpFixture w(MakeFifoStrategy());
  bool running = false, landed_inside = false;
  w.sched.Spawn("busy", [&] {
    running = true;
    for (int i = 0; i < 400; i++) w.sched.Preempt();
    running = false;
  });
  w.sched.CallAfter(kNsPerMs, [&] { landed_inside = running; });
  EXPECT_EQ(w.sched.Run(), RunStatus::kIdle);
  EXPECT_FALSE(landed_inside);
}

TEST(SchedulerSmpTest, StopPointHaltsTheRunMidOperation) {
  SmpFixture w(MakeFifoStrategy());
  int steps = 0;
  w.sched.Spawn("long operation", [&] {
    for (; steps < 100; steps++) {
      w.log.Record({w.clock.Now(), EventKind::kNote, 0, 0, 0, "step"});
      w.sched.Preempt();
    }
  });
  w.sched.SetStopPoint(w.log.Count() + 10, kNever);
  EXPECT_EQ(w.sched.Run(), RunStatus::kStopped);
  EXPECT_GT(steps, 0);
  EXPECT_LT(steps, 100);
  EXPECT_EQ(w.sched.LiveFibers(), 1u);
  w.sched.CancelAll();  // the crash that follows
  EXPECT_EQ(w.sched.LiveFibers(), 0u);
}

TEST(SchedulerSmpTest, TimedStopPointLandsAtItsInstant) {
  SmpFixture w(MakeFifoStrategy());
  WaitList never("io");
  w.sched.Spawn("waiter", [&] { w.sched.Block(never, BlockKind::kUninterruptible); });
  w.sched.CallAfter(10 * kNsPerSec, [] {});
  w.sched.SetStopPoint(~0ull, 3 * kNsPerSec);
  EXPECT_EQ(w.sched.Run(), RunStatus::kStopped);
  EXPECT_EQ(w.clock.Now(), 3 * kNsPerSec);
}

}  // namespace
}  // namespace llsim
