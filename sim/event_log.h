// The run's event stream. Every choice the world makes and every action a
// layer takes is one event; the running hash over all of them is the run's
// fingerprint, and the kept events show where two runs first differ.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/clock.h"

namespace llsim {

enum class EventKind : uint8_t {
  kNote,          // free text from any layer
  kFiberSpawn,    // a = fiber id, text = name
  kFiberExit,     // a = fiber id
  kSchedChoice,   // a = chosen fiber id, b = candidates, c = strategy pick index;
                  // b = 0: time passed inside fiber a, c = nanoseconds
  kTimerFire,     // a = timer id
  kDiskSubmit,    // a = disk, b = sector, c = sectors, text = op
  kDiskComplete,  // a = disk, b = io id, c = error
  kCrashDecision, // a = disk, b = io id, c = kept block mask (low 64 blocks), text = verdict
  kFault,         // a = disk, b = sector, text = what
  kCore,          // text = a core log line (printk)
  kMd,            // text = an md-model action
  kFailure,       // text = what failed
};

const char* EventKindName(EventKind k);

// The event hash's step for one 64-bit field: FNV-1a over its 8 bytes, low
// byte first. MixWord is the fast form; MixWordBytewise the definition.
uint64_t MixWord(uint64_t h, uint64_t w);
uint64_t MixWordBytewise(uint64_t h, uint64_t w);

struct Event {
  Nanos t = 0;
  EventKind kind = EventKind::kNote;
  uint64_t a = 0, b = 0, c = 0;
  std::string text;

  std::string ToString() const;
};

class EventLog {
 public:
  // keep_limit bounds memory on long runs; the hash covers every event.
  explicit EventLog(size_t keep_limit = 1 << 20) : keep_limit_(keep_limit) {}

  void Record(Event e);
  uint64_t Hash() const { return hash_; }
  uint64_t Count() const { return count_; }
  const std::vector<Event>& Events() const { return events_; }
  // The last few events, oldest first, whatever keep_limit says: what a
  // failure report shows of a run that kept nothing.
  std::vector<Event> Recent() const;

  // First index at which two logs differ, if any (within kept events).
  static std::optional<size_t> FirstDifference(const EventLog& x, const EventLog& y);

 private:
  size_t keep_limit_;
  uint64_t hash_ = 0xcbf29ce484222325ull;
  uint64_t count_ = 0;
  std::vector<Event> events_;
  static constexpr size_t kRecent = 8;
  std::array<Event, kRecent> recent_;
};

}  // namespace llsim
