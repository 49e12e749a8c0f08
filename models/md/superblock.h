// llsim's own md member superblock (not md's 1.x format; only what the
// model needs): array identity, events, size, clean/resync state, this
// member's role and recovery progress, and every member's role as this
// member last knew it. Little-endian, one 4 KiB block at sb_start.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace llsim {

constexpr uint32_t kMdSbMagic = 0x4d534c4c;  // "LLSM"
constexpr uint32_t kMdSbBytes = 4096;
constexpr int kMaxMembers = 8;
constexpr uint16_t kRoleSpare = 0xffff;
constexpr uint16_t kRoleFaulty = 0xfffe;
// The bad-block log each member's superblock carries (md's rdev
// badblocks, acknowledged once written): ranges of its data area, in
// sectors, that hold no valid data. Fewer than md's 512, to fit the block.
constexpr int kMaxBadBlocks = 64;

struct MdSuperblock {
  std::array<uint8_t, 16> uuid{};
  uint64_t events = 0;
  uint64_t dev_sectors = 0;
  uint64_t resync_offset = 0;     // MaxSector (~0) when clean
  uint64_t recovery_offset = ~0ull;
  uint32_t raid_disks = 0;
  uint32_t desc_nr = 0;           // which member this is
  uint16_t role = kRoleSpare;     // slot, or spare/faulty
  bool clean = false;
  // MD_FEATURE_RECOVERY_BITMAP: this member's unfinished recovery copies
  // only what the bitmap names (a re-add); else it needs everything.
  bool recovery_bitmap = false;
  // MD_FEATURE_REPLACEMENT: this member is being recovered as the
  // replacement of the member in the same slot (mdadm --replace).
  bool replacement = false;
  // raid4/5/6 reshape (mdadm --grow --raid-devices): where the data area
  // starts (0: the layout's own, as before any reshape), and while one
  // runs, reshape_position (array sectors done), the members added and
  // where the old data area starts.
  uint64_t data_offset = 0;
  bool reshape = false;
  int8_t delta_disks = 0;
  uint64_t reshape_position = 0;
  uint64_t prev_data_offset = 0;
  // raid4/5/6 chunk size in sectors (0: the array's as created), and while
  // a reshape runs, the old one.
  uint32_t chunk_sectors = 0, prev_chunk_sectors = 0;
  std::array<uint16_t, kMaxMembers> roles{};  // role of member desc_nr i
  // This member's bad blocks: (first sector, sectors), data-area relative.
  std::vector<std::pair<uint64_t, uint64_t>> bad_blocks;

  std::vector<uint8_t> Encode() const;
  static std::optional<MdSuperblock> Decode(const std::vector<uint8_t>& bytes);
};

}  // namespace llsim
