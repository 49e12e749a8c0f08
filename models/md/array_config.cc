// Array geometry checks and member layout; see array_config.h.
#include "models/md/array_config.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "models/md/raid10_geo.h"

namespace llsim {

absl::Status ArrayConfig::Validate() const {
  auto bad = [](std::string s) { return absl::InvalidArgumentError(s); };
  if (level != 1 && level != 10 && !Parity())
    return bad(absl::StrFormat("level=%d: the md model runs raid1, raid10 and raid4/5/6", level));
  if (level == 1 && (mirrors < 2 || mirrors > 4))
    return bad(absl::StrFormat("mirrors=%d: raid1 here takes 2 to 4 mirrors", mirrors));
  if (level == 10) {
    if (mirrors < 2 || mirrors + spares > 8)
      return bad(absl::StrFormat("mirrors=%d spares=%d: raid10 here takes 2 to 8 disks, "
                                 "spares included", mirrors, spares));
    auto geo = Raid10Geo::For(mirrors, near_copies, far_copies, far_offset, chunk_sectors,
                              dev_sectors);
    if (!geo.ok()) return bad(std::string(geo.status().message()));
    if (write_mostly || write_behind)
      return bad("write_mostly/write_behind: raid10 has neither (raid1 only)");
    if (dev_sectors % chunk_sectors || (max_dev_sectors && max_dev_sectors % chunk_sectors))
      return bad(absl::StrFormat("size %d sectors: raid10 members are whole chunks of %d",
                                 dev_sectors, chunk_sectors));
  }
  if (!Parity() && !consistency_policy.empty())
    return bad(absl::StrFormat("policy=%s: a journal or PPL is raid4/5/6's", consistency_policy));
  if (Parity()) {
    if (mirrors + spares > Raid5Geo::kMaxDisks)
      return bad(absl::StrFormat("mirrors=%d spares=%d: raid%d here takes at most %d disks, "
                                 "spares included", mirrors, spares, level, Raid5Geo::kMaxDisks));
    auto geo = Raid5Geo::For(level, mirrors, raid5_algo, chunk_sectors, dev_sectors);
    if (!geo.ok()) return bad(std::string(geo.status().message()));
    if (write_mostly || write_behind)
      return bad(absl::StrFormat("write_mostly/write_behind: raid%d has neither (raid1 only)",
                                 level));
    if (!consistency_policy.empty() && consistency_policy != "journal" &&
        consistency_policy != "ppl")
      return bad(absl::StrFormat("policy=%s: the consistency policy is journal or ppl (absent: "
                                 "resync)", consistency_policy));
    if (dev_sectors % chunk_sectors || (max_dev_sectors && max_dev_sectors % chunk_sectors))
      return bad(absl::StrFormat("size %d sectors: raid%d members are whole chunks of %d",
                                 dev_sectors, level, chunk_sectors));
  }
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
  if (spare_extra_sectors % 8 || spare_extra_sectors > (1ull << 30))
    return bad(absl::StrFormat("spare_extra %d sectors: a multiple of 8, at most 2^30",
                               spare_extra_sectors));
  if (metadata_minor < 0 || metadata_minor > 2)
    return bad(absl::StrFormat("metadata 1.%d: use 1.0, 1.1 or 1.2", metadata_minor));
  if (write_mostly >> (mirrors + spares))
    return bad(absl::StrFormat("write_mostly=%d flags a disk the array does not have",
                               write_mostly));
  if (write_behind > 16383) return bad("write_behind above 16383 (mdadm's limit)");
  if (slow_write_mostly < 1 || slow_write_mostly > 1000) return bad("slow_write_mostly: use 1..1000");
  return absl::OkStatus();
}

std::string ArrayConfig::LayoutName() const {
  if (Parity()) return Raid5AlgoName(level == 4 ? Raid5Algo::kParityLast : raid5_algo);
  if (far_copies > 1) return absl::StrCat(far_offset ? "o" : "f", far_copies);
  return absl::StrCat("n", near_copies);
}

std::string ArrayConfig::LevelName() const {
  if (Parity()) {
    auto geo = Raid5Geo::For(level, mirrors, raid5_algo, chunk_sectors, dev_sectors);
    return geo.ok() ? geo->Name() : absl::StrCat("raid", level);
  }
  if (level != 10) return "raid1";
  return absl::StrFormat("raid10 %s chunk %dK", LayoutName(), chunk_sectors / 2);
}

uint64_t ArraySectors(const ArrayConfig& cfg) {
  if (cfg.Parity()) {
    auto geo = Raid5Geo::For(cfg.level, cfg.mirrors, cfg.raid5_algo, cfg.chunk_sectors,
                             cfg.dev_sectors);
    return geo.ok() ? geo->array_sectors : 0;
  }
  if (cfg.level != 10) return cfg.dev_sectors;
  auto geo = Raid10Geo::For(cfg.mirrors, cfg.near_copies, cfg.far_copies, cfg.far_offset,
                            cfg.chunk_sectors, cfg.dev_sectors);
  return geo.ok() ? geo->array_sectors : 0;
}

uint64_t BitmapSectors(const ArrayConfig& cfg) {
  return cfg.Parity() ? cfg.dev_sectors / cfg.chunk_sectors * cfg.chunk_sectors
                      : ArraySectors(cfg);
}

const char* MetadataName(int minor) {
  static const char* names[] = {"1.0", "1.1", "1.2"};
  return minor >= 0 && minor <= 2 ? names[minor] : "1.?";
}

MemberLayout MemberLayout::For(const ArrayConfig& cfg, int disk) {
  MemberLayout l;
  l.metadata_minor = cfg.metadata_minor;
  l.bitmap_space = cfg.bitmap_space;
  uint64_t max = cfg.max_dev_sectors ? cfg.max_dev_sectors : 2 * cfg.dev_sectors;
  // A bigger spare: mdadm gives it all of its room (data_size).
  if (disk >= cfg.mirrors) max += cfg.spare_extra_sectors;
  if (cfg.metadata_minor == 0) {
    // 1.0: data from sector 0, the bitmap right below the superblock (a
    // negative offset), the superblock 8 to 12 KiB before the end of the
    // member, on a 4 KiB boundary (super_1_load). mdadm also leaves an
    // 8-sector bad-block log between bitmap and superblock, inside what
    // md counts as the bitmap's space; the model has no bad-block log, so
    // the region here is all of that space. The member is sized so that
    // the data area ends where the bitmap begins (data_size).
    uint64_t bitmap_start = (max + 7) / 8 * 8;
    l.data_offset = 0;
    l.sb_start = bitmap_start + l.bitmap_space;
    l.bitmap_offset = -(int64_t)l.bitmap_space;
    l.capacity = l.sb_start + 16;  // super_1_load: (size - 16) & ~7 is sb_start
    l.data_sectors = bitmap_start;
    l.meta_head = 0;
    l.meta_tail = bitmap_start;
    return l;
  }
  // 1.1: superblock at sector 0; 1.2: 4 KiB in. The bitmap 4 KiB after it.
  l.sb_start = cfg.metadata_minor == 1 ? 0 : 8;
  l.bitmap_offset = 8;
  uint64_t end = l.sb_start + l.bitmap_offset + l.bitmap_space;
  l.data_offset = (end + 2047) / 2048 * 2048;  // 1 MiB aligned, as mdadm does
  l.capacity = l.data_offset + max;
  l.data_sectors = max;
  l.meta_head = l.data_offset;
  // raid4/5/6: the room between the bitmap and the data is where a
  // reshape moves the data to (mdadm's head room), so it holds data stamps.
  if (cfg.Parity()) l.meta_head = (end + 7) / 8 * 8;
  // raid10 likewise, but only the last 512 KiB before the data: a core
  // that writes its bitmap past the space md reserved (FINDINGS.md F1, a
  // sector or two) still meets the metadata area there, and is reported as
  // such, not as a stamp-less data write.
  if (cfg.level == 10)
    l.meta_head = std::max<uint64_t>((end + 7) / 8 * 8, l.data_offset - std::min<uint64_t>(l.data_offset, 1024));
  return l;
}

}  // namespace llsim
