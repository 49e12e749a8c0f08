// Scenario worker processes; see worker.h.
#include "ci/campaign/worker.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "ci/campaign/isolated_run.h"
#include "ci/campaign/signature.h"
#include "ci/coverage/gcov_flush.h"
#include "traces/trace_format.h"

namespace llsim {

namespace {

constexpr const char* kEnd = "END";

// The worker's loop: read a job, run it, report, until the pipe closes.
int WorkerLoop(int cmd_fd, int record_fd) {
  FILE* in = fdopen(cmd_fd, "r");
  if (!in) return 1;
  char* buf = nullptr;
  size_t cap = 0;
  auto next_line = [&](std::string* line) {
    ssize_t n = getline(&buf, &cap, in);
    if (n <= 0) return false;
    line->assign(buf, (size_t)n);
    if (!line->empty() && line->back() == '\n') line->pop_back();
    return true;
  };
  std::string header, line;
  while (next_line(&header)) {
    std::string text;
    while (next_line(&line) && line != kEnd) text += line + "\n";
    std::vector<std::string> w = absl::StrSplit(header, ' ');
    RunOptions o;
    o.keep_going = w.size() > 1 && w[1] == "1";
    if (o.keep_going) o.failure_key = [](const Verdict& v) { return Signature(v); };
    if (w.size() > 2 && w[2] != "-")
      for (absl::string_view p : absl::StrSplit(w[2], ',')) o.skip.insert(std::string(p));
    o.record_schedule = w.size() > 3 && w[3] == "1";
    // A sanitizer report on stderr belongs to this job alone.
    if (ftruncate(2, 0) == 0) lseek(2, 0, SEEK_SET);
    absl::StatusOr<TraceFile> t = ParseTrace(text, "job");
    if (!t.ok()) {
      WriteRecord(record_fd, EncodeFailure({"config", std::string(t.status().message()), 0}));
      WriteRecord(record_fd, EncodeResult(RunResult{}));
    } else {
      RunResult r = RunScenario(t->scenario, StreamingOptions(o, record_fd));
      WriteRecord(record_fd, EncodeResult(r));
    }
    // Before the job is done: the parent may kill an idle worker at any time.
    CoverageFlush();
    WriteRecord(record_fd, "D\n");
  }
  free(buf);
  return 0;
}

}  // namespace

std::unique_ptr<ScenarioWorker> ScenarioWorker::Start() {
  int cmd[2];
  if (pipe(cmd) != 0) return nullptr;
  ChildOptions opts;
  opts.ignore_interrupts = true;
  int read_end = cmd[0], write_end = cmd[1];
  std::unique_ptr<Child> child = Child::Start(
      [read_end, write_end](int record_fd) {
        close(write_end);
        return WorkerLoop(read_end, record_fd);
      },
      opts);
  close(cmd[0]);
  if (!child) {
    close(cmd[1]);
    return nullptr;
  }
  // A worker dying while we write must not kill us with SIGPIPE.
  signal(SIGPIPE, SIG_IGN);
  std::unique_ptr<ScenarioWorker> w(new ScenarioWorker());
  w->child_ = std::move(child);
  w->cmd_fd_ = cmd[1];
  return w;
}

ScenarioWorker::~ScenarioWorker() {
  if (cmd_fd_ >= 0) close(cmd_fd_);
}

bool ScenarioWorker::Submit(const Scenario& s, const RunOptions& o) {
  if (dead_ || busy_) return false;
  std::string skip = o.skip.empty() ? "-" : absl::StrJoin(o.skip, ",");
  std::string job = absl::StrCat("J ", o.keep_going ? 1 : 0, " ", skip, " ",
                                 o.record_schedule ? 1 : 0, "\n",
                                 FormatTrace(TraceFile{s}), kEnd, "\n");
  busy_ = true;
  job_start_ = std::chrono::steady_clock::now();
  WriteRecord(cmd_fd_, job);
  return true;
}

bool ScenarioWorker::Poll() {
  if (!busy_) return false;
  if (!child_->ReadAvailable()) {
    dead_ = true;
    return true;
  }
  const std::string& rec = child_->Records();
  return rec.size() >= consumed_ + 2 && rec.compare(rec.size() - 2, 2, "D\n") == 0 &&
         (rec.size() == consumed_ + 2 || rec[rec.size() - 3] == '\n');
}

RunResult ScenarioWorker::Take(double watchdog_seconds) {
  busy_ = false;
  std::string records = child_->Records().substr(consumed_);
  consumed_ = child_->Records().size();
  if (dead_) {
    ChildEnd end = child_->Wait();
    return DecodeRun(records, end, watchdog_seconds);
  }
  records.resize(records.size() - 2);  // the "D" line
  ChildEnd alive;
  alive.completed = true;
  return DecodeRun(records, alive, watchdog_seconds);
}

RunResult IsolatedRunner::Run(const Scenario& s, const RunOptions& o) {
  if (!worker_ || worker_->Dead()) worker_ = ScenarioWorker::Start();
  if (!worker_ || !worker_->Submit(s, o)) {
    RunResult r;
    r.process_died = true;
    r.failures.push_back({kPropSafety, "process died: could not start a worker process", 0});
    return r;
  }
  while (!worker_->Poll()) {
    pollfd p{worker_->Fd(), POLLIN, 0};
    poll(&p, 1, 200);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                                worker_->JobStart())
                      .count();
    if (secs > watchdog_) worker_->Kill();
  }
  return worker_->Take(watchdog_);
}

}  // namespace llsim
