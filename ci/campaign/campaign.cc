// The campaign loop; see campaign.h.
#include "ci/campaign/campaign.h"

#include <poll.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "ci/campaign/child_process.h"
#include "ci/campaign/isolated_run.h"
#include "ci/campaign/progress.h"
#include "ci/campaign/report_json.h"
#include "ci/campaign/report_pages.h"
#include "ci/campaign/shrink_signature.h"
#include "ci/campaign/signature.h"
#include "ci/campaign/worker.h"
#include "traces/trace_format.h"

namespace llsim {

namespace {

volatile std::sig_atomic_t g_stop = 0;
void OnStop(int) { g_stop = 1; }

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

absl::Status WriteFile(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    if (!out) return absl::PermissionDeniedError(absl::StrCat(path, ": cannot write"));
    out << text;
    if (!out) return absl::DataLossError(absl::StrCat(path, ": write failed"));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return absl::DataLossError(absl::StrCat(path, ": ", ec.message()));
  return absl::OkStatus();
}

// One job running in a child: a case, or the shrink of one signature.
struct Job {
  std::unique_ptr<Child> child;
  Clock::time_point start;
  uint64_t index = 0;
  Scenario scenario;
  std::string signature;  // shrink jobs
};

// Polls the children of `jobs` for up to `ms`, reading what they wrote.
void PollJobs(std::vector<Job>& jobs, int ms) {
  std::vector<pollfd> fds;
  for (Job& j : jobs) fds.push_back({j.child->Fd(), POLLIN, 0});
  if (!fds.empty()) poll(fds.data(), fds.size(), ms);
  for (Job& j : jobs) j.child->ReadAvailable();
}

TraceFile TraceFor(const Scenario& s, const SignatureEntry& e, const std::string& hash,
                   const std::set<std::string>& skip) {
  CoreInfo c = LinkedCore();
  return TraceFile{s, c.name, c.sha256, e.property, hash, skip};
}

// Runs cases on up to `jobs` worker processes, keep-going as campaigns
// do, handing each result to `done` as it comes; a worker that dies or
// outlives the watchdog is replaced. `next` gives the next case index.
void RunCases(const CaseSpace& space, int jobs, double watchdog,
              const std::function<bool(uint64_t*)>& next,
              const std::function<void(uint64_t, const Scenario&, const RunResult&)>& done,
              const std::function<bool()>& stop, const std::function<void(int)>& tick) {
  struct Slot {
    std::unique_ptr<ScenarioWorker> worker;
    uint64_t index = 0;
    Scenario scenario;
  };
  std::vector<Slot> slots(jobs);
  RunOptions o;
  o.keep_going = true;
  bool more = true;
  for (;;) {
    int running = 0;
    for (Slot& s : slots) {
      if (s.worker && s.worker->Busy()) {
        running++;
        continue;
      }
      if (!more || stop()) continue;
      uint64_t i;
      if (!(more = next(&i))) continue;
      if (!s.worker || s.worker->Dead()) s.worker = ScenarioWorker::Start();
      s.index = i;
      s.scenario = space.ScenarioOf(i);
      if (s.worker && s.worker->Submit(s.scenario, o)) {
        running++;
      } else {
        RunResult r;
        r.process_died = true;
        r.failures.push_back({kPropSafety, "process died: could not start a worker process", 0});
        done(i, s.scenario, r);
      }
    }
    if (!running || stop()) break;
    std::vector<pollfd> fds;
    for (Slot& s : slots)
      if (s.worker && s.worker->Busy()) fds.push_back({s.worker->Fd(), POLLIN, 0});
    poll(fds.data(), fds.size(), 100);
    for (Slot& s : slots) {
      if (!s.worker || !s.worker->Busy()) continue;
      if (Since(s.worker->JobStart()) > watchdog) s.worker->Kill();
      if (!s.worker->Poll()) continue;
      RunResult r = s.worker->Take(watchdog);
      done(s.index, s.scenario, r);
    }
    tick(running);
  }
  // Stopped early: the workers still running are killed with their slots.
}

}  // namespace

absl::Status WriteReports(const CampaignReport& r, const std::string& dir) {
  if (absl::Status st = WriteFile(dir + "/report.json", ReportJson(r)); !st.ok()) return st;
  if (absl::Status st = WriteFile(dir + "/report.md", ReportMarkdown(r)); !st.ok()) return st;
  if (absl::Status st = WriteFile(dir + "/report.html", ReportHtml(r)); !st.ok()) return st;
  return WriteFile(dir + "/signatures.txt", SignatureList(r));
}

CampaignReport RunCampaign(const CampaignOptions& opts) {
  CoreInfo core = LinkedCore();
  CampaignReport rep;
  rep.core_name = core.name;
  rep.core_sha256 = core.sha256;
  rep.core_source = core.source;
  rep.space = opts.space;
  rep.shards = {opts.shard};
  rep.case_budget = opts.cases;
  rep.seconds_budget = opts.seconds;
  rep.jobs = opts.jobs;
  std::string traces = opts.out_dir + "/traces";
  std::error_code ec;
  std::filesystem::create_directories(traces, ec);
  // Traces of an earlier campaign in the same place would read as ours.
  for (const auto& f : std::filesystem::directory_iterator(traces, ec))
    if (f.path().extension() == ".trace") std::filesystem::remove(f.path(), ec);

  g_stop = 0;
  struct sigaction sa {}, old_int{}, old_term{};
  sa.sa_handler = OnStop;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);

  ProgressDisplay progress(opts.progress);
  Clock::time_point start = Clock::now(), last_save = start;
  uint64_t total = 0;  // cases of this shard within the budget
  if (opts.cases)
    total = opts.cases / opts.shard.count + (opts.cases % opts.shard.count > (uint64_t)opts.shard.index);
  uint64_t next = opts.shard.index;
  RunCases(
      opts.space, opts.jobs, opts.watchdog_seconds,
      [&](uint64_t* i) {
        if (g_stop || (opts.cases && next >= opts.cases)) return false;
        if (opts.seconds > 0 && Since(start) >= opts.seconds) return false;
        *i = next;
        next += opts.shard.count;
        return true;
      },
      [&](uint64_t i, const Scenario& s, const RunResult& r) {
        std::set<std::string> had;
        for (const auto& [sig, e] : rep.signatures) had.insert(sig);
        rep.AddCase(i, s, r);
        rep.MarkKnown(opts.known);
        for (const auto& [sig, e] : rep.signatures)
          if (!had.count(sig))
            progress.Say(absl::StrFormat("  %s signature (case %d): %s",
                                         e.known ? "known" : "new", i, sig));
      },
      [&] { return (bool)g_stop; },
      [&](int running) {
        progress.Update(rep, total, opts.seconds, running);
        if (Since(last_save) > 30) {
          // A campaign killed outright still leaves what it had found.
          last_save = Clock::now();
          rep.interrupted = true;
          rep.shrinking = "pending";
          rep.elapsed_seconds = Since(start);
          (void)WriteReports(rep, opts.out_dir);
        }
      });
  bool interrupted = g_stop;
  rep.case_seconds = Since(start);
  std::vector<Job> running;
  ChildOptions child_opts;
  child_opts.ignore_interrupts = true;
  progress.Update(rep, total, opts.seconds, 0, true);
  progress.Finish();
  rep.interrupted = interrupted;
  rep.MarkKnown(opts.known);

  // Each signature's isolated case as a trace that replays as that
  // failure (else its first case, which replays as its property).
  for (auto& [sig, e] : rep.signatures) {
    bool iso = e.isolated_case != UINT64_MAX;
    uint64_t i = iso ? e.isolated_case : e.first_case;
    e.case_trace = absl::StrCat("traces/", e.id, ".case", i, ".trace");
    (void)WriteTraceFile(opts.out_dir + "/" + e.case_trace,
                         TraceFor(opts.space.ScenarioOf(i), e, "",
                                  iso ? e.isolated_skip : e.skip_before));
    if (!iso) e.shrink_note = "not shrunk: never the first failure of its property in a case";
    else if (e.known) e.shrink_note = "known: not shrunk";
  }

  // Shrink phase: each new signature once, from its isolated case.
  std::deque<SignatureEntry*> todo;
  for (auto& [sig, e] : rep.signatures)
    if (!e.known && e.isolated_case != UINT64_MAX) todo.push_back(&e);
  if (todo.empty()) {
    rep.shrinking = "not needed";
  } else if (interrupted) {
    rep.shrinking = "skipped: interrupted";
  } else {
    progress.Say(absl::StrFormat("llsim campaign: shrinking %d new signature(s)", todo.size()));
    std::map<std::string, SignatureEntry*> by_sig;
    while (!g_stop && (!todo.empty() || !running.empty())) {
      while (!todo.empty() && (int)running.size() < opts.jobs) {
        SignatureEntry* e = todo.front();
        todo.pop_front();
        by_sig[e->signature] = e;
        Job j;
        j.signature = e->signature;
        j.index = e->isolated_case;
        j.scenario = opts.space.ScenarioOf(e->isolated_case);
        std::string path = absl::StrCat(opts.out_dir, "/traces/", e->id, ".trace");
        const Scenario& s = j.scenario;
        SignatureEntry entry = *e;
        int max_runs = opts.shrink_runs;
        double watchdog = opts.watchdog_seconds;
        j.child = Child::Start(
            [s, entry, path, max_runs, watchdog](int fd) {
              ShrinkOutcome o = ShrinkSignature(s, entry, max_runs, watchdog);
              std::string hash = o.result.process_died || !o.reproduced
                                     ? ""
                                     : absl::StrFormat("%016x", o.result.hash);
              if (o.reproduced)
                (void)WriteTraceFile(path,
                                     TraceFor(o.scenario, entry, hash, entry.isolated_skip));
              WriteRecord(fd, absl::StrCat("S ", o.reproduced ? o.scenario.ops.size() : -1, " ",
                                           o.runs, "\nN ", o.note, "\n"));
              return 0;
            },
            child_opts);
        if (!j.child) break;
        j.start = Clock::now();
        running.push_back(std::move(j));
      }
      if (running.empty()) break;
      PollJobs(running, 200);
      for (size_t k = 0; k < running.size();) {
        Job& j = running[k];
        if (j.child->ReadAvailable()) {
          k++;
          continue;
        }
        ChildEnd end = j.child->Wait();
        SignatureEntry* e = by_sig[j.signature];
        e->shrink_note = "shrink process died";
        for (absl::string_view line : absl::StrSplit(j.child->Records(), '\n')) {
          if (absl::ConsumePrefix(&line, "S ")) {
            int ops = -1;
            std::vector<absl::string_view> w = absl::StrSplit(line, ' ');
            if (!w.empty() && absl::SimpleAtoi(w[0], &ops) && ops >= 0) {
              e->shrunk_ops = ops;
              e->shrunk_trace = absl::StrCat("traces/", e->id, ".trace");
            }
            e->shrink_note = "";
          } else if (absl::ConsumePrefix(&line, "N ")) {
            e->shrink_note = std::string(line);
          }
        }
        if (!end.completed && e->shrink_note.empty()) e->shrink_note = "shrink process died";
        running.erase(running.begin() + k);
      }
    }
    for (Job& j : running) j.child->Kill();
    for (Job& j : running) j.child->Wait();
    running.clear();
    rep.shrinking = g_stop ? "skipped: interrupted" : "done";
    rep.interrupted |= (bool)g_stop;
  }
  rep.elapsed_seconds = Since(start);
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  if (absl::Status st = WriteReports(rep, opts.out_dir); !st.ok())
    progress.Say(absl::StrCat("llsim campaign: ", st.message()));
  return rep;
}

std::vector<std::string> RecheckHashes(const CampaignReport& r, int jobs, double watchdog_seconds) {
  std::vector<std::string> bad;
  auto it = r.hash_samples.begin();
  RunCases(
      r.space, jobs, watchdog_seconds,
      [&](uint64_t* i) {
        if (it == r.hash_samples.end()) return false;
        *i = (it++)->first;
        return true;
      },
      [&](uint64_t i, const Scenario&, const RunResult& res) {
        std::string want = r.hash_samples.at(i);
        std::string got = res.process_died ? "(process died)" : absl::StrFormat("%016x", res.hash);
        if (got != want)
          bad.push_back(absl::StrFormat("case %d: hash %s, the report has %s", i, got, want));
      },
      [] { return false; }, [](int) {});
  std::sort(bad.begin(), bad.end());
  return bad;
}

}  // namespace llsim
