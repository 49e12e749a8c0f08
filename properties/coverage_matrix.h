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

  // Counts every action of the table that explains from -> to.
  void Record(uint8_t from, uint8_t to, bool degraded);
  void Add(const CoverageMatrix& other);
  int Covered() const;
  // Whether the table has a row for (state, action), degraded or not.
  static bool Possible(int state, int action);
  static int PossibleCells();
};

}  // namespace llsim
