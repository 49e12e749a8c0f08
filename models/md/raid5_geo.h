// Where raid4/5/6 keep each data block and the parity of its row, and the
// arithmetic on the values those blocks hold (P as XOR, Q as the RAID-6
// syndrome over GF(2^8)). Like raid10_geo.h, one pure helper (no kshim, no
// preemption points, no RNG) that the md model, the parity oracle and the
// tests share, so they cannot disagree about placement.
//
// Placement follows md's raid5 personality for the classic algorithms
// (md(4), mdadm's names): left/right asymmetric and symmetric, parity
// first and parity last (raid4 is always parity last). A row is one
// chunk-sized strip of every member at the same member sector; md's
// bitmap for these levels counts member sectors, so a bitmap chunk covers
// whole rows of every member at once.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace llsim {

enum class Raid5Algo : uint8_t {
  kLeftAsymmetric = 0,   // "la"
  kRightAsymmetric = 1,  // "ra"
  kLeftSymmetric = 2,    // "ls", mdadm's default
  kRightSymmetric = 3,   // "rs"
  kParityFirst = 4,      // "pf" (md's ALGORITHM_PARITY_0)
  kParityLast = 5,       // "pl" (ALGORITHM_PARITY_N; raid4's only layout)
};

struct Raid5Geo {
  static constexpr int kMaxDisks = 8;
  static constexpr int kNone = -1;

  int level = 5;  // 4, 5 or 6
  int disks = 3;  // raid_disks
  Raid5Algo algo = Raid5Algo::kLeftSymmetric;
  uint32_t chunk_sectors = 128;  // power of two >= 8
  uint64_t dev_sectors = 0;      // member data sectors in use (whole chunks)
  uint64_t array_sectors = 0;    // raid5_size

  static absl::StatusOr<Raid5Geo> For(int level, int disks, Raid5Algo algo,
                                      uint32_t chunk_sectors, uint64_t member_sectors);

  int Parities() const { return level == 6 ? 2 : 1; }
  int DataDisks() const { return disks - Parities(); }
  // Array sectors in one row of every data member.
  uint64_t RowSectors() const { return uint64_t{chunk_sectors} * DataDisks(); }

  // The roles of the members in the row at member sector `dev`: which slot
  // holds P, which Q (kNone below raid6), and which slot holds data index
  // 0..DataDisks()-1, in array order.
  struct Row {
    int p = kNone, q = kNone;
    std::array<int, kMaxDisks> data{};
    // The data index slot `slot` holds, kNone for a parity slot.
    int DataIndexOf(int slot) const;
  };
  Row RowAt(uint64_t dev) const;

  struct Place {
    int slot;
    uint64_t dev;  // member data-area sector
  };
  // Where array sector v lives (v < array_sectors).
  Place Map(uint64_t v) const;
  // The array sector slot `slot` holds at member sector `dev`, or UINT64_MAX
  // for a parity block (or past the end).
  uint64_t Virt(uint64_t dev, int slot) const;
  // Sectors from v to the end of v's chunk, capped at n: one member each.
  uint64_t PieceLen(uint64_t v, uint64_t n) const;
  // The member rows array range [v, v + n) touches, rounded out to whole
  // rows: [*dev, *dev + *len) in member sectors (raid5_bitmap_sector_map).
  void MemberRows(uint64_t v, uint64_t n, uint64_t* dev, uint64_t* len) const;

  std::string Name() const;  // "raid5 ls chunk 64K"
};

const char* Raid5AlgoName(Raid5Algo a);
absl::Status ParseRaid5Algo(std::string_view name, Raid5Algo* out);

// The values member blocks hold, one 64-bit word per sector. P is the XOR of
// the data words; Q is sum(g^i * d_i) over GF(2^8), byte by byte, g = 2 with
// RAID-6's polynomial 0x11d, so two lost words of a row can be solved for.
namespace parity {
uint64_t Mul(uint64_t word, uint8_t factor);  // each byte times factor
uint8_t Pow2(int i);                          // g^i
uint8_t Inv(uint8_t x);
uint64_t Q(const uint64_t* data, int n);
// Solves data indexes a < b of a row from the other data, P and Q.
void SolveTwo(uint64_t* data, int n, int a, int b, uint64_t p, uint64_t q);
// Solves data index a from the other data and Q (P lost too).
uint64_t SolveFromQ(const uint64_t* data, int n, int a, uint64_t q);
}  // namespace parity

}  // namespace llsim
