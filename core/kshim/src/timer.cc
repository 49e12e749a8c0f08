// Kernel timers on the scheduler's virtual-time events. The registry of
// armed timers (by address) is what timer_pending() and kfree() consult.
// The callback runs as an interrupt (its own fiber, atomic context, where
// sleeping is reported) interleaved with everything else, so the _sync
// deletes really wait for a callback that is running on another CPU.
#include "absl/strings/str_cat.h"
#include "core/kshim/src/kshim.h"
#include "core/kshim/src/ktime_util.h"

using llsim::K;
using llsim::Kshim;
using llsim::Nanos;
using llsim::VirtualClock;

namespace {

// Disarms t; true if it was armed.
bool Disarm(Kshim& k, timer_list* t) {
  auto it = k.Timers().find(t);
  if (it == k.Timers().end()) return false;
  if (it->second.sched_id) k.Sched().Cancel(it->second.sched_id);
  k.Timers().erase(it);
  t->llsim_id = 0;
  return true;
}

void Fire(Kshim* k, timer_list* t, uint64_t arm_seq) {
  auto it = k->Timers().find(t);
  if (it == k->Timers().end() || it->second.arm_seq != arm_seq) return;
  k->Timers().erase(it);
  t->llsim_id = 0;
  k->RunningTimers()[t] = k->ContextId();
  k->NoteContext(Kshim::Context::kTimer, true);
  t->function(t);
  k->NoteContext(Kshim::Context::kTimer, false);
  // t may be freed by now (a callback may free its own timer): keys only.
  k->RunningTimers().erase(t);
  k->Waits().WakeAll(k->Sched(), t);
}

int Arm(Kshim& k, timer_list* t, unsigned long expires, const char* fn) {
  if (!t->llsim_setup) {
    k.Misuse(absl::StrCat(fn, " on a timer that was never set up (timer_setup)"));
    return 0;
  }
  // The kernel silently ignores re-arming a shut-down timer; cores rely
  // on that during teardown.
  if (t->llsim_shutdown) return 0;
  bool was_pending = Disarm(k, t);
  t->expires = expires;
  uint64_t seq = k.NextArmSeq();
  VirtualClock& clock = k.GetWorld().Clock();
  // An expiry that is already due waits for the next tick: the timer wheel
  // runs expired timers from the tick's softirq, with its clock one jiffy
  // ahead while it does, so a callback that re-arms itself for `jiffies`
  // (daemon_sleep 0) runs once per tick, not in a loop at one instant.
  long delta = (long)(expires - clock.Jiffies());
  Nanos deadline = llsim::DeadlineAfterJiffies(k, delta <= 0 ? 1 : delta);
  // Too far out to represent (a huge daemon_sleep): armed, never fires.
  uint64_t id = 0;
  if (deadline != llsim::kNever) {
    Kshim* kp = &k;
    id = k.Sched().CallAt(deadline, [kp, t, seq] { Fire(kp, t, seq); }, "timer");
  }
  k.Timers()[t] = Kshim::ArmedTimer{id, seq};
  t->llsim_id = id;
  return was_pending ? 1 : 0;
}

// The _sync variants wait (spinning, as the kernel does) for a callback
// running on another CPU. From an interrupt that is forbidden, and from
// the callback itself it would wait forever.
bool SyncAllowed(Kshim& k, timer_list* t, const char* fn) {
  if (!k.Sched().InFiber() || k.Sched().InInterrupt()) {
    k.Misuse(absl::StrCat(fn, " from ", k.Sched().InFiber() ? "an interrupt" : "the harness"));
    return false;
  }
  auto it = k.RunningTimers().find(t);
  if (it != k.RunningTimers().end() && it->second == k.ContextId()) {
    k.Misuse(absl::StrCat(fn, " from the timer's own callback (it would wait for itself)"));
    return false;
  }
  return true;
}

void WaitForCallback(Kshim& k, timer_list* t) {
  while (k.RunningTimers().count(t))
    k.Waits().Sleep(k.Sched(), t, "running timer callback", llsim::BlockKind::kSpin);
}

}  // namespace

extern "C" {

void llsim_timer_setup(struct timer_list* t, void (*fn)(struct timer_list*), u32 flags) {
  Kshim& k = K(__func__);
  if (k.Timers().count(t)) {
    k.Misuse("timer_setup on an armed timer");
    return;
  }
  t->function = fn;
  t->expires = 0;
  t->flags = flags;
  t->llsim_id = 0;
  t->llsim_shutdown = false;
  t->llsim_setup = true;
}

int mod_timer(struct timer_list* t, unsigned long expires) {
  Kshim& k = K(__func__);
  k.OnPreempt();
  return Arm(k, t, expires, "mod_timer");
}

void add_timer(struct timer_list* t) {
  Kshim& k = K(__func__);
  k.OnPreempt();
  if (k.Timers().count(t)) {
    k.Misuse("add_timer on a timer that is already pending");
    return;
  }
  Arm(k, t, t->expires, "add_timer");
}

int timer_pending(const struct timer_list* t) {
  Kshim& k = K(__func__);
  k.OnPreempt();
  return k.Timers().count(t) ? 1 : 0;
}

int llsim_timer_delete(struct timer_list* t) {
  Kshim& k = K(__func__);
  k.OnPreempt();
  return Disarm(k, t) ? 1 : 0;
}

int timer_delete_sync(struct timer_list* t) {
  Kshim& k = K(__func__);
  k.OnPreempt();
  if (!SyncAllowed(k, t, "timer_delete_sync")) return 0;
  // The callback may re-arm the timer before it ends: delete again after.
  int was = 0;
  do {
    was |= Disarm(k, t) ? 1 : 0;
    WaitForCallback(k, t);
  } while (k.Timers().count(t));
  return was;
}

int timer_shutdown(struct timer_list* t) {
  Kshim& k = K(__func__);
  k.OnPreempt();
  t->llsim_shutdown = true;
  return Disarm(k, t) ? 1 : 0;
}

int timer_shutdown_sync(struct timer_list* t) {
  Kshim& k = K(__func__);
  k.OnPreempt();
  if (!SyncAllowed(k, t, "timer_shutdown_sync")) return 0;
  t->llsim_shutdown = true;
  int was = Disarm(k, t) ? 1 : 0;
  WaitForCallback(k, t);
  return was;
}

}  // extern "C"
