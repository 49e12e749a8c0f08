// Preemption points and the context rules around them: preempt_disable,
// RCU read sections, might_sleep and cond_resched.
#include "core/kshim/src/kshim.h"

using llsim::K;
using llsim::Kshim;

extern "C" {

void llsim_preempt(void) {
  // Code may touch shared state before any runtime exists (static
  // initialisers, tests of pure helpers): there is nobody to switch to.
  if (Kshim* k = Kshim::Active()) k->OnPreempt();
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

// Readers are atomic sections and a fiber never switches inside one, so
// no reader can be in flight here; the grace period is immediate.
void synchronize_rcu(void) {
  Kshim& k = K(__func__);
  if (!k.MaySleep("synchronize_rcu")) return;
  k.OnPreempt();
}

bool llsim_may_sleep(const char* what) { return K(__func__).MaySleep(what); }

void might_sleep(void) { K(__func__).MaySleep("might_sleep"); }

void cond_resched(void) {
  Kshim& k = K(__func__);
  if (!k.MaySleep("cond_resched")) return;
  k.OnPreempt();
}

}  // extern "C"
