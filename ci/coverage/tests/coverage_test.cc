// Unit tests of the coverage report (label unit, every build): gcov's JSON
// for a made-up C file (fixtures/README) read into counts, and the figures,
// coverage.json, summary and annotated source made of them.
#include <fstream>
#include <sstream>

#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>

#include "ci/coverage/annotate.h"
#include "ci/coverage/coverage_summary.h"
#include "ci/coverage/gcov_json.h"
#include "gtest/gtest.h"

namespace llsim {
namespace {

std::string Fixture(const std::string& name) {
  std::ifstream in(std::string(LLSIM_COVERAGE_FIXTURES) + "/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

FileCoverage Tiny() {
  auto f = ParseGcovJson(Fixture("tiny.gcov.json"), "tiny.c");
  EXPECT_TRUE(f.ok()) << f.status();
  return f.ok() ? *f : FileCoverage{};
}

TEST(CoverageGcovJson, KeepsTheCoreFileOnly) {
  FileCoverage f = Tiny();
  EXPECT_EQ(f.file, "tiny.c");
  ASSERT_EQ(f.lines.size(), 18u);  // tiny.h's inline function is not counted
  EXPECT_EQ(f.lines.front().line, 4);
  ASSERT_EQ(f.functions.size(), 6u);
  EXPECT_EQ(f.functions[2].name, "never_called");
  EXPECT_EQ(f.functions[2].calls, 0u);
  EXPECT_EQ(f.functions[3].name, "pick");
  EXPECT_EQ(f.functions[3].start_line, 15);
  EXPECT_EQ(f.functions[3].end_line, 21);
  EXPECT_EQ(f.functions[3].calls, 3u);
}

TEST(CoverageGcovJson, LeavesExceptionArcsOut) {
  FileCoverage f = Tiny();
  std::vector<uint64_t> line19;
  for (const LineCount& l : f.lines)
    if (l.line == 19) line19 = l.branches;
  EXPECT_EQ(line19, (std::vector<uint64_t>{2, 2}));
}

TEST(CoverageGcovJson, BadInputIsAnError) {
  EXPECT_FALSE(ParseGcovJson("{ not json", "tiny.c").ok());
  EXPECT_FALSE(ParseGcovJson("{\"x\": 1}", "tiny.c").ok());
  auto missing = ParseGcovJson(Fixture("tiny.gcov.json"), "md-llbitmap.c");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(std::string(missing.status().message()).find("has: tiny.c, tiny.h"), std::string::npos)
      << missing.status();
}

TEST(CoverageSummary, Figures) {
  CoverageSummary s = Summarize(Tiny());
  EXPECT_EQ(s.lines.hit, 14u);
  EXPECT_EQ(s.lines.total, 18u);
  // Line 16's cleanup has two arcs besides its exception arc.
  EXPECT_EQ(s.branches.hit, 9u);
  EXPECT_EQ(s.branches.total, 12u);
  EXPECT_EQ(s.functions.hit, 5u);
  EXPECT_EQ(s.functions.total, 6u);
  EXPECT_EQ(s.never_entered, std::vector<std::string>{"never_called"});
  const FunctionReach& never = s.per_function[2];
  EXPECT_EQ(never.lines.hit, 0u);
  EXPECT_EQ(never.lines.total, 4u);
  EXPECT_EQ(never.branches.total, 2u);
}

TEST(CoverageSummary, JsonReadsBack) {
  CoverageRun run{"tiny", "/fixture/tiny.c", "abc", 50, 7, "campaign/report.html"};
  std::string json = CoverageJson(Summarize(Tiny()), run);
  boost::property_tree::ptree t;
  std::istringstream in(json);
  ASSERT_NO_THROW(boost::property_tree::read_json(in, t)) << json;
  EXPECT_EQ(t.get<int>("lines.hit"), 14);
  EXPECT_EQ(t.get<int>("lines.total"), 18);
  EXPECT_EQ(t.get<int>("branches.hit"), 9);
  EXPECT_EQ(t.get<int>("branches.total"), 12);
  EXPECT_EQ(t.get<int>("functions.hit"), 5);
  EXPECT_EQ(t.get<int>("functions.total"), 6);
  EXPECT_EQ(t.get<int>("campaign.cases"), 50);
  EXPECT_EQ(t.get_child("per_function").size(), 6u);
  EXPECT_EQ(t.get_child("never_entered").front().second.get_value<std::string>(), "never_called");
}

TEST(CoverageSummary, Text) {
  CoverageRun run{"tiny", "/fixture/tiny.c", "abc", 50, 7, ""};
  std::string text = SummaryText(Summarize(Tiny()), run);
  EXPECT_NE(text.find("lines         14 of    18   77.8%"), std::string::npos) << text;
  EXPECT_NE(text.find("branches       9 of    12   75.0%"), std::string::npos) << text;
  EXPECT_NE(text.find("functions      5 of     6   83.3%"), std::string::npos) << text;
  EXPECT_NE(text.find("never entered (1): never_called"), std::string::npos) << text;
}

TEST(CoverageAnnotate, MarksEveryLine) {
  std::string text = AnnotatedText(Fixture("tiny.c"), Tiny());
  EXPECT_NE(text.find("        -:    1:/* A made-up core"), std::string::npos) << text;
  EXPECT_NE(text.find("function never_called called 0 (never entered)\n    #####:    9:"),
            std::string::npos) << text;
  EXPECT_NE(text.find("        3:   18:  if (x > 0)\nbranch  0 taken 2\nbranch  1 taken 1\n"),
            std::string::npos) << text;
  EXPECT_NE(text.find("    #####:   10:  if (x > 3)\nbranch  0 never taken\n"), std::string::npos)
      << text;
  CoverageRun run{"tiny", "/fixture/tiny.c", "abc", 50, 7, "campaign/report.html"};
  std::string html = AnnotatedHtml(Fixture("tiny.c"), Tiny(), Summarize(Tiny()), run);
  EXPECT_NE(html.find("<tr id=\"L10\" class=\"miss\">"), std::string::npos);
  EXPECT_NE(html.find("Never entered: <a href=\"#L9\">never_called</a>"), std::string::npos);
  EXPECT_NE(html.find("<a href=\"campaign/report.html\">"), std::string::npos);
  EXPECT_NE(html.find("&gt; 0"), std::string::npos);  // source is escaped
  // pick ran but left a cleanup arc; twice left nothing.
  EXPECT_NE(html.find("<a href=\"#L15\">pick</a></td><td class=\"n\">3</td>"), std::string::npos);
  EXPECT_EQ(html.find("<a href=\"#L7\">twice</a>"), std::string::npos);
}

}  // namespace
}  // namespace llsim
