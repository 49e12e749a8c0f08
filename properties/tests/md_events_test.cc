// md's event counter as md_update_sb keeps it: a whole array going back to
// clean after a dirty spell rolls the events back to the clean count
// (can_decrease_events), on the md superblocks and in the bitmap's; a
// degraded array never rolls back; traces without events_rollback keep
// the old count-up-only behaviour. And a re-added member is judged by
// where its events stand against the bitmap's events_cleared, in each
// order, with the configured core passing the runs.
#include <gtest/gtest.h>

#include "core/kshim/src/kshim.h"
#include "models/md/md_array.h"
#include "models/oracle/data_oracle.h"
#include "properties/runner.h"
#include "sim/world.h"
#include "traces/trace_format.h"
#include "properties/tests/fiber_helpers.h"

namespace llsim {
namespace {

class MdEventsTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    WorldConfig wc;
    wc.seed = 7;
    wc.strategy = "random";
    world_ = std::move(*World::Create(wc));
    cfg_.mirrors = 2;
    cfg_.dev_sectors = 16384;
    cfg_.daemon_sleep = 1;
    cfg_.assume_clean = true;
    cfg_.events_rollback = GetParam();
    ASSERT_TRUE(CreateArrayDisks(*world_, cfg_).ok());
    kshim_ = std::make_unique<Kshim>(*world_);
    Fiber("modprobe", [&] { ASSERT_EQ(md_llbitmap_init(), 0); });
    oracle_ = std::make_unique<DataOracle>(cfg_.dev_sectors);
    array_ = std::make_unique<MdArray>(*world_, *kshim_, cfg_, oracle_.get());
    array_->SetReach(&reach_);
  }
  void TearDown() override {
    world_->Sched().CancelAll();
    array_.reset();
    kshim_.reset();
  }
  void Fiber(const std::string& name, std::function<void()> fn) {
    RunOnFiberToEnd(*world_, name, std::move(fn));
  }
  void Idle(int seconds) { LetTimePass(*world_, seconds); }
  uint64_t SbEvents(int d) {
    auto sb = MdSuperblock::Decode(world_->GetDisk(d).MediaBytes(
        array_->Layout().sb_start, kMdSbBytes / 512));
    return sb ? sb->events : 0;
  }
  uint64_t BitmapEvents(int d) {
    auto b = world_->GetDisk(d).MediaBytes(array_->Layout().BitmapStart(), 1);
    return reinterpret_cast<const bitmap_super_t*>(b.data())->events;
  }

  ArrayConfig cfg_;
  Reach reach_;
  std::unique_ptr<World> world_;
  std::unique_ptr<Kshim> kshim_;
  std::unique_ptr<DataOracle> oracle_;
  std::unique_ptr<MdArray> array_;
};

TEST_P(MdEventsTest, CleanAfterDirtyRollsBackOnlyWhenWhole) {
  bool rollback = GetParam();
  Fiber("mdadm --assemble", [&] { ASSERT_TRUE(array_->Assemble().ok()); });
  Idle(2);
  uint64_t clean = array_->Mddev()->events;
  ASSERT_EQ(SbEvents(0), clean);
  // Dirty (events forward), then idle: safemode marks it clean again.
  Fiber("writer", [&] { ASSERT_EQ(array_->Write(0, 64, false), 0); });
  Idle(2);
  ASSERT_TRUE(array_->Mddev()->in_sync);
  uint64_t want = rollback ? clean : clean + 2;
  EXPECT_EQ(array_->Mddev()->events, want);
  for (int d = 0; d < cfg_.mirrors; d++) {
    EXPECT_EQ(SbEvents(d), want) << "disk " << d;
    EXPECT_EQ(BitmapEvents(d), want) << "disk " << d;  // update_sb writes the rolled-back count
  }
  EXPECT_EQ(reach_.features["events decremented"], rollback ? 1u : 0u);

  // Degraded: every toggle goes forward, so a member that left can never
  // look current again.
  Fiber("mdadm --fail", [&] { ASSERT_TRUE(array_->FailMember(1).ok()); });
  Idle(2);
  uint64_t before = array_->Mddev()->events;
  Fiber("writer", [&] { ASSERT_EQ(array_->Write(128, 64, false), 0); });
  Idle(2);
  ASSERT_TRUE(array_->Mddev()->in_sync);
  EXPECT_EQ(array_->Mddev()->events, before + 2);
  EXPECT_EQ(reach_.features["events decremented"], rollback ? 1u : 0u);
  ASSERT_FALSE(world_->Sched().Failed()) << world_->Sched().Failures()[0].ToString();
}

// md's superblocks ahead of the bitmap's (as a crash between the bitmap's
// update and md's leaves them): at the next assembly the bitmap is behind,
// and the core loads every written chunk as needing a resync.
TEST_P(MdEventsTest, BitmapBehindMdAtLoadIsStale) {
  Fiber("mdadm --assemble", [&] { ASSERT_TRUE(array_->Assemble().ok()); });
  Fiber("writer", [&] { ASSERT_EQ(array_->Write(0, 64, false), 0); });
  Idle(5);
  Fiber("mdadm --stop", [&] { ASSERT_TRUE(array_->Stop().ok()); });
  EXPECT_EQ(reach_.features["bitmap events behind md at load"], 0u);
  for (int d = 0; d < cfg_.mirrors; d++) {
    auto sb = MdSuperblock::Decode(world_->GetDisk(d).MediaBytes(
        array_->Layout().sb_start, kMdSbBytes / 512));
    ASSERT_TRUE(sb.has_value());
    sb->events += 1;
    world_->GetDisk(d).FormatBytes(array_->Layout().sb_start, sb->Encode());
  }
  array_ = std::make_unique<MdArray>(*world_, *kshim_, cfg_, oracle_.get());
  array_->SetReach(&reach_);
  Fiber("mdadm --assemble", [&] { ASSERT_TRUE(array_->Assemble().ok()); });
  EXPECT_EQ(reach_.features["bitmap events behind md at load"], 1u);
  // Stale: the chunk written before is resynced (its sync IO goes out).
  EXPECT_TRUE(array_->SyncPending() || array_->ResyncsCompleted() > 0);
  ASSERT_FALSE(world_->Sched().Failed()) << world_->Sched().Failures()[0].ToString();
}

INSTANTIATE_TEST_SUITE_P(Rollback, MdEventsTest, ::testing::Values(false, true),
                         [](const auto& info) {
                           return std::string(info.param ? "md" : "old_traces");
                         });

uint64_t FeatureOf(const RunResult& r, const std::string& name) {
  auto it = r.reach.features.find(name);
  return it == r.reach.features.end() ? 0 : it->second;
}

RunResult RunEvents(const std::string& body) {
  auto t = ParseTrace("llsim-trace 1\nseed 5\n"
                      "array mirrors=2 sectors=16384 daemon_sleep=1 spares=1 events_rollback=1\n" +
                          body,
                      "events");
  EXPECT_TRUE(t.ok()) << t.status();
  EXPECT_TRUE(t->scenario.array.events_rollback);
  return RunScenario(t->scenario);
}

// A member that failed while the array was dirty (its superblock says the
// dirty count, above what the daemon last cleaned at) comes back with
// events above events_cleared: bitmap-based recovery. The second write on
// a whole, clean array rolls the events back when it goes clean again.
TEST(MdEventsRunTest, ReAddAboveEventsCleared) {
  RunResult r = RunEvents(
      "op +0us write 0 64\nop +0us settle\nop +0us write 8 8\nop +0us settle\n"
      "op +0us write 4096 64\nop +100000us fail 1\nop +0us write 4096 64\n"
      "op +0us settle\nop +0us readd 1\nop +0us settle\n");
  ASSERT_FALSE(r.Failed()) << r.First()->ToString();
  EXPECT_EQ(FeatureOf(r, "re-add events above events_cleared"), 1u);
  EXPECT_EQ(FeatureOf(r, "re-add"), 1u);
  EXPECT_EQ(FeatureOf(r, "re-add events below events_cleared"), 0u);
  EXPECT_GT(FeatureOf(r, "events decremented"), 0u);
}

// A member that failed on a clean array the daemon had cleaned at that
// same count comes back level with events_cleared: still bitmap recovery.
TEST(MdEventsRunTest, ReAddEqualToEventsCleared) {
  RunResult r = RunEvents(
      "op +0us write 0 64\nop +0us settle\nop +0us fail 1\nop +0us write 4096 64\n"
      "op +0us settle\nop +0us readd 1\nop +0us settle\n");
  ASSERT_FALSE(r.Failed()) << r.First()->ToString();
  EXPECT_EQ(FeatureOf(r, "re-add events equal to events_cleared"), 1u);
  EXPECT_EQ(FeatureOf(r, "re-add"), 1u);
}

// A spare made the array whole and the daemon cleaned chunks the failed
// member never got: its events are below events_cleared, so it comes back
// as a new spare with a full recovery, not from the bitmap.
TEST(MdEventsRunTest, ReAddBelowEventsCleared) {
  RunResult r = RunEvents(
      "op +0us write 0 64\nop +0us settle\nop +0us fail 1\nop +0us write 4096 64\n"
      "op +0us addspare\nop +0us settle\nop +0us write 8192 64\nop +0us settle\n"
      "op +0us fail 0\nop +0us readd 1\nop +0us settle\n");
  ASSERT_FALSE(r.Failed()) << r.First()->ToString();
  EXPECT_EQ(FeatureOf(r, "re-add events below events_cleared"), 1u);
  EXPECT_EQ(FeatureOf(r, "re-add (full recovery)"), 1u);
}

}  // namespace
}  // namespace llsim
