// `llsim explore`: workers, shards, the certificate; see explore_command.h.
#include "ci/explore/explore_command.h"

#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <csignal>
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "ci/campaign/child_process.h"
#include "ci/campaign/crash_verdict.h"
#include "ci/campaign/known.h"
#include "ci/campaign/signature.h"
#include "ci/explore/explore_report.h"
#include "ci/explore/explorer.h"

namespace llsim {
namespace {

using Clock = std::chrono::steady_clock;

// Ctrl-C or SIGTERM: stop the workers, report what was explored (no
// certificate) and any counterexample found so far.
volatile std::sig_atomic_t g_stop = 0;
void OnStop(int) { g_stop = 1; }

int BadInput(const std::string& what) {
  std::cerr << "llsim explore: " << what << "\n";
  return 2;
}

// The execution a worker is running, where its parent can read it should
// the worker die with it: a page shared across the fork, written before
// each execution. (A pipe record per execution cost a tenth of explore's
// time in write and poll system calls.) The parent also takes a change of
// `seq` as the worker's sign of life for the watchdog.
class LastRun {
 public:
  LastRun() {
    void* p = mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED) h_ = static_cast<Header*>(p);
  }
  ~LastRun() {
    if (h_) munmap(h_, kBytes);
  }
  LastRun(const LastRun&) = delete;
  LastRun& operator=(const LastRun&) = delete;

  // Worker: false if it does not fit (then it goes down the pipe).
  bool Put(const std::string& trace) {
    if (!h_) return false;
    h_->len = trace.size() <= kData ? trace.size() : kInPipe;
    if (h_->len != kInPipe) memcpy(h_->data, trace.data(), trace.size());
    h_->seq.fetch_add(1, std::memory_order_release);
    return h_->len != kInPipe;
  }
  // Parent: the executions begun so far.
  uint64_t Seq() const { return h_ ? h_->seq.load(std::memory_order_acquire) : 0; }
  // Parent, once the worker has ended: the last trace, unless it went
  // down the pipe.
  std::optional<std::string> Get() const {
    if (!h_ || h_->seq.load(std::memory_order_acquire) == 0 || h_->len == kInPipe)
      return std::nullopt;
    return std::string(h_->data, h_->len);
  }

 private:
  static constexpr size_t kBytes = 1 << 20;
  struct Header {
    std::atomic<uint64_t> seq;
    uint64_t len;
    char data[1];
  };
  static constexpr size_t kData = kBytes - offsetof(Header, data);
  static constexpr uint64_t kInPipe = ~0ull;
  Header* h_ = nullptr;
};

// The worker's wire form, one record a line (A, E, X and Z belong to
// child_process.h):
//   B <trace, C-escaped>        before an execution whose trace is too big
//                               for the shared page (LastRun)
//   K <count> <signature>       known failures of the workload just done
//   T <workload> <kTallyFields> a workload done
//   F <workload>\t<property>\t<signature>\t<message>\t<how>\t<trace>  (escaped)
std::string EncodeTally(uint64_t w, const ExploreTally& t) {
  std::string s;
  for (const auto& [sig, n] : t.known) absl::StrAppend(&s, "K ", n, " ", absl::CEscape(sig), "\n");
  absl::StrAppend(&s, "T ", w);
  for (const TallyField& f : kTallyFields) absl::StrAppend(&s, " ", t.*f.field);
  return s + "\n";
}

bool DecodeTally(const std::string& line, uint64_t* w, ExploreTally* t) {
  std::vector<std::string> f = absl::StrSplit(line.substr(2), ' ');
  if (f.size() != 1 + std::size(kTallyFields) || !absl::SimpleAtoi(f[0], w)) return false;
  for (size_t i = 0; i < std::size(kTallyFields); i++)
    if (!absl::SimpleAtoi(f[i + 1], &(t->*kTallyFields[i].field))) return false;
  return true;
}

int WorkerBody(int fd, const ExploreBounds& b, const std::set<std::string>& known,
               const std::vector<uint64_t>& workloads, LastRun* last) {
  for (uint64_t w : workloads) {
    WorkloadExplorer ex(b, known);
    ex.SetBeforeRun([&](const Scenario& s) {
      TraceFile t;
      t.scenario = s;
      std::string text = FormatTrace(t);
      if (!last->Put(text)) WriteRecord(fd, absl::StrCat("B ", absl::CEscape(text), "\n"));
    });
    bool ok = ex.Explore(w);
    std::string out = EncodeTally(w, ex.Tally());
    if (!ok) {
      const Counterexample& cx = *ex.Cx();
      absl::StrAppend(&out, "F ", w, "\t", absl::CEscape(cx.verdict.property), "\t",
                      absl::CEscape(cx.signature), "\t", absl::CEscape(cx.verdict.message), "\t",
                      absl::CEscape(cx.how), "\t", absl::CEscape(FormatTrace(cx.trace)), "\n");
    }
    WriteRecord(fd, out);
    if (!ok) return 1;
  }
  return 0;
}

struct Worker {
  std::unique_ptr<Child> child;
  std::vector<uint64_t> todo;  // its workloads, in order
  size_t done = 0;             // how many of them it finished
  std::string last_trace;      // the execution it ran last, C-escaped, if piped
  std::unique_ptr<LastRun> last;  // else here
  uint64_t last_seq = 0;
  Clock::time_point last_record;
};

class Exploration {
 public:
  Exploration(const ExploreBounds& b, std::set<std::string> known, const ExploreFlags& f)
      : b_(b), known_(std::move(known)), f_(f) {}
  int Run();

 private:
  void Start(Worker& w);
  void Consume(Worker& w);
  void Ended(Worker& w);
  void Offer(ExploreCounterexample cx);
  void StopWorkersPast(uint64_t workload);
  void Progress(bool force);

  ExploreBounds b_;
  std::set<std::string> known_;
  ExploreFlags f_;
  ExploreReport report_;
  std::vector<Worker> workers_;
  Clock::time_point start_, last_progress_;
  uint64_t total_ = 0;
};

void Exploration::Start(Worker& w) {
  std::vector<uint64_t> rest(w.todo.begin() + w.done, w.todo.end());
  ChildOptions co;
  co.ignore_interrupts = true;  // the parent stops them and keeps what they found
  w.last = std::make_unique<LastRun>();
  w.last_seq = 0;
  LastRun* last = w.last.get();
  w.child = Child::Start(
      [this, rest, last](int fd) { return WorkerBody(fd, b_, known_, rest, last); }, co);
  w.last_record = Clock::now();
}

void Exploration::Consume(Worker& w) {
  std::string rec = w.child->TakeRecords();
  size_t at = 0;
  while (true) {
    size_t nl = rec.find('\n', at);
    if (nl == std::string::npos) break;
    std::string line = rec.substr(at, nl - at);
    at = nl + 1;
    w.last_record = Clock::now();
    if (line.rfind("B ", 0) == 0) {
      w.last_trace = line.substr(2);  // unescaped only if it is needed
    } else if (line.rfind("K ", 0) == 0) {
      size_t sp = line.find(' ', 2);
      uint64_t n = 0;
      std::string sig;
      if (sp != std::string::npos && absl::SimpleAtoi(line.substr(2, sp - 2), &n) &&
          absl::CUnescape(line.substr(sp + 1), &sig))
        report_.tally.known[sig] += n;
    } else if (line.rfind("T ", 0) == 0) {
      uint64_t wl;
      ExploreTally t;
      if (DecodeTally(line, &wl, &t)) {
        report_.tally.Add(t);
        w.done++;
      }
    } else if (line.rfind("F ", 0) == 0) {
      std::vector<std::string> f = absl::StrSplit(line.substr(2), '\t');
      if (f.size() != 6) continue;
      ExploreCounterexample cx;
      absl::SimpleAtoi(f[0], &cx.workload);
      absl::CUnescape(f[1], &cx.property);
      absl::CUnescape(f[2], &cx.signature);
      absl::CUnescape(f[3], &cx.message);
      absl::CUnescape(f[4], &cx.how);
      absl::CUnescape(f[5], &cx.trace_text);
      Offer(std::move(cx));
    }
  }
}

// A worker's process ended. A death is a failure of the execution it was
// running: new, the counterexample; known, counted, and the workload it
// was in is cut short (the certificate says so) and the worker goes on
// with the next one.
void Exploration::Ended(Worker& w) {
  ChildEnd end = w.child->Wait();
  Consume(w);
  w.child.reset();
  if (end.completed || w.done >= w.todo.size()) return;
  uint64_t wl = w.todo[w.done];
  if (report_.cx && report_.cx->workload < wl) return;  // stopped: past the counterexample
  Verdict v = CrashVerdict(end, f_.watchdog);
  std::string sig = Signature(v);
  if (known_.count(sig)) {
    report_.tally.known[sig]++;
    report_.cut_short.push_back(wl);
    w.done++;
    if (w.done < w.todo.size()) Start(w);
    return;
  }
  ExploreCounterexample cx;
  cx.workload = wl;
  cx.property = v.property;
  cx.signature = sig;
  cx.message = v.message;
  cx.how = "the execution killed its process";
  std::string text;
  if (auto shared = w.last ? w.last->Get() : std::nullopt)
    text = *shared;
  else
    absl::CUnescape(w.last_trace, &text);
  if (auto t = ParseTrace(text, "worker"); t.ok()) {
    t->expect_failure = v.property;
    CoreInfo core = LinkedCore();
    t->core_name = core.name;
    t->core_sha256 = core.sha256;
    cx.trace_text = FormatTrace(*t);
  }
  Offer(std::move(cx));
}

// With several workers the first counterexample to arrive depends on
// timing; the one reported is that of the lowest workload, as one worker
// would find it. Workers past it stop; those before it go on until they
// pass it or find an earlier one.
void Exploration::Offer(ExploreCounterexample cx) {
  if (report_.cx && report_.cx->workload <= cx.workload) return;
  report_.cx = std::move(cx);
}

void Exploration::StopWorkersPast(uint64_t workload) {
  for (Worker& w : workers_)
    if (w.child && w.done < w.todo.size() && w.todo[w.done] > workload) {
      w.child->Kill();
      w.child->Wait();
      w.child.reset();
    }
}

void Exploration::Progress(bool force) {
  if (!f_.progress) return;
  auto now = Clock::now();
  bool tty = isatty(2);
  double since = std::chrono::duration<double>(now - last_progress_).count();
  if (!force && since < (tty ? 1.0 : 10.0)) return;
  last_progress_ = now;
  double secs = std::chrono::duration<double>(now - start_).count();
  const ExploreTally& t = report_.tally;
  std::string line = absl::StrFormat(
      "explore: %d/%d workloads, %d executions (%.0f/s), %d crash states, %d known hits",
      t.workloads, total_, t.executions, secs > 0 ? t.executions / secs : 0.0, t.crash_states,
      [&] {
        uint64_t n = 0;
        for (const auto& [s, c] : t.known) n += c;
        return n;
      }());
  if (tty)
    std::cerr << "\r" << line << "\033[K" << std::flush;
  else
    std::cerr << line << "\n";
}

int Exploration::Run() {
  start_ = last_progress_ = Clock::now();
  g_stop = 0;
  struct sigaction sa {}, old_int{}, old_term{};
  sa.sa_handler = OnStop;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  std::vector<uint64_t> mine;
  uint64_t all = WorkloadCount(b_);
  for (uint64_t i = 0; i < all; i++)
    if ((int)(i % b_.shards) == b_.shard) mine.push_back(i);
  total_ = mine.size();
  int jobs = f_.jobs > 0 ? f_.jobs : (int)std::max(1u, std::thread::hardware_concurrency());
  jobs = (int)std::min<size_t>(jobs, std::max<size_t>(1, mine.size()));
  workers_.resize(jobs);
  for (size_t i = 0; i < mine.size(); i++) workers_[i % jobs].todo.push_back(mine[i]);
  for (Worker& w : workers_)
    if (!w.todo.empty()) Start(w);
  report_.bounds = b_;
  report_.core = LinkedCore();
  report_.workloads_total = total_;
  report_.jobs = jobs;
  while (true) {
    std::vector<pollfd> fds;
    std::vector<Worker*> who;
    for (Worker& w : workers_)
      if (w.child) {
        fds.push_back({w.child->Fd(), POLLIN, 0});
        who.push_back(&w);
      }
    if (fds.empty()) break;
    poll(fds.data(), fds.size(), 500);
    for (size_t i = 0; i < fds.size(); i++) {
      Worker& w = *who[i];
      if (uint64_t seq = w.last->Seq(); seq != w.last_seq) {
        w.last_seq = seq;
        w.last_record = Clock::now();
      }
      if (fds[i].revents) {
        bool open = w.child->ReadAvailable();
        Consume(w);
        if (!open) Ended(w);
      } else if (f_.watchdog > 0 &&
                 std::chrono::duration<double>(Clock::now() - w.last_record).count() >
                     f_.watchdog) {
        w.child->Kill();
        Ended(w);
      }
    }
    if (g_stop) report_.interrupted = true;
    if (report_.cx) StopWorkersPast(report_.cx->workload);
    if (report_.interrupted) {
      for (Worker& w : workers_)
        if (w.child) {
          w.child->Kill();
          w.child->Wait();
          w.child.reset();
        }
      break;
    }
    Progress(false);
  }
  Progress(true);
  if (f_.progress && isatty(2)) std::cerr << "\n";
  report_.seconds = std::chrono::duration<double>(Clock::now() - start_).count();
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  if (report_.cx) {
    std::string path = absl::StrCat(f_.out, "/explore-",
                                     SignatureId(report_.cx->property, report_.cx->signature),
                                     ".trace");
    std::error_code ec;
    std::filesystem::create_directories(f_.out, ec);
    std::ofstream(path) << report_.cx->trace_text;
    report_.cx->trace_path = path;
  }
  std::cout << FormatExploreReport(report_);
  if (!f_.json.empty()) {
    std::ofstream out(f_.json);
    out << ExploreReportJson(report_);
    if (!out) return BadInput(absl::StrCat("--json: cannot write ", f_.json));
  }
  if (report_.cx) return 1;
  return report_.interrupted ? 130 : 0;
}

}  // namespace

absl::StatusOr<ExploreBounds> BoundsFromFlags(const ExploreFlags& f) {
  ExploreBounds b;
  auto range = [](const char* name, int v, int lo, int hi) -> absl::Status {
    if (v < lo || v > hi)
      return absl::InvalidArgumentError(
          absl::StrCat("--", name, " ", v, " is out of range (", lo, "..", hi, ")"));
    return absl::OkStatus();
  };
  for (absl::Status st : {range("ops", f.ops, 1, 8), range("chunks", f.chunks, 2, 512),
                          range("members", f.members, 2, 4),
                          range("preemptions", f.preemptions, 0, 8),
                          range("after_crash_preemptions", f.after_crash_preemptions, 0, 4),
                          range("subset_cap", f.subset_cap, 0, 16), range("pct", f.pct, 0, 1000000),
                          range("pct_depth", f.pct_depth, 1, 8)})
    if (!st.ok()) return st;
  b.ops = f.ops;
  b.chunks = f.chunks;
  b.members = f.members;
  b.preemptions = f.preemptions;
  b.after_crash_preemptions = f.after_crash_preemptions;
  b.subset_cap = f.subset_cap;
  b.dedup = f.dedup;
  b.sleep_sets = f.sleep_sets;
  b.pct_runs = f.pct;
  b.pct_depth = f.pct_depth;
  b.seed = f.seed;
  if (!f.alphabet.empty()) {
    auto a = ParseAlphabet(f.alphabet, f.chunks, f.members);
    if (!a.ok()) return a.status();
    b.alphabet = *a;
  } else {
    // The default names chunks 3, 6 and 7 of 8: on another array, the same
    // places relative to its middle and end.
    for (std::string& l : b.alphabet) {
      if (l == "wend7") l = absl::StrCat("wend", f.chunks - 1);
      if (l == "span3") l = absl::StrCat("span", std::max(0, f.chunks / 2 - 1));
      if (l == "dspan6") l = absl::StrCat("dspan", f.chunks - 2);
    }
  }
  auto cp = ParseCrashPoints(f.crash_points);
  if (!cp.ok()) return cp.status();
  b.crash_points = *cp;
  if (!f.shard.empty()) {
    std::vector<std::string> p = absl::StrSplit(f.shard, '/');
    if (p.size() != 2 || !absl::SimpleAtoi(p[0], &b.shard) || !absl::SimpleAtoi(p[1], &b.shards) ||
        b.shards < 1 || b.shard < 0 || b.shard >= b.shards)
      return absl::InvalidArgumentError(
          absl::StrCat("--shard '", f.shard, "' is not I/N with 0 <= I < N"));
  }
  if (b.after_crash_preemptions && b.pct_runs)
    return absl::InvalidArgumentError(
        "--after_crash_preemptions bounds the systematic search; --pct samples schedules "
        "instead (use one)");
  if (b.after_crash_preemptions && b.crash_points == CrashPoints::kNone)
    return absl::InvalidArgumentError(
        "--after_crash_preemptions needs crashes: --crash_points none lands none");
  if (b.pct_runs && f.given.count("preemptions"))
    return absl::InvalidArgumentError(
        "--preemptions bounds the systematic search; --pct samples schedules instead (use one)");
  return b;
}

int ExploreCommand(const ExploreFlags& f) {
  auto b = BoundsFromFlags(f);
  if (!b.ok()) return BadInput(std::string(b.status().message()));
  std::set<std::string> known;
  if (!f.known.empty()) {
    auto k = ReadKnownSignatures(f.known);
    if (!k.ok()) return BadInput(std::string(k.status().message()));
    known = *k;
  }
  if (f.jobs < 0) return BadInput("--jobs must be 0 (one per core) or more");
  Exploration e(*b, std::move(known), f);
  return e.Run();
}

}  // namespace llsim
