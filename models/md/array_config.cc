// Array geometry checks and member layout; see array_config.h.
#include "models/md/array_config.h"

#include "absl/strings/str_format.h"

namespace llsim {

absl::Status ArrayConfig::Validate() const {
  auto bad = [](std::string s) { return absl::InvalidArgumentError(s); };
  if (mirrors < 2 || mirrors > 4)
    return bad(absl::StrFormat("mirrors=%d: raid1 here takes 2 to 4 mirrors", mirrors));
  if (logical_block_size != 512 && logical_block_size != 4096)
    return bad(absl::StrFormat("logical block size %d: use 512 or 4096", logical_block_size));
  uint64_t bs = logical_block_size / 512;
  if (dev_sectors == 0 || dev_sectors % bs)
    return bad(absl::StrFormat("size %d sectors: must be a non-zero multiple of the %d-byte "
                               "logical block", dev_sectors, logical_block_size));
  if (max_dev_sectors && (max_dev_sectors < dev_sectors || max_dev_sectors % bs))
    return bad(absl::StrFormat("max size %d sectors: must be >= size and block aligned",
                               max_dev_sectors));
  // Disks store what was written, so size costs nothing; the cap keeps
  // sector arithmetic (and a member's md metadata in front) far from overflow.
  if (dev_sectors > kMaxMemberSectors || max_dev_sectors > kMaxMemberSectors)
    return bad(absl::StrFormat("size %d sectors (max %d): the simulator caps members at 16 TiB",
                               dev_sectors, max_dev_sectors));
  if (bitmap_space < 8 || bitmap_space % 8)
    return bad(absl::StrFormat("bitmap space %d sectors: needs at least 8, a multiple of 8",
                               bitmap_space));
  if (daemon_sleep < 1 || daemon_sleep > 3600)
    return bad(absl::StrFormat("daemon_sleep %d s: use 1..3600", daemon_sleep));
  if (barrier_idle > 3600) return bad("barrier_idle above 3600 s");
  if (spares < 0 || spares > 4) return bad("spares: use 0..4");
  if (write_mostly >> (mirrors + spares))
    return bad(absl::StrFormat("write_mostly=%d flags a disk the array does not have",
                               write_mostly));
  if (write_behind > 16383) return bad("write_behind above 16383 (mdadm's limit)");
  if (slow_write_mostly < 1 || slow_write_mostly > 1000) return bad("slow_write_mostly: use 1..1000");
  return absl::OkStatus();
}

MemberLayout MemberLayout::For(const ArrayConfig& cfg) {
  MemberLayout l;
  l.bitmap_space = cfg.bitmap_space;
  uint64_t end = l.sb_start + l.bitmap_offset + l.bitmap_space;
  l.data_offset = (end + 2047) / 2048 * 2048;  // 1 MiB aligned, as mdadm does
  uint64_t max = cfg.max_dev_sectors ? cfg.max_dev_sectors : 2 * cfg.dev_sectors;
  l.capacity = l.data_offset + max;
  return l;
}

}  // namespace llsim
