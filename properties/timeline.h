// What `llsim show --html` draws beside the event log, recorded as a
// scenario runs: each chunk state the core's memory and each member's media
// are seen to hold (changes only, with their virtual time), each write
// reaching a member's media, each trace operation's start and each crash.
// A run that records one gives the same events and hash as a run that does
// not: whoever feeds it only looks (properties/timeline_probe.h).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sim/clock.h"

namespace llsim {

struct ChunkStateChange {
  Nanos t = 0;
  int where = 0;   // Timeline::kMemory, or the disk whose media holds the state
  uint64_t chunk = 0;
  int state = -1;  // a ChunkState byte, or -1: not known (no page watched, ...)
};

struct DurableMark {
  Nanos t = 0;
  int disk = 0;
  uint64_t io_id = 0;  // 0: written straight to the media (mdadm formatting)
  uint64_t sector = 0;
  uint32_t sectors = 0;
};

struct OpMark {
  Nanos t = 0;
  size_t index = 0;  // in the scenario's ops
  std::string text;
};

class Timeline {
 public:
  static constexpr int kMemory = -1;

  // Records a state only if it differs from the last one recorded there.
  void ChunkState(Nanos t, int where, uint64_t chunk, int state);
  void Durable(const DurableMark& m) { durable_.push_back(m); }
  void OpBegins(Nanos t, size_t index, std::string text) {
    ops_.push_back({t, index, std::move(text)});
  }
  void Crash(Nanos t) { crashes_.push_back(t); }
  void End(Nanos t, uint64_t chunk_sectors, int disks) {
    end_ = t;
    chunk_sectors_ = chunk_sectors;
    disks_ = disks;
  }

  // In the order recorded, which is virtual time order.
  const std::vector<ChunkStateChange>& Changes() const { return changes_; }
  const std::vector<DurableMark>& DurableMarks() const { return durable_; }
  const std::vector<OpMark>& Ops() const { return ops_; }
  const std::vector<Nanos>& Crashes() const { return crashes_; }
  Nanos EndTime() const { return end_; }
  uint64_t ChunkSectors() const { return chunk_sectors_; }
  int Disks() const { return disks_; }

 private:
  std::vector<ChunkStateChange> changes_;
  std::map<std::pair<int, uint64_t>, int> last_;  // (where, chunk) -> state
  std::vector<DurableMark> durable_;
  std::vector<OpMark> ops_;
  std::vector<Nanos> crashes_;
  Nanos end_ = 0;
  uint64_t chunk_sectors_ = 0;
  int disks_ = 0;
};

}  // namespace llsim
