// A worker process that runs scenarios one after another, so a crash kills
// the worker and not its caller. Starting a fresh process per scenario
// would be purer but costs a process's worth of page faults per run (about
// as much as the run itself); a worker keeps its memory warm. A run must
// not depend on the runs before it in the same process (the simulator's
// determinism promise); `campaign recheck` and the jobs-independence test
// check that. The worker reads a job (run options and the scenario as
// trace text) from one pipe and streams the run's records (isolated_run.h)
// on another; a job ends with a "D" line. A worker that dies mid-job is
// reported as that job's failure (crash_verdict.h) and replaced.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "ci/campaign/child_process.h"
#include "properties/runner.h"
#include "traces/scenario.h"

namespace llsim {

class ScenarioWorker {
 public:
  // Null if the fork fails.
  static std::unique_ptr<ScenarioWorker> Start();
  ~ScenarioWorker();

  // Sends one job; the options that cross are skip, keep_going (a
  // keep-going run dedupes its failures by signature) and record_schedule.
  bool Submit(const Scenario& s, const RunOptions& o);
  int Fd() const { return child_->Fd(); }
  // Reads what the worker wrote; true once the job's result is complete or
  // the worker is gone.
  bool Poll();
  // The job's result (a death is its last failure); then the worker is
  // ready for another job, unless Dead().
  RunResult Take(double watchdog_seconds);
  bool Dead() const { return dead_; }
  bool Busy() const { return busy_; }
  void Kill() { child_->Kill(); }
  std::chrono::steady_clock::time_point JobStart() const { return job_start_; }

 private:
  std::unique_ptr<Child> child_;
  int cmd_fd_ = -1;
  bool busy_ = false, dead_ = false;
  size_t consumed_ = 0;  // records of earlier jobs
  std::chrono::steady_clock::time_point job_start_;
};

// Runs scenarios on one worker, starting a new one after a death.
class IsolatedRunner {
 public:
  explicit IsolatedRunner(double watchdog_seconds = 60) : watchdog_(watchdog_seconds) {}
  RunResult Run(const Scenario& s, const RunOptions& o);

 private:
  double watchdog_;
  std::unique_ptr<ScenarioWorker> worker_;
};

}  // namespace llsim
