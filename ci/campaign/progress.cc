// Campaign progress display; see progress.h.
#include "ci/campaign/progress.h"

#include <unistd.h>

#include <iostream>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace llsim {

ProgressDisplay::ProgressDisplay(bool enabled)
    : enabled_(enabled), tty_(isatty(2)), start_(std::chrono::steady_clock::now()), last_(start_) {}

void ProgressDisplay::Update(const CampaignReport& r, uint64_t total, double seconds, int running,
                             bool force) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  double since = std::chrono::duration<double>(now - last_).count();
  if (!force && since < (tty_ ? 0.25 : 10.0)) return;
  last_ = now;
  double elapsed = std::chrono::duration<double>(now - start_).count();
  double rate = elapsed > 0 ? r.cases_run / elapsed : 0;
  double left = -1;
  if (total && rate > 0) left = (double)(total - std::min<uint64_t>(total, r.cases_run)) / rate;
  if (seconds > 0)
    left = std::max(0.0, left < 0 ? seconds - elapsed : std::min(left, seconds - elapsed));
  std::string line = absl::StrFormat(
      "%d%s cases, %.1f/s, %s left, %d running; %d signatures (%d new)", r.cases_run,
      total ? absl::StrCat("/", total) : "", rate,
      left < 0 ? std::string("?") : absl::StrFormat("%.0fs", std::max(0.0, left)), running,
      r.signatures.size(), r.NewSignatures());
  std::map<std::string, uint64_t> by_property;
  for (const auto& [sig, e] : r.signatures) by_property[e.property] += e.count;
  for (const auto& [p, n] : by_property) absl::StrAppend(&line, " ", p, " x", n, ";");
  if (!by_property.empty()) line.pop_back();
  if (tty_) {
    if (line.size() > 150) line = line.substr(0, 147) + "...";
    std::string pad(drawn_ > line.size() ? drawn_ - line.size() : 0, ' ');
    std::cerr << "\r" << line << pad << std::flush;
    drawn_ = line.size();
  } else {
    std::cerr << "campaign: " << line << "\n";
  }
}

void ProgressDisplay::Say(const std::string& line) {
  if (tty_ && drawn_) {
    std::cerr << "\r" << std::string(drawn_, ' ') << "\r";
    drawn_ = 0;
  }
  std::cerr << line << "\n";
}

void ProgressDisplay::Finish() {
  if (tty_ && drawn_) std::cerr << "\n";
  drawn_ = 0;
}

}  // namespace llsim
