// Getting the core's gcov counters out of forked children. Cases run in
// child processes (ci/campaign/child_process.h) that end with _exit or a
// kill, and libgcov only writes its counters from an atexit handler, so a
// coverage build writes them itself: after every case a worker runs and
// before a child's _exit. In a build without instrumentation these do
// nothing.
#pragma once

namespace llsim {

// True when the core of this binary is compiled with --coverage.
bool CoverageBuild();

// In a freshly forked child: forget the counters inherited from the parent,
// which the parent writes itself, so that no count is written twice.
void CoverageChildStarted();

// Adds the counters gathered since the last flush to the .gcda file and
// zeroes them (libgcov merges under a file lock, so workers may flush at
// once).
void CoverageFlush();

}  // namespace llsim
