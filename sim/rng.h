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

  uint64_t Next();
  // Uniform in [0, n); n == 0 returns 0.
  uint64_t Below(uint64_t n);
  // Uniform in [lo, hi].
  uint64_t Between(uint64_t lo, uint64_t hi);
  // True with probability num/den.
  bool Chance(uint64_t num, uint64_t den);

 private:
  uint64_t s_[4];
};

}  // namespace llsim
