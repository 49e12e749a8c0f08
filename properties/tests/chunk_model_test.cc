// The documented state table as the transition checker sees it.
#include "models/oracle/chunk_model.h"

#include <gtest/gtest.h>

#include "properties/coverage_matrix.h"

namespace llsim {
namespace {

using S = ChunkState;
using A = ChunkAction;

TEST(ChunkModelTest, TableFacts) {
  EXPECT_EQ(NextState(S::kDirty, A::kDaemon, false, false), S::kClean);
  EXPECT_EQ(NextState(S::kDirty, A::kReload, false, false), S::kNeedSync);
  EXPECT_EQ(NextState(S::kUnwritten, A::kStartwrite, false, false), S::kDirty);
  EXPECT_EQ(NextState(S::kUnwritten, A::kStartwrite, true, false), S::kNeedSync);
  EXPECT_EQ(NextState(S::kUnwritten, A::kStartwrite, false, true), S::kNeedSync);
  EXPECT_EQ(NextState(S::kDirty, A::kStartsync, true, false), S::kSyncing);
  EXPECT_EQ(NextState(S::kDirty, A::kStartsync, false, false), std::nullopt);
  EXPECT_EQ(NextState(S::kSyncing, A::kAbortsync, false, false), S::kNeedSync);
  EXPECT_EQ(NextState(S::kClean, A::kStale, false, false), S::kNeedSync);
}

TEST(ChunkModelTest, TransitionChecks) {
  const uint32_t daemon = ActionBit(A::kDaemon), write = ActionBit(A::kStartwrite);
  EXPECT_TRUE(ActionsExplain(daemon, 2, 1, false, true));    // Dirty -> Clean (daemon)
  EXPECT_FALSE(ActionsExplain(daemon, 2, 1, true, false));   // ... not while degraded
  EXPECT_TRUE(ActionsExplain(daemon, 2, 1, true, true));     // degraded only for a while
  EXPECT_FALSE(ActionsExplain(daemon, 3, 1, false, true));   // NeedSync -> Clean: never
  EXPECT_FALSE(ActionsExplain(daemon, 2, 0, false, true));   // the daemon discards nothing
  EXPECT_TRUE(ActionsExplain(write, 1, 2, false, true));     // Clean -> Dirty (write)
  EXPECT_FALSE(ActionsExplain(write, 1, 3, false, true));    // NeedSync only if degraded
  EXPECT_TRUE(ActionsExplain(write, 1, 3, true, false));
  EXPECT_FALSE(ActionsExplain(write, 2, 3, true, false));    // Dirty stays Dirty
  EXPECT_TRUE(ActionsExplain(write, 0, 2, false, true));     // infection ...
  EXPECT_FALSE(ActionsExplain(write, 0, 2, true, false));    // ... never while degraded
  EXPECT_FALSE(ActionsExplain(write, 2, 1, false, true));    // a write cleans nothing
  EXPECT_FALSE(ActionsExplain(write, 1, 4, false, true));    // Clean -> Syncing: never
  EXPECT_FALSE(ActionsExplain(write, 2, 0, false, true));    // nor Unwritten
  EXPECT_TRUE(ActionsExplain(ActionBit(A::kDiscard), 2, 0, false, true));
  EXPECT_TRUE(ActionsExplain(kActResizeMark, 2, 0, false, true));
  EXPECT_FALSE(ActionsExplain(kActResizeMark, 2, 1, false, true));
  EXPECT_TRUE(ActionsExplain(write, 9, 3, false, true));     // corrupt -> NeedSync
  EXPECT_FALSE(ActionsExplain(write, 9, 1, false, true));
  EXPECT_FALSE(ActionsExplain(0, 1, 2, false, true));        // no action, no change
}

TEST(ChunkModelTest, CoverageCounts) {
  TransitionCoverage c;
  c.Record(2, 1, false, false);
  c.Record(2, 1, false, false);
  EXPECT_EQ(c.Covered(), 1);
  EXPECT_NE(c.Render().find("Dirty"), std::string::npos);
}

// The campaign's matrix credits a change to the actions the operation that
// made it may apply, where one of them explains it: CleanUnwritten ->
// Unwritten made by a discard is Discard, not Stale or ClearUnwritten too.
TEST(ChunkModelTest, MatrixCreditsTheOperationsAction) {
  CoverageMatrix m;
  auto cu = (uint8_t)ChunkState::kCleanUnwritten, u = (uint8_t)ChunkState::kUnwritten;
  m.Record(cu, u, false, true, ActionBit(A::kDiscard));
  EXPECT_EQ(m.hits[cu][(int)A::kDiscard], 1u);
  EXPECT_EQ(m.hits[cu][(int)A::kStale], 0u);
  EXPECT_EQ(m.hits[cu][(int)A::kClearUnwritten], 0u);
  // An operation none of whose actions explains it: every one is counted.
  m.Record(cu, u, false, true, ActionBit(A::kDaemon));
  EXPECT_EQ(m.hits[cu][(int)A::kStale], 1u);
  // raid456: a write to an Unwritten chunk makes it NeedSync (Startwrite).
  m.Record(u, (uint8_t)ChunkState::kNeedSync, false, true, ActionBit(A::kStartwrite));
  EXPECT_EQ(m.hits[u][(int)A::kStartwrite], 1u);
}

}  // namespace
}  // namespace llsim
