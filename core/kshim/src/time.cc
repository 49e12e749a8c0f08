// HZ, jiffies and sleeping for a while, on the world's virtual clock.
#include "core/kshim/src/kshim.h"
#include "core/kshim/src/ktime_util.h"

using llsim::K;
using llsim::Kshim;

namespace llsim {

Nanos DeadlineAfterJiffies(Kshim& k, long timeout) {
  VirtualClock& c = k.GetWorld().Clock();
  if (timeout < 0) return kNever;
  // One jiffy of slack for the partial jiffy DeadlineForJiffies rounds to.
  if ((unsigned long)timeout >= (kNever - c.Now()) / c.NsPerJiffy() - 1) return kNever;
  return c.DeadlineForJiffies(c.Jiffies() + (unsigned long)timeout);
}

}  // namespace llsim

namespace {

// Sleeps the current fiber for `timeout` jiffies on a list nobody wakes.
void SleepJiffies(Kshim& k, long timeout, const char* what) {
  if (!k.MaySleep(what)) return;
  llsim::WaitList alone(what);
  k.Sched().Block(alone, llsim::BlockKind::kUninterruptible, llsim::DeadlineAfterJiffies(k, timeout));
}

}  // namespace

extern "C" {

unsigned int llsim_hz(void) { return K(__func__).GetWorld().Clock().Hz(); }

unsigned long llsim_jiffies(void) { return K(__func__).GetWorld().Clock().Jiffies(); }

// Rounded up, as in the kernel: a timeout is never shorter than asked.
unsigned long msecs_to_jiffies(unsigned int m) {
  u64 hz = llsim_hz();
  return (unsigned long)(((u64)m * hz + 999) / 1000);
}

unsigned int jiffies_to_msecs(unsigned long j) {
  u64 hz = llsim_hz();
  if (hz > 1000) return (unsigned int)(((u64)j * 1000 + hz - 1) / hz);
  return (unsigned int)((u64)j * 1000 / hz);
}

u64 ktime_get_ns(void) { return K(__func__).GetWorld().Clock().Now(); }

// The kernel sleeps one jiffy more than asked, so the sleep is at least
// msecs long whatever part of the current jiffy has already passed.
void msleep(unsigned int msecs) {
  SleepJiffies(K(__func__), (long)msecs_to_jiffies(msecs) + 1, "msleep");
}

long schedule_timeout_uninterruptible(long timeout) {
  SleepJiffies(K(__func__), timeout < 0 ? 0 : timeout, "schedule_timeout_uninterruptible");
  return 0;
}

}  // extern "C"
