// Unit tests of the campaign engine: signatures, the case space, child
// processes and what their deaths mean, report JSON, --known files, merge.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "ci/campaign/case_space.h"
#include "ci/campaign/child_process.h"
#include "ci/campaign/crash_verdict.h"
#include "ci/campaign/isolated_run.h"
#include "ci/campaign/known.h"
#include "ci/campaign/report.h"
#include "ci/campaign/report_json.h"
#include "ci/campaign/signature.h"
#include "ci/campaign/worker.h"
#include "models/md/md_array.h"
#include "traces/trace_format.h"

namespace llsim {
namespace {

TEST(SignatureTest, SameBugInTwoCasesIsOneSignature) {
  // The same write-intent bug, as two cases report it: other sectors,
  // disks, chunks.
  Verdict a{kPropWriteIntent,
            "user write to sectors 128+64 reached disk 0 while chunk 1 is Clean on the media of "
            "disk 1: a crash now would not resync it",
            5};
  Verdict b{kPropWriteIntent,
            "user write to sectors 90112+8 reached disk 2 while chunk 704 is Clean on the media "
            "of disk 0: a crash now would not resync it",
            77};
  EXPECT_EQ(Signature(a), Signature(b));
  // Fiber serial numbers and hex values go too.
  Verdict c{kPropLiveness, "hang: fiber 'user-write-12' blocked on 'page 0x7ffd1234' for more than 120s", 0};
  Verdict d{kPropLiveness, "hang: fiber 'user-write-7' blocked on 'page 0x55aa' for more than 120s", 0};
  EXPECT_EQ(Signature(c), Signature(d));
  EXPECT_EQ(Signature(c),
            "liveness: hang: fiber 'user-write-N' blocked on 'page N' for more than Ns");
  // Which fiber a step invariant happened to look from is not part of it.
  Verdict e{kPropTransitions, "chunk 3 went NeedSync -> Clean (byte 3 -> 1); seen in fiber 'kworker/md_llbitmap_daemon'", 0};
  Verdict f{kPropTransitions, "chunk 9 went NeedSync -> Clean (byte 3 -> 1); seen in handler context", 0};
  EXPECT_EQ(Signature(e), Signature(f));
  EXPECT_EQ(Signature(e), "transitions: chunk N went NeedSync -> Clean (byte N -> N)");
  // How many other sectors differ is not part of it either.
  Verdict g{kPropResync, "in-sync mirrors differ after resync: sector 8: disk 0 holds write 3, disk 1 holds write 2", 0};
  Verdict h{kPropResync, "in-sync mirrors differ after resync: sector 9: disk 0 holds write 3, disk 1 holds write 2 (and 17 more)", 0};
  EXPECT_EQ(Signature(g), Signature(h));
  // Nor which members the array has, in which slots and states.
  Verdict i{kPropLiveness, "resync/recovery did not finish within 4 virtual hours: md0: running, 8 sectors, degraded 1, events 9, clean [sda slot 0 in_sync] [sdb slot -1 faulty] [sdc slot 1]", 0};
  Verdict j{kPropLiveness, "resync/recovery did not finish within 4 virtual hours: md0: running, 8 sectors, degraded 0, events 3, clean [sda slot 0 in_sync] [sdb slot 1 in_sync]", 0};
  EXPECT_EQ(Signature(i), Signature(j));
  EXPECT_EQ(Signature(i), "liveness: resync/recovery did not finish within N virtual hours: mdN: running, N sectors, degraded N, events N, clean [members]");
}

TEST(SignatureTest, DifferentBugsAreDifferentSignatures) {
  Verdict daemon{kPropTransitions, "chunk 3 went NeedSync -> Clean (byte 3 -> 1), which no action of the documented table allows; seen in fiber 'kworker'", 0};
  Verdict abort{kPropTransitions, "end_sync at sector 128 (Abortsync) left chunk 1 Syncing; the table gives every Syncing chunk from there on back to NeedSync", 0};
  Verdict clean{kPropWriteIntent, "user write to sectors 1+1 reached disk 0 while chunk 1 is Clean on the media of disk 1", 0};
  Verdict unwritten{kPropWriteIntent, "user write to sectors 1+1 reached disk 0 while chunk 1 is Unwritten on the media of disk 1", 0};
  EXPECT_NE(Signature(daemon), Signature(abort));
  EXPECT_NE(Signature(clean), Signature(unwritten));
  // The same message under another property is another failure.
  Verdict other = clean;
  other.property = kPropNoCleanInFlight;
  EXPECT_NE(Signature(clean), Signature(other));
}

TEST(SignatureTest, StuckRunsAreToldApartByWhatTheyWaitOn) {
  Verdict a{kPropLiveness, "deadlock: every fiber is blocked and nothing is pending:\n"
                           "  md0_raid1 (fiber 3): waits on 'raid1 barrier' since 1.000s\n"
                           "  kworker (fiber 9): waits on 'work' since 0.100s (idle)\n", 0};
  Verdict b{kPropLiveness, "deadlock: every fiber is blocked and nothing is pending:\n"
                           "  md0_raid1 (fiber 4): waits on 'raid1 barrier' since 7.000s\n", 0};
  Verdict c{kPropLiveness, "deadlock: every fiber is blocked and nothing is pending:\n"
                           "  user-write-1 (fiber 4): waits on 'page 0 barrier' since 7.000s\n", 0};
  // Users queued behind a stuck user on the runner's own range lock add
  // nothing: the stuck one says what is wrong.
  Verdict d{kPropLiveness, "deadlock: every fiber is blocked and nothing is pending:\n"
                           "  md0_raid1 (fiber 4): waits on 'raid1 barrier' since 7.000s\n"
                           "  user-write-9 (fiber 5): waits on 'user IO range lock' since 7.000s\n", 0};
  EXPECT_EQ(Signature(a), Signature(d));
  EXPECT_EQ(Signature(a), Signature(b));
  EXPECT_NE(Signature(a), Signature(c));
  EXPECT_NE(Signature(a).find("[waits on 'raidN barrier']"), std::string::npos) << Signature(a);
}

TEST(SignatureTest, IdsAreStableAndFileNameSafe) {
  std::string sig = "safety: process died: SIGSEGV in llb_slot < llb_resize";
  EXPECT_EQ(SignatureId(kPropSafety, sig), SignatureId(kPropSafety, sig));
  EXPECT_EQ(SignatureId(kPropSafety, sig).substr(0, 7), "safety-");
  EXPECT_EQ(SignatureId(kPropSafety, sig).size(), 15u);
  EXPECT_NE(SignatureId(kPropSafety, sig), SignatureId(kPropSafety, sig + "x"));
}

TEST(CaseSpaceTest, CasesArePureFunctionsOfSeedProfileAndIndex) {
  CaseSpace space;
  space.seed = 9;
  TraceFile a{space.ScenarioOf(17)}, b{space.ScenarioOf(17)}, c{space.ScenarioOf(18)};
  EXPECT_EQ(FormatTrace(a), FormatTrace(b));
  EXPECT_NE(FormatTrace(a), FormatTrace(c));
  EXPECT_EQ(space.ProfileOf(0), "swarm");
  EXPECT_EQ(space.ProfileOf(1), "resize");
  EXPECT_EQ(space.ProfileOf(7), "resync");
  EXPECT_EQ(space.ProfileOf(8), "recovery");
  EXPECT_EQ(space.ProfileOf(9), "race");
  space.profile = "resync";
  EXPECT_EQ(space.ProfileOf(1), "resync");
}

TEST(CaseSpaceTest, ShardsSplitTheSpace) {
  auto s = ParseShard("1/3");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->Holds(4));
  EXPECT_FALSE(s->Holds(5));
  for (const char* bad : {"3/3", "-1/2", "1", "a/b", "1/0", "1/2/3"})
    EXPECT_FALSE(ParseShard(bad).ok()) << bad;
}

TEST(ChildProcessTest, ACrashIsReportedWithItsSignalAndFrames) {
  std::string records;
  ChildEnd end = RunInChild(
      [](int fd) {
        WriteRecord(fd, "before\n");
        raise(SIGSEGV);
        return 0;
      },
      ChildOptions{}, 30, &records);
  EXPECT_FALSE(end.completed);
  EXPECT_EQ(records, "before\n");
  Verdict v = CrashVerdict(end, 30);
  EXPECT_EQ(v.property, kPropSafety);
#ifdef LLSIM_ASAN
  // ASan reports the SEGV itself and exits.
  EXPECT_EQ(v.message.rfind("process died: AddressSanitizer SEGV", 0), 0u) << v.message;
#else
  EXPECT_EQ(end.signal, SIGSEGV);
  EXPECT_EQ(v.message.rfind("process died: SIGSEGV", 0), 0u) << v.message;
  // The frames name where it happened (this test), not the crash machinery.
  EXPECT_NE(v.message.find("ACrashIsReportedWithItsSignalAndFrames"), std::string::npos)
      << v.message;
#endif
}

TEST(ChildProcessTest, ANormalEndCarriesItsCode) {
  std::string records;
  ChildEnd end = RunInChild([](int fd) { return 3; }, ChildOptions{}, 30, &records);
  EXPECT_TRUE(end.completed);
  EXPECT_EQ(end.code, 3);
  EXPECT_EQ(end.signal, 0);
}

TEST(ChildProcessTest, TheWatchdogKillsAChildThatNeverEnds) {
  std::string records;
  ChildEnd end = RunInChild(
      [](int) {
        for (;;) pause();
        return 0;
      },
      ChildOptions{}, 0.5, &records);
  EXPECT_FALSE(end.completed);
  EXPECT_TRUE(end.killed);
  EXPECT_EQ(CrashVerdict(end, 0.5).property, kPropLiveness);
}

TEST(WorkerTest, RunsInAWorkerMatchRunsInProcess) {
  CaseSpace space;
  IsolatedRunner runner(60);
  for (uint64_t i : {2, 3, 2}) {
    Scenario s = space.ScenarioOf(i);
    RunResult here = RunScenario(s);
    RunResult there = runner.Run(s, RunOptions{});
    EXPECT_FALSE(there.process_died);
    EXPECT_EQ(here.hash, there.hash) << "case " << i;
    EXPECT_EQ(here.events, there.events);
    EXPECT_EQ(here.failures.size(), there.failures.size());
    EXPECT_EQ(here.coverage_matrix.hits, there.coverage_matrix.hits);
    EXPECT_EQ(here.reach.Rows(), there.reach.Rows());
    EXPECT_GT(there.reach.hooks[(int)BitmapOp::kCreate], 0u);
  }
}

TEST(SanitizerReportTest, FramesAreRead) {
  std::vector<Frame> f = SanitizerFrames(
      "==1==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x60\n"
      "    #0 0x55d1 in llbitmap_read /src/md-llbitmap.c:812\n"
      "    #1 0x55d2 in llbitmap_resize /src/md-llbitmap.c:990\n");
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].function, "llbitmap_read");
  EXPECT_EQ(f[1].line, 990);
}

CampaignReport SampleReport(uint64_t first_case, int shard) {
  CampaignReport r;
  r.core_name = "reference";
  r.core_sha256 = "abc";
  r.case_budget = 10;
  r.shards = {Shard{shard, 2}};
  Scenario s;
  s.ops.resize(4);
  RunResult res;
  res.failures.push_back({kPropWriteIntent, "chunk 1 is Clean \"quoted\"\nsecond line", 0});
  res.events = 10;
  res.reach.Hook(BitmapOp::kStartWrite);
  res.reach.Feature("crash", 3);
  r.AddCase(first_case, s, res);
  r.AddCase(first_case + 2, s, res);
  return r;
}

TEST(ReportTest, JsonRoundTrips) {
  CampaignReport r = SampleReport(3, 1);
  auto back = ParseReportJson(ReportJson(r), "x");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(ReportJson(*back), ReportJson(r));
  ASSERT_EQ(back->signatures.size(), 1u);
  const SignatureEntry& e = back->signatures.begin()->second;
  EXPECT_EQ(e.count, 2u);
  EXPECT_EQ(e.first_case, 3u);
  EXPECT_EQ(e.example, "chunk 1 is Clean \"quoted\"\nsecond line");
  EXPECT_EQ(back->reach.hooks[(int)BitmapOp::kStartWrite], 2u);
  EXPECT_EQ(back->reach.features["crash"], 6u);
}

TEST(ReportTest, ShardsMergeCountsAndKeepTheFirstCase) {
  CampaignReport a = SampleReport(4, 0), b = SampleReport(3, 1);
  ASSERT_TRUE(MergeReports(&a, b).ok());
  EXPECT_EQ(a.cases_run, 4u);
  ASSERT_EQ(a.signatures.size(), 1u);
  EXPECT_EQ(a.signatures.begin()->second.count, 4u);
  EXPECT_EQ(a.signatures.begin()->second.first_case, 3u);
  EXPECT_EQ(a.shards.size(), 2u);
  CampaignReport c = SampleReport(3, 1);
  EXPECT_FALSE(MergeReports(&a, c).ok());  // shard 1/2 twice
  CampaignReport d = SampleReport(3, 0);
  d.core_sha256 = "other";
  CampaignReport e = SampleReport(3, 1);
  EXPECT_FALSE(MergeReports(&d, e).ok());
}

TEST(KnownTest, ListsAndReportsAreRead) {
  auto list = ParseKnownSignatures("# known on mainline\nsafety: a b  # 3 cases\n\nliveness: c\n", "k");
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(*list, (std::set<std::string>{"safety: a b", "liveness: c"}));
  auto from_report = ParseKnownSignatures(ReportJson(SampleReport(1, 0)), "r.json");
  ASSERT_TRUE(from_report.ok()) << from_report.status();
  EXPECT_EQ(from_report->size(), 1u);
  auto bad = ParseKnownSignatures("hello world\n", "k");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "k:1: not a signature (expected 'property: message shape')");
  EXPECT_FALSE(ParseKnownSignatures("{ not json", "j").ok());
}

}  // namespace
}  // namespace llsim
