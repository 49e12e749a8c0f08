// See replay_seeds.h.
#include "ci/campaign/replay_seeds.h"

#include <iostream>
#include <map>

#include "absl/strings/str_format.h"
#include "ci/campaign/worker.h"

namespace llsim {

int ReplaySeeds(const TraceFile& t, const RunOptions& o, int seeds, double watchdog_seconds) {
  IsolatedRunner runner(watchdog_seconds);
  std::map<std::string, int> failed;  // by property, for the summary
  int failures = 0;
  for (int s = 1; s <= seeds; s++) {
    Scenario sc = t.scenario;
    sc.seed = (uint64_t)s;
    RunResult r = runner.Run(sc, o);
    if (r.Failed()) {
      failures++;
      failed[r.First()->property]++;
      std::cout << "seed " << s << ": FAILED " << r.First()->ToString() << "\n";
    } else {
      std::cout << "seed " << s << ": passed\n";
    }
  }
  std::cout << absl::StrFormat("%d seeds: %d passed, %d failed", seeds, seeds - failures,
                               failures);
  for (const auto& [property, n] : failed) std::cout << absl::StrFormat(", %s %d", property, n);
  if (!t.expect_failure.empty())
    std::cout << absl::StrFormat(" (the trace expects %s)", t.expect_failure);
  std::cout << "\n";
  return failures ? 1 : 0;
}

}  // namespace llsim
