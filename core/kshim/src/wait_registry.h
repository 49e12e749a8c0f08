// Wait lists for the kernel's sleeping objects (wait queues, mutexes,
// completions, work items), keyed by the C object's address. The C structs
// hold plain data only; a list exists while someone sleeps on the object,
// so freeing an object nobody waits on costs nothing.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sim/scheduler.h"

namespace llsim {

class WaitRegistry {
 public:
  // Sleeps the current fiber on obj's list (made on first use, named for
  // reports) until woken or until the absolute deadline.
  // kSpin busy-waits (a contended lock, a running callback): allowed in
  // atomic context.
  WakeReason Sleep(Scheduler& s, const void* obj, const std::string& name, BlockKind kind,
                   Nanos deadline = kNever);
  // prepare_to_wait / finish_wait on obj's list (see Scheduler::PrepareWait).
  void Prepare(Scheduler& s, const void* obj, const std::string& name);
  void Finish(Scheduler& s, const void* obj);
  void WakeOne(Scheduler& s, const void* obj);
  void WakeAll(Scheduler& s, const void* obj);
  bool HasSleepers(const void* obj) const;

  // Objects in [lo, hi) that fibers sleep on: (offset from lo, name),
  // ordered by offset so reports never depend on addresses.
  std::vector<std::pair<uintptr_t, std::string>> SleepersIn(uintptr_t lo, uintptr_t hi) const;

  // After a crash: every fiber is gone, so every list is empty.
  void Clear() { lists_.clear(); }

 private:
  void DropIfIdle(const void* obj);

  std::map<const void*, std::unique_ptr<WaitList>> lists_;  // lookups only
};

}  // namespace llsim
