// `llsim coverage`; see coverage_command.h.
#include "ci/coverage/coverage_command.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "ci/campaign/campaign.h"
#include "ci/coverage/annotate.h"
#include "ci/coverage/coverage_summary.h"
#include "ci/coverage/gcov_flush.h"
#include "ci/coverage/gcov_json.h"
#include "properties/runner.h"

// Set by ci/CMakeLists.txt: where the build put the core's .gcno, the
// source file it compiled (an upstream core's build-tree copy), the gcov
// that matches the compiler, and the default output directory.
#ifndef LLSIM_COVERAGE_OBJDIR
#define LLSIM_COVERAGE_OBJDIR ""
#define LLSIM_COVERAGE_SOURCE ""
#define LLSIM_GCOV "gcov"
#endif
#ifndef LLSIM_COVERAGE_DEFAULT_OUT
#define LLSIM_COVERAGE_DEFAULT_OUT "coverage"
#endif

namespace llsim {

namespace fs = std::filesystem;

namespace {

int Bad(const std::string& msg) {
  std::cerr << "llsim coverage: " << msg << "\n";
  return 2;
}

int Failed(const std::string& msg) {
  std::cerr << "llsim coverage: " << msg << "\n";
  return 1;
}

// The one file named `name` under `dir`, searched recursively.
std::string FindFile(const std::string& dir, const std::string& name) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file(ec) && it->path().filename() == name) return it->path().string();
  return "";
}

std::string Quote(const std::string& s) {
  return "'" + absl::StrReplaceAll(s, {{"'", "'\\''"}}) + "'";
}

absl::Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat(path, ": cannot write"));
  return absl::OkStatus();
}

// gcov's JSON for the counts in gcda (its .gcno copied next to it).
absl::StatusOr<std::string> RunGcov(const std::string& gcda, const std::string& log) {
  std::string cmd = absl::StrCat(LLSIM_GCOV, " --json-format --stdout --branch-probabilities "
                                 "--branch-counts ", Quote(gcda), " 2>", Quote(log));
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return absl::InternalError(absl::StrCat("cannot run ", LLSIM_GCOV));
  std::string out;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int rc = pclose(p);
  if (rc != 0)
    return absl::InternalError(absl::StrCat(LLSIM_GCOV, " failed (exit ", WEXITSTATUS(rc),
                                            "); its messages are in ", log));
  return out;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The counters of the campaign's cases, turned into the report files.
int Report(const std::string& out, const CoverageRun& run) {
  std::string source = LLSIM_COVERAGE_SOURCE;
  std::string base = fs::path(source).filename().string();
  std::string gcda = FindFile(out + "/gcda", base + ".gcda");
  if (gcda.empty())
    return Failed(absl::StrCat("no counters were written under ", out, "/gcda (did a case run?)"));
  std::string gcno = FindFile(LLSIM_COVERAGE_OBJDIR, base + ".gcno");
  if (gcno.empty())
    return Failed(absl::StrCat("no ", base, ".gcno under ", LLSIM_COVERAGE_OBJDIR,
                               " (rebuild with -DLLSIM_COVERAGE=ON)"));
  std::error_code ec;
  fs::copy_file(gcno, fs::path(gcda).parent_path() / (base + ".gcno"),
                fs::copy_options::overwrite_existing, ec);
  if (ec) return Failed(absl::StrCat("cannot copy ", gcno, ": ", ec.message()));
  auto json = RunGcov(gcda, out + "/gcov.log");
  if (!json.ok()) return Failed(std::string(json.status().message()));
  auto f = ParseGcovJson(*json, base);
  if (!f.ok()) return Failed(std::string(f.status().message()));
  auto text = ReadFile(source);
  if (!text.ok()) return Failed(std::string(text.status().message()));
  CoverageSummary s = Summarize(*f);
  std::string summary = SummaryText(s, run);
  for (const auto& [name, body] :
       {std::pair<std::string, std::string>{"coverage.json", CoverageJson(s, run)},
        {"summary.txt", summary},
        {"core.annotated.txt", AnnotatedText(*text, *f)},
        {"core.html", AnnotatedHtml(*text, *f, s, run)}}) {
    if (absl::Status st = WriteFile(out + "/" + name, body); !st.ok())
      return Failed(std::string(st.message()));
  }
  std::cout << summary;
  std::cout << "coverage: " << out << "/coverage.json, summary.txt, core.annotated.txt, core.html; "
            << "campaign report: " << out << "/" << run.campaign_report << "\n";
  return 0;
}

}  // namespace

std::string DefaultCoverageOut() { return LLSIM_COVERAGE_DEFAULT_OUT; }

int CoverageCommand(const std::vector<std::string>& args, const CoverageFlags& f) {
  if (!CoverageBuild())
    return Bad("this build has no coverage instrumentation; configure with -DLLSIM_COVERAGE=ON");
  if (!args.empty())
    return Bad(absl::StrCat("takes no arguments, got '", args[0], "' (see llsim --help)"));
  if (f.cases < 1) return Bad("--cases must be at least 1");
  if (f.jobs < 0 || f.jobs > 512) return Bad("--jobs must be between 1 and 512 (0: one per core)");
  if (f.watchdog <= 0) return Bad("--watchdog must be a positive number of seconds");
  std::string out = f.out.empty() ? DefaultCoverageOut() : f.out;
  std::error_code ec;
  if (fs::exists(out, ec) && !fs::is_directory(out, ec))
    return Bad(absl::StrCat("--out ", out, ": exists and is not a directory"));
  out = fs::absolute(out, ec).lexically_normal().string();
  if (!out.empty() && out.back() == '/') out.pop_back();
  // Counters of an earlier run must not add to this one's.
  fs::remove_all(out + "/gcda", ec);
  fs::create_directories(out + "/campaign/traces", ec);
  if (ec || access(out.c_str(), W_OK) != 0)
    return Bad(absl::StrCat("--out ", out, ": cannot create or write it"));
  // libgcov puts each .gcda under this prefix when it writes; the workers
  // are forked after this and inherit it.
  setenv("GCOV_PREFIX", (out + "/gcda").c_str(), 1);
  setenv("GCOV_PREFIX_STRIP", "0", 1);
  CoverageChildStarted();  // nothing this process counted before belongs here

  CampaignOptions o;
  o.cases = (uint64_t)f.cases;
  o.space.seed = f.seed;
  o.space.profile = "all";
  o.out_dir = out + "/campaign";
  unsigned cores = std::thread::hardware_concurrency();
  o.jobs = f.jobs > 0 ? f.jobs : (cores ? (int)cores : 1);
  o.watchdog_seconds = f.watchdog;
  o.progress = f.progress;
  CampaignReport r = RunCampaign(o);
  CoverageFlush();
  std::cout << absl::StrFormat(
      "llsim coverage: campaign of %d cases (%d jobs, %.1fs): %d signatures, %d new%s\n",
      r.cases_run, r.jobs, r.elapsed_seconds, r.signatures.size(), r.NewSignatures(),
      r.interrupted ? ", INTERRUPTED" : "");

  CoreInfo core = LinkedCore();
  CoverageRun run{core.name, core.source, core.sha256, r.cases_run, f.seed,
                  "campaign/report.html"};
  int rc = Report(out, run);
  if (rc == 0) {
    // The campaign's page links to what its cases reached.
    r.line_coverage_page = "../core.html";
    if (absl::Status st = WriteReports(r, o.out_dir); !st.ok())
      return Failed(std::string(st.message()));
  }
  return rc;
}

}  // namespace llsim
