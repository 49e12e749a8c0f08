// Which chunks `llsim show --html` draws, and each one's states over time
// at each place (the core's memory, each member's media). Only chunks that
// ever changed state get rows; past `max_rows` such chunks, neighbouring
// ones share a row, which shows the most urgent state any of them holds
// (Syncing over NeedSync over Dirty over Clean over Unwritten), so a page
// for thousands of chunks stays small and still shows where syncs are owed.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "properties/timeline.h"

namespace llsim {

struct StateSpan {
  Nanos begin = 0, end = 0;
  int state = -1;  // a ChunkState byte, -1 not known
};

struct ChunkRow {
  uint64_t first = 0, last = 0;  // the chunks it stands for
  int changed = 0;               // of those, how many ever changed state
  // where (Timeline::kMemory or a disk) -> its states, in time order
  std::map<int, std::vector<StateSpan>> spans;
  std::string Label() const;
};

struct ChunkRows {
  std::vector<ChunkRow> rows;
  std::vector<int> places;      // Timeline::kMemory first, then disks
  uint64_t chunks_seen = 0;     // chunks with any state recorded
  uint64_t chunks_changed = 0;  // of those, the ones that changed
  bool bucketed = false;        // rows stand for several chunks
};

ChunkRows BuildChunkRows(const Timeline& tl, size_t max_rows);

// The state a row of several chunks shows: the higher, the more urgent.
int StateUrgency(int state);

}  // namespace llsim
