// Wait lists keyed by kernel object address; see wait_registry.h.
#include "core/kshim/src/wait_registry.h"

namespace llsim {

WakeReason WaitRegistry::Sleep(Scheduler& s, const void* obj, const std::string& name,
                               BlockKind kind, Nanos deadline) {
  auto& slot = lists_[obj];
  // An empty list may be left from an object that used to live here (a
  // crash cancelled its sleepers); nobody points at it, so it is renamed.
  if (!slot || slot->Empty()) slot = std::make_unique<WaitList>(name);
  WakeReason why = s.Block(*slot, kind, deadline);
  // Look the list up again: while this fiber slept, a waker may have
  // emptied and dropped it, and the object itself may be gone.
  DropIfIdle(obj);
  return why;
}

void WaitRegistry::Prepare(Scheduler& s, const void* obj, const std::string& name) {
  auto& slot = lists_[obj];
  if (!slot || slot->Empty()) slot = std::make_unique<WaitList>(name);
  s.PrepareWait(*slot);
}

void WaitRegistry::Finish(Scheduler& s, const void* obj) {
  auto it = lists_.find(obj);
  if (it == lists_.end()) {
    // Woken meanwhile, and the list dropped: only the kept wake is left.
    if (Fiber* f = s.Current()) f->wake_pending = false;
    return;
  }
  s.FinishWait(*it->second);
  DropIfIdle(obj);
}

void WaitRegistry::WakeOne(Scheduler& s, const void* obj) {
  auto it = lists_.find(obj);
  if (it == lists_.end()) return;
  s.WakeOne(*it->second);
  DropIfIdle(obj);
}

void WaitRegistry::WakeAll(Scheduler& s, const void* obj) {
  auto it = lists_.find(obj);
  if (it == lists_.end()) return;
  s.WakeAll(*it->second);
  DropIfIdle(obj);
}

bool WaitRegistry::HasSleepers(const void* obj) const {
  auto it = lists_.find(obj);
  return it != lists_.end() && !it->second->Empty();
}

std::vector<std::pair<uintptr_t, std::string>> WaitRegistry::SleepersIn(uintptr_t lo,
                                                                        uintptr_t hi) const {
  std::vector<std::pair<uintptr_t, std::string>> out;
  for (auto it = lists_.lower_bound(reinterpret_cast<const void*>(lo));
       it != lists_.end() && reinterpret_cast<uintptr_t>(it->first) < hi; ++it)
    if (!it->second->Empty())
      out.emplace_back(reinterpret_cast<uintptr_t>(it->first) - lo, it->second->Name());
  return out;
}

void WaitRegistry::DropIfIdle(const void* obj) {
  auto it = lists_.find(obj);
  if (it != lists_.end() && it->second->Empty()) lists_.erase(it);
}

}  // namespace llsim
