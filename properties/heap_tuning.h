// The C library's heap, set up for how a simulation allocates.
#pragma once

namespace llsim {

// glibc keeps at most 7 freed blocks per size in its per-thread cache; a
// run frees and reallocates the same few sizes (event texts, IO requests,
// fibers, timers) in bursts of more, so most of them went through the
// shared heap: malloc and free were about a tenth of a generated case
// (callgrind). And a run's teardown frees most of what it allocated, which
// glibc handed back to the kernel (brk shrinks, munmap of big blocks) only
// to fault it in again for the next run: a third of `llsim explore`'s time
// was the kernel's (perf: brk, TLB flushes, page faults). So freed memory
// is kept (trim threshold 512 MiB, blocks up to 32 MiB from the heap, not
// mmap). These are tunables glibc reads only at startup, so
// this sets GLIBC_TUNABLES and starts the program again, once. It does
// nothing when the user set tunables of their own, under ASan (which has
// its own allocator), or if the restart fails. Allocation addresses never
// reach a run, so traces and hashes are the same either way.
void TuneHeap(char** argv);

}  // namespace llsim
