// Runs one scenario and decides; see runner.h.
#include "properties/runner.h"

#include <algorithm>
#include <memory>
#include <optional>

#include <cerrno>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/kshim/src/kshim.h"
#include "models/md/md_array.h"
#include "models/oracle/data_oracle.h"
#include "properties/step_invariants.h"
#include "properties/timeline_probe.h"
#include "sim/world.h"

extern "C" {
extern const char llsim_core_name[];
extern const char llsim_core_kind[];
extern const char llsim_core_source[];
extern const char llsim_core_sha256[];
extern const char llsim_core_defines[];
}

namespace llsim {

CoreInfo LinkedCore() {
  return {llsim_core_name, llsim_core_kind, llsim_core_source, llsim_core_sha256,
          llsim_core_defines};
}

namespace {

constexpr Nanos kAdminLimit = 30 * 60 * kNsPerSec;
constexpr Nanos kSettleLimit = 4 * 3600 * kNsPerSec;
// Seconds; the longest daemon_sleep a settle waits out (see Settle).
constexpr Nanos kLongestJudgedDaemonSleep = 3600;

const char* PropertyFor(FailureKind k) {
  switch (k) {
    case FailureKind::kDeadlock:
    case FailureKind::kHang:
      return kPropLiveness;
    default:
      return kPropSafety;
  }
}

// Counts the writes a crash asked the policy about whose fate changes the
// media (the explorer's persistence subsets range over exactly those).
class CountingPolicy : public CrashPolicy {
 public:
  explicit CountingPolicy(CrashPolicy& inner) : inner_(inner) {}
  std::string Name() const override { return inner_.Name(); }
  CrashDecision Decide(const PendingWriteInfo& w) override {
    if (!w.redundant) asked++;
    return inner_.Decide(w);
  }
  uint64_t asked = 0;

 private:
  CrashPolicy& inner_;
};

class ScenarioRun {
 public:
  ScenarioRun(const Scenario& s, const RunOptions& o) : s_(s), o_(o) {}
  RunResult Run();

 private:
  void Report(Verdict v);
  void Record(Verdict v);
  bool Stopped() const { return pruned_ || (o_.keep_going ? halted_ : !failures_.empty()); }
  // The current operation cannot go on: a failure, or an armed crash
  // landed in its middle (the world it worked on is gone).
  bool Halted() const { return Stopped() || crashed_in_op_; }
  bool RunWorld(const std::function<bool()>& done, Nanos until);
  bool RunAdmin(const std::string& name, std::function<void()> fn);
  void Boot();
  void Crash(const std::string& spec, bool armed = false);
  void ForgetPromisesIfUnrecorded();
  void ArmCrash(const Op& op);
  void FireArmedCrash();
  void Execute(const Op& op);
  void IssueIo(const Op& op);
  void Settle();
  void Shutdown();
  void Note(std::string s) {
    notes_.push_back(s);
    world_->Note(std::move(s));
  }
  bool ArrayUp() const { return array_ && array_->Running(); }
  // Whether losing `disk` would leave no live in-sync member.
  bool LeavesNoCurrentCopy(int disk, bool count_dead = true) const {
    if (const Raid10Geo* g = array_->Geo()) {
      // raid10: some chunk would keep no live copy.
      std::vector<int> live = array_->InSyncDisks();
      auto ok = [&](int slot) {
        int d = array_->DiskInSlot(slot);
        return d >= 0 && d != disk && (!count_dead || !world_->Faults().DiskFailed(d)) &&
               std::find(live.begin(), live.end(), d) != live.end();
      };
      // During a reshape, in both geometries (raid10's enough()).
      const Raid10Geo* prev = array_->PrevGeo();
      return !g->Enough(ok, -1) || (prev && !prev->Enough(ok, -1));
    }
    if (array_->ParityGeo()) {
      // raid4/5/6: more slots gone than parity covers.
      std::vector<int> live = array_->InSyncDisks();
      return !array_->ParityEnough([&](int slot) {
        int d = array_->DiskInSlot(slot);
        return d >= 0 && d != disk && (!count_dead || !world_->Faults().DiskFailed(d)) &&
               std::find(live.begin(), live.end(), d) != live.end();
      });
    }
    std::vector<int> live = array_->InSyncDisks();
    std::erase_if(live, [&](int d) { return d == disk || world_->Faults().DiskFailed(d); });
    return live.empty();
  }

  Scenario s_;
  RunOptions o_;
  std::unique_ptr<World> world_;
  std::unique_ptr<Kshim> kshim_;
  std::unique_ptr<DataOracle> oracle_;
  std::unique_ptr<MdArray> array_;
  std::vector<std::unique_ptr<MdArray>> retired_;
  std::unique_ptr<StepInvariants> inv_;
  std::unique_ptr<TimelineProbe> probe_;  // o_.timeline only
  std::vector<Verdict> failures_;
  std::set<std::string> failure_keys_;  // keep_going: what is recorded already
  bool halted_ = false;                 // keep_going: the case cannot go on
  bool pruned_ = false;                 // on_crash ended the run
  size_t next_op_ = 0;                  // the operation to issue next
  uint64_t CrashStateKey(bool pending) const;
  // The same key with the disks' hashes given (one per disk, in order).
  uint64_t CrashStateKeyWith(const std::vector<uint64_t>& disk_hashes) const;
  uint64_t reports_ = 0;                // violations seen, repeats included
  bool resync_pending_ = false;         // a crash since the last verified settle
  bool bitmap_read_fault_ = false;      // a metaerror op made a bitmap read fail
  bool bitmap_sb_damaged_ = false;      // an sbcorrupt op damaged a bitmap superblock
  void CorruptBitmapSuper(int disk, int field);
  bool was_broken_ = false;             // an array of this run lost its last member
  // A dirty degraded parity array was forced to start: rows a crash cut
  // short stay inconsistent (md resyncs nothing), for the rest of the run.
  bool write_hole_ = false;
  uint64_t resyncs_verified_ = 0, recoveries_verified_ = 0;
  std::vector<std::string> notes_;
  std::vector<std::string> dmesg_;
  struct Range {
    uint64_t s, n;
  };
  std::vector<Range> io_ranges_;
  std::unique_ptr<WaitList> io_lock_;
  int user_io_ = 0;
  int crashes_ = 0;
  // Hooks md called and model features reached, over every boot.
  Reach reach_;
  void CountAllocFailures() {
    if (kshim_ && kshim_->AllocFailuresInjected())
      reach_.Feature("allocation failure", kshim_->AllocFailuresInjected());
  }
  // A crash waiting for its point (an event count or a virtual time) to
  // come, wherever the world is then; the policy it will use.
  std::optional<std::string> armed_crash_;
  bool crashed_in_op_ = false;
  int recovery_ops_ = 0;
  uint64_t io_serial_ = 0;
  // The last settle left the array whole, synced and clean (no chunk
  // Dirty, NeedSync or Syncing, no sync needed or running), and nothing
  // since gives an assembly a reason to resync: no user write or discard,
  // crash, member failure, IO error rule, re-add, spare, resize or
  // injected allocation failure. The next assembly must then start no
  // resync (liveness: a finished sync stays finished).
  bool settled_clean_ = false;
  uint64_t alloc_failures_at_settle_ = 0;
  void Unsettle() { settled_clean_ = false; }
  void CheckNoResyncAfterCleanStop();
  // Allocation failures per million for every boot from now on (the
  // scenario's alloc-fail, then whatever an allocfail op set), and how
  // many runtimes were booted (each draws its failures from its own stream).
  uint32_t alloc_ppm_ = 0;
  uint32_t boots_ = 0;
};

void ScenarioRun::Report(Verdict v) {
  if (o_.skip.count(v.property)) return;
  reports_++;
  if (o_.keep_going) {
    if (v.property == kPropLiveness || v.property == kPropSafety) halted_ = true;
    Record(std::move(v));
    if (inv_) inv_->Rearm();
    return;
  }
  Record(std::move(v));
  // Stop the world at its next step; the verdict is already recorded.
  if (world_) world_->Sched().ReportFailure(FailureKind::kProperty, failures_.back().ToString());
}

void ScenarioRun::Record(Verdict v) {
  if (o_.keep_going && o_.failure_key && !failure_keys_.insert(o_.failure_key(v)).second) return;
  if (o_.on_failure) o_.on_failure(v);
  failures_.push_back(std::move(v));
}

bool ScenarioRun::RunWorld(const std::function<bool()>& done, Nanos until) {
  if (Halted()) return false;
  RunStatus st = world_->Sched().Run(done, until);
  if (st == RunStatus::kStopped) {
    // The armed crash's moment: in the middle of whatever was running.
    FireArmedCrash();
    crashed_in_op_ = true;
    return false;
  }
  if (st == RunStatus::kFailed) {
    halted_ = true;
    for (const Failure& f : world_->Sched().Failures()) {
      if (f.kind == FailureKind::kProperty || o_.skip.count(PropertyFor(f.kind))) continue;
      Record({PropertyFor(f.kind), absl::StrCat(FailureKindName(f.kind), ": ", f.message), f.t});
    }
    return false;
  }
  return st == RunStatus::kDone || !done;
}

bool ScenarioRun::RunAdmin(const std::string& name, std::function<void()> fn) {
  auto done = std::make_shared<bool>(false);
  world_->Sched().Spawn(name, [fn = std::move(fn), done] {
    fn();
    *done = true;
  });
  Nanos until = world_->Clock().Now() + kAdminLimit;
  if (RunWorld([done] { return *done; }, until)) return true;
  if (!Halted())
    Report({kPropLiveness,
            absl::StrFormat("'%s' did not finish within %d virtual minutes\n%s", name,
                            kAdminLimit / kNsPerSec / 60, world_->Sched().DescribeBlocked()),
            world_->Clock().Now()});
  return false;
}

void ScenarioRun::Boot() {
  if (!kshim_) {
    KshimConfig kc;
    kc.alloc_fail_per_million = alloc_ppm_;
    kc.boot = boots_++;
    kshim_ = std::make_unique<Kshim>(*world_, kc);
    kshim_->SetPreemptObserver([this] {
      if (inv_) inv_->OnStep();
    });
    kshim_->SetPageFreeObserver([this](const void* mem) {
      if (inv_) inv_->OnPageFreed(mem);
    });
    kshim_->SetContextObserver([this](Kshim::Context c, bool begin) {
      if (inv_)
        inv_->OnCoreContext(c == Kshim::Context::kWork ? BitmapOp::kWork : BitmapOp::kTimer,
                            begin);
    });
    int rc = 0;
    // md_llbitmap_init allocates workqueues; run it as md's module init.
    if (!RunAdmin("modprobe", [&rc] { rc = md_llbitmap_init(); })) return;
    if (rc == -ENOMEM && kshim_->AllocFailuresInjected() > 0) {
      // The module did not load for want of memory: nothing of it may stay
      // allocated; the next assemble loads it again.
      Note(absl::StrFormat("modprobe: md_llbitmap_init failed: %d (allocation failure injected)",
                           rc));
      std::vector<std::string> leaks = kshim_->Leaks();
      if (!leaks.empty())
        Report({kPropSafety,
                absl::StrFormat("%d allocation(s) leaked by a failed md_llbitmap_init, first: %s",
                                leaks.size(), leaks[0]),
                world_->Clock().Now()});
      dmesg_.insert(dmesg_.end(), kshim_->Dmesg().begin(), kshim_->Dmesg().end());
      CountAllocFailures();
      kshim_.reset();
      return;
    }
    if (rc) {
      Report({kPropSafety, absl::StrFormat("md_llbitmap_init failed: %d", rc),
              world_->Clock().Now()});
      return;
    }
    if (!kshim_->BitmapOps()) {
      Report({kPropSafety, "the core registered no bitmap operations", world_->Clock().Now()});
      return;
    }
  }
  // A stopped array may still have fibers parked on it (a user's open
  // file, say): it is retired, not freed, until the run ends.
  if (array_) {
    ForgetPromisesIfUnrecorded();
    write_hole_ |= array_->WriteHoleAccepted();
    retired_.push_back(std::move(array_));
  }
  array_ = std::make_unique<MdArray>(*world_, *kshim_, s_.array, oracle_.get());
  array_->SetReach(&reach_);
  array_->SetCrashResyncOwed(resync_pending_);
  inv_->Attach(array_.get());
  if (probe_) probe_->Attach(array_.get());
  absl::Status st;
  uint64_t alloc_failures = kshim_->AllocFailuresInjected();
  if (!RunAdmin("mdadm --assemble", [&] { st = array_->Assemble(); })) return;
  if (st.ok()) {
    if (array_->WriteHoleAccepted()) {
      write_hole_ = true;
      oracle_->ForgetPromises();
      Note("a dirty degraded parity array was forced to start: writes so far carry no "
           "durability promise (the write hole)");
    }
    CheckNoResyncAfterCleanStop();
    return;
  }
  Unsettle();
  Note(absl::StrCat("assemble: ", st.message()));
  // md must come back after whatever the scenario did, unless the scenario
  // itself took away what it needs: every member's disk, or memory (an
  // allocation failed during this assembly and the bitmap's create or load
  // failed with -ENOMEM; any other error after an injected failure is the
  // core's).
  bool starved = kshim_->AllocFailuresInjected() != alloc_failures &&
                 absl::StrContains(st.message(), absl::StrCat("(", -ENOMEM, ")"));
  bool no_disks = true;
  for (size_t d = 0; d < world_->DiskCount(); d++)
    if (!world_->Faults().DiskFailed((int)d)) no_disks = false;
  // A bitmap read error injected on what turned out to be the only member
  // to load from: md_error, then nothing left to read the bitmap from.
  bool unreadable = bitmap_read_fault_ && absl::StrContains(st.message(), "(-5)");
  // A bitmap superblock the scenario damaged on the media (sbcorrupt).
  bool damaged = bitmap_sb_damaged_ && absl::StrContains(st.message(), "(-22)");
  // An array md declared broken lost its last in-sync member to injected
  // faults (a dead disk beside one whose metadata writes fail, say): md
  // itself assembles it only when forced.
  // A journal or PPL array: md and llbitmap refuse it by design (the
  // rejection tests assert how).
  bool policy = !s_.array.consistency_policy.empty();
  if (!starved && !no_disks && !unreadable && !damaged && !was_broken_ && !policy)
    Report({kPropAssemblable, absl::StrCat("the array does not assemble: ", st.message()),
            world_->Clock().Now()});
}

// A double fault md cannot survive: a member failed, and the superblock
// write that would record it failed on the last working member (md never
// fails that one). md may then assemble from the failed member, which
// misses what was written since, whatever the bitmap did; so from the next
// assembly on, no earlier write is promised (the same boot's checks
// already stop at MD_BROKEN).
void ScenarioRun::ForgetPromisesIfUnrecorded() {
  if (array_->Broken() || array_->LazyPassBrokeArray()) was_broken_ = true;
  // Also when a member failed and no superblock records it yet: md's flush
  // skips a Faulty member, and only md_update_sb tells the next assembly
  // it failed, so a crash in between brings it back in sync without what
  // its cache lost, and a resync may copy from it (FINDINGS M2). No bitmap
  // can prevent either.
  const char* why = array_->MetadataUnrecorded()
                        ? "md could not write its superblock to its last working member"
                    : array_->FailureUnrecorded() ? "a member failed and no superblock records it yet"
                    // raid10_error keeps a member whose loss would leave a
                    // chunk with no copy, and the writes it missed are still
                    // acknowledged from the other copies: it comes back in
                    // sync without them.
                    : array_->Geo() && array_->Broken()
                        ? "md declared the raid10 array broken and kept a member that missed writes"
                    : array_->ParityGeo() && array_->Broken()
                        ? "md declared the parity array broken: more members failed than parity covers"
                        : nullptr;
  if (!why) return;
  oracle_->ForgetPromises();
  Note(absl::StrCat(why, ": writes so far carry no durability promise past the next assembly"));
}

void ScenarioRun::CorruptBitmapSuper(int disk, int field) {
  // bitmap_super_t (md-bitmap.h): magic at byte 0, version at 4, uuid at
  // 8..23, sync_size at 40 (64 bits), chunksize at 52, sectors_reserved at
  // 64, all little-endian.
  MemberLayout l = MemberLayout::For(s_.array, disk);
  Disk& d = world_->GetDisk(disk);
  std::vector<uint8_t> sb = d.MediaBytes(l.BitmapStart(), 1);
  auto le32 = [&](size_t at) {
    return (uint32_t)sb[at] | (uint32_t)sb[at + 1] << 8 | (uint32_t)sb[at + 2] << 16 |
           (uint32_t)sb[at + 3] << 24;
  };
  auto put32 = [&](size_t at, uint32_t v) {
    for (int k = 0; k < 4; k++) sb[at + k] = (uint8_t)(v >> (8 * k));
  };
  const char* what = "";
  switch (field) {
    case 0: put32(0, le32(0) ^ 0x00ff0000u); what = "magic"; break;
    case 1: put32(4, le32(4) + 1); what = "version"; break;
    case 2: sb[8] ^= 0xff; what = "uuid"; break;
    case 3: put32(52, le32(52) | 3); what = "chunksize"; break;
    // Fields a core may take (falling back to md's space, or to the array's
    // size) or refuse: mdadm always records both.
    case 4: put32(64, 0); what = "sectors_reserved (zeroed)"; break;
    default: put32(40, 0); put32(44, 0); what = "sync_size (zeroed)"; break;
  }
  d.FormatBytes(l.BitmapStart(), sb);
  bitmap_sb_damaged_ = true;
  reach_.Feature("damaged bitmap superblock");
  Note(absl::StrCat("sbcorrupt: disk ", disk, "'s bitmap superblock ", what, " damaged on the media"));
}

void ScenarioRun::Crash(const std::string& spec, bool armed) {
  if (o_.on_crash && !o_.on_crash({false, armed, CrashStateKey(true), 0})) {
    pruned_ = true;
    return;
  }
  crashes_++;
  reach_.Feature("crash");
  resync_pending_ = true;
  // Whatever was in flight, and Clean states the daemon had not yet
  // written, may leave chunks for the next assembly to resync.
  Unsettle();
  auto policy = MakeCrashPolicy(spec.empty() ? "random" : spec,
                                Rng::Stream(s_.seed, absl::StrCat("crash", crashes_)));
  if (!policy.ok()) {
    Note(absl::StrCat("crash: ", policy.status().message(), "; using random"));
    policy = MakeCrashPolicy("random", Rng::Stream(s_.seed, absl::StrCat("crash", crashes_)));
  }
  if (probe_) probe_->OnCrash();
  if (inv_) inv_->Detach();
  if (kshim_) dmesg_.insert(dmesg_.end(), kshim_->Dmesg().begin(), kshim_->Dmesg().end());
  if (array_) {
    ForgetPromisesIfUnrecorded();
    write_hole_ |= array_->WriteHoleAccepted();
  }
  CountingPolicy counted(**policy);
  // The explorer's persistence subsets, predicted on the disks as the
  // policy finds them: each script's media hash per disk.
  std::vector<std::vector<uint64_t>> predicted_media;
  auto predict = [&] {
    auto none = MakeCrashPolicy("drop", Rng::Stream(s_.seed, "predict"));
    CountingPolicy asked(**none);
    for (size_t i = 0; i < world_->DiskCount(); i++) world_->GetDisk((int)i).MediaHashIfCrash(asked);
    for (const std::string& script : o_.crash_subsets(asked.asked)) {
      auto p = MakeCrashPolicy("script:" + script, Rng::Stream(s_.seed, "predict"));
      std::vector<uint64_t> disks;
      for (size_t i = 0; i < world_->DiskCount(); i++)
        disks.push_back(world_->GetDisk((int)i).MediaHashIfCrash(**p));
      predicted_media.push_back(std::move(disks));
    }
  };
  world_->Crash(counted, armed && o_.crash_subsets ? std::function<void()>(predict) : nullptr);
  // The arrays go next; the probe keeps their layouts, not them.
  if (probe_) probe_->Detach();
  oracle_->Crash();
  // Every array of this boot goes with it, retired ones too: each points at
  // this boot's kshim (the crash has cancelled the fibers parked on them).
  array_.reset();
  retired_.clear();
  CountAllocFailures();
  kshim_.reset();
  io_ranges_.clear();
  user_io_ = 0;
  if (o_.on_crash) {
    CrashState st{true, armed, CrashStateKey(false), counted.asked};
    for (const auto& disks : predicted_media) st.predicted.push_back(CrashStateKeyWith(disks));
    if (!o_.on_crash(st)) pruned_ = true;
  }
}

uint64_t ScenarioRun::CrashStateKey(bool pending) const {
  std::vector<uint64_t> disks;
  for (size_t i = 0; i < world_->DiskCount(); i++)
    disks.push_back(world_->GetDisk((int)i).CrashStateHash(pending));
  return CrashStateKeyWith(disks);
}

uint64_t ScenarioRun::CrashStateKeyWith(const std::vector<uint64_t>& disk_hashes) const {
  uint64_t h = Fnv1a("crash state");
  for (uint64_t d : disk_hashes) h = MixWord(h, d);
  h = MixWord(h, oracle_->StateHash());
  // What the rest of the run depends on besides the media: how many
  // operations are still to come (counted from the end, so a crash op
  // armed first does not shift it), and the runner's memory of earlier boots.
  h = MixWord(h, s_.ops.size() - next_op_);
  h = MixWord(h, (uint64_t)resync_pending_ | (uint64_t)bitmap_read_fault_ << 1 |
                     (uint64_t)bitmap_sb_damaged_ << 2 | (uint64_t)was_broken_ << 3 |
                     (uint64_t)settled_clean_ << 4 | (uint64_t)write_hole_ << 5);
  h = MixWord(MixWord(h, alloc_ppm_), (uint64_t)crashes_);
  return h;
}

void ScenarioRun::ArmCrash(const Op& op) {
  // One crash at a time: a second one armed first fires the first.
  if (armed_crash_) FireArmedCrash();
  armed_crash_ = op.text;
  uint64_t at_event = op.a ? world_->Log().Count() + op.a : ~0ull;
  Nanos at_time = op.b ? world_->Clock().Now() + op.b * 1000 : kNever;
  world_->Sched().SetStopPoint(at_event, at_time);
  world_->Note(absl::StrCat("crash armed: ", op.ToString()));
}

void ScenarioRun::FireArmedCrash() {
  if (!armed_crash_) return;
  std::string spec = *armed_crash_;
  armed_crash_.reset();
  world_->Sched().ClearStopPoint();
  Crash(spec, true);
}

void ScenarioRun::IssueIo(const Op& op) {
  if (!ArrayUp()) {
    Note(absl::StrCat("skipped ", op.ToString(), ": array not running"));
    return;
  }
  uint64_t size = array_->ArraySectors();
  uint64_t bs = s_.array.logical_block_size / 512;
  uint64_t sector = op.a / bs * bs;
  uint64_t n = std::max<uint64_t>(op.b / bs * bs, bs);
  if (op.kind != OpKind::kFlush && (sector >= size)) {
    Note(absl::StrCat("skipped ", op.ToString(), ": beyond the array"));
    return;
  }
  n = std::min<uint64_t>(n, size - sector);
  if (op.kind == OpKind::kWrite || op.kind == OpKind::kDiscard) Unsettle();
  user_io_++;
  MdArray* array = array_.get();
  Op o = op;
  std::string name = absl::StrFormat("user-%s-%d", OpKindName(op.kind), ++io_serial_);
  world_->Sched().Spawn(name, [this, array, o, sector, n] {
    if (o.kind != OpKind::kFlush) {
      // Users do not race writes to the same sectors (their order would be
      // undefined on the mirrors): a range lock, as a filesystem has.
      auto overlaps = [&] {
        for (const Range& r : io_ranges_)
          if (sector < r.s + r.n && r.s < sector + n) return true;
        return false;
      };
      while (overlaps()) world_->Sched().Block(*io_lock_, BlockKind::kUninterruptible);
      io_ranges_.push_back({sector, n});
    }
    switch (o.kind) {
      case OpKind::kWrite: array->Write(sector, (uint32_t)n, o.fua); break;
      case OpKind::kDiscard: array->Discard(sector, (uint32_t)n); break;
      case OpKind::kFlush: array->Flush(); break;
      case OpKind::kRead: {
        StampRuns stamps;
        array->Read(sector, (uint32_t)n, &stamps);
        break;
      }
      default: break;
    }
    if (o.kind != OpKind::kFlush) {
      auto it = std::find_if(io_ranges_.begin(), io_ranges_.end(),
                             [&](const Range& r) { return r.s == sector && r.n == n; });
      if (it != io_ranges_.end()) io_ranges_.erase(it);
      world_->Sched().WakeAll(*io_lock_);
    }
    user_io_--;
  });
}

void ScenarioRun::Execute(const Op& op) {
  switch (op.kind) {
    case OpKind::kFail:
    case OpKind::kIoError:
    case OpKind::kReadError:
    case OpKind::kMetaError:
    case OpKind::kDiskFail:
    case OpKind::kReAdd:
    case OpKind::kAddSpare:
    case OpKind::kReplace:
    case OpKind::kResize:
    case OpKind::kGrow:
    case OpKind::kAllocFail:
      // A failure, a member coming back, new chunks: reasons to resync or
      // recover that a clean stop does not take away.
      Unsettle();
      break;
    default:
      break;
  }
  switch (op.kind) {
    case OpKind::kWrite:
    case OpKind::kDiscard:
    case OpKind::kRead:
    case OpKind::kFlush:
      IssueIo(op);
      return;
    case OpKind::kWait:
      if (!RunWorld([&] { return user_io_ == 0; }, world_->Clock().Now() + kAdminLimit) &&
          !Halted())
        Report({kPropLiveness, "user IO did not complete within 30 virtual minutes",
                world_->Clock().Now()});
      return;
    case OpKind::kAdvance:
      RunWorld(nullptr, world_->Clock().Now() + op.a * kNsPerMs);
      return;
    case OpKind::kCrash:
      if (op.a || op.b)
        ArmCrash(op);
      else
        Crash(op.text);
      return;
    case OpKind::kIoError:
      world_->Faults().AddRule({.disk = (int)op.a, .reads = false,
                                .first_sector = array_ ? array_->DataOffset() + op.b : op.b,
                                .last_sector = (array_ ? array_->DataOffset() : 0) +
                                               op.b + std::max<uint64_t>(op.c, 1) - 1});
      return;
    case OpKind::kReadError:
      // Latent sector errors: reads fail there until a write lands.
      world_->Faults().AddRule({.disk = (int)op.a, .writes = false,
                                .first_sector = array_ ? array_->DataOffset() + op.b : op.b,
                                .last_sector = (array_ ? array_->DataOffset() : 0) +
                                               op.b + std::max<uint64_t>(op.c, 1) - 1,
                                .heal_on_write = true});
      return;
    case OpKind::kMetaError: {
      // The member's own layout: on 1.0 a bigger spare's metadata sits
      // elsewhere, and there it is at the end of the member, below no
      // data_offset (ranges taken from 1.2's shape covered the whole disk
      // from the bitmap on, superblock included: soak seed 22, case 94041).
      MemberLayout l = MemberLayout::For(s_.array, (int)op.a);
      uint64_t meta_first = l.metadata_minor == 0 ? l.meta_tail : l.sb_start;
      uint64_t meta_last = l.metadata_minor == 0 ? l.capacity - 1 : l.meta_head - 1;
      if (op.b == 0 || op.b == 2) {
        // A member whose metadata area takes no writes: the next md
        // superblock or bitmap write fails and md fails the member; torn
        // (2), each such write lands half its sectors first.
        world_->Faults().AddRule({.disk = (int)op.a, .reads = false, .first_sector = meta_first,
                                  .last_sector = meta_last, .torn = op.b == 2});
      } else {
        // One failed read of the member's bitmap region (1): the core fails
        // the member and reads another. With 3, one failed read on every
        // member: a bitmap no member can give back (md_error on each, -EIO
        // from create). An array whose bitmap is unreadable cannot load it;
        // assemblable excuses that.
        bitmap_read_fault_ = true;
        for (int d = 0; d < (int)world_->DiskCount(); d++) {
          if (op.b != 3 && d != (int)op.a) continue;
          MemberLayout m = MemberLayout::For(s_.array, d);
          world_->Faults().AddRule({.disk = d, .writes = false, .first_sector = m.BitmapStart(),
                                    .last_sector = m.BitmapEnd() - 1, .once = true});
        }
      }
      return;
    }
    case OpKind::kDiskFail:
      // raid1 survives losing any member but the last one holding current
      // data; losing that one loses acknowledged writes by design, which no
      // property promises. While the array is down nobody knows which
      // member that is, so disks only die under a running array.
      if (!ArrayUp() || LeavesNoCurrentCopy((int)op.a)) {
        Note(absl::StrCat("skipped ", op.ToString(), ": no other member holds current data"));
        return;
      }
      world_->Faults().FailDisk((int)op.a);
      return;
    case OpKind::kAllocFail:
      alloc_ppm_ = (uint32_t)std::min<uint64_t>(op.a, 1000000);
      if (kshim_) kshim_->Config().alloc_fail_per_million = alloc_ppm_;
      return;
    case OpKind::kSettle:
      Settle();
      return;
    case OpKind::kSbCorrupt:
      // What a stray dd or a disk that returns another block does: stop
      // the array, damage one member's bitmap superblock on the media, and
      // assemble. The damage is one no core may take (bad magic, another
      // version, another array's uuid, a chunk size not a power of 2) or
      // one a core may take or refuse (no sectors_reserved, no sync_size):
      // if the core refuses that member's copy, the assembly fails with
      // -EINVAL, which assemblable then excuses; if it takes it, or reads
      // another member's, the array runs and every property holds.
      FireArmedCrash();
      if (ArrayUp()) {
        Execute(Op{OpKind::kStop});
        if (ArrayUp()) return;
      }
      CorruptBitmapSuper((int)op.a, (int)op.b);
      Boot();
      return;
    case OpKind::kAssemble:
      // The reboot after a crash comes after the crash, wherever it lands.
      // After a clean stop there is nothing to reboot from: an armed crash
      // still to come may land inside this assembly (the explorer probes
      // crash points there).
      if (ArrayUp()) FireArmedCrash();
      if (ArrayUp()) {
        Note("skipped assemble: already running");
        return;
      }
      Boot();
      return;
    default:
      break;
  }
  if (!ArrayUp()) {
    Note(absl::StrCat("skipped ", op.ToString(), ": array not running"));
    return;
  }
  absl::Status st;
  MdArray* a = array_.get();
  std::string name = absl::StrCat("mdadm ", OpKindName(op.kind));
  switch (op.kind) {
    case OpKind::kFail: {
      // md refuses to fail its last in-sync member, but cannot know that
      // the others it counts on are dead disks (the same loss as above).
      int d = a->DiskInSlot((int)op.a);
      std::vector<int> others = a->InSyncDisks();
      std::erase(others, d);
      bool md_allows = a->Geo() || a->ParityGeo() ? d >= 0 && !LeavesNoCurrentCopy(d, false)
                                                  : !others.empty();
      if (d >= 0 && md_allows && LeavesNoCurrentCopy(d)) {
        Note(absl::StrCat("skipped ", op.ToString(), ": the other current members are dead"));
        return;
      }
      RunAdmin(name, [&] { st = a->FailMember((int)op.a); });
      break;
    }
    case OpKind::kReAdd:
      recovery_ops_++;
      // The operator fixed whatever made the disk fail before re-adding it.
      world_->Faults().ReviveDisk((int)op.a);
      world_->Faults().ClearRulesFor((int)op.a);
      RunAdmin(name, [&] { st = a->ReAdd((int)op.a); });
      break;
    case OpKind::kAddSpare:
      recovery_ops_++;
      RunAdmin(name, [&] { st = a->AddSpare(); });
      break;
    case OpKind::kReplace:
      recovery_ops_++;
      RunAdmin(name, [&] { st = a->Replace((int)op.a); });
      break;
    case OpKind::kResize: RunAdmin(name, [&] { st = a->Resize(op.a); }); break;
    case OpKind::kGrow: RunAdmin(name, [&] { st = a->Grow((int)op.a, (uint32_t)op.b); }); break;
    case OpKind::kStop: RunAdmin(name, [&] { st = a->Stop(); }); break;
    case OpKind::kSysfs: {
      // The trace's value is one token; ',' stands for the spaces md's
      // list attributes take. echo adds the newline.
      std::string attr = op.text.substr(0, op.text.find(' '));
      std::string value = op.text.find(' ') == std::string::npos
                              ? std::string()
                              : op.text.substr(op.text.find(' ') + 1);
      std::replace(value.begin(), value.end(), ',', ' ');
      // Marking chunks dirty is a reason to resync; a clean stop may not
      // take it away.
      if (attr == "bitmap_set_bits") Unsettle();
      ssize_t rc = 0;
      // Then cat md/llbitmap/*, as monitoring tools do: every show runs
      // on the array as the store left it.
      RunAdmin(name, [&] {
        rc = a->SysfsWrite(attr, value + "\n");
        a->SysfsReadAll();
      });
      if (rc < 0) Note(absl::StrCat(op.ToString(), ": error ", rc));
      break;
    }
    case OpKind::kCheck:
    case OpKind::kRepair: {
      // A repair that a stop interrupts leaves resync_offset where it got
      // to (md_do_sync), so the next assembly resyncs, as md does.
      Unsettle();
      int rc = 0;
      RunAdmin(name, [&] { rc = a->RequestSync(op.kind == OpKind::kRepair); });
      if (rc < 0) Note(absl::StrCat(op.ToString(), ": error ", rc));
      break;
    }
    case OpKind::kFreeze: RunAdmin(name, [&] { a->Freeze(true); }); break;
    case OpKind::kUnfreeze: RunAdmin(name, [&] { a->Freeze(false); }); break;
    default: break;
  }
  if (!st.ok()) Note(absl::StrCat(op.ToString(), ": ", st.message()));
}

void ScenarioRun::Settle() {
  if (!ArrayUp() || array_->Broken()) return;
  uint64_t reports_before = reports_;
  MdArray* a = array_.get();
  if (!RunAdmin("sync_action idle", [a] { a->Freeze(false); })) return;
  Nanos until = world_->Clock().Now() + kSettleLimit;
  // A broken array (an injected fault took its last in-sync member) never
  // syncs again, and no property promises that it would.
  auto quiet = [&] {
    return a->Broken() || (user_io_ == 0 && a->WritesInFlight() == 0 && !a->SyncPending());
  };
  if (!RunWorld(quiet, until)) {
    if (!Halted())
      Report({kPropLiveness,
              absl::StrFormat("resync/recovery did not finish within %d virtual hours: %s",
                              kSettleLimit / kNsPerSec / 3600, a->Describe()),
              world_->Clock().Now()});
    return;
  }
  // Let the daemon clean: it may need two periods plus the idle barrier,
  // counted from the end of the last sync pass (the daemon itself may ask
  // for one, and stalled IO may delay it).
  Nanos sleep = std::max<Nanos>(s_.array.daemon_sleep, a->LongestDaemonSleep());
  // A core that took an absurd daemon_sleep (2^32 s, F15) may have armed
  // its timer for centuries: waiting that out in virtual time costs a
  // daemon pass per period of the current sleep and proves nothing, so
  // the wait is capped and Dirty chunks are then not judged.
  bool sleep_capped = sleep > kLongestJudgedDaemonSleep;
  if (sleep_capped) {
    sleep = kLongestJudgedDaemonSleep;
    Note(absl::StrCat("settle: a daemon_sleep of ", a->LongestDaemonSleep(),
                      " s was set; Dirty chunks are not judged"));
  }
  Nanos barrier = std::max<Nanos>(s_.array.barrier_idle ? s_.array.barrier_idle : 5,
                                  a->LongestBarrierIdle());
  Nanos idle = (2 * sleep + barrier + 5) * kNsPerSec;
  // The daemon's own IO (flushes, bitmap writes) may meet injected stalls.
  if (s_.stall_ppm) idle += 2 * (Nanos)s_.stall_ms * kNsPerMs;
  // Whether a whole idle period passed with no sync completing or pending;
  // if every round starts another one, syncs do not stay finished.
  bool stayed_idle = false;
  // A round in which the array became whole (a recovery reaped late, after
  // stalls) does not count either: the daemon cleans nothing while it is
  // degraded, so the idle time is measured from a whole array on.
  for (int round = 0; round < 8; round++) {
    uint64_t syncs = a->ResyncsCompleted();
    int degraded = a->Degraded();
    if (!RunWorld(nullptr, world_->Clock().Now() + idle) && Halted()) return;
    if (!a->Running()) return;
    if (a->ResyncsCompleted() == syncs && !a->SyncPending() && a->Degraded() == degraded) {
      stayed_idle = true;
      break;
    }
    if (!RunWorld(quiet, world_->Clock().Now() + kSettleLimit)) {
      if (!Halted())
        Report({kPropLiveness, absl::StrCat("a sync pass did not finish: ", a->Describe()),
                world_->Clock().Now()});
      return;
    }
  }
  // An array md declared broken (the last in-sync member failed) keeps no
  // promise about its mirrors; whatever broke it was an injected fault.
  // A raid10 array keeps the member it could not fail, stale, through
  // every later assembly: its copies are never compared again.
  // The same goes for a lazy pass md ran on an array with no parity to
  // spare (FINDINGS.md M5), in the same boot as well as later ones.
  if (a->Broken() || a->LazyPassBrokeArray() ||
      ((a->Geo() || a->ParityGeo()) && was_broken_))
    return;
  // After a forced dirty degraded start, or a member failure before a
  // crash's resync finished, parity is what the crash left and a rebuild
  // from it may invent data: no data check is sound.
  write_hole_ |= a->WriteHoleAccepted();
  if (a->ParityGeo() && write_hole_) return;
  std::vector<const Disk*> mirrors;
  // A member's bad blocks hold no data md will ever read: not compared.
  DataOracle::BadRanges bad_blocks;
  for (int d : a->InSyncDisks()) {
    mirrors.push_back(&world_->GetDisk(d));
    bad_blocks.push_back(a->BadBlocks(d));
  }
  uint64_t off = a->DataOffset();
  // On an array still degraded, a chunk the bitmap holds NeedSync (or
  // Syncing) is owed a resync that md runs only once the array can be
  // made whole, or when it has two working mirrors after a crash with
  // one: a write in flight at such a crash may have reached a recovering
  // member below its checkpoint and not the last in-sync one, and md then
  // neither resyncs (raid1_run: one working mirror, resync_offset MaxSector)
  // nor recovers it (md_do_sync resumes at recovery_offset). Those chunks
  // may differ until then (soak seed 24, case 94488); liveness holds the
  // core to resyncing them once the array is whole.
  DataOracle::BadRanges not_compared = bad_blocks;
  if (a->Degraded() > 0 && a->BitmapEnabled()) {
    std::vector<std::pair<uint64_t, uint64_t>> owed = inv_->UnsyncedSectorRanges();
    for (auto& ranges : not_compared) ranges.insert(ranges.end(), owed.begin(), owed.end());
  }
  std::vector<std::string> bad;
  std::vector<std::string> lost;
  if (a->ParityGeo()) {
    // raid4/5/6: parity matches the data wherever the bitmap says it does
    // (whole arrays: a degraded one has nothing to compare it with), and
    // every acknowledged, flushed write reads back, rebuilt if need be.
    if (a->Degraded() == 0 && a->BitmapEnabled())
      bad = a->ParityMismatches(inv_->ParityPromisedRanges(), 8);
    lost = oracle_->ReadLostWrites([&](uint64_t s) { return a->PeekArraySector(s); }, 8);
  } else if (a->Geo()) {
    // Copy by copy: the In_sync members holding each chunk.
    DataOracle::CopyPlacement copies = [&](uint64_t s, uint64_t* len) {
      *len = a->ContiguousSectors(s, *len);
      std::vector<DataOracle::CopyAt> at;
      for (auto [d, dev] : a->InSyncCopies(s)) at.push_back({&world_->GetDisk(d), off + dev});
      return at;
    };
    DataOracle::ArrayRanges owed;
    if (a->Degraded() > 0 && a->BitmapEnabled()) owed = inv_->UnsyncedSectorRanges();
    bad = oracle_->CopyMismatches(copies, 8, &owed);
    lost = oracle_->CopyLostWrites(copies, 8);
  } else {
    bad = oracle_->MirrorMismatches(mirrors, off, 8, &not_compared);
    lost = oracle_->LostWrites(mirrors, off, 8, &bad_blocks);
  }
  if (!bad.empty())
    Report({recovery_ops_ ? kPropRecovery : kPropResync,
            absl::StrCat(a->ParityGeo() ? "parity does not match the data after "
                                        : "in-sync mirrors differ after ",
                         recovery_ops_ ? "recovery" : "resync", ": ", bad[0],
                         bad.size() > 1 ? absl::StrFormat(" (and %d more)", bad.size() - 1) : ""),
            world_->Clock().Now()});
  // Whether or not the mirrors agree (and with a single in-sync member,
  // where there is nothing to compare): every one of them must hold every
  // acknowledged, flushed write.
  if (!lost.empty())
    Report({kPropDurability, lost[0], world_->Clock().Now()});
  if (!bad.empty() || !lost.empty()) return;
  bool clean = false;
  if (a->Degraded() == 0 && a->BitmapEnabled()) {
    std::vector<uint64_t> dirty = inv_->DirtyChunks();
    // On a whole array a sync must finish and stay finished: md needs no
    // further pass, and the core keeps no chunk waiting for one (a chunk
    // left NeedSync or Syncing is resynced at every later assembly, and
    // its Syncing byte means nothing any more).
    std::vector<uint64_t> unsynced = inv_->UnsyncedChunks();
    if (!dirty.empty() && !sleep_capped)
      Report({kPropLiveness,
              absl::StrFormat("%d chunks (first: %d) still Dirty after the array was idle for "
                              "%d s; the daemon should have cleaned them",
                              dirty.size(), dirty[0], idle / kNsPerSec),
              world_->Clock().Now()});
    else if (!stayed_idle || a->SyncPending())
      Report({kPropLiveness,
              absl::StrFormat("a resync or recovery is still needed or running after 8 idle "
                              "periods of %d s on a whole array (each one started another): %s",
                              idle / kNsPerSec, a->Describe()),
              world_->Clock().Now()});
    else if (!unsynced.empty())
      Report({kPropLiveness,
              absl::StrFormat("%d chunks (first: %d, %s) still need a sync after the array was "
                              "whole and idle for %d s with no resync or recovery needed or "
                              "running: a finished sync must leave none NeedSync or Syncing",
                              unsynced.size(), unsynced[0],
                              ChunkStateName((uint8_t)inv_->StateOf(unsynced[0])),
                              idle / kNsPerSec),
              world_->Clock().Now()});
    else
      clean = true;
  }
  if (reports_ == reports_before) {
    if (clean && kshim_) {
      settled_clean_ = true;
      alloc_failures_at_settle_ = kshim_->AllocFailuresInjected();
    }
    resyncs_verified_ += resync_pending_;
    recoveries_verified_ += recovery_ops_ > 0;
    resync_pending_ = false;
  }
  recovery_ops_ = 0;
}

void ScenarioRun::CheckNoResyncAfterCleanStop() {
  if (!settled_clean_) return;
  // An allocation failure since (at the stop, say) may leave states
  // unwritten; a member missing for any reason is recovered, not resynced.
  if (!kshim_ || kshim_->AllocFailuresInjected() != alloc_failures_at_settle_ ||
      !array_->BitmapEnabled() || array_->Degraded() != 0) {
    Unsettle();
    return;
  }
  reach_.Feature("assembly after a clean settle");
  mddev* md = array_->Mddev();
  std::string why;
  if (md->resync_offset != MaxSector)
    why = absl::StrFormat("md's superblock says the array is not clean (resync_offset %d)",
                          (int64_t)md->resync_offset);
  else if (test_bit(MD_RECOVERY_SYNC, &md->recovery) || array_->SyncRunning())
    why = "a resync was asked for";
  std::vector<uint64_t> unsynced = inv_->UnsyncedChunks();
  if (!unsynced.empty())
    absl::StrAppendFormat(&why, "%s%d chunks (first: %d) are %s", why.empty() ? "" : "; ",
                          unsynced.size(), unsynced[0],
                          ChunkStateName((uint8_t)inv_->StateOf(unsynced[0])));
  if (why.empty()) return;  // still clean: the next assembly is held to it too
  Unsettle();
  Report({kPropLiveness,
          absl::StrCat("an assembly after the array was settled whole and clean, with no write, "
                       "crash or failure since, starts a resync: ", why),
          world_->Clock().Now()});
}

void ScenarioRun::Shutdown() {
  if (Stopped()) return;
  if (!ArrayUp() && !(array_ && array_->Broken())) Boot();
  if (Stopped()) return;
  Settle();
  if (Stopped()) return;
  if (ArrayUp()) {
    absl::Status st;
    RunAdmin("mdadm --stop", [&] { st = array_->Stop(); });
    if (Stopped()) return;
  }
  if (kshim_) {
    inv_->Detach();
    RunAdmin("rmmod", [] { md_llbitmap_exit(); });
    if (Stopped()) return;
    std::vector<std::string> held = kshim_->HeldAtTeardown();
    if (!held.empty())
      Report({kPropSafety,
              absl::StrFormat("%d mapping(s) or lock(s) still held at teardown, first: %s",
                              held.size(), held[0]),
              world_->Clock().Now()});
    if (Stopped()) return;
    std::vector<std::string> leaks = kshim_->Leaks();
    if (!leaks.empty())
      Report({kPropSafety,
              absl::StrFormat("%d allocation(s) leaked at teardown, first: %s", leaks.size(),
                              leaks[0]),
              world_->Clock().Now()});
  }
}

RunResult ScenarioRun::Run() {
  RunResult r;
  WorldConfig wc;
  wc.seed = s_.seed;
  wc.hz = s_.hz;
  wc.strategy = s_.strategy;
  wc.schedule = s_.schedule;
  wc.record_schedule = o_.record_schedule;
  wc.keep_events = o_.keep_events ? (1u << 22) : 0;
  // Injected stalls are what the system must survive, not hangs: a chain
  // of dependent IO may meet several of them in a row.
  if (s_.stall_ppm) wc.hung_task_limit += 6 * (Nanos)s_.stall_ms * kNsPerMs;
  auto world = World::Create(wc);
  if (!world.ok()) {
    r.failures.push_back({"config", std::string(world.status().message()), 0});
    return r;
  }
  world_ = std::move(*world);
  if (o_.decisions) world_->Sched().SetDecisionJournal(o_.decisions);
  io_lock_ = std::make_unique<WaitList>("user IO range lock");
  alloc_ppm_ = s_.alloc_fail_ppm;
  if (absl::Status st = CreateArrayDisks(*world_, s_.array); !st.ok()) {
    r.failures.push_back({"config", std::string(st.message()), 0});
    return r;
  }
  for (size_t i = 0; i < world_->DiskCount(); i++)
    world_->GetDisk((int)i).SetInOrderOverlaps(s_.disk_order == "in-order");
  LatencyModel& lat = world_->Faults().Latency();
  lat.min = (Nanos)s_.latency_min_us * 1000;
  lat.max = (Nanos)s_.latency_max_us * 1000;
  lat.stall_per_million = s_.stall_ppm;
  lat.stall = (Nanos)s_.stall_ms * kNsPerMs;
  world_->OnCrash([this] {
    if (kshim_) kshim_->Reclaim();
  });
  oracle_ = std::make_unique<DataOracle>(s_.array.dev_sectors);
  inv_ = std::make_unique<StepInvariants>(*world_, [this](Verdict v) { Report(std::move(v)); },
                                          o_.skip);
  inv_->SetCheckStoreHooks(o_.check_store_hooks);
  if (o_.timeline) {
    probe_ = std::make_unique<TimelineProbe>(*world_, *inv_, o_.timeline);
    inv_->SetMemoryListener([this](uint64_t c, int st) { probe_->OnMemory(c, st); });
    world_->SetMediaObserver([this](int d, uint64_t id, uint64_t s, uint32_t n) {
      probe_->OnMedia(d, id, s, n);
    });
  }
  // Whatever a fiber changed is seen before another one runs, so each
  // change is judged against what that fiber was doing.
  world_->Sched().SetLeaveObserver([this] {
    if (!inv_) return;
    QuietScope quiet(world_->Sched());
    inv_->OnStep();
  });
  if (s_.create_crash_events) {
    Op crash{OpKind::kCrash};
    crash.a = s_.create_crash_events;
    crash.text = s_.create_crash_policy;
    ArmCrash(crash);
  }
  Boot();
  r.ops_start_event = world_->Log().Count();
  if (o_.crash_point_probe) {
    world_->Sched().SetStopProbe([this, last = r.ops_start_event]() mutable {
      uint64_t now = world_->Log().Count();
      if (now == last || !oracle_) return;
      uint64_t from = last;
      last = now;
      // A crash armed at the first operation adds its note: the crash
      // landing here is the one after events [from, now) of this run.
      o_.crash_point_probe(world_->Log().Events(), from, now,
                           [this] { return CrashStateKey(true); });
    });
  }
  for (const Op& op : s_.ops) {
    // A crash in the delay finds this operation still to come; one inside
    // it cuts it short.
    next_op_ = &op - s_.ops.data();
    if (Stopped()) break;
    crashed_in_op_ = false;
    if (op.delay) RunWorld(nullptr, world_->Clock().Now() + op.delay);
    if (Stopped()) break;
    next_op_++;
    crashed_in_op_ = false;
    if (probe_) probe_->OnOp(&op - s_.ops.data(), op);
    Execute(op);
  }
  crashed_in_op_ = false;
  r.ops_end_event = world_->Log().Count();
  if (!Stopped()) FireArmedCrash();
  if (o_.final_settle) Shutdown();
  if (probe_) probe_->Finish();
  r.failures = failures_;
  r.hash = world_->Log().Hash();
  r.events = world_->Log().Count();
  r.virtual_time = world_->Clock().Now();
  r.notes = notes_;
  r.transitions = inv_->TransitionsSeen();
  r.coverage_cells = inv_->Coverage().Covered();
  r.coverage = inv_->Coverage().Render();
  r.coverage_matrix = inv_->Matrix();
  r.crashes = crashes_;
  CountAllocFailures();
  r.reach = reach_;
  r.resyncs_verified = resyncs_verified_;
  r.recoveries_verified = recoveries_verified_;
  if (const auto* rec = world_->Sched().GetStrategy().Recorded()) {
    r.schedule = *rec;
    r.schedule_recorded = true;
  }
  if (kshim_) dmesg_.insert(dmesg_.end(), kshim_->Dmesg().begin(), kshim_->Dmesg().end());
  r.dmesg = dmesg_;
  if (o_.keep_events) r.event_list = world_->Log().Events();
  // Tear down in order: fibers first (they hold pointers into the rest).
  world_->Sched().CancelAll();
  if (kshim_) kshim_->Reclaim();
  inv_->Detach();
  if (probe_) probe_->Detach();
  world_->SetMediaObserver(nullptr);
  array_.reset();
  retired_.clear();
  kshim_.reset();
  return r;
}

}  // namespace

RunResult RunScenario(const Scenario& s, const RunOptions& opts) {
  ScenarioRun run(s, opts);
  return run.Run();
}

}  // namespace llsim
