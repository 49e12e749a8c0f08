/* SPDX-License-Identifier: GPL-2.0 */
/*
 * llsim's md.h: the parts of md's core structures and helpers that a bitmap
 * core touches, with the kernel's names so an unmodified md-llbitmap.c
 * compiles against it. The md model (models/md) owns these objects and
 * implements the helpers on the simulated disks; see md-contract.md.
 */
#ifndef LLSIM_MD_H
#define LLSIM_MD_H

#include "llsim/kapi.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MaxSector (~(sector_t)0)

struct mddev;
struct md_rdev;
struct md_thread;
struct bitmap_operations;

/* rdev->flags bits */
enum flag_bits {
	Faulty,
	In_sync,
	Bitmap_sync,
	WriteMostly,
	AutoDetected,
	Blocked,
	WriteErrorSeen,
	FaultRecorded,
	BlockedBadBlocks,
	WantReplacement,
	Replacement,
	Candidate,
	Journal,
	ClusterRemove,
	ExternalBbl,
	FailFast,
	LastDev,
	CollisionCheck,
	Holder,
};

/* mddev->flags bits */
enum mddev_flags {
	MD_ARRAY_FIRST_USE,
	MD_CLOSING,
	MD_JOURNAL_CLEAN,
	MD_HAS_JOURNAL,
	MD_CLUSTER_RESYNC_LOCKED,
	MD_FAILFAST_SUPPORTED,
	MD_HAS_PPL,
	MD_HAS_MULTIPLE_PPLS,
	MD_NOT_READY,
	MD_BROKEN,
	MD_DELETED,
	MD_FAILLAST_DEV,
};

/* mddev->sb_flags bits */
enum mddev_sb_flags {
	MD_SB_CHANGE_DEVS,
	MD_SB_CHANGE_CLEAN,
	MD_SB_CHANGE_PENDING,
	MD_SB_NEED_REWRITE,
};

/* mddev->recovery bits */
enum recovery_flags {
	MD_RECOVERY_RUNNING,
	MD_RECOVERY_SYNC,
	MD_RECOVERY_RECOVER,
	MD_RECOVERY_INTR,
	MD_RECOVERY_DONE,
	MD_RECOVERY_NEEDED,
	MD_RECOVERY_REQUESTED,
	MD_RECOVERY_CHECK,
	MD_RECOVERY_RESHAPE,
	MD_RECOVERY_FROZEN,
	MD_RECOVERY_ERROR,
	MD_RECOVERY_WAIT,
	MD_RESYNCING_REMOTE,
	MD_RECOVERY_LAZY_RECOVER,
};

enum md_submodule_type {
	MD_PERSONALITY = 0,
	MD_CLUSTER,
	MD_BITMAP,
};

enum md_submodule_id {
	ID_LINEAR = -1,
	ID_RAID0 = 0,
	ID_RAID1 = 1,
	ID_RAID4 = 4,
	ID_RAID5 = 5,
	ID_RAID6 = 6,
	ID_RAID10 = 10,
	ID_CLUSTER,
	ID_BITMAP,
	ID_LLBITMAP,
	ID_BITMAP_NONE,
};

struct md_submodule_head {
	enum md_submodule_type type;
	enum md_submodule_id id;
	const char *name;
	struct module *owner;
};

struct md_rdev {
	struct list_head same_set;
	sector_t sectors;
	struct mddev *mddev;
	struct block_device *bdev;
	struct block_device *meta_bdev;
	sector_t sb_start;
	sector_t data_offset;
	sector_t new_data_offset;
	sector_t recovery_offset;
	int raid_disk;
	int saved_raid_disk;
	int desc_nr;
	unsigned long flags;
	atomic_t nr_pending;
	u64 sb_events;
	/* which simulated disk backs this member */
	int llsim_disk;
};

#define rdev_for_each(rdev, mddev) \
	list_for_each_entry(rdev, &((mddev)->disks), same_set)
#define rdev_for_each_rcu rdev_for_each
#define rdev_for_each_safe(rdev, tmp, mddev) \
	list_for_each_entry_safe(rdev, tmp, &((mddev)->disks), same_set)

struct md_personality {
	struct md_submodule_head head;
	void (*quiesce)(struct mddev *mddev, int quiesce);
	/* raid456 / raid10 geometry hooks; NULL for raid1 */
	void (*bitmap_sector)(struct mddev *mddev, sector_t *offset, unsigned long *sectors);
	void (*bitmap_sector_map)(struct mddev *mddev, sector_t *offset, unsigned long *sectors,
				  bool previous);
	sector_t (*bitmap_sync_size)(struct mddev *mddev, bool previous);
	sector_t (*bitmap_array_sectors)(struct mddev *mddev, bool previous);
};

struct mddev {
	void *LLSIM_PRIVATE;
	struct md_personality *pers;
	struct gendisk *gendisk;
	struct md_thread *thread;
	struct md_thread *sync_thread;
	struct list_head disks;
	unsigned long flags;
	unsigned long sb_flags;
	unsigned long recovery;
	int persistent;
	int external;
	int level, layout, chunk_sectors;
	int new_level, new_layout, new_chunk_sectors;
	int delta_disks;
	int raid_disks;
	int degraded;
	int in_sync;
	int ro;
	char uuid[16];
	u64 events;
	int can_decrease_events;
	sector_t dev_sectors;
	sector_t array_sectors;
	sector_t resync_max_sectors;
	sector_t resync_offset;
	sector_t recovery_cp;
	sector_t reshape_position;
	int reshape_backwards;
	sector_t curr_resync;
	sector_t curr_resync_completed;
	atomic_t recovery_active;
	wait_queue_head_t recovery_wait;
	wait_queue_head_t sb_wait;
	atomic_t pending_writes;
	struct kernfs_node *sysfs_completed;
	struct kernfs_node *sysfs_action;
	void *bitmap;
	const struct bitmap_operations *bitmap_ops;
	enum md_submodule_id bitmap_id;
	struct mddev_bitmap_info {
		struct file *file;
		llsim_loff_t offset;
		unsigned long space;
		llsim_loff_t default_offset;
		unsigned long default_space;
		struct mutex mutex;
		unsigned long chunksize;
		unsigned long daemon_sleep;
		unsigned long max_write_behind;
		int external;
		int nodes;
		char cluster_name[64];
	} bitmap_info;
	/* the model's own state, for its callbacks */
	void *llsim_model;
};

struct md_sysfs_entry {
	struct attribute attr;
	ssize_t (*show)(struct mddev *mddev, char *page);
	ssize_t (*store)(struct mddev *mddev, const char *page, size_t len);
};

static inline bool raid_is_456(struct mddev *mddev)
{
	return mddev->level == ID_RAID4 || mddev->level == ID_RAID5 ||
	       mddev->level == ID_RAID6;
}
#define raid_has_parity raid_is_456

static inline bool mddev_is_dm(struct mddev *mddev) { return !mddev->gendisk; }
static inline bool mddev_is_clustered(struct mddev *mddev) { return false; }

/* Implemented by the md model (models/md), on the simulated disks. */
const char *mdname(struct mddev *mddev);
void md_wakeup_thread(struct md_thread *thread);
void md_error(struct mddev *mddev, struct md_rdev *rdev);
bool sync_page_io(struct md_rdev *rdev, sector_t sector, int size, struct page *page,
		  blk_opf_t opf, bool metadata_op);
void md_write_metadata(struct mddev *mddev, struct md_rdev *rdev, sector_t sector, int size,
		       struct page *page, unsigned int offset);
/* Older trees' name for md_write_metadata, without the sb_start base. */
void md_super_write(struct mddev *mddev, struct md_rdev *rdev, sector_t sector, int size,
		    struct page *page);
int md_super_wait(struct mddev *mddev);
int register_md_submodule(struct md_submodule_head *msh);
void unregister_md_submodule(struct md_submodule_head *msh);

#ifdef __cplusplus
}
#endif
#endif /* LLSIM_MD_H */
