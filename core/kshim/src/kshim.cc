// The Kshim runtime: which instance is active, the allocation registry,
// failure reports, dmesg, crash reclaim and submodule registration.
#include "core/kshim/src/kshim.h"
#include "core/kshim/src/store_track.h"

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace llsim {

namespace {

// Live instances in construction order; the last one is active.
std::vector<Kshim*>& LiveInstances() {
  static std::vector<Kshim*> live;
  return live;
}

}  // namespace

// Sites are __FILE__:__LINE__ of the core; only the file's base name goes
// into reports, so a trace does not depend on where the tree was checked out.
std::string SiteName(const char* site) {
  if (!site) return "?";
  const char* slash = strrchr(site, '/');
  return slash ? slash + 1 : site;
}


Kshim::Kshim(World& world, KshimConfig cfg)
    : world_(world),
      cfg_(cfg),
      alloc_rng_(world.Stream(cfg.boot ? absl::StrCat("alloc.boot", cfg.boot) : "alloc")) {
  LiveInstances().push_back(this);
  active_ = this;
  system_wq_ = NewWorkqueue("events", 0);
  ::system_wq = system_wq_;
  Sched().SetFiberExitHook([this] {
    CheckContextClean(absl::StrCat("fiber '", Sched().Current()->name, "' ended"));
  });
}

Kshim::~Kshim() {
  // Fibers of this machine may sleep on lists and run work items this
  // runtime owns: stop them while it still exists.
  if (Sched().LiveFibers() > 0) Sched().CancelAll();
  Sched().SetFiberExitHook(nullptr);
  for (auto& [t, armed] : timers_)
    if (armed.sched_id) Sched().Cancel(armed.sched_id);
  timers_.clear();
  FreeAll();
  auto& live = LiveInstances();
  live.erase(std::find(live.begin(), live.end(), this));
  active_ = live.empty() ? nullptr : live.back();
  ::system_wq = live.empty() ? nullptr : live.back()->system_wq_;
}

Kshim& K(const char* fn) {
  Kshim* k = Kshim::Active();
  if (!k) {
    fprintf(stderr, "llsim: %s called with no Kshim runtime\n", fn);
    abort();
  }
  return *k;
}

int Kshim::Register(md_submodule_head* head) {
  if (!head) {
    Misuse("register_md_submodule(NULL)");
    return -EINVAL;
  }
  if (head->type != MD_BITMAP) return 0;
  // The head is the first member of struct bitmap_operations.
  static_assert(offsetof(bitmap_operations, head) == 0);
  auto* ops = reinterpret_cast<const bitmap_operations*>(head);
  if (bitmap_ops_ && bitmap_ops_ != ops) return -EBUSY;
  bitmap_ops_ = ops;
  return 0;
}

void Kshim::Unregister(md_submodule_head* head) {
  if (head && head->type == MD_BITMAP &&
      reinterpret_cast<const bitmap_operations*>(head) == bitmap_ops_)
    bitmap_ops_ = nullptr;
}

void Kshim::Misuse(const std::string& what) {
  Sched().ReportFailure(FailureKind::kShimMisuse, what);
}

void Kshim::CoreBug(const std::string& what) { Sched().ReportFailure(FailureKind::kCore, what); }

void Kshim::Printk(const std::string& line, int level) {
  Nanos now = world_.Clock().Now();
  dmesg_.push_back(absl::StrFormat("[%5lu.%06lu] %s", (unsigned long)(now / kNsPerSec),
                                   (unsigned long)(now % kNsPerSec / 1000), line));
  dmesg_levels_.push_back(level);
  world_.Log().Record({now, EventKind::kCore, (uint64_t)level, 0, 0, line});
}

bool Kshim::InjectAllocFailure(const char* site) {
  if (cfg_.alloc_fail_per_million == 0) return false;
  if (!alloc_rng_.Chance(cfg_.alloc_fail_per_million, 1000000)) return false;
  alloc_failures_++;
  world_.Log().Record({world_.Clock().Now(), EventKind::kFault, 0, 0, 0,
                       absl::StrCat("allocation failure injected at ", SiteName(site))});
  return true;
}

void* Kshim::Alloc(size_t size, bool zero, const char* site, bool is_page) {
  void* p;
  if (is_page) {
    // struct page and its 4 KiB of data, page aligned like the kernel's,
    // so offset_in_page() of page_address() is 0.
    void* data = store_track::AllocPageData();
    auto* pg = static_cast<page*>(calloc(1, sizeof(page)));
    if (!data || !pg) {
      fprintf(stderr, "llsim: out of host memory\n");
      abort();
    }
    if (zero) memset(data, 0, PAGE_SIZE);
    pg->virt = data;
    p = pg;
    size = PAGE_SIZE;
  } else {
    // malloc, not a pool: ASan then sees a core's use after free.
    p = zero ? calloc(1, size ? size : 1) : malloc(size ? size : 1);
    if (!p) {
      fprintf(stderr, "llsim: out of host memory\n");
      abort();
    }
  }
  allocs_[reinterpret_cast<uintptr_t>(p)] = Allocation{++alloc_seq_, size, SiteName(site), is_page};
  return p;
}

const Allocation* Kshim::FindAllocation(const void* p) const {
  auto addr = reinterpret_cast<uintptr_t>(p);
  auto it = allocs_.upper_bound(addr);
  if (it == allocs_.begin()) return nullptr;
  --it;
  size_t extent = it->second.is_page ? sizeof(page) : std::max<size_t>(it->second.size, 1);
  return addr < it->first + extent ? &it->second : nullptr;
}

std::vector<std::string> Kshim::BusyObjectsIn(uintptr_t lo, size_t size) const {
  uintptr_t hi = lo + size;
  std::vector<std::pair<uintptr_t, std::string>> busy;
  for (auto it = timers_.lower_bound(reinterpret_cast<const timer_list*>(lo));
       it != timers_.end() && reinterpret_cast<uintptr_t>(it->first) < hi; ++it)
    busy.emplace_back(reinterpret_cast<uintptr_t>(it->first) - lo, "an armed timer");
  // A callback may free its own timer; anyone else must wait for it to end.
  const Fiber* me = world_.Sched().Current();
  for (auto it = running_timers_.lower_bound(reinterpret_cast<const timer_list*>(lo));
       it != running_timers_.end() && reinterpret_cast<uintptr_t>(it->first) < hi; ++it)
    if (!me || it->second != me->id)
      busy.emplace_back(reinterpret_cast<uintptr_t>(it->first) - lo, "a running timer callback");
  for (auto it = workers_.lower_bound(reinterpret_cast<const work_struct*>(lo));
       it != workers_.end() && reinterpret_cast<uintptr_t>(it->first) < hi; ++it) {
    if (it->second.running_ticket)
      busy.emplace_back(reinterpret_cast<uintptr_t>(it->first) - lo, "a running work item");
    else if (it->second.pending_ticket)
      busy.emplace_back(reinterpret_cast<uintptr_t>(it->first) - lo, "a pending work item");
  }
  for (auto& [off, name] : waits_.SleepersIn(lo, hi))
    busy.emplace_back(off, absl::StrCat("'", name, "' with sleepers"));
  std::stable_sort(busy.begin(), busy.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (auto& [off, what] : busy) out.push_back(absl::StrCat(what, " at offset ", off));
  return out;
}

void Kshim::Free(const void* p, const char* what, bool is_page) {
  auto it = allocs_.find(reinterpret_cast<uintptr_t>(p));
  if (it == allocs_.end()) {
    const Allocation* inside = FindAllocation(p);
    Misuse(inside ? absl::StrCat(what, " of a pointer into the middle of an allocation from ",
                                 inside->site)
                  : absl::StrCat(what, " of memory that is not allocated (never, or already freed)"));
    return;
  }
  Allocation& a = it->second;
  if (a.is_page != is_page) {
    Misuse(absl::StrCat(what, " of ", a.is_page ? "a page" : "kmalloc memory", " from ", a.site));
    return;
  }
  if (!a.is_page) {
    // Freeing a live timer, queued work or a sleeper's object is a use
    // after free waiting to happen; it is reported and the memory is kept
    // (reclaimed later) so the harness itself never touches freed memory.
    std::vector<std::string> busy = BusyObjectsIn(it->first, a.size);
    if (!busy.empty()) {
      std::string msg = absl::StrCat(what, " of ", a.size, " bytes from ", a.site, " holding");
      for (size_t i = 0; i < busy.size(); i++) absl::StrAppend(&msg, i ? ", " : " ", busy[i]);
      Misuse(msg);
      return;
    }
  }
  void* mem = reinterpret_cast<void*>(it->first);
  if (a.is_page && page_free_observer_) {
    QuietScope quiet(Sched());
    page_free_observer_(static_cast<page*>(mem)->virt);
  }
  if (a.is_page) store_track::FreePageData(static_cast<page*>(mem)->virt);
  free(mem);
  allocs_.erase(it);
}

std::vector<std::string> Kshim::Leaks() const {
  std::vector<const Allocation*> live;
  for (auto& [addr, a] : allocs_) live.push_back(&a);
  std::sort(live.begin(), live.end(),
            [](const Allocation* x, const Allocation* y) { return x->seq < y->seq; });
  std::vector<std::string> out;
  for (const Allocation* a : live)
    out.push_back(absl::StrCat(a->size, " bytes from ", a->site, a->is_page ? " (page)" : ""));
  return out;
}

void Kshim::FreeAll() {
  for (auto& [addr, a] : allocs_) {
    void* mem = reinterpret_cast<void*>(addr);
    if (a.is_page) store_track::FreePageData(static_cast<page*>(mem)->virt);
    free(mem);
  }
  allocs_.clear();
}

void Kshim::Reclaim() {
  FreeAll();
  waits_.Clear();
  timers_.clear();
  workers_.clear();
  mappings_.clear();
  global_maps_.clear();
  held_locks_.clear();
  lock_after_.clear();
  lock_class_ids_.clear();
  lock_class_names_.clear();
  inversions_reported_.clear();
  rcu_depth_.clear();
  rcu_readers_ = 0;
  running_timers_.clear();
  // A core's static pointers may still name the old queues: keep them,
  // marked dead, so using one is reported rather than a use after free.
  for (auto& wq : workqueues_) wq->destroyed = true;
  bitmap_ops_ = nullptr;
  system_wq_ = NewWorkqueue("events", 0);
  if (Active() == this) ::system_wq = system_wq_;
}

Kshim::WorkqueueState* Kshim::NewWorkqueue(const std::string& name, unsigned flags) {
  workqueues_.push_back(std::make_unique<WorkqueueState>(name));
  workqueues_.back()->flags = flags;
  return workqueues_.back().get();
}

void Kshim::CheckContextClean(const std::string& where) {
  auto held = held_locks_.find(ContextId());
  if (held != held_locks_.end()) {
    Misuse(absl::StrCat(HeldLine(held->second.back()), " still held when ", where,
                        held->second.size() > 1
                            ? absl::StrFormat(" (and %d more locks)", held->second.size() - 1)
                            : ""));
    held_locks_.erase(held);
  }
  auto it = mappings_.find(ContextId());
  if (it == mappings_.end()) return;
  const Mapping& m = it->second.back();
  Misuse(absl::StrCat(m.atomic ? "kmap_atomic" : "kmap_local_page", " at ", SiteName(m.site),
                      " still mapped when ", where,
                      it->second.size() > 1
                          ? absl::StrFormat(" (and %d more local mappings)", it->second.size() - 1)
                          : ""));
  // Reported once: the mappings die with the context.
  mappings_.erase(it);
}

std::vector<std::string> Kshim::HeldAtTeardown() const {
  std::vector<std::string> out;
  for (auto& [ctx, stack] : mappings_)
    for (const Mapping& m : stack)
      out.push_back(absl::StrCat(m.atomic ? "kmap_atomic" : "kmap_local_page", " at ",
                                 SiteName(m.site), " still mapped (",
                                 ctx ? absl::StrCat("fiber ", ctx) : "the harness", ")"));
  for (auto& [ctx, locks] : held_locks_)
    for (const HeldLock& h : locks)
      out.push_back(absl::StrCat(HeldLine(h), " still held (",
                                 ctx ? absl::StrCat("fiber ", ctx) : "the harness", ")"));
  std::vector<const GlobalMap*> global;
  for (auto& [pg, g] : global_maps_) global.push_back(&g);
  std::sort(global.begin(), global.end(),
            [](const GlobalMap* a, const GlobalMap* b) { return a->seq < b->seq; });
  for (const GlobalMap* g : global)
    out.push_back(absl::StrCat("kmap at ", SiteName(g->site), " still mapped (", g->count,
                               g->count > 1 ? " times)" : " time)"));
  return out;
}

void Kshim::OnPreempt() {
  if (!Sched().InFiber() || Sched().Quiet()) return;
  uint64_t switches = Sched().SwitchCount();
  Sched().Preempt();
  // Back from a switch, nothing ran that was not looked at as it left the
  // CPU (this fiber too): the observer would compare the same bytes again.
  if (preempt_observer_ && Sched().SwitchCount() == switches) {
    QuietScope quiet(Sched());
    preempt_observer_();
  }
}

Kshim::StepMark Kshim::Mark() const {
  Scheduler& s = world_.Sched();
  return {store_track::ArenaStores(), s.SwitchCount(),  s.Mutations(), s.Clock().Reads(),
          world_.Log().Count(),       s.Current() ? s.Current()->id : 0};
}

void Kshim::OnCoreAccessPoint() {
  // Only the explorer reads purity (from the decision journal): elsewhere
  // this is a plain preemption point, with nothing added to the hot path.
  if (!Sched().Journaling()) return OnPreempt();
  if (!Sched().InFiber() || Sched().Quiet()) return;
  // Pure only where every page the step checks read is watched by the
  // store hooks; otherwise a store to one would go unseen.
  Sched().SetPureStep(store_track::AllPagesWatched() && Mark() == last_mark_);
  OnPreempt();
  last_mark_ = Mark();
}

bool Kshim::MaySleep(const char* what) {
  if (Sched().CheckMaySleep(what)) return true;
  HaltIfFiber();
  return false;
}

void Kshim::HaltIfFiber() {
  if (Sched().InFiber()) Sched().HaltCurrent();
}

}  // namespace llsim
