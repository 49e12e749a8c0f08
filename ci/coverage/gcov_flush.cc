// gcov counter flushing for children; see gcov_flush.h.
#include "ci/coverage/gcov_flush.h"

#if LLSIM_COVERAGE_BUILD
// libgcov's interface (gcc's gcov-io.h; not in any installed header).
extern "C" void __gcov_dump(void);
extern "C" void __gcov_reset(void);
#endif

namespace llsim {

#if LLSIM_COVERAGE_BUILD
bool CoverageBuild() { return true; }
void CoverageChildStarted() { __gcov_reset(); }
// __gcov_dump writes once and then refuses until __gcov_reset re-arms it.
void CoverageFlush() {
  __gcov_dump();
  __gcov_reset();
}
#else
bool CoverageBuild() { return false; }
void CoverageChildStarted() {}
void CoverageFlush() {}
#endif

}  // namespace llsim
