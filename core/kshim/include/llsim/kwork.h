/* SPDX-License-Identifier: GPL-2.0 */
/*
 * llsim kernel shim: workqueues and percpu_ref.
 *
 * Every queued run of a work item runs on a worker fiber; a work item is
 * never run by two workers at once (the kernel's non-reentrancy), and a
 * run queued while it runs follows it. percpu_ref follows the kernel's
 * rules (kill once, tryget_live fails once killed, release when the count
 * reaches zero after a kill, resurrect only a dead ref), switching to
 * atomic mode at once instead of after an RCU grace period.
 */
#ifndef LLSIM_KWORK_H
#define LLSIM_KWORK_H

#include "kcompat.h"

#ifdef __cplusplus
extern "C" {
#endif

struct work_struct;
typedef void (*work_func_t)(struct work_struct *work);

struct work_struct {
	work_func_t func;
	/* simulation state */
	struct workqueue_struct *llsim_wq;
	u64 llsim_queued;    /* runs queued so far */
	u64 llsim_done;      /* runs finished so far */
	bool llsim_pending;
	bool llsim_running;
	bool llsim_onstack;
	bool llsim_init;
};

struct delayed_work {
	struct work_struct work;
};

struct workqueue_struct;

#define WQ_UNBOUND (1 << 1)
#define WQ_FREEZABLE (1 << 2)
#define WQ_MEM_RECLAIM (1 << 3)
#define WQ_HIGHPRI (1 << 4)
#define WQ_SYSFS (1 << 6)
#define WORK_BUSY_PENDING (1 << 0)
#define WORK_BUSY_RUNNING (1 << 1)

void llsim_init_work(struct work_struct *w, work_func_t fn, bool onstack);
#define INIT_WORK(w, fn) llsim_init_work(w, fn, false)
#define INIT_WORK_ONSTACK(w, fn) llsim_init_work(w, fn, true)
void destroy_work_on_stack(struct work_struct *w);
struct workqueue_struct *alloc_workqueue(const char *fmt, unsigned int flags, int max_active, ...);
#define alloc_ordered_workqueue(fmt, flags, ...) alloc_workqueue(fmt, (flags) | WQ_UNBOUND, 1, ##__VA_ARGS__)
void destroy_workqueue(struct workqueue_struct *wq);
bool queue_work(struct workqueue_struct *wq, struct work_struct *w);
bool schedule_work(struct work_struct *w);
bool flush_work(struct work_struct *w);
bool cancel_work_sync(struct work_struct *w);
bool cancel_work(struct work_struct *w);
void flush_workqueue(struct workqueue_struct *wq);
unsigned int work_busy(struct work_struct *w);
#define work_pending(w) ((w)->llsim_pending)
extern struct workqueue_struct *system_wq;

struct percpu_ref;
typedef void (percpu_ref_func_t)(struct percpu_ref *);

#define PERCPU_REF_INIT_ATOMIC (1 << 0)
#define PERCPU_REF_INIT_DEAD (1 << 1)
#define PERCPU_REF_ALLOW_REINIT (1 << 2)

struct percpu_ref {
	long count;
	percpu_ref_func_t *release;
	unsigned int flags;
	bool dead;
	bool atomic;
	bool initialized;
	bool exited;
};

int percpu_ref_init(struct percpu_ref *ref, percpu_ref_func_t *release,
		    unsigned int flags, gfp_t gfp);
void percpu_ref_exit(struct percpu_ref *ref);
void percpu_ref_get(struct percpu_ref *ref);
bool percpu_ref_tryget(struct percpu_ref *ref);
bool percpu_ref_tryget_live(struct percpu_ref *ref);
void percpu_ref_put(struct percpu_ref *ref);
void percpu_ref_put_many(struct percpu_ref *ref, unsigned long nr);
void percpu_ref_kill(struct percpu_ref *ref);
void percpu_ref_resurrect(struct percpu_ref *ref);
void percpu_ref_reinit(struct percpu_ref *ref);
bool percpu_ref_is_zero(struct percpu_ref *ref);
bool percpu_ref_is_dying(struct percpu_ref *ref);
void percpu_ref_switch_to_atomic_sync(struct percpu_ref *ref);
void percpu_ref_switch_to_percpu(struct percpu_ref *ref);

#ifdef __cplusplus
}
#endif
#endif /* LLSIM_KWORK_H */
