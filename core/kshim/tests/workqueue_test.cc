// Workqueues: queueing, non-reentrancy, flush_work, cancel_work_sync,
// flush_workqueue, destroy, and the on-stack work + completion pattern
// llbitmap's unplug uses.
#include <algorithm>

#include "core/kshim/tests/kshim_fixture.h"

namespace llsim {
namespace {

// A work item that counts its runs and can sleep while running.
struct Job {
  work_struct work;
  unsigned sleep_ms = 0;
  int runs = 0;
  int inside = 0;
  int max_inside = 0;
  unsigned long finished_at = 0;  // jiffies
};

Job* JobOf(work_struct* w) {
  return reinterpret_cast<Job*>(reinterpret_cast<char*>(w) - offsetof(Job, work));
}

void RunJob(work_struct* w) {
  Job* j = JobOf(w);
  j->inside++;
  j->max_inside = std::max(j->max_inside, j->inside);
  if (j->sleep_ms) msleep(j->sleep_ms);
  j->runs++;
  j->inside--;
  j->finished_at = llsim_jiffies();
}

int CountSpawns(KWorld& w, const std::string& name) {
  int n = 0;
  for (const Event& e : w.world->Log().Events())
    if (e.kind == EventKind::kFiberSpawn && e.text == name) n++;
  return n;
}

TEST(WorkqueueTest, QueueWorkOnPendingReturnsFalse) {
  KWorld w;
  Job j;
  unsigned busy = 0;
  w.Spawn("t", [&] {
    INIT_WORK(&j.work, RunJob);
    EXPECT_TRUE(queue_work(system_wq, &j.work));
    EXPECT_FALSE(queue_work(system_wq, &j.work));
    busy = work_busy(&j.work);
    EXPECT_TRUE(work_pending(&j.work));
  });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  EXPECT_EQ(busy, (unsigned)WORK_BUSY_PENDING);
  EXPECT_EQ(j.runs, 1);
  EXPECT_EQ(work_busy(&j.work), 0u);
  EXPECT_EQ(CountSpawns(w, "kworker/events"), 1);
}

TEST(WorkqueueTest, FlushWorkWaitsForRunningWork) {
  KWorld w;
  Job j;
  j.sleep_ms = 1000;
  unsigned busy = 0;
  bool waited = false, waited_again = true;
  unsigned long flushed_at = 0;
  w.Spawn("t", [&] {
    INIT_WORK(&j.work, RunJob);
    queue_work(system_wq, &j.work);
    msleep(10);  // the worker is now inside RunJob, asleep
    busy = work_busy(&j.work);
    waited = flush_work(&j.work);
    flushed_at = llsim_jiffies();
    EXPECT_EQ(j.runs, 1);
    waited_again = flush_work(&j.work);  // idle: returns at once
  });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  EXPECT_EQ(busy, (unsigned)WORK_BUSY_RUNNING);
  EXPECT_TRUE(waited);
  EXPECT_FALSE(waited_again);
  EXPECT_EQ(flushed_at, j.finished_at);
}

TEST(WorkqueueTest, RequeueWhileRunningRunsAgainOnTheSameWorker) {
  KWorld w(250, "random", {}, 11);
  Job j;
  j.sleep_ms = 50;
  w.Spawn("t", [&] {
    INIT_WORK(&j.work, RunJob);
    queue_work(system_wq, &j.work);
    msleep(10);
    EXPECT_TRUE(queue_work(system_wq, &j.work));  // running, not pending
    EXPECT_EQ(work_busy(&j.work), (unsigned)(WORK_BUSY_PENDING | WORK_BUSY_RUNNING));
    EXPECT_TRUE(flush_work(&j.work));
    EXPECT_EQ(j.runs, 2);
  });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  EXPECT_EQ(j.max_inside, 1);
  EXPECT_EQ(CountSpawns(w, "kworker/events"), 1);
}

TEST(WorkqueueTest, CancelWorkSyncDropsPendingRun) {
  KWorld w;
  Job j;
  bool was_pending = false, flushed = true;
  w.Spawn("t", [&] {
    INIT_WORK(&j.work, RunJob);
    queue_work(system_wq, &j.work);
    was_pending = cancel_work_sync(&j.work);
    flushed = flush_work(&j.work);
    EXPECT_EQ(work_busy(&j.work), 0u);
  });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  EXPECT_TRUE(was_pending);
  EXPECT_FALSE(flushed);
  EXPECT_EQ(j.runs, 0);
}

TEST(WorkqueueTest, CancelWorkSyncWaitsForRunningRun) {
  KWorld w;
  Job j;
  j.sleep_ms = 200;
  bool was_pending = true;
  unsigned long returned_at = 0;
  w.Spawn("t", [&] {
    INIT_WORK(&j.work, RunJob);
    queue_work(system_wq, &j.work);
    msleep(10);
    queue_work(system_wq, &j.work);  // a second run, pending behind the first
    was_pending = cancel_work_sync(&j.work);
    returned_at = llsim_jiffies();
    EXPECT_EQ(work_busy(&j.work), 0u);
  });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  EXPECT_TRUE(was_pending);
  EXPECT_EQ(j.runs, 1);  // the running one finished, the pending one never ran
  EXPECT_EQ(returned_at, j.finished_at);
}

TEST(WorkqueueTest, CancelledItemCanBeFreedBeforeItsWorkerStarts) {
  KWorld w;
  w.Spawn("t", [&] {
    Job* j = static_cast<Job*>(kzalloc(sizeof(Job), GFP_KERNEL));
    INIT_WORK(&j->work, RunJob);
    queue_work(system_wq, &j->work);
    cancel_work_sync(&j->work);
    kfree(j);
  });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  EXPECT_EQ(w.k->LiveAllocations(), 0u);
}

TEST(WorkqueueTest, FlushWorkqueueWaitsOnlyForRunsQueuedBeforeIt) {
  KWorld w;
  Job a, b, late;
  a.sleep_ms = 100;
  b.sleep_ms = 300;
  late.sleep_ms = 5000;
  workqueue_struct* wq = nullptr;
  unsigned long flushed_at = 0;
  w.Spawn("t", [&] {
    wq = alloc_workqueue("md_test_%d", WQ_MEM_RECLAIM | WQ_UNBOUND, 0, 7);
    ASSERT_NE(wq, nullptr);
    INIT_WORK(&a.work, RunJob);
    INIT_WORK(&b.work, RunJob);
    INIT_WORK(&late.work, RunJob);
    queue_work(wq, &a.work);
    queue_work(wq, &b.work);
    w.Spawn("latecomer", [&] {
      msleep(10);
      queue_work(wq, &late.work);
    });
    flush_workqueue(wq);
    flushed_at = llsim_jiffies();
    EXPECT_EQ(a.runs, 1);
    EXPECT_EQ(b.runs, 1);
    EXPECT_EQ(late.runs, 0);
    destroy_workqueue(wq);  // flushes the late one too
    EXPECT_EQ(late.runs, 1);
  });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  EXPECT_EQ(flushed_at, b.finished_at);
  EXPECT_EQ(CountSpawns(w, "kworker/md_test_7"), 3);
}

TEST(WorkqueueTest, QueueOnDestroyedWorkqueueIsMisuse) {
  KWorld w;
  Job j;
  w.Spawn("t", [&] {
    workqueue_struct* wq = alloc_workqueue("gone", 0, 0);
    INIT_WORK(&j.work, RunJob);
    destroy_workqueue(wq);
    queue_work(wq, &j.work);
  });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "queue_work on destroyed workqueue gone"))
      << w.Failures();
  EXPECT_EQ(j.runs, 0);
}

// llbitmap's unplug: an on-stack work item whose function completes an
// on-stack completion as its last act; the waiter then tears both down.
struct UnplugWork {
  work_struct work;
  completion* done;
  int* counter;
};

void UnplugFn(work_struct* w) {
  auto* u = reinterpret_cast<UnplugWork*>(reinterpret_cast<char*>(w) - offsetof(UnplugWork, work));
  msleep(1);
  (*u->counter)++;
  complete(u->done);
}

TEST(WorkqueueTest, OnStackWorkWithCompletion) {
  KWorld w(250, "random", {}, 5);
  int counter = 0;
  workqueue_struct* wq = nullptr;
  w.Spawn("setup", [&] { wq = alloc_workqueue("md_llbitmap_unplug", WQ_UNBOUND, 0); });
  ASSERT_EQ(w.Run(), RunStatus::kIdle);
  for (int s = 0; s < 3; s++)
    w.Spawn("submitter" + std::to_string(s), [&] {
      for (int i = 0; i < 4; i++) {
        DECLARE_COMPLETION_ONSTACK(done);
        UnplugWork u;
        u.done = &done;
        u.counter = &counter;
        INIT_WORK_ONSTACK(&u.work, UnplugFn);
        queue_work(wq, &u.work);
        wait_for_completion(&done);
        destroy_work_on_stack(&u.work);
      }
    });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  EXPECT_EQ(counter, 12);
}

TEST(WorkqueueTest, DestroyOnStackWhilePendingIsMisuse) {
  KWorld w;
  Job j;
  w.Spawn("t", [&] {
    INIT_WORK_ONSTACK(&j.work, RunJob);
    queue_work(system_wq, &j.work);
    destroy_work_on_stack(&j.work);
  });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "destroy_work_on_stack on a work item that is pending"))
      << w.Failures();
}

TEST(WorkqueueTest, KfreeOfPendingWorkIsMisuseAndKeepsTheMemory) {
  KWorld w;
  w.Spawn("t", [&] {
    Job* j = static_cast<Job*>(kzalloc(sizeof(Job), GFP_KERNEL));
    INIT_WORK(&j->work, RunJob);
    queue_work(system_wq, &j->work);
    kfree(j);
  });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "a pending work item at offset 0")) << w.Failures();
  EXPECT_EQ(w.k->LiveAllocations(), 1u);
}

}  // namespace
}  // namespace llsim
