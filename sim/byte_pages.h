// Sparse bytes in 4 KiB pages: the metadata area of a disk (md superblock,
// bitmap) as far as it was written. Pages never written read as zeros. The
// pages come from a process-wide pool, so a worker running case after case
// reuses the same memory instead of faulting in fresh pages each time.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "absl/container/btree_map.h"

namespace llsim {

// One 64-bit word into a state hash: a multiply and a shift, for hashing
// whole pages of state (the explorer's crash states), where the event
// hash's bytewise FNV step would cost eight multiplies a word.
inline uint64_t StateMix(uint64_t h, uint64_t w) {
  h = (h ^ w) * 0x9e3779b97f4a7c15ull;
  return h ^ (h >> 29);
}

// A state hash of n bytes (n a multiple of 8) from `seed`: four StateMix
// lanes, so the multiplies overlap instead of waiting on each other.
inline uint64_t StateMixWords(uint64_t seed, const uint8_t* p, size_t n) {
  uint64_t l[4] = {seed, seed ^ 0x1, seed ^ 0x2, seed ^ 0x3};
  size_t i = 0;
  for (; i + 32 <= n; i += 32)
    for (int k = 0; k < 4; k++) {
      uint64_t x;
      __builtin_memcpy(&x, p + i + 8 * k, 8);
      l[k] = StateMix(l[k], x);
    }
  for (int k = 0; i + 8 <= n; i += 8, k++) {
    uint64_t x;
    __builtin_memcpy(&x, p + i, 8);
    l[k] = StateMix(l[k], x);
  }
  return StateMix(StateMix(StateMix(StateMix(seed, l[0]), l[1]), l[2]), l[3]);
}

class BytePages {
 public:
  static constexpr size_t kPageBytes = 4096;
  using Page = std::array<uint8_t, kPageBytes>;

  BytePages() = default;
  BytePages(const BytePages& o) { *this = o; }
  BytePages& operator=(const BytePages& o);
  BytePages(BytePages&& o) noexcept : pages_(std::move(o.pages_)) { o.pages_.clear(); }
  BytePages& operator=(BytePages&& o) noexcept;
  ~BytePages() { Clear(); }

  void Write(uint64_t offset, const uint8_t* data, size_t n);
  void Read(uint64_t offset, uint8_t* out, size_t n) const;
  void Clear();
  size_t PageCount() const { return pages_.size(); }
  // A hash of what reads return: pages of zeros count as never written.
  // (StateMix, not the event hash's FNV: it runs over whole pages.) Each
  // page's part is remembered until the page is written again, so the
  // explorer, which asks at every place a crash could land and for every
  // persistence subset, hashes only the 512-byte blocks that changed.
  uint64_t ContentHash(uint64_t h) const;

 private:
  static constexpr size_t kBlockBytes = 512, kBlocks = kPageBytes / kBlockBytes;
  static constexpr uint64_t kHashUnknown = 0, kHashZero = 1;
  struct Slot {
    Page* page;
    // Per block: kHashUnknown, kHashZero (reads as never written) or its part.
    mutable std::array<uint64_t, kBlocks> hash{};
  };
  absl::btree_map<uint64_t, Slot> pages_;  // page index -> bytes
};

// The pool BytePages draws from (and gives back to). Pages come back
// uninitialised: the user fills them.
class PagePool {
 public:
  static BytePages::Page* Acquire();
  static void Release(BytePages::Page* p);
  static size_t Idle();
};

}  // namespace llsim
