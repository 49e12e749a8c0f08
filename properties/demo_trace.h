// The fixed scenario `llsim demo` prints, shared with tests that want a
// short run with every kind of event in it: writers blocking on the bitmap
// and waking, the daemon timer, a crash that keeps or drops unflushed
// writes, reassembly and the resync that follows.
#pragma once

namespace llsim {

inline constexpr const char* kDemoTrace = R"(llsim-trace 1
seed 2024
hz 250
strategy random
array mirrors=2 sectors=16384 daemon_sleep=1
op +0us write 0 64
op +0us write 4096 64 fua
op +0us wait
op +0us advance 3000
op +0us write 8192 128
op +0us write 200 8
op +150us crash random:50:30
op +0us assemble
op +0us settle
)";

}  // namespace llsim
