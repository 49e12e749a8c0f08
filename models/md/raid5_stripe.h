// raid4/5/6's stripe: one 4 KiB page of every member at one member sector
// of one geometry, with the arithmetic that fills in what is missing. Shared
// by the IO and sync paths (raid5_io.cc) and the reshape (raid5_reshape.cc).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "models/md/md_array.h"
#include "models/md/md_internal.h"

namespace llsim {

namespace raid5 {
constexpr uint32_t kStripeSectors = 8;  // STRIPE_SECTORS: one 4 KiB page per member

inline uint64_t Garbage(int disk, uint64_t dev) {
  uint64_t x = (uint64_t(disk) << 48) ^ dev ^ 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return (x ^ (x >> 31)) | (1ull << 63);  // never a write's stamp
}

inline uint64_t WordOf(int disk, uint64_t dev, uint64_t stamp) {
  if (stamp == kStampNeverWritten || stamp == kStampDiscarded) return Garbage(disk, dev);
  return stamp == kZeroWord ? 0 : stamp;
}

inline uint64_t StampOf(uint64_t word) { return word == 0 ? kZeroWord : word; }
}  // namespace raid5

// Writes to several members at once, waited for together; a member whose
// write failed is failed afterwards (md_error), as raid5's end_write does.
struct MdArray::MemberWrites {
  MdArray* a;
  int left = 0;
  std::vector<Member*> failed;
  WaitList wl{"raid5 member writes"};

  explicit MemberWrites(MdArray* arr) : a(arr) {}
  // `preempt`: another CPU may run between taking the member's reference
  // and the submission (raid5's stripe writes).
  void Add(Member* m, IoRequest req, bool preempt) {
    left++;
    atomic_inc(&m->rdev.nr_pending);
    if (preempt) llsim_preempt();
    a->Submit(*m, std::move(req), [this, m](IoResult res) {
      atomic_dec(&m->rdev.nr_pending);
      if (res.error) failed.push_back(m);
      if (--left == 0) a->world_.Sched().WakeAll(wl);
    });
  }
  void Wait() {
    a->BlockOn(wl, [&] { return left == 0; });
    for (Member* m : failed) {
      a->Reached("write error");
      a->MdErrorLocked(*m);
    }
  }
};

// One stripe: every slot's page (8 words) at member sector `dev` of one
// geometry (`geo`, whose rows start at member sector `off`).
struct MdArray::Stripe {
  uint64_t dev = 0;
  const Raid5Geo* geo = nullptr;
  uint64_t off = 0;
  bool prev = false;  // the old geometry of a reshape
  // The stripe-cache key: the two geometries' rows are different stripes.
  uint64_t Key() const { return dev | (prev ? 1ull << 62 : 0); }
  Raid5Geo::Row row;
  std::array<std::array<uint64_t, raid5::kStripeSectors>, Raid5Geo::kMaxDisks> w{};
  std::array<bool, Raid5Geo::kMaxDisks> have{};
  std::array<Member*, Raid5Geo::kMaxDisks> member{};  // writable member per slot

  // Fills in what is missing: lost data from P (and Q), then P and Q from
  // the data. False when too much is missing.
  bool Solve(const Raid5Geo& g) {
    int nd = g.DataDisks();
    std::vector<int> lost;
    for (int i = 0; i < nd; i++)
      if (!have[row.data[i]]) lost.push_back(i);
    bool p = have[row.p], q = row.q >= 0 && have[row.q];
    if ((int)lost.size() > (p ? 1 : 0) + (q ? 1 : 0)) return false;
    for (uint32_t o = 0; o < raid5::kStripeSectors; o++) {
      std::array<uint64_t, Raid5Geo::kMaxDisks> d{};
      for (int i = 0; i < nd; i++) d[i] = w[row.data[i]][o];
      if (lost.size() == 2) {
        parity::SolveTwo(d.data(), nd, lost[0], lost[1], w[row.p][o], w[row.q][o]);
      } else if (lost.size() == 1 && p) {
        uint64_t x = w[row.p][o];
        for (int i = 0; i < nd; i++)
          if (i != lost[0]) x ^= d[i];
        d[lost[0]] = x;
      } else if (lost.size() == 1) {
        d[lost[0]] = parity::SolveFromQ(d.data(), nd, lost[0], w[row.q][o]);
      }
      for (int i : lost) w[row.data[i]][o] = d[i];
    }
    for (int i : lost) have[row.data[i]] = true;
    if (!p) SetParity(g, row.p);
    if (row.q >= 0 && !q) SetParity(g, row.q);
    return true;
  }
  // P or Q as the data now make them.
  std::array<uint64_t, raid5::kStripeSectors> ParityOf(const Raid5Geo& g, int slot) const {
    std::array<uint64_t, raid5::kStripeSectors> out{};
    int nd = g.DataDisks();
    for (uint32_t o = 0; o < raid5::kStripeSectors; o++) {
      std::array<uint64_t, Raid5Geo::kMaxDisks> d{};
      for (int i = 0; i < nd; i++) d[i] = w[row.data[i]][o];
      if (slot == row.p) {
        for (int i = 0; i < nd; i++) out[o] ^= d[i];
      } else {
        out[o] = parity::Q(d.data(), nd);
      }
    }
    return out;
  }
  void SetParity(const Raid5Geo& g, int slot) {
    w[slot] = ParityOf(g, slot);
    have[slot] = true;
  }
};


}  // namespace llsim
