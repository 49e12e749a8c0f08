// Which of the core's pages it has stored to: the page-data arena the shim
// allocates pages from, and a written flag per arena page that the store
// hooks set.
//
// The core is compiled with gcc's store instrumentation but linked without
// its runtime: the compiler's call at every store lands in our hooks
// (store_track.cc), which note stores into arena pages; the shim's memset
// and memcpy for the core, and the harness's copies into its pages, note
// theirs. The step checks then compare, at each step, only the pages
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

// Whether the core may have stored into the page at `data` since the last
// call for it; clears the mark. Always true for a page the hooks cannot
// watch.
bool TakeWritten(const void* data);

// Marks [p, p + n) written: the shim's memset/memcpy and the harness's
// copies into the core's pages.
void NoteWrite(const void* p, size_t n);

}  // namespace llsim::store_track
