// Wait queues: sleeping until woken or until a jiffies timeout, on the
// wait list the registry keeps for the queue's address.
#include "absl/strings/str_cat.h"
#include "core/kshim/src/kshim.h"
#include "core/kshim/src/ktime_util.h"

using llsim::K;
using llsim::Kshim;

extern "C" {

void llsim_init_waitqueue_head(wait_queue_head_t* wq, const char* name) { wq->name = name; }

// Preempting before the wake, never after it: a waiter may own the queue's
// memory (an on-stack completion, a work item) and free it as soon as it
// runs, so the waker must be done with the object by then.
void wake_up(wait_queue_head_t* wq) {
  Kshim& k = K(__func__);
  k.OnPreempt();
  k.Waits().WakeAll(k.Sched(), wq);
}

bool wq_has_sleeper(wait_queue_head_t* wq) {
  Kshim& k = K(__func__);
  k.OnPreempt();
  return k.Waits().HasSleepers(wq);
}

void llsim_wq_prepare(wait_queue_head_t* wq, const char* what) {
  Kshim& k = K(__func__);
  if (!k.Sched().InFiber()) return;
  k.Waits().Prepare(k.Sched(), wq, absl::StrCat("wait queue ", wq->name ? wq->name : what));
}

void llsim_wq_finish(wait_queue_head_t* wq) {
  Kshim& k = K(__func__);
  if (!k.Sched().InFiber()) return;
  k.Waits().Finish(k.Sched(), wq);
}

bool llsim_wq_sleep(wait_queue_head_t* wq, long timeout, bool idle, const char* what) {
  Kshim& k = K(__func__);
  if (!k.MaySleep(what)) return false;
  llsim::Nanos deadline = llsim::DeadlineAfterJiffies(k, timeout);
  auto kind = idle ? llsim::BlockKind::kIdle : llsim::BlockKind::kUninterruptible;
  std::string name = absl::StrCat("wait queue ", wq->name ? wq->name : what);
  return k.Waits().Sleep(k.Sched(), wq, name, kind, deadline) == llsim::WakeReason::kWoken;
}

}  // extern "C"
