// Timers: expiry at the right jiffy (also across the jiffies wrap),
// re-arming, deletion, shutdown, and the _sync rules.
#include <vector>

#include "core/kshim/tests/kshim_fixture.h"

namespace llsim {
namespace {

struct Probe {
  timer_list timer;
  int id;
  std::vector<std::pair<int, unsigned long>>* fired;  // (id, jiffies at expiry)
};

std::vector<Nanos> g_fire_times;

void RecordFire(timer_list* t) {
  Probe* p = reinterpret_cast<Probe*>(reinterpret_cast<char*>(t) - offsetof(Probe, timer));
  p->fired->emplace_back(p->id, llsim_jiffies());
  g_fire_times.push_back(Kshim::Active()->GetWorld().Clock().Now());
}

// Jiffies start at the kernel's INITIAL_JIFFIES, 300 s before the low 32
// bits wrap; timers on either side of the wrap fire in order, on time.
TEST(TimerTest, FiresAtExpiryAcrossJiffiesWrap) {
  for (unsigned hz : {250u, 1000u}) {
    KWorld w(hz);
    std::vector<std::pair<int, unsigned long>> fired;
    Probe before{{}, 1, &fired}, after{{}, 2, &fired};
    unsigned long start = 0, wrap = 0;
    g_fire_times.clear();
    w.Spawn("arm", [&] {
      start = llsim_jiffies();
      wrap = (start | 0xffffffffUL) + 1;  // where the low 32 bits wrap
      timer_setup(&before.timer, RecordFire, 0);
      timer_setup(&after.timer, RecordFire, 0);
      // Armed in the opposite order of expiry.
      EXPECT_EQ(mod_timer(&after.timer, wrap + 10), 0);
      EXPECT_EQ(mod_timer(&before.timer, wrap - 10), 0);
      EXPECT_TRUE(timer_pending(&after.timer));
    });
    EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
    EXPECT_EQ((unsigned int)start, (unsigned int)(-300 * (int)hz));
    EXPECT_EQ(wrap - start, 300ul * hz);
    ASSERT_EQ(fired.size(), 2u) << "HZ=" << hz;
    EXPECT_EQ(fired[0], std::make_pair(1, wrap - 10)) << "HZ=" << hz;
    EXPECT_EQ(fired[1], std::make_pair(2, wrap + 10)) << "HZ=" << hz;
    EXPECT_FALSE(timer_pending(&after.timer));
    EXPECT_EQ(after.timer.llsim_id, 0u);
    ASSERT_EQ(g_fire_times.size(), 2u);
    Nanos jiffy = kNsPerSec / hz;
    EXPECT_EQ(g_fire_times[0], 300 * kNsPerSec - 10 * jiffy) << "HZ=" << hz;
    EXPECT_EQ(g_fire_times[1], 300 * kNsPerSec + 10 * jiffy) << "HZ=" << hz;
  }
}

TEST(TimerTest, ModTimerRearmsAndReportsPending) {
  KWorld w;
  std::vector<std::pair<int, unsigned long>> fired;
  Probe p{{}, 7, &fired};
  unsigned long base = 0;
  w.Spawn("arm", [&] {
    base = llsim_jiffies();
    timer_setup(&p.timer, RecordFire, 0);
    EXPECT_EQ(mod_timer(&p.timer, base + 100), 0);
    EXPECT_EQ(mod_timer(&p.timer, base + 30), 1);  // moved earlier: fires once
    msleep(400);
    EXPECT_EQ(mod_timer(&p.timer, llsim_jiffies() + 5), 0);  // it fired: not pending
    EXPECT_EQ(llsim_timer_delete(&p.timer), 1);
    EXPECT_EQ(llsim_timer_delete(&p.timer), 0);
  });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].second, base + 30);
}

TEST(TimerTest, ShutdownSyncMakesLaterModTimerANoOp) {
  KWorld w;
  std::vector<std::pair<int, unsigned long>> fired;
  Probe p{{}, 1, &fired};
  w.Spawn("owner", [&] {
    timer_setup(&p.timer, RecordFire, 0);
    mod_timer(&p.timer, llsim_jiffies() + 10);
    EXPECT_EQ(timer_shutdown_sync(&p.timer), 1);
    EXPECT_EQ(mod_timer(&p.timer, llsim_jiffies() + 10), 0);
    EXPECT_FALSE(timer_pending(&p.timer));
    EXPECT_EQ(timer_shutdown_sync(&p.timer), 0);
  });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  EXPECT_TRUE(fired.empty());
  EXPECT_EQ(w.S().PendingTimers(), 0u);
}

TEST(TimerTest, DeleteSyncDisarmsAndAllowsRearm) {
  KWorld w;
  std::vector<std::pair<int, unsigned long>> fired;
  Probe p{{}, 1, &fired};
  w.Spawn("owner", [&] {
    timer_setup(&p.timer, RecordFire, 0);
    mod_timer(&p.timer, llsim_jiffies() + 10);
    EXPECT_EQ(timer_delete_sync(&p.timer), 1);
    EXPECT_EQ(timer_delete_sync(&p.timer), 0);
    EXPECT_EQ(mod_timer(&p.timer, llsim_jiffies() + 20), 0);
  });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  EXPECT_EQ(fired.size(), 1u);
}

// llbitmap arms jiffies + daemon_sleep * HZ, and daemon_sleep may be set
// as high as MAX_SCHEDULE_TIMEOUT / HZ: the timer is pending, never fires.
TEST(TimerTest, FarFutureTimerStaysPendingWithoutFiring) {
  KWorld w;
  std::vector<std::pair<int, unsigned long>> fired;
  Probe p{{}, 1, &fired};
  w.Spawn("arm", [&] {
    timer_setup(&p.timer, RecordFire, 0);
    mod_timer(&p.timer, llsim_jiffies() + (LONG_MAX / llsim_hz()) * llsim_hz());
    EXPECT_TRUE(timer_pending(&p.timer));
    msleep(1000);
    EXPECT_TRUE(timer_pending(&p.timer));
    EXPECT_EQ(llsim_timer_delete(&p.timer), 1);
  });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  EXPECT_TRUE(fired.empty());
  EXPECT_EQ(w.S().PendingTimers(), 0u);
}

TEST(TimerTest, CallbackCanRearmItself) {
  KWorld w;
  static int runs;
  runs = 0;
  timer_list t{};
  w.Spawn("arm", [&] {
    timer_setup(&t, [](timer_list* self) {
      if (++runs < 3) mod_timer(self, llsim_jiffies() + 2);
    }, 0);
    mod_timer(&t, llsim_jiffies() + 2);
  });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  EXPECT_EQ(runs, 3);
}

// A timer armed for the current jiffy (or one already past) waits for the
// next tick, as the wheel does; a callback that re-arms itself for
// `jiffies` (llbitmap with daemon_sleep 0) then runs once per tick instead
// of in a loop at one instant of virtual time.
TEST(TimerTest, ExpiryAlreadyDueFiresAtTheNextTick) {
  KWorld w(250);
  static std::vector<unsigned long> at;
  at.clear();
  timer_list t{};
  unsigned long armed = 0;
  w.Spawn("arm", [&] {
    timer_setup(&t, [](timer_list* self) {
      at.push_back(llsim_jiffies());
      if (at.size() < 4) mod_timer(self, llsim_jiffies());
    }, 0);
    armed = llsim_jiffies();
    mod_timer(&t, armed - 5);
  });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  ASSERT_EQ(at.size(), 4u);
  for (size_t i = 0; i < at.size(); i++) EXPECT_EQ(at[i], armed + 1 + i) << i;
}

TEST(TimerTest, DeleteSyncFromCallbackIsMisuse) {
  KWorld w;
  timer_list t{};
  w.Spawn("arm", [&] {
    timer_setup(&t, [](timer_list* self) { timer_delete_sync(self); }, 0);
    mod_timer(&t, llsim_jiffies() + 1);
  });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "timer_delete_sync from an interrupt"))
      << w.Failures();
}

TEST(TimerTest, ArmingATimerNeverSetUpIsMisuse) {
  KWorld w;
  timer_list t{};
  w.Spawn("arm", [&] { mod_timer(&t, llsim_jiffies() + 1); });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "never set up")) << w.Failures();
}

TEST(TimeTest, HzConversionsAndMsleep) {
  KWorld w(250);
  unsigned long slept = 0;
  w.Spawn("t", [&] {
    EXPECT_EQ(llsim_hz(), 250u);
    EXPECT_EQ(msecs_to_jiffies(1), 1ul);  // rounded up
    EXPECT_EQ(msecs_to_jiffies(1000), 250ul);
    EXPECT_EQ(jiffies_to_msecs(250), 1000u);
    unsigned long start = llsim_jiffies();
    msleep(10);  // 3 jiffies rounded up, plus one
    slept = llsim_jiffies() - start;
    EXPECT_EQ(schedule_timeout_uninterruptible(5), 0);
    EXPECT_EQ(llsim_jiffies() - start, slept + 5);
    EXPECT_EQ(ktime_get_ns(), (slept + 5) * 4 * kNsPerMs);
  });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  EXPECT_EQ(slept, 4u);
}

}  // namespace
}  // namespace llsim

namespace llsim {
namespace {

// timer_delete_sync returns only once a callback already running on
// another CPU has finished; timer_delete does not wait.
struct SlowTimer {
  timer_list t;
  unsigned long flags;
  bool started, finished;
};
SlowTimer* g_slow;

void SlowCallback(timer_list* t) {
  g_slow->started = true;
  for (int i = 0; i < 5; i++) test_bit(0, &g_slow->flags);  // preemption points
  g_slow->finished = true;
}

TEST(TimerTest, DeleteSyncWaitsForARunningCallback) {
  int caught_running = 0;
  for (uint64_t seed = 1; seed <= 30; seed++) {
    for (bool sync : {true, false}) {
      KWorld w(250, "random", {}, seed);
      SlowTimer st{};
      g_slow = &st;
      bool finished_at_return = false;
      w.Spawn("deleter", [&] {
        timer_setup(&st.t, SlowCallback, 0);
        mod_timer(&st.t, llsim_jiffies());  // due now: runs on another CPU
        while (!st.started) llsim_preempt();
        if (sync)
          timer_delete_sync(&st.t);
        else
          timer_delete(&st.t);
        finished_at_return = st.finished;
      });
      EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
      if (sync)
        EXPECT_TRUE(finished_at_return) << "seed " << seed;
      else
        caught_running += !finished_at_return;
    }
  }
  EXPECT_GT(caught_running, 0) << "the callback never overlapped: the test proves nothing";
}

TEST(TimerTest, FreeingATimerWhoseCallbackRunsIsMisuse) {
  bool reported = false;
  for (uint64_t seed = 1; seed <= 30 && !reported; seed++) {
    KWorld w(250, "random", {}, seed);
    SlowTimer* st = static_cast<SlowTimer*>(kzalloc(sizeof(SlowTimer), GFP_KERNEL));
    g_slow = st;
    w.Spawn("owner", [&] {
      timer_setup(&st->t, SlowCallback, 0);
      mod_timer(&st->t, llsim_jiffies());
      while (!st->started) llsim_preempt();
      timer_shutdown(&st->t);  // does not wait
      if (!st->finished) {
        kfree(st);  // refused and reported: the callback still runs
        return;
      }
      kfree(st);
    });
    w.Run();
    reported = w.Failed(FailureKind::kShimMisuse, "a running timer callback");
  }
  EXPECT_TRUE(reported);
}

}  // namespace
}  // namespace llsim
