// State x action coverage as data; see coverage_matrix.h.
#include "properties/coverage_matrix.h"

namespace llsim {

void CoverageMatrix::Record(uint8_t from, uint8_t to, bool degraded, bool raid456,
                            uint32_t op_actions) {
  uint32_t m = ActionsTaking(from, to, degraded, raid456);
  if (m & op_actions) m &= op_actions;
  for (; m; m &= m - 1) hits[from][__builtin_ctz(m)]++;
}

void CoverageMatrix::Add(const CoverageMatrix& other) {
  for (int s = 0; s < kChunkStates; s++)
    for (int a = 0; a < kChunkActions; a++) hits[s][a] += other.hits[s][a];
}

int CoverageMatrix::Covered() const {
  int n = 0;
  for (const auto& row : hits)
    for (uint64_t h : row) n += h != 0;
  return n;
}

bool CoverageMatrix::Possible(int state, int action) {
  return NextState((ChunkState)state, (ChunkAction)action, false, false).has_value() ||
         NextState((ChunkState)state, (ChunkAction)action, true, false).has_value();
}

int CoverageMatrix::PossibleCells() {
  int n = 0;
  for (int s = 0; s < kChunkStates; s++)
    for (int a = 0; a < kChunkActions; a++) n += Possible(s, a);
  return n;
}

}  // namespace llsim
