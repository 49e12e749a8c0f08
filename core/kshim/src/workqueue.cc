// Workqueues. Each work item with a run pending or running has one worker
// fiber ("kworker/<queue>"), so an item never runs on two fibers at once,
// and a run queued while it runs is picked up by the same worker. Queues
// hand out tickets per queued run so flush_workqueue can wait for exactly
// the runs queued before it.
#include <cstdarg>

#include "absl/strings/str_cat.h"
#include "core/kshim/src/kshim.h"

using llsim::K;
using llsim::Kshim;

extern "C" {
struct workqueue_struct* system_wq = nullptr;
}

namespace {

using Wq = Kshim::WorkqueueState;

void Retire(Kshim& k, Wq* wq, uint64_t ticket) {
  wq->outstanding.erase(ticket);
  k.Sched().WakeAll(wq->flushers);
}

// The worker's body. It reads its own record before touching the item:
// an item whose run was cancelled before the worker started may already
// be freed. While a run is pending or running, freeing the item is
// reported and refused (kshim.cc), so the item is valid below.
void WorkerLoop(Kshim* k, const work_struct* key) {
  uint64_t me = k->ContextId();
  for (;;) {
    auto it = k->Workers().find(key);
    if (it == k->Workers().end() || it->second.fiber != me) return;
    Kshim::Worker& rec = it->second;
    if (!rec.pending_ticket) {
      k->Workers().erase(it);
      return;
    }
    auto* w = const_cast<work_struct*>(key);
    rec.running_wq = rec.pending_wq;
    rec.running_ticket = rec.pending_ticket;
    rec.pending_wq = nullptr;
    rec.pending_ticket = 0;
    w->llsim_pending = false;
    w->llsim_running = true;
    k->NoteContext(Kshim::Context::kWork, true);
    w->func(w);
    k->NoteContext(Kshim::Context::kWork, false);
    // No preemption point from here to the next run or the fiber's exit:
    // whoever waits for this run (on its stack, say) must not see it done
    // and free the item while the worker still writes to it.
    w->llsim_running = false;
    w->llsim_done++;
    Kshim::Worker& after = k->Workers().at(key);
    // A work function must not return holding a mapping (or a lock).
    k->CheckContextClean(absl::StrCat("a work function on ", after.running_wq->name, " returned"));
    Retire(*k, after.running_wq, after.running_ticket);
    after.running_wq = nullptr;
    after.running_ticket = 0;
    k->Waits().WakeAll(k->Sched(), key);
  }
}

Kshim::Worker* WorkerOf(Kshim& k, const work_struct* w) {
  auto it = k.Workers().find(w);
  return it == k.Workers().end() ? nullptr : &it->second;
}

// The name waiters on a work item see in hang and deadlock reports.
std::string ItemName(const work_struct* w) {
  return absl::StrCat("work item on ", w->llsim_wq ? w->llsim_wq->name.c_str() : "?");
}

bool CheckItem(Kshim& k, work_struct* w, const char* fn) {
  if (!w || !w->llsim_init) {
    k.Misuse(absl::StrCat(fn, " on a work item that was never initialised (INIT_WORK)"));
    return false;
  }
  return true;
}

// Waits (uninterruptible) on the item's list until `done` says so.
template <typename Done>
void WaitForItem(Kshim& k, work_struct* w, Done done) {
  while (!done()) k.Waits().Sleep(k.Sched(), w, ItemName(w), llsim::BlockKind::kUninterruptible);
}

bool IsOwnWorker(Kshim& k, const work_struct* w) {
  Kshim::Worker* rec = WorkerOf(k, w);
  return rec && rec->running_ticket && rec->fiber == k.ContextId();
}

}  // namespace

namespace llsim {

void Kshim::DestroyWorkqueue(WorkqueueState* wq) {
  flush_workqueue(wq);
  wq->destroyed = true;
}

}  // namespace llsim

extern "C" {

void llsim_init_work(struct work_struct* w, work_func_t fn, bool onstack) {
  Kshim& k = K(__func__);
  if (Kshim::Worker* rec = WorkerOf(k, w); rec && (rec->pending_ticket || rec->running_ticket)) {
    k.Misuse("INIT_WORK on a work item that is pending or running");
    return;
  }
  w->func = fn;
  w->llsim_wq = nullptr;
  w->llsim_queued = 0;
  w->llsim_done = 0;
  w->llsim_pending = false;
  w->llsim_running = false;
  w->llsim_onstack = onstack;
  w->llsim_init = true;
}

void destroy_work_on_stack(struct work_struct* w) {
  Kshim& k = K(__func__);
  if (w->llsim_pending || w->llsim_running)
    k.Misuse(absl::StrCat("destroy_work_on_stack on a work item that is ",
                          w->llsim_running ? "running" : "pending"));
  w->llsim_init = false;
}

struct workqueue_struct* alloc_workqueue(const char* fmt, unsigned int flags, int max_active, ...) {
  Kshim& k = K(__func__);
  char name[64];
  va_list ap;
  va_start(ap, max_active);
  llsim_vscnprintf(name, sizeof(name), fmt, ap);
  va_end(ap);
  if (k.InjectAllocFailure(absl::StrCat("alloc_workqueue(", name, ")").c_str())) return nullptr;
  return k.NewWorkqueue(name, flags);
}

void destroy_workqueue(struct workqueue_struct* wq) {
  Kshim& k = K(__func__);
  if (!wq || wq->destroyed) {
    k.Misuse(wq ? absl::StrCat("destroy_workqueue(", wq->name, ") twice")
                : std::string("destroy_workqueue(NULL)"));
    return;
  }
  if (!k.MaySleep("destroy_workqueue")) return;
  k.DestroyWorkqueue(wq);
}

bool queue_work(struct workqueue_struct* wq, struct work_struct* w) {
  Kshim& k = K(__func__);
  k.OnPreempt();
  if (!wq || wq->destroyed) {
    k.Misuse(wq ? absl::StrCat("queue_work on destroyed workqueue ", wq->name)
                : std::string("queue_work on a NULL workqueue"));
    return false;
  }
  if (!CheckItem(k, w, "queue_work")) return false;
  if (w->llsim_pending) return false;
  w->llsim_pending = true;
  w->llsim_queued++;
  w->llsim_wq = wq;
  uint64_t ticket = wq->next_ticket++;
  wq->outstanding.insert(ticket);
  Kshim::Worker* rec = WorkerOf(k, w);
  if (!rec) {
    Kshim* kp = &k;
    const work_struct* key = w;
    rec = &k.Workers()[w];
    rec->fiber = k.Sched().Spawn(absl::StrCat("kworker/", wq->name),
                                 [kp, key] { WorkerLoop(kp, key); });
  }
  rec->pending_wq = wq;
  rec->pending_ticket = ticket;
  return true;
}

bool schedule_work(struct work_struct* w) { return queue_work(K(__func__).SystemWq(), w); }

// Returns once the last run queued before the call has finished (or the
// item went idle because that run was cancelled).
bool flush_work(struct work_struct* w) {
  Kshim& k = K(__func__);
  if (!k.MaySleep("flush_work")) return false;
  k.OnPreempt();
  if (!CheckItem(k, w, "flush_work")) return false;
  if (!w->llsim_pending && !w->llsim_running) return false;
  if (IsOwnWorker(k, w)) {
    k.Misuse("flush_work from the work item's own run (it would wait for itself)");
    k.HaltIfFiber();
    return false;
  }
  u64 target = w->llsim_queued;
  WaitForItem(k, w, [w, target] {
    return w->llsim_done >= target || (!w->llsim_pending && !w->llsim_running);
  });
  return true;
}

// Drops a pending run; true if there was one.
static bool CancelPending(Kshim& k, work_struct* w) {
  if (!w->llsim_pending) return false;
  w->llsim_pending = false;
  w->llsim_queued--;  // the dropped run will never be done
  if (Kshim::Worker* rec = WorkerOf(k, w); rec && rec->pending_ticket) {
    Retire(k, rec->pending_wq, rec->pending_ticket);
    rec->pending_wq = nullptr;
    rec->pending_ticket = 0;
  }
  k.Waits().WakeAll(k.Sched(), w);
  return true;
}

bool cancel_work(struct work_struct* w) {
  Kshim& k = K(__func__);
  k.OnPreempt();
  if (!CheckItem(k, w, "cancel_work")) return false;
  return CancelPending(k, w);
}

bool cancel_work_sync(struct work_struct* w) {
  Kshim& k = K(__func__);
  if (!k.MaySleep("cancel_work_sync")) return false;
  k.OnPreempt();
  if (!CheckItem(k, w, "cancel_work_sync")) return false;
  if (IsOwnWorker(k, w)) {
    k.Misuse("cancel_work_sync from the work item's own run (it would wait for itself)");
    k.HaltIfFiber();
    return false;
  }
  bool was_pending = w->llsim_pending;
  // A run may be queued again while this waits for the running one; the
  // kernel guarantees neither is left when cancel_work_sync returns.
  WaitForItem(k, w, [&k, w] {
    CancelPending(k, w);
    return !w->llsim_running;
  });
  return was_pending;
}

void flush_workqueue(struct workqueue_struct* wq) {
  Kshim& k = K(__func__);
  if (!wq || wq->destroyed) {
    k.Misuse(wq ? absl::StrCat("flush_workqueue on destroyed workqueue ", wq->name)
                : std::string("flush_workqueue(NULL)"));
    return;
  }
  if (!k.MaySleep("flush_workqueue")) return;
  k.OnPreempt();
  uint64_t target = wq->next_ticket;
  while (!wq->outstanding.empty() && *wq->outstanding.begin() < target)
    k.Sched().Block(wq->flushers, llsim::BlockKind::kUninterruptible);
}

unsigned int work_busy(struct work_struct* w) {
  llsim_preempt();
  return (w->llsim_pending ? WORK_BUSY_PENDING : 0) | (w->llsim_running ? WORK_BUSY_RUNNING : 0);
}

}  // extern "C"
