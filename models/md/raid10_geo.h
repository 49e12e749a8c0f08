// Where raid10 keeps each copy of an array sector, and back. The md model,
// the data oracle and the properties must all agree on placement, or a
// "lost write" is really two readers looking at different sectors; one pure
// helper (no kshim, no preemption points, no RNG) keeps them agreeing and
// can be tested against mdadm's documented tables on its own.
//
// Semantics follow md's raid10 personality for the classic layouts: near,
// far and offset copies with far sets spanning every disk (layout bit 17,
// mdadm's "use_far_sets", is not modelled). Sizes follow md as well, so the
// tail of a member that holds no whole stripe is left unused, as md leaves it.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace llsim {

struct Raid10Geo {
  static constexpr int kMaxDisks = 8;
  // Each copy lands on its own slot, so there are never more copies than disks.
  static constexpr int kMaxCopies = kMaxDisks;

  int disks = 2;                  // raid_disks
  int near_copies = 2, far_copies = 1;
  bool far_offset = false;
  uint32_t chunk_sectors = 128;   // power of two >= 8
  uint64_t dev_sectors = 0;       // per-member data sectors the layout uses (calc_sectors)
  uint64_t stride = 0;            // device distance between a chunk's far copies
  uint64_t array_sectors = 0;     // raid10_size

  // Refuses what md (or mdadm) would refuse, with a one-line reason, so a
  // bad trace header fails at parse time instead of deep in a run.
  static absl::StatusOr<Raid10Geo> For(int disks, int near, int far, bool offset,
                                       uint32_t chunk_sectors, uint64_t member_sectors);

  int Copies() const { return near_copies * far_copies; }

  struct Copy {
    int slot;
    uint64_t dev;  // relative to the member's data area
  };
  // Fixed capacity: mapping is on every IO path and should not allocate.
  struct CopyList {
    std::array<Copy, kMaxCopies> at{};
    int n = 0;
    int size() const { return n; }
    const Copy& operator[](int i) const { return at[i]; }
    const Copy* begin() const { return at.data(); }
    const Copy* end() const { return at.data() + n; }
  };

  // Every copy of array sector v, in raid10's order (near copies, each
  // followed by its far copies): md reads and resyncs with the first
  // readable one, so the order matters. Empty when v is past the array.
  CopyList Map(uint64_t v) const;
  // The array sector that slot `slot`'s device sector `dev` holds;
  // UINT64_MAX if none (the unused tail of a member, or out of range).
  uint64_t Virt(uint64_t dev, int slot) const;
  // Sectors from v to the end of v's chunk, capped at n: raid10 splits bios
  // at chunk ends unless every disk holds every chunk (near_copies == disks).
  uint64_t PieceLen(uint64_t v, uint64_t n) const;
  // md's "enough": with in_sync(slot) telling which slots hold a working
  // in-sync member, and `ignore` a slot to count as failed (-1: none), does
  // every chunk keep at least one copy? md refuses to fail a member (and to
  // start an array) when the answer would be no.
  bool Enough(const std::function<bool(int)>& in_sync, int ignore) const;

  // mdadm's layout name ("n2", "f2", "o3"; both parts when near and far
  // copies are both > 1, e.g. "n2f2", which mdadm itself cannot create).
  std::string Name() const;
  // The md superblock's layout word: near | far << 8 | offset << 16.
  int LayoutWord() const;
};

// mdadm's raid10 layout names: "nK" (near K), "fK" (far K), "oK" (offset K),
// K >= 2. Exactly one kind of copy is multiplied, as mdadm's names give.
absl::Status ParseRaid10Layout(std::string_view name, int* near, int* far, bool* offset);

}  // namespace llsim
