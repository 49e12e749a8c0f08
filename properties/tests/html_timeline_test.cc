// `llsim show --html`: recording the timeline changes nothing about the run,
// the page draws what was recorded (a lane per member, state colours, the
// failure), big arrays share rows, and the same run gives the same bytes.
#include "properties/html_timeline.h"

#include <gtest/gtest.h>

#include <rapidcheck.h>

#include <algorithm>
#include <string>

#include "models/oracle/chunk_model.h"
#include "properties/chunk_rows.h"
#include "properties/demo_trace.h"
#include "properties/generators.h"
#include "properties/runner.h"
#include "properties/time_axis.h"
#include "properties/timeline.h"
#include "traces/trace_format.h"

namespace llsim {
namespace {

// Writes, a crash in the middle of them, reassembly and a resync: the
// demo's scenario.
Scenario CrashScenario() {
  auto t = ParseTrace(kDemoTrace, "test");
  EXPECT_TRUE(t.ok()) << t.status();
  return t->scenario;
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) n++;
  return n;
}

TEST(TimelineTest, RecordingChangesNothing) {
  std::vector<Scenario> cases = {CrashScenario()};
  for (uint64_t seed : {1, 2, 3, 4}) {
    rc::Random rnd(seed);
    GenOptions g;
    g.max_ops = 16;
    g.profile = seed % 2 ? "swarm" : "resync";
    cases.push_back(GenScenario(g)(rnd, 50).value());
  }
  for (const Scenario& s : cases) {
    RunOptions plain;
    plain.keep_events = true;
    RunResult a = RunScenario(s, plain);
    Timeline tl;
    RunOptions recorded = plain;
    recorded.timeline = &tl;
    RunResult b = RunScenario(s, recorded);
    EXPECT_EQ(a.hash, b.hash) << "seed " << s.seed;
    EXPECT_EQ(a.events, b.events);
    EXPECT_EQ(a.Failed(), b.Failed());
    EXPECT_FALSE(tl.Changes().empty());
    EXPECT_FALSE(tl.DurableMarks().empty());
    EXPECT_LE(tl.Ops().size(), s.ops.size());
    EXPECT_EQ(tl.EndTime(), b.virtual_time);
  }
}

TEST(TimelineTest, SeesChunksDirtyInMemoryAndOnMedia) {
  Scenario s = CrashScenario();
  Timeline tl;
  RunOptions o;
  o.timeline = &tl;
  RunResult r = RunScenario(s, o);
  ASSERT_FALSE(r.Failed()) << r.First()->ToString();
  bool dirty_in_memory = false, dirty_on_media = false;
  for (const ChunkStateChange& c : tl.Changes()) {
    if (c.state != (int)ChunkState::kDirty) continue;
    (c.where == Timeline::kMemory ? dirty_in_memory : dirty_on_media) = true;
  }
  EXPECT_TRUE(dirty_in_memory);
  EXPECT_TRUE(dirty_on_media);
  EXPECT_EQ(tl.Crashes().size(), 1u);
  EXPECT_EQ(tl.Ops().size(), s.ops.size());
  EXPECT_EQ(tl.Disks(), 3);  // two mirrors and a spare
  // Changes come in time order, each one a real change of its place.
  for (size_t i = 1; i < tl.Changes().size(); i++)
    EXPECT_LE(tl.Changes()[i - 1].t, tl.Changes()[i].t);
}

std::string Render(const Scenario& s, RunResult* r, Timeline* tl) {
  RunOptions o;
  o.keep_events = true;
  o.timeline = tl;
  *r = RunScenario(s, o);
  return RenderHtmlTimeline({"test.trace", "reference", r, tl});
}

TEST(HtmlTimelineTest, DrawsLanesStatesAndNoFailureWhenPassing) {
  RunResult r;
  Timeline tl;
  std::string page = Render(CrashScenario(), &r, &tl);
  EXPECT_EQ(Count(page, "<g class=\"io-lane\""), 3u);
  EXPECT_EQ(Count(page, "<g class=\"chunk-section\""), 4u);  // memory + 3 media
  EXPECT_NE(page.find("data-place=\"core memory\""), std::string::npos);
  EXPECT_NE(page.find("<rect class=\"st-Dirty\""), std::string::npos);
  EXPECT_NE(page.find(".st-Dirty{fill:#ff9800}"), std::string::npos);
  EXPECT_EQ(Count(page, "<g class=\"crash-mark\">"), 1u);
  EXPECT_NE(page.find("<rect class=\"io-hover\""), std::string::npos);  // a short trace's IOs
  EXPECT_EQ(Count(page, "<g class=\"op-mark\">"), CrashScenario().ops.size());
  EXPECT_NE(page.find("<div class=\"passed-banner\">"), std::string::npos);
  EXPECT_EQ(page.find("<g class=\"failure-mark\">"), std::string::npos);
  // Self-contained: nothing to fetch, nothing to run.
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("src="), std::string::npos);
  EXPECT_EQ(page.find("href="), std::string::npos);
  EXPECT_EQ(page.find("http://"), page.find("http://www.w3.org/2000/svg"));
}

TEST(HtmlTimelineTest, SameRunSameBytes) {
  RunResult r1, r2;
  Timeline t1, t2;
  EXPECT_EQ(Render(CrashScenario(), &r1, &t1), Render(CrashScenario(), &r2, &t2));
}

TEST(HtmlTimelineTest, HighlightsTheFailure) {
  RunResult r;
  Timeline tl;
  Render(CrashScenario(), &r, &tl);
  r.failures.push_back({"durability", "a <lost> write", r.virtual_time / 2});
  std::string page = RenderHtmlTimeline({"test.trace", "reference", &r, &tl});
  EXPECT_EQ(Count(page, "<g class=\"failure-mark\">"), 1u);
  EXPECT_NE(page.find("<div class=\"failure-banner\">FAILURE durability at"), std::string::npos);
  EXPECT_NE(page.find("a &lt;lost&gt; write"), std::string::npos);
  EXPECT_EQ(page.find("<div class=\"passed-banner\">"), std::string::npos);
}

TEST(ChunkRowsTest, ManyChangedChunksShareRowsShowingTheMostUrgentState) {
  Timeline tl;
  for (uint64_t c = 0; c < 5000; c++) tl.ChunkState(0, Timeline::kMemory, c, 0);
  for (uint64_t c = 0; c < 3000; c++) tl.ChunkState(10, Timeline::kMemory, c, 1);
  tl.ChunkState(20, Timeline::kMemory, 1234, (int)ChunkState::kNeedSync);
  tl.End(30, 128, 2);
  ChunkRows rows = BuildChunkRows(tl, 48);
  EXPECT_EQ(rows.chunks_seen, 5000u);
  EXPECT_EQ(rows.chunks_changed, 3000u);
  EXPECT_TRUE(rows.bucketed);
  ASSERT_LE(rows.rows.size(), 48u);
  int need_sync_rows = 0;
  for (const ChunkRow& row : rows.rows) {
    const std::vector<StateSpan>& spans = row.spans.at(Timeline::kMemory);
    ASSERT_FALSE(spans.empty());
    EXPECT_EQ(spans.back().end, 30);
    bool holds = row.first <= 1234 && 1234 <= row.last;
    EXPECT_EQ(spans.back().state, holds ? (int)ChunkState::kNeedSync : (int)ChunkState::kClean)
        << row.Label();
    need_sync_rows += holds;
  }
  EXPECT_EQ(need_sync_rows, 1);
}

TEST(ChunkRowsTest, FewChunksGetARowEach) {
  Timeline tl;
  tl.ChunkState(0, Timeline::kMemory, 7, 0);
  tl.ChunkState(5, Timeline::kMemory, 7, 2);
  tl.ChunkState(5, Timeline::kMemory, 7, 2);  // not a change: not recorded
  tl.ChunkState(9, 0, 7, 2);
  tl.End(12, 128, 1);
  EXPECT_EQ(tl.Changes().size(), 3u);
  ChunkRows rows = BuildChunkRows(tl, 48);
  ASSERT_EQ(rows.rows.size(), 1u);
  EXPECT_FALSE(rows.bucketed);
  EXPECT_EQ(rows.rows[0].Label(), "chunk 7");
  const auto& mem = rows.rows[0].spans.at(Timeline::kMemory);
  ASSERT_EQ(mem.size(), 2u);
  EXPECT_EQ(mem[0].state, 0);
  EXPECT_EQ(mem[1].begin, 5);
  EXPECT_EQ(mem[1].state, 2);
  EXPECT_EQ(rows.places, (std::vector<int>{Timeline::kMemory, 0}));
}

TEST(HtmlTimelineTest, AChunkChangingThousandsOfTimesCostsAtMostARectPerPixel) {
  Timeline tl;
  for (int i = 0; i < 20000; i++)
    tl.ChunkState(i, Timeline::kMemory, 3, i % 2 ? (int)ChunkState::kDirty : (int)ChunkState::kClean);
  tl.ChunkState(20000, Timeline::kMemory, 3, (int)ChunkState::kNeedSync);
  tl.End(kNsPerSec, 128, 1);
  RunResult r;
  std::string page = RenderHtmlTimeline({"t", "c", &r, &tl});
  size_t rects = Count(page, "<rect class=\"st-");
  EXPECT_GT(rects, 100u);
  EXPECT_LE(rects, 9000u);  // the widest plot, in pixels
  EXPECT_LT(page.size(), 3u << 20);
  EXPECT_NE(page.find("<rect class=\"st-NeedSync\""), std::string::npos);
}

TEST(TimeAxisTest, KeepsOrderAndWidth) {
  TimeAxis axis({0, 1000, 2000, 60 * kNsPerSec, 500}, 1000);
  EXPECT_DOUBLE_EQ(axis.X(0), 0);
  EXPECT_DOUBLE_EQ(axis.X(60 * kNsPerSec), 1000);
  EXPECT_LT(axis.X(500), axis.X(1000));
  EXPECT_LT(axis.X(2000), axis.X(30 * kNsPerSec));
  EXPECT_LT(axis.X(30 * kNsPerSec), axis.X(60 * kNsPerSec));
  // A minute of idle time does not push a microsecond burst off the page.
  EXPECT_GT(axis.X(2000), 10);
}

TEST(HtmlTimelineTest, UnwritablePathIsAnErrorNamingIt) {
  absl::Status st = CheckHtmlPath("/nonexistent-dir/page.html");
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("/nonexistent-dir/page.html"), std::string::npos);
  EXPECT_FALSE(CheckHtmlPath("/").ok());
  EXPECT_FALSE(CheckHtmlPath("").ok());
  EXPECT_TRUE(CheckHtmlPath(::testing::TempDir() + "/page.html").ok());
  RunResult r;
  Timeline tl;
  st = WriteHtmlTimeline("/nonexistent-dir/page.html", {"t", "c", &r, &tl});
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("/nonexistent-dir/page.html"), std::string::npos);
}

}  // namespace
}  // namespace llsim
