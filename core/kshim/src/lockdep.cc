// Lock validation in the manner of the kernel's lockdep: which context
// holds which lock (for lockdep_assert_held and for what a context still
// holds when it ends), and the order in which lock classes are taken. A
// class is where a lock was initialised (or its name); the graph has an
// edge A -> B when some context took B while holding A. An edge that
// closes a cycle is an inversion: two contexts taking the classes in
// those orders can deadlock, whether or not this run's schedule did.
//
// Determinism: classes are numbered in the order they are first taken and
// the graph is searched in that order; lock addresses are only ever
// compared for equality, so nothing reported depends on them.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/kshim/src/kshim.h"

namespace llsim {

int Kshim::LockClass(const char* name, const char* init_site) {
  auto [it, fresh] = lock_class_ids_.try_emplace({name, init_site}, 0);
  if (!fresh) return it->second;
  it->second = (int)lock_class_names_.size();
  lock_class_names_.push_back(init_site ? absl::StrCat(name ? name : "?", " (initialised at ",
                                                       SiteName(init_site), ")")
                                        : std::string(name ? name : "?"));
  lock_after_.emplace_back();
  return it->second;
}

std::string Kshim::HeldLine(const HeldLock& h) const {
  return absl::StrCat(h.how, "(", lock_class_names_[h.cls], ") at ", SiteName(h.site));
}

// A path of classes from -> ... -> to along recorded edges, or empty.
// Depth first, neighbours in class order: the same graph gives the same path.
std::vector<int> Kshim::LockPath(int from, int to) const {
  std::vector<int> parent(lock_after_.size(), -1);
  std::vector<bool> seen(lock_after_.size(), false);
  std::vector<int> stack{from};
  seen[from] = true;
  while (!stack.empty()) {
    int c = stack.back();
    stack.pop_back();
    if (c == to) {
      std::vector<int> path;
      for (int x = to; x != -1; x = parent[x]) path.push_back(x);
      std::reverse(path.begin(), path.end());
      return path;
    }
    for (auto it = lock_after_[c].rbegin(); it != lock_after_[c].rend(); ++it) {
      if (seen[it->first]) continue;
      seen[it->first] = true;
      parent[it->first] = c;
      stack.push_back(it->first);
    }
  }
  return {};
}

void Kshim::LockOrderCheck(int cls, const char* how, const char* site) {
  auto held = held_locks_.find(ContextId());
  if (held == held_locks_.end()) return;
  // Nearly every acquisition repeats an order already seen: decide that
  // before building anything (this runs at every lock taken under another).
  bool fresh = false;
  for (const HeldLock& h : held->second)
    fresh |= h.cls != cls && !lock_after_[h.cls].count(cls);
  if (!fresh) return;
  // Copied: a report below must not see the list change under it.
  std::vector<HeldLock> locks = held->second;
  Fiber* f = Sched().Current();
  std::string ctx = f ? absl::StrCat("'", f->name, "'") : "the harness";
  for (const HeldLock& h : locks) {
    // Two locks of one class nested (say two pages' locks) are not ordered
    // here; lockdep would want a nesting annotation.
    if (h.cls == cls || lock_after_[h.cls].count(cls)) continue;
    std::vector<int> back = LockPath(cls, h.cls);
    if (!back.empty() && inversions_reported_.insert({h.cls, cls}).second) {
      std::string msg = absl::StrCat(
          "lock order inversion: ", how, "(", lock_class_names_[cls], ") at ", SiteName(site),
          " in ", ctx, " while holding ", HeldLine(h), "; elsewhere the opposite order:");
      for (size_t i = 0; i + 1 < back.size(); i++) {
        const OrderEdge& e = lock_after_[back[i]].at(back[i + 1]);
        absl::StrAppend(&msg, i ? ", then" : "", " ", e.how, "(",
                        lock_class_names_[back[i + 1]], ") at ", SiteName(e.taken_site),
                        " while holding ", lock_class_names_[back[i]], " (taken at ",
                        SiteName(e.held_site), ") in ", e.context);
      }
      Misuse(msg);
    }
    lock_after_[h.cls].emplace(cls, OrderEdge{h.site, site, how, ctx});
  }
}

void Kshim::LockHeld(const void* lock, int cls, bool read, const char* how, const char* site) {
  held_locks_[ContextId()].push_back({lock, cls, read, how, site});
}

bool Kshim::LockReleased(const void* lock) {
  auto held = held_locks_.find(ContextId());
  if (held == held_locks_.end()) return false;
  std::vector<HeldLock>& locks = held->second;
  // Latest first: the same lock read-held twice drops one hold.
  for (size_t i = locks.size(); i-- > 0;) {
    if (locks[i].lock != lock) continue;
    locks.erase(locks.begin() + (ptrdiff_t)i);
    if (locks.empty()) held_locks_.erase(held);
    return true;
  }
  return false;
}

void Kshim::LockdepAssert(const void* lock, int want, const char* expr, const char* site) {
  const HeldLock* mine = nullptr;
  auto held = held_locks_.find(ContextId());
  if (held != held_locks_.end())
    for (const HeldLock& h : held->second)
      if (h.lock == lock) mine = &h;
  const char* what = nullptr;
  switch (want) {
    case LLSIM_LOCKDEP_HELD: what = mine ? nullptr : "is not held"; break;
    case LLSIM_LOCKDEP_HELD_WRITE:
      what = !mine ? "is not held" : mine->read ? "is held for reading only" : nullptr;
      break;
    case LLSIM_LOCKDEP_HELD_READ:
      what = !mine ? "is not held" : !mine->read ? "is held for writing, not reading" : nullptr;
      break;
    default: what = mine ? "is held" : nullptr; break;
  }
  if (!what) return;
  static const char* const kNames[] = {"lockdep_assert_held", "lockdep_assert_held_write",
                                       "lockdep_assert_held_read", "lockdep_assert_not_held"};
  Fiber* f = Sched().Current();
  std::string msg = absl::StrCat(kNames[want & 3], "(", expr, ") at ", SiteName(site), ": ", expr,
                                 " ", what, " by ",
                                 f ? absl::StrCat("'", f->name, "'") : "the harness");
  if (mine) {
    absl::StrAppend(&msg, " (", HeldLine(*mine), ")");
  } else {
    // Who does hold it, if anyone: contexts in id order.
    for (auto& [ctx, locks] : held_locks_)
      for (const HeldLock& h : locks)
        if (h.lock == lock) {
          absl::StrAppend(&msg, " (held by fiber ", ctx, ": ", HeldLine(h), ")");
          Misuse(msg);
          return;
        }
  }
  Misuse(msg);
}

}  // namespace llsim

extern "C" void llsim_lockdep_assert(const void* l, int want, const char* expr, const char* site) {
  llsim::K("lockdep_assert_held").LockdepAssert(l, want, expr, site);
}
