// llsim's md member superblock encoding; see superblock.h.
#include "models/md/superblock.h"

#include <algorithm>
#include <cstring>

namespace llsim {
namespace {

void Put(std::vector<uint8_t>& b, size_t off, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; i++) b[off + i] = (uint8_t)(v >> (8 * i));
}
uint64_t Get(const std::vector<uint8_t>& b, size_t off, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; i++) v |= (uint64_t)b[off + i] << (8 * i);
  return v;
}

// Field offsets: magic 0, uuid 8, events 24, dev_sectors 32, resync 40,
// recovery 48, raid_disks 56, desc_nr 60, role 64, clean 66, recovery_bitmap 67,
// replacement 68, reshape 69, delta_disks 70,
// roles 72, data_offset 88, reshape_position 96, prev_data_offset 104,
// chunk_sectors 112, prev_chunk_sectors 116, bad-block count 128, bad blocks 136 (16 bytes each). A log with no
// entry encodes as every superblock did before it existed.
}  // namespace

std::vector<uint8_t> MdSuperblock::Encode() const {
  std::vector<uint8_t> b(kMdSbBytes, 0);
  Put(b, 0, kMdSbMagic, 4);
  std::memcpy(&b[8], uuid.data(), 16);
  Put(b, 24, events, 8);
  Put(b, 32, dev_sectors, 8);
  Put(b, 40, resync_offset, 8);
  Put(b, 48, recovery_offset, 8);
  Put(b, 56, raid_disks, 4);
  Put(b, 60, desc_nr, 4);
  Put(b, 64, role, 2);
  Put(b, 66, clean, 1);
  Put(b, 67, recovery_bitmap, 1);
  Put(b, 68, replacement, 1);
  Put(b, 69, reshape, 1);
  Put(b, 70, (uint8_t)delta_disks, 1);
  Put(b, 88, data_offset, 8);
  Put(b, 96, reshape_position, 8);
  Put(b, 104, prev_data_offset, 8);
  Put(b, 112, chunk_sectors, 4);
  Put(b, 116, prev_chunk_sectors, 4);
  for (int i = 0; i < kMaxMembers; i++) Put(b, 72 + 2 * i, roles[i], 2);
  size_t n = std::min<size_t>(bad_blocks.size(), kMaxBadBlocks);
  Put(b, 128, n, 4);
  for (size_t i = 0; i < n; i++) {
    Put(b, 136 + 16 * i, bad_blocks[i].first, 8);
    Put(b, 144 + 16 * i, bad_blocks[i].second, 8);
  }
  return b;
}

std::optional<MdSuperblock> MdSuperblock::Decode(const std::vector<uint8_t>& b) {
  if (b.size() < 128 || Get(b, 0, 4) != kMdSbMagic) return std::nullopt;
  MdSuperblock sb;
  std::memcpy(sb.uuid.data(), &b[8], 16);
  sb.events = Get(b, 24, 8);
  sb.dev_sectors = Get(b, 32, 8);
  sb.resync_offset = Get(b, 40, 8);
  sb.recovery_offset = Get(b, 48, 8);
  sb.raid_disks = (uint32_t)Get(b, 56, 4);
  sb.desc_nr = (uint32_t)Get(b, 60, 4);
  sb.role = (uint16_t)Get(b, 64, 2);
  sb.clean = Get(b, 66, 1) != 0;
  sb.recovery_bitmap = Get(b, 67, 1) != 0;
  sb.replacement = Get(b, 68, 1) != 0;
  sb.reshape = Get(b, 69, 1) != 0;
  sb.delta_disks = (int8_t)Get(b, 70, 1);
  sb.data_offset = Get(b, 88, 8);
  sb.reshape_position = Get(b, 96, 8);
  sb.prev_data_offset = Get(b, 104, 8);
  sb.chunk_sectors = (uint32_t)Get(b, 112, 4);
  sb.prev_chunk_sectors = (uint32_t)Get(b, 116, 4);
  for (int i = 0; i < kMaxMembers; i++) sb.roles[i] = (uint16_t)Get(b, 72 + 2 * i, 2);
  uint64_t n = b.size() >= kMdSbBytes ? Get(b, 128, 4) : 0;
  if (n > kMaxBadBlocks) return std::nullopt;
  for (uint64_t i = 0; i < n; i++)
    sb.bad_blocks.emplace_back(Get(b, 136 + 16 * i, 8), Get(b, 144 + 16 * i, 8));
  if (sb.raid_disks == 0 || sb.raid_disks > kMaxMembers || sb.desc_nr >= kMaxMembers)
    return std::nullopt;
  return sb;
}

}  // namespace llsim
