// Campaign progress: on a terminal, one status line redrawn in place
// (cases, cases/s, time left, failures so far by signature); otherwise a
// plain line every 10 s, for logs. Wall time here only informs people.
#pragma once

#include <chrono>
#include <string>

#include "ci/campaign/report.h"

namespace llsim {

class ProgressDisplay {
 public:
  explicit ProgressDisplay(bool enabled);
  // `total`: cases this run will do, 0 if time-boxed; `seconds`: the time
  // box, 0 if none.
  void Update(const CampaignReport& r, uint64_t total, double seconds, int running,
              bool force = false);
  void Finish();
  void Say(const std::string& line);

 private:
  bool enabled_, tty_;
  std::chrono::steady_clock::time_point start_, last_;
  size_t drawn_ = 0;
};

}  // namespace llsim
