// raid4/5/6 placement and parity arithmetic; see raid5_geo.h. Written from
// md(4)'s description of the layouts and checked against mdadm's tables in
// properties/tests/raid5_geo_test.cc.
#include "models/md/raid5_geo.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"

namespace llsim {

absl::StatusOr<Raid5Geo> Raid5Geo::For(int level, int disks, Raid5Algo algo,
                                       uint32_t chunk_sectors, uint64_t member_sectors) {
  auto bad = [](std::string s) { return absl::InvalidArgumentError(s); };
  if (level != 4 && level != 5 && level != 6)
    return bad(absl::StrFormat("level %d is not a parity level (4, 5 or 6)", level));
  int min_disks = level == 6 ? 4 : 3;
  if (disks < min_disks || disks > kMaxDisks)
    return bad(absl::StrFormat("raid%d on %d disks: use %d to %d", level, disks, min_disks,
                               kMaxDisks));
  if (level == 4 && algo != Raid5Algo::kParityLast)
    return bad(absl::StrFormat("raid4 has one layout (parity last), not %s",
                               Raid5AlgoName(algo)));
  if (chunk_sectors < 8 || (chunk_sectors & (chunk_sectors - 1)))
    return bad(absl::StrFormat("raid%d chunk %u sectors: must be a power of two, at least 8",
                               level, chunk_sectors));
  Raid5Geo g;
  g.level = level;
  g.disks = disks;
  g.algo = algo;
  g.chunk_sectors = chunk_sectors;
  g.dev_sectors = member_sectors / chunk_sectors * chunk_sectors;
  if (g.dev_sectors == 0)
    return bad(absl::StrFormat("raid%d members of %d sectors hold no %u-sector chunk", level,
                               member_sectors, chunk_sectors));
  g.array_sectors = g.dev_sectors * g.DataDisks();
  return g;
}

int Raid5Geo::Row::DataIndexOf(int slot) const {
  if (slot == p || slot == q) return kNone;
  for (int i = 0; i < kMaxDisks; i++)
    if (data[i] == slot) return i;
  return kNone;
}

Raid5Geo::Row Raid5Geo::RowAt(uint64_t dev) const {
  Row row;
  int n = disks;
  int rot = (int)((dev / chunk_sectors) % (uint64_t)n);
  bool six = level == 6;
  // Where parity sits: rotating down from the last disk (left), up from
  // the first (right), or fixed.
  switch (level == 4 ? Raid5Algo::kParityLast : algo) {
    case Raid5Algo::kLeftAsymmetric:
    case Raid5Algo::kLeftSymmetric:
      row.p = n - 1 - rot;
      break;
    case Raid5Algo::kRightAsymmetric:
    case Raid5Algo::kRightSymmetric:
      row.p = rot;
      break;
    case Raid5Algo::kParityFirst:
      row.p = 0;
      break;
    case Raid5Algo::kParityLast:
      row.p = DataDisks();
      break;
  }
  if (six) row.q = (row.p + 1) % n;
  // Data follows the parity round the ring for the symmetric layouts, and
  // fills the remaining disks from the lowest for the others.
  bool symmetric = level != 4 && (algo == Raid5Algo::kLeftSymmetric ||
                                  algo == Raid5Algo::kRightSymmetric);
  int start = symmetric ? (six ? row.q : row.p) + 1 : 0;
  int k = 0;
  for (int i = 0; i < n && k < DataDisks(); i++) {
    int slot = (start + i) % n;
    if (slot == row.p || slot == row.q) continue;
    row.data[k++] = slot;
  }
  return row;
}

Raid5Geo::Place Raid5Geo::Map(uint64_t v) const {
  uint64_t chunk = v / chunk_sectors;
  uint64_t stripe = chunk / DataDisks();
  uint64_t dev = stripe * chunk_sectors + v % chunk_sectors;
  return {RowAt(dev).data[chunk % DataDisks()], dev};
}

uint64_t Raid5Geo::Virt(uint64_t dev, int slot) const {
  if (dev >= dev_sectors || slot < 0 || slot >= disks) return UINT64_MAX;
  int i = RowAt(dev).DataIndexOf(slot);
  if (i == kNone) return UINT64_MAX;
  uint64_t stripe = dev / chunk_sectors;
  return (stripe * DataDisks() + i) * chunk_sectors + dev % chunk_sectors;
}

uint64_t Raid5Geo::PieceLen(uint64_t v, uint64_t n) const {
  return std::min<uint64_t>(n, chunk_sectors - v % chunk_sectors);
}

void Raid5Geo::MemberRows(uint64_t v, uint64_t n, uint64_t* dev, uint64_t* len) const {
  uint64_t rs = RowSectors();
  uint64_t first = v / rs, end = (v + n + rs - 1) / rs;
  *dev = std::min(first * chunk_sectors, dev_sectors);
  *len = std::min(end * chunk_sectors, dev_sectors) - *dev;
}

std::string Raid5Geo::Name() const {
  std::string chunk = chunk_sectors % 2048 == 0 ? absl::StrFormat("%dM", chunk_sectors / 2048)
                                                : absl::StrFormat("%dK", chunk_sectors / 2);
  if (level == 4) return absl::StrFormat("raid4 chunk %s", chunk);
  return absl::StrFormat("raid%d %s chunk %s", level, Raid5AlgoName(algo), chunk);
}

const char* Raid5AlgoName(Raid5Algo a) {
  switch (a) {
    case Raid5Algo::kLeftAsymmetric: return "la";
    case Raid5Algo::kRightAsymmetric: return "ra";
    case Raid5Algo::kLeftSymmetric: return "ls";
    case Raid5Algo::kRightSymmetric: return "rs";
    case Raid5Algo::kParityFirst: return "pf";
    case Raid5Algo::kParityLast: return "pl";
  }
  return "?";
}

absl::Status ParseRaid5Algo(std::string_view name, Raid5Algo* out) {
  static const struct {
    const char *brief, *full;
    Raid5Algo algo;
  } kNames[] = {
      {"la", "left-asymmetric", Raid5Algo::kLeftAsymmetric},
      {"ra", "right-asymmetric", Raid5Algo::kRightAsymmetric},
      {"ls", "left-symmetric", Raid5Algo::kLeftSymmetric},
      {"rs", "right-symmetric", Raid5Algo::kRightSymmetric},
      {"pf", "parity-first", Raid5Algo::kParityFirst},
      {"pl", "parity-last", Raid5Algo::kParityLast},
  };
  for (const auto& n : kNames)
    if (name == n.brief || name == n.full) {
      *out = n.algo;
      return absl::OkStatus();
    }
  return absl::InvalidArgumentError(absl::StrFormat(
      "raid5 layout '%s': use la, ra, ls, rs, pf or pl (mdadm's left-asymmetric, "
      "right-asymmetric, left-symmetric, right-symmetric, parity-first, parity-last)",
      name));
}

namespace parity {
namespace {
struct Tables {
  uint8_t exp[512];
  uint8_t log[256];
  Tables() {
    int x = 1;
    for (int i = 0; i < 255; i++) {
      exp[i] = exp[i + 255] = (uint8_t)x;
      log[x] = (uint8_t)i;
      x <<= 1;
      if (x & 0x100) x ^= 0x11d;
    }
    exp[510] = exp[511] = exp[0];
    log[0] = 0;
  }
};
const Tables& T() {
  static const Tables t;
  return t;
}
uint8_t MulByte(uint8_t a, uint8_t b) {
  if (!a || !b) return 0;
  return T().exp[T().log[a] + T().log[b]];
}
}  // namespace

uint8_t Pow2(int i) { return T().exp[i % 255]; }

uint8_t Inv(uint8_t x) { return x ? T().exp[255 - T().log[x]] : 0; }

uint64_t Mul(uint64_t word, uint8_t factor) {
  uint64_t out = 0;
  for (int b = 0; b < 64; b += 8) out |= uint64_t{MulByte((uint8_t)(word >> b), factor)} << b;
  return out;
}

uint64_t Q(const uint64_t* data, int n) {
  uint64_t q = 0;
  for (int i = 0; i < n; i++) q ^= Mul(data[i], Pow2(i));
  return q;
}

void SolveTwo(uint64_t* data, int n, int a, int b, uint64_t p, uint64_t q) {
  uint64_t pxy = p, qxy = q;
  for (int i = 0; i < n; i++) {
    if (i == a || i == b) continue;
    pxy ^= data[i];
    qxy ^= Mul(data[i], Pow2(i));
  }
  // g^a*da + g^b*db = qxy, da + db = pxy  =>  da = (qxy + g^b*pxy) / (g^a + g^b)
  uint8_t denom = Inv(Pow2(a) ^ Pow2(b));
  data[a] = Mul(qxy ^ Mul(pxy, Pow2(b)), denom);
  data[b] = pxy ^ data[a];
}

uint64_t SolveFromQ(const uint64_t* data, int n, int a, uint64_t q) {
  uint64_t qx = q;
  for (int i = 0; i < n; i++)
    if (i != a) qx ^= Mul(data[i], Pow2(i));
  return Mul(qx, Inv(Pow2(a)));
}
}  // namespace parity

}  // namespace llsim
