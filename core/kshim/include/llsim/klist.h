/* SPDX-License-Identifier: GPL-2.0 */
/* llsim kernel shim: intrusive doubly linked lists (struct list_head). */
#ifndef LLSIM_KLIST_H
#define LLSIM_KLIST_H

#include "kcompat.h"

struct list_head {
	struct list_head *next, *prev;
};

#define LIST_HEAD_INIT(name) { &(name), &(name) }
#define LIST_HEAD(name) struct list_head name = LIST_HEAD_INIT(name)

static inline void INIT_LIST_HEAD(struct list_head *h)
{
	h->next = h;
	h->prev = h;
}

static inline void llsim_list_link(struct list_head *n, struct list_head *before,
				   struct list_head *after)
{
	after->prev = n;
	n->next = after;
	n->prev = before;
	before->next = n;
}

static inline void list_add(struct list_head *n, struct list_head *head)
{
	llsim_list_link(n, head, head->next);
}

static inline void list_add_tail(struct list_head *n, struct list_head *head)
{
	llsim_list_link(n, head->prev, head);
}

static inline void list_del(struct list_head *e)
{
	e->next->prev = e->prev;
	e->prev->next = e->next;
	e->next = e->prev = NULL;
}

/*
 * As the kernel's: the entry's forward pointer stays valid, so a walker
 * standing on it (rdev_for_each in the bitmap's writeback, say) carries on
 * to what followed it. md removes members this way.
 */
static inline void list_del_rcu(struct list_head *e)
{
	e->next->prev = e->prev;
	e->prev->next = e->next;
	e->prev = NULL;
}

static inline void list_del_init(struct list_head *e)
{
	e->next->prev = e->prev;
	e->prev->next = e->next;
	INIT_LIST_HEAD(e);
}

static inline bool list_empty(const struct list_head *h) { return h->next == h; }

#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(ptr, type, member) list_entry((ptr)->next, type, member)
#define list_next_entry(pos, member) \
	list_entry((pos)->member.next, __typeof__(*(pos)), member)
#define list_for_each(pos, head) \
	for (pos = (head)->next; pos != (head); pos = pos->next)
#define list_for_each_entry(pos, head, member)                              \
	for (pos = list_first_entry(head, __typeof__(*pos), member);        \
	     &pos->member != (head); pos = list_next_entry(pos, member))
#define list_for_each_entry_safe(pos, n, head, member)                      \
	for (pos = list_first_entry(head, __typeof__(*pos), member),        \
	     n = list_next_entry(pos, member);                              \
	     &pos->member != (head); pos = n, n = list_next_entry(n, member))
#define list_for_each_entry_rcu(pos, head, member, ...) \
	list_for_each_entry(pos, head, member)

#endif /* LLSIM_KLIST_H */
