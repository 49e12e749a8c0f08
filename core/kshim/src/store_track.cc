// The page-data arena and the compiler's store hooks (see store_track.h).
// A hook runs at every store the core makes: two compares and a bit set.
#include "core/kshim/src/store_track.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

namespace llsim::store_track {

namespace {

constexpr size_t kPage = 4096;
constexpr size_t kLine = 64;  // kPage / kLine = 64 lines: one mask word a page
// Address space only: pages are committed in steps as the arena grows.
constexpr size_t kReserve = size_t{32} << 30;
constexpr size_t kCommitStep = size_t{64} << 20;

bool g_active = false;
uintptr_t g_base = 0;
size_t g_committed = 0;  // bytes usable from g_base
uint64_t* g_written = nullptr;  // per arena page, a bit per line stored to
[[maybe_unused]] size_t g_used = 0;  // bytes handed out at least once
std::vector<uint32_t> g_free;  // freed pages, reused last freed first
bool g_failed = false;  // no arena: every page comes from aligned_alloc
bool g_unwatched = false;  // some page came from aligned_alloc while active
uint64_t g_arena_stores = 0;
uint64_t g_mark_epoch = 0;  // bumped whenever a line mark is set

[[maybe_unused]] bool Reserve() {
  if (g_base || g_failed) return g_base != 0;
  void* p = mmap(nullptr, kReserve, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
                 0);
  void* f = mmap(nullptr, kReserve / kPage * sizeof(uint64_t), PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED || f == MAP_FAILED) {
    if (p != MAP_FAILED) munmap(p, kReserve);
    if (f != MAP_FAILED) munmap(f, kReserve / kPage * sizeof(uint64_t));
    g_failed = true;
    return false;
  }
  g_written = static_cast<uint64_t*>(f);
  g_base = reinterpret_cast<uintptr_t>(p);
  return true;
}

inline void Note(const void* a) {
  uintptr_t off = reinterpret_cast<uintptr_t>(a) - g_base;
  if (off < g_committed) {
    g_written[off / kPage] |= uint64_t{1} << (off % kPage / kLine);
    g_arena_stores++;
    g_mark_epoch++;
  }
}

}  // namespace

void* AllocPageData() {
#ifndef LLSIM_ASAN
  if (g_active && Reserve()) {
    if (!g_free.empty()) {
      uint32_t i = g_free.back();
      g_free.pop_back();
      g_written[i] = kAllLines;
      g_mark_epoch++;
      return reinterpret_cast<void*>(g_base + size_t{i} * kPage);
    }
    if (g_used + kPage > g_committed && g_committed + kCommitStep <= kReserve) {
      if (mprotect(reinterpret_cast<void*>(g_base + g_committed), kCommitStep,
                   PROT_READ | PROT_WRITE) == 0)
        g_committed += kCommitStep;
    }
    if (g_used + kPage <= g_committed) {
      void* p = reinterpret_cast<void*>(g_base + g_used);
      g_written[g_used / kPage] = kAllLines;
      g_mark_epoch++;
      g_used += kPage;
      return p;
    }
  }
#endif
  if (g_active) g_unwatched = true;
  return aligned_alloc(kPage, kPage);
}

void FreePageData(void* data) {
  uintptr_t off = reinterpret_cast<uintptr_t>(data) - g_base;
  if (g_base && off < g_committed) {
    g_free.push_back((uint32_t)(off / kPage));
    return;
  }
  free(data);
}

bool HooksActive() { return g_active; }

bool AllPagesWatched() { return g_active && g_base && !g_unwatched; }

uint64_t ArenaStores() { return g_arena_stores; }

uint64_t MarkEpoch() { return g_mark_epoch; }

uint64_t TakeWrittenLines(const void* data) {
  uintptr_t off = reinterpret_cast<uintptr_t>(data) - g_base;
  if (!g_active || !g_base || off >= g_committed) return kAllLines;
  return std::exchange(g_written[off / kPage], 0);
}

void NoteWrite(const void* p, size_t n) {
  if (!g_base || n == 0) return;
  uintptr_t first = reinterpret_cast<uintptr_t>(p) - g_base;
  uintptr_t last = first + n - 1;  // inclusive, so a store ending a page stays on it
  if (first >= g_committed) return;
  last = std::min<uintptr_t>(last, g_committed - 1);
  for (uintptr_t page = first / kPage; page <= last / kPage; page++) {
    size_t lo = page == first / kPage ? first % kPage / kLine : 0;
    size_t hi = page == last / kPage ? last % kPage / kLine : kPage / kLine - 1;
    uint64_t upto_hi = hi == 63 ? kAllLines : (uint64_t{1} << (hi + 1)) - 1;
    g_written[page] |= upto_hi & ~((uint64_t{1} << lo) - 1);
    g_arena_stores++;
    g_mark_epoch++;
  }
}

}  // namespace llsim::store_track

using llsim::store_track::Note;
using llsim::store_track::NoteWrite;

// The hooks gcc's kernel-address instrumentation calls when every check is
// out of line and loads are not checked (core/CMakeLists.txt): every store
// is noted. The load hooks are there should a compiler emit them anyway.
extern "C" {
void llsim_store_hooks_start(void) { llsim::store_track::g_active = true; }
// An ASan build has the real runtime (and no core built with the hooks).
#ifndef LLSIM_ASAN
void __asan_store1_noabort(void* a) { Note(a); }
void __asan_store2_noabort(void* a) { NoteWrite(a, 2); }
void __asan_store4_noabort(void* a) { NoteWrite(a, 4); }
void __asan_store8_noabort(void* a) { NoteWrite(a, 8); }
void __asan_store16_noabort(void* a) { NoteWrite(a, 16); }
void __asan_storeN_noabort(void* a, size_t n) { NoteWrite(a, n); }
void __asan_load1_noabort(void*) {}
void __asan_load2_noabort(void*) {}
void __asan_load4_noabort(void*) {}
void __asan_load8_noabort(void*) {}
void __asan_load16_noabort(void*) {}
void __asan_loadN_noabort(void*, size_t) {}
void __asan_handle_no_return(void) {}
#endif

// The core's memset/memcpy/memmove (kcompat.h names them so under the
// hooks): the compiler's hooks do not see into the C library.
void* llsim_memset(void* d, int c, size_t n) {
  NoteWrite(d, n);
  return memset(d, c, n);
}
void* llsim_memcpy(void* d, const void* s, size_t n) {
  NoteWrite(d, n);
  return memcpy(d, s, n);
}
void* llsim_memmove(void* d, const void* s, size_t n) {
  NoteWrite(d, n);
  return memmove(d, s, n);
}
}
