// The run's event stream; see event_log.h.
#include "sim/event_log.h"

#include <array>

#include "absl/strings/str_format.h"
#include "sim/rng.h"

namespace llsim {

const char* EventKindName(EventKind k) {
  switch (k) {
    case EventKind::kNote: return "note";
    case EventKind::kFiberSpawn: return "spawn";
    case EventKind::kFiberExit: return "exit";
    case EventKind::kSchedChoice: return "sched";
    case EventKind::kTimerFire: return "timer";
    case EventKind::kDiskSubmit: return "io-submit";
    case EventKind::kDiskComplete: return "io-done";
    case EventKind::kCrashDecision: return "crash";
    case EventKind::kFault: return "fault";
    case EventKind::kCore: return "core";
    case EventKind::kMd: return "md";
    case EventKind::kFailure: return "FAILURE";
  }
  return "?";
}

std::string Event::ToString() const {
  return absl::StrFormat("[%6d.%09d] %-9s %d %d %d %s", t / kNsPerSec, t % kNsPerSec,
                         EventKindName(kind), a, b, c, text);
}

namespace {

constexpr uint64_t kFnvPrime = 0x100000001b3ull;

// kPrimePower[k] = kFnvPrime^k (mod 2^64).
constexpr std::array<uint64_t, 9> kPrimePower = [] {
  std::array<uint64_t, 9> p{};
  p[0] = 1;
  for (int k = 1; k < 9; k++) p[k] = p[k - 1] * kFnvPrime;
  return p;
}();

}  // namespace

uint64_t MixWordBytewise(uint64_t h, uint64_t w) {
  for (int i = 0; i < 8; i++) {
    h ^= (w >> (8 * i)) & 0xff;
    h *= kFnvPrime;
  }
  return h;
}

uint64_t MixWord(uint64_t h, uint64_t w) {
  // FNV-1a over the word's 8 bytes, low byte first, as MixWordBytewise. A
  // zero byte only multiplies by the prime, so the zero bytes above the
  // highest non-zero one (most of them: ids, counts and kinds are small)
  // are one multiplication by a power of it. The hash is the same; a run
  // hashes every event, so this is a tenth of a run's time.
  int n = w ? 8 - __builtin_clzll(w) / 8 : 0;
  for (int i = 0; i < n; i++) {
    h ^= (w >> (8 * i)) & 0xff;
    h *= kFnvPrime;
  }
  return h * kPrimePower[8 - n];
}

void EventLog::Record(Event e) {
  uint64_t h = hash_;
  h = MixWord(h, e.t);
  h = MixWord(h, (uint64_t)e.kind);
  h = MixWord(h, e.a);
  h = MixWord(h, e.b);
  h = MixWord(h, e.c);
  h = Fnv1a(e.text, h);
  hash_ = MixWord(h, e.text.size());
  count_++;
  if (events_.size() < keep_limit_) events_.push_back(e);
  recent_[count_ % kRecent] = std::move(e);
}

std::vector<Event> EventLog::Recent() const {
  std::vector<Event> out;
  uint64_t n = std::min<uint64_t>(count_, kRecent);
  for (uint64_t i = count_ - n + 1; i <= count_; i++) out.push_back(recent_[i % kRecent]);
  return out;
}

std::optional<size_t> EventLog::FirstDifference(const EventLog& x, const EventLog& y) {
  size_t n = std::min(x.events_.size(), y.events_.size());
  for (size_t i = 0; i < n; i++) {
    const Event& a = x.events_[i];
    const Event& b = y.events_[i];
    if (a.t != b.t || a.kind != b.kind || a.a != b.a || a.b != b.b || a.c != b.c ||
        a.text != b.text)
      return i;
  }
  if (x.events_.size() != y.events_.size() || x.hash_ != y.hash_) return n;
  return std::nullopt;
}

}  // namespace llsim
