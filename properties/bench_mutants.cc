// How fast each reference-core mutant is caught (bench.h): its llsim
// binary hunts with the profile properties/mutants.cmake names, once per
// seed, and the time to its first failure ("found a <property> failure",
// before any shrinking) is what counts. Two hunts run at a time, each in
// its own process group so its worker goes with it.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "properties/bench_parts.h"


namespace llsim {

namespace {

using Clock = std::chrono::steady_clock;

struct MutantEntry {
  std::string name, property, profile, arg;  // arg: the seed, or the trace file
  std::string level = "1";                   // the entry's level=, else raid1
};

// properties/mutants.cmake's LLSIM_MUTANT_EXPECT entries.
std::vector<MutantEntry> ReadMutantEntries(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::vector<MutantEntry> out;
  static const std::regex entry(
      R"(^\s*([A-Z0-9_]+):([a-z-]+):([a-z]+):([^\s):]+)((?::skip=[a-z+-]+|:sole|:level=[0-9]+)*)\)?\s*$)");
  static const std::regex level_field(":level=([0-9]+)");
  std::string line;
  std::set<std::string> seen;
  while (std::getline(text, line)) {
    std::smatch m;
    // A mutant's first entry: the time to its first failure, whichever
    // property the further entries show.
    if (std::regex_match(line, m, entry) && seen.insert(m[1]).second) {
      MutantEntry e{m[1], m[2], m[3], m[4]};
      std::string extras = m[5];
      if (std::smatch l; std::regex_search(extras, l, level_field)) e.level = l[1];
      out.push_back(e);
    }
  }
  return out;
}

std::string BinaryFor(const std::string& self_exe, const std::string& name) {
  std::string dash = absl::AsciiStrToLower(name);
  absl::StrReplaceAll({{"_", "-"}}, &dash);
  return (std::filesystem::path(self_exe).parent_path() / ("llsim-mutant-" + dash)).string();
}

// One child process whose stdout and stderr we read, in its own group.
struct Child {
  pid_t pid = -1;
  int fd = -1;
  Clock::time_point start;
  std::string output;
  size_t job = 0;

  bool Start(const std::vector<std::string>& argv) {
    int p[2];
    if (pipe2(p, O_CLOEXEC)) return false;
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    start = Clock::now();
    pid_t parent = getpid();
    pid_t child = fork();
    if (child < 0) {
      close(p[0]);
      close(p[1]);
      return false;
    }
    if (child == 0) {
      // Its own group (a terminal's Ctrl-C is the bench's to handle), and
      // gone with the bench however that ends: a hunt runs up to a million
      // cases, and one outliving an interrupted bench skews every figure
      // after it.
      setpgid(0, 0);
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(125);
      dup2(p[1], 1);
      dup2(p[1], 2);
      execv(args[0], args.data());
      _exit(127);
    }
    pid = child;
    setpgid(child, child);  // either side may get there first
    close(p[1]);
    fd = p[0];
    return true;
  }
  double Seconds() const { return std::chrono::duration<double>(Clock::now() - start).count(); }
  // Reads what is there; false at end of output.
  bool Read() {
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) output.append(buf, n);
    return n > 0;
  }
  void Stop() {
    if (pid > 0) {
      kill(-pid, SIGKILL);  // the hunt and its worker process
      waitpid(pid, nullptr, 0);
    }
    if (fd >= 0) close(fd);
    pid = -1;
    fd = -1;
  }
};

struct Job {
  const MutantEntry* entry;
  int seed;  // 0: a trace replay
  std::optional<double> seconds;
  std::string property;
  // A trace replay goes through its seeds 1..kTraceSeeds in turn, as
  // ci/mutant_trace_test.sh does (the window it proves moves with timing):
  // the seed now replayed, and the seconds the earlier seeds took.
  int trace_seed = 0;
  double trace_elapsed = 0;
};

constexpr int kTraceSeeds = 100;

// The trace with its `seed` line set to `seed`, written under `dir`.
std::string TraceWithSeed(const std::string& trace, const std::string& dir, int seed) {
  std::ifstream in(trace);
  std::stringstream out;
  std::string line;
  while (std::getline(in, line))
    out << (line.rfind("seed ", 0) == 0 ? absl::StrCat("seed ", seed) : line) << "\n";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::string path =
      absl::StrCat(dir, "/", std::filesystem::path(trace).filename().string(), ".seed", seed);
  std::ofstream(path) << out.str();
  return path;
}

std::optional<std::string> FoundProperty(const std::string& output) {
  static const std::regex found(R"(found a (\S+) failure)");
  std::smatch m;
  if (std::regex_search(output, m, found)) return m[1].str();
  return std::nullopt;
}

}  // namespace

MutantFigures MutantDetection(const std::string& self_exe, int seeds, int max_cases,
                              double hunt_cap) {
  MutantFigures f;
  std::string src = LLSIM_SOURCE_DIR;
  std::vector<MutantEntry> entries = ReadMutantEntries(src + "/properties/mutants.cmake");
  if (entries.empty()) {
    f.notes.push_back("no mutant entries in " + src + "/properties/mutants.cmake");
    return f;
  }
  std::string out_dir = (std::filesystem::temp_directory_path() /
                         absl::StrCat("llsim-bench-", getpid()))
                            .string();
  std::deque<Job> jobs;
  for (const MutantEntry& e : entries) {
    if (access(BinaryFor(self_exe, e.name).c_str(), X_OK)) {
      f.notes.push_back(absl::StrCat(e.name, ": no binary (mutants are built for the bundled ",
                                     "core's plain build only)"));
      continue;
    }
    if (e.profile == "trace") {
      jobs.push_back({&e, 0, std::nullopt, "", 1, 0});
    } else {
      for (int s = 1; s <= seeds; s++) jobs.push_back({&e, s, std::nullopt, ""});
    }
  }
  std::vector<Job> finished;
  std::map<std::string, int> misses;
  size_t next = 0;
  std::vector<Child> running;
  int parallel = std::max(1u, std::min(2u, std::thread::hardware_concurrency()));
  while (next < jobs.size() || !running.empty()) {
    while ((int)running.size() < parallel && next < jobs.size()) {
      Job& j = jobs[next++];
      // A median that is already a miss needs no more seeds.
      if (j.seed && misses[j.entry->name] > seeds / 2) continue;
      std::vector<std::string> argv = {BinaryFor(self_exe, j.entry->name)};
      if (j.seed) {
        argv.insert(argv.end(), {"run", "--cases", std::to_string(max_cases), "--seed",
                                 std::to_string(j.seed), "--profile", j.entry->profile,
                                 "--level", j.entry->level, "--progress=false", "--out",
                                 absl::StrCat(out_dir, "/", j.entry->name, "-", j.seed)});
      } else {
        argv.insert(argv.end(), {"replay", TraceWithSeed(src + "/traces/mutants/" + j.entry->arg,
                                                         out_dir, j.trace_seed)});
      }
      Child c;
      c.job = next - 1;
      if (!c.Start(argv)) {
        f.notes.push_back(absl::StrCat(j.entry->name, ": could not start ", argv[0]));
        continue;
      }
      running.push_back(std::move(c));
    }
    std::vector<pollfd> fds;
    for (Child& c : running) fds.push_back({c.fd, POLLIN, 0});
    poll(fds.data(), fds.size(), 100);
    for (size_t i = 0; i < running.size();) {
      Child& c = running[i];
      Job& j = jobs[c.job];
      bool open = true;
      if (fds[i].revents) open = c.Read();
      bool done = !open;
      if (j.seed) {
        if (auto p = FoundProperty(c.output)) {
          j.seconds = c.Seconds();
          j.property = *p;
          done = true;
        }
      } else if (!open && c.output.find("FAILED " + j.entry->property + " ") != std::string::npos) {
        j.seconds = j.trace_elapsed + c.Seconds();
        j.property = j.entry->property;
      } else if (!open && j.trace_seed < kTraceSeeds) {
        // Not with this seed: the same job again with the next one.
        Job again = j;
        again.trace_seed++;
        again.trace_elapsed += c.Seconds();
        c.Stop();
        running.erase(running.begin() + i);
        fds.erase(fds.begin() + i);
        jobs.push_back(again);
        continue;
      }
      if (!done && c.Seconds() > hunt_cap) done = true;
      if (!done) {
        i++;
        continue;
      }
      if (!j.seconds && j.seed) misses[j.entry->name]++;
      c.Stop();
      finished.push_back(j);
      running.erase(running.begin() + i);
      fds.erase(fds.begin() + i);
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(out_dir, ec);
  // Per mutant: the median of its seeds, a miss counting as longest.
  std::map<std::string, std::vector<std::optional<double>>> times;
  for (const Job& j : finished) {
    if (!j.seed) {
      f.trace_replay_s[j.entry->name] = j.seconds;
      if (j.seconds) f.property[j.entry->name] = j.property;
      continue;
    }
    times[j.entry->name].push_back(j.seconds);
    if (j.seconds && !f.property.count(j.entry->name)) f.property[j.entry->name] = j.property;
  }
  for (auto& [name, t] : times) {
    // Found ones ascending, then misses; seeds skipped after a majority of
    // misses are misses too.
    std::sort(t.begin(), t.end(), [](const std::optional<double>& a, const std::optional<double>& b) {
      if (a && b) return *a < *b;
      return a.has_value() && !b.has_value();
    });
    int found = (int)std::count_if(t.begin(), t.end(), [](auto& x) { return x.has_value(); });
    while ((int)t.size() < seeds) t.push_back(std::nullopt);
    f.median_s[name] = t[seeds / 2];
    f.detected[name] = absl::StrCat(found, "/", seeds);
  }
  return f;
}

}  // namespace llsim
