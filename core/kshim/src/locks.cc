// Spinlocks, rwlocks and mutexes. A spinlock or rwlock holder is in atomic
// context (it may not sleep) while other fibers, other CPUs, run on at
// their preemption points. Taking a lock someone else holds spins: the
// fiber waits for the release (a busy loop could starve the holder under
// PCT priorities) and then races the other spinners for it. rwlocks share
// among readers and, like the kernel's queued rwlocks, hold new readers
// back while a writer waits, except readers in interrupt context.
#include "absl/strings/str_cat.h"
#include "core/kshim/src/kshim.h"

using llsim::K;
using llsim::Kshim;

namespace {

// Lock owners are fiber ids (interrupts are fibers too); the harness
// itself, outside any fiber, gets one of its own. 0 means unlocked.
constexpr u64 kHarnessOwner = ~0ull;

u64 Owner(Kshim& k) {
  u64 id = k.ContextId();
  return id ? id : kHarnessOwner;
}

std::string Who(u64 owner) {
  return owner == kHarnessOwner ? std::string("the harness") : absl::StrCat("fiber ", owner);
}

// Waits for a release of l (spin_unlock and friends wake every spinner).
// Outside a fiber nobody else can run to release it: reported instead.
bool Spin(Kshim& k, const void* l, const char* kind, const char* name, u64 holder) {
  if (!k.Sched().InFiber()) {
    k.Misuse(absl::StrCat(kind, "(", name, ") by the harness: held by ", Who(holder)));
    return false;
  }
  k.Waits().Sleep(k.Sched(), l, absl::StrCat(kind, " ", name), llsim::BlockKind::kSpin);
  return true;
}

const char* NameOf(const char* n) { return n ? n : "?"; }

}  // namespace

extern "C" {

void llsim_spin_lock_init_at(spinlock_t* l, const char* name, const char* site) {
  l->owner = 0;
  l->name = name;
  l->site = site;
}

void llsim_spin_lock_init(spinlock_t* l, const char* name) {
  llsim_spin_lock_init_at(l, name, nullptr);
}

void llsim_spin_lock(spinlock_t* l, const char* site) {
  Kshim& k = K("spin_lock");
  k.OnPreempt();
  u64 me = Owner(k);
  if (l->owner == me) {
    k.Misuse(absl::StrCat("spin_lock(", NameOf(l->name), ") by ", Who(me),
                          ", which already holds it (self-deadlock)"));
    k.HaltIfFiber();
    return;
  }
  int cls = k.LockClass(l->name, l->site);
  k.LockOrderCheck(cls, "spin_lock", site);
  while (l->owner)
    if (!Spin(k, l, "spinlock", NameOf(l->name), l->owner)) return;
  l->owner = me;
  k.LockHeld(l, cls, false, "spin_lock", site);
  k.Sched().EnterAtomic();
}

void spin_unlock(spinlock_t* l) {
  Kshim& k = K(__func__);
  u64 me = Owner(k);
  if (l->owner != me) {
    k.Misuse(absl::StrCat("spin_unlock(", NameOf(l->name), ") by ", Who(me), ": ",
                          l->owner ? absl::StrCat("held by ", Who(l->owner)) : "not locked"));
    return;
  }
  l->owner = 0;
  k.LockReleased(l);
  k.Sched().ExitAtomic();
  k.Waits().WakeAll(k.Sched(), l);
  k.OnPreempt();
}

void llsim_rwlock_init_at(rwlock_t* l, const char* name, const char* site) {
  l->writer = 0;
  l->readers = 0;
  l->writers_waiting = 0;
  l->name = name;
  l->site = site;
}

void llsim_rwlock_init(rwlock_t* l, const char* name) { llsim_rwlock_init_at(l, name, nullptr); }

void llsim_read_lock(rwlock_t* l, const char* site) {
  Kshim& k = K("read_lock");
  k.OnPreempt();
  u64 me = Owner(k);
  if (l->writer == me) {
    k.Misuse(absl::StrCat("read_lock(", NameOf(l->name), ") by ", Who(me),
                          ", which write-holds it (self-deadlock)"));
    k.HaltIfFiber();
    return;
  }
  int cls = k.LockClass(l->name, l->site);
  k.LockOrderCheck(cls, "read_lock", site);
  // Interrupt-context readers may pass a waiting writer (the kernel lets
  // them, so a lock taken for reading in both contexts cannot deadlock).
  while (l->writer || (l->writers_waiting && !k.Sched().InInterrupt()))
    if (!Spin(k, l, "read_lock", NameOf(l->name), l->writer)) return;
  l->readers++;
  k.LockHeld(l, cls, true, "read_lock", site);
  k.Sched().EnterAtomic();
}

void read_unlock(rwlock_t* l) {
  Kshim& k = K(__func__);
  if (l->readers <= 0) {
    k.Misuse(absl::StrCat("read_unlock(", NameOf(l->name), ") by ", Who(Owner(k)),
                          ": not read-locked"));
    return;
  }
  if (!k.LockReleased(l)) {
    k.Misuse(absl::StrCat("read_unlock(", NameOf(l->name), ") by ", Who(Owner(k)),
                          ", which does not hold it for reading"));
    return;
  }
  l->readers--;
  k.Sched().ExitAtomic();
  if (l->readers == 0) k.Waits().WakeAll(k.Sched(), l);
  k.OnPreempt();
}

void llsim_write_lock(rwlock_t* l, const char* site) {
  Kshim& k = K("write_lock");
  k.OnPreempt();
  u64 me = Owner(k);
  if (l->writer == me) {
    k.Misuse(absl::StrCat("write_lock(", NameOf(l->name), ") by ", Who(me),
                          ", which already write-holds it (self-deadlock)"));
    k.HaltIfFiber();
    return;
  }
  int cls = k.LockClass(l->name, l->site);
  k.LockOrderCheck(cls, "write_lock", site);
  l->writers_waiting++;
  while (l->writer || l->readers) {
    if (!Spin(k, l, "write_lock", NameOf(l->name), l->writer)) {
      l->writers_waiting--;
      return;
    }
  }
  l->writers_waiting--;
  l->writer = me;
  k.LockHeld(l, cls, false, "write_lock", site);
  k.Sched().EnterAtomic();
}

void write_unlock(rwlock_t* l) {
  Kshim& k = K(__func__);
  u64 me = Owner(k);
  if (l->writer != me) {
    k.Misuse(absl::StrCat("write_unlock(", NameOf(l->name), ") by ", Who(me), ": ",
                          l->writer ? absl::StrCat("write-held by ", Who(l->writer))
                                    : "not write-locked"));
    return;
  }
  l->writer = 0;
  k.LockReleased(l);
  k.Sched().ExitAtomic();
  k.Waits().WakeAll(k.Sched(), l);
  k.OnPreempt();
}

void llsim_mutex_init_at(struct mutex* m, const char* name, const char* site) {
  m->owner = 0;
  m->name = name;
  m->site = site;
}

void llsim_mutex_init(struct mutex* m, const char* name) { llsim_mutex_init_at(m, name, nullptr); }

void llsim_mutex_lock(struct mutex* m, const char* site) {
  Kshim& k = K("mutex_lock");
  if (!k.MaySleep(absl::StrCat("mutex_lock(", NameOf(m->name), ")").c_str())) return;
  k.OnPreempt();
  u64 me = k.ContextId();
  if (m->owner == me) {
    k.Misuse(absl::StrCat("mutex_lock(", NameOf(m->name), ") by fiber ", me,
                          ", which already holds it (self-deadlock)"));
    k.HaltIfFiber();
    return;
  }
  int cls = k.LockClass(m->name, m->site);
  k.LockOrderCheck(cls, "mutex_lock", site);
  // Woken waiters race for it like in the kernel: whoever runs first wins.
  while (m->owner)
    k.Waits().Sleep(k.Sched(), m, absl::StrCat("mutex ", NameOf(m->name)),
                    llsim::BlockKind::kUninterruptible);
  m->owner = me;
  k.LockHeld(m, cls, false, "mutex_lock", site);
}

// A trylock cannot deadlock: it is held from here on, but orders nothing.
int llsim_mutex_trylock(struct mutex* m, const char* site) {
  Kshim& k = K("mutex_trylock");
  k.OnPreempt();
  if (!k.Sched().InFiber() || k.Sched().InInterrupt()) {
    k.Misuse(absl::StrCat("mutex_trylock(", NameOf(m->name), ") from ",
                          k.Sched().InFiber() ? "an interrupt" : "the harness"));
    return 0;
  }
  if (m->owner) return 0;
  m->owner = k.ContextId();
  k.LockHeld(m, k.LockClass(m->name, m->site), false, "mutex_trylock", site);
  return 1;
}

void mutex_unlock(struct mutex* m) {
  Kshim& k = K(__func__);
  u64 me = k.ContextId();
  if (m->owner != me || !me) {
    k.Misuse(absl::StrCat("mutex_unlock(", NameOf(m->name), ") by ", Who(me ? me : kHarnessOwner),
                          ": ", m->owner ? absl::StrCat("held by ", Who(m->owner)) : "not locked"));
    return;
  }
  m->owner = 0;
  k.LockReleased(m);
  k.Waits().WakeOne(k.Sched(), m);
  k.OnPreempt();
}

bool mutex_is_locked(struct mutex* m) {
  llsim_preempt();
  return m->owner != 0;
}

}  // extern "C"
