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

static inline uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t Rng::Next() {
  const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = Rotl(s_[3], 45);
  return result;
}

uint64_t Rng::Below(uint64_t n) {
  if (n == 0) return 0;
  // Lemire's multiply-shift with rejection: unbiased and portable.
  unsigned __int128 m = (unsigned __int128)Next() * n;
  uint64_t low = (uint64_t)m;
  if (low < n) {
    uint64_t threshold = -n % n;
    while (low < threshold) {
      m = (unsigned __int128)Next() * n;
      low = (uint64_t)m;
    }
  }
  return (uint64_t)(m >> 64);
}

uint64_t Rng::Between(uint64_t lo, uint64_t hi) {
  if (hi <= lo) return lo;
  if (hi - lo == UINT64_MAX) return Next();
  return lo + Below(hi - lo + 1);
}

bool Rng::Chance(uint64_t num, uint64_t den) { return den != 0 && Below(den) < num; }

}  // namespace llsim
