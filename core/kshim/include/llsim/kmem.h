/* SPDX-License-Identifier: GPL-2.0 */
/*
 * llsim kernel shim: kmalloc family, pages and kmap.
 *
 * Every allocation is tracked: a crash reclaims them all, a leak at
 * teardown is reported, freeing memory that still holds an armed timer or
 * a queued work item is reported, and allocations can be made to fail
 * (seeded) to drive a core's ENOMEM paths. ASan catches use after free.
 */
#ifndef LLSIM_KMEM_H
#define LLSIM_KMEM_H

#include "kcompat.h"

#ifdef __cplusplus
extern "C" {
#endif

#define __GFP_ZERO 0x100u
#define __GFP_NOWARN 0x200u
#define __GFP_NOFAIL 0x400u
#define GFP_KERNEL 0x1u
#define GFP_NOIO 0x2u
#define GFP_NOFS 0x4u
#define GFP_ATOMIC 0x8u
#define GFP_NOWAIT 0x10u
/*
 * Any allocation may fail (KshimConfig::alloc_fail_per_million), in any
 * context, unless __GFP_NOFAIL. One that may sleep (anything but
 * GFP_ATOMIC and GFP_NOWAIT) in atomic context is reported as sleeping
 * in atomic context.
 */

void *llsim_kmalloc(size_t size, gfp_t gfp, const char *site);
void kfree(const void *p);
void kvfree(const void *p);
#define kmalloc(size, gfp) llsim_kmalloc(size, gfp, LLSIM_SITE(__FILE__, __LINE__))
#define kzalloc(size, gfp) llsim_kmalloc(size, (gfp) | __GFP_ZERO, LLSIM_SITE(__FILE__, __LINE__))
#define kvmalloc kmalloc
#define kvzalloc kzalloc
#define kmalloc_array(n, size, gfp) kmalloc(array_size(n, size), gfp)
#define kcalloc(n, size, gfp) kzalloc(array_size(n, size), gfp)
#define kvcalloc kcalloc
#define kmalloc_array_node(n, size, gfp, node) kmalloc_array(n, size, gfp)
/* Newer trees: kzalloc_obj(obj) and kzalloc_obj(obj, gfp). */
#define kzalloc_obj(obj, ...) ((__typeof__(obj) *)kzalloc(sizeof(obj), GFP_KERNEL))
#define kmalloc_obj(obj, ...) ((__typeof__(obj) *)kmalloc(sizeof(obj), GFP_KERNEL))
#define kzalloc_objs(obj, n, ...) ((__typeof__(obj) *)kcalloc(n, sizeof(obj), GFP_KERNEL))
#define kcalloc_objs kzalloc_objs

struct page {
	void *virt;
	unsigned long LLSIM_PRIVATE;
};

struct page *llsim_alloc_page(gfp_t gfp, const char *site);
#define alloc_page(gfp) llsim_alloc_page(gfp, LLSIM_SITE(__FILE__, __LINE__))
void __free_page(struct page *page);
#define put_page __free_page
static inline void *page_address(const struct page *page) { return page->virt; }
/*
 * Mappings are checked: local ones (kmap_local_page, kmap_atomic) nest per
 * context and must be unmapped in reverse order by the context that made
 * them, before it ends (a work function or timer callback before it
 * returns); kmap_atomic also disables preemption (no sleeping until
 * kunmap_atomic); kmap may sleep; nothing may still be mapped at teardown.
 * Reports name the site that made the mapping.
 */
void *llsim_kmap_local_page(struct page *page, const char *site);
void *llsim_kmap_atomic(struct page *page, const char *site);
void llsim_kunmap_local(const void *addr, const char *how);
void *llsim_kmap(struct page *page, const char *site);
void kunmap(struct page *page);
#define kmap_local_page(pg) llsim_kmap_local_page(pg, LLSIM_SITE(__FILE__, __LINE__))
#define kmap_atomic(pg) llsim_kmap_atomic(pg, LLSIM_SITE(__FILE__, __LINE__))
#define kmap(pg) llsim_kmap(pg, LLSIM_SITE(__FILE__, __LINE__))
#define kunmap_local(addr) llsim_kunmap_local(addr, "kunmap_local")
#define kunmap_atomic(addr) llsim_kunmap_local(addr, "kunmap_atomic")

#ifdef __cplusplus
}
#endif
#endif /* LLSIM_KMEM_H */
