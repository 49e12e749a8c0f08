// Forked children with crash capture; see child_process.h.
#include "ci/campaign/child_process.h"

#include <execinfo.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"
#include "absl/strings/str_split.h"
#include "ci/coverage/gcov_flush.h"

// With UBSan, a report names the stack it happened on, so a crash
// signature can name the core function (the report is read from stderr).
extern "C" const char* __ubsan_default_options() { return "print_stacktrace=1"; }

namespace llsim {

namespace {

// Crash records: "X <signal>", one "A <hex address>" per frame, "Z".
// Written from a signal handler, so only write(2) and no allocation.
int g_crash_fd = -1;

void PutStr(char* buf, size_t* n, const char* s) {
  while (*s && *n < 60) buf[(*n)++] = *s++;
}

void PutNum(char* buf, size_t* n, uintptr_t v, int base) {
  char tmp[24];
  int k = 0;
  do {
    tmp[k++] = "0123456789abcdef"[v % base];
    v /= base;
  } while (v && k < 24);
  while (k && *n < 60) buf[(*n)++] = tmp[--k];
}

void RawWrite(const char* buf, size_t n) {
  while (n) {
    ssize_t w = write(g_crash_fd, buf, n);
    if (w <= 0) return;
    buf += w;
    n -= (size_t)w;
  }
}

void OnCrashSignal(int sig) {
  char line[64];
  size_t n = 0;
  PutStr(line, &n, "X ");
  PutNum(line, &n, (uintptr_t)sig, 10);
  line[n++] = '\n';
  RawWrite(line, n);
  void* frames[64];
  int count = backtrace(frames, 64);
  for (int i = 0; i < count; i++) {
    n = 0;
    PutStr(line, &n, "A ");
    PutNum(line, &n, (uintptr_t)frames[i], 16);
    line[n++] = '\n';
    RawWrite(line, n);
  }
  RawWrite("Z\n", 2);
  signal(sig, SIG_DFL);
  raise(sig);
}

void InstallCrashHandlers(int fd) {
  g_crash_fd = fd;
  void* warm[2];
  backtrace(warm, 2);  // loads the unwinder now, not inside the handler
  static char alt[64 * 1024];
  stack_t ss{};
  ss.ss_sp = alt;
  ss.ss_size = sizeof(alt);
  sigaltstack(&ss, nullptr);
  struct sigaction sa {};
  sa.sa_handler = OnCrashSignal;
  sa.sa_flags = SA_ONSTACK | SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  // Under ASan its own SEGV/BUS/FPE report is better than a backtrace.
#ifndef LLSIM_ASAN
  for (int s : {SIGSEGV, SIGBUS, SIGFPE}) sigaction(s, &sa, nullptr);
#endif
  for (int s : {SIGABRT, SIGILL}) sigaction(s, &sa, nullptr);
}

std::string ReadAll(int fd) {
  std::string out;
  char buf[8192];
  off_t off = 0;
  for (;;) {
    ssize_t n = pread(fd, buf, sizeof buf, off);
    if (n <= 0) break;
    out.append(buf, (size_t)n);
    off += n;
  }
  return out;
}

}  // namespace

void WriteRecord(int fd, const std::string& s) {
  const char* p = s.data();
  size_t n = s.size();
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    p += w;
    n -= (size_t)w;
  }
}

std::unique_ptr<Child> Child::Start(const std::function<int(int)>& body, const ChildOptions& opts) {
  int pipefd[2];
  if (pipe(pipefd) != 0) return nullptr;
  int errfd = -1;
  if (opts.capture_stderr) {
    const char* tmp = std::getenv("TMPDIR");
    std::string path = std::string(tmp && *tmp ? tmp : "/tmp") + "/llsim-child-XXXXXX";
    errfd = mkstemp(path.data());
    if (errfd >= 0) unlink(path.c_str());
  }
  // Anything buffered would be written twice, once by each process.
  std::cout.flush();
  std::cerr.flush();
  fflush(nullptr);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    close(pipefd[0]);
    close(pipefd[1]);
    if (errfd >= 0) close(errfd);
    return nullptr;
  }
  if (pid == 0) {
    close(pipefd[0]);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(125);
    CoverageChildStarted();
    if (opts.ignore_interrupts) {
      signal(SIGINT, SIG_IGN);
      signal(SIGTERM, SIG_DFL);
    }
    if (errfd >= 0) {
      dup2(errfd, 2);
      close(errfd);
    }
    InstallCrashHandlers(pipefd[1]);
    int code = body(pipefd[1]);
    std::cout.flush();
    std::cerr.flush();
    fflush(nullptr);
    CoverageFlush();  // _exit skips libgcov's atexit writer
    WriteRecord(pipefd[1], "E " + std::to_string(code) + "\n");
    _exit(code);
  }
  close(pipefd[1]);
  fcntl(pipefd[0], F_SETFL, fcntl(pipefd[0], F_GETFL) | O_NONBLOCK);
  fcntl(pipefd[0], F_SETFD, FD_CLOEXEC);
  std::unique_ptr<Child> c(new Child());
  c->pid_ = pid;
  c->fd_ = pipefd[0];
  c->stderr_fd_ = errfd;
  return c;
}

Child::~Child() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (fd_ >= 0) close(fd_);
  if (stderr_fd_ >= 0) close(stderr_fd_);
}

void Child::Consume(const char* data, size_t n) {
  pending_.append(data, n);
  size_t start = 0, nl;
  while ((nl = pending_.find('\n', start)) != std::string::npos) {
    absl::string_view line(pending_.data() + start, nl - start);
    start = nl + 1;
    if (line.size() >= 2 && line[1] == ' ' && line[0] == 'A') {
      uint64_t a;
      if (absl::SimpleHexAtoi(line.substr(2), &a)) end_.frames.push_back((uintptr_t)a);
    } else if (line.size() >= 2 && line[1] == ' ' && line[0] == 'X') {
      (void)absl::SimpleAtoi(line.substr(2), &end_.signal);
    } else if (line.size() >= 2 && line[1] == ' ' && line[0] == 'E') {
      end_.completed = absl::SimpleAtoi(line.substr(2), &end_.code);
    } else if (line != "Z") {
      records_.append(line.data(), line.size());
      records_ += '\n';
    }
  }
  pending_.erase(0, start);
}

bool Child::ReadAvailable() {
  if (eof_) return false;
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd_, buf, sizeof buf);
    if (n > 0) {
      Consume(buf, (size_t)n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return true;
    eof_ = true;
    return false;
  }
}

void Child::Kill() {
  if (pid_ > 0 && !killed_) {
    killed_ = true;
    kill(pid_, SIGKILL);
  }
}

ChildEnd Child::Wait() {
  while (ReadAvailable()) {
    pollfd p{fd_, POLLIN, 0};
    poll(&p, 1, 100);
  }
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  ChildEnd end = std::move(end_);
  if (WIFSIGNALED(status)) {
    end.completed = false;
    if (!end.signal || killed_) end.signal = WTERMSIG(status);
  } else if (WIFEXITED(status) && !end.completed) {
    end.exit_status = WEXITSTATUS(status);
  }
  end.killed = killed_;
  if (stderr_fd_ >= 0) end.stderr_text = ReadAll(stderr_fd_);
  return end;
}

ChildEnd RunInChild(const std::function<int(int)>& body, const ChildOptions& opts,
                    double watchdog_seconds, std::string* records) {
  std::unique_ptr<Child> c = Child::Start(body, opts);
  if (!c) {
    ChildEnd e;
    e.exit_status = 127;
    e.stderr_text = std::string("fork failed: ") + std::strerror(errno);
    return e;
  }
  auto start = std::chrono::steady_clock::now();
  while (c->ReadAvailable()) {
    pollfd p{c->Fd(), POLLIN, 0};
    poll(&p, 1, 200);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (watchdog_seconds > 0 && secs > watchdog_seconds) c->Kill();
  }
  ChildEnd end = c->Wait();
  if (records) *records = c->Records();
  return end;
}

}  // namespace llsim
