/* SPDX-License-Identifier: GPL-2.0 */
/*
 * llsim's md-bitmap.h: the on-disk bitmap superblock and the bitmap
 * operations table md calls, as a superset of every upstream variant. The
 * members whose type differs between trees are chosen by the build's
 * compile probes (core/probes): LLSIM_WAIT_BEHIND_NOWAIT and
 * LLSIM_PREPARE_RANGE_DISCARD.
 */
#ifndef LLSIM_MD_BITMAP_H
#define LLSIM_MD_BITMAP_H

#include "md.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BITMAP_MAGIC 0x6d746962
#define BITMAP_MAJOR_LO 3
#define BITMAP_MAJOR_HI 4
#define BITMAP_MAJOR_CLUSTERED 5
#define BITMAP_MAJOR_LOCKLESS 6

enum bitmap_state {
	BITMAP_STALE = 1,
	BITMAP_WRITE_ERROR = 2,
	BITMAP_FIRST_USE = 3,
	BITMAP_CLEAN = 4,
	BITMAP_DAEMON_BUSY = 5,
	BITMAP_SHUTDOWN = 6,
	BITMAP_HOSTENDIAN = 15,
};

/* The 256-byte superblock at the start of the bitmap region. */
typedef struct bitmap_super_s {
	__le32 magic;
	__le32 version;
	__u8 uuid[16];
	__le64 events;
	__le64 events_cleared;
	__le64 sync_size;
	__le32 state;
	__le32 chunksize;
	__le32 daemon_sleep;
	__le32 write_behind;
	__le32 sectors_reserved;
	__le32 nodes;
	__u8 cluster_name[64];
	__u8 pad[256 - 136];
} bitmap_super_t;

LLSIM_STATIC_ASSERT(sizeof(bitmap_super_t) == 256, "bitmap superblock is 256 bytes");

struct md_bitmap_stats {
	u64 events_cleared;
	int behind_writes;
	bool behind_wait;
	unsigned long missing_pages;
	unsigned long file_pages;
	unsigned long sync_size;
	unsigned long pages;
	struct file *file;
};

typedef void (md_bitmap_fn)(struct mddev *mddev, sector_t offset, unsigned long sectors);

#ifndef LLSIM_WAIT_BEHIND_NOWAIT
#define LLSIM_WAIT_BEHIND_NOWAIT 0
#endif
#ifndef LLSIM_PREPARE_RANGE_DISCARD
#define LLSIM_PREPARE_RANGE_DISCARD 1
#endif

struct bitmap_operations {
	struct md_submodule_head head;

	bool (*enabled)(void *data, bool flush);
	int (*create)(struct mddev *mddev);
	int (*resize)(struct mddev *mddev, sector_t blocks, int chunksize);
	int (*load)(struct mddev *mddev);
	void (*destroy)(struct mddev *mddev);
	void (*flush)(struct mddev *mddev);
	void (*write_all)(struct mddev *mddev);
	void (*dirty_bits)(struct mddev *mddev, unsigned long s, unsigned long e);
	void (*unplug)(struct mddev *mddev, bool sync);
	void (*daemon_work)(struct mddev *mddev);

	void (*start_behind_write)(struct mddev *mddev);
	void (*end_behind_write)(struct mddev *mddev);
#if LLSIM_WAIT_BEHIND_NOWAIT
	bool (*wait_behind_writes)(struct mddev *mddev, bool nowait);
#else
	void (*wait_behind_writes)(struct mddev *mddev);
#endif

	md_bitmap_fn *start_write;
	md_bitmap_fn *end_write;
	md_bitmap_fn *start_discard;
	md_bitmap_fn *end_discard;
#if LLSIM_PREPARE_RANGE_DISCARD
	void (*prepare_range)(struct mddev *mddev, sector_t *offset, unsigned long *sectors,
			      bool discard);
#else
	void (*prepare_range)(struct mddev *mddev, sector_t *offset, unsigned long *sectors);
#endif
	void (*reshape_finish)(struct mddev *mddev);
	int (*reshape_can_start)(struct mddev *mddev);
	void (*reshape_mark)(struct mddev *mddev, sector_t old_pos, sector_t new_pos);

	sector_t (*skip_sync_blocks)(struct mddev *mddev, sector_t offset);
	bool (*blocks_synced)(struct mddev *mddev, sector_t offset);
	bool (*start_sync)(struct mddev *mddev, sector_t offset, sector_t *blocks, bool degraded);
	void (*end_sync)(struct mddev *mddev, sector_t offset, sector_t *blocks);
	void (*cond_end_sync)(struct mddev *mddev, sector_t sector, bool force);
	void (*close_sync)(struct mddev *mddev);

	void (*update_sb)(void *data);
	int (*get_stats)(void *data, struct md_bitmap_stats *stats);

	void (*sync_with_cluster)(struct mddev *mddev, sector_t old_lo, sector_t old_hi,
				  sector_t new_lo, sector_t new_hi);
	void *(*get_from_slot)(struct mddev *mddev, int slot);
	int (*copy_from_slot)(struct mddev *mddev, int slot, sector_t *lo, sector_t *hi,
			      bool clear_bits);
	void (*set_pages)(void *data, unsigned long pages);
	void (*free)(void *data);

	/* sysfs: older trees name one group, newer ones a NULL-ended list */
	const struct attribute_group *group;
	const struct attribute_group **groups;
};

int md_llbitmap_init(void);
void md_llbitmap_exit(void);

#ifdef __cplusplus
}
#endif
#endif /* LLSIM_MD_BITMAP_H */
