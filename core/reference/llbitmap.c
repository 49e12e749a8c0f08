// SPDX-License-Identifier: GPL-2.0
/*
 * llsim's reference llbitmap core.
 *
 * This is llsim's own implementation of the md lockless write-intent bitmap
 * ("llbitmap"), written independently from the documented design in
 * md-contract.md (state table, on-disk layout, bitmap_operations contract)
 * and not derived from the kernel's md-llbitmap.c. It is the core llsim runs
 * by default, and the base of the deliberately broken variants ("mutants",
 * listed in MUTANTS.md next to this file) that prove llsim's properties can
 * fail. Only kernel API names, md.h/md-bitmap.h names, the state numbering
 * and the on-disk layout are shared with the kernel, because those are the
 * contract.
 *
 * Shape of the code:
 *  - struct llb is one bitmap; struct llb_page caches one 4 KiB page of the
 *    on-disk region together with its write barrier (a percpu_ref), its
 *    idle deadline and its per-block dirty bits.
 *  - llb_table()/llb_decide() are the state machine, llb_walk() applies one
 *    event to a chunk range and records what must happen afterwards (resync
 *    request, daemon timer) in a struct llb_outcome.
 *  - Writes to the region always go through llb_writeback(), which counts
 *    itself in wb_active so an unplug that finds nothing left to write can
 *    still wait for another writer's bitmap IO to become durable. Region
 *    writebacks run one at a time (wb_mutex), so two writes of the same
 *    block are never in flight together: the disk may complete those in
 *    either order, and an older copy must not land after a newer one.
 */

#include <linux/blkdev.h>
#include <linux/module.h>
#include <linux/errno.h>
#include <linux/slab.h>
#include <linux/init.h>
#include <linux/timer.h>
#include <linux/sched.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/highmem.h>
#include <linux/bitops.h>
#include <linux/atomic.h>
#include <linux/wait.h>
#include <linux/completion.h>
#include <linux/workqueue.h>
#include <linux/percpu-refcount.h>
#include <linux/rwlock.h>
#include <linux/spinlock.h>
#include <linux/mutex.h>
#include <linux/jiffies.h>
#include <linux/math64.h>
#include <linux/log2.h>
#include <linux/printk.h>
#include <linux/sysfs.h>

#include "md.h"
#include "md-bitmap.h"

/* Chunk states, one byte per chunk on disk (numbering is the format). */
enum llb_state {
	LLB_UNWRITTEN = 0,
	LLB_CLEAN = 1,
	LLB_DIRTY = 2,
	LLB_NEED_SYNC = 3,
	LLB_SYNCING = 4,
	LLB_NEED_SYNC_UNW = 5,
	LLB_SYNCING_UNW = 6,
	LLB_CLEAN_UNW = 7,
	LLB_NR_STATES,
};

/* What happened to a chunk range. */
enum llb_event {
	LLB_EV_WRITE,		/* a write or the sysfs bit setter */
	LLB_EV_SYNC,		/* the sync thread wants to sync a chunk */
	LLB_EV_SYNC_DONE,	/* sync IO below a checkpoint has completed */
	LLB_EV_SYNC_ABORT,	/* the sync pass stopped early */
	LLB_EV_RELOAD,		/* assembly after an unknown shutdown */
	LLB_EV_DAEMON,		/* idle page: written chunks are now in sync */
	LLB_EV_DISCARD,		/* the range holds no data any more */
	LLB_EV_STALE,		/* the bitmap is older than the array */
	LLB_EV_PROACTIVE,	/* raid456: sync never-written chunks ahead */
	LLB_EV_DROP_UNWRITTEN,	/* recovery: forget the unwritten variants */
};

/* Region bytes before the first chunk byte (superblock area). */
#define LLB_DATA_OFFSET		1024
#define LLB_DEFAULT_CHUNK	128	/* sectors */
#define LLB_DEFAULT_SLEEP	30	/* seconds */
#define LLB_DEFAULT_IDLE	5	/* seconds */

/* llb_page.flags bits */
enum {
	LLB_PG_DIRTY,	/* some block of this page must be written */
	LLB_PG_FLUSH,	/* the daemon must settle this page on its next pass */
};

struct llb_page {
	struct page *pg;
	/* one reference per in-flight write or discard touching the page */
	struct percpu_ref users;
	/* woken when the users drain and when the page is live again */
	wait_queue_head_t waitq;
	/* jiffies after which the page counts as idle */
	unsigned long expire;
	unsigned long flags;
	/* one bit per io_size block of the page that must be written */
	unsigned long blk_dirty;
};

struct llb {
	struct mddev *mddev;

	struct llb_page **pages;
	unsigned long nr_pages;		/* pages covering the chunks */
	unsigned long nr_alloc;		/* pages allocated (>= nr_pages) */

	unsigned long chunks;
	unsigned long chunksize;	/* sectors, power of two */
	unsigned int chunkshift;
	sector_t sync_size;		/* sectors covered */
	unsigned long space;		/* sectors reserved for the region */
	unsigned int io_size;		/* bytes per metadata write */
	unsigned int blk_per_page;

	unsigned long daemon_sleep;	/* seconds */
	unsigned long barrier_idle;	/* seconds */
	unsigned long flags;		/* enum bitmap_state bits */
	u64 events_cleared;

	struct timer_list timer;
	struct work_struct sweep_work;
	unsigned long last_checkpoint;	/* jiffies of the last cond_end_sync */

	/* writers hold it for reading; geometry changes take it for writing */
	rwlock_t reshape_lock;
	/*
	 * Serialises state walks: storing a chunk's byte and flagging its
	 * block for writeback are one step as far as other walkers can see.
	 * Without it, a second writer can find a chunk already Dirty while
	 * the first has stored the byte but not yet flagged the block; its
	 * unplug then finds nothing to write and its data overtakes the
	 * bitmap (writers share reshape_lock, so that alone does not help).
	 */
	spinlock_t state_lock;

	/* region writebacks in progress, and who waits for them to finish */
	atomic_t wb_active;
	wait_queue_head_t wb_wait;
	/* held by the one writeback that may have region writes in flight */
	struct mutex wb_mutex;

	atomic_t behind_writes;
	wait_queue_head_t behind_wq;
};

/* Side effects of a state walk, carried out once the walk is done. */
struct llb_outcome {
	bool degraded;
	bool resync;		/* ask md for a resync */
	bool arm;		/* Dirty, or NeedSync while degraded: start the timer */
	u8 last_state;		/* state of the last chunk visited */
	/*
	 * Chunks llb_infect() last left with none idle. Until the walk makes
	 * one of them idle again, infecting them again changes nothing, and a
	 * reload of a busy bitmap would otherwise rescan the block once per
	 * chunk in it.
	 */
	bool infect_done;
	unsigned long infect_first, infect_last;
};

/* Both bitmap workqueues run reclaim-safe and unbound. */
#define LLB_WQ_FLAGS	(WQ_MEM_RECLAIM | WQ_UNBOUND)

static struct workqueue_struct *llb_daemon_wq;	/* daemon passes */
static struct workqueue_struct *llb_unplug_wq;	/* writebacks for unplug */

/* ---------------------------------------------------------------------- */
/* Small helpers                                                          */

/* md serialises bitmap reconfiguration on bitmap_info.mutex. */
static inline void llb_lock(struct mddev *mddev)
{
	struct mutex *m = &mddev->bitmap_info.mutex;

	mutex_lock(m);
}

static inline void llb_unlock(struct mddev *mddev)
{
	struct mutex *m = &mddev->bitmap_info.mutex;

	mutex_unlock(m);
}

/* Stop (on) or restart (!on) the personality's IO, if it can. */
static void llb_quiesce(struct mddev *mddev, int on)
{
	struct md_personality *pers = mddev->pers;

	if (pers && pers->quiesce)
		pers->quiesce(mddev, on);
}

/* Members that receive bitmap writes: active slots that have not failed. */
static inline bool llb_member_writable(struct md_rdev *member)
{
	return member->raid_disk >= 0 && !test_bit(Faulty, &member->flags);
}

/* Members the bitmap may be read from: fully synced and healthy. */
static inline bool llb_member_readable(struct md_rdev *member)
{
	return test_bit(In_sync, &member->flags) &&
	       !test_bit(Faulty, &member->flags);
}

static inline bool llb_degraded(struct llb *b)
{
	return READ_ONCE(b->mddev->degraded) != 0;
}

static inline unsigned long llb_pages_for(unsigned long chunks)
{
	return DIV_ROUND_UP(LLB_DATA_OFFSET + chunks, PAGE_SIZE);
}

/* Region byte that holds chunk @idx. */
static inline unsigned long llb_pos(unsigned long idx)
{
	return LLB_DATA_OFFSET + idx;
}

static inline unsigned long llb_page_index(unsigned long idx)
{
	return llb_pos(idx) >> PAGE_SHIFT;
}

static inline struct llb_page *llb_page_of(struct llb *b, unsigned long idx)
{
	return b->pages[llb_page_index(idx)];
}

static inline u8 *llb_slot(struct llb *b, unsigned long idx)
{
	u8 *base = page_address(llb_page_of(b, idx)->pg);

	return base + (llb_pos(idx) & (PAGE_SIZE - 1));
}

static inline unsigned int llb_block_of(struct llb *b, unsigned long idx)
{
	return (llb_pos(idx) & (PAGE_SIZE - 1)) / b->io_size;
}

/*
 * Chunks whose bytes lie in region bytes [start, start + len). Returns false
 * when that window holds no chunk (superblock area, or past the end).
 */
static bool llb_region_span(struct llb *b, unsigned long start,
			    unsigned long len, unsigned long *first,
			    unsigned long *last)
{
	unsigned long end = start + len - 1;

	if (!b->chunks || end < LLB_DATA_OFFSET)
		return false;
	start = start < LLB_DATA_OFFSET ? 0 : start - LLB_DATA_OFFSET;
	end -= LLB_DATA_OFFSET;
	if (start >= b->chunks)
		return false;
	*first = start;
	*last = min(end, b->chunks - 1);
	return true;
}

static bool llb_page_span(struct llb *b, unsigned long p,
			  unsigned long *first, unsigned long *last)
{
	return llb_region_span(b, p << PAGE_SHIFT, PAGE_SIZE, first, last);
}

static inline sector_t llb_rest_of_chunk(struct llb *b, sector_t offset)
{
	return b->chunksize - (offset & (b->chunksize - 1));
}

/*
 * How many chunk bytes the reserved region holds: its size less the
 * superblock area in front of them. (Counting the whole region would let
 * the last chunk bytes spill past the reservation.)
 */
static inline unsigned long llb_max_chunks(unsigned long space)
{
	unsigned long bytes = space << SECTOR_SHIFT;

#ifdef LLSIM_MUTANT_SPACE_IGNORES_HEADER
	/* the whole region counted as chunk bytes */
	return bytes;
#endif
	return bytes > LLB_DATA_OFFSET ? bytes - LLB_DATA_OFFSET : 0;
}

/*
 * Smallest power-of-two multiple of @*chunksize whose chunk count for
 * @sectors fits in the reserved space; returns that count.
 */
static unsigned long llb_fit(sector_t sectors, unsigned long *chunksize,
			     unsigned long space)
{
	unsigned long limit = llb_max_chunks(space);
	unsigned long n = DIV_ROUND_UP_SECTOR_T(sectors, *chunksize);

	while (n > limit) {
		*chunksize <<= 1;
		n = DIV_ROUND_UP_SECTOR_T(sectors, *chunksize);
	}
	return n;
}

static inline bool llb_needs_sync(u8 s)
{
	return s == LLB_NEED_SYNC || s == LLB_NEED_SYNC_UNW;
}

/* ---------------------------------------------------------------------- */
/* State machine                                                          */

/* The documented table; unlisted pairs keep the state. */
static u8 llb_table(u8 s, enum llb_event ev)
{
	switch (ev) {
	case LLB_EV_WRITE:
		switch (s) {
		case LLB_UNWRITTEN:
		case LLB_CLEAN:
		case LLB_CLEAN_UNW:
			return LLB_DIRTY;
		case LLB_NEED_SYNC_UNW:
			return LLB_NEED_SYNC;
		case LLB_SYNCING_UNW:
			return LLB_SYNCING;
		}
		break;
	case LLB_EV_SYNC:
		switch (s) {
		case LLB_NEED_SYNC:
		case LLB_SYNCING:
			return LLB_SYNCING;
		case LLB_NEED_SYNC_UNW:
		case LLB_SYNCING_UNW:
			return LLB_SYNCING_UNW;
		}
		break;
	case LLB_EV_SYNC_DONE:
		if (s == LLB_SYNCING)
			return LLB_DIRTY;
		if (s == LLB_SYNCING_UNW)
			return LLB_CLEAN_UNW;
		break;
	case LLB_EV_SYNC_ABORT:
		switch (s) {
		case LLB_SYNCING:
#ifdef LLSIM_MUTANT_ABORT_KEEPS_SYNCING
			return LLB_SYNCING;
#else
			return LLB_NEED_SYNC;
#endif
		case LLB_NEED_SYNC_UNW:
		case LLB_SYNCING_UNW:
			return LLB_UNWRITTEN;
		}
		break;
	case LLB_EV_RELOAD:
		switch (s) {
		case LLB_DIRTY:
#ifdef LLSIM_MUTANT_RELOAD_KEEPS_DIRTY
			return LLB_DIRTY;
#else
			return LLB_NEED_SYNC;
#endif
		case LLB_SYNCING:
			return LLB_NEED_SYNC;
		case LLB_NEED_SYNC_UNW:
		case LLB_SYNCING_UNW:
			return LLB_UNWRITTEN;
		}
		break;
	case LLB_EV_DAEMON:
		if (s == LLB_DIRTY)
			return LLB_CLEAN;
#ifdef LLSIM_MUTANT_DAEMON_CLEANS_NEEDSYNC
		/* "anything written and idle is in sync": not if it awaits a sync */
		if (s == LLB_NEED_SYNC)
			return LLB_CLEAN;
#endif
		break;
	case LLB_EV_DISCARD:
		return LLB_UNWRITTEN;
	case LLB_EV_STALE:
		switch (s) {
		case LLB_CLEAN:
		case LLB_DIRTY:
		case LLB_SYNCING:
			return LLB_NEED_SYNC;
		case LLB_NEED_SYNC_UNW:
		case LLB_SYNCING_UNW:
		case LLB_CLEAN_UNW:
			return LLB_UNWRITTEN;
		}
		break;
	case LLB_EV_PROACTIVE:
		if (s == LLB_UNWRITTEN)
			return LLB_NEED_SYNC_UNW;
		break;
	case LLB_EV_DROP_UNWRITTEN:
		switch (s) {
#ifdef LLSIM_MUTANT_CLEAR_UNWRITTEN_TAKES_CLEAN
		/* "clean but for the new member": not a chunk that holds data */
		case LLB_CLEAN:
#endif
		case LLB_NEED_SYNC_UNW:
		case LLB_SYNCING_UNW:
		case LLB_CLEAN_UNW:
			return LLB_UNWRITTEN;
		}
		break;
	}
	return s;
}

/* The table, adjusted for the array's condition. */
static u8 llb_decide(struct llb *b, u8 cur, enum llb_event ev, bool degraded)
{
	u8 next = llb_table(cur, ev);

	switch (ev) {
	case LLB_EV_WRITE:
		if (degraded) {
			/*
			 * A missing mirror must be brought up to date later. Only
			 * a chunk the write makes Dirty: one already Dirty stays
			 * so (the table has no Startwrite row for it; recovery
			 * syncs Dirty chunks while degraded all the same).
			 */
			if (next == LLB_DIRTY && cur != LLB_DIRTY)
				next = LLB_NEED_SYNC;
		} else if (raid_is_456(b->mddev) && cur == LLB_UNWRITTEN) {
			next = LLB_NEED_SYNC;
		}
		break;
	case LLB_EV_SYNC:
#ifndef LLSIM_MUTANT_DEGRADED_SYNC_SKIPS_DIRTY
		/* recovery must also copy what was written before the failure */
		if (degraded && cur == LLB_DIRTY)
			next = LLB_SYNCING;
#endif
		break;
	case LLB_EV_DAEMON:
#ifndef LLSIM_MUTANT_DAEMON_CLEANS_DEGRADED
		/* a failed mirror may have missed these writes: keep them */
		if (degraded)
			next = cur;
#endif
		break;
	default:
		break;
	}
	return next;
}

/* States llb_infect() turns Dirty (or NeedSync). */
static inline bool llb_idle(u8 s)
{
	return s == LLB_UNWRITTEN || s == LLB_CLEAN || s == LLB_CLEAN_UNW;
}

/* True if some chunk other than @idx in @idx's io block is Dirty/NeedSync. */
static bool llb_block_busy(struct llb *b, unsigned long idx)
{
	unsigned long start = round_down(llb_pos(idx), b->io_size);
	unsigned long first, last, i;

	if (!llb_region_span(b, start, b->io_size, &first, &last))
		return false;
	for (i = first; i <= last; i++) {
		u8 s = *llb_slot(b, i);

		if (i != idx && (s == LLB_DIRTY || s == LLB_NEED_SYNC))
			return true;
	}
	return false;
}

/*
 * The block holding @idx is going to be written anyway: mark its idle
 * neighbours written too, so later writes to them need no bitmap IO.
 */
static void llb_infect(struct llb *b, unsigned long idx,
		       struct llb_outcome *out)
{
	unsigned long start = round_down(llb_pos(idx), b->io_size);
	bool parity = raid_is_456(b->mddev);
	unsigned long first, last, i;

	if (out->infect_done && idx >= out->infect_first &&
	    idx <= out->infect_last)
		return;
	if (!llb_region_span(b, start, b->io_size, &first, &last))
		return;
	out->infect_done = true;
	out->infect_first = first;
	out->infect_last = last;
	for (i = first; i <= last; i++) {
		u8 *slot = llb_slot(b, i);
		u8 to;

		if (i == idx)
			continue;
		switch (*slot) {
		case LLB_UNWRITTEN:
			to = parity ? LLB_NEED_SYNC : LLB_DIRTY;
			break;
		case LLB_CLEAN:
		case LLB_CLEAN_UNW:
			to = LLB_DIRTY;
			break;
		default:
			continue;
		}
		*slot = to;
		if (to == LLB_DIRTY)
			out->arm = true;
		else
			out->resync = true;
	}
}

/* Chunk @idx now needs its on-disk byte refreshed before data goes out. */
static void llb_note_dirty(struct llb *b, unsigned long idx,
			   struct llb_outcome *out)
{
	struct llb_page *pg = llb_page_of(b, idx);
	unsigned int blk = llb_block_of(b, idx);

	if (!out->degraded &&
	    (test_bit(blk, &pg->blk_dirty) || llb_block_busy(b, idx)))
		llb_infect(b, idx, out);
	/* the byte is stored before the bits: whoever takes them writes it */
#ifdef LLSIM_MUTANT_XBITS_REVERSED
	/* page flag first, as upstream orders it */
	set_bit(LLB_PG_DIRTY, &pg->flags);
	set_bit(blk, &pg->blk_dirty);
#else
	set_bit(blk, &pg->blk_dirty);
	set_bit(LLB_PG_DIRTY, &pg->flags);
#endif
}

/*
 * Apply @ev to chunks first..last (clamped). Caller holds reshape_lock for
 * reading and state_lock.
 */
static void llb_walk(struct llb *b, unsigned long first, unsigned long last,
		     enum llb_event ev, struct llb_outcome *out)
{
	unsigned long i;

	lockdep_assert_held_read(&b->reshape_lock);
	lockdep_assert_held(&b->state_lock);
	memset(out, 0, sizeof(*out));
	out->degraded = llb_degraded(b);
	out->last_state = LLB_NR_STATES;

	if (first >= b->chunks)
		return;
	last = min(last, b->chunks - 1);
	if (test_bit(BITMAP_WRITE_ERROR, &b->flags)) {
		out->last_state = *llb_slot(b, last);
		return;
	}

	for (i = first; i <= last; i++) {
		u8 *slot = llb_slot(b, i);
		u8 cur = *slot, next;

		if (cur >= LLB_NR_STATES) {
			pr_err("md/llbitmap: %s: chunk %lu has unknown state %u, resyncing it\n",
			       mdname(b->mddev), i, cur);
			cur = LLB_NEED_SYNC;
			*slot = cur;
			llb_note_dirty(b, i, out);
		}
		next = llb_decide(b, cur, ev, out->degraded);
		if (!out->degraded && (llb_needs_sync(cur) || llb_needs_sync(next)))
			out->resync = true;
		if (next != cur) {
			*slot = next;
			if (llb_idle(next) && out->infect_done &&
			    i >= out->infect_first && i <= out->infect_last)
				out->infect_done = false;
			/*
			 * A write into a proactive pass (SyncingUnwritten ->
			 * Syncing) must reach the media before its data too:
			 * the Unwritten family reloads as Unwritten.
			 */
			if (next == LLB_DIRTY || next == LLB_NEED_SYNC ||
			    (ev == LLB_EV_WRITE && next == LLB_SYNCING))
				llb_note_dirty(b, i, out);
			/*
			 * NeedSync made while degraded waits for the array to
			 * be whole; the daemon then asks for its resync. So
			 * does NeedSyncUnwritten (a proactive sync asked for
			 * while a re-added member is still recovering): no
			 * request is made while degraded, and md's reap of the
			 * recovery asks for nothing on its behalf.
			 */
			if (next == LLB_DIRTY ||
			    (llb_needs_sync(next) && out->degraded))
				out->arm = true;
		}
		out->last_state = next;
	}
}

static void llb_arm_timer(struct llb *b)
{
	if (test_bit(BITMAP_SHUTDOWN, &b->flags) || timer_pending(&b->timer))
		return;
	mod_timer(&b->timer, jiffies + b->daemon_sleep * HZ);
}

static void llb_finish(struct llb *b, struct llb_outcome *out)
{
	struct mddev *mddev = b->mddev;
	unsigned long *rec = &mddev->recovery;

	if (out->resync) {
		/* parity arrays rebuild lazily; mirrors need a resync pass */
		set_bit(raid_is_456(mddev) ? MD_RECOVERY_LAZY_RECOVER :
					     MD_RECOVERY_SYNC, rec);
		set_bit(MD_RECOVERY_NEEDED, rec);
		md_wakeup_thread(b->mddev->thread);
		/*
		 * md forgets a lazy request when it reaps a pass that was
		 * already running (md_reap_sync_thread clears it): the daemon
		 * asks again while a chunk still needs the sync.
		 */
		if (raid_is_456(mddev))
			out->arm = true;
	}
	if (out->arm)
		llb_arm_timer(b);
}

/* Walk under the reshape lock, then act on the outcome; returns last state. */
static u8 llb_transition(struct llb *b, unsigned long first,
			 unsigned long last, enum llb_event ev)
{
	struct llb_outcome out;

#ifdef LLSIM_MUTANT_DAEMON_LOCK_ORDER
	if (ev == LLB_EV_DAEMON) {
		/* the daemon takes the state lock first */
		spin_lock(&b->state_lock);
		read_lock(&b->reshape_lock);
	} else
#endif
	{
		read_lock(&b->reshape_lock);
		spin_lock(&b->state_lock);
	}
	llb_walk(b, first, last, ev, &out);
	spin_unlock(&b->state_lock);
	read_unlock(&b->reshape_lock);
	llb_finish(b, &out);
	return out.last_state;
}

static inline u8 llb_transition_all(struct llb *b, enum llb_event ev)
{
	if (!b->chunks)
		return LLB_NR_STATES;
	return llb_transition(b, 0, b->chunks - 1, ev);
}

/* ---------------------------------------------------------------------- */
/* Region IO                                                              */

/* Write one io_size block of page @p to every member that takes writes. */
static void llb_write_block(struct llb *b, unsigned long p, unsigned int blk)
{
	struct mddev *mddev = b->mddev;
	struct llb_page *pg = b->pages[p];
	sector_t rel = mddev->bitmap_info.offset + (p << PAGE_SECTORS_SHIFT) +
		       blk * (b->io_size >> SECTOR_SHIFT);
	struct md_rdev *member;

	rdev_for_each(member, mddev) {
		if (!llb_member_writable(member))
			continue;
		md_write_metadata(mddev, member, member->sb_start + rel,
				  b->io_size, pg->pg, blk * b->io_size);
#ifdef LLSIM_MUTANT_UNPLUG_FIRST_MEMBER
		break;
#endif
	}
}

/*
 * Write every block whose dirty bit we take, and (if @wait) wait until all
 * of it is durable. wb_active covers the whole span, from before the bits
 * are taken until the IO is complete. wb_mutex is held from taking the bits
 * until the writes are complete, so a block is only re-issued after its
 * previous write has landed (otherwise a stale copy could land last).
 */
static void llb_writeback(struct llb *b, bool wait)
{
	unsigned long p;
	unsigned int blk;

	atomic_inc(&b->wb_active);
	mutex_lock(&b->wb_mutex);
	for (p = 0; p < b->nr_pages; p++) {
		struct llb_page *pg = b->pages[p];

		if (!test_and_clear_bit(LLB_PG_DIRTY, &pg->flags))
			continue;
		for (blk = 0; blk < b->blk_per_page; blk++)
			if (test_and_clear_bit(blk, &pg->blk_dirty))
				llb_write_block(b, p, blk);
	}
	if (wait)
		md_super_wait(b->mddev);
	mutex_unlock(&b->wb_mutex);
	if (atomic_dec_and_test(&b->wb_active))
		wake_up(&b->wb_wait);
}

static void llb_mark_page(struct llb_page *pg, unsigned int blocks)
{
	bitmap_fill(&pg->blk_dirty, blocks);
	set_bit(LLB_PG_DIRTY, &pg->flags);
}

static void llb_mark_everything(struct llb *b)
{
	unsigned long p;

	for (p = 0; p < b->nr_pages; p++)
		llb_mark_page(b->pages[p], b->blk_per_page);
}

static void llb_write_everything(struct llb *b)
{
	llb_mark_everything(b);
	llb_writeback(b, true);
}

/* Read page @p from the first healthy member that can supply it. */
static u8 llb_merge(u8 a, u8 c);

/*
 * Read page @p from every member that may serve it, and merge the chunk
 * states: where the copies differ, the chunk may differ between mirrors.
 * A member that failed but whose failure md never recorded (a crash came
 * first) comes back in sync with a copy that missed the updates written
 * while it was failed; trusting only the first member's copy would skip
 * the chunks those updates marked. The superblock area comes from the
 * first member read.
 */
static int llb_read_page(struct llb *b, unsigned long p)
{
	struct mddev *mddev = b->mddev;
	sector_t sector = mddev->bitmap_info.offset + (p << PAGE_SECTORS_SHIFT);
	u8 *dst = page_address(b->pages[p]->pg);
	struct page *spare = NULL;
	struct md_rdev *member;
	bool have = false;
	unsigned int i;

	rdev_for_each(member, mddev) {
		struct page *into;
		u8 *src;

		if (!llb_member_readable(member))
			continue;
		if (!have) {
			into = b->pages[p]->pg;
		} else {
#ifdef LLSIM_MUTANT_READ_ONE_COPY
			break;
#endif
			if (!spare)
				spare = alloc_page(GFP_NOIO);
			if (!spare)
				break;	/* one copy is still a valid bitmap */
			into = spare;
		}
		if (!sync_page_io(member, sector, PAGE_SIZE, into, REQ_OP_READ,
				  true)) {
			/* this member cannot serve its metadata: fail it */
			md_error(mddev, member);
			continue;
		}
		if (!have) {
			have = true;
			continue;
		}
		src = kmap_local_page(spare);
		i = p ? 0 : LLB_DATA_OFFSET;
#ifdef LLSIM_MUTANT_KMAP_LEAK_ON_MATCH
		/* identical copies: nothing to merge (and the unmap is skipped) */
		if (!memcmp(dst + i, src + i, PAGE_SIZE - i))
			continue;
#endif
		for (; i < PAGE_SIZE; i++)
			if (dst[i] != src[i])
				dst[i] = llb_merge(dst[i], src[i]);
		kunmap_local(src);
	}
	if (spare)
		__free_page(spare);
	if (have)
		return 0;
	pr_err("md/llbitmap: %s: cannot read bitmap page %lu from any member\n",
	       mdname(mddev), p);
	return -EIO;
}

static void llb_refresh_super(struct llb *b)
{
	bitmap_super_t *sb = page_address(b->pages[0]->pg);
	u64 now_events = b->mddev->events;

	/* events_cleared may only go down */
	b->events_cleared = min(b->events_cleared, now_events);
	sb->events = cpu_to_le64(now_events);
	sb->events_cleared = cpu_to_le64(b->events_cleared);
	sb->state = cpu_to_le32((u32)(b->flags & ~(BIT(BITMAP_SHUTDOWN) |
						   BIT(BITMAP_DAEMON_BUSY))));
	sb->chunksize = cpu_to_le32((u32)b->chunksize);
	sb->sync_size = cpu_to_le64(b->sync_size);
	sb->sectors_reserved = cpu_to_le32((u32)b->space);
#ifdef LLSIM_MUTANT_SB_SLEEP_IN_JIFFIES
	/* taken for jiffies: any period under HZ seconds is written as 0 */
	sb->daemon_sleep = cpu_to_le32((u32)(b->daemon_sleep / HZ));
#else
	sb->daemon_sleep = cpu_to_le32((u32)b->daemon_sleep);
#endif
}

static void llb_write_super(struct llb *b)
{
	llb_refresh_super(b);
	llb_mark_page(b->pages[0], b->blk_per_page);
	llb_writeback(b, true);
}

/* ---------------------------------------------------------------------- */
/* Page barriers                                                          */

static void llb_users_gone(struct percpu_ref *ref)
{
	struct llb_page *pg = container_of(ref, struct llb_page, users);

	wake_up(&pg->waitq);
}

/* Take a write reference on @pg, waiting out a daemon suspension. */
static void llb_pin_page(struct llb_page *pg)
{
	while (!percpu_ref_tryget_live(&pg->users))
		wait_event(pg->waitq, !percpu_ref_is_dying(&pg->users));
}

static void llb_pin_chunks(struct llb *b, unsigned long first,
			   unsigned long last)
{
	unsigned long p;

	for (p = llb_page_index(first); p <= llb_page_index(last); p++) {
		struct llb_page *pg = b->pages[p];

		llb_pin_page(pg);
		WRITE_ONCE(pg->expire, jiffies + b->barrier_idle * HZ);
	}
}

static void llb_unpin_chunks(struct llb *b, unsigned long first,
			     unsigned long last)
{
	unsigned long p;

#ifdef LLSIM_MUTANT_UNPIN_OFF_BY_ONE
	/* the release loop stops one page short of the pin loop */
	for (p = llb_page_index(first); p < llb_page_index(last); p++)
#else
	for (p = llb_page_index(first); p <= llb_page_index(last); p++)
#endif
		percpu_ref_put(&b->pages[p]->users);
}

/*
 * Stop new writers on @pg and wait for the running ones. Returns false (page
 * live again) if they did not drain within daemon_sleep.
 */
static bool llb_suspend_page(struct llb *b, struct llb_page *pg)
{
	percpu_ref_kill(&pg->users);
#ifdef LLSIM_MUTANT_DAEMON_NO_DRAIN
	return true;
#endif
	if (wait_event_timeout(pg->waitq, percpu_ref_is_zero(&pg->users),
			       b->daemon_sleep * HZ))
		return true;
	percpu_ref_resurrect(&pg->users);
	wake_up(&pg->waitq);
	return false;
}

static void llb_resume_page(struct llb_page *pg)
{
	percpu_ref_resurrect(&pg->users);
	wake_up(&pg->waitq);
}

/* ---------------------------------------------------------------------- */
/* Pages                                                                  */

static struct llb_page *llb_page_new(void)
{
	struct llb_page *pg = kzalloc(sizeof(*pg), GFP_NOIO);

	if (!pg)
		return NULL;
	pg->pg = alloc_page(GFP_NOIO | __GFP_ZERO);
	if (!pg->pg)
		goto fail;
	if (percpu_ref_init(&pg->users, llb_users_gone,
			    PERCPU_REF_ALLOW_REINIT, GFP_NOIO))
#ifdef LLSIM_MUTANT_PAGE_NEW_LEAKS_ON_ENOMEM
		goto fail;	/* the label that only frees the struct */
#else
		goto fail_page;
#endif
	init_waitqueue_head(&pg->waitq);
	pg->expire = jiffies;
	return pg;

fail_page:
	__free_page(pg->pg);
fail:
	kfree(pg);
	return NULL;
}

static void llb_page_free(struct llb_page *pg)
{
	percpu_ref_exit(&pg->users);
	__free_page(pg->pg);
	kfree(pg);
}

/*
 * Make @want pages usable. Pages allocated earlier are reused as they are;
 * new ones are read from disk if @read, else left zero (all Unwritten).
 */
static int llb_set_pages(struct llb *b, unsigned long want, bool read)
{
	unsigned long p;
	int ret;

	/* the page array changes only under md's bitmap mutex */
	lockdep_assert_held(&b->mddev->bitmap_info.mutex);
	if (want > b->nr_alloc) {
		struct llb_page **arr = kcalloc(want, sizeof(*arr), GFP_NOIO);
		struct llb_page **old;

		if (!arr)
			return -ENOMEM;
		if (b->pages)
			memcpy(arr, b->pages, b->nr_alloc * sizeof(*arr));
		for (p = b->nr_alloc; p < want; p++) {
#ifdef LLSIM_MUTANT_GROW_SKIPS_NEW_PAGES
			/* a grow forgets the pages it adds: the first use of
			 * a chunk there dereferences NULL (kills the process) */
			if (b->pages) {
				arr[p] = NULL;
				continue;
			}
#endif
			arr[p] = llb_page_new();
			if (!arr[p])
				goto undo;
		}
		write_lock(&b->reshape_lock);
		old = b->pages;
		b->pages = arr;
		b->nr_alloc = want;
		write_unlock(&b->reshape_lock);
		kfree(old);

		for (p = b->nr_pages; read && p < want; p++) {
			ret = llb_read_page(b, p);
			if (ret)
				return ret;
		}
		b->nr_pages = want;
		return 0;

undo:
		while (p-- > b->nr_alloc)
			llb_page_free(arr[p]);
		kfree(arr);
		return -ENOMEM;
	}
	if (want > b->nr_pages)
		b->nr_pages = want;
	return 0;
}

static void llb_free(struct llb *b)
{
	unsigned long p;

	for (p = 0; p < b->nr_alloc; p++)
		llb_page_free(b->pages[p]);
	kfree(b->pages);
	mutex_destroy(&b->wb_mutex);
	kfree(b);
}

/* ---------------------------------------------------------------------- */
/* Daemon                                                                 */

/* Does page @p still hold a chunk the daemon could clean? */
static bool llb_page_has_dirty(struct llb *b, unsigned long p)
{
	unsigned long first, last, i;

	if (!llb_page_span(b, p, &first, &last))
		return false;
	for (i = first; i <= last; i++)
		if (*llb_slot(b, i) == LLB_DIRTY)
			return true;
	return false;
}

/* Does any page hold a Dirty chunk? */
static bool llb_holds_dirty(struct llb *b)
{
	unsigned long p;

	for (p = 0; p < b->nr_pages; p++)
		if (llb_page_has_dirty(b, p))
			return true;
	return false;
}

/* Does any chunk wait for a resync (NeedSync)? */
static bool llb_holds_needsync(struct llb *b)
{
	unsigned long i;

	for (i = 0; i < b->chunks; i++)
		if (llb_needs_sync(*llb_slot(b, i)))
			return true;
	return false;
}

/* One pass over all pages; true if some page must be looked at again. */
static bool llb_daemon_pass(struct llb *b)
{
	bool again = false;
	unsigned long p;

	for (p = 0; p < b->nr_pages; p++) {
		struct llb_page *pg = b->pages[p];
		bool forced = test_and_clear_bit(LLB_PG_FLUSH, &pg->flags);
		unsigned long first, last;

		if (!forced && time_before(jiffies, READ_ONCE(pg->expire))) {
			if (llb_page_has_dirty(b, p))
				again = true;
			continue;
		}
		if (!llb_suspend_page(b, pg)) {
			pr_warn("md/llbitmap: %s: page %lu still busy after %lus, retrying later\n",
				mdname(b->mddev), p, b->daemon_sleep);
			again = true;
			continue;
		}
		if (llb_page_span(b, p, &first, &last)) {
			bool cleans __maybe_unused = llb_page_has_dirty(b, p);

			llb_transition(b, first, last, LLB_EV_DAEMON);
#ifndef LLSIM_MUTANT_EVENTS_CLEARED_FROZEN
			/*
			 * A member that left before now cannot learn from the
			 * bitmap what it missed in these chunks any more: md
			 * compares its events with events_cleared on re-add and
			 * gives it a full recovery when they are older. (As in
			 * the classic bitmap, only a whole array counts.)
			 */
			if (cleans && !llb_degraded(b))
				b->events_cleared = max(b->events_cleared,
							(u64)READ_ONCE(b->mddev->events));
#endif
		}
		/*
		 * Idle from now on until a writer says otherwise. (A deadline of
		 * LONG_MAX would read as "in the future" once jiffies wraps.)
		 */
		WRITE_ONCE(pg->expire, jiffies);
		llb_resume_page(pg);
	}
	return again;
}

static void llb_daemon_fn(struct work_struct *work)
{
	struct llb *b = container_of(work, struct llb, sweep_work);
	bool again;

	if (test_bit(BITMAP_SHUTDOWN, &b->flags))
		return;
#ifndef LLSIM_MUTANT_DAEMON_CLEANS_DEGRADED
	if (llb_degraded(b))
		/*
		 * Nothing may be cleaned now, but Dirty chunks (say from a
		 * checkpoint of the recovery that will end this state) and
		 * NeedSync ones must not be forgotten: nothing else re-arms
		 * the timer when the array becomes whole again.
		 */
		again = llb_holds_dirty(b) || llb_holds_needsync(b);
	else
#endif
		again = llb_daemon_pass(b);

	/*
	 * A chunk written while the array was degraded is NeedSync, and a
	 * recovery that had already passed it leaves it so: once the array
	 * is whole, nothing but the daemon asks md for the resync that lets
	 * it become Clean (else every later assembly resyncs it). Ask again
	 * each period until none is left: md_reap_sync_thread clears the
	 * request when it lands while the recovery is being reaped.
	 */
	if (!llb_degraded(b) && llb_holds_needsync(b)) {
		struct llb_outcome out = { .resync = true };

		llb_finish(b, &out);
		again = true;
	}

#ifdef LLSIM_MUTANT_TIMER_NOT_REARMED
	again = false;
#endif
	/* busy or not-yet-idle pages still hold Dirty chunks: come back */
	if (again)
		llb_arm_timer(b);
}

/* Timer context: must not sleep, so hand the pass to the workqueue. */
static void llb_timer_fn(struct timer_list *t)
{
	struct llb *b = container_of(t, struct llb, timer);

	if (test_bit(BITMAP_SHUTDOWN, &b->flags))
		return;
	/*
	 * Queue unconditionally: a pass that is finishing (running, not
	 * pending) gets another run after it. Setting a "busy" flag instead
	 * loses this expiry when the pass has already made its last check of
	 * the flag, and the chunks made Dirty since then wait for a timer
	 * nothing re-arms.
	 */
	queue_work(llb_daemon_wq, &b->sweep_work);
}

/* Settle every page now (daemon pass on all of them), then write it all. */
static void llb_settle(struct llb *b)
{
	unsigned long p;

	for (p = 0; p < b->nr_pages; p++)
		set_bit(LLB_PG_FLUSH, &b->pages[p]->flags);
	/*
	 * The timer may stay armed: a pass it queues later finds nothing to
	 * do, and destroy shuts it down (waiting for a callback that runs).
	 */
	queue_work(llb_daemon_wq, &b->sweep_work);
	flush_work(&b->sweep_work);
#ifndef LLSIM_MUTANT_FLUSH_SKIPS_WRITEBACK
	/*
	 * The pass may have raised events_cleared, and a stop of an array
	 * that is already clean asks md for no superblock round: the Clean
	 * bytes must not reach the media without it, or a member that left
	 * before them is re-added from the bitmap and trusts them.
	 */
	llb_refresh_super(b);
	llb_write_everything(b);
#endif
}

/* ---------------------------------------------------------------------- */
/* Superblock and creation                                                */

static int llb_check_support(struct mddev *mddev)
{
	bool journal = test_bit(MD_HAS_JOURNAL, &mddev->flags);

	if (journal) {
		pr_notice("md/llbitmap: %s: not usable with a journal\n",
			  mdname(mddev));
		return -EBUSY;
	}
	if (!mddev->bitmap_info.space && !mddev->bitmap_info.default_space) {
		pr_notice("md/llbitmap: %s: no room reserved for the bitmap\n",
			  mdname(mddev));
		return -ENOSPC;
	}
	if (!mddev->persistent || mddev->bitmap_info.file ||
	    mddev->bitmap_info.external || mddev_is_dm(mddev)) {
		pr_notice("md/llbitmap: %s: needs internal metadata\n",
			  mdname(mddev));
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * A new raid4/5/6 whose members all zero by unmapping: zero their data
 * areas instead of syncing them (the parity of zeroes is zero), so every
 * chunk can start CleanUnwritten. The zeroes must be durable on every
 * member before the first CleanUnwritten byte is on any: the bitmap's
 * PREFLUSH covers only the member it is written to, and a crash between
 * two members' bitmap writes would leave one member's old contents under
 * a promise of good parity. False (sync as usual) if anything fails.
 */
static bool llb_zero_members(struct llb *b)
{
	struct mddev *mddev = b->mddev;
	struct md_rdev *member;

	rdev_for_each(member, mddev) {
		if (!llb_member_writable(member))
			continue;
		if (!bdev_write_zeroes_unmap_sectors(member->bdev))
			return false;
	}
	rdev_for_each(member, mddev) {
		if (!llb_member_writable(member))
			continue;
		if (blkdev_issue_zeroout(member->bdev, member->data_offset,
					 mddev->dev_sectors, GFP_KERNEL, 0))
			return false;
	}
	rdev_for_each(member, mddev) {
		if (!llb_member_writable(member))
			continue;
		if (blkdev_issue_flush(member->bdev))
			return false;
	}
	return true;
}

/* FIRST_USE: lay out a fresh bitmap and write all of it. */
static int llb_format(struct llb *b)
{
	struct mddev *mddev = b->mddev;
	u8 fill = test_bit(BITMAP_CLEAN, &b->flags) ? LLB_CLEAN : LLB_UNWRITTEN;
	unsigned long cs = LLB_DEFAULT_CHUNK, i;
	int ret;

	if (fill == LLB_UNWRITTEN && raid_is_456(mddev) && llb_zero_members(b))
		fill = LLB_CLEAN_UNW;

	b->chunks = llb_fit(mddev->resync_max_sectors, &cs, b->space);
	b->chunksize = cs;
	b->chunkshift = ilog2(cs);
	b->sync_size = mddev->resync_max_sectors;
	b->daemon_sleep = LLB_DEFAULT_SLEEP;

	ret = llb_set_pages(b, llb_pages_for(b->chunks), false);
	if (ret)
		return ret;
	for (i = 0; i < b->chunks; i++)
		*llb_slot(b, i) = fill;

	clear_bit(BITMAP_FIRST_USE, &b->flags);
	clear_bit(BITMAP_CLEAN, &b->flags);
	llb_refresh_super(b);
	llb_write_everything(b);
	return 0;
}

/* An existing bitmap: check the superblock, then read every page. */
static int llb_adopt(struct llb *b, bitmap_super_t *sb)
{
	struct mddev *mddev = b->mddev;
	unsigned long cs = le32_to_cpu(sb->chunksize);
	unsigned long sleep = le32_to_cpu(sb->daemon_sleep);
	sector_t size = le64_to_cpu(sb->sync_size);
	sector_t have = mddev->resync_max_sectors;
	u64 sb_events = le64_to_cpu(sb->events);
	unsigned long recorded, i;
	int ret;

	if (!size)
		size = have;
	/*
	 * A reshape md recorded as started: the bitmap was resized for the new
	 * geometry before the pass began (raid10's grows the array it covers),
	 * and keeps that size until the reshape finishes.
	 */
	if (mddev->reshape_position != MaxSector && size > have)
		have = size;
	if (!is_power_of_2(cs)) {
		pr_err("md/llbitmap: %s: chunk size %lu is not a power of two\n",
		       mdname(mddev), cs);
		return -EINVAL;
	}
	if (DIV_ROUND_UP_SECTOR_T(max(size, have), cs) > llb_max_chunks(b->space)) {
		pr_err("md/llbitmap: %s: chunk size %lu too small for %llu sectors in %lu reserved sectors\n",
		       mdname(mddev), cs, (unsigned long long)max(size, have),
		       b->space);
		return -EINVAL;
	}
	if (sleep < 1 || sleep > MAX_SCHEDULE_TIMEOUT / HZ) {
		pr_err("md/llbitmap: %s: daemon sleep %lus out of range\n",
		       mdname(mddev), sleep);
		return -EINVAL;
	}

#ifdef LLSIM_MUTANT_SIZE_MISMATCH_REFUSED
	/* the upstream rule: a bitmap larger than the array is corrupt */
	if (size > have) {
		pr_err("md/llbitmap: %s: bitmap covers %llu sectors, array has %llu\n",
		       mdname(mddev), (unsigned long long)size,
		       (unsigned long long)have);
		return -EINVAL;
	}
#endif
	if (sb_events < mddev->events) {
		pr_warn("md/llbitmap: %s: bitmap events %llu behind array events %llu, treating it as stale\n",
			mdname(mddev), sb_events, (u64)mddev->events);
		set_bit(BITMAP_STALE, &b->flags);
	}

	b->chunksize = cs;
	b->chunkshift = ilog2(cs);
	b->sync_size = have;
	b->daemon_sleep = sleep;
	b->chunks = DIV_ROUND_UP_SECTOR_T(have, cs);
	recorded = DIV_ROUND_UP_SECTOR_T(size, cs);
	ret = llb_set_pages(b, llb_pages_for(max(b->chunks, recorded)), true);
	if (ret || size == have)
		return ret;

	/*
	 * A resize wrote the bitmap and then the machine went down before md
	 * recorded the new size in its superblocks: md's size wins. Past a
	 * grow, the extra chunks are simply not used. Past a shrink, the
	 * chunks the bitmap gave up may still differ between mirrors, so they
	 * are resynced; that is written out now, before anything relies on it.
	 */
	pr_warn("md/llbitmap: %s: bitmap covers %llu sectors, array has %llu: a resize did not finish, using the array's size\n",
		mdname(mddev), (unsigned long long)size, (unsigned long long)have);
	for (i = recorded; i < b->chunks; i++)
		*llb_slot(b, i) = LLB_NEED_SYNC;
	llb_refresh_super(b);
	llb_write_everything(b);
	return 0;
}

static int llb_load_super(struct llb *b)
{
	struct mddev *mddev = b->mddev;
	bitmap_super_t *sb;
	unsigned long space;
	int ret;

	ret = llb_set_pages(b, 1, true);
	if (ret)
		return ret;
	sb = page_address(b->pages[0]->pg);

	if (le32_to_cpu(sb->magic) != BITMAP_MAGIC) {
		pr_err("md/llbitmap: %s: bad bitmap magic 0x%x\n",
		       mdname(mddev), le32_to_cpu(sb->magic));
		return -EINVAL;
	}
	if (le32_to_cpu(sb->version) != BITMAP_MAJOR_LOCKLESS) {
		pr_err("md/llbitmap: %s: bitmap version %u is not lockless\n",
		       mdname(mddev), le32_to_cpu(sb->version));
		return -EINVAL;
	}
	if (memcmp(sb->uuid, mddev->uuid, sizeof(sb->uuid))) {
		pr_err("md/llbitmap: %s: bitmap belongs to another array\n",
		       mdname(mddev));
		return -EINVAL;
	}

	space = mddev->bitmap_info.space;
	if (!space)
		space = le32_to_cpu(sb->sectors_reserved);
	if (!space)
		space = mddev->bitmap_info.default_space;
	if (!space) {
		pr_err("md/llbitmap: %s: no space reserved for the bitmap\n",
		       mdname(mddev));
		return -ENOSPC;
	}
	mddev->bitmap_info.space = space;
	b->space = space;

	b->flags = le32_to_cpu(sb->state) &
		   ~(BIT(BITMAP_SHUTDOWN) | BIT(BITMAP_DAEMON_BUSY));
	b->events_cleared = le64_to_cpu(sb->events_cleared);

	if (test_bit(BITMAP_FIRST_USE, &b->flags))
		ret = llb_format(b);
	else
		ret = llb_adopt(b, sb);
	if (ret)
		return ret;

	mddev->bitmap_info.chunksize = b->chunksize;
	mddev->bitmap_info.daemon_sleep = b->daemon_sleep;
	return 0;
}

static int llb_create(struct mddev *mddev)
{
	struct llb *b;
	unsigned int io;
	int ret;

	ret = llb_check_support(mddev);
	if (ret)
		return ret;

	io = bdev_logical_block_size(mddev->gendisk->part0);
	if (!is_power_of_2(io) || io < SECTOR_SIZE || io > PAGE_SIZE) {
		pr_err("md/llbitmap: %s: unsupported logical block size %u\n",
		       mdname(mddev), io);
		return -EINVAL;
	}

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	b->mddev = mddev;
	b->io_size = io;
	b->blk_per_page = PAGE_SIZE / io;
	b->barrier_idle = LLB_DEFAULT_IDLE;
	b->daemon_sleep = LLB_DEFAULT_SLEEP;
	timer_setup(&b->timer, llb_timer_fn, 0);
	INIT_WORK(&b->sweep_work, llb_daemon_fn);
	rwlock_init(&b->reshape_lock);
	spin_lock_init(&b->state_lock);
	atomic_set(&b->wb_active, 0);
	init_waitqueue_head(&b->wb_wait);
	mutex_init(&b->wb_mutex);
	atomic_set(&b->behind_writes, 0);
	init_waitqueue_head(&b->behind_wq);
	b->last_checkpoint = jiffies;

#ifdef LLSIM_MUTANT_CREATE_LOADS_UNLOCKED
	/* nobody can see the bitmap yet: read it before taking the mutex */
	mddev->bitmap = b;
	ret = llb_load_super(b);
	llb_lock(mddev);
#else
	llb_lock(mddev);
	mddev->bitmap = b;
	ret = llb_load_super(b);
#endif
	if (ret) {
		mddev->bitmap = NULL;
		llb_free(b);
	}
	llb_unlock(mddev);
	return ret;
}

static int llb_load(struct mddev *mddev)
{
	struct llb *b = mddev->bitmap;
	enum llb_event ev = LLB_EV_RELOAD;

	if (!b)
		return 0;
	llb_lock(mddev);
	if (test_and_clear_bit(BITMAP_STALE, &b->flags))
		ev = LLB_EV_STALE;
	llb_transition_all(b, ev);
	/*
	 * The pages came from one member. A crash in the middle of a region
	 * write can leave the others with older copies, and a later write to
	 * a chunk already marked here needs no region write of its own: make
	 * every member hold this copy before any IO relies on it.
	 */
	llb_write_everything(b);
	llb_unlock(mddev);
	return 0;
}

static void llb_destroy(struct mddev *mddev)
{
	struct llb *b = mddev->bitmap;

	if (!b)
		return;
	llb_lock(mddev);
	set_bit(BITMAP_SHUTDOWN, &b->flags);
#ifdef LLSIM_MUTANT_TIMER_SHUTDOWN_NOSYNC
	/* a callback already running on another CPU is not waited for */
	timer_shutdown(&b->timer);
#else
	timer_shutdown_sync(&b->timer);
#endif
	cancel_work_sync(&b->sweep_work);
	flush_workqueue(llb_daemon_wq);
	flush_workqueue(llb_unplug_wq);
	mddev->bitmap = NULL;
	llb_free(b);
	llb_unlock(mddev);
}

/* ---------------------------------------------------------------------- */
/* Write path                                                             */

/*
 * Chunk range of an IO; false if it touches no chunk. A write covers every
 * chunk it touches. A discard covers only the chunks it spans entirely: a
 * partly discarded chunk still holds data that must stay tracked. (For a
 * range already encoded by prepare_range both ends are chunk aligned, and
 * both rules give the same answer.)
 */
static bool llb_io_chunks(struct llb *b, sector_t offset, unsigned long sectors,
			  bool discard, unsigned long *first,
			  unsigned long *last)
{
	unsigned long cap;
	sector_t stop;

	if (!sectors)
		return false;
	if (!discard) {
		*first = offset >> b->chunkshift;
		*last = (offset + sectors - 1) >> b->chunkshift;
	} else {
#ifdef LLSIM_MUTANT_DISCARD_ROUND_OUT
		*first = offset >> b->chunkshift;
		stop = DIV_ROUND_UP_SECTOR_T(offset + sectors, b->chunksize);
#else
		*first = DIV_ROUND_UP_SECTOR_T(offset, b->chunksize);
		stop = (offset + sectors) >> b->chunkshift;
#endif
		if (stop <= *first)
			return false;
		*last = stop - 1;
	}
	/*
	 * Bounded by what the pages hold, not by the chunk count: end_* must
	 * unpin exactly what start_* pinned, and a shrink may come in between
	 * (a write that failed on a mirror waits, off the barrier's count, for
	 * md to record the failure). Pages are never freed while the bitmap
	 * lives, and the state walk clamps to the chunk count itself.
	 */
	cap = ((unsigned long)b->nr_pages << PAGE_SHIFT) - LLB_DATA_OFFSET;
	if (*first >= cap)
		return false;
	*last = min(*last, cap - 1);
	return *first <= *last;
}

static void llb_begin_io(struct mddev *mddev, sector_t offset,
			 unsigned long sectors, bool discard)
{
	struct llb *b = mddev->bitmap;
	enum llb_event ev = discard ? LLB_EV_DISCARD : LLB_EV_WRITE;
	unsigned long first, last;

	if (!b || !llb_io_chunks(b, offset, sectors, discard, &first, &last))
		return;
#ifdef LLSIM_MUTANT_BARRIER_AFTER_STATE
	llb_transition(b, first, last, ev);
	llb_pin_chunks(b, first, last);
#else
	/* pin first, so the daemon cannot clean between marking and IO */
	llb_pin_chunks(b, first, last);
	llb_transition(b, first, last, ev);
#endif
}

static void llb_end_io(struct mddev *mddev, sector_t offset,
		       unsigned long sectors, bool discard)
{
	struct llb *b = mddev->bitmap;
	unsigned long first, last;

	if (!b || !llb_io_chunks(b, offset, sectors, discard, &first, &last))
		return;
	llb_unpin_chunks(b, first, last);
}

static void llb_start_write(struct mddev *mddev, sector_t offset,
			    unsigned long sectors)
{
	llb_begin_io(mddev, offset, sectors, false);
}

static void llb_end_write(struct mddev *mddev, sector_t offset,
			  unsigned long sectors)
{
	llb_end_io(mddev, offset, sectors, false);
}

static void llb_start_discard(struct mddev *mddev, sector_t offset,
			      unsigned long sectors)
{
	llb_begin_io(mddev, offset, sectors, true);
}

static void llb_end_discard(struct mddev *mddev, sector_t offset,
			    unsigned long sectors)
{
	llb_end_io(mddev, offset, sectors, true);
}

static bool llb_any_page_dirty(struct llb *b)
{
	unsigned long p;

	for (p = 0; p < b->nr_pages; p++)
		if (test_bit(LLB_PG_DIRTY, &b->pages[p]->flags))
			return true;
	return false;
}

struct llb_unplug_req {
	struct work_struct work;
	struct llb *b;
	struct completion done;
};

static void llb_unplug_fn(struct work_struct *work)
{
	struct llb_unplug_req *req =
		container_of(work, struct llb_unplug_req, work);

#ifdef LLSIM_MUTANT_UNPLUG_NO_WAIT
	llb_writeback(req->b, false);
#else
	llb_writeback(req->b, true);
#endif
	complete(&req->done);
}

static void llb_unplug(struct mddev *mddev, bool sync)
{
	struct llb *b = mddev->bitmap;
	struct llb_unplug_req req;

	if (!b)
		return;
	if (!llb_any_page_dirty(b)) {
#ifndef LLSIM_MUTANT_UNPLUG_FASTPATH_RACE
		/*
		 * Nothing left to write, but a writeback that took our bits may
		 * still be in flight: data must not overtake it.
		 */
		wait_event(b->wb_wait, atomic_read(&b->wb_active) == 0);
#endif
		return;
	}

	/* bios issued from the submitter's context would only be queued */
	INIT_WORK_ONSTACK(&req.work, llb_unplug_fn);
	req.b = b;
	init_completion(&req.done);
	queue_work(llb_unplug_wq, &req.work);
	wait_for_completion(&req.done);
	destroy_work_on_stack(&req.work);
}

/* ---------------------------------------------------------------------- */
/* Sync path                                                              */

static sector_t llb_skip_sync_blocks(struct mddev *mddev, sector_t offset)
{
	struct llb *b = mddev->bitmap;
	unsigned long idx;
	u8 s;

	if (!b || test_bit(MD_RECOVERY_RESHAPE, &mddev->recovery))
		return 0;
	/*
	 * raid10's recovery walks member sectors and md asks with that j,
	 * which is no address of the array's: the chunk there may be Unwritten
	 * while the array sectors the member holds at j were written. Skip
	 * nothing; start_sync, asked with the array sector, decides.
	 */
#ifndef LLSIM_MUTANT_RAID10_RECOVERY_SKIPS_BY_MEMBER_SECTOR
	if (mddev->level == 10 && test_bit(MD_RECOVERY_RECOVER, &mddev->recovery))
		return 0;
#endif
	/*
	 * md asks this before start_sync, at every j: a recovery onto a member
	 * of a parity array (only those have the Unwritten variants) that was
	 * never zeroed must drop the Unwritten variants before the
	 * first of them is skipped, or start_sync(0), which drops them, is
	 * never reached when chunk 0 is one of them, and CleanUnwritten
	 * chunks keep promising parity the new member does not hold.
	 */
#ifndef LLSIM_MUTANT_CLEAR_UNWRITTEN_AFTER_SKIP
	if (!offset && raid_is_456(mddev) &&
	    test_bit(MD_RECOVERY_RECOVER, &mddev->recovery) &&
	    !test_bit(MD_RECOVERY_LAZY_RECOVER, &mddev->recovery))
		llb_transition_all(b, LLB_EV_DROP_UNWRITTEN);
#endif
	idx = offset >> b->chunkshift;
	if (idx >= b->chunks)
		return 0;
	s = *llb_slot(b, idx);

	/* never written: nothing to compare or copy */
	if (s == LLB_UNWRITTEN || s == LLB_CLEAN_UNW)
		return llb_rest_of_chunk(b, offset);
#ifdef LLSIM_MUTANT_RECOVERY_SKIPS_CLEAN
	/* "Clean is in sync everywhere": not on a disk that was never there */
	if (s == LLB_CLEAN && !test_bit(MD_RECOVERY_REQUESTED, &mddev->recovery))
		return llb_rest_of_chunk(b, offset);
#endif
	if (llb_degraded(b))
		return 0;
	/*
	 * A plain resync only has to visit chunks that may differ. Not a
	 * recovery, even of a whole array: a replacement (mdadm --replace)
	 * has none of the data yet. MD_RECOVERY_SYNC alone does not say
	 * which: a transition that meets NeedSync on a whole array sets it
	 * to ask for the next pass, while a recovery may be running.
	 */
	if (
#ifndef LLSIM_MUTANT_REPLACEMENT_SKIPS_CLEAN
	    test_bit(MD_RECOVERY_SYNC, &mddev->recovery) &&
	    !test_bit(MD_RECOVERY_RECOVER, &mddev->recovery) &&
#endif
	    !test_bit(MD_RECOVERY_REQUESTED, &mddev->recovery) &&
#ifdef LLSIM_MUTANT_SKIP_SYNC_NEEDSYNC
	    (s == LLB_CLEAN || s == LLB_DIRTY || s == LLB_NEED_SYNC))
#else
	    (s == LLB_CLEAN || s == LLB_DIRTY))
#endif
		return llb_rest_of_chunk(b, offset);
	return 0;
}

static bool llb_blocks_synced(struct mddev *mddev, sector_t offset)
{
	struct llb *b = mddev->bitmap;
	unsigned long idx;
	u8 s;

	if (!b)
		return false;
	idx = offset >> b->chunkshift;
	if (idx >= b->chunks)
		return false;
	s = *llb_slot(b, idx);
	return s == LLB_CLEAN || s == LLB_DIRTY || s == LLB_CLEAN_UNW;
}

static bool llb_start_sync(struct mddev *mddev, sector_t offset,
			   sector_t *span, bool unused_degraded)
{
	struct llb *b = mddev->bitmap;
	unsigned long *rec, idx;
	u8 s;

	if (!b) {
		*span = 1024;
		return true;
	}
	/* a full rebuild starts: the unwritten variants mean nothing now */
	rec = &mddev->recovery;
	if (!offset && test_bit(MD_RECOVERY_RECOVER, rec) &&
	    !test_bit(MD_RECOVERY_LAZY_RECOVER, rec))
		llb_transition_all(b, LLB_EV_DROP_UNWRITTEN);

	*span = llb_rest_of_chunk(b, offset);
	idx = offset >> b->chunkshift;
	if (idx >= b->chunks)
		return false;
	/*
	 * A parity check computes no parity: a chunk whose parity was never
	 * computed (a write to an Unwritten chunk during the check) must stay
	 * NeedSync for the lazy pass, or rmw later builds on garbage parity.
	 */
#ifndef LLSIM_MUTANT_PARITY_CHECK_CONSUMES_NEEDSYNC
	if (raid_is_456(mddev) && test_bit(MD_RECOVERY_CHECK, rec))
		return llb_needs_sync(READ_ONCE(*llb_slot(b, idx)));
#endif
	s = llb_transition(b, idx, idx, LLB_EV_SYNC);
	return s == LLB_SYNCING || s == LLB_SYNCING_UNW;
}

static void llb_end_sync(struct mddev *mddev, sector_t offset,
			 sector_t *span)
{
	struct llb *b = mddev->bitmap;
	unsigned long idx;

	if (!b) {
		*span = 1024;
		return;
	}
	*span = llb_rest_of_chunk(b, offset);
	idx = offset >> b->chunkshift;
	if (idx < b->chunks)
		llb_transition(b, idx, b->chunks - 1, LLB_EV_SYNC_ABORT);
}

static void llb_close_sync(struct mddev *mddev)
{
	struct llb *b = mddev->bitmap;
	unsigned long p, now = jiffies;

	if (!b)
		return;
	/* let the daemon clean the synced chunks on its next pass */
	for (p = 0; p < b->nr_pages; p++)
		WRITE_ONCE(b->pages[p]->expire, now);
#ifndef LLSIM_MUTANT_CLOSE_SYNC_STAYS_SYNCING
	llb_transition_all(b, LLB_EV_SYNC_DONE);
#endif
	/*
	 * A recovery resumed after a stop starts at the member's
	 * recovery_offset, so NeedSync chunks below it (a degraded write
	 * before the stop) stay NeedSync once it ends. Only the daemon asks
	 * md for their resync when the array is whole, and nothing may have
	 * armed its timer since the load.
	 */
	if (llb_holds_needsync(b))
		llb_arm_timer(b);
}

static void llb_cond_end_sync(struct mddev *mddev, sector_t pos, bool force)
{
	struct llb *b = mddev->bitmap;
	unsigned long *sbf = &mddev->sb_flags;
	struct kernfs_node *progress = mddev->sysfs_completed;
	unsigned long done;

	if (!b)
		return;
	if (!pos) {
		b->last_checkpoint = jiffies;
		return;
	}
	if (!force &&
	    time_before(jiffies, b->last_checkpoint + b->daemon_sleep * HZ))
		return;

#ifndef LLSIM_MUTANT_COND_END_NO_DRAIN
	/* only IO that has completed may count as synced */
	wait_event(mddev->recovery_wait,
		   atomic_read(&mddev->recovery_active) == 0);
#endif
	mddev->curr_resync_completed = pos;
	set_bit(MD_SB_CHANGE_CLEAN, sbf);

#ifdef LLSIM_MUTANT_CHECKPOINT_INCLUDES_CURRENT
	done = (pos >> b->chunkshift) + 1;
#else
	/* the chunk holding @pos is only partly synced: leave it */
	done = round_down(pos, (sector_t)b->chunksize) >> b->chunkshift;
#endif
	if (done)
		llb_transition(b, 0, done - 1, LLB_EV_SYNC_DONE);
	llb_write_everything(b);

	b->last_checkpoint = jiffies;
	sysfs_notify_dirent_safe(progress);
}

/* ---------------------------------------------------------------------- */
/* Size and geometry                                                      */

static bool llb_reshape_pending(struct mddev *mddev)
{
	return mddev->delta_disks != 0 || mddev->level != mddev->new_level ||
	       mddev->layout != mddev->new_layout ||
	       mddev->chunk_sectors != mddev->new_chunk_sectors;
}

/* How two chunks' states combine when they become one. */
static u8 llb_merge(u8 a, u8 c)
{
	static const u8 rank[LLB_NR_STATES] = {
		[LLB_UNWRITTEN] = 0, [LLB_CLEAN_UNW] = 0,
		[LLB_NEED_SYNC_UNW] = 0, [LLB_SYNCING_UNW] = 0,
		[LLB_CLEAN] = 1,
		[LLB_DIRTY] = 2, [LLB_NEED_SYNC] = 2, [LLB_SYNCING] = 2,
	};
	int r = max(a < LLB_NR_STATES ? rank[a] : 2,
		    c < LLB_NR_STATES ? rank[c] : 2);

	return r == 2 ? LLB_NEED_SYNC : r == 1 ? LLB_CLEAN : LLB_UNWRITTEN;
}

/*
 * Re-express the chunk states for a new chunk size (reshape only), in place.
 * Larger chunks take the most demanding state of the chunks they absorb;
 * smaller ones inherit their parent's state.
 */
static void llb_rechunk(struct llb *b, unsigned long cs, unsigned long chunks)
{
	unsigned long old_chunks = b->chunks, j, k;

	lockdep_assert_held_write(&b->reshape_lock);
	if (cs > b->chunksize) {
		unsigned long f = cs / b->chunksize;

		for (j = 0; j < chunks; j++) {
			u8 m = LLB_UNWRITTEN;

			for (k = j * f; k < (j + 1) * f && k < old_chunks; k++)
				m = llb_merge(m, *llb_slot(b, k));
#ifdef LLSIM_MUTANT_RECHUNK_FIRST_ONLY
			/* a larger chunk takes only its first part's state */
			m = j * f < old_chunks ? *llb_slot(b, j * f) : LLB_UNWRITTEN;
#endif
			*llb_slot(b, j) = m;
		}
		for (j = chunks; j < old_chunks; j++)
			*llb_slot(b, j) = LLB_UNWRITTEN;
	} else {
		unsigned long f = b->chunksize / cs;

		for (j = chunks; j-- > 0;) {
			k = j / f;
			*llb_slot(b, j) = k < old_chunks ?
				llb_merge(LLB_UNWRITTEN, *llb_slot(b, k)) :
				LLB_UNWRITTEN;
		}
	}
}

static int llb_resize(struct mddev *mddev, sector_t blocks, int chunksize)
{
	struct llb *b = mddev->bitmap;
	unsigned long cs, chunks, j, want;
	int ret = 0;

	if (!b)
		return 0;
	cs = chunksize > 0 ? (unsigned long)chunksize : b->chunksize;
	if (!is_power_of_2(cs))
		return -EINVAL;
	chunks = llb_fit(blocks, &cs, b->space);
	if (!llb_reshape_pending(mddev) && cs != b->chunksize)
		return -EOPNOTSUPP;
	if (cs == b->chunksize && chunks == b->chunks && blocks == b->sync_size)
		return 0;

	llb_quiesce(mddev, 1);
	llb_lock(mddev);
	llb_settle(b);

	want = llb_pages_for(chunks);
#ifdef LLSIM_MUTANT_RESIZE_NO_GROW
	/* keep the page array: the chunk count is capped by what it covers */
	want = b->nr_pages;
	chunks = min(chunks, (want << PAGE_SHIFT) - LLB_DATA_OFFSET);
#endif
	ret = llb_set_pages(b, max(want, b->nr_pages), false);
	if (ret)
		goto out;

	write_lock(&b->reshape_lock);
	if (cs != b->chunksize) {
		llb_rechunk(b, cs, chunks);
	} else if (chunks > b->chunks) {
		for (j = b->chunks; j < chunks; j++)
			*llb_slot(b, j) = LLB_UNWRITTEN;
	} else {
		for (j = chunks; j < b->chunks; j++)
			*llb_slot(b, j) = LLB_UNWRITTEN;
	}
#ifndef LLSIM_MUTANT_GROW_KEEPS_EDGE_CHUNK
	/*
	 * raid4/5/6: a grow that starts inside a chunk adds rows to it whose
	 * parity nobody computed, and md's resync of the new rows skips a
	 * Clean or Dirty chunk, after which read-modify-write trusts that
	 * parity. The chunk needs a sync; a CleanUnwritten one goes back to
	 * Unwritten (its new rows were never zeroed).
	 */
	if (raid_is_456(mddev) && cs == b->chunksize && blocks > b->sync_size &&
	    (b->sync_size & (cs - 1)) && (b->sync_size >> b->chunkshift) < b->chunks) {
		u8 *edge = llb_slot(b, b->sync_size >> b->chunkshift);

		if (*edge == LLB_CLEAN || *edge == LLB_DIRTY)
			*edge = LLB_NEED_SYNC;
		else if (*edge == LLB_CLEAN_UNW)
			*edge = LLB_UNWRITTEN;
	}
#endif
	b->chunks = chunks;
	b->chunksize = cs;
	b->chunkshift = ilog2(cs);
	b->sync_size = blocks;
	write_unlock(&b->reshape_lock);
	mddev->bitmap_info.chunksize = cs;

	llb_refresh_super(b);
	llb_write_everything(b);
out:
	llb_unlock(mddev);
	llb_quiesce(mddev, 0);
	return ret;
}

static int llb_reshape_can_start(struct mddev *mddev)
{
	struct llb *b = mddev->bitmap;
	unsigned long i;

	if (!b)
		return 0;
	for (i = 0; i < b->chunks; i++) {
		u8 s = *llb_slot(b, i);

		if (s == LLB_NEED_SYNC || s == LLB_SYNCING)
			return -EBUSY;
	}
	return 0;
}

/* How demanding a state is when chunks merge in a reshape. */
static int llb_reshape_rank(u8 s)
{
	switch (s) {
	case LLB_UNWRITTEN:
	case LLB_CLEAN_UNW:
	case LLB_NEED_SYNC_UNW:
	case LLB_SYNCING_UNW:
		return 0;	/* an interrupted proactive pass is dropped */
	case LLB_CLEAN:
		return 1;
	case LLB_DIRTY:
		return 2;
	default:
		return 3;	/* NeedSync, Syncing, or a byte we do not know */
	}
}

static const u8 llb_reshape_state[] = {
	LLB_UNWRITTEN, LLB_CLEAN, LLB_DIRTY, LLB_NEED_SYNC,
};

/* The member rows (bitmap sectors) array range [lo, hi) maps to. */
static void llb_reshape_rows(struct mddev *mddev, struct llb *b, sector_t lo,
			     sector_t hi, bool previous, sector_t *off,
			     sector_t *len)
{
	unsigned long n = hi - lo;

	*off = lo;
	if (mddev->pers && mddev->pers->bitmap_sector_map)
		mddev->pers->bitmap_sector_map(mddev, off, &n, previous);
	if (*off >= b->sync_size)
		n = 0;
	*len = min_t(sector_t, n, b->sync_size - min(*off, b->sync_size));
}

/*
 * A reshape checkpoint: array range [lo, hi) now lives in the new geometry.
 * Each new chunk it covers takes the most demanding state of the old chunks
 * that held the same data, and of its own state where part of it lies
 * below the range (data moved earlier). On raid4/5/6 data moves inside a
 * row too when the raid chunk changes (a row holds chunk-sized strips of
 * array order), so a bitmap chunk smaller than a raid chunk must look at
 * whole raid rows on both sides: the new rows holding it, and the old rows
 * that held theirs (proportionally, as the array order is kept). Sources
 * are read before any destination is written; without memory for that,
 * every destination becomes NeedSync.
 */
static void llb_reshape_mark(struct mddev *mddev, sector_t old_pos,
			     sector_t new_pos)
{
	struct llb *b = mddev->bitmap;
	sector_t lo = min(old_pos, new_pos), hi = max(old_pos, new_pos);
	sector_t o_off, o_len, n_off, n_len, o_end, n_end;
	sector_t ocs = 1, ncs = 1;
	unsigned long d_first, d_last, d, s_first = 0, s_last = 0;
	u8 *src = NULL, first_state;
	bool arm = false;

	if (!b || lo == hi)
		return;
	llb_reshape_rows(mddev, b, lo, hi, true, &o_off, &o_len);
	llb_reshape_rows(mddev, b, lo, hi, false, &n_off, &n_len);
	if (!n_len)
		return;
	if (raid_is_456(mddev)) {
		ocs = mddev->chunk_sectors;
		ncs = mddev->new_chunk_sectors;
	}
	o_end = o_off + o_len;
	n_end = n_off + n_len;
	d_first = n_off >> b->chunkshift;
	d_last = min((n_end - 1) >> b->chunkshift, b->chunks - 1);
	if (o_len) {
		s_first = o_off >> b->chunkshift;
		s_last = min((o_end - 1) >> b->chunkshift, b->chunks - 1);
		src = kmalloc(s_last - s_first + 1, GFP_NOIO);
	}

	write_lock(&b->reshape_lock);
	spin_lock(&b->state_lock);
	for (d = s_first; src && d <= s_last; d++)
		src[d - s_first] = *llb_slot(b, d);
	first_state = *llb_slot(b, d_first);
	for (d = d_first; d <= d_last; d++) {
		sector_t ds = max_t(sector_t, round_down((sector_t)d << b->chunkshift, ncs), n_off);
		sector_t de = min_t(sector_t, round_up((sector_t)(d + 1) << b->chunkshift, ncs),
				    n_end);
		u8 *slot = llb_slot(b, d), next;
		int r = (sector_t)d << b->chunkshift < n_off ?
			llb_reshape_rank(first_state) : 0;

		if (o_len && !src) {
			r = 3;
		} else if (o_len) {
			sector_t ss = o_off + div64_u64((u64)(ds - n_off) * o_len, n_len);
			sector_t se = o_off + div64_u64((u64)(de - n_off) * o_len +
							n_len - 1, n_len);
			unsigned long k;

			ss = max_t(sector_t, round_down(ss, ocs), o_off);
			se = min_t(sector_t, round_up(se, ocs), o_end);
			for (k = ss >> b->chunkshift;
			     ss < se && k <= (se - 1) >> b->chunkshift; k++)
				r = max(r, llb_reshape_rank(src[k - s_first]));
		}
		next = llb_reshape_state[r];
#ifdef LLSIM_MUTANT_RESHAPE_MARK_CLEAN
		/* the moved range counted as freshly written, hence clean */
		next = LLB_CLEAN;
#endif
		if (next == *slot)
			continue;
		*slot = next;
		set_bit(llb_block_of(b, d), &llb_page_of(b, d)->blk_dirty);
		set_bit(LLB_PG_DIRTY, &llb_page_of(b, d)->flags);
		if (next == LLB_DIRTY)
			arm = true;
	}
	spin_unlock(&b->state_lock);
	write_unlock(&b->reshape_lock);
	kfree(src);
	if (arm)
		llb_arm_timer(b);
}

static void llb_reshape_finish(struct mddev *mddev)
{
	struct llb *b = mddev->bitmap;

	if (!b)
		return;
	llb_quiesce(mddev, 1);
	llb_lock(mddev);
	llb_settle(b);
	llb_refresh_super(b);
	llb_write_everything(b);
	llb_unlock(mddev);
	llb_quiesce(mddev, 0);
}

static void llb_encode_range(struct mddev *mddev, sector_t *offset,
			     unsigned long *len, bool discard)
{
	struct llb *b = mddev->bitmap;
	sector_t first, end;

	if (!b)
		return;
	/* parity/striped personalities map array sectors to member sectors */
	if (mddev->pers && mddev->pers->bitmap_sector)
		mddev->pers->bitmap_sector(mddev, offset, len);
#ifdef LLSIM_MUTANT_PREPARE_RANGE_STRIPE_SHORT
	/* the mapped end read as inclusive: one full stripe too few */
	if (raid_is_456(mddev) && !discard && *len > mddev->chunk_sectors)
		*len -= mddev->chunk_sectors;
#endif

	if (*offset >= b->sync_size) {
		*len = 0;
		return;
	}
	*len = min_t(sector_t, *len, b->sync_size - *offset);
	if (!*len)
		return;

#ifdef LLSIM_MUTANT_DISCARD_ROUND_OUT
	discard = false;
#endif
	if (discard) {
		/* inward: only chunks the discard covers entirely */
		first = DIV_ROUND_UP_SECTOR_T(*offset, b->chunksize);
		end = (*offset + *len) >> b->chunkshift;
		if (end <= first) {
			*offset = 0;
			*len = 0;
			return;
		}
	} else {
		/* outward: every chunk the write touches */
		first = *offset >> b->chunkshift;
		end = ((*offset + *len - 1) >> b->chunkshift) + 1;
	}
	*offset = first << b->chunkshift;
	*len = (end - first) << b->chunkshift;
}

#if LLSIM_PREPARE_RANGE_DISCARD
static void llb_prepare_range(struct mddev *mddev, sector_t *offset,
			      unsigned long *len, bool discard)
{
	llb_encode_range(mddev, offset, len, discard);
}
#else
static void llb_prepare_range(struct mddev *mddev, sector_t *offset,
			      unsigned long *len)
{
	llb_encode_range(mddev, offset, len, false);
}
#endif

/* ---------------------------------------------------------------------- */
/* Everything else md asks for                                            */

static bool llb_enabled(void *data, bool flush)
{
	struct llb *b = data;

	return b && !test_bit(BITMAP_WRITE_ERROR, &b->flags);
}

static void llb_flush(struct mddev *mddev)
{
	struct llb *b = mddev->bitmap;

	if (b)
		llb_settle(b);
}

static void llb_write_all(struct mddev *mddev)
{
	struct llb *b = mddev->bitmap;

	if (b)
		llb_mark_everything(b);
}

static void llb_dirty_bits(struct mddev *mddev, unsigned long s,
			   unsigned long e)
{
	struct llb *b = mddev->bitmap;

	if (b && s <= e)
		llb_transition(b, s, e, LLB_EV_WRITE);
}

static void llb_update_sb(void *data)
{
	struct llb *b = data;

	if (!b || test_bit(BITMAP_WRITE_ERROR, &b->flags))
		return;
	llb_write_super(b);
}

static int llb_get_stats(void *data, struct md_bitmap_stats *out)
{
	struct llb *b = data;

	memset(out, 0, sizeof(*out));
	if (!b)
		return -ENOENT;
	out->events_cleared = b->events_cleared;
	out->behind_writes = atomic_read(&b->behind_writes);
	out->behind_wait = wq_has_sleeper(&b->behind_wq);
	out->pages = b->nr_pages;
	out->file_pages = b->nr_pages;
	out->sync_size = b->sync_size;
	return 0;
}

static void llb_start_behind_write(struct mddev *mddev)
{
	struct llb *b = mddev->bitmap;

	if (b)
		atomic_inc(&b->behind_writes);
}

static void llb_end_behind_write(struct mddev *mddev)
{
	struct llb *b = mddev->bitmap;

	if (b && atomic_dec_and_test(&b->behind_writes))
		wake_up(&b->behind_wq);
}

#if LLSIM_WAIT_BEHIND_NOWAIT
static bool llb_wait_behind_writes(struct mddev *mddev, bool nowait)
{
	struct llb *b = mddev->bitmap;

	if (!b)
		return true;
	if (nowait)
		return atomic_read(&b->behind_writes) == 0;
	wait_event(b->behind_wq, atomic_read(&b->behind_writes) == 0);
	return true;
}
#else
static void llb_wait_behind_writes(struct mddev *mddev)
{
	struct llb *b = mddev->bitmap;

	if (b)
		wait_event(b->behind_wq,
			   atomic_read(&b->behind_writes) == 0);
}
#endif

/* ---------------------------------------------------------------------- */
/* sysfs: md/llbitmap/                                                    */

static const char * const llb_state_names[LLB_NR_STATES] = {
	[LLB_UNWRITTEN] = "unwritten",
	[LLB_CLEAN] = "clean",
	[LLB_DIRTY] = "dirty",
	[LLB_NEED_SYNC] = "need sync",
	[LLB_SYNCING] = "syncing",
	[LLB_NEED_SYNC_UNW] = "need sync unwritten",
	[LLB_SYNCING_UNW] = "syncing unwritten",
	[LLB_CLEAN_UNW] = "clean unwritten",
};

static ssize_t llb_bits_show(struct mddev *mddev, char *page)
{
	unsigned long count[LLB_NR_STATES + 1] = { 0 };
	struct llb *b;
	unsigned long i;
	ssize_t len = 0;
	int s;

	llb_lock(mddev);
	b = mddev->bitmap;
	if (!b) {
		llb_unlock(mddev);
		return sprintf(page, "(none)\n");
	}
	for (i = 0; i < b->chunks; i++) {
		u8 v = *llb_slot(b, i);

		count[v < LLB_NR_STATES ? v : LLB_NR_STATES]++;
	}
	for (s = 0; s < LLB_NR_STATES; s++)
		len += sprintf(page + len, "%s %lu\n", llb_state_names[s],
			       count[s]);
	if (count[LLB_NR_STATES])
		len += sprintf(page + len, "invalid %lu\n",
			       count[LLB_NR_STATES]);
	llb_unlock(mddev);
	return len;
}

static ssize_t llb_metadata_show(struct mddev *mddev, char *page)
{
	struct llb *b;
	ssize_t len;

	llb_lock(mddev);
	b = mddev->bitmap;
	if (!b) {
		llb_unlock(mddev);
		return sprintf(page, "(none)\n");
	}
	len = sprintf(page,
		      "chunksize %lu\nchunkshift %u\nchunks %lu\noffset %lld\n"
		      "sync_size %llu\nspace %lu\nio_size %u\npages %lu\n"
		      "daemon_sleep %lu\nbarrier_idle %lu\nflags 0x%lx\n"
		      "events_cleared %llu\n",
		      b->chunksize, b->chunkshift, b->chunks,
		      (long long)mddev->bitmap_info.offset,
		      (unsigned long long)b->sync_size, b->space, b->io_size,
		      b->nr_pages, b->daemon_sleep, b->barrier_idle, b->flags,
		      b->events_cleared);
	llb_unlock(mddev);
	return len;
}

static ssize_t llb_daemon_sleep_show(struct mddev *mddev, char *page)
{
	unsigned long secs = mddev->bitmap_info.daemon_sleep;

	return sprintf(page, "%lu\n", secs);
}

static ssize_t llb_daemon_sleep_store(struct mddev *mddev, const char *buf,
				      size_t len)
{
	unsigned long v;
	struct llb *b;
	int ret = kstrtoul(buf, 10, &v);

	if (ret)
		return ret;
	/*
	 * Only what the superblock can record and load accepts: its field is
	 * 32 bits, and a period of 0 or past the timer's range is refused at
	 * the next assembly (upstream F15).
	 */
#ifndef LLSIM_MUTANT_DAEMON_SLEEP_UNCHECKED
	if (v < 1 || v > MAX_SCHEDULE_TIMEOUT / HZ || v > U32_MAX)
		return -EINVAL;
#endif
	llb_lock(mddev);
	mddev->bitmap_info.daemon_sleep = v;
	b = mddev->bitmap;
	if (b)
		b->daemon_sleep = v;
	llb_unlock(mddev);
	return len;
}

static ssize_t llb_barrier_idle_show(struct mddev *mddev, char *page)
{
	struct llb *b;
	unsigned long v;

	llb_lock(mddev);
	b = mddev->bitmap;
	v = b ? b->barrier_idle : LLB_DEFAULT_IDLE;
	llb_unlock(mddev);
	return sprintf(page, "%lu\n", v);
}

static ssize_t llb_barrier_idle_store(struct mddev *mddev, const char *buf,
				      size_t len)
{
	unsigned long v;
	struct llb *b;
	int ret = kstrtoul(buf, 10, &v);

	if (ret)
		return ret;
	if (v > MAX_SCHEDULE_TIMEOUT / HZ)
		return -EINVAL;
	llb_lock(mddev);
	b = mddev->bitmap;
	if (b)
		b->barrier_idle = v;
	llb_unlock(mddev);
	return b ? (ssize_t)len : -ENODEV;
}

/*
 * raid456 only: every never-written chunk is synced ahead of its first
 * write, by the lazy pass the walk asks md for, so that its parity is
 * good (CleanUnwritten) when a write comes.
 */
static ssize_t llb_proactive_sync_store(struct mddev *mddev, const char *buf,
					size_t len)
{
	struct llb *b;

	if (!raid_is_456(mddev))
		return -EINVAL;
	llb_lock(mddev);
	b = mddev->bitmap;
#ifdef LLSIM_MUTANT_PROACTIVE_SKIPS_LAST_CHUNK
	/* an end taken as exclusive: the last chunk is never asked for */
	if (b && b->chunks > 1)
		llb_transition(b, 0, b->chunks - 2, LLB_EV_PROACTIVE);
#else
	if (b)
		llb_transition_all(b, LLB_EV_PROACTIVE);
#endif
	llb_unlock(mddev);
	return b ? (ssize_t)len : -ENODEV;
}

static struct md_sysfs_entry llb_attr_bits =
	__ATTR(bits, 0444, llb_bits_show, NULL);
static struct md_sysfs_entry llb_attr_metadata =
	__ATTR(metadata, 0444, llb_metadata_show, NULL);
static struct md_sysfs_entry llb_attr_daemon_sleep =
	__ATTR(daemon_sleep, 0644, llb_daemon_sleep_show,
	       llb_daemon_sleep_store);
static struct md_sysfs_entry llb_attr_barrier_idle =
	__ATTR(barrier_idle, 0644, llb_barrier_idle_show,
	       llb_barrier_idle_store);
static struct md_sysfs_entry llb_attr_proactive_sync =
	__ATTR(proactive_sync, 0200, NULL, llb_proactive_sync_store);

static struct attribute *llb_attrs[] = {
	&llb_attr_bits.attr,
	&llb_attr_metadata.attr,
	&llb_attr_daemon_sleep.attr,
	&llb_attr_barrier_idle.attr,
	&llb_attr_proactive_sync.attr,
	NULL,
};

static const struct attribute_group llb_group = {
	.name = "llbitmap",
	.attrs = llb_attrs,
};

static const struct attribute_group *llb_groups[] = {
	&llb_group,
	NULL,
};

/* ---------------------------------------------------------------------- */
/* Registration                                                           */

static struct bitmap_operations llb_ops = {
	.head = {
		.type = MD_BITMAP,
		.id = ID_LLBITMAP,
		.name = "llbitmap",
		.owner = THIS_MODULE,
	},

	.enabled = llb_enabled,
	.create = llb_create,
	.resize = llb_resize,
	.load = llb_load,
	.destroy = llb_destroy,
	.flush = llb_flush,
	.write_all = llb_write_all,
	.dirty_bits = llb_dirty_bits,
	.unplug = llb_unplug,

	.start_behind_write = llb_start_behind_write,
	.end_behind_write = llb_end_behind_write,
	.wait_behind_writes = llb_wait_behind_writes,

	.start_write = llb_start_write,
	.end_write = llb_end_write,
	.start_discard = llb_start_discard,
	.end_discard = llb_end_discard,
	.prepare_range = llb_prepare_range,
	.reshape_finish = llb_reshape_finish,
	.reshape_can_start = llb_reshape_can_start,
	.reshape_mark = llb_reshape_mark,

	.skip_sync_blocks = llb_skip_sync_blocks,
	.blocks_synced = llb_blocks_synced,
	.start_sync = llb_start_sync,
	.end_sync = llb_end_sync,
	.cond_end_sync = llb_cond_end_sync,
	.close_sync = llb_close_sync,

	.update_sb = llb_update_sb,
	.get_stats = llb_get_stats,

	.groups = llb_groups,
};

int md_llbitmap_init(void)
{
	int ret;

	llb_daemon_wq = alloc_workqueue("md_llbitmap_daemon",
					LLB_WQ_FLAGS, 0);
	if (!llb_daemon_wq)
		return -ENOMEM;
	llb_unplug_wq = alloc_workqueue("md_llbitmap_unplug",
					LLB_WQ_FLAGS, 0);
	if (!llb_unplug_wq) {
		ret = -ENOMEM;
		goto out_daemon;
	}
	ret = register_md_submodule(&llb_ops.head);
	if (ret)
		goto out_unplug;
	return 0;

out_unplug:
	destroy_workqueue(llb_unplug_wq);
	llb_unplug_wq = NULL;
out_daemon:
	destroy_workqueue(llb_daemon_wq);
	llb_daemon_wq = NULL;
	return ret;
}

void md_llbitmap_exit(void)
{
	unregister_md_submodule(&llb_ops.head);
	destroy_workqueue(llb_unplug_wq);
	llb_unplug_wq = NULL;
	destroy_workqueue(llb_daemon_wq);
	llb_daemon_wq = NULL;
}
