// raid10 placement arithmetic; see raid10_geo.h. Written from md's
// documented behaviour (md(4), raid10.c's layout notes) and checked against
// mdadm's tables in properties/tests/raid10_geo_test.cc.
#include "models/md/raid10_geo.h"

#include <algorithm>
#include <numeric>

#include "absl/strings/str_format.h"

namespace llsim {

absl::StatusOr<Raid10Geo> Raid10Geo::For(int disks, int near, int far, bool offset,
                                         uint32_t chunk_sectors, uint64_t member_sectors) {
  auto bad = [](std::string s) { return absl::InvalidArgumentError(s); };
  if (disks < 2 || disks > kMaxDisks)
    return bad(absl::StrFormat("raid10 on %d disks: use 2 to %d", disks, kMaxDisks));
  if (near < 1 || far < 1)
    return bad(absl::StrFormat("raid10 near %d far %d: both must be at least 1", near, far));
  if (offset && far < 2)
    return bad(absl::StrFormat("raid10 offset layout with far %d: offset copies need far >= 2",
                               far));
  // 64-bit product: near and far are not yet known to be small.
  int64_t copies = int64_t{near} * far;
  if (copies < 2 || copies > disks)
    return bad(absl::StrFormat("raid10 near %d far %d on %d disks: %d copies, must be 2..%d",
                               near, far, disks, copies, disks));

  Raid10Geo g;
  g.disks = disks;
  g.near_copies = near;
  g.far_copies = far;
  g.far_offset = offset;
  g.chunk_sectors = chunk_sectors;
  // md addresses chunks by shift and mask, and a chunk below a page cannot
  // hold one bio page.
  if (chunk_sectors < 8 || (chunk_sectors & (chunk_sectors - 1)))
    return bad(absl::StrFormat("raid10 chunk %u sectors: must be a power of two, at least 8",
                               chunk_sectors));
  if (member_sectors / chunk_sectors < uint64_t(far))
    return bad(absl::StrFormat("raid10 %s: member of %d sectors holds no chunk; needs at least %d",
                               g.Name(), member_sectors, uint64_t{chunk_sectors} * far));

  // A member is cut into `far` equal bands of whole chunks; a partial
  // chunk at the end stays unused.
  uint64_t band_chunks = member_sectors / chunk_sectors / far;
  // One band across all disks holds band_chunks * disks chunk places, and
  // every array chunk takes `near` of them; a leftover place stays unused.
  uint64_t array_chunks = band_chunks * disks / near;
  // All copies of all chunks, spread over the disks: the member rows the
  // layout touches, the last one possibly only partly filled.
  uint64_t rows = (array_chunks * copies + disks - 1) / disks;
  g.array_sectors = array_chunks * chunk_sectors;
  g.dev_sectors = rows * chunk_sectors;
  // Offset layouts keep a chunk's far copies in the next rows down; far
  // layouts keep them one band further on.
  g.stride = offset ? chunk_sectors : rows / far * chunk_sectors;
  return g;
}

Raid10Geo::CopyList Raid10Geo::Map(uint64_t v) const {
  CopyList out;
  if (v >= array_sectors) return out;
  uint64_t chunk = v / chunk_sectors;
  uint64_t within = v % chunk_sectors;
  for (int n = 0; n < near_copies; ++n) {
    // Near copies take consecutive chunk places, raid0 style, row by row
    // across the disks.
    uint64_t place = chunk * near_copies + n;
    uint64_t row = place / disks;
    int slot = int(place % disks);
    // In the offset layout every row is followed by its far_copies-1 shifted
    // twins, so member rows advance far_copies at a time.
    uint64_t dev = (far_offset ? row * far_copies : row) * chunk_sectors + within;
    // Each far copy moves near_copies slots on, so the whole set of a
    // chunk's copies covers Copies() consecutive slots.
    for (int f = 0; f < far_copies; ++f)
      out.at[out.n++] = Copy{(slot + f * near_copies) % disks, dev + f * stride};
  }
  return out;
}

uint64_t Raid10Geo::Virt(uint64_t dev, int slot) const {
  if (slot < 0 || slot >= disks || dev >= dev_sectors) return UINT64_MAX;
  uint64_t within = dev % chunk_sectors;
  uint64_t band, row;  // which far copy this is, and its near layout's row
  if (far_offset) {
    uint64_t member_row = dev / chunk_sectors;
    band = member_row % far_copies;
    row = member_row / far_copies;
  } else {
    band = dev / stride;
    row = (dev - band * stride) / chunk_sectors;
  }
  // Undo the far shift: the near copy sat band*near_copies slots back
  // (less than a full turn, as Copies() <= disks).
  int near_slot = int((slot + disks - band * near_copies) % disks);
  uint64_t place = row * disks + near_slot;
  uint64_t v = place / near_copies * chunk_sectors + within;
  return v < array_sectors ? v : UINT64_MAX;
}

uint64_t Raid10Geo::PieceLen(uint64_t v, uint64_t n) const {
  if (near_copies >= disks) return n;
  return std::min<uint64_t>(n, chunk_sectors - v % chunk_sectors);
}

bool Raid10Geo::Enough(const std::function<bool(int)>& in_sync, int ignore) const {
  // A chunk's copies cover Copies() consecutive slots from a first slot
  // that is a multiple of near_copies (mod disks): every multiple of
  // gcd(near_copies, disks). md checks each such window, whether or not
  // the array is big enough to use it.
  int step = std::gcd(near_copies, disks);
  for (int first = 0; first < disks; first += step) {
    bool kept = false;
    for (int i = 0; i < Copies() && !kept; ++i) {
      int slot = (first + i) % disks;
      kept = slot != ignore && in_sync(slot);
    }
    if (!kept) return false;
  }
  return true;
}

std::string Raid10Geo::Name() const {
  std::string s;
  if (near_copies > 1 || far_copies == 1) s += absl::StrFormat("n%d", near_copies);
  if (far_copies > 1) s += absl::StrFormat("%c%d", far_offset ? 'o' : 'f', far_copies);
  return s;
}

int Raid10Geo::LayoutWord() const {
  return near_copies | far_copies << 8 | (far_offset ? 1 << 16 : 0);
}

absl::Status ParseRaid10Layout(std::string_view name, int* near, int* far, bool* offset) {
  auto bad = [&] {
    return absl::InvalidArgumentError(absl::StrFormat(
        "raid10 layout \"%s\": use nK (near), fK (far) or oK (offset), K from 2 to 255", name));
  };
  if (name.size() < 2 || name.size() > 4) return bad();
  char kind = name[0];
  if (kind != 'n' && kind != 'f' && kind != 'o') return bad();
  int k = 0;
  for (char c : name.substr(1)) {
    if (c < '0' || c > '9') return bad();
    k = k * 10 + (c - '0');
  }
  // The layout word keeps each count in one byte; a single copy is raid0.
  if (k < 2 || k > 255 || name[1] == '0') return bad();
  *near = kind == 'n' ? k : 1;
  *far = kind == 'n' ? 1 : k;
  *offset = kind == 'o';
  return absl::OkStatus();
}

}  // namespace llsim
