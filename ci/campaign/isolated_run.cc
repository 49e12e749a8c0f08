// Scenario runs in child processes; see isolated_run.h.
#include "ci/campaign/isolated_run.h"

#include <iostream>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "ci/campaign/crash_verdict.h"
#include "sim/choice_strategy.h"

namespace llsim {

std::string EncodeFailure(const Verdict& v) {
  return absl::StrCat("F ", v.property, " ", v.t, " ", absl::CEscape(v.message), "\n");
}

std::string EncodeResult(const RunResult& r) {
  std::string out = absl::StrFormat("R %d %d %d %d %d %d\nC", r.hash, r.events, r.virtual_time,
                                    r.crashes, r.resyncs_verified, r.recoveries_verified);
  for (const auto& row : r.coverage_matrix.hits)
    for (uint64_t h : row) absl::StrAppend(&out, " ", h);
  out += "\n";
  // Only what was reached: the parent lists the rest as 0.
  for (const auto& [name, n] : r.reach.Rows())
    if (n) absl::StrAppend(&out, "H ", n, " ", name, "\n");
  // Only a recording run has a schedule line ("S" alone: no overrides).
  if (r.schedule_recorded) absl::StrAppend(&out, "S ", FormatScheduleOverrides(r.schedule), "\n");
  return out;
}

RunOptions StreamingOptions(RunOptions o, int record_fd) {
  auto prev = o.on_failure;
  o.on_failure = [prev, record_fd](const Verdict& v) {
    if (prev) prev(v);
    WriteRecord(record_fd, EncodeFailure(v));
  };
  return o;
}

RunResult DecodeRun(const std::string& records, const ChildEnd& end, double watchdog_seconds) {
  RunResult r;
  bool have_result = false;
  for (absl::string_view line : absl::StrSplit(records, '\n', absl::SkipEmpty())) {
    if (absl::ConsumePrefix(&line, "F ")) {
      std::vector<absl::string_view> w = absl::StrSplit(line, absl::MaxSplits(' ', 2));
      if (w.size() != 3) continue;
      Verdict v;
      v.property = std::string(w[0]);
      (void)absl::SimpleAtoi(w[1], &v.t);
      std::string msg;
      if (!absl::CUnescape(w[2], &msg)) msg = std::string(w[2]);
      v.message = std::move(msg);
      r.failures.push_back(std::move(v));
    } else if (absl::ConsumePrefix(&line, "R ")) {
      std::vector<absl::string_view> w = absl::StrSplit(line, ' ');
      if (w.size() != 6) continue;
      have_result = absl::SimpleAtoi(w[0], &r.hash) && absl::SimpleAtoi(w[1], &r.events) &&
                    absl::SimpleAtoi(w[2], &r.virtual_time) &&
                    absl::SimpleAtoi(w[3], &r.crashes) &&
                    absl::SimpleAtoi(w[4], &r.resyncs_verified) &&
                    absl::SimpleAtoi(w[5], &r.recoveries_verified);
    } else if (absl::ConsumePrefix(&line, "H ")) {
      std::vector<absl::string_view> w = absl::StrSplit(line, absl::MaxSplits(' ', 1));
      uint64_t n = 0;
      if (w.size() == 2 && absl::SimpleAtoi(w[0], &n)) r.reach.Set(std::string(w[1]), n);
    } else if (line == "S" || absl::ConsumePrefix(&line, "S ")) {
      r.schedule_recorded = true;
      if (line == "S") continue;
      for (absl::string_view w : absl::StrSplit(line, ' ', absl::SkipEmpty()))
        if (!ParseScheduleOverride(std::string(w), &r.schedule).ok()) r.schedule_recorded = false;
    } else if (absl::ConsumePrefix(&line, "C ")) {
      std::vector<absl::string_view> w = absl::StrSplit(line, ' ');
      size_t k = 0;
      for (auto& row : r.coverage_matrix.hits)
        for (uint64_t& h : row)
          if (k < w.size()) (void)absl::SimpleAtoi(w[k++], &h);
    }
  }
  if (!end.completed || !have_result) {
    r.process_died = true;
    r.hash = 0;
    r.failures.push_back(CrashVerdict(end, watchdog_seconds));
  }
  return r;
}

int ReplayIsolated(const std::function<int()>& replay, const std::string& expect_failure,
                   double watchdog_seconds) {
  std::string records;
  ChildEnd end = RunInChild([&](int) { return replay(); }, ChildOptions{}, watchdog_seconds,
                            &records);
  std::cerr << end.stderr_text;
  if (end.completed) return end.code;
  Verdict v = CrashVerdict(end, watchdog_seconds);
  std::cout << "FAILED " << v.property << ": " << v.message << "\n";
  if (v.property == expect_failure) {
    std::cout << "reproduced\n";
    return 0;
  }
  std::cout << "did NOT reproduce: expected "
            << (expect_failure.empty() ? "a pass" : expect_failure) << "\n";
  return 1;
}

}  // namespace llsim
