// See heap_tuning.h.
#include "properties/heap_tuning.h"

#include <unistd.h>

#include <cstdlib>

namespace llsim {

void TuneHeap(char** argv) {
#ifndef LLSIM_ASAN
  if (getenv("GLIBC_TUNABLES")) return;  // the user's, or ours already
  if (setenv("GLIBC_TUNABLES",
             "glibc.malloc.tcache_count=512:glibc.malloc.trim_threshold=536870912:"
             "glibc.malloc.mmap_threshold=33554432:glibc.malloc.top_pad=67108864",
             1))
    return;
  execv("/proc/self/exe", argv);
  // Could not start again: go on with the default heap, and do not let
  // the processes this one starts try.
#endif
}

}  // namespace llsim
