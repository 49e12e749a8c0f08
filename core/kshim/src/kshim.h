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
#include <string>
#include <vector>

#include "core/kshim/include/md-bitmap.h"
#include "core/kshim/src/md_host.h"
#include "sim/world.h"

namespace llsim {

struct KshimConfig {
  // Allocation fault injection: each kmalloc/alloc_page fails with this
  // probability (seeded "alloc" stream); every failure is an event.
  uint32_t alloc_fail_per_million = 0;
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
  static Kshim* Active();

  World& GetWorld() { return world_; }
  Scheduler& Sched() { return world_.Sched(); }
  KshimConfig& Config() { return cfg_; }

  void SetMdHost(MdHost* host) { md_host_ = host; }
  MdHost* Host() const { return md_host_; }

  // What the core registered (register_md_submodule), or nullptr.
  const bitmap_operations* BitmapOps() const { return bitmap_ops_; }
  void Register(md_submodule_head* head);
  void Unregister(md_submodule_head* head);

  // Reports kernel API misuse as a failure of the run (kind kShimMisuse).
  void Misuse(const std::string& what);
  // A kernel WARN/BUG in the core (kind kCore).
  void CoreBug(const std::string& what);

  // printk lines, "[   12.345678] text", in order.
  const std::vector<std::string>& Dmesg() const { return dmesg_; }
  void Printk(const std::string& line);

  // Allocations still live, one line each ("<size> bytes from <site>").
  std::vector<std::string> Leaks() const;
  size_t LiveAllocations() const { return allocs_.size(); }

  // Crash: frees every allocation without running any core code and
  // forgets all workqueues; the fibers are already gone (World::Crash).
  void Reclaim();

  // Called at every preemption point (after the scheduler's choice); the
  // oracle uses it to watch bitmap state bytes change.
  void SetPreemptObserver(std::function<void()> fn) { preempt_observer_ = std::move(fn); }

  // --- used by the shim's C functions ---------------------------------
  void* Alloc(size_t size, bool zero, const char* site, bool is_page);
  void Free(const void* p, const char* what);
  const Allocation* FindAllocation(const void* p) const;
  bool InjectAllocFailure(const char* site);
  void OnPreempt();
  struct WorkqueueState;
  WorkqueueState* NewWorkqueue(const std::string& name, unsigned flags);
  void DestroyWorkqueue(WorkqueueState* wq);

 private:
  World& world_;
  KshimConfig cfg_;
  Rng alloc_rng_;
  MdHost* md_host_ = nullptr;
  const bitmap_operations* bitmap_ops_ = nullptr;
  std::map<uintptr_t, Allocation> allocs_;  // by address: lookups only
  std::vector<std::string> dmesg_;
  std::vector<std::unique_ptr<WorkqueueState>> workqueues_;
  std::function<void()> preempt_observer_;
};

}  // namespace llsim
