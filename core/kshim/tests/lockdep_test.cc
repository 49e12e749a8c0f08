// lockdep in the shim: lockdep_assert_held and friends check the current
// context, the lock-order graph reports inversions (also through a chain
// of classes) with the sites of both orders, and a context that ends
// holding a lock is reported.
#include "core/kshim/tests/kshim_fixture.h"

namespace llsim {
namespace {

TEST(LockdepTest, AssertHeldPassesForTheHolderOfEachKind) {
  KWorld w;
  DEFINE_SPINLOCK(s);
  DEFINE_MUTEX(m);
  rwlock_t rw;
  rwlock_init(&rw);
  w.Spawn("t", [&] {
    lockdep_assert_not_held(&s);
    spin_lock(&s);
    lockdep_assert_held(&s);
    spin_unlock(&s);
    mutex_lock(&m);
    lockdep_assert_held(&m);
    lockdep_assert_held_write(&m);
    mutex_unlock(&m);
    read_lock(&rw);
    lockdep_assert_held(&rw);
    lockdep_assert_held_read(&rw);
    read_unlock(&rw);
    write_lock(&rw);
    lockdep_assert_held_write(&rw);
    write_unlock(&rw);
  });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  EXPECT_TRUE(w.k->HeldAtTeardown().empty());
}

TEST(LockdepTest, AssertHeldFailsWhenAnotherContextHoldsIt) {
  KWorld w;
  DEFINE_MUTEX(m);
  w.Spawn("holder", [&] {
    mutex_lock(&m);
    msleep(10);
    mutex_unlock(&m);
  });
  w.Spawn("checker", [&] { lockdep_assert_held(&m); });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse,
                       "lockdep_assert_held(&m) at lockdep_test.cc:"))
      << w.Failures();
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "&m is not held by 'checker' (held by fiber"))
      << w.Failures();
}

TEST(LockdepTest, AssertHeldWriteFailsOnAReadHold) {
  KWorld w;
  rwlock_t rw;
  rwlock_init(&rw);
  w.Spawn("t", [&] {
    read_lock(&rw);
    lockdep_assert_held_write(&rw);
    read_unlock(&rw);
  });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "&rw is held for reading only")) << w.Failures();
}

TEST(LockdepTest, InversionIsReportedWithBothOrdersEvenWithoutADeadlock) {
  KWorld w;
  DEFINE_SPINLOCK(a);
  DEFINE_SPINLOCK(b);
  // One after the other: no deadlock can happen in this run, but two CPUs
  // taking them this way can deadlock.
  w.Spawn("ab", [&] {
    spin_lock(&a);
    spin_lock(&b);
    spin_unlock(&b);
    spin_unlock(&a);
  });
  w.Spawn("ba", [&] {
    msleep(1);
    spin_lock(&b);
    spin_lock(&a);
    spin_unlock(&a);
    spin_unlock(&b);
  });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "lock order inversion: spin_lock(a (initialised at "
                                                 "lockdep_test.cc:"))
      << w.Failures();
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "in 'ba' while holding spin_lock(b")) << w.Failures();
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "elsewhere the opposite order: spin_lock(b"))
      << w.Failures();
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "in 'ab'")) << w.Failures();
}

TEST(LockdepTest, InversionThroughAChainOfThreeClasses) {
  KWorld w;
  DEFINE_MUTEX(a);
  DEFINE_MUTEX(b);
  DEFINE_MUTEX(c);
  auto nest = [](struct mutex* x, struct mutex* y) {
    mutex_lock(x);
    mutex_lock(y);
    mutex_unlock(y);
    mutex_unlock(x);
  };
  w.Spawn("t", [&] {
    nest(&a, &b);
    nest(&b, &c);
    nest(&c, &a);
  });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "lock order inversion: mutex_lock(a")) << w.Failures();
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "while holding mutex_lock(c")) << w.Failures();
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, ", then mutex_lock(c")) << w.Failures();
}

TEST(LockdepTest, ConsistentOrderTrylockAndSameClassNestingAreNotReported) {
  KWorld w;
  DEFINE_SPINLOCK(a);
  DEFINE_MUTEX(m1);
  DEFINE_MUTEX(m2);
  spinlock_t pages[2];
  for (auto& p : pages) spin_lock_init(&p);  // one init site: one class
  w.Spawn("t", [&] {
    for (int i = 0; i < 2; i++) {
      mutex_lock(&m1);
      spin_lock(&a);
      spin_unlock(&a);
      mutex_unlock(&m1);
    }
    // A trylock orders nothing: it cannot wait.
    mutex_lock(&m2);
    EXPECT_TRUE(mutex_trylock(&m1));
    mutex_unlock(&m1);
    mutex_unlock(&m2);
    mutex_lock(&m1);
    mutex_lock(&m2);
    mutex_unlock(&m2);
    mutex_unlock(&m1);
    spin_lock(&pages[0]);
    spin_lock(&pages[1]);
    spin_unlock(&pages[1]);
    spin_unlock(&pages[0]);
  });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
}

TEST(LockdepTest, FiberEndingWithAMutexHeldIsReportedWithItsSite) {
  KWorld w;
  DEFINE_MUTEX(m);
  w.Spawn("forgetful", [&] { mutex_lock(&m); });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "mutex_lock(m (initialised at lockdep_test.cc:"))
      << w.Failures();
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "still held when fiber 'forgetful' ended"))
      << w.Failures();
}

TEST(LockdepTest, ReadUnlockByAContextThatDoesNotHoldItIsMisuse) {
  // Random scheduling: the spinning fibers hand over at their preemption
  // points.
  KWorld w(250, "random");
  rwlock_t rw;
  rwlock_init(&rw);
  bool locked = false, tried = false;
  w.Spawn("reader", [&] {
    read_lock(&rw);
    locked = true;
    while (!tried) llsim_preempt();
    read_unlock(&rw);
  });
  w.Spawn("other", [&] {
    while (!locked) llsim_preempt();
    read_unlock(&rw);
    tried = true;
  });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "which does not hold it for reading"))
      << w.Failures();
}

}  // namespace
}  // namespace llsim
