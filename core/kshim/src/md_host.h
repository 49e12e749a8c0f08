// The md side of md.h: what a bitmap core asks of md (metadata IO, errors,
// thread wake-ups). The md model implements it on the simulated disks;
// tests implement small ones. The shim forwards md.h's C functions here.
#pragma once

#include "core/kshim/include/md-bitmap.h"

namespace llsim {

class MdHost {
 public:
  virtual ~MdHost() = default;
  virtual const char* Name(mddev* mddev) = 0;
  virtual void WakeupThread(md_thread* thread) = 0;
  virtual void Error(mddev* mddev, md_rdev* rdev) = 0;
  // Synchronous page IO; true on success (sync_page_io's contract).
  virtual bool SyncPageIo(md_rdev* rdev, sector_t sector, int size, page* pg, blk_opf_t opf,
                          bool metadata_op) = 0;
  // Asynchronous metadata write at an absolute sector (md_write_metadata).
  virtual void WriteMetadata(mddev* mddev, md_rdev* rdev, sector_t sector, int size, page* pg,
                             unsigned int offset) = 0;
  // Waits for every metadata write in flight; -EAGAIN if one must be redone.
  virtual int SuperWait(mddev* mddev) = 0;
  virtual void SysfsNotify(kernfs_node* kn) {}
  // blkdev_issue_flush on a member's device: synchronous, 0 or -errno.
  virtual int IssueFlush(block_device* bdev) { return -EOPNOTSUPP; }
  // blkdev_issue_zeroout on a member's device: writes zeroes to absolute
  // sectors [sector, sector + sectors) and waits for the device to
  // complete them (not for them to be durable); 0 or -errno.
  virtual int IssueZeroout(block_device* bdev, sector_t sector, sector_t sectors) {
    return -EOPNOTSUPP;
  }
};

}  // namespace llsim
