// The trace file format: round trips, and bad input is named by line.
#include "traces/trace_format.h"

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"

namespace llsim {
namespace {

TEST(TraceFormatTest, RoundTrip) {
  TraceFile t;
  t.scenario.seed = 99;
  t.scenario.hz = 1000;
  t.scenario.strategy = "pct";
  t.scenario.array.mirrors = 3;
  t.scenario.array.logical_block_size = 4096;
  t.scenario.ops.push_back({OpKind::kWrite, 8, 16, 0, true, "", 1500 * 1000});
  t.scenario.ops.push_back({OpKind::kCrash, 0, 0, 0, false, "random:50:20", 0});
  t.scenario.ops.push_back({OpKind::kIoError, 1, 100, 8});
  t.core_name = "reference";
  t.core_sha256 = "abc";
  t.expect_failure = "durability";
  t.expect_hash = "00ff";
  std::string text = FormatTrace(t);
  auto back = ParseTrace(text, "x");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(FormatTrace(*back), text);
  EXPECT_EQ(back->scenario.ops[0].fua, true);
  EXPECT_EQ(back->scenario.ops[0].delay, 1500u * 1000);
  EXPECT_EQ(back->scenario.ops[1].text, "random:50:20");
}

TEST(TraceFormatTest, ScheduleRoundTrip) {
  TraceFile t;
  t.scenario.strategy = "fifo";
  for (uint64_t k = 0; k < 30; k++) t.scenario.schedule[k * 7] = (uint32_t)(k % 3);
  t.expect_failure = "write-intent";
  std::string text = FormatTrace(t);
  EXPECT_NE(text.find("\nschedule 0=0 7=1 14=2 "), std::string::npos) << text;
  auto back = ParseTrace(text, "x");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->scenario.schedule, t.scenario.schedule);
  EXPECT_EQ(FormatTrace(*back), text);
  // No overrides, no line: older traces format as they did.
  EXPECT_EQ(FormatTrace(TraceFile{}).find("schedule"), std::string::npos);
}

TEST(TraceFormatTest, MalformedScheduleNamesTheLine) {
  auto bad = [](const std::string& text) {
    auto t = ParseTrace(text, "f.trace");
    EXPECT_FALSE(t.ok());
    return std::string(t.status().message());
  };
  EXPECT_EQ(bad("llsim-trace 1\nseed 1\nschedule 3=x\n"),
            "f.trace:3: schedule: '3=x' is not <decision>=<choice> (two non-negative numbers)");
  EXPECT_EQ(bad("llsim-trace 1\nschedule 3=1\nschedule 3=0\n"),
            "f.trace:3: schedule: decision 3 is overridden twice");
  EXPECT_EQ(bad("llsim-trace 1\nschedule\n"),
            "f.trace:2: schedule takes <decision>=<choice> words, e.g. 'schedule 3=1 17=0'");
}

TEST(TraceFormatTest, PassingTraceSaysSo) {
  TraceFile t;
  std::string text = FormatTrace(t);
  EXPECT_NE(text.find("\nexpect-failure none\n"), std::string::npos) << text;
  auto back = ParseTrace(text, "x");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->expect_failure, "");
}

TEST(TraceFormatTest, ErrorsNameTheLine) {
  auto bad = [](const std::string& text) {
    auto t = ParseTrace(text, "f.trace");
    EXPECT_FALSE(t.ok());
    return std::string(t.status().message());
  };
  EXPECT_EQ(bad("hello\n"), "f.trace:1: not an llsim trace (the first line must be 'llsim-trace 1')");
  EXPECT_EQ(bad("llsim-trace 1\nseed x\n"), "f.trace:2: seed takes one number");
  EXPECT_EQ(bad("llsim-trace 1\nop +0us frobnicate\n"), "f.trace:2: unknown op 'frobnicate'");
  EXPECT_EQ(bad("llsim-trace 1\nop +0us write 1\n"), "f.trace:2: write takes 2 numbers");
  EXPECT_EQ(bad("llsim-trace 1\narray mirrors=9\n"),
            "f.trace:2: mirrors=9: raid1 here takes 2 to 4 mirrors");
  EXPECT_EQ(bad(""), "f.trace: empty trace file");
  EXPECT_EQ(bad("llsim-trace 1\nalloc-fail lots\n"),
            "f.trace:2: alloc-fail takes one number: allocation failures per million, 0 to 1000000");
  EXPECT_EQ(bad("llsim-trace 1\nalloc-fail 1000001\n"),
            "f.trace:2: alloc-fail takes one number: allocation failures per million, 0 to 1000000");
  EXPECT_EQ(bad("llsim-trace 1\nalloc-fail 1 2\n"),
            "f.trace:2: alloc-fail takes one number: allocation failures per million, 0 to 1000000");
}

// The level and raid10 layout: written only for raid10 (a raid1 header is
// what it was before levels existed), read back, and bad values refused
// with the key named.
TEST(TraceFormatTest, Raid10LevelRoundTripsAndRaid1IsUnchanged) {
  TraceFile t;
  t.scenario.array.mirrors = 3;
  t.scenario.array.dev_sectors = 16384;
  EXPECT_EQ(FormatTrace(t).find("level="), std::string::npos);
  for (const char* layout : {"n2", "f2", "o2", "n3"}) {
    ArrayConfig& a = t.scenario.array;
    ASSERT_TRUE(ParseArrayConfig(absl::StrCat("mirrors=3 sectors=16384 level=10 layout=", layout,
                                              " chunk=128"),
                                 &a)
                    .ok())
        << layout;
    std::string text = FormatTrace(t);
    EXPECT_NE(text.find(absl::StrCat(" level=10 layout=", layout, " chunk=128")),
              std::string::npos)
        << text;
    auto back = ParseTrace(text, "x");
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(FormatTrace(*back), text);
    EXPECT_EQ(back->scenario.array.level, 10);
  }
  auto bad = [](const std::string& array) {
    ArrayConfig a;
    absl::Status st = ParseArrayConfig(array, &a);
    EXPECT_FALSE(st.ok()) << array;
    return std::string(st.message());
  };
  EXPECT_EQ(bad("level=7"), "level=7: the md model runs raid1, raid10 and raid4/5/6");
  EXPECT_EQ(bad("level=10 layout=x2"),
            "'layout=x2': layout is nK, fK or oK (raid10, K copies 2..8) or ls, la, rs, ra, pf, "
            "pl (raid4/5/6)");
  EXPECT_NE(bad("mirrors=2 level=5 layout=ls chunk=128").find("raid5 on 2 disks"),
            std::string::npos);
  EXPECT_NE(bad("mirrors=3 level=4 layout=ls chunk=128").find("raid4 has one layout"),
            std::string::npos);
  EXPECT_NE(bad("mirrors=2 level=10 layout=n3 chunk=128").find("copies"), std::string::npos);
  EXPECT_NE(bad("mirrors=3 level=10 layout=n2 chunk=100").find("power"), std::string::npos);
  EXPECT_EQ(bad("level=4294967306"), "'level=4294967306': the number is too large");
}

// Allocation failures: written only when on (old traces, without the line,
// mean none and format as they did), and read back.
TEST(TraceFormatTest, AllocFailRoundTripsAndIsAbsentWhenOff) {
  TraceFile t;
  EXPECT_EQ(FormatTrace(t).find("alloc-fail"), std::string::npos);
  t.scenario.alloc_fail_ppm = 20000;
  std::string text = FormatTrace(t);
  EXPECT_NE(text.find("\nalloc-fail 20000\n"), std::string::npos) << text;
  auto back = ParseTrace(text, "x");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->scenario.alloc_fail_ppm, 20000u);
  auto old = ParseTrace("llsim-trace 1\nseed 3\nop +0us settle\nexpect-failure none\n", "x");
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_EQ(old->scenario.alloc_fail_ppm, 0u);
}

// Members that zero by unmapping (wzeroes=1) and a crash inside the first
// assembly (create-crash): written only when on, read back, and a bad
// create-crash line is named.
TEST(TraceFormatTest, WriteZeroesAndCreateCrashRoundTrip) {
  TraceFile t;
  std::string plain = FormatTrace(t);
  EXPECT_EQ(plain.find("wzeroes"), std::string::npos);
  EXPECT_EQ(plain.find("create-crash"), std::string::npos);
  ASSERT_TRUE(
      ParseArrayConfig("mirrors=4 sectors=8192 level=6 layout=ls chunk=128 wzeroes=1",
                       &t.scenario.array)
          .ok());
  t.scenario.create_crash_events = 70;
  t.scenario.create_crash_policy = "script:kdk";
  std::string text = FormatTrace(t);
  EXPECT_NE(text.find("\ncreate-crash script:kdk in=70ev\n"), std::string::npos) << text;
  EXPECT_NE(text.find(" wzeroes=1"), std::string::npos) << text;
  auto back = ParseTrace(text, "x");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(FormatTrace(*back), text);
  EXPECT_TRUE(back->scenario.array.write_zeroes);
  EXPECT_EQ(back->scenario.create_crash_events, 70u);
  for (const char* line : {"create-crash random", "create-crash random in=0ev",
                           "create-crash sideways in=5ev", "create-crash random in=5us"}) {
    auto bad = ParseTrace(absl::StrCat("llsim-trace 1\n", line, "\nexpect-failure none\n"), "t");
    ASSERT_FALSE(bad.ok()) << line;
    EXPECT_NE(std::string(bad.status().message()).find("t:2:"), std::string::npos)
        << bad.status();
  }
}

}  // namespace
}  // namespace llsim
