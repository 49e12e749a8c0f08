// Which of the core's pages it has stored to: the page-data arena the shim
// allocates pages from, and per arena page a mask of the 64-byte lines the
// store hooks saw stored to.
//
// The core is compiled with gcc's store instrumentation but linked without
// its runtime: the compiler's call at every store lands in our hooks
// (store_track.cc), which note stores into arena pages; the shim's memset
// and memcpy for the core, and the harness's copies into its pages, note
// theirs. The step checks then compare, at each step, only the lines
// written since they last looked instead of every page the core has.
// properties/tests/store_hooks_test.cc compares them all and fails on a
// change no hook saw.
#pragma once

#include <cstddef>
#include <cstdint>

namespace llsim::store_track {

// 4 KiB of page data, page aligned; from the arena unless the hooks are
// off (an ASan build keeps aligned_alloc, so ASan sees a page's use after
// free) or the arena is full.
void* AllocPageData();
void FreePageData(void* data);

// True once a core compiled with the store hooks has started (a
// constructor kcompat.h gives it calls llsim_store_hooks_start).
bool HooksActive();

// Hooks active and every page the core was given came from the arena, so
// no store to a page can go unseen.
bool AllPagesWatched();

// Stores into arena pages so far (hooks, shim copies and harness copies):
// a step that made none changed no page.
uint64_t ArenaStores();

// Changes whenever a line is marked written (a store, a copy, a page
// handed out): unchanged since the marks were last taken, no page can
// have changed.
uint64_t MarkEpoch();

// Every line (64 bytes; bit i is bytes [64i, 64i + 64)) of the page at
// `data` the core may have stored into since the last call for it; clears
// the marks. All lines for a page the hooks cannot watch.
constexpr uint64_t kAllLines = ~uint64_t{0};
uint64_t TakeWrittenLines(const void* data);

// Marks [p, p + n) written: the shim's memset/memcpy and the harness's
// copies into the core's pages.
void NoteWrite(const void* p, size_t n);

}  // namespace llsim::store_track
