/* SPDX-License-Identifier: GPL-2.0 */
/*
 * llsim kernel shim: the block-layer and sysfs pieces a bitmap core sees.
 * Bitmap IO itself goes through md helpers (md.h), which the md model
 * implements on the simulated disks.
 */
#ifndef LLSIM_KBLOCK_H
#define LLSIM_KBLOCK_H

#include "kcompat.h"

#ifdef __cplusplus
extern "C" {
#endif

enum req_op {
	REQ_OP_READ = 0,
	REQ_OP_WRITE = 1,
	REQ_OP_FLUSH = 2,
	REQ_OP_DISCARD = 3,
	REQ_OP_WRITE_ZEROES = 9,
};
#define REQ_OP_BITS 8
#define REQ_OP_MASK ((1 << REQ_OP_BITS) - 1)
#define REQ_FAILFAST_DEV (1u << 8)
#define REQ_SYNC (1u << 11)
#define REQ_META (1u << 12)
#define REQ_PRIO (1u << 13)
#define REQ_IDLE (1u << 15)
#define REQ_FUA (1u << 17)
#define REQ_PREFLUSH (1u << 18)

struct block_device {
	const char *name;              /* printed by %pg */
	unsigned int logical_block_size;
	sector_t nr_sectors;
	sector_t write_zeroes_unmap_sectors;
	int llsim_disk;                /* simulated disk index, -1 for the array */
};

struct gendisk {
	struct block_device *part0;
	char disk_name[32];
};

struct blk_plug { int unused; };
void blk_start_plug(struct blk_plug *plug);
void blk_finish_plug(struct blk_plug *plug);

static inline unsigned int bdev_logical_block_size(struct block_device *bdev)
{
	return bdev->logical_block_size;
}
static inline sector_t bdev_nr_sectors(struct block_device *bdev) { return bdev->nr_sectors; }
static inline sector_t bdev_write_zeroes_unmap_sectors(struct block_device *bdev)
{
	return bdev->write_zeroes_unmap_sectors;
}
/*
 * Waits until everything the device completed before the call is on its
 * media (an empty PREFLUSH); 0 or -errno.
 */
int blkdev_issue_flush(struct block_device *bdev);
/*
 * Writes zeroes to a member's sectors and waits until the device completed
 * them (a volatile cache may still hold them); 0 or -errno. Offered by the
 * md model's members when the array is set up with wzeroes=1.
 */
int blkdev_issue_zeroout(struct block_device *bdev, sector_t sector, sector_t nr_sects,
			 gfp_t gfp, unsigned int flags);

struct attribute {
	const char *name;
	unsigned short mode;
};
struct attribute_group {
	const char *name;
	struct attribute **attrs;
};
struct kernfs_node;
void sysfs_notify_dirent_safe(struct kernfs_node *kn);
struct kobject { const char *name; };

#define __ATTR(_name, _mode, _show, _store) \
	{ .attr = { .name = #_name, .mode = (_mode) }, .show = (_show), .store = (_store) }
#define __ATTR_RO(_name) __ATTR(_name, 0444, _name##_show, NULL)
#define __ATTR_RW(_name) __ATTR(_name, 0644, _name##_show, _name##_store)
#define __ATTR_WO(_name) __ATTR(_name, 0200, NULL, _name##_store)
#define S_IRUGO 0444
/* The C library's <sys/stat.h> (which C++ code may see too) has its own. */
#ifndef S_IWUSR
#define S_IWUSR 0200
#endif

struct file;
struct seq_file;
struct module;
#define THIS_MODULE ((struct module *)0)
#define EXPORT_SYMBOL(s)
#define EXPORT_SYMBOL_GPL(s)
#define MODULE_LICENSE(s)
#define MODULE_DESCRIPTION(s)
#define MODULE_AUTHOR(s)
#define MODULE_ALIAS(s)
#define module_init(fn)
#define module_exit(fn)
#define module_param(name, type, perm)
#define MODULE_PARM_DESC(name, desc)

#ifdef __cplusplus
}
#endif
#endif /* LLSIM_KBLOCK_H */
