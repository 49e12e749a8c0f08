// The trace file format; see trace_format.h.
#include "traces/trace_format.h"

#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "sim/choice_strategy.h"
#include "sim/crash_policy.h"

namespace llsim {

namespace {

struct KindInfo {
  OpKind kind;
  const char* name;
  int nargs;  // numeric arguments (a, b, c)
};

constexpr KindInfo kKinds[] = {
    {OpKind::kWrite, "write", 2},       {OpKind::kDiscard, "discard", 2},
    {OpKind::kRead, "read", 2},         {OpKind::kFlush, "flush", 0},
    {OpKind::kWait, "wait", 0},         {OpKind::kAdvance, "advance", 1},
    {OpKind::kFail, "fail", 1},         {OpKind::kIoError, "ioerror", 3},
    {OpKind::kDiskFail, "diskfail", 1}, {OpKind::kReAdd, "readd", 1},
    {OpKind::kAddSpare, "addspare", 0}, {OpKind::kResize, "resize", 1},
    {OpKind::kStop, "stop", 0},         {OpKind::kAssemble, "assemble", 0},
    {OpKind::kCrash, "crash", 0},       {OpKind::kFreeze, "freeze", 0},
    {OpKind::kUnfreeze, "unfreeze", 0}, {OpKind::kSettle, "settle", 0},
    {OpKind::kAllocFail, "allocfail", 1}, {OpKind::kReadError, "readerror", 3},
    {OpKind::kMetaError, "metaerror", 2},
    {OpKind::kAllocFail, "allocfail", 1}, {OpKind::kSysfs, "sysfs", 0},
    {OpKind::kCheck, "check", 0},       {OpKind::kRepair, "repair", 0},
    {OpKind::kSbCorrupt, "sbcorrupt", 2}, {OpKind::kReplace, "replace", 1},
    {OpKind::kGrow, "grow", 2},
};

const KindInfo& Info(OpKind k) {
  for (auto& i : kKinds)
    if (i.kind == k) return i;
  return kKinds[0];
}

}  // namespace

const char* OpKindName(OpKind k) { return Info(k).name; }

static std::string FormatArrayConfigBase(const ArrayConfig& a);

std::string Op::ToString() const {
  const KindInfo& i = Info(kind);
  std::string s = absl::StrCat("+", delay / 1000, "us ", i.name);
  uint64_t args[] = {a, b, c};
  for (int k = 0; k < i.nargs; k++) absl::StrAppend(&s, " ", args[k]);
  if (kind == OpKind::kWrite && fua) s += " fua";
  if (kind == OpKind::kSysfs) absl::StrAppend(&s, " ", text);
  if (kind == OpKind::kCrash) {
    absl::StrAppend(&s, " ", text.empty() ? "random" : text);
    if (a) absl::StrAppend(&s, " in=", a, "ev");
    if (b) absl::StrAppend(&s, " in=", b, "us");
  }
  return s;
}

std::string FormatArrayConfig(const ArrayConfig& a) {
  // Keys added later are written only when they differ from their default,
  // so older traces keep their exact text.
  std::string extra;
  if (a.write_mostly) absl::StrAppend(&extra, " write_mostly=", a.write_mostly);
  if (a.write_behind) absl::StrAppend(&extra, " write_behind=", a.write_behind);
  if (a.slow_write_mostly != 1) absl::StrAppend(&extra, " slow_write_mostly=", a.slow_write_mostly);
  if (a.md_list_order) absl::StrAppend(&extra, " md_list=1");
  if (a.level != 1)
    absl::StrAppend(&extra, " level=", a.level, " layout=", a.LayoutName(), " chunk=",
                    a.chunk_sectors);
  if (a.write_zeroes) absl::StrAppend(&extra, " wzeroes=1");
  if (!a.consistency_policy.empty()) absl::StrAppend(&extra, " policy=", a.consistency_policy);
  return extra.empty() ? FormatArrayConfigBase(a) : FormatArrayConfigBase(a) + extra;
}

static std::string FormatArrayConfigBase(const ArrayConfig& a) {
  return absl::StrFormat(
      "mirrors=%d sectors=%d max_sectors=%d lbs=%d space=%d daemon_sleep=%d barrier_idle=%d "
      "assume_clean=%d spares=%d",
      a.mirrors, a.dev_sectors, a.max_dev_sectors, a.logical_block_size, a.bitmap_space,
      a.daemon_sleep, a.barrier_idle, a.assume_clean ? 1 : 0, a.spares) +
         // Only when not the default, so older traces read back unchanged.
         (a.metadata_minor == 2 ? std::string()
                                : absl::StrCat(" metadata=", MetadataName(a.metadata_minor))) +
         (a.events_rollback ? " events_rollback=1" : "") +
         (a.spare_extra_sectors ? absl::StrCat(" spare_extra=", a.spare_extra_sectors) : "") +
         (a.failfast ? " failfast=1" : "") + (a.badblocks ? " badblocks=1" : "");
}

absl::Status ParseArrayConfig(const std::string& text, ArrayConfig* a) {
  for (absl::string_view kv : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    std::pair<std::string, std::string> p = absl::StrSplit(kv, absl::MaxSplits('=', 1));
    if (p.first == "metadata") {
      if (p.second == "1.0") a->metadata_minor = 0;
      else if (p.second == "1.1") a->metadata_minor = 1;
      else if (p.second == "1.2") a->metadata_minor = 2;
      else return absl::InvalidArgumentError(absl::StrCat("'", kv, "': metadata is 1.0, 1.1 or 1.2"));
      continue;
    }
    if (p.first == "policy") {
      a->consistency_policy = p.second;
      continue;
    }
    if (p.first == "layout") {
      // mdadm's raid10 names: nK (near), fK (far), oK (offset), K copies;
      // or a raid4/5/6 algorithm (ls, la, rs, ra, pf, pl).
      int k = 0;
      if (Raid5Algo algo; ParseRaid5Algo(p.second, &algo).ok()) {
        a->raid5_algo = algo;
        continue;
      }
      if (p.second.size() < 2 || !absl::SimpleAtoi(p.second.substr(1), &k) || k < 2 ||
          k > 8 || (p.second[0] != 'n' && p.second[0] != 'f' && p.second[0] != 'o'))
        return absl::InvalidArgumentError(absl::StrCat(
            "'", kv, "': layout is nK, fK or oK (raid10, K copies 2..8) or ls, la, rs, ra, pf, "
            "pl (raid4/5/6)"));
      a->near_copies = p.second[0] == 'n' ? k : 1;
      a->far_copies = p.second[0] == 'n' ? 1 : k;
      a->far_offset = p.second[0] == 'o';
      continue;
    }
    uint64_t v;
    if (!absl::SimpleAtoi(p.second, &v))
      return absl::InvalidArgumentError(absl::StrCat("'", kv, "' is not key=number"));
    if (v > 0x7fffffffu && p.first != "sectors" && p.first != "max_sectors" &&
        p.first != "spare_extra")
      return absl::InvalidArgumentError(absl::StrCat("'", kv, "': the number is too large"));
    if (p.first == "mirrors") a->mirrors = (int)v;
    else if (p.first == "sectors") a->dev_sectors = v;
    else if (p.first == "max_sectors") a->max_dev_sectors = v;
    else if (p.first == "lbs") a->logical_block_size = (uint32_t)v;
    else if (p.first == "space") a->bitmap_space = (uint32_t)v;
    else if (p.first == "daemon_sleep") a->daemon_sleep = (uint32_t)v;
    else if (p.first == "barrier_idle") a->barrier_idle = (uint32_t)v;
    else if (p.first == "assume_clean") a->assume_clean = v != 0;
    else if (p.first == "spares") a->spares = (int)v;
    else if (p.first == "events_rollback") a->events_rollback = v != 0;
    else if (p.first == "spare_extra") a->spare_extra_sectors = v;
    else if (p.first == "failfast") a->failfast = v != 0;
    else if (p.first == "badblocks") a->badblocks = v != 0;
    else if (p.first == "write_mostly") a->write_mostly = (uint32_t)v;
    else if (p.first == "write_behind") a->write_behind = (uint32_t)v;
    else if (p.first == "slow_write_mostly") a->slow_write_mostly = (uint32_t)v;
    else if (p.first == "md_list") a->md_list_order = v != 0;
    else if (p.first == "level") a->level = (int)v;
    else if (p.first == "chunk") a->chunk_sectors = (uint32_t)v;
    else if (p.first == "wzeroes") a->write_zeroes = v != 0;
    else return absl::InvalidArgumentError(absl::StrCat("unknown array key '", p.first, "'"));
  }
  return a->Validate();
}

std::string FormatTrace(const TraceFile& t) {
  const Scenario& s = t.scenario;
  std::string out = "llsim-trace 1\n";
  if (!t.core_name.empty()) absl::StrAppend(&out, "core ", t.core_name, " ", t.core_sha256, "\n");
  absl::StrAppend(&out, "seed ", s.seed, "\n", "hz ", s.hz, "\n", "strategy ", s.strategy, "\n");
  // Scheduling overrides, a dozen to a line so a long list stays readable.
  for (auto it = s.schedule.begin(); it != s.schedule.end();) {
    ScheduleOverrides line;
    for (int n = 0; n < 12 && it != s.schedule.end(); n++, ++it) line.insert(*it);
    absl::StrAppend(&out, "schedule ", FormatScheduleOverrides(line), "\n");
  }
  if (s.disk_order != "relaxed") absl::StrAppend(&out, "disk-order ", s.disk_order, "\n");
  if (s.latency_min_us != 20 || s.latency_max_us != 400 || s.stall_ppm)
    absl::StrAppend(&out, "latency ", s.latency_min_us, " ", s.latency_max_us, " ", s.stall_ppm,
                    " ", s.stall_ms, "\n");
  if (s.alloc_fail_ppm) absl::StrAppend(&out, "alloc-fail ", s.alloc_fail_ppm, "\n");
  if (s.create_crash_events)
    absl::StrAppend(&out, "create-crash ", s.create_crash_policy, " in=", s.create_crash_events,
                    "ev\n");
  absl::StrAppend(&out, "array ", FormatArrayConfig(s.array), "\n");
  if (!t.skip.empty()) absl::StrAppend(&out, "skip ", absl::StrJoin(t.skip, ","), "\n");
  for (const Op& op : s.ops) absl::StrAppend(&out, "op ", op.ToString(), "\n");
  // Always one expect line: a file that lacks them was cut off.
  absl::StrAppend(&out, "expect-failure ", t.expect_failure.empty() ? "none" : t.expect_failure,
                  "\n");
  if (!t.expect_hash.empty()) absl::StrAppend(&out, "expect-hash ", t.expect_hash, "\n");
  return out;
}

absl::StatusOr<TraceFile> ParseTrace(const std::string& text, const std::string& origin) {
  TraceFile t;
  int lineno = 0;
  std::vector<std::pair<int, size_t>> disk_ops;  // (line, op index) of ops naming a disk
  bool header = false;
  auto err = [&](const std::string& what) {
    return absl::InvalidArgumentError(absl::StrCat(origin, ":", lineno, ": ", what));
  };
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    lineno++;
    std::string line(raw.substr(0, raw.find('#')));
    std::vector<std::string> w = absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (w.empty()) continue;
    if (!header) {
      if (w.size() != 2 || w[0] != "llsim-trace" || w[1] != "1")
        return err("not an llsim trace (the first line must be 'llsim-trace 1')");
      header = true;
      continue;
    }
    const std::string& key = w[0];
    if (key == "core") {
      if (w.size() >= 2) t.core_name = w[1];
      if (w.size() >= 3) t.core_sha256 = w[2];
    } else if (key == "seed" || key == "hz") {
      uint64_t v;
      if (w.size() != 2 || !absl::SimpleAtoi(w[1], &v)) return err(key + " takes one number");
      if (key == "seed") t.scenario.seed = v;
      else t.scenario.hz = (unsigned)v;
    } else if (key == "strategy") {
      if (w.size() != 2) return err("strategy takes one name");
      t.scenario.strategy = w[1];
    } else if (key == "schedule") {
      // schedule <decision>=<choice> ...: explicit scheduling decisions
      // (sim/choice_strategy.h); several lines add up.
      if (w.size() < 2) return err("schedule takes <decision>=<choice> words, e.g. 'schedule 3=1 17=0'");
      for (size_t k = 1; k < w.size(); k++)
        if (absl::Status st = ParseScheduleOverride(w[k], &t.scenario.schedule); !st.ok())
          return err(absl::StrCat("schedule: ", st.message()));
    } else if (key == "latency") {
      uint32_t v[4];
      if (w.size() != 5 || !absl::SimpleAtoi(w[1], &v[0]) || !absl::SimpleAtoi(w[2], &v[1]) ||
          !absl::SimpleAtoi(w[3], &v[2]) || !absl::SimpleAtoi(w[4], &v[3]) || v[0] > v[1] ||
          v[1] > 60000000 || v[2] > 1000000 || v[3] > 3600000)
        return err("latency takes <min us> <max us> <stall per million> <stall ms>, min <= max");
      t.scenario.latency_min_us = v[0];
      t.scenario.latency_max_us = v[1];
      t.scenario.stall_ppm = v[2];
      t.scenario.stall_ms = v[3];
    } else if (key == "alloc-fail") {
      uint32_t v;
      if (w.size() != 2 || !absl::SimpleAtoi(w[1], &v) || v > 1000000)
        return err("alloc-fail takes one number: allocation failures per million, 0 to 1000000");
      t.scenario.alloc_fail_ppm = v;
    } else if (key == "create-crash") {
      // create-crash <policy> in=<N>ev: a crash N events into the first
      // assembly, where a new array's bitmap is formatted.
      uint64_t v = 0;
      if (w.size() != 3 || w[2].rfind("in=", 0) != 0 || !absl::EndsWith(w[2], "ev") ||
          !absl::SimpleAtoi(w[2].substr(3, w[2].size() - 5), &v) || v == 0)
        return err("create-crash takes a crash policy and in=<N>ev, N > 0");
      if (auto p = MakeCrashPolicy(w[1], Rng(0)); !p.ok())
        return err(std::string(p.status().message()));
      t.scenario.create_crash_policy = w[1];
      t.scenario.create_crash_events = v;
    } else if (key == "disk-order") {
      if (w.size() != 2 || (w[1] != "relaxed" && w[1] != "in-order"))
        return err("disk-order is 'relaxed' or 'in-order'");
      t.scenario.disk_order = w[1];
    } else if (key == "array") {
      absl::Status s = ParseArrayConfig(line.substr(line.find("array") + 5), &t.scenario.array);
      if (!s.ok()) return err(std::string(s.message()));
    } else if (key == "skip") {
      if (w.size() != 2) return err("skip takes a comma-separated list of properties");
      for (absl::string_view p : absl::StrSplit(w[1], ',', absl::SkipEmpty()))
        t.skip.insert(std::string(p));
    } else if (key == "expect-failure") {
      if (w.size() != 2) return err("expect-failure takes one property name (or none)");
      t.expect_failure = w[1] == "none" ? "" : w[1];
    } else if (key == "expect-hash") {
      if (w.size() != 2) return err("expect-hash takes one hex value");
      t.expect_hash = w[1];
    } else if (key == "op") {
      if (w.size() < 3 || w[1].size() < 4 || w[1][0] != '+' ||
          w[1].substr(w[1].size() - 2) != "us")
        return err("op lines read 'op +<delay>us <kind> [args]'");
      Op op;
      uint64_t us;
      if (!absl::SimpleAtoi(w[1].substr(1, w[1].size() - 3), &us)) return err("bad op delay");
      op.delay = us * 1000;
      const KindInfo* info = nullptr;
      for (auto& i : kKinds)
        if (w[2] == i.name) info = &i;
      if (!info) return err(absl::StrCat("unknown op '", w[2], "'"));
      op.kind = info->kind;
      size_t want = 3 + info->nargs;
      if (w.size() < want) return err(absl::StrCat(w[2], " takes ", info->nargs, " numbers"));
      uint64_t* args[] = {&op.a, &op.b, &op.c};
      for (int k = 0; k < info->nargs; k++)
        if (!absl::SimpleAtoi(w[3 + k], args[k]))
          return err(absl::StrCat("'", w[3 + k], "' is not a number"));
      // Ops that name a disk are checked against the array line once the
      // whole file is read: a fault on a disk that does not exist would
      // pass silently.
      if (op.kind == OpKind::kIoError || op.kind == OpKind::kReadError ||
          op.kind == OpKind::kMetaError || op.kind == OpKind::kDiskFail ||
          op.kind == OpKind::kReAdd || op.kind == OpKind::kSbCorrupt)
        disk_ops.push_back({lineno, t.scenario.ops.size()});
      if (op.kind == OpKind::kMetaError && op.b > 3)
        return err("metaerror's second number is 0 (writes fail), 1 (one bitmap read fails), "
                   "2 (writes fail torn) or 3 (every member's bitmap read fails)");
      if (op.kind == OpKind::kSbCorrupt && op.b > 5)
        return err("sbcorrupt's second number is 0 (magic), 1 (version), 2 (uuid), 3 (chunksize), "
                   "4 (sectors_reserved zeroed) or 5 (sync_size zeroed)");
      if (op.kind == OpKind::kWrite && w.size() == want + 1 && w[want] == "fua") {
        op.fua = true;
      } else if (op.kind == OpKind::kCrash) {
        // crash [policy] [in=<N>ev] [in=<T>us]: armed, it lands N events or
        // T microseconds later, inside whatever runs then.
        op.text = "random";
        for (size_t k = want; k < w.size(); k++) {
          const std::string& arg = w[k];
          uint64_t v = 0;
          if (arg.rfind("in=", 0) != 0) {
            if (k != want) return err("crash takes one policy, then in=<N>ev or in=<T>us");
            if (auto p = MakeCrashPolicy(arg, Rng(0)); !p.ok()) return err(std::string(p.status().message()));
            op.text = arg;
            continue;
          }
          bool ev = absl::EndsWith(arg, "ev"), us = absl::EndsWith(arg, "us");
          if ((!ev && !us) || !absl::SimpleAtoi(arg.substr(3, arg.size() - 5), &v) || v == 0)
            return err(absl::StrCat("'", arg, "': crash points read in=<N>ev or in=<T>us, N, T > 0"));
          (ev ? op.a : op.b) = v;
        }
      } else if (op.kind == OpKind::kSysfs) {
        // sysfs <attribute> <value>: one token each (no spaces, no '#').
        if (w.size() != want + 2) return err("sysfs takes an attribute name and one value");
        op.text = absl::StrCat(w[want], " ", w[want + 1]);
      } else if (w.size() != want) {
        return err(absl::StrCat("too many arguments for ", w[2]));
      }
      t.scenario.ops.push_back(op);
    } else {
      return err(absl::StrCat("unknown line '", key, "'"));
    }
  }
  if (!header) return absl::InvalidArgumentError(absl::StrCat(origin, ": empty trace file"));
  int disks = t.scenario.array.mirrors + t.scenario.array.spares;
  for (auto [line, i] : disk_ops) {
    const Op& op = t.scenario.ops[i];
    if (op.a >= (uint64_t)disks)
      return absl::InvalidArgumentError(
          absl::StrCat(origin, ":", line, ": ", Info(op.kind).name, " names disk ", op.a,
                       "; the array has disks 0..", disks - 1, " (mirrors then spares)"));
  }
  return t;
}

namespace {

// A file ends with its expect lines; one that does not was cut off (an
// interrupted write) and would otherwise replay as "reproduced".
absl::Status CheckEndsWithExpect(const std::string& text, const std::string& path) {
  std::string last;
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    std::string line(absl::StripAsciiWhitespace(raw.substr(0, raw.find('#'))));
    if (!line.empty()) last = line;
  }
  if (absl::StartsWith(last, "expect-failure") || absl::StartsWith(last, "expect-hash"))
    return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      path, ": the trace does not end with its expect-failure/expect-hash lines (cut off?); "
            "end it with 'expect-failure none' if it should pass"));
}

}  // namespace

absl::StatusOr<TraceFile> ReadTraceFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open trace file"));
  std::stringstream ss;
  ss << in.rdbuf();
  absl::StatusOr<TraceFile> t = ParseTrace(ss.str(), path);
  if (!t.ok()) return t;
  if (absl::Status st = CheckEndsWithExpect(ss.str(), path); !st.ok()) return st;
  return t;
}

absl::Status WriteTraceFile(const std::string& path, const TraceFile& t) {
  std::ofstream out(path);
  if (!out) return absl::PermissionDeniedError(absl::StrCat(path, ": cannot write"));
  out << FormatTrace(t);
  if (!out) return absl::DataLossError(absl::StrCat(path, ": write failed"));
  return absl::OkStatus();
}

}  // namespace llsim
