// The recorded timeline; see timeline.h.
#include "properties/timeline.h"

namespace llsim {

void Timeline::ChunkState(Nanos t, int where, uint64_t chunk, int state) {
  auto [it, fresh] = last_.try_emplace({where, chunk}, state);
  if (!fresh) {
    if (it->second == state) return;
    it->second = state;
  } else if (state < 0) {
    return;  // never known, now not known: nothing to draw
  }
  changes_.push_back({t, where, chunk, state});
}

}  // namespace llsim
