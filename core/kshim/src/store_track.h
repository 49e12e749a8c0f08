// Which of the core's pages it has stored to: the page-data arena the shim
// allocates pages from, and a written flag per arena page that the store
// hooks set.
//
// The core is compiled with gcc's store instrumentation but linked without
// its runtime: the compiler's call at every store lands in our hooks
// (store_track.cc), which note stores into arena pages. The step
// checks then compare, at a preemption point where no fiber switched, only
// the pages written since they last looked, instead of every page the core
// has; at switches and operation boundaries they still compare them all,
// so a store the hooks cannot see (inline assembly, a copy done by the
// harness) is judged there all the same, only less precisely placed.
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

// Whether the core may have stored into the page at `data` since the last
// call for it; clears the mark. Always true for a page the hooks cannot
// watch.
bool TakeWritten(const void* data);

// Marks [p, p + n) written: the shim's memset/memcpy and the harness's
// copies into the core's pages.
void NoteWrite(const void* p, size_t n);

}  // namespace llsim::store_track
