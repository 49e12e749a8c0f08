// The kernel runtime of one simulated machine: what the shim's C functions
// act on. It owns every allocation the core makes (so a crash can reclaim
// them and a leak can be named), the workqueues, the printk buffer, the
// registered bitmap operations, and the checks that turn kernel API misuse
// into reported failures.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/kshim/include/md-bitmap.h"
#include "core/kshim/src/md_host.h"
#include "core/kshim/src/wait_registry.h"
#include "sim/world.h"

// The C side only ever sees a pointer to this.
struct workqueue_struct {
  std::string name;
  unsigned flags = 0;
  // Destroyed (or forgotten by a crash) queues stay allocated so that a
  // stale pointer is reported instead of becoming a use after free.
  bool destroyed = false;
  // Every queued run gets a ticket; flush_workqueue waits until every
  // ticket issued before it has retired (finished or been cancelled).
  uint64_t next_ticket = 1;
  std::set<uint64_t> outstanding;
  llsim::WaitList flushers;
  explicit workqueue_struct(std::string n) : name(std::move(n)), flushers("flush_workqueue " + name) {}
};

namespace llsim {

struct KshimConfig {
  // Allocation fault injection: each kmalloc/alloc_page fails with this
  // probability (seeded "alloc" stream); every failure is an event.
  uint32_t alloc_fail_per_million = 0;
  // Which boot of the machine this runtime is: each draws its failures
  // from its own stream ("alloc", then "alloc.boot1", ...).
  uint32_t boot = 0;
};

struct Allocation {
  uint64_t seq;  // allocation order: reports never depend on addresses
  size_t size;
  std::string site;
  bool is_page;
};

class Kshim {
 public:
  Kshim(World& world, KshimConfig cfg = {});
  ~Kshim();
  Kshim(const Kshim&) = delete;
  Kshim& operator=(const Kshim&) = delete;

  // The runtime the shim's C functions use; the latest constructed one.
  static Kshim* Active() { return active_; }

  World& GetWorld() { return world_; }
  Scheduler& Sched() { return world_.Sched(); }
  KshimConfig& Config() { return cfg_; }

  void SetMdHost(MdHost* host) { md_host_ = host; }
  MdHost* Host() const { return md_host_; }

  // What the core registered (register_md_submodule), or nullptr.
  const bitmap_operations* BitmapOps() const { return bitmap_ops_; }
  int Register(md_submodule_head* head);
  void Unregister(md_submodule_head* head);

  // Reports kernel API misuse as a failure of the run (kind kShimMisuse).
  void Misuse(const std::string& what);
  // A kernel WARN/BUG in the core (kind kCore).
  void CoreBug(const std::string& what);

  // printk lines, "[   12.345678] text", in order, and their log levels.
  const std::vector<std::string>& Dmesg() const { return dmesg_; }
  const std::vector<int>& DmesgLevels() const { return dmesg_levels_; }
  void Printk(const std::string& line, int level = kDefaultLogLevel);
  static constexpr int kDefaultLogLevel = 4;

  // Allocations still live, one line each ("<size> bytes from <site>"),
  // in allocation order.
  std::vector<std::string> Leaks() const;
  size_t LiveAllocations() const { return allocs_.size(); }

  // Crash: frees every allocation without running any core code and
  // forgets all workqueues, timers, sleepers and mappings; the fibers are
  // already gone (World::Crash).
  void Reclaim();

  // Called at every preemption point after the scheduler's choice, unless
  // the fiber was switched away there (the scheduler's leave observer saw
  // it then); the oracle uses it to watch bitmap state bytes change.
  void SetPreemptObserver(std::function<void()> fn) { preempt_observer_ = std::move(fn); }
  // Called, in its fiber, as a work item's run or a timer callback begins
  // (begin) and as it returns: the step invariants learn which core code
  // no md call entered is running.
  enum class Context { kWork, kTimer };
  void SetContextObserver(std::function<void(Context, bool begin)> fn) {
    context_observer_ = std::move(fn);
  }
  // Called as the core frees a page, with its memory (before it goes): a
  // watcher of page memory stops reading it.
  void SetPageFreeObserver(std::function<void(const void* virt)> fn) {
    page_free_observer_ = std::move(fn);
  }
  void NoteContext(Context c, bool begin) {
    if (!context_observer_) return;
    QuietScope quiet(Sched());
    context_observer_(c, begin);
  }

  // --- used by the shim's C functions ---------------------------------
  void* Alloc(size_t size, bool zero, const char* site, bool is_page);
  void Free(const void* p, const char* what, bool is_page = false);
  // The allocation holding p (anywhere inside it), or nullptr.
  const Allocation* FindAllocation(const void* p) const;
  bool InjectAllocFailure(const char* site);
  // An allocation with these flags may sleep: reported (and the fiber
  // halted) in atomic context. False if it was reported.
  bool AllocContextOk(unsigned gfp, const char* what, const char* site);
  uint64_t AllocFailuresInjected() const { return alloc_failures_; }
  void OnPreempt();
  // llsim_preempt: the core's own shared-memory accesses (atomics, bitops,
  // READ_ONCE, barriers). Tells the scheduler whether this fiber came here
  // straight from its previous such point without touching anything but
  // its memory outside the page arena (see StepMark), then preempts.
  void OnCoreAccessPoint();
  // Reports sleeping where it is not allowed; halts a fiber that tried.
  bool MaySleep(const char* what);
  // Stops the current fiber after a failure it caused; from handler
  // context there is nothing to stop, and the run ends after the handler.
  void HaltIfFiber();
  // The current context: a fiber id (interrupts are fibers), or 0 for the
  // harness itself. Inline: lockdep, RCU and kmap ask at every call.
  uint64_t ContextId() {
    Fiber* f = Sched().Current();
    return f ? f->id : 0;
  }

  WaitRegistry& Waits() { return waits_; }

  using WorkqueueState = ::workqueue_struct;
  WorkqueueState* NewWorkqueue(const std::string& name, unsigned flags);
  void DestroyWorkqueue(WorkqueueState* wq);
  WorkqueueState* SystemWq() const { return system_wq_; }

  // An armed timer: its scheduler timer and which arming it is.
  struct ArmedTimer {
    uint64_t sched_id;  // 0: too far out to ever fire
    uint64_t arm_seq;
  };
  std::map<const timer_list*, ArmedTimer>& Timers() { return timers_; }
  uint64_t NextArmSeq() { return ++arm_seq_; }

  // The worker fiber of a work item, while one exists. The worker keeps
  // its bookkeeping here rather than in the work item, so that it never
  // has to read an item that was cancelled and freed before it ran.
  struct Worker {
    uint64_t fiber = 0;
    WorkqueueState* pending_wq = nullptr;
    uint64_t pending_ticket = 0;  // 0: no run pending
    WorkqueueState* running_wq = nullptr;
    uint64_t running_ticket = 0;  // 0: not running
  };
  std::map<const work_struct*, Worker>& Workers() { return workers_; }

  // RCU read-side nesting per fiber, and how many fibers are inside one.
  std::map<uint64_t, int>& RcuDepth() { return rcu_depth_; }
  int& RcuReaders() { return rcu_readers_; }

  // Timer callbacks running now, by timer: the interrupt fiber running it.
  // timer_delete_sync waits for them; kfree of one is reported.
  std::map<const timer_list*, uint64_t>& RunningTimers() { return running_timers_; }

  // kmap_local/kmap_atomic mappings of each context (fiber id, 0 = the
  // harness), innermost last.
  struct Mapping {
    uintptr_t addr;    // the page's address
    const char* site;  // where it was mapped
    bool atomic;       // kmap_atomic: preemption is off until it is unmapped
  };
  std::map<uint64_t, std::vector<Mapping>>& Mappings() { return mappings_; }
  // kmap() mappings still held, by page: how many, and the first site.
  struct GlobalMap {
    int count;
    uint64_t seq;  // mapping order: reports never depend on addresses
    const char* site;
  };
  std::map<const page*, GlobalMap>& GlobalMaps() { return global_maps_; }
  uint64_t NextMapSeq() { return ++map_seq_; }

  // Reports what the current context still holds (local mappings, locks)
  // when it must hold nothing: `where` says why ("fiber 'x' ended", ...).
  void CheckContextClean(const std::string& where);
  // What is still mapped or locked at teardown, one line each, in a fixed
  // order.
  std::vector<std::string> HeldAtTeardown() const;

  // --- lockdep (lockdep.cc) ---------------------------------------------
  // A lock class: where the lock was initialised, or its name when the
  // initialiser gave no site. Classes are numbered in the order they are
  // first taken, and reports name them, never addresses.
  int LockClass(const char* name, const char* init_site);
  // Before taking a lock (and before waiting for it): checks the order of
  // its class against every class the context holds, records the new
  // dependencies, and reports an inversion (a cycle in the graph).
  void LockOrderCheck(int cls, const char* how, const char* site);
  // The current context now holds `lock` (read: shared).
  void LockHeld(const void* lock, int cls, bool read, const char* how, const char* site);
  // The current context releases `lock`; false if it did not hold it.
  bool LockReleased(const void* lock);
  // lockdep_assert_held and friends (want: LLSIM_LOCKDEP_*).
  void LockdepAssert(const void* lock, int want, const char* expr, const char* site);

 private:
  // The newest live instance (LiveInstances().back()): read at every
  // preemption point.
  static inline Kshim* active_ = nullptr;
  // What in [p, p+size) must not be freed, one line each, by offset.
  std::vector<std::string> BusyObjectsIn(uintptr_t p, size_t size) const;
  void FreeAll();

  World& world_;
  KshimConfig cfg_;
  Rng alloc_rng_;
  MdHost* md_host_ = nullptr;
  const bitmap_operations* bitmap_ops_ = nullptr;
  std::map<uintptr_t, Allocation> allocs_;  // by address: lookups only
  uint64_t alloc_seq_ = 0;
  uint64_t alloc_failures_ = 0;
  std::vector<std::string> dmesg_;
  std::vector<int> dmesg_levels_;
  WaitRegistry waits_;
  std::map<const timer_list*, ArmedTimer> timers_;  // lookups only
  uint64_t arm_seq_ = 0;
  std::map<const work_struct*, Worker> workers_;    // lookups only
  struct HeldLock {
    const void* lock;  // compared for equality only
    int cls;
    bool read;
    const char* how;   // "spin_lock", "mutex_lock", ...
    const char* site;  // where it was taken
  };
  struct OrderEdge {   // class B was taken while class A was held
    const char* held_site;   // where A was taken
    const char* taken_site;  // where B was taken
    const char* how;
    std::string context;
  };
  std::string HeldLine(const HeldLock& h) const;
  std::vector<int> LockPath(int from, int to) const;
  std::map<std::pair<const char*, const char*>, int> lock_class_ids_;  // lookups only
  std::vector<std::string> lock_class_names_;
  std::vector<std::map<int, OrderEdge>> lock_after_;  // by class id: A -> B -> first seen
  std::set<std::pair<int, int>> inversions_reported_;
  std::map<uint64_t, std::vector<HeldLock>> held_locks_;  // by context, oldest first
  std::map<uint64_t, std::vector<Mapping>> mappings_;
  std::map<const page*, GlobalMap> global_maps_;  // lookups only
  uint64_t map_seq_ = 0;
  std::map<uint64_t, int> rcu_depth_;
  int rcu_readers_ = 0;
  std::map<const timer_list*, uint64_t> running_timers_;  // lookups only
  std::vector<std::unique_ptr<WorkqueueState>> workqueues_;
  WorkqueueState* system_wq_ = nullptr;
  std::function<void()> preempt_observer_;
  // What the world looked like as a fiber left its last llsim_preempt: if
  // nothing of it moved by the next one, the step between was pure with
  // respect to time passing (the explorer's sleep sets rest on that). Time
  // passing reads and writes the clock, the timer queue, the run queue and
  // the log, and nothing else; so a step that read no time, changed no
  // timer, woke, spawned or blocked nothing, recorded no event and was not
  // switched away commutes with it. It must also store to no page of the
  // arena, the core memory the step checks compare: otherwise the checks
  // would see the page change at another time. Shim calls are allowed: the
  // shim's own state (locks, mappings, allocations) is not touched by time
  // passing.
  struct StepMark {
    uint64_t arena_stores = 0, switches = 0, mutations = 0, clock_reads = 0, events = 0,
             fiber = 0;
    bool operator==(const StepMark&) const = default;
  };
  StepMark Mark() const;
  StepMark last_mark_;
  std::function<void(Context, bool)> context_observer_;
  std::function<void(const void*)> page_free_observer_;
};

// A core site (__FILE__:__LINE__) as reports show it: the file's base name
// and the line, so nothing depends on where the tree was checked out.
std::string SiteName(const char* site);

// The active runtime for a shim entry point; a shim call with no runtime
// is a harness bug, reported on stderr before aborting.
Kshim& K(const char* fn);

}  // namespace llsim
