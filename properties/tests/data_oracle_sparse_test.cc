// The data oracle stores extents, not one entry per sector: on random
// histories it answers exactly what a dense per-sector oracle answers, and
// a 16 TiB array costs no more than a small one.
#include <gtest/gtest.h>

#include <algorithm>

#include "absl/strings/str_format.h"
#include "models/oracle/data_oracle.h"
#include "sim/rng.h"
#include "sim/world.h"

namespace llsim {
namespace {

// The dense oracle the sparse one replaced, kept here as the reference.
class DenseOracle {
 public:
  explicit DenseOracle(uint64_t n) : last_(n, 0), floor_(n, 0) {}
  uint64_t IssueWrite() { return next_++; }
  void Reached(uint64_t stamp, uint64_t sector, uint32_t n) {
    for (uint64_t s = sector; s < sector + n && s < last_.size(); s++)
      if (last_[s] == kDiscard || last_[s] < stamp) last_[s] = stamp;
  }
  void Ack(uint64_t stamp, uint64_t sector, uint32_t n, bool fua) {
    Pending a{++acks_, stamp, sector, n};
    if (fua)
      Durable(a);
    else
      unflushed_.push_back(a);
  }
  void Discard(uint64_t sector, uint32_t n) {
    for (uint64_t s = sector; s < sector + n && s < last_.size(); s++) {
      last_[s] = kDiscard;
      floor_[s] = 0;
    }
  }
  uint64_t FlushIssued() const { return acks_; }
  void FlushCompleted(uint64_t h) {
    auto keep = std::remove_if(unflushed_.begin(), unflushed_.end(), [&](const Pending& a) {
      if (a.index > h) return false;
      Durable(a);
      return true;
    });
    unflushed_.erase(keep, unflushed_.end());
  }
  void Crash() { unflushed_.clear(); }
  void Resize(uint64_t n) {
    last_.resize(n, 0);
    floor_.resize(n, 0);
  }
  std::vector<std::string> Mismatches(const std::vector<const Disk*>& m, uint64_t off) const {
    std::vector<std::string> out;
    for (uint64_t s = 0; s < last_.size() && out.size() < 8; s++) {
      if (last_[s] == 0 || last_[s] == kDiscard) continue;
      uint64_t want = m[0]->VisibleStamp(off + s);
      for (size_t i = 1; i < m.size(); i++) {
        uint64_t got = m[i]->VisibleStamp(off + s);
        if (got != want) {
          out.push_back(absl::StrFormat("sector %d: disk %d holds write %d, disk %d holds write %d",
                                        s, m[0]->Index(), want, m[i]->Index(), got));
          break;
        }
      }
    }
    return out;
  }
  std::vector<std::string> Lost(const std::vector<const Disk*>& m, uint64_t off) const {
    std::vector<std::string> out;
    for (uint64_t s = 0; s < floor_.size() && out.size() < 8; s++) {
      if (!floor_[s]) continue;
      for (const Disk* d : m) {
        uint64_t got = d->VisibleStamp(off + s);
        if (got == kStampDiscarded || got < floor_[s]) {
          out.push_back(absl::StrFormat(
              "sector %d: acknowledged, flushed write %d lost on disk %d (holds %d)", s,
              floor_[s], d->Index(), got == kStampDiscarded ? 0 : got));
          break;
        }
      }
    }
    return out;
  }

 private:
  static constexpr uint64_t kDiscard = ~0ull;
  struct Pending {
    uint64_t index, stamp, sector;
    uint32_t n;
  };
  void Durable(const Pending& a) {
    for (uint64_t s = a.sector; s < a.sector + a.n && s < floor_.size(); s++)
      if (last_[s] != kDiscard && last_[s] >= a.stamp) floor_[s] = std::max(floor_[s], a.stamp);
  }
  std::vector<uint64_t> last_, floor_;
  std::vector<Pending> unflushed_;
  uint64_t next_ = 1, acks_ = 0;
};

struct Mirrors {
  static constexpr uint64_t kOff = 64;
  std::unique_ptr<World> world = std::move(*World::Create({}));
  std::vector<Disk*> disks;
  explicit Mirrors(uint64_t sectors, int n) {
    for (int i = 0; i < n; i++) disks.push_back(&world->AddDisk({512, kOff + sectors, kOff}));
  }
  void Put(int d, uint64_t sector, uint32_t n, uint64_t stamp) {
    IoRequest r{IoOp::kWrite, kOff + sector, n, false, true};
    r.stamps.assign(n, stamp);
    disks[d]->Submit(r, [](IoResult) {});
    world->Sched().Run();
  }
  std::vector<const Disk*> All() const { return {disks.begin(), disks.end()}; }
};

TEST(DataOracleSparseTest, AgreesWithADenseOracle) {
  constexpr uint64_t kSectors = 400;
  Rng rng(11);
  for (int round = 0; round < 30; round++) {
    Mirrors m(2 * kSectors, 3);
    DataOracle sparse(kSectors);
    DenseOracle dense(kSectors);
    uint64_t size = kSectors;
    for (int op = 0; op < 60; op++) {
      uint64_t sector = rng.Below(size + 20);
      uint32_t n = 1 + (uint32_t)rng.Below(48);
      switch (rng.Below(7)) {
        case 0:
        case 1: {
          uint64_t w = sparse.IssueWrite(sector, n);
          ASSERT_EQ(w, dense.IssueWrite());
          // Some mirrors get it, some do not (a crash, a failed member).
          for (int d = 0; d < 3; d++)
            if (rng.Chance(2, 3) && sector + n <= 2 * kSectors) m.Put(d, sector, n, w);
          sparse.WriteReachedDisk(w, sector, n);
          dense.Reached(w, sector, n);
          bool fua = rng.Chance(1, 3);
          sparse.AckWrite(w, sector, n, fua);
          dense.Ack(w, sector, n, fua);
          break;
        }
        case 2:
          sparse.IssueDiscard(sector, n);
          dense.Discard(sector, n);
          break;
        case 3: {
          uint64_t h = sparse.FlushIssued();
          ASSERT_EQ(h, dense.FlushIssued());
          sparse.FlushCompleted(h);
          dense.FlushCompleted(h);
          break;
        }
        case 4:
          sparse.Crash();
          dense.Crash();
          break;
        case 5:
          size = 100 + rng.Below(kSectors);
          sparse.Resize(size);
          dense.Resize(size);
          break;
        default:
          if (sector + n <= 2 * kSectors) m.Put((int)rng.Below(3), sector, n, rng.Below(40));
          break;
      }
      ASSERT_EQ(sparse.MirrorMismatches(m.All(), Mirrors::kOff),
                dense.Mismatches(m.All(), Mirrors::kOff))
          << "round " << round << " op " << op;
      ASSERT_EQ(sparse.LostWrites(m.All(), Mirrors::kOff), dense.Lost(m.All(), Mirrors::kOff))
          << "round " << round << " op " << op;
    }
  }
}

TEST(DataOracleSparseTest, SixteenTiBArray) {
  constexpr uint64_t kSectors = 1ull << 35;
  Mirrors m(kSectors, 2);
  DataOracle o(kSectors);
  uint64_t far = kSectors - 4096;
  uint64_t w = o.IssueWrite(far, 4096);
  o.WriteReachedDisk(w, far, 4096);
  o.AckWrite(w, far, 4096, /*fua=*/true);
  m.Put(0, far, 4096, w);
  std::vector<std::string> bad = o.MirrorMismatches(m.All(), Mirrors::kOff);
  ASSERT_EQ(bad.size(), 8u);  // one line per sector, up to the limit
  EXPECT_EQ(bad[0], absl::StrFormat("sector %d: disk 0 holds write %d, disk 1 holds write 0",
                                    far, w));
  EXPECT_EQ(o.LostWrites(m.All(), Mirrors::kOff).size(), 8u);
  m.Put(1, far, 4096, w);
  EXPECT_TRUE(o.MirrorMismatches(m.All(), Mirrors::kOff).empty());
  EXPECT_TRUE(o.LostWrites(m.All(), Mirrors::kOff).empty());
  o.Resize(kSectors / 2);  // a shrink forgets the far end
  EXPECT_FALSE(o.Written(far));
}

}  // namespace
}  // namespace llsim
