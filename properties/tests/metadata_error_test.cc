// Errors on md's metadata IO: a failed superblock or bitmap write fails
// the member (super_written -> md_error), a failed bitmap read at load
// fails the member and the core reads another, and on FailFast members a
// failed FAILFAST write on the last working member is rewritten without
// FAILFAST (MD_SB_NEED_REWRITE, md_update_sb's rewrite loop).
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"

#include "models/md/reach.h"
#include "properties/runner.h"
#include "traces/trace_format.h"
#include "properties/tests/reach_row.h"

namespace llsim {
namespace {

RunResult RunOps(const std::string& array, const std::string& ops) {
  auto t = ParseTrace("llsim-trace 1\nseed 4\nhz 250\nstrategy random\narray " + array +
                          "\nop +0us write 0 64\nop +0us wait\n" + ops + "op +0us settle\n",
                      "metaerror");
  EXPECT_TRUE(t.ok()) << t.status();
  return RunScenario(t->scenario);
}

TEST(MetadataErrorTest, FormatKeepsOldArrayLines) {
  ArrayConfig a;
  EXPECT_EQ(FormatArrayConfig(a).find("failfast"), std::string::npos);
  a.failfast = true;
  ArrayConfig b;
  ASSERT_TRUE(ParseArrayConfig(FormatArrayConfig(a), &b).ok());
  EXPECT_TRUE(b.failfast);
}

TEST(MetadataErrorTest, FailedMetadataWriteFailsTheMember) {
  RunResult r = RunOps("mirrors=2 sectors=16384 space=256",
                    "op +0us metaerror 1 0\nop +0us write 4096 64\nop +0us wait\n"
                    "op +0us advance 7000\n");
  ASSERT_FALSE(r.Failed()) << r.First()->ToString();
  EXPECT_GT(RowOf(r.reach, "feature metadata write error"), 0u);
  EXPECT_EQ(RowOf(r.reach, "feature member failed"), 1u);
  EXPECT_EQ(RowOf(r.reach, "feature superblock rewrite"), 0u);
  EXPECT_GT(RowOf(r.reach, "hook update_sb"), 0u);
}

TEST(MetadataErrorTest, TornMetadataWriteFailsTheMember) {
  RunResult r = RunOps("mirrors=3 sectors=16384 space=256",
                       "op +0us metaerror 2 2\nop +0us write 4096 64\nop +0us wait\n"
                       "op +0us write 8192 64\nop +0us crash random\nop +0us assemble\n");
  ASSERT_FALSE(r.Failed()) << r.First()->ToString();
  EXPECT_GT(RowOf(r.reach, "feature metadata write error"), 0u);
  EXPECT_EQ(RowOf(r.reach, "feature member failed"), 1u);
  EXPECT_EQ(RowOf(r.reach, "feature crash"), 1u);
}

TEST(MetadataErrorTest, BitmapReadErrorAtLoadReadsAnotherMember) {
  RunResult r = RunOps("mirrors=3 sectors=16384 space=256",
                    "op +0us stop\nop +0us metaerror 0 1\nop +0us assemble\n"
                    "op +0us write 64 8\nop +0us wait\n");
  ASSERT_FALSE(r.Failed()) << r.First()->ToString();
  EXPECT_EQ(RowOf(r.reach, "feature bitmap read error"), 1u);
  EXPECT_EQ(RowOf(r.reach, "feature member failed"), 1u);
  EXPECT_EQ(RowOf(r.reach, "hook load"), 2u);
}

TEST(MetadataErrorTest, FailFastLastMemberIsRewritten) {
  RunResult r = RunOps("mirrors=2 sectors=16384 space=256 failfast=1",
                    "op +0us fail 1\nop +0us advance 100\nop +0us metaerror 0 0\n"
                    "op +0us write 4096 64\nop +0us wait\nop +0us advance 7000\n");
  ASSERT_FALSE(r.Failed()) << r.First()->ToString();
  EXPECT_GT(RowOf(r.reach, "feature metadata write error"), 0u);
  EXPECT_GT(RowOf(r.reach, "feature superblock rewrite"), 0u);
}

TEST(MetadataErrorTest, WithoutFailFastNoRewrite) {
  RunResult r = RunOps("mirrors=2 sectors=16384 space=256",
                    "op +0us fail 1\nop +0us advance 100\nop +0us metaerror 0 0\n"
                    "op +0us write 4096 64\nop +0us wait\nop +0us advance 7000\n");
  ASSERT_FALSE(r.Failed()) << r.First()->ToString();
  EXPECT_GT(RowOf(r.reach, "feature metadata write error"), 0u);
  EXPECT_EQ(RowOf(r.reach, "feature superblock rewrite"), 0u);
}

// Every member's next bitmap read fails (metaerror DISK 3): md_error on
// each, nothing left to load the bitmap from; the assembly fails with -EIO,
// which assemblable excuses.
TEST(MetadataErrorTest, BitmapReadErrorOnEveryMemberFailsTheAssembly) {
  RunResult r = RunOps("mirrors=2 sectors=16384 space=256",
                       "op +0us stop\nop +0us metaerror 0 3\nop +0us assemble\n");
  ASSERT_FALSE(r.Failed()) << r.First()->ToString();
  EXPECT_EQ(RowOf(r.reach, "feature bitmap read error"), 2u);
  bool refused = false;
  for (const std::string& n : r.notes) refused |= n.find("(-5)") != std::string::npos;
  EXPECT_TRUE(refused);
}

// A damaged bitmap superblock on the member the core loads from (disk 0)
// is refused with -EINVAL, excused; on another member the array runs and
// takes writes.
TEST(MetadataErrorTest, DamagedBitmapSuperblockIsRefusedOrBypassed) {
  for (int field = 0; field < 4; field++) {
    RunResult loaded = RunOps("mirrors=2 sectors=16384 space=256",
                              absl::StrCat("op +0us sbcorrupt 0 ", field, "\nop +0us write 64 8\n"));
    ASSERT_FALSE(loaded.Failed()) << field << ": " << loaded.First()->ToString();
    EXPECT_EQ(RowOf(loaded.reach, "feature damaged bitmap superblock"), 1u) << field;
    bool refused = false;
    for (const std::string& n : loaded.notes) refused |= n.find("(-22)") != std::string::npos;
    EXPECT_TRUE(refused) << field;

    RunResult other = RunOps("mirrors=2 sectors=16384 space=256",
                             absl::StrCat("op +0us sbcorrupt 1 ", field, "\nop +0us write 64 8\n"));
    ASSERT_FALSE(other.Failed()) << field << ": " << other.First()->ToString();
    for (const std::string& n : other.notes) EXPECT_EQ(n.find("assemble:"), std::string::npos) << n;
  }
}

// No sectors_reserved or no sync_size recorded: a core may fall back (to
// md's space, to the array's size) or refuse; either way every property
// holds and the assembly is excused only if refused with -EINVAL.
TEST(MetadataErrorTest, ZeroedSizesAreTakenOrRefused) {
  for (int field = 4; field < 6; field++) {
    RunResult r = RunOps("mirrors=2 sectors=16384 space=256",
                         absl::StrCat("op +0us write 0 8\nop +0us sbcorrupt 0 ", field,
                                      "\nop +0us write 64 8\nop +0us crash random\n"
                                      "op +0us assemble\nop +0us settle\n"));
    ASSERT_FALSE(r.Failed()) << field << ": " << r.First()->ToString();
    EXPECT_EQ(RowOf(r.reach, "feature damaged bitmap superblock"), 1u) << field;
  }
}

TEST(MetadataErrorTest, OpsNamingAMissingDiskAreRefused) {
  for (const char* op : {"metaerror 3 1", "sbcorrupt 5 0", "diskfail 3", "readd 9"}) {
    auto t = ParseTrace(absl::StrCat("llsim-trace 1\narray mirrors=2 spares=1 sectors=16384\nop +0us ",
                                     op, "\n"),
                        "t");
    ASSERT_FALSE(t.ok()) << op;
    EXPECT_NE(std::string(t.status().message()).find("the array has disks 0..2"), std::string::npos)
        << t.status();
  }
  EXPECT_FALSE(ParseTrace("llsim-trace 1\nop +0us metaerror 0 4\n", "t").ok());
  EXPECT_FALSE(ParseTrace("llsim-trace 1\nop +0us sbcorrupt 0 6\n", "t").ok());
}

}  // namespace
}  // namespace llsim
