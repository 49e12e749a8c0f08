/* SPDX-License-Identifier: GPL-2.0 */
/*
 * llsim kernel shim: bitops, atomics, locks, wait queues, completions.
 *
 * Each operation on shared state is a preemption point of the simulation
 * scheduler; each blocking one yields the fiber. Spinlocks and rwlocks put
 * the fiber in atomic context, where sleeping is reported as a failure, but
 * other fibers (other CPUs) run on meanwhile; taking a lock another fiber
 * holds spins until it is released.
 * Wait queues, mutexes and completions keep only plain data here: the
 * scheduler keys its wait lists by the object's address and drops a list
 * once it is empty, so freeing one without waiters costs nothing.
 */
#ifndef LLSIM_KSYNC_H
#define LLSIM_KSYNC_H

#include "kcompat.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- bitops (atomic, LSB first) and bitmaps ---- */
static inline bool test_bit(long nr, const volatile unsigned long *addr)
{
	llsim_preempt();
	return (addr[nr / BITS_PER_LONG] >> (nr % BITS_PER_LONG)) & 1;
}
static inline void set_bit(long nr, volatile unsigned long *addr)
{
	llsim_preempt();
	addr[nr / BITS_PER_LONG] = addr[nr / BITS_PER_LONG] | (1UL << (nr % BITS_PER_LONG));
}
static inline void clear_bit(long nr, volatile unsigned long *addr)
{
	llsim_preempt();
	addr[nr / BITS_PER_LONG] = addr[nr / BITS_PER_LONG] & ~(1UL << (nr % BITS_PER_LONG));
}
static inline bool test_and_set_bit(long nr, volatile unsigned long *addr)
{
	unsigned long m = 1UL << (nr % BITS_PER_LONG), old;

	llsim_preempt();
	old = addr[nr / BITS_PER_LONG];
	addr[nr / BITS_PER_LONG] = old | m;
	return old & m;
}
static inline bool test_and_clear_bit(long nr, volatile unsigned long *addr)
{
	unsigned long m = 1UL << (nr % BITS_PER_LONG), old;

	llsim_preempt();
	old = addr[nr / BITS_PER_LONG];
	addr[nr / BITS_PER_LONG] = old & ~m;
	return old & m;
}
#define __set_bit set_bit
#define __clear_bit clear_bit
#define __test_and_set_bit test_and_set_bit
#define __test_and_clear_bit test_and_clear_bit
static inline unsigned long ffz(unsigned long w) { return __builtin_ctzl(~w); }
static inline unsigned long __ffs(unsigned long w) { return __builtin_ctzl(w); }
static inline int fls(unsigned int x) { return x ? 32 - __builtin_clz(x) : 0; }
static inline int fls64(u64 x) { return x ? 64 - __builtin_clzll(x) : 0; }
static inline int hweight_long(unsigned long w) { return __builtin_popcountl(w); }

/* Like the kernel: whole longs are filled, so bits past nbits are set too. */
static inline void bitmap_fill(unsigned long *dst, unsigned int nbits)
{
	llsim_preempt();
	memset(dst, 0xff, BITS_TO_LONGS(nbits) * sizeof(unsigned long));
}
static inline void bitmap_zero(unsigned long *dst, unsigned int nbits)
{
	llsim_preempt();
	memset(dst, 0, BITS_TO_LONGS(nbits) * sizeof(unsigned long));
}
unsigned long find_next_bit(const unsigned long *addr, unsigned long size,
			    unsigned long offset);
#define find_first_bit(addr, size) find_next_bit(addr, size, 0)
#define for_each_set_bit(bit, addr, size) \
	for ((bit) = find_next_bit((addr), (size), 0); (bit) < (size); \
	     (bit) = find_next_bit((addr), (size), (bit) + 1))

/* ---- atomics ---- */
typedef struct { int counter; } atomic_t;
typedef struct { long counter; } atomic_long_t;
typedef struct { s64 counter; } atomic64_t;
#define ATOMIC_INIT(i) { (i) }
static inline int atomic_read(const atomic_t *v) { llsim_preempt(); return v->counter; }
static inline void atomic_set(atomic_t *v, int i) { llsim_preempt(); v->counter = i; }
static inline void atomic_inc(atomic_t *v) { llsim_preempt(); v->counter++; }
static inline void atomic_dec(atomic_t *v) { llsim_preempt(); v->counter--; }
static inline void atomic_add(int i, atomic_t *v) { llsim_preempt(); v->counter += i; }
static inline void atomic_sub(int i, atomic_t *v) { llsim_preempt(); v->counter -= i; }
static inline int atomic_inc_return(atomic_t *v) { llsim_preempt(); return ++v->counter; }
static inline int atomic_dec_return(atomic_t *v) { llsim_preempt(); return --v->counter; }
static inline bool atomic_dec_and_test(atomic_t *v) { llsim_preempt(); return --v->counter == 0; }
static inline bool atomic_inc_and_test(atomic_t *v) { llsim_preempt(); return ++v->counter == 0; }
static inline int atomic_cmpxchg(atomic_t *v, int old, int new_)
{
	int cur;

	llsim_preempt();
	cur = v->counter;
	if (cur == old)
		v->counter = new_;
	return cur;
}
static inline s64 atomic64_read(const atomic64_t *v) { llsim_preempt(); return v->counter; }
static inline void atomic64_set(atomic64_t *v, s64 i) { llsim_preempt(); v->counter = i; }
static inline void atomic64_inc(atomic64_t *v) { llsim_preempt(); v->counter++; }

/* ---- spinlocks and rwlocks: atomic context while held ---- */
/*
 * Every lock records, per context, who holds it and where it was taken
 * (lockdep_assert_held checks that), and its class (where it was
 * initialised, or its name) feeds a lock-order graph: taking B while
 * holding A somewhere and A while holding B (or through a chain of other
 * classes) elsewhere is reported, with the sites of both orders.
 */
typedef struct spinlock { u64 owner; const char *name; const char *site; } spinlock_t;
/* writers_waiting: a queued writer holds new process-context readers back. */
typedef struct rwlock { u64 writer; int readers; int writers_waiting; const char *name; const char *site; } rwlock_t;
#define __SPIN_LOCK_UNLOCKED(n) { 0, #n, LLSIM_SITE(__FILE__, __LINE__) }
#define DEFINE_SPINLOCK(n) spinlock_t n = __SPIN_LOCK_UNLOCKED(n)
#define __RW_LOCK_UNLOCKED(n) { 0, 0, 0, #n, LLSIM_SITE(__FILE__, __LINE__) }
#define DEFINE_RWLOCK(n) rwlock_t n = __RW_LOCK_UNLOCKED(n)
/* The class of a lock initialised here is its name (no site). */
void llsim_spin_lock_init(spinlock_t *l, const char *name);
void llsim_spin_lock_init_at(spinlock_t *l, const char *name, const char *site);
void llsim_spin_lock(spinlock_t *l, const char *site);
void spin_unlock(spinlock_t *l);
#define spin_lock_init(l) llsim_spin_lock_init_at(l, #l, LLSIM_SITE(__FILE__, __LINE__))
#define spin_lock(l) llsim_spin_lock(l, LLSIM_SITE(__FILE__, __LINE__))
#define spin_lock_irq spin_lock
#define spin_unlock_irq spin_unlock
#define spin_lock_bh spin_lock
#define spin_unlock_bh spin_unlock
#define spin_lock_irqsave(l, flags) do { (flags) = 0; spin_lock(l); } while (0)
#define spin_unlock_irqrestore(l, flags) do { (void)(flags); spin_unlock(l); } while (0)
void llsim_rwlock_init(rwlock_t *l, const char *name);
void llsim_rwlock_init_at(rwlock_t *l, const char *name, const char *site);
#define rwlock_init(l) llsim_rwlock_init_at(l, #l, LLSIM_SITE(__FILE__, __LINE__))
void llsim_read_lock(rwlock_t *l, const char *site);
void read_unlock(rwlock_t *l);
void llsim_write_lock(rwlock_t *l, const char *site);
void write_unlock(rwlock_t *l);
#define read_lock(l) llsim_read_lock(l, LLSIM_SITE(__FILE__, __LINE__))
#define write_lock(l) llsim_write_lock(l, LLSIM_SITE(__FILE__, __LINE__))
#define read_lock_irq read_lock
#define read_unlock_irq read_unlock
#define write_lock_irq write_lock
#define write_unlock_irq write_unlock
void preempt_disable(void);
void preempt_enable(void);
void rcu_read_lock(void);
void rcu_read_unlock(void);
#define rcu_dereference(p) (p)
#define rcu_access_pointer(p) (p)
#define rcu_assign_pointer(p, v) ((p) = (v))
void synchronize_rcu(void);
void might_sleep(void);
void cond_resched(void);

/* ---- mutexes: sleeping locks with owner checks ---- */
struct mutex { u64 owner; const char *name; const char *site; };
void llsim_mutex_init(struct mutex *m, const char *name);
void llsim_mutex_init_at(struct mutex *m, const char *name, const char *site);
#define mutex_init(m) llsim_mutex_init_at(m, #m, LLSIM_SITE(__FILE__, __LINE__))
#define DEFINE_MUTEX(n) struct mutex n = { 0, #n, LLSIM_SITE(__FILE__, __LINE__) }
void llsim_mutex_lock(struct mutex *m, const char *site);
int llsim_mutex_trylock(struct mutex *m, const char *site);
void mutex_unlock(struct mutex *m);
bool mutex_is_locked(struct mutex *m);
#define mutex_lock(m) llsim_mutex_lock(m, LLSIM_SITE(__FILE__, __LINE__))
#define mutex_lock_interruptible(m) (llsim_mutex_lock(m, LLSIM_SITE(__FILE__, __LINE__)), 0)
#define mutex_trylock(m) llsim_mutex_trylock(m, LLSIM_SITE(__FILE__, __LINE__))
#define mutex_destroy(m) do { } while (0)

/*
 * lockdep: the current context must hold @l (any spinlock, rwlock or
 * mutex; _write: for writing, _read: for reading), or must not.
 */
void llsim_lockdep_assert(const void *l, int want, const char *expr, const char *site);
#define LLSIM_LOCKDEP_HELD 0
#define LLSIM_LOCKDEP_HELD_WRITE 1
#define LLSIM_LOCKDEP_HELD_READ 2
#define LLSIM_LOCKDEP_NOT_HELD 3
#define lockdep_assert_held(l) \
	llsim_lockdep_assert((l), LLSIM_LOCKDEP_HELD, #l, LLSIM_SITE(__FILE__, __LINE__))
#define lockdep_assert_held_write(l) \
	llsim_lockdep_assert((l), LLSIM_LOCKDEP_HELD_WRITE, #l, LLSIM_SITE(__FILE__, __LINE__))
#define lockdep_assert_held_read(l) \
	llsim_lockdep_assert((l), LLSIM_LOCKDEP_HELD_READ, #l, LLSIM_SITE(__FILE__, __LINE__))
#define lockdep_assert_not_held(l) \
	llsim_lockdep_assert((l), LLSIM_LOCKDEP_NOT_HELD, #l, LLSIM_SITE(__FILE__, __LINE__))

/* ---- wait queues ---- */
typedef struct wait_queue_head { const char *name; } wait_queue_head_t;
#define __WAIT_QUEUE_HEAD_INITIALIZER(n) { #n }
#define DECLARE_WAIT_QUEUE_HEAD(n) wait_queue_head_t n = __WAIT_QUEUE_HEAD_INITIALIZER(n)
void llsim_init_waitqueue_head(wait_queue_head_t *wq, const char *name);
#define init_waitqueue_head(wq) llsim_init_waitqueue_head(wq, #wq)
void wake_up(wait_queue_head_t *wq);
#define wake_up_all wake_up
#define wake_up_interruptible wake_up
#define wake_up_interruptible_all wake_up
bool wq_has_sleeper(wait_queue_head_t *wq);
#define waitqueue_active(wq) wq_has_sleeper(wq)

/*
 * Sleeps on wq until woken or until `timeout` jiffies pass (negative: no
 * timeout). Returns false on timeout. `what` names the wait in reports.
 * The wait_event family queues first (llsim_wq_prepare), then tests the
 * condition, then sleeps, as prepare_to_wait does: the condition has
 * preemption points of its own, and a wake landing inside it must not be
 * lost.
 */
void llsim_wq_prepare(wait_queue_head_t *wq, const char *what);
void llsim_wq_finish(wait_queue_head_t *wq);
bool llsim_wq_sleep(wait_queue_head_t *wq, long timeout, bool idle, const char *what);
unsigned long llsim_jiffies(void);
bool llsim_may_sleep(const char *what);

#define wait_event(wq, cond)                                               \
	do {                                                               \
		if (!llsim_may_sleep("wait_event(" #wq ")"))               \
			break;                                             \
		for (;;) {                                                 \
			llsim_wq_prepare(&(wq), #wq);                      \
			if (cond)                                          \
				break;                                     \
			llsim_wq_sleep(&(wq), -1, false, #wq);             \
		}                                                          \
		llsim_wq_finish(&(wq));                                    \
	} while (0)
#define wait_event_idle wait_event
#define wait_event_interruptible(wq, cond)                                 \
	({ wait_event(wq, cond); 0; })
#define wait_event_killable wait_event_interruptible

/*
 * The kernel's contract: 0 if cond is still false when `timeout` jiffies
 * have elapsed, 1 if it became true just as they elapsed, otherwise the
 * jiffies that remain (at least 1).
 */
#define wait_event_timeout(wq, cond, timeout)                              \
	({                                                                 \
		long __t = (long)(timeout);                                \
		unsigned long __end = llsim_jiffies() + __t;               \
		long __ret;                                                \
		if (!llsim_may_sleep("wait_event_timeout(" #wq ")"))       \
			__ret = (cond) ? 1 : 0;                            \
		else for (;;) {                                            \
			long __left;                                       \
			llsim_wq_prepare(&(wq), #wq);                      \
			__left = (long)(__end - llsim_jiffies());          \
			if (cond) {                                        \
				__ret = __left > 0 ? __left : 1;           \
				break;                                     \
			}                                                  \
			if (__left <= 0) {                                 \
				__ret = 0;                                 \
				break;                                     \
			}                                                  \
			llsim_wq_sleep(&(wq), __left, false, #wq);         \
		}                                                          \
		llsim_wq_finish(&(wq));                                    \
		__ret;                                                     \
	})
#define wait_event_interruptible_timeout wait_event_timeout

/* ---- completions ---- */
struct completion { unsigned int done; const char *name; };
#define COMPLETION_INITIALIZER(n) { 0, #n }
#define DECLARE_COMPLETION(n) struct completion n = COMPLETION_INITIALIZER(n)
#define DECLARE_COMPLETION_ONSTACK(n) DECLARE_COMPLETION(n)
#define init_completion(c) do { (c)->done = 0; (c)->name = #c; } while (0)
#define reinit_completion(c) do { (c)->done = 0; } while (0)
void complete(struct completion *c);
void complete_all(struct completion *c);
void wait_for_completion(struct completion *c);
unsigned long wait_for_completion_timeout(struct completion *c, unsigned long timeout);
bool completion_done(struct completion *c);

#ifdef __cplusplus
}
#endif
#endif /* LLSIM_KSYNC_H */
