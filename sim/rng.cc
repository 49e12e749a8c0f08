// Seeded random streams; see rng.h.
#include "sim/rng.h"

namespace llsim {

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

Rng::Rng(uint64_t seed) {
  uint64_t st = seed;
  for (auto& w : s_) w = SplitMix64(st);
}

Rng Rng::Stream(uint64_t seed, std::string_view name) {
  uint64_t st = seed ^ Fnv1a(name);
  return Rng(SplitMix64(st));
}

uint64_t Rng::Between(uint64_t lo, uint64_t hi) {
  if (hi <= lo) return lo;
  if (hi - lo == UINT64_MAX) return Next();
  return lo + Below(hi - lo + 1);
}

}  // namespace llsim
