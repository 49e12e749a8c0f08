// md.h's helpers, forwarded to the md side (MdHost), plus the block-layer
// odds a bitmap core calls: plugs, zeroout, find_next_bit.
#include "absl/strings/str_cat.h"
#include "core/kshim/src/kshim.h"

using llsim::K;
using llsim::Kshim;
using llsim::MdHost;

namespace {

MdHost* HostFor(Kshim& k, const char* fn) {
  if (!k.Host()) k.Misuse(absl::StrCat(fn, " called with no md host attached"));
  return k.Host();
}

}  // namespace

extern "C" {

const char* mdname(struct mddev* mddev) {
  Kshim& k = K(__func__);
  MdHost* h = HostFor(k, __func__);
  return h ? h->Name(mddev) : "md?";
}

void md_wakeup_thread(struct md_thread* thread) {
  Kshim& k = K(__func__);
  if (MdHost* h = HostFor(k, __func__)) h->WakeupThread(thread);
}

void md_error(struct mddev* mddev, struct md_rdev* rdev) {
  Kshim& k = K(__func__);
  if (MdHost* h = HostFor(k, __func__)) h->Error(mddev, rdev);
}

bool sync_page_io(struct md_rdev* rdev, sector_t sector, int size, struct page* page,
                  blk_opf_t opf, bool metadata_op) {
  Kshim& k = K(__func__);
  MdHost* h = HostFor(k, __func__);
  return h && h->SyncPageIo(rdev, sector, size, page, opf, metadata_op);
}

void md_write_metadata(struct mddev* mddev, struct md_rdev* rdev, sector_t sector, int size,
                       struct page* page, unsigned int offset) {
  Kshim& k = K(__func__);
  if (MdHost* h = HostFor(k, __func__)) h->WriteMetadata(mddev, rdev, sector, size, page, offset);
}

// Older trees address the write relative to the member's superblock.
void md_super_write(struct mddev* mddev, struct md_rdev* rdev, sector_t sector, int size,
                    struct page* page) {
  Kshim& k = K(__func__);
  if (MdHost* h = HostFor(k, __func__))
    h->WriteMetadata(mddev, rdev, rdev->sb_start + sector, size, page, 0);
}

int md_super_wait(struct mddev* mddev) {
  Kshim& k = K(__func__);
  MdHost* h = HostFor(k, __func__);
  return h ? h->SuperWait(mddev) : 0;
}

void sysfs_notify_dirent_safe(struct kernfs_node* kn) {
  Kshim& k = K(__func__);
  if (MdHost* h = HostFor(k, __func__)) h->SysfsNotify(kn);
}

int register_md_submodule(struct md_submodule_head* msh) { return K(__func__).Register(msh); }

void unregister_md_submodule(struct md_submodule_head* msh) { K(__func__).Unregister(msh); }

// Plugging batches IO in the kernel; here it only marks points where
// another context may run.
void blk_start_plug(struct blk_plug* plug) { llsim_preempt(); }

void blk_finish_plug(struct blk_plug* plug) { llsim_preempt(); }

int blkdev_issue_flush(struct block_device* bdev) {
  Kshim& k = K(__func__);
  if (!k.MaySleep("blkdev_issue_flush")) return -EINVAL;
  k.OnPreempt();
  if (!k.Host()) {
    k.Misuse("blkdev_issue_flush with no md host");
    return -ENODEV;
  }
  return k.Host()->IssueFlush(bdev);
}

// llbitmap zeroes raid456 members at creation when every one offers
// write-zeroes with unmap. Like the kernel's, it sleeps until the device
// has completed the writes, which a volatile cache may still hold.
int blkdev_issue_zeroout(struct block_device* bdev, sector_t sector, sector_t nr_sects, gfp_t gfp,
                         unsigned int flags) {
  Kshim& k = K(__func__);
  if (!k.MaySleep("blkdev_issue_zeroout")) return -EINVAL;
  k.OnPreempt();
  if (!k.Host()) return -EOPNOTSUPP;
  return k.Host()->IssueZeroout(bdev, sector, nr_sects);
}

unsigned long find_next_bit(const unsigned long* addr, unsigned long size, unsigned long offset) {
  llsim_preempt();
  while (offset < size) {
    unsigned long word = addr[offset / BITS_PER_LONG] >> (offset % BITS_PER_LONG);
    if (word) {
      offset += (unsigned long)__builtin_ctzl(word);
      return offset < size ? offset : size;
    }
    offset = (offset / BITS_PER_LONG + 1) * BITS_PER_LONG;
  }
  return size;
}

}  // extern "C"
