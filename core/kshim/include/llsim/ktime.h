/* SPDX-License-Identifier: GPL-2.0 */
/*
 * llsim kernel shim: jiffies, HZ and timers on the virtual clock.
 *
 * HZ is a run-time setting of the simulated machine (100, 250, 1000...),
 * and jiffies start 300 s before the counter wraps, as in the kernel.
 * Timer callbacks run in handler (softirq) context: sleeping there is a
 * reported failure. Timers keep their state in the struct; freeing an
 * armed timer is reported.
 */
#ifndef LLSIM_KTIME_H
#define LLSIM_KTIME_H

#include "kcompat.h"

#ifdef __cplusplus
extern "C" {
#endif

unsigned int llsim_hz(void);
unsigned long llsim_jiffies(void);
#ifndef __cplusplus
#define HZ (llsim_hz())
#define jiffies (llsim_jiffies())
#endif
#define MAX_SCHEDULE_TIMEOUT LONG_MAX
#define time_after(a, b) ((long)((b) - (a)) < 0)
#define time_before(a, b) time_after(b, a)
#define time_after_eq(a, b) ((long)((a) - (b)) >= 0)
#define time_before_eq(a, b) time_after_eq(b, a)
unsigned long msecs_to_jiffies(unsigned int m);
unsigned int jiffies_to_msecs(unsigned long j);
u64 ktime_get_ns(void);
void msleep(unsigned int msecs);
long schedule_timeout_uninterruptible(long timeout);

struct timer_list {
	void (*function)(struct timer_list *);
	unsigned long expires;
	u32 flags;
	/* simulation state */
	u64 llsim_id;       /* scheduler timer id while armed, else 0 */
	bool llsim_shutdown;
	bool llsim_setup;
};

void llsim_timer_setup(struct timer_list *t, void (*fn)(struct timer_list *), u32 flags);
#define timer_setup(t, fn, fl) llsim_timer_setup(t, fn, fl)
int mod_timer(struct timer_list *t, unsigned long expires);
void add_timer(struct timer_list *t);
int timer_pending(const struct timer_list *t);
/* POSIX has a timer_delete(timer_t) of its own: ours is renamed. */
int llsim_timer_delete(struct timer_list *t);
#ifndef __cplusplus
#define timer_delete llsim_timer_delete
#endif
int timer_delete_sync(struct timer_list *t);
int timer_shutdown_sync(struct timer_list *t);
int timer_shutdown(struct timer_list *t);
#define del_timer llsim_timer_delete
#define del_timer_sync timer_delete_sync
#define from_timer(var, t, field) container_of(t, __typeof__(*var), field)
#define timer_container_of(var, t, field) container_of(t, __typeof__(*var), field)

#ifdef __cplusplus
}
#endif
#endif /* LLSIM_KTIME_H */
