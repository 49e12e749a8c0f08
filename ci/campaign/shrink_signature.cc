// Signature-preserving shrink; see shrink_signature.h.
#include "ci/campaign/shrink_signature.h"

#include <algorithm>

#include "ci/campaign/signature.h"
#include "ci/campaign/worker.h"
#include "properties/hunt.h"

namespace llsim {

ShrinkOutcome ShrinkSignature(const Scenario& first_case, const SignatureEntry& e, int max_runs,
                              double watchdog_seconds) {
  ShrinkOutcome out;
  out.scenario = first_case;
  RunOptions o;
  o.skip = e.isolated_skip;
  IsolatedRunner runner(watchdog_seconds);
  auto fails_with_signature = [&](const Scenario& c, RunResult* r) {
    out.runs++;
    *r = runner.Run(c, o);
    return r->Failed() && Signature(*r->First()) == e.signature;
  };
  if (!fails_with_signature(first_case, &out.result)) {
    out.note = out.result.Failed()
                   ? "not shrunk: alone, its first case fails first with " +
                         Signature(*out.result.First())
                   : "not shrunk: alone, its first case passes";
    return out;
  }
  out.reproduced = true;
  ShrinkHooks h;
  h.still_fails = [&](const Scenario& c) {
    if (out.runs >= max_runs) return false;
    RunResult r;
    if (!fails_with_signature(c, &r)) return false;
    out.result = std::move(r);
    return true;
  };
  // The recording run counts against the same budget.
  h.record = RecordVia([&](const Scenario& c, const RunOptions& ro) {
    out.runs++;
    return runner.Run(c, ro);
  }, o);
  h.max_runs = std::max(0, max_runs - out.runs);
  out.scenario = ShrinkScenarioWith(first_case, h);
  if (out.runs >= max_runs) out.note = "shrink stopped at its run limit";
  return out;
}

}  // namespace llsim
