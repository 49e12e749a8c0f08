// The documented state table as the transition checker sees it.
#include "models/oracle/chunk_model.h"

#include <gtest/gtest.h>

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
  EXPECT_TRUE(TransitionAllowed(2, 1, false, false));   // Dirty -> Clean (daemon)
  EXPECT_TRUE(TransitionAllowed(1, 2, false, false));   // Clean -> Dirty (write)
  EXPECT_FALSE(TransitionAllowed(1, 4, false, false));  // Clean -> Syncing: never
  EXPECT_FALSE(TransitionAllowed(3, 1, false, false));  // NeedSync -> Clean: never
  EXPECT_FALSE(TransitionAllowed(4, 1, false, false));  // Syncing -> Clean: never
  EXPECT_TRUE(TransitionAllowed(9, 3, false, false));   // corrupt -> NeedSync
  EXPECT_FALSE(TransitionAllowed(9, 1, false, false));
}

TEST(ChunkModelTest, CoverageCounts) {
  TransitionCoverage c;
  c.Record(2, 1, false, false);
  c.Record(2, 1, false, false);
  EXPECT_EQ(c.Covered(), 1);
  EXPECT_NE(c.Render().find("Dirty"), std::string::npos);
}

}  // namespace
}  // namespace llsim
