// Bounds, the operation alphabet and workload numbering; see explore_bounds.h.
#include "ci/explore/explore_bounds.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace llsim {
namespace {

constexpr uint64_t kChunkSectors = 128;  // the cores' smallest chunk: 64 KiB
constexpr uint32_t kDaemonSleep = 2, kBarrierIdle = 1;
// Long enough for the daemon to find a chunk idle and write it Clean.
constexpr Nanos kDaemonPeriod = (kDaemonSleep + kBarrierIdle + 1) * kNsPerSec;

// A letter's name splits into a word and an optional number: w3, fail1.
bool SplitLetter(const std::string& l, std::string* word, int* n) {
  size_t i = l.find_first_of("0123456789");
  *word = l.substr(0, i);
  *n = -1;
  if (i == std::string::npos) return true;
  return absl::SimpleAtoi(l.substr(i), n);
}

}  // namespace

std::string AlphabetHelp() {
  return "w<c> a 4 KiB write at the start of chunk c; wend<c> one at its end; "
         "fua<c> a FUA write at its start; "
         "span<c> an 8 KiB write across chunks c and c+1; d<c> a discard of chunk c; "
         "dspan<c> a 64 KiB discard of the second half of chunk c and the first of c+1; "
         "flush an empty PREFLUSH; wait for the IO in flight; daemon a daemon period "
         "(4 s of virtual time); fail<m> mdadm --fail of slot m; readd<m> its re-add; "
         "spare add a blank spare; replace<m> mdadm --replace of slot m; grow the array "
         "to twice its chunks; restart a clean stop and assembly; crash a power loss "
         "now (every write not durable dropped) and reassembly; freeze / unfreeze "
         "sync_action; check sync_action check";
}

absl::StatusOr<std::vector<std::string>> ParseAlphabet(const std::string& text, int chunks,
                                                       int members) {
  std::vector<std::string> out;
  for (absl::string_view piece : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    std::string l(absl::StripAsciiWhitespace(piece));
    std::string word;
    int n;
    auto bad = [&](const std::string& why) {
      return absl::InvalidArgumentError(absl::StrCat("--alphabet: '", l, "' ", why));
    };
    if (!SplitLetter(l, &word, &n)) return bad("has a bad number");
    if (word == "flush" || word == "wait" || word == "daemon" || word == "spare" ||
        word == "grow" || word == "restart" || word == "crash" || word == "freeze" ||
        word == "unfreeze" || word == "check") {
      if (n >= 0) return bad("takes no number");
    } else if (word == "w" || word == "wend" || word == "fua" || word == "d" || word == "span" ||
               word == "dspan") {
      int last = word == "span" || word == "dspan" ? chunks - 2 : chunks - 1;
      if (n < 0 || n > last)
        return bad(absl::StrCat("needs a chunk number 0..", last, " (--chunks ", chunks, ")"));
    } else if (word == "fail" || word == "readd" || word == "replace") {
      if (n < 0 || n >= members)
        return bad(absl::StrCat("needs a member number 0..", members - 1));
    } else {
      return bad(absl::StrCat("is not a letter (", AlphabetHelp(), ")"));
    }
    for (const std::string& seen : out)
      if (seen == l) return bad("is listed twice");
    out.push_back(l);
  }
  if (out.empty()) return absl::InvalidArgumentError("--alphabet: no letters");
  return out;
}

absl::StatusOr<CrashPoints> ParseCrashPoints(const std::string& text) {
  if (text == "none") return CrashPoints::kNone;
  if (text == "io") return CrashPoints::kIo;
  if (text == "step") return CrashPoints::kStep;
  return absl::InvalidArgumentError(
      absl::StrCat("--crash_points: '", text, "' is not none, io or step"));
}

const char* CrashPointsName(CrashPoints c) {
  switch (c) {
    case CrashPoints::kNone: return "none";
    case CrashPoints::kIo: return "io";
    case CrashPoints::kStep: return "step";
  }
  return "?";
}

std::string ExploreBounds::Describe() const {
  std::string s = absl::StrCat(
      "ops<=", ops, " alphabet=", absl::StrJoin(alphabet, ","), " chunks=", chunks,
      " members=", members, " crash-points=", CrashPointsName(crash_points),
      " subset-cap=", subset_cap);
  if (pct_runs)
    absl::StrAppend(&s, " pct=", pct_runs, "x depth ", pct_depth, " seed=", seed);
  else
    absl::StrAppend(&s, " preemptions<=", preemptions);
  if (after_crash_preemptions && !pct_runs)
    absl::StrAppend(&s, " after-crash-preemptions<=", after_crash_preemptions);
  if (!dedup) s += " no-dedup";
  if (!sleep_sets && !pct_runs) s += " no-sleep-sets";
  if (shards > 1) absl::StrAppend(&s, " shard=", shard, "/", shards);
  return s;
}

uint64_t WorkloadCount(const ExploreBounds& b) {
  uint64_t total = 0, n = 1;
  for (int k = 1; k <= b.ops; k++) {
    n *= b.alphabet.size();
    total += n;
  }
  return total;
}

std::vector<std::string> WorkloadLetters(const ExploreBounds& b, uint64_t index) {
  uint64_t n = b.alphabet.size(), len = 1, block = n;
  while (index >= block) {
    index -= block;
    len++;
    block *= n;
  }
  std::vector<std::string> out(len);
  for (uint64_t k = len; k-- > 0;) {
    out[k] = b.alphabet[index % n];
    index /= n;
  }
  return out;
}

Scenario WorkloadScenario(const ExploreBounds& b, const std::vector<std::string>& letters) {
  Scenario s;
  s.seed = 1;
  s.strategy = "fifo";
  s.latency_min_us = s.latency_max_us = 100;
  s.stall_ppm = 0;
  ArrayConfig& a = s.array;
  a.mirrors = b.members;
  a.dev_sectors = (uint64_t)b.chunks * kChunkSectors;
  a.max_dev_sectors = a.dev_sectors;
  a.bitmap_space = 16;
  a.daemon_sleep = kDaemonSleep;
  a.barrier_idle = kBarrierIdle;
  a.assume_clean = true;
  // The geometry is the bounds', not the workload's: every workload of an
  // exploration runs on the same array.
  a.spares = 0;
  for (const std::string& l : b.alphabet) {
    if (l == "spare" || l.rfind("replace", 0) == 0) a.spares = 1;
    if (l == "grow") a.max_dev_sectors = 2 * a.dev_sectors;
  }
  for (const std::string& l : letters) {
    std::string word;
    int n;
    SplitLetter(l, &word, &n);
    Op op;
    if (word == "w" || word == "fua") {
      op = {OpKind::kWrite, n * kChunkSectors, 8};
      op.fua = word == "fua";
    } else if (word == "wend") {
      op = {OpKind::kWrite, (n + 1) * kChunkSectors - 8, 8};
    } else if (word == "span") {
      op = {OpKind::kWrite, (n + 1) * kChunkSectors - 8, 16};
    } else if (word == "d") {
      op = {OpKind::kDiscard, n * kChunkSectors, kChunkSectors};
    } else if (word == "dspan") {
      op = {OpKind::kDiscard, n * kChunkSectors + kChunkSectors / 2, kChunkSectors};
    } else if (word == "flush") {
      op = {OpKind::kFlush};
    } else if (word == "wait") {
      op = {OpKind::kWait};
    } else if (word == "daemon") {
      op = {OpKind::kAdvance, (uint64_t)(kDaemonPeriod / kNsPerMs)};
    } else if (word == "fail") {
      op = {OpKind::kFail, (uint64_t)n};
    } else if (word == "readd") {
      op = {OpKind::kReAdd, (uint64_t)n};
    } else if (word == "replace") {
      op = {OpKind::kReplace, (uint64_t)n};
    } else if (word == "spare") {
      op = {OpKind::kAddSpare};
    } else if (word == "grow") {
      op = {OpKind::kResize, 2 * a.dev_sectors};
    } else if (word == "restart") {
      s.ops.push_back({OpKind::kStop});
      op = {OpKind::kAssemble};
    } else if (word == "crash") {
      op = {OpKind::kCrash};
      op.text = "drop";
    } else if (word == "freeze") {
      op = {OpKind::kFreeze};
    } else if (word == "unfreeze") {
      op = {OpKind::kUnfreeze};
    } else {
      op = {OpKind::kCheck};
    }
    s.ops.push_back(op);
  }
  s.ops.push_back({OpKind::kWait});
  s.ops.push_back({OpKind::kAdvance, (uint64_t)(kDaemonPeriod / kNsPerMs)});
  return s;
}

}  // namespace llsim
