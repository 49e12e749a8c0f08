// Preemption points and the context rules around them: preempt_disable,
// RCU read sections, might_sleep and cond_resched.
#include "core/kshim/src/kshim.h"

using llsim::K;
using llsim::Kshim;

extern "C" {

void llsim_preempt(void) {
  // Code may touch shared state before any runtime exists (static
  // initialisers, tests of pure helpers): there is nobody to switch to.
  if (Kshim* k = Kshim::Active()) k->OnCoreAccessPoint();
}

void preempt_disable(void) {
  Kshim& k = K(__func__);
  k.OnPreempt();
  k.Sched().EnterAtomic();
}

void preempt_enable(void) {
  Kshim& k = K(__func__);
  k.Sched().ExitAtomic();
  k.OnPreempt();
}

// Read-side sections are atomic (no sleeping) but other fibers run on
// meanwhile, as other CPUs do; a grace period ends once no fiber is inside
// one. (Waiting for every reader, not only those that began before the
// call, is longer than the kernel's grace period but never shorter.)
void rcu_read_lock(void) {
  Kshim& k = K(__func__);
  k.OnPreempt();
  k.Sched().EnterAtomic();
  if (k.Sched().InFiber() && k.RcuDepth()[k.ContextId()]++ == 0) k.RcuReaders()++;
}

void rcu_read_unlock(void) {
  Kshim& k = K(__func__);
  if (k.Sched().InFiber()) {
    auto it = k.RcuDepth().find(k.ContextId());
    if (it == k.RcuDepth().end()) {
      k.Misuse("rcu_read_unlock without rcu_read_lock");
      return;
    }
    if (--it->second == 0) {
      k.RcuDepth().erase(it);
      if (--k.RcuReaders() == 0) k.Waits().WakeAll(k.Sched(), &k.RcuReaders());
    }
  }
  k.Sched().ExitAtomic();
  k.OnPreempt();
}

void synchronize_rcu(void) {
  Kshim& k = K(__func__);
  if (!k.MaySleep("synchronize_rcu")) return;
  k.OnPreempt();
  while (k.RcuReaders() > 0)
    k.Waits().Sleep(k.Sched(), &k.RcuReaders(), "rcu grace period",
                    llsim::BlockKind::kUninterruptible);
}

bool llsim_may_sleep(const char* what) { return K(__func__).MaySleep(what); }

void might_sleep(void) { K(__func__).MaySleep("might_sleep"); }

void cond_resched(void) {
  Kshim& k = K(__func__);
  if (!k.MaySleep("cond_resched")) return;
  k.OnPreempt();
}

}  // extern "C"
