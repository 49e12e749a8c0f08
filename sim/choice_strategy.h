// Explicit, overridable scheduling choices. A run's scheduling is a
// sequence of decisions: every pick among two or more runnable fibers, and
// every preemption point where an interrupt is due in time and the strategy
// may let that time pass inside running code (the interrupt then lands in
// the middle of whatever runs). Decision k (counted from 0 over both kinds,
// in the order the run meets them) takes the wrapped strategy's answer
// unless an override names another: for a pick, the candidate index; for a
// time point, 1 (let time pass) or 0 (do not). An override that does not fit
// the decision (an index past the candidates) is ignored, so any override
// list gives a valid run. Over fifo, no overrides is plain fifo.
//
// The same wrapper records a run's decisions as overrides relative to the
// fifo default (preempted fiber keeps running, else oldest first; no time
// passes), so fifo plus the recorded list replays a random or pct run's
// interleaving, and a shrinker can drop overrides one by one.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "sim/strategy.h"

namespace llsim {

// Decision number -> choice. Ordered, so its text form is canonical.
using ScheduleOverrides = std::map<uint64_t, uint32_t>;

// `inner` decides first (so its random stream advances exactly as it would
// alone); an override then replaces its answer. With record set, every
// decision that differs from the fifo default is kept (Recorded()).
std::unique_ptr<Strategy> MakeChoiceStrategy(std::unique_ptr<Strategy> inner,
                                             ScheduleOverrides overrides, bool record);

// "k=i k=i ..." (the trace's schedule line, without its key).
std::string FormatScheduleOverrides(const ScheduleOverrides& o);
// Parses "k=i" words; each k at most once. The message names the bad word.
absl::Status ParseScheduleOverride(const std::string& word, ScheduleOverrides* o);

}  // namespace llsim
