// What every mirror must hold, independent of the core. Tracks per array
// sector the last user operation issued (a write's stamp, or a discard),
// and the newest write that is both acknowledged and flushed (the durable
// floor), as extents: its cost grows with the writes, not the array size. Answers: are the in-sync mirrors identical wherever data was
// written and not discarded since? Has any acknowledged, flushed write been
// lost or reverted?
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sim/extent_map.h"

namespace llsim {

class Disk;

class DataOracle {
 public:
  explicit DataOracle(uint64_t sectors);

  // Stamps are unique and grow with issue order, so a larger stamp on a
  // sector always means a later write.
  uint64_t IssueWrite(uint64_t sector, uint32_t sectors);
  // A write defines its sectors once its data reaches a member: from then
  // on the bitmap must cover it. One lost before that changes nothing (the
  // sectors keep whatever they held, defined or not).
  void WriteReachedDisk(uint64_t stamp, uint64_t sector, uint32_t sectors);
  void AckWrite(uint64_t stamp, uint64_t sector, uint32_t sectors, bool fua);
  void IssueDiscard(uint64_t sector, uint32_t sectors);
  // A flush covers the writes acknowledged before it was issued.
  uint64_t FlushIssued() const { return acks_; }
  void FlushCompleted(uint64_t horizon);
  // Power loss: writes acknowledged but never flushed carry no promise any
  // more; a flush after the reboot does not cover them.
  void Crash() { unflushed_.clear(); }
  // md lost track of which members are current (its superblock write to
  // the last working member failed): no acknowledged write carries a
  // promise past that, flushed or not.
  void ForgetPromises() {
    unflushed_.clear();
    floor_.Clear();
  }
  void Resize(uint64_t sectors);
  // A canonical hash of every promise and expectation, for the explorer's
  // crash-state deduplication.
  uint64_t StateHash() const;

  uint64_t Sectors() const { return sectors_; }
  bool Written(uint64_t s) const {
    uint64_t v = last_.Get(s);
    return v != 0 && v != kDiscard;
  }
  uint64_t Floor(uint64_t s) const { return floor_.Get(s); }

  // Per mirror, ranges [first, end) of its data area that md's bad-block
  // log says hold no valid data: md never reads them, so they are no part
  // of what a mirror must hold (nullptr or empty: none).
  using BadRanges = std::vector<std::vector<std::pair<uint64_t, uint64_t>>>;

  // Mismatches, as "sector S: disk A has X, disk B has Y" lines (at most
  // `limit`), over [0, Sectors()).
  std::vector<std::string> MirrorMismatches(const std::vector<const Disk*>& mirrors,
                                            uint64_t data_offset, size_t limit = 8,
                                            const BadRanges* bad = nullptr) const;
  // Acknowledged, flushed writes that a mirror no longer holds.
  std::vector<std::string> LostWrites(const std::vector<const Disk*>& mirrors,
                                      uint64_t data_offset, size_t limit = 8,
                                      const BadRanges* bad = nullptr) const;

  // Layouts where each member holds part of the array (raid10): `copies`
  // gives, for array sector s, the in-sync copies of s as (disk, absolute
  // disk sector of s) and sets *len to how far from s they stay
  // contiguous (a chunk's end).
  struct CopyAt {
    const Disk* disk;
    uint64_t sector;
  };
  using CopyPlacement = std::function<std::vector<CopyAt>(uint64_t s, uint64_t* len)>;
  // Array ranges [first, end) not compared (owed a resync md has not run).
  using ArrayRanges = std::vector<std::pair<uint64_t, uint64_t>>;
  // The same checks as the two above, copy by copy.
  std::vector<std::string> CopyMismatches(const CopyPlacement& copies, size_t limit = 8,
                                          const ArrayRanges* skip = nullptr) const;
  std::vector<std::string> CopyLostWrites(const CopyPlacement& copies, size_t limit = 8) const;
  // Parity layouts: `read` gives what a read of array sector s returns (a
  // stamp, or any other word when the array made one up); every
  // acknowledged, flushed write must read back as itself or a later write.
  using ReadAt = std::function<uint64_t(uint64_t s)>;
  std::vector<std::string> ReadLostWrites(const ReadAt& read, size_t limit = 8) const;

 private:
  static constexpr uint64_t kDiscard = ~0ull;
  struct Ack {
    uint64_t index, stamp, sector;
    uint32_t sectors;
  };
  void MakeDurable(const Ack& a);

  uint64_t sectors_;
  ExtentMap<uint64_t> last_;   // 0 never written, kDiscard, else stamp
  ExtentMap<uint64_t> floor_;  // newest acknowledged+flushed stamp
  // The first stamp issued after the sector's latest discard (0: never
  // discarded): writes with smaller stamps went before that discard.
  ExtentMap<uint64_t> discarded_before_;
  std::vector<Ack> unflushed_;
  uint64_t next_stamp_ = 1;
  uint64_t acks_ = 0;
};

}  // namespace llsim
