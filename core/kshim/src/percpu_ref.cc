// percpu_ref with the kernel's rules, kept as one counter. Killing switches
// to atomic mode at once (the kernel does it after an RCU grace period,
// which no reader can observe here: every op is a preemption point, and
// atomic sections never switch). Release runs in the context of whichever
// put or kill drops the last reference, as in the kernel.
#include "absl/strings/str_cat.h"
#include "core/kshim/src/kshim.h"

using llsim::K;
using llsim::Kshim;

namespace {

// Every op starts here: a preemption point, and the ref must be live
// memory the shim knows (initialised, not exited).
bool Enter(Kshim& k, percpu_ref* ref, const char* fn) {
  k.OnPreempt();
  if (!ref->initialized) {
    k.Misuse(absl::StrCat(fn, " on a percpu_ref that was never initialised"));
    return false;
  }
  if (ref->exited) {
    k.Misuse(absl::StrCat(fn, " on a percpu_ref after percpu_ref_exit"));
    return false;
  }
  return true;
}

void Drop(Kshim& k, percpu_ref* ref, unsigned long nr, const char* fn) {
  if ((unsigned long)ref->count < nr) {
    k.Misuse(absl::StrCat(fn, " underflow: ", nr, " put with ", ref->count, " held"));
    return;
  }
  ref->count -= (long)nr;
  if (ref->count != 0) return;
  if (!ref->dead && !ref->atomic) {
    // In percpu mode the kernel cannot see this, but the kill that must
    // follow would underflow.
    k.Misuse(absl::StrCat(fn, " dropped the base reference of a live percpu_ref"));
    return;
  }
  if (ref->release) ref->release(ref);
}

}  // namespace

extern "C" {

int percpu_ref_init(struct percpu_ref* ref, percpu_ref_func_t* release, unsigned int flags,
                    gfp_t gfp) {
  Kshim& k = K(__func__);
  k.OnPreempt();
  if (!k.AllocContextOk(gfp, "percpu_ref_init", "percpu_ref_init")) return -ENOMEM;
  // The kernel allocates the per-cpu counters here, which can fail.
  if (k.InjectAllocFailure("percpu_ref_init")) return -ENOMEM;
  bool dead = flags & PERCPU_REF_INIT_DEAD;
  ref->count = dead ? 0 : 1;
  ref->release = release;
  ref->flags = flags;
  ref->dead = dead;
  ref->atomic = dead || (flags & PERCPU_REF_INIT_ATOMIC);
  ref->initialized = true;
  ref->exited = false;
  return 0;
}

void percpu_ref_exit(struct percpu_ref* ref) {
  Kshim& k = K(__func__);
  if (!Enter(k, ref, "percpu_ref_exit")) return;
  long extra = ref->dead ? ref->count : ref->count - 1;
  if (extra > 0)
    k.Misuse(absl::StrCat("percpu_ref_exit with ", extra, " reference(s) still held"));
  ref->exited = true;
}

void percpu_ref_get(struct percpu_ref* ref) {
  Kshim& k = K(__func__);
  if (!Enter(k, ref, "percpu_ref_get")) return;
  if (ref->count == 0) {
    k.Misuse("percpu_ref_get on a released percpu_ref (count 0)");
    return;
  }
  ref->count++;
}

bool percpu_ref_tryget(struct percpu_ref* ref) {
  Kshim& k = K(__func__);
  if (!Enter(k, ref, "percpu_ref_tryget")) return false;
  if (ref->count == 0) return false;
  ref->count++;
  return true;
}

bool percpu_ref_tryget_live(struct percpu_ref* ref) {
  Kshim& k = K(__func__);
  if (!Enter(k, ref, "percpu_ref_tryget_live")) return false;
  if (ref->dead) return false;
  ref->count++;
  return true;
}

void percpu_ref_put_many(struct percpu_ref* ref, unsigned long nr) {
  Kshim& k = K(__func__);
  if (!Enter(k, ref, "percpu_ref_put")) return;
  Drop(k, ref, nr, "percpu_ref_put");
}

void percpu_ref_put(struct percpu_ref* ref) { percpu_ref_put_many(ref, 1); }

void percpu_ref_kill(struct percpu_ref* ref) {
  Kshim& k = K(__func__);
  if (!Enter(k, ref, "percpu_ref_kill")) return;
  if (ref->dead) {
    k.Misuse("percpu_ref_kill on a percpu_ref that is already dead");
    return;
  }
  ref->dead = true;
  ref->atomic = true;
  Drop(k, ref, 1, "percpu_ref_kill");
}

// Legal while users still hold references: the count simply gets the
// base reference back.
void percpu_ref_resurrect(struct percpu_ref* ref) {
  Kshim& k = K(__func__);
  if (!Enter(k, ref, "percpu_ref_resurrect")) return;
  if (!ref->dead) {
    k.Misuse("percpu_ref_resurrect on a percpu_ref that is not dead");
    return;
  }
  ref->dead = false;
  ref->atomic = ref->flags & PERCPU_REF_INIT_ATOMIC;
  ref->count++;
}

void percpu_ref_reinit(struct percpu_ref* ref) {
  Kshim& k = K(__func__);
  if (!Enter(k, ref, "percpu_ref_reinit")) return;
  if (!ref->dead || ref->count != 0) {
    k.Misuse("percpu_ref_reinit on a percpu_ref that is not dead with count 0");
    return;
  }
  percpu_ref_resurrect(ref);
}

bool percpu_ref_is_zero(struct percpu_ref* ref) {
  Kshim& k = K(__func__);
  if (!Enter(k, ref, "percpu_ref_is_zero")) return false;
  return ref->dead && ref->count == 0;
}

bool percpu_ref_is_dying(struct percpu_ref* ref) {
  Kshim& k = K(__func__);
  if (!Enter(k, ref, "percpu_ref_is_dying")) return false;
  return ref->dead;
}

void percpu_ref_switch_to_atomic_sync(struct percpu_ref* ref) {
  Kshim& k = K(__func__);
  if (!k.MaySleep("percpu_ref_switch_to_atomic_sync")) return;
  if (!Enter(k, ref, "percpu_ref_switch_to_atomic_sync")) return;
  ref->atomic = true;
}

void percpu_ref_switch_to_percpu(struct percpu_ref* ref) {
  Kshim& k = K(__func__);
  if (!Enter(k, ref, "percpu_ref_switch_to_percpu")) return;
  ref->flags &= ~PERCPU_REF_INIT_ATOMIC;
  if (!ref->dead) ref->atomic = false;
}

}  // extern "C"
