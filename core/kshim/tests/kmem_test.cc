// Memory: tracked kmalloc and pages, leak listing in allocation order,
// misuse of kfree and kunmap_local, fault injection, crash reclaim.
#include "core/kshim/tests/kshim_fixture.h"

namespace llsim {
namespace {

TEST(KmemTest, ZeroingAndPageAlignment) {
  KWorld w;
  w.Spawn("t", [&] {
    auto* p = static_cast<unsigned char*>(kzalloc(100, GFP_KERNEL));
    ASSERT_NE(p, nullptr);
    for (int i = 0; i < 100; i++) ASSERT_EQ(p[i], 0);
    struct page* pg = alloc_page(GFP_NOIO | __GFP_ZERO);
    ASSERT_NE(pg, nullptr);
    auto* data = static_cast<unsigned char*>(page_address(pg));
    EXPECT_EQ(offset_in_page(data), 0ul);
    for (unsigned i = 0; i < PAGE_SIZE; i++) ASSERT_EQ(data[i], 0);
    kfree(p);
    kfree(nullptr);
    __free_page(pg);
  });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  EXPECT_EQ(w.k->LiveAllocations(), 0u);
}

TEST(KmemTest, LeaksAreListedInAllocationOrder) {
  KWorld w;
  w.Spawn("t", [&] {
    void* a = kmalloc(16, GFP_KERNEL);
    void* b = kmalloc(32, GFP_KERNEL);
    void* c = kcalloc(3, 8, GFP_KERNEL);
    struct page* pg = alloc_page(GFP_KERNEL);
    kfree(b);
    (void)a, (void)c, (void)pg;
  });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  std::vector<std::string> leaks = w.k->Leaks();
  ASSERT_EQ(leaks.size(), 3u);
  EXPECT_EQ(leaks[0].rfind("16 bytes from kmem_test.cc:", 0), 0u) << leaks[0];
  EXPECT_EQ(leaks[1].rfind("24 bytes from kmem_test.cc:", 0), 0u) << leaks[1];
  EXPECT_EQ(leaks[2].rfind("4096 bytes from kmem_test.cc:", 0), 0u) << leaks[2];
  EXPECT_NE(leaks[2].find("(page)"), std::string::npos);
}

TEST(KmemTest, DoubleFreeIsMisuseAndNotFreedAgain) {
  KWorld w;
  w.Spawn("t", [&] {
    void* a = kmalloc(16, GFP_KERNEL);
    kfree(a);
    kfree(a);
  });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "kfree of memory that is not allocated"))
      << w.Failures();
}

TEST(KmemTest, KfreeOfInteriorPointerAndOfPageAreMisuse) {
  KWorld w;
  w.Spawn("t", [&] {
    char* a = static_cast<char*>(kmalloc(16, GFP_KERNEL));
    kfree(a + 4);
    kfree(alloc_page(GFP_KERNEL));
  });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "middle of an allocation")) << w.Failures();
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "kfree of a page")) << w.Failures();
}

struct WithTimer {
  long before;
  timer_list timer;
};

TEST(KmemTest, KfreeOfMemoryWithArmedTimerIsMisuse) {
  KWorld w;
  static int fired;
  fired = 0;
  w.Spawn("t", [&] {
    auto* obj = static_cast<WithTimer*>(kzalloc(sizeof(WithTimer), GFP_KERNEL));
    timer_setup(&obj->timer, [](timer_list*) { fired++; }, 0);
    mod_timer(&obj->timer, llsim_jiffies() + 10);
    kfree(obj);
  });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse,
                       "an armed timer at offset " + std::to_string(offsetof(WithTimer, timer))))
      << w.Failures();
  EXPECT_EQ(w.k->LiveAllocations(), 1u);  // kept, so the timer never sees freed memory
  EXPECT_EQ(fired, 0);
}

TEST(KmemTest, KfreeOfDisarmedTimerIsFine) {
  KWorld w;
  w.Spawn("t", [&] {
    auto* obj = static_cast<WithTimer*>(kzalloc(sizeof(WithTimer), GFP_KERNEL));
    timer_setup(&obj->timer, [](timer_list*) {}, 0);
    mod_timer(&obj->timer, llsim_jiffies() + 10);
    timer_delete_sync(&obj->timer);
    kfree(obj);
  });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  EXPECT_EQ(w.k->LiveAllocations(), 0u);
}

TEST(KmemTest, KfreeOfWaitQueueWithSleepersIsMisuse) {
  KWorld w;
  wait_queue_head_t* wq = nullptr;
  w.Spawn("sleeper", [&] {
    wq = static_cast<wait_queue_head_t*>(kzalloc(sizeof(*wq), GFP_KERNEL));
    init_waitqueue_head(wq);
    wait_event(*wq, false);
  });
  w.Spawn("freer", [&] { kfree(wq); });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "'wait queue wq' with sleepers at offset 0"))
      << w.Failures();
}

TEST(KmapTest, UnmapOfAnyAddressInsideTheMappedPage) {
  KWorld w;
  w.Spawn("t", [&] {
    struct page* a = alloc_page(GFP_KERNEL);
    struct page* b = alloc_page(GFP_KERNEL);
    char* pa = static_cast<char*>(kmap_local_page(a));
    char* pb = static_cast<char*>(kmap_local_page(b));
    kunmap_local(pb + 100);
    kunmap_local(pa + PAGE_SIZE - 1);
    // Upstream llbitmap frees the superblock page before unmapping it.
    char* again = static_cast<char*>(kmap_local_page(a));
    __free_page(a);
    kunmap_local(again);
    __free_page(b);
  });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  EXPECT_TRUE(w.k->Mappings().empty());
}

TEST(KmapTest, UnmapOfUnmappedAddressIsMisuse) {
  KWorld w;
  w.Spawn("t", [&] {
    struct page* a = alloc_page(GFP_KERNEL);
    char* pa = static_cast<char*>(kmap_local_page(a));
    kunmap_local(pa);
    kunmap_local(pa);
  });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "kunmap_local of an address that is not mapped"))
      << w.Failures();
}

TEST(KmapTest, MappingsArePerContext) {
  KWorld w;
  char* mapped = nullptr;
  w.Spawn("mapper", [&] {
    struct page* a = alloc_page(GFP_KERNEL);
    mapped = static_cast<char*>(kmap_local_page(a));
    msleep(10);
  });
  w.Spawn("other", [&] { kunmap_local(mapped); });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "kunmap_local of an address that is not mapped"))
      << w.Failures();
}

TEST(KmapTest, OutOfOrderUnmapIsMisuseNamingBothSites) {
  KWorld w;
  w.Spawn("t", [&] {
    struct page* a = alloc_page(GFP_KERNEL);
    struct page* b = alloc_page(GFP_KERNEL);
    char* pa = static_cast<char*>(kmap_local_page(a));
    char* pb = static_cast<char*>(kmap_local_page(b));
    kunmap_local(pa);
    kunmap_local(pb);
    __free_page(a);
    __free_page(b);
  });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "kunmap_local out of order: the mapping made at "
                                                 "kmem_test.cc:"))
      << w.Failures();
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "is still held")) << w.Failures();
}

TEST(KmapTest, MappingStillHeldWhenTheFiberEndsIsMisuseNamingTheSite) {
  KWorld w;
  struct page* a = nullptr;
  w.Spawn("leaker", [&] {
    a = alloc_page(GFP_KERNEL);
    kmap_local_page(a);
  });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "kmap_local_page at kmem_test.cc:"))
      << w.Failures();
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "still mapped when fiber 'leaker' ended"))
      << w.Failures();
  EXPECT_TRUE(w.k->Mappings().empty());
}

TEST(KmapTest, WorkFunctionReturningWithAMappingIsMisuse) {
  KWorld w;
  static struct page* pg;
  work_struct work;
  w.Spawn("t", [&] {
    pg = alloc_page(GFP_KERNEL);
    INIT_WORK(&work, [](work_struct*) { kmap_local_page(pg); });
    queue_work(system_wq, &work);
    flush_work(&work);
  });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse,
                       "still mapped when a work function on events returned"))
      << w.Failures();
}

TEST(KmapTest, SleepingWithKmapLocalIsAllowedButNotWithKmapAtomic) {
  KWorld w;
  w.Spawn("local", [&] {
    struct page* a = alloc_page(GFP_KERNEL);
    void* p = kmap_local_page(a);
    msleep(10);  // kmap_local mappings survive a context switch
    kunmap_local(p);
    __free_page(a);
  });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  w.Spawn("atomic", [&] {
    struct page* a = alloc_page(GFP_KERNEL);
    void* p = kmap_atomic(a);
    msleep(10);
    kunmap_atomic(p);
  });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kAtomicSleep, "sleeping in fiber 'atomic' in atomic context"))
      << w.Failures();
}

TEST(KmapTest, GlobalKmapIsCountedAndReportedAtTeardownBySite) {
  KWorld w;
  w.Spawn("t", [&] {
    struct page* a = alloc_page(GFP_KERNEL);
    struct page* b = alloc_page(GFP_KERNEL);
    kmap(a);
    kmap(a);
    kunmap(a);
    kmap(b);
    kunmap(b);
  });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  std::vector<std::string> held = w.k->HeldAtTeardown();
  ASSERT_EQ(held.size(), 1u);
  EXPECT_NE(held[0].find("kmap at kmem_test.cc:"), std::string::npos) << held[0];
  EXPECT_NE(held[0].find("(1 time)"), std::string::npos) << held[0];
  w.Spawn("t2", [&] {
    struct page* c = alloc_page(GFP_KERNEL);
    kunmap(c);
  });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "kunmap of a page that is not kmapped"))
      << w.Failures();
}

// Half of all allocations fail, by a seeded stream: the same seed fails
// the same ones, every failure is an event naming its site, and
// __GFP_NOFAIL never fails.
std::vector<bool> FailurePattern(uint64_t seed, int* fault_events) {
  KshimConfig cfg;
  cfg.alloc_fail_per_million = 500000;
  KWorld w(250, "fifo", cfg, seed);
  std::vector<bool> failed;
  w.Spawn("t", [&] {
    for (int i = 0; i < 64; i++) {
      void* p = kmalloc(8, GFP_KERNEL);
      failed.push_back(p == nullptr);
      kfree(p);
    }
    for (int i = 0; i < 16; i++) {
      void* p = kmalloc(8, GFP_KERNEL | __GFP_NOFAIL);
      EXPECT_NE(p, nullptr);
      kfree(p);
    }
  });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  *fault_events = 0;
  for (const Event& e : w.world->Log().Events())
    if (e.kind == EventKind::kFault) {
      (*fault_events)++;
      EXPECT_EQ(e.text.rfind("allocation failure injected at kmem_test.cc:", 0), 0u) << e.text;
    }
  return failed;
}

TEST(KmemTest, AllocFaultInjectionIsSeededAndRecorded) {
  int events1 = 0, events2 = 0, events3 = 0;
  std::vector<bool> a = FailurePattern(42, &events1);
  std::vector<bool> b = FailurePattern(42, &events2);
  std::vector<bool> c = FailurePattern(43, &events3);
  int failures = (int)std::count(a.begin(), a.end(), true);
  EXPECT_GT(failures, 16);
  EXPECT_LT(failures, 48);
  EXPECT_EQ(events1, failures);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(events2, events1);
}

TEST(KmemTest, NoInjectionByDefault) {
  KWorld w;
  int nulls = 0;
  w.Spawn("t", [&] {
    for (int i = 0; i < 200; i++) {
      void* p = kmalloc(8, GFP_KERNEL);
      nulls += p == nullptr;
      kfree(p);
    }
  });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  EXPECT_EQ(nulls, 0);
}

// Under a spinlock only non-sleeping allocations are allowed, and they
// fail like any other; a sleeping one is reported.
TEST(KmemTest, AtomicAllocationsUnderALockFailAndSleepingOnesAreReported) {
  KshimConfig cfg;
  cfg.alloc_fail_per_million = 1000000;
  KWorld w(250, "fifo", cfg);
  DEFINE_SPINLOCK(lock);
  void* atomic_one = &lock;
  void* nowait_one = &lock;
  w.Spawn("t", [&] {
    spin_lock(&lock);
    atomic_one = kmalloc(64, GFP_ATOMIC);
    nowait_one = alloc_page(GFP_NOWAIT);
    spin_unlock(&lock);
  });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  EXPECT_EQ(atomic_one, nullptr);
  EXPECT_EQ(nowait_one, nullptr);
  EXPECT_EQ(w.k->AllocFailuresInjected(), 2u);
  w.Spawn("sleeper", [&] {
    spin_lock(&lock);
    kzalloc(64, GFP_NOIO);
    spin_unlock(&lock);
  });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kAtomicSleep,
                       "kmalloc at kmem_test.cc:"))
      << w.Failures();
}

TEST(KmemTest, ReclaimFreesEverythingAndForgetsWorkqueues) {
  KWorld w;
  workqueue_struct* old_wq = nullptr;
  w.Spawn("t", [&] {
    kmalloc(100, GFP_KERNEL);
    alloc_page(GFP_KERNEL);
    old_wq = alloc_workqueue("md_llbitmap_io", 0, 0);
    kmap_local_page(alloc_page(GFP_KERNEL));
    msleep(1000000);  // still asleep when the machine crashes
  });
  w.S().RunFor(kNsPerSec);
  w.S().CancelAll();  // what World::Crash does before the runtime reclaims
  w.k->Reclaim();
  EXPECT_EQ(w.k->LiveAllocations(), 0u);
  EXPECT_TRUE(w.k->Leaks().empty());
  EXPECT_TRUE(w.k->Mappings().empty());
  EXPECT_NE(system_wq, nullptr);
  // The core's stale pointer to a queue from before the crash.
  work_struct work;
  w.Spawn("after", [&] {
    INIT_WORK(&work, [](work_struct*) {});
    queue_work(old_wq, &work);
  });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "destroyed workqueue md_llbitmap_io"))
      << w.Failures();
}

}  // namespace
}  // namespace llsim
