// The write-path benchmarks: the core alone, and the core in the whole
// simulator, on the same seeded mix of writes (bench.h).
#include <algorithm>
#include <chrono>
#include <memory>

#include "absl/strings/str_cat.h"
#include "core/kshim/src/kshim.h"
#include "models/md/md_array.h"
#include "models/oracle/data_oracle.h"
#include "properties/bench_parts.h"
#include "properties/runner.h"
#include "sim/rng.h"
#include "sim/world.h"

namespace llsim {

namespace {

double Since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// md's side for the raw driver: metadata IO completes the moment it is
// issued, and nothing else happens (no md thread, no errors).
class InstantHost : public MdHost {
 public:
  const char* Name(mddev*) override { return "md0"; }
  void WakeupThread(md_thread*) override {}
  void Error(mddev*, md_rdev*) override {}
  bool SyncPageIo(md_rdev*, sector_t, int, page*, blk_opf_t, bool) override { return true; }
  void WriteMetadata(mddev*, md_rdev*, sector_t, int, page*, unsigned int) override {}
  int SuperWait(mddev*) override { return 0; }
  int IssueFlush(block_device*) override { return 0; }
};

// Runs fn on a fiber of `world` to completion; false if the world failed.
bool RunOnFiber(World& world, const std::string& name, std::function<void()> fn) {
  bool done = false;
  world.Sched().Spawn(name, [&] {
    fn();
    done = true;
  });
  RunStatus st = world.Sched().Run([&] { return done; });
  return st == RunStatus::kDone || done;
}

}  // namespace

ArrayConfig BenchArray(uint64_t member_sectors) {
  ArrayConfig a;
  a.mirrors = 2;
  a.logical_block_size = 512;
  a.dev_sectors = kGiBSectors;
  // The members hold md's metadata (the first MiB), then the array, then
  // room to grow (mdadm --size): members of member_sectors (1 GiB: plus
  // the metadata).
  a.max_dev_sectors = std::max(a.dev_sectors, member_sectors - 2048);
  a.bitmap_space = 256;
  a.daemon_sleep = 5;
  a.assume_clean = true;
  a.spares = 0;
  return a;
}

std::vector<BenchWrite> MakeWriteMix(uint64_t seed, int writes, uint64_t dev_sectors) {
  Rng rng = Rng::Stream(seed, "bench.writes");
  std::vector<BenchWrite> mix;
  int burst_left = 0;
  for (int i = 0; i < writes; i++) {
    if (burst_left == 0) burst_left = (int)rng.Between(1, 8);
    uint32_t sectors = 8 * (uint32_t)rng.Between(1, 16);  // 4..64 KiB
    uint64_t sector = rng.Below((dev_sectors - sectors) / 8 + 1) * 8;
    mix.push_back({sector, sectors, --burst_left == 0 || i + 1 == writes});
  }
  return mix;
}

void AppendWrites(const std::vector<BenchWrite>& mix, bool last_wait, std::vector<Op>* ops) {
  for (size_t i = 0; i < mix.size(); i++) {
    Op w;
    w.kind = OpKind::kWrite;
    w.a = mix[i].sector;
    w.b = mix[i].sectors;
    ops->push_back(w);
    if (mix[i].ends_burst && (last_wait || i + 1 < mix.size())) ops->push_back(Op{OpKind::kWait});
  }
}

namespace {

// One pass of the mix over a freshly assembled array, so every pass dirties
// fresh chunks as the simulated writes do; only the writes are timed.
bool RawPass(const std::vector<BenchWrite>& mix, Rate* out) {
  ArrayConfig cfg = BenchArray(kGiBSectors);
  WorldConfig wc;
  wc.strategy = "fifo";  // one driver: nothing to interleave
  wc.keep_events = 0;
  auto world = World::Create(wc);
  if (!world.ok() || !CreateArrayDisks(**world, cfg).ok()) {
    out->problem = "could not set up the array";
    return false;
  }
  World& w = **world;
  auto kshim = std::make_unique<Kshim>(w);
  DataOracle oracle(cfg.dev_sectors);
  int rc = -1;
  RunOnFiber(w, "modprobe", [&] { rc = md_llbitmap_init(); });
  const bitmap_operations* ops = kshim->BitmapOps();
  if (rc || !ops) {
    out->problem = "the core did not load";
    return false;
  }
  auto array = std::make_unique<MdArray>(w, *kshim, cfg, &oracle);
  absl::Status st;
  RunOnFiber(w, "mdadm --assemble", [&] { st = array->Assemble(); });
  if (!st.ok() || !array->BitmapEnabled()) {
    out->problem = absl::StrCat("assemble failed: ", st.message());
    return false;
  }
  InstantHost host;
  kshim->SetMdHost(&host);
  mddev* md = array->Mddev();
  auto start = std::chrono::steady_clock::now();
  RunOnFiber(w, "writer", [&] {
    // As md_bitmap_start, raid1's unplug and md_bitmap_end call them.
    for (const BenchWrite& b : mix) {
      sector_t off = b.sector;
      unsigned long len = b.sectors;
      if (ops->prepare_range) {
#if LLSIM_PREPARE_RANGE_DISCARD
        ops->prepare_range(md, &off, &len, false);
#else
        ops->prepare_range(md, &off, &len);
#endif
      }
      ops->start_write(md, off, len);
      ops->unplug(md, true);
      ops->end_write(md, off, len);
    }
  });
  out->seconds += Since(start);
  out->count += mix.size();
  bool ok = !w.Sched().Failed();
  if (!ok) out->problem = absl::StrCat("the core failed: ", w.Sched().Failures()[0].message);
  kshim->SetMdHost(array.get());
  // Torn down as a crash does: fibers first, then the core's memory.
  w.Sched().CancelAll();
  kshim->Reclaim();
  array.reset();
  kshim.reset();
  return ok;
}

}  // namespace

Rate RawCoreWrites(const std::vector<BenchWrite>& mix, double seconds) {
  Rate out;
  while (out.count == 0 || out.seconds < seconds)
    if (!RawPass(mix, &out)) break;
  out.per_s = out.seconds > 0 ? out.count / out.seconds : 0;
  return out;
}

Rate SimWrites(const std::vector<BenchWrite>& mix, uint64_t seed, double seconds) {
  Rate out;
  // Whole runs (array set up, the writes, the last wait) until `seconds`:
  // one run of the mix is tens of milliseconds, too short to time alone.
  while (out.count == 0 || out.seconds < seconds) {
    Scenario s;
    s.seed = seed;
    s.array = BenchArray(kGiBSectors);
    AppendWrites(mix, /*last_wait=*/true, &s.ops);
    RunOptions o;
    o.final_settle = false;  // the write path, not the checks at the end
    auto start = std::chrono::steady_clock::now();
    RunResult r = RunScenario(s, o);
    out.seconds += Since(start);
    out.count += mix.size();
    if (r.Failed()) {
      out.problem = r.First()->ToString();
      break;
    }
  }
  out.per_s = out.count / out.seconds;
  return out;
}

Rate CrashCycles(uint64_t member_sectors, int cycles_per_run, int writes, double seconds,
                 uint64_t seed) {
  Rate out;
  auto start = std::chrono::steady_clock::now();
  for (uint64_t run = 0; run == 0 || Since(start) < seconds; run++) {
    Scenario s;
    s.seed = seed + run;
    s.array = BenchArray(member_sectors);
    // From a settled array: a crash right after creation would lose the
    // freshly formatted bitmap, and md then resyncs everything.
    s.ops.push_back(Op{OpKind::kSettle});
    for (int c = 0; c < cycles_per_run; c++) {
      // The writes, the last burst still in flight when the power goes.
      AppendWrites(MakeWriteMix(s.seed * 1000 + c, writes, s.array.dev_sectors), false, &s.ops);
      Op crash{OpKind::kCrash};
      crash.text = "random";
      crash.delay = 200 * 1000;  // the burst is under way (latency 20-400 us)
      s.ops.push_back(crash);
      s.ops.push_back(Op{OpKind::kAssemble});
      s.ops.push_back(Op{OpKind::kSettle});  // resync, then the checks
    }
    RunResult r = RunScenario(s);
    if (r.Failed() && out.problem.empty()) out.problem = r.First()->ToString();
    if (r.resyncs_verified < (uint64_t)cycles_per_run && out.problem.empty())
      out.problem = absl::StrCat(r.resyncs_verified, " of ", cycles_per_run,
                                 " resyncs verified in one run");
    out.count += std::min<uint64_t>(r.resyncs_verified, cycles_per_run);
    out.sync_requests += r.reach.hooks[(int)BitmapOp::kStartSync];
  }
  out.seconds = Since(start);
  out.per_s = out.count / out.seconds;
  return out;
}

}  // namespace llsim
