// Completions: a counter of completions not yet consumed, and a wait list
// (kept by the registry) for those waiting for one.
#include <climits>

#include "absl/strings/str_cat.h"
#include "core/kshim/src/kshim.h"
#include "core/kshim/src/ktime_util.h"

using llsim::K;
using llsim::Kshim;

namespace {

// complete_all's "done forever" value; waiters never consume it.
constexpr unsigned kCompleteAll = UINT_MAX / 2;

std::string ListName(const completion* c) {
  return absl::StrCat("completion ", c->name ? c->name : "?");
}

// Waits for a completion to consume; false on timeout (negative: none).
bool WaitForCompletion(Kshim& k, completion* c, long timeout, const char* what) {
  if (!k.MaySleep(what)) return false;
  k.OnPreempt();
  llsim::Nanos deadline = llsim::DeadlineAfterJiffies(k, timeout);
  while (c->done == 0) {
    if (k.Waits().Sleep(k.Sched(), c, ListName(c), llsim::BlockKind::kUninterruptible,
                        deadline) == llsim::WakeReason::kTimeout &&
        c->done == 0)
      return false;
  }
  if (c->done != kCompleteAll) c->done--;
  return true;
}

}  // namespace

extern "C" {

// Preempt first, then signal: the waiter may free the completion (it is
// often on its stack) as soon as it runs.
void complete(struct completion* c) {
  Kshim& k = K(__func__);
  k.OnPreempt();
  if (c->done != kCompleteAll) c->done++;
  k.Waits().WakeOne(k.Sched(), c);
}

void complete_all(struct completion* c) {
  Kshim& k = K(__func__);
  k.OnPreempt();
  c->done = kCompleteAll;
  k.Waits().WakeAll(k.Sched(), c);
}

void wait_for_completion(struct completion* c) {
  WaitForCompletion(K(__func__), c, -1, "wait_for_completion");
}

unsigned long wait_for_completion_timeout(struct completion* c, unsigned long timeout) {
  Kshim& k = K(__func__);
  unsigned long end = k.GetWorld().Clock().Jiffies() + timeout;
  if (!WaitForCompletion(k, c, (long)timeout, "wait_for_completion_timeout")) return 0;
  long left = (long)(end - k.GetWorld().Clock().Jiffies());
  return left > 0 ? (unsigned long)left : 1;
}

bool completion_done(struct completion* c) {
  llsim_preempt();
  return c->done != 0;
}

}  // extern "C"
