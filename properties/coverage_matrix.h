// The state x action coverage of the documented chunk state table, as
// numbers rather than text, so campaigns can add it up over many cases and
// report it (models/oracle's TransitionCoverage renders one run's).
#pragma once

#include <array>
#include <cstdint>

#include "models/oracle/chunk_model.h"

namespace llsim {

struct CoverageMatrix {
  std::array<std::array<uint64_t, kChunkActions>, kChunkStates> hits{};

  // Counts the actions of the table that explain from -> to (with the
  // raid456 overrides on parity arrays): those of `op_actions`, the
  // actions the operation that made the change may apply, if any of them
  // explains it, else every one (CleanUnwritten -> Unwritten is Discard,
  // Stale or ClearUnwritten; which one depends on who made the change).
  void Record(uint8_t from, uint8_t to, bool degraded, bool raid456 = false,
              uint32_t op_actions = ~0u);
  void Add(const CoverageMatrix& other);
  int Covered() const;
  // Whether the table has a row for (state, action), degraded or not.
  static bool Possible(int state, int action);
  static int PossibleCells();
};

}  // namespace llsim
