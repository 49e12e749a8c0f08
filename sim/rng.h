// Seeded random streams. Every consumer of randomness (scheduler, disk
// latency, crash, faults, workload) draws from its own stream derived from
// the run seed by name, so one consumer's draws never shift another's.
#pragma once

#include <cstdint>
#include <string_view>

namespace llsim {

// 64-bit FNV-1a: a fixed, process-independent hash for names and traces.
constexpr uint64_t Fnv1a(std::string_view s, uint64_t h = 0xcbf29ce484222325ull) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

uint64_t SplitMix64(uint64_t& state);

// xoshiro256**: small, fast, and identical on every platform.
class Rng {
 public:
  explicit Rng(uint64_t seed = 0);
  // A stream for one named consumer of the run seed.
  static Rng Stream(uint64_t seed, std::string_view name);

  // Inline: the strategies and the disks draw at nearly every step.
  uint64_t Next() {
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
  // Uniform in [0, n); n == 0 returns 0.
  uint64_t Below(uint64_t n) {
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
  // Uniform in [lo, hi].
  uint64_t Between(uint64_t lo, uint64_t hi);
  // True with probability num/den.
  bool Chance(uint64_t num, uint64_t den) { return den != 0 && Below(den) < num; }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace llsim
