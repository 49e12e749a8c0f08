// Virtual clock: jiffies start where the kernel starts them and wrap; timers
// fire in deadline order across the wrap.
#include "sim/clock.h"

#include <gtest/gtest.h>

#include "sim/scheduler.h"

namespace llsim {
namespace {

TEST(ClockTest, JiffiesStartFiveMinutesBeforeWrap) {
  VirtualClock c(250);
  EXPECT_EQ(c.Jiffies(), (unsigned long)(unsigned int)(-300 * 250));
  c.AdvanceTo(299 * kNsPerSec);
  EXPECT_EQ((unsigned int)c.Jiffies(), (unsigned int)(-250));
  c.AdvanceTo(301 * kNsPerSec);
  // The low 32 bits wrapped past zero one second ago.
  EXPECT_EQ((unsigned int)c.Jiffies(), 250u);
  EXPECT_EQ(c.Jiffies(), (1ul << 32) + 250);
}

TEST(ClockTest, DeadlineForJiffiesIsWrapSafe) {
  VirtualClock c(1000);
  c.AdvanceTo(299 * kNsPerSec);
  unsigned long expires = c.Jiffies() + 5000;  // crosses the 32-bit wrap
  EXPECT_LT((unsigned int)expires, (unsigned int)c.Jiffies());
  EXPECT_EQ(c.DeadlineForJiffies(expires), 304 * kNsPerSec);
  EXPECT_EQ(c.DeadlineForJiffies(c.Jiffies() - 10), c.Now());  // already past
}

TEST(ClockTest, BootRestartsJiffies) {
  VirtualClock c(100);
  c.AdvanceTo(1000 * kNsPerSec);
  c.Boot();
  EXPECT_EQ(c.Jiffies(), (unsigned long)(unsigned int)(-300 * 100));
  EXPECT_EQ(c.Now(), 1000 * kNsPerSec);
}

TEST(ClockTest, TimersFireInDeadlineOrderAcrossJiffiesWrap) {
  VirtualClock c(250);
  EventLog log;
  Scheduler s(c, log, MakeFifoStrategy());
  c.AdvanceTo(298 * kNsPerSec);
  std::vector<int> fired;
  std::vector<unsigned long> at;
  // Armed in shuffled order, expiring on both sides of the wrap.
  int order[] = {3, 0, 4, 1, 2};
  for (int k : order) {
    unsigned long expires = c.Jiffies() + 250ul * (k + 1);
    s.CallAt(c.DeadlineForJiffies(expires), [&, k] {
      fired.push_back(k);
      at.push_back(c.Jiffies());
    });
  }
  EXPECT_EQ(s.Run(), RunStatus::kIdle);
  EXPECT_EQ(fired, (std::vector<int>{0, 1, 2, 3, 4}));
  for (size_t i = 1; i < at.size(); i++) EXPECT_EQ((long)(at[i] - at[i - 1]), 250);
  // The low 32 bits wrapped in between.
  EXPECT_LT((unsigned int)at.back(), (unsigned int)at.front());
}

}  // namespace
}  // namespace llsim
