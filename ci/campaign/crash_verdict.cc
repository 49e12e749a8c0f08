// Dead children as failures; see crash_verdict.h.
#include "ci/campaign/crash_verdict.h"

#include <dlfcn.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <regex>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "properties/runner.h"

namespace llsim {

namespace {

std::string BaseName(const std::string& path) {
  size_t s = path.rfind('/');
  return s == std::string::npos ? path : path.substr(s + 1);
}

// The core's source file name, as debug info and sanitizers print it.
std::string CoreFile() { return BaseName(LinkedCore().source); }

std::string SignalName(int sig) {
  switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGABRT: return "SIGABRT";
    case SIGKILL: return "SIGKILL";
    case SIGTERM: return "SIGTERM";
    default: return absl::StrCat("signal ", sig);
  }
}

// The innermost two frames of the core under test, else of anything but
// the crash machinery and the C library.
std::string TopFunctions(const std::vector<Frame>& frames) {
  std::vector<std::string> core, any;
  std::string cf = CoreFile();
  for (const Frame& f : frames) {
    if (f.function.empty() || f.function == "??") continue;
    if (!f.file.empty() && BaseName(f.file) == cf) core.push_back(f.function);
    static const char* const kMachinery[] = {"OnCrashSignal", "__restore_rt", "raise", "abort",
                                              "__pthread_kill", "pthread_kill", "__assert_fail",
                                              "__sanitizer", "__asan", "__ubsan", "gsignal",
                                              "backtrace"};
    bool machinery = false;
    for (const char* m : kMachinery) machinery |= f.function.find(m) != std::string::npos;
    if (!machinery) any.push_back(f.function);
  }
  std::vector<std::string>& use = core.empty() ? any : core;
  if (use.size() > 2) use.resize(2);
  return use.empty() ? "" : " in " + absl::StrJoin(use, " < ");
}

std::string FrameLines(const std::vector<Frame>& frames) {
  std::string out;
  int n = 0;
  for (const Frame& f : frames) {
    if (n == 12) break;
    absl::StrAppendFormat(&out, "\n  #%d %s%s", n++, f.function.empty() ? "??" : f.function,
                          f.file.empty() ? "" : absl::StrFormat(" %s:%d", f.file, f.line));
  }
  return out;
}

// The executable's load address (the children's too: they are forks).
uintptr_t ExeBase(std::string* exe) {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n > 0) *exe = std::string(buf, (size_t)n);
  Dl_info info{};
  if (dladdr((void*)&ExeBase, &info) && info.dli_fbase) return (uintptr_t)info.dli_fbase;
  return 0;
}

}  // namespace

std::vector<Frame> Symbolize(const std::vector<uintptr_t>& addresses) {
  // addr2line reads the whole executable's debug info (tens of MB) each
  // time: a shrink whose candidates die ran it hundreds of times and spent
  // most of its time there. The children are forks, so an address means
  // the same code in every one: what it said once is kept.
  static std::map<uintptr_t, std::vector<Frame>> known;
  std::string exe;
  uintptr_t base = ExeBase(&exe);
  std::vector<Frame> out(addresses.size());
  std::vector<uintptr_t> look;  // addresses (of the call) in the executable
  std::vector<size_t> ask;  // indexes into `look` not known yet
  std::string offsets;
  for (size_t i = 0; i < addresses.size(); i++) {
    Dl_info info{};
    // A return address points after its call: look up the call itself.
    uintptr_t a = i == 0 ? addresses[i] : addresses[i] - 1;
    look.push_back(0);
    if (dladdr((void*)a, &info) && info.dli_sname) out[i].function = info.dli_sname;
    if (info.dli_fbase && (uintptr_t)info.dli_fbase == base && !exe.empty()) {
      look[i] = a;
      if (!known.count(a)) {
        ask.push_back(i);
        absl::StrAppendFormat(&offsets, " 0x%x", a - base);
      }
    }
  }
  if (!ask.empty()) {
    // addr2line -a prints each address, then function/file pairs (several
    // when inlined; the innermost first).
    std::string cmd =
        absl::StrCat("addr2line -C -f -i -a -e '", exe, "'", offsets, " 2>/dev/null");
    std::vector<std::vector<Frame>> groups(ask.size());
    if (FILE* p = popen(cmd.c_str(), "r")) {
      std::string text;
      char buf[4096];
      size_t n;
      while ((n = fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
      pclose(p);
      std::vector<std::string> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
      int idx = -1;
      for (size_t k = 0; k < lines.size(); k++) {
        if (absl::StartsWith(lines[k], "0x")) {
          idx++;
          continue;
        }
        if (idx < 0 || idx >= (int)ask.size() || k + 1 >= lines.size()) continue;
        Frame f;
        f.function = lines[k];
        std::string loc = lines[++k];
        size_t colon = loc.rfind(':');
        if (colon != std::string::npos && loc.substr(0, colon) != "??") {
          f.file = loc.substr(0, colon);
          std::string ln = loc.substr(colon + 1);
          ln = ln.substr(0, ln.find(' '));
          (void)absl::SimpleAtoi(ln, &f.line);
        }
        groups[idx].push_back(f);
      }
      // Only what addr2line answered is kept: a failed run is asked again.
      for (size_t j = 0; j < ask.size(); j++)
        if (!groups[j].empty()) known[look[ask[j]]] = std::move(groups[j]);
    }
  }
  std::vector<Frame> result;
  for (size_t i = 0; i < addresses.size(); i++) {
    auto it = look[i] ? known.find(look[i]) : known.end();
    if (it == known.end() || it->second.empty() || it->second[0].function == "??") {
      result.push_back(out[i]);
    } else {
      for (const Frame& f : it->second) result.push_back(f);
    }
  }
  return result;
}

std::vector<Frame> SanitizerFrames(const std::string& report) {
  static const std::regex kFrame(R"(^\s*#\d+ 0x[0-9a-f]+ in (\S+) (\S+?):(\d+))");
  std::vector<Frame> out;
  for (absl::string_view l : absl::StrSplit(report, '\n')) {
    std::string line(l);
    std::smatch m;
    if (!std::regex_search(line, m, kFrame)) continue;
    Frame f;
    f.function = m[1];
    f.file = m[2];
    f.line = std::stoi(m[3]);
    out.push_back(f);
  }
  return out;
}

Verdict CrashVerdict(const ChildEnd& end, double watchdog_seconds) {
  if (end.killed) {
    return {kPropLiveness,
            absl::StrFormat("watchdog: the case gave no result within %g s of real time; its "
                            "process was killed",
                            watchdog_seconds),
            0};
  }
  const std::string& err = end.stderr_text;
  // A sanitizer report: its error line says what, its frames say where.
  size_t asan = err.find("ERROR: AddressSanitizer: ");
  size_t ubsan = err.find(": runtime error: ");
  if (asan != std::string::npos || ubsan != std::string::npos) {
    std::string what;
    if (asan != std::string::npos) {
      std::string line = err.substr(asan + 25, err.find('\n', asan) - asan - 25);
      what = "AddressSanitizer " + line.substr(0, line.find(' '));
    } else {
      size_t bol = err.rfind('\n', ubsan);
      bol = bol == std::string::npos ? 0 : bol + 1;
      std::string line = err.substr(ubsan + 17, err.find('\n', ubsan) - ubsan - 17);
      what = "UBSan: " + line;
    }
    std::vector<Frame> frames = SanitizerFrames(err);
    return {kPropSafety,
            absl::StrCat("process died: ", what, TopFunctions(frames), FrameLines(frames)), 0};
  }
  if (end.signal) {
    std::vector<Frame> frames = Symbolize(end.frames);
    // Drop the handler and the kernel's signal trampoline above the fault.
    for (size_t i = 0; i < frames.size(); i++) {
      if (frames[i].function.find("OnCrashSignal") == std::string::npos) continue;
      frames.erase(frames.begin(), frames.begin() + std::min(frames.size(), i + 2));
      break;
    }
    return {kPropSafety,
            absl::StrCat("process died: ", SignalName(end.signal), TopFunctions(frames),
                         FrameLines(frames)),
            0};
  }
  std::string tail = std::string(absl::StripTrailingAsciiWhitespace(err));
  if (tail.size() > 2000) tail = tail.substr(tail.size() - 2000);
  return {kPropSafety,
          absl::StrFormat("process died: exit status %d without a result%s", end.exit_status,
                          tail.empty() ? "" : "\n" + tail),
          0};
}

}  // namespace llsim
