// Wait queues, completions, mutexes and spinlocks: timeouts in exact
// jiffies, owner checks, and sleeping where the kernel forbids it.
#include "core/kshim/tests/kshim_fixture.h"

namespace llsim {
namespace {

// wait_event_timeout returns the jiffies left when the condition came
// true: the waker sleeps msleep(100), which is msecs_to_jiffies(100) + 1
// jiffies (26 at HZ=250, 101 at HZ=1000), out of a one-second timeout.
void ExpectRemainingJiffies(unsigned hz, long expected) {
  KWorld w(hz);
  DECLARE_WAIT_QUEUE_HEAD(wq);
  bool ready = false;
  long ret = -1;
  w.Spawn("waiter", [&] { ret = wait_event_timeout(wq, ready, (long)llsim_hz()); });
  w.Spawn("waker", [&] {
    msleep(100);
    ready = true;
    wake_up(&wq);
  });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  EXPECT_EQ(ret, expected) << "HZ=" << hz;
}

TEST(WaitQueueTest, WaitEventTimeoutReturnsRemainingJiffiesHz250) {
  ExpectRemainingJiffies(250, 250 - 26);
}

TEST(WaitQueueTest, WaitEventTimeoutReturnsRemainingJiffiesHz1000) {
  ExpectRemainingJiffies(1000, 1000 - 101);
}

TEST(WaitQueueTest, WaitEventTimeoutReturnsZeroOnTimeout) {
  for (unsigned hz : {250u, 1000u}) {
    KWorld w(hz);
    DECLARE_WAIT_QUEUE_HEAD(wq);
    long ret = -1;
    unsigned long waited = 0;
    w.Spawn("waiter", [&] {
      unsigned long start = llsim_jiffies();
      ret = wait_event_timeout(wq, false, 50);
      waited = llsim_jiffies() - start;
    });
    // A wake-up that does not make the condition true changes nothing.
    w.Spawn("spurious", [&] {
      msleep(20);
      wake_up(&wq);
    });
    EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
    EXPECT_EQ(ret, 0) << "HZ=" << hz;
    EXPECT_EQ(waited, 50u) << "HZ=" << hz;
  }
}

TEST(WaitQueueTest, WaitEventTimeoutWithTrueConditionReturnsFullTimeout) {
  KWorld w;
  DECLARE_WAIT_QUEUE_HEAD(wq);
  long ret = -1;
  w.Spawn("t", [&] { ret = wait_event_timeout(wq, true, 7); });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  EXPECT_EQ(ret, 7);
}

TEST(WaitQueueTest, WaitEventSleepsUntilConditionAndHasSleeper) {
  KWorld w;
  wait_queue_head_t wq;
  init_waitqueue_head(&wq);
  int stage = 0;
  bool saw_sleeper = false;
  w.Spawn("waiter", [&] {
    wait_event(wq, stage == 2);
    stage = 3;
  });
  w.Spawn("waker", [&] {
    saw_sleeper = wq_has_sleeper(&wq);
    stage = 1;
    wake_up(&wq);  // condition still false: the waiter sleeps again
    msleep(10);
    stage = 2;
    wake_up(&wq);
  });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  EXPECT_TRUE(saw_sleeper);
  EXPECT_EQ(stage, 3);
}

TEST(WaitQueueTest, WaitEventForeverIsReportedAsDeadlockNamingTheQueue) {
  KWorld w;
  wait_queue_head_t never;
  init_waitqueue_head(&never);
  w.Spawn("stuck", [&] { wait_event(never, false); });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kDeadlock, "wait queue &never")) << w.Failures();
}

TEST(CompletionTest, OnStackCompletionWakesWaiter) {
  KWorld w(250, "random");
  int order = 0, waiter_saw = -1;
  w.Spawn("waiter", [&] {
    DECLARE_COMPLETION_ONSTACK(done);
    struct completion* c = &done;
    w.Spawn("completer", [&, c] {
      msleep(5);
      order = 1;
      complete(c);
    });
    wait_for_completion(&done);
    waiter_saw = order;
  });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  EXPECT_EQ(waiter_saw, 1);
}

TEST(CompletionTest, TimeoutAndCompleteAll) {
  KWorld w;
  struct completion c;
  init_completion(&c);
  unsigned long timed_out = 99, got = 0;
  int passed = 0;
  w.Spawn("t", [&] {
    timed_out = wait_for_completion_timeout(&c, 10);
    complete_all(&c);
    got = wait_for_completion_timeout(&c, 10);
    wait_for_completion(&c);  // complete_all satisfies every later wait
    passed = 1;
  });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  EXPECT_EQ(timed_out, 0u);
  EXPECT_EQ(got, 10u);
  EXPECT_EQ(passed, 1);
  EXPECT_TRUE(completion_done(&c));
}

TEST(MutexTest, SerialisesHoldersAcrossSleeps) {
  KWorld w(250, "random", {}, 7);
  DEFINE_MUTEX(m);
  int inside = 0, max_inside = 0, entries = 0;
  for (int i = 0; i < 4; i++)
    w.Spawn("locker" + std::to_string(i), [&] {
      for (int j = 0; j < 3; j++) {
        mutex_lock(&m);
        inside++;
        entries++;
        max_inside = std::max(max_inside, inside);
        msleep(1);
        inside--;
        mutex_unlock(&m);
      }
    });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  EXPECT_EQ(max_inside, 1);
  EXPECT_EQ(entries, 12);
  EXPECT_FALSE(mutex_is_locked(&m));
}

TEST(MutexTest, UnlockByNonOwnerIsMisuse) {
  KWorld w;
  DEFINE_MUTEX(m);
  w.Spawn("owner", [&] {
    mutex_lock(&m);
    msleep(100);
    mutex_unlock(&m);
  });
  w.Spawn("thief", [&] { mutex_unlock(&m); });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "mutex_unlock(m)")) << w.Failures();
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "held by fiber 1")) << w.Failures();
}

TEST(MutexTest, UnlockOfUnlockedAndRecursiveLockAreMisuse) {
  {
    KWorld w;
    DEFINE_MUTEX(m);
    w.Spawn("t", [&] { mutex_unlock(&m); });
    EXPECT_EQ(w.Run(), RunStatus::kFailed);
    EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "not locked")) << w.Failures();
  }
  {
    KWorld w;
    DEFINE_MUTEX(m);
    bool after = false;
    w.Spawn("t", [&] {
      mutex_lock(&m);
      mutex_lock(&m);
      after = true;
    });
    EXPECT_EQ(w.Run(), RunStatus::kFailed);
    EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "self-deadlock")) << w.Failures();
    EXPECT_FALSE(after);  // the fiber was halted
  }
}

TEST(AtomicContextTest, SleepingUnderSpinlockIsReported) {
  KWorld w;
  DEFINE_SPINLOCK(lock);
  bool after = false;
  w.Spawn("t", [&] {
    spin_lock(&lock);
    msleep(1);
    after = true;
  });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kAtomicSleep, "msleep")) << w.Failures();
  EXPECT_FALSE(after);
}

TEST(AtomicContextTest, MutexUnderReadLockIsReported) {
  KWorld w;
  rwlock_t rw;
  rwlock_init(&rw);
  DEFINE_MUTEX(m);
  w.Spawn("t", [&] {
    read_lock(&rw);
    mutex_lock(&m);
  });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kAtomicSleep, "mutex_lock(m)")) << w.Failures();
}

TEST(AtomicContextTest, SpinlockExcludesHoldersWhileOtherCpusRunOn) {
  KWorld w(250, "random", {}, 3);
  DEFINE_SPINLOCK(lock);
  rwlock_t rw;
  rwlock_init(&rw);
  int shared = 0, holders = 0, max_holders = 0, others_ran_inside = 0;
  bool torn = false;
  for (int i = 0; i < 3; i++)
    w.Spawn("t" + std::to_string(i), [&] {
      for (int j = 0; j < 20; j++) {
        spin_lock(&lock);
        holders++;
        max_holders = std::max(max_holders, holders);
        int v = shared;
        llsim_preempt();  // other CPUs run, but none gets the lock
        shared = v + 1;
        holders--;
        spin_unlock(&lock);
        write_lock(&rw);
        write_unlock(&rw);
        read_lock(&rw);
        torn |= shared == 0;
        read_unlock(&rw);
      }
    });
  w.Spawn("bystander", [&] {
    for (int j = 0; j < 60; j++) {
      others_ran_inside += holders > 0;
      llsim_preempt();
    }
  });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  EXPECT_EQ(shared, 60);
  EXPECT_EQ(max_holders, 1);
  EXPECT_FALSE(torn);
  EXPECT_GT(others_ran_inside, 0);
}

TEST(AtomicContextTest, ReadersShareAnRwlockAndAWriterWaitsForThem) {
  int max_readers = 0, writer_saw_readers = 0, inside = 0;
  for (uint64_t seed = 1; seed <= 10; seed++) {
    KWorld w(250, "random", {}, seed);
    rwlock_t rw;
    rwlock_init(&rw);
    for (int i = 0; i < 3; i++)
      w.Spawn("reader" + std::to_string(i), [&] {
        for (int j = 0; j < 10; j++) {
          read_lock(&rw);
          inside++;
          max_readers = std::max(max_readers, inside);
          llsim_preempt();
          inside--;
          read_unlock(&rw);
        }
      });
    w.Spawn("writer", [&] {
      for (int j = 0; j < 10; j++) {
        write_lock(&rw);
        writer_saw_readers += inside;
        llsim_preempt();
        write_unlock(&rw);
      }
    });
    EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  }
  EXPECT_GE(max_readers, 2);
  EXPECT_EQ(writer_saw_readers, 0);
}

TEST(AtomicContextTest, SleepingWithASpinlockHeldIsReportedWhileOthersSpin) {
  KWorld w(250, "random", {}, 1);
  DEFINE_SPINLOCK(lock);
  w.Spawn("holder", [&] {
    spin_lock(&lock);
    msleep(1);  // sleeping with a spinlock: reported, fiber halted
  });
  w.Spawn("spinner", [&] {
    spin_lock(&lock);
    spin_unlock(&lock);
  });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kAtomicSleep, "msleep")) << w.Failures();
}

// A condition with two preemption points (two bitops): a wake landing
// between them must not be lost. The hand-written loop below (test, then
// sleep, as the shim used to do) loses it for some schedule.
TEST(WaitQueueTest, WaitEventKeepsAWakeThatLandsInsideItsCondition) {
  int lost = 0;
  for (uint64_t seed = 1; seed <= 40; seed++) {
    for (bool prepared : {true, false}) {
      KWorld w(250, "random", {}, seed);
      static wait_queue_head_t wq;
      init_waitqueue_head(&wq);
      unsigned long a = 0, b = 0;
      bool done = false;
      w.Spawn("waiter", [&] {
        if (prepared) {
          wait_event(wq, test_bit(0, &a) || test_bit(0, &b));
        } else {
          while (!(test_bit(0, &a) || test_bit(0, &b))) llsim_wq_sleep(&wq, -1, false, "wq");
        }
        done = true;
      });
      w.Spawn("waker", [&] {
        set_bit(0, &a);
        wake_up(&wq);
      });
      RunStatus st = w.Run();
      if (prepared) {
        EXPECT_EQ(st, RunStatus::kIdle) << "seed " << seed << ": " << w.Failures();
        EXPECT_TRUE(done) << "seed " << seed;
      } else {
        lost += !done;
      }
    }
  }
  EXPECT_GT(lost, 0) << "the race this guards against never happened: the test proves nothing";
}

TEST(AtomicContextTest, SpinUnlockByNonOwnerIsMisuse) {
  KWorld w;
  DEFINE_SPINLOCK(lock);
  w.Spawn("t", [&] { spin_unlock(&lock); });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "spin_unlock(lock)")) << w.Failures();
}

struct SleepyTimer {
  timer_list t;
};

TEST(AtomicContextTest, SleepingInTimerCallbackIsReported) {
  KWorld w;
  SleepyTimer st{};
  w.Spawn("arm", [&] {
    timer_setup(&st.t, [](timer_list*) { msleep(10); }, 0);
    mod_timer(&st.t, llsim_jiffies() + 5);
  });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kAtomicSleep, "interrupt 'timer'")) << w.Failures();
  EXPECT_TRUE(w.Failed(FailureKind::kAtomicSleep, "msleep")) << w.Failures();
}

TEST(AtomicContextTest, MutexInTimerCallbackIsReported) {
  KWorld w;
  static struct mutex* m;
  DEFINE_MUTEX(lock);
  m = &lock;
  SleepyTimer st{};
  w.Spawn("arm", [&] {
    timer_setup(&st.t, [](timer_list*) { mutex_lock(m); }, 0);
    mod_timer(&st.t, llsim_jiffies() + 1);
  });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kAtomicSleep, "mutex_lock(lock)")) << w.Failures();
  EXPECT_FALSE(mutex_is_locked(&lock));
}

TEST(AtomicContextTest, PreemptDisableForbidsSleepAndEnableRestores) {
  KWorld w;
  w.Spawn("ok", [&] {
    preempt_disable();
    preempt_enable();
    might_sleep();
    cond_resched();
    msleep(1);
  });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  w.Spawn("bad", [&] {
    rcu_read_lock();
    might_sleep();
  });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kAtomicSleep, "might_sleep")) << w.Failures();
}

}  // namespace
}  // namespace llsim
