// percpu_ref: the kernel's kill / tryget_live / resurrect / release rules,
// and the misuse the shim reports.
#include "core/kshim/tests/kshim_fixture.h"

namespace llsim {
namespace {

int g_releases = 0;
void CountRelease(percpu_ref*) { g_releases++; }

struct PercpuRefTest : ::testing::Test {
  void SetUp() override { g_releases = 0; }
  KWorld w;
  percpu_ref ref{};
};

TEST_F(PercpuRefTest, KillWithUsersReleasesOnLastPut) {
  w.Spawn("t", [&] {
    ASSERT_EQ(percpu_ref_init(&ref, CountRelease, PERCPU_REF_ALLOW_REINIT, GFP_KERNEL), 0);
    EXPECT_FALSE(percpu_ref_is_dying(&ref));
    EXPECT_FALSE(percpu_ref_is_zero(&ref));
    EXPECT_TRUE(percpu_ref_tryget_live(&ref));
    EXPECT_TRUE(percpu_ref_tryget_live(&ref));
    EXPECT_EQ(ref.count, 3);

    percpu_ref_kill(&ref);
    EXPECT_TRUE(percpu_ref_is_dying(&ref));
    EXPECT_FALSE(percpu_ref_tryget_live(&ref));
    EXPECT_FALSE(percpu_ref_is_zero(&ref));
    EXPECT_EQ(g_releases, 0);

    percpu_ref_put(&ref);
    EXPECT_EQ(g_releases, 0);
    percpu_ref_put(&ref);  // the last user: release runs here
    EXPECT_EQ(g_releases, 1);
    EXPECT_TRUE(percpu_ref_is_zero(&ref));
    percpu_ref_exit(&ref);
  });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  EXPECT_EQ(g_releases, 1);
}

TEST_F(PercpuRefTest, KillWithoutUsersReleasesAtOnce) {
  w.Spawn("t", [&] {
    ASSERT_EQ(percpu_ref_init(&ref, CountRelease, 0, GFP_KERNEL), 0);
    percpu_ref_kill(&ref);
    EXPECT_EQ(g_releases, 1);
    EXPECT_TRUE(percpu_ref_is_zero(&ref));
    EXPECT_FALSE(percpu_ref_tryget(&ref));
    percpu_ref_exit(&ref);
  });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
}

// The llbitmap suspend-timeout path: resurrect while users still hold
// references; the base reference comes back, nothing is released.
TEST_F(PercpuRefTest, ResurrectWithUsersKeepsThemAndRestoresBase) {
  w.Spawn("t", [&] {
    ASSERT_EQ(percpu_ref_init(&ref, CountRelease, PERCPU_REF_ALLOW_REINIT, GFP_KERNEL), 0);
    EXPECT_TRUE(percpu_ref_tryget_live(&ref));
    percpu_ref_kill(&ref);
    EXPECT_FALSE(percpu_ref_is_zero(&ref));
    percpu_ref_resurrect(&ref);
    EXPECT_FALSE(percpu_ref_is_dying(&ref));
    EXPECT_EQ(ref.count, 2);
    EXPECT_TRUE(percpu_ref_tryget_live(&ref));
    percpu_ref_put(&ref);
    percpu_ref_put(&ref);
    EXPECT_EQ(g_releases, 0);  // live: the base reference holds it
    // A second cycle, now with no users: kill releases, resurrect revives.
    percpu_ref_kill(&ref);
    EXPECT_EQ(g_releases, 1);
    EXPECT_TRUE(percpu_ref_is_zero(&ref));
    percpu_ref_resurrect(&ref);
    EXPECT_FALSE(percpu_ref_is_zero(&ref));
    EXPECT_TRUE(percpu_ref_tryget_live(&ref));
    percpu_ref_put(&ref);
    percpu_ref_exit(&ref);
  });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  EXPECT_EQ(g_releases, 1);
}

// Release runs in whatever context drops the last reference: here an IO
// completion-like handler, after the killer went to sleep.
TEST_F(PercpuRefTest, ReleaseRunsInTheLastPuttersContext) {
  bool released_in_handler = false;
  static bool* flag;
  flag = &released_in_handler;
  static Scheduler* sched;
  sched = &w.S();
  w.Spawn("killer", [&] {
    ASSERT_EQ(percpu_ref_init(&ref, [](percpu_ref*) { *flag = sched->InInterrupt(); }, 0,
                              GFP_KERNEL), 0);
    EXPECT_TRUE(percpu_ref_tryget_live(&ref));
    w.S().CallAfter(5 * kNsPerMs, [&] { percpu_ref_put(&ref); });
    percpu_ref_kill(&ref);
    msleep(20);
    EXPECT_TRUE(percpu_ref_is_zero(&ref));
    percpu_ref_exit(&ref);
  });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  EXPECT_TRUE(released_in_handler);
}

TEST_F(PercpuRefTest, InitDeadStartsZeroAndReinitMakesItLive) {
  w.Spawn("t", [&] {
    ASSERT_EQ(percpu_ref_init(&ref, CountRelease, PERCPU_REF_INIT_DEAD, GFP_KERNEL), 0);
    EXPECT_TRUE(percpu_ref_is_dying(&ref));
    EXPECT_TRUE(percpu_ref_is_zero(&ref));
    EXPECT_FALSE(percpu_ref_tryget_live(&ref));
    percpu_ref_reinit(&ref);
    EXPECT_TRUE(percpu_ref_tryget_live(&ref));
    percpu_ref_put(&ref);
    percpu_ref_exit(&ref);
  });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  EXPECT_EQ(g_releases, 0);
}

TEST_F(PercpuRefTest, KillTwiceIsMisuse) {
  w.Spawn("t", [&] {
    percpu_ref_init(&ref, CountRelease, 0, GFP_KERNEL);
    percpu_ref_kill(&ref);
    percpu_ref_kill(&ref);
  });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "already dead")) << w.Failures();
}

TEST_F(PercpuRefTest, PutUnderflowIsMisuse) {
  w.Spawn("t", [&] {
    percpu_ref_init(&ref, CountRelease, 0, GFP_KERNEL);
    percpu_ref_kill(&ref);
    percpu_ref_put(&ref);
  });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "underflow")) << w.Failures();
  EXPECT_EQ(g_releases, 1);
}

TEST_F(PercpuRefTest, ResurrectOfLiveRefIsMisuse) {
  w.Spawn("t", [&] {
    percpu_ref_init(&ref, CountRelease, 0, GFP_KERNEL);
    percpu_ref_resurrect(&ref);
  });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "not dead")) << w.Failures();
}

TEST_F(PercpuRefTest, ExitWithUsersIsMisuse) {
  w.Spawn("t", [&] {
    percpu_ref_init(&ref, CountRelease, 0, GFP_KERNEL);
    percpu_ref_get(&ref);
    percpu_ref_exit(&ref);
  });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "1 reference(s) still held")) << w.Failures();
}

TEST_F(PercpuRefTest, UseAfterExitIsMisuse) {
  w.Spawn("t", [&] {
    percpu_ref_init(&ref, CountRelease, 0, GFP_KERNEL);
    percpu_ref_exit(&ref);
    percpu_ref_tryget_live(&ref);
  });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "after percpu_ref_exit")) << w.Failures();
}

}  // namespace
}  // namespace llsim
