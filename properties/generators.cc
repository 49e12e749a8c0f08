// Scenario generators; see generators.h.
#include "properties/generators.h"

#include <algorithm>

#include "models/md/raid10_geo.h"

namespace llsim {

namespace {

// RapidCheck scales inRange by the generation size, and the op list is
// generated at size max_ops: unscaled, writes would only reach the first
// quarter of the array and delays a quarter of their range. Sizes are
// fixed here so every value in [lo, hi) is reachable; shrinking still
// moves towards lo.
template <typename T>
T Uniform(T lo, T hi) {
  return *rc::gen::resize(100, rc::gen::inRange<T>(lo, hi));
}

struct Features {
  bool crash, fail, readd, spare, resize, discard, stopstart, freeze, ioerror, flush, slow;
  bool readerror = false;
  bool metaerror = false;
  bool sysfs = false, check = false;
};

// How long member IO takes, per case: fast, slow enough that a resync
// spans several daemon periods (checkpoints), or with rare stalls longer
// than the daemon's waits.
void PickLatency(Scenario& s) {
  switch (*rc::gen::weightedElement<int>({{4, 0}, {3, 1}, {2, 2}, {2, 3}})) {
    case 0: break;
    case 3:
      // Completions as fast as the CPUs: they interleave with the very
      // code that submitted them.
      s.latency_min_us = 0;
      s.latency_max_us = *rc::gen::elementOf(std::vector<uint32_t>{0, 5, 50});
      break;
    case 1:
      s.latency_min_us = 2000;
      s.latency_max_us = *rc::gen::elementOf(std::vector<uint32_t>{20000, 60000});
      break;
    case 2:
      s.stall_ppm = *rc::gen::elementOf(std::vector<uint32_t>{5000, 20000});
      s.stall_ms = *rc::gen::elementOf(std::vector<uint32_t>{8000, 40000});
      break;
  }
}

// A sysfs write an administrator (or a script) makes while the array runs:
// the bitmap's tunables, mostly valid values and some a store must refuse,
// and md's bitmap_set_bits over chunks the array has (`chunk`: the
// smallest chunk size a core may pick, so a range may run past the end).
std::string SysfsWrite(const ArrayConfig& a, uint64_t chunk) {
  // raid4/5/6: half of them ask for a proactive sync of every Unwritten
  // chunk (md/llbitmap/proactive_sync), the lazy initial sync's knob.
  if (a.Parity() && *rc::gen::arbitrary<bool>()) return "proactive_sync 1";
  uint64_t chunks = std::max<uint64_t>((a.dev_sectors + chunk - 1) / chunk, 1);
  switch (*rc::gen::weightedElement<int>({{3, 0}, {2, 1}, {3, 2}})) {
    case 0:
      // 0 and 2^32 are numbers the attribute takes but a bitmap superblock
      // cannot hold (FINDINGS.md F15).
      return "daemon_sleep " + *rc::gen::weightedElement<std::string>(
                                   {{3, "1"}, {3, "2"}, {3, "5"}, {1, "30"}, {1, "abc"},
                                    {1, "-1"}, {1, "18446744073709551616"}, {1, "0"},
                                    {1, "4294967296"}});
    case 1:
      return "barrier_idle " + *rc::gen::weightedElement<std::string>(
                                   {{2, "0"}, {3, "1"}, {3, "5"}, {1, "10"}, {1, "x"},
                                    {1, "18446744073709551616"}});
    default: {
      // md's bitmap_store checks no range: some ranges start near the end
      // and run past the last chunk, some start past it.
      uint64_t c = *rc::gen::weightedElement<int>({{3, 0}, {1, 1}}) == 0
                       ? Uniform<uint64_t>(0, chunks)
                       : chunks - std::min<uint64_t>(chunks, 8) + Uniform<uint64_t>(0, 16);
      uint64_t d = c + Uniform<uint64_t>(0, 16);
      uint64_t e = Uniform<uint64_t>(0, chunks + 8);
      switch (*rc::gen::weightedElement<int>({{4, 0}, {4, 1}, {2, 2}, {1, 3}})) {
        case 0: return "bitmap_set_bits " + std::to_string(c);
        case 1: return "bitmap_set_bits " + std::to_string(c) + "-" + std::to_string(d);
        case 2:
          return "bitmap_set_bits " + std::to_string(c) + "-" + std::to_string(d) + "," +
                 std::to_string(e);
        default:  // md's parser stops at what it cannot read
          return "bitmap_set_bits " + std::to_string(c) + *rc::gen::element<std::string>("x", "-");
      }
    }
  }
}

// Which kinds of operation a profile leans on (see GenOptions::profile).
struct Leaning {
  bool resize = false, resync = false, recovery = false;
};

Leaning LeaningOf(const std::string& profile) {
  return {profile == "resize", profile == "resync", profile == "recovery"};
}

rc::Gen<Op> GenOp(const ArrayConfig& a, const Features& f, bool alloc, Leaning lean) {
  return rc::gen::exec([a, f, alloc, lean] {
    uint64_t bs = a.logical_block_size / 512;
    uint64_t chunk = 128;  // smallest chunk the design picks
    while ((a.dev_sectors + chunk - 1) / chunk > ((uint64_t)a.bitmap_space << 9) - 1024) chunk <<= 1;
    // Half the IO lands on a few hot chunks, so writes meet in blocks;
    // some lands where only a grown array reaches (skipped while the array
    // is smaller).
    uint64_t max = a.max_dev_sectors ? a.max_dev_sectors : a.dev_sectors;
    // A second hot spot sits in the next io block of the same bitmap page
    // (chunk bytes start 1024 bytes in; a block is one logical block), so
    // writes there and to the first one share a page but not a block.
    uint64_t hot2 = (uint64_t)a.logical_block_size * chunk;
    bool has_hot2 = a.logical_block_size < 4096 && hot2 + 8 * chunk <= a.dev_sectors;
    auto sector = [&] {
      uint64_t s;
      switch (*rc::gen::weightedElement<int>({{5, 0}, {4, 1}, {f.resize && max > a.dev_sectors ? (lean.resize ? 6 : 2) : 0, 2}, {has_hot2 ? 3 : 0, 3}})) {
        case 0: s = Uniform<uint64_t>(0, std::min<uint64_t>(8 * chunk, a.dev_sectors)); break;
        case 1: s = Uniform<uint64_t>(0, a.dev_sectors); break;
        case 3: s = Uniform<uint64_t>(hot2, hot2 + 8 * chunk); break;
        default: s = Uniform<uint64_t>(a.dev_sectors, max); break;
      }
      return s / bs * bs;
    };
    // Now and then a bulk write over many chunks (a dd, a mkfs): a crash
    // in its middle leaves enough to resync that the resync outlasts a
    // daemon period and takes checkpoints.
    uint64_t bulk = std::max<uint64_t>(std::min<uint64_t>(64 * chunk, a.dev_sectors / 2), bs);
    auto length = [&] {
      return *rc::gen::weightedElement<uint64_t>(
          {{4, bs}, {4, 8}, {4, 64}, {4, chunk}, {4, 2 * chunk + 8}, {lean.resync ? 4 : 1, bulk}});
    };
    Op op;
    int kind = *rc::gen::weightedElement<int>({
        {40, 0},                        // write
        {f.discard ? 6 : 0, 1},         // discard
        {4, 2},                         // read
        {f.flush ? 5 : 0, 3},           // flush
        {6, 4},                         // wait
        {6, 5},                         // advance
        {f.fail ? (lean.recovery ? 8 : 3) : 0, 6},  // fail
        {f.ioerror ? 2 : 0, 7},         // ioerror
        {f.fail ? 2 : 0, 17},           // diskfail
        {f.readd ? (lean.recovery ? 8 : 3) : 0, 8},  // readd
        {f.spare ? (lean.recovery ? 6 : 2) : 0, 9},  // addspare
        {f.resize ? (lean.resize ? 8 : 3) : 0, 10},  // resize
        {f.stopstart ? 2 : 0, 11},      // stop + assemble
        {f.crash ? 5 : 0, 12},          // crash (+ assemble)
        {f.freeze ? 2 : 0, 13},         // freeze
        {f.freeze ? 2 : 0, 14},         // unfreeze
        {lean.recovery ? 8 : 3, 15},    // settle
        {alloc ? 1 : 0, 16},            // allocfail
        {f.readerror ? 3 : 0, 18},      // readerror (+ a read of it)
        {f.metaerror ? 2 : 0, 19},      // metaerror
        {f.sysfs ? 4 : 0, 20},          // sysfs write
        {f.check ? (lean.resync ? 6 : 2) : 0, 21},  // check
        {f.check ? (lean.resync ? 6 : 2) : 0, 22},  // repair
        {f.metaerror ? 1 : 0, 23},      // sbcorrupt (stop, damage, assemble)
    });
    switch (kind) {
      case 0:
        op.kind = OpKind::kWrite;
        op.a = sector();
        op.b = length();
        op.fua = *rc::gen::weightedElement<bool>({{9, false}, {1, true}});
        break;
      case 1: op.kind = OpKind::kDiscard; op.a = sector(); op.b = length() * 2; break;
      case 2: op.kind = OpKind::kRead; op.a = sector(); op.b = length(); break;
      case 3: op.kind = OpKind::kFlush; break;
      case 4: op.kind = OpKind::kWait; break;
      case 5: op.kind = OpKind::kAdvance; op.a = *rc::gen::elementOf(std::vector<uint64_t>{1, 50, 1000, 6000, 40000}); break;
      case 6: op.kind = OpKind::kFail; op.a = Uniform(0, a.mirrors); break;
      case 7:
        op.kind = OpKind::kIoError;
        op.a = Uniform(0, a.mirrors);
        op.b = sector();
        op.c = length();
        break;
      case 19:
        op.kind = OpKind::kMetaError;
        op.a = Uniform(0, a.mirrors);
        // 3 (every member's next bitmap read fails) one time in ten.
        op.b = *rc::gen::weightedElement<uint64_t>({{3, 0}, {3, 1}, {3, 2}, {1, 3}});
        break;
      case 8: op.kind = OpKind::kReAdd; op.a = Uniform(0, a.mirrors); break;
      case 9: op.kind = OpKind::kAddSpare; break;
      case 10: {
        op.kind = OpKind::kResize;
        // Half the time all the way: a grow that needs new bitmap pages.
        if (*rc::gen::arbitrary<bool>()) {
          op.a = max;
        } else {
          op.a = Uniform<uint64_t>(a.dev_sectors / 2, max + 1) / bs * bs;
          op.a = std::max(op.a, bs);
        }
        break;
      }
      case 11: op.kind = *rc::gen::element(OpKind::kStop, OpKind::kAssemble); break;
      case 12:
        op.kind = OpKind::kCrash;
        op.text = *rc::gen::elementOf(std::vector<std::string>{"random", "random:50:30", "drop", "keep",
                                                     "random:20:0", "random:80:50"});
        // Half the crashes are armed: they land some events or some time
        // later, inside whatever operation runs then (a resize, a stop, an
        // assembly, a resync, a daemon pass, an unplug).
        switch (*rc::gen::weightedElement<int>({{2, 0}, {1, 1}, {1, 2}})) {
          case 0: break;
          case 1: op.a = Uniform<uint64_t>(1, 3000); break;
          default: op.b = Uniform<uint64_t>(1, 200000); break;
        }
        break;
      case 13: op.kind = OpKind::kFreeze; break;
      case 14: op.kind = OpKind::kUnfreeze; break;
      case 15: op.kind = OpKind::kSettle; break;
      case 17: op.kind = OpKind::kDiskFail; op.a = Uniform(0, a.mirrors); break;
      case 18:
        op.kind = OpKind::kReadError;
        op.a = Uniform(0, a.mirrors);
        op.b = sector();
        // Latent sector errors are a few blocks, not megabytes: md fixes a
        // read error a page at a time, three IOs a page.
        op.c = std::min<uint64_t>(length(), 64);
        break;
      case 20: op.kind = OpKind::kSysfs; op.text = SysfsWrite(a, chunk); break;
      case 21: op.kind = OpKind::kCheck; break;
      case 22: op.kind = OpKind::kRepair; break;
      case 23:
        op.kind = OpKind::kSbCorrupt;
        op.a = Uniform(0, a.mirrors);
        op.b = Uniform(0, 6);
        break;
      default: op.kind = OpKind::kAllocFail; op.a = *rc::gen::elementOf(std::vector<uint64_t>{0, 2000, 20000}); break;
    }
    // Mostly back to back (so operations overlap), sometimes long gaps
    // (so the daemon, timers and resync run in between).
    op.delay = *rc::gen::weightedElement<Nanos>({
        {6, 0},
        {6, Uniform<Nanos>(1, 2000) * 1000},
        {f.slow ? 3 : 1, Uniform<Nanos>(1, 8000) * kNsPerMs},
    });
    // A stop now and then one daemon period after the last operation, give
    // or take a few jiffies: it lands on the daemon's pass (and its timer),
    // so destroy meets them in flight.
    if (op.kind == OpKind::kStop && *rc::gen::weightedElement<bool>({{2, false}, {1, true}}))
      op.delay = (Nanos)a.daemon_sleep * kNsPerSec + Uniform<Nanos>(0, 12000) * 1000;
    return op;
  });
}

// The "race" profile: bursts of writes that each dirty a fresh chunk, in
// different io blocks of the same bitmap page, on fast disks, so writers,
// their unplug writebacks and completions keep meeting inside each other's
// critical sections; now and then a daemon pass, a discard or a crash.
rc::Gen<Op> GenRaceOp(const ArrayConfig& a) {
  return rc::gen::exec([a] {
    uint64_t chunk = 128;
    uint64_t page_chunks = std::min<uint64_t>(4096 - 1024, a.dev_sectors / chunk);
    Op op;
    switch (*rc::gen::weightedElement<int>({{24, 0}, {6, 1}, {2, 2}, {1, 3}, {1, 4}})) {
      case 0:
        op.kind = OpKind::kWrite;
        op.a = Uniform<uint64_t>(0, page_chunks) * chunk;
        op.b = *rc::gen::element<uint64_t>(8, chunk);
        break;
      case 1: op.kind = OpKind::kWait; break;
      case 2: op.kind = OpKind::kAdvance; op.a = *rc::gen::element<uint64_t>(1, 6000); break;
      case 3:
        op.kind = OpKind::kDiscard;
        op.a = Uniform<uint64_t>(0, page_chunks) * chunk;
        op.b = 2 * chunk;
        break;
      default:
        op.kind = OpKind::kCrash;
        op.text = "random";
        op.a = Uniform<uint64_t>(1, 2000);
        break;
    }
    return op;
  });
}

// Allocation failures, in every profile: one case in four fails the core's
// allocations at 0.2%, 2% or 10% (per boot; a boot makes a few dozen). The
// rate is a function of the case's seed, drawn from no generator stream,
// so every other choice of every case stays what it was without it.
// Latent read errors, like allocation failures, are switched on by a hash
// of the case's seed (one case in four), so the cases without them are
// exactly what they were before the feature existed.
uint64_t FeatureHash(uint64_t seed) {
  uint64_t h = (seed ^ 0x5bd1e995u) * 0x9e3779b97f4a7c15ull;
  return h ^ (h >> 29);
}
bool ReadErrors(uint64_t seed) { return FeatureHash(seed) % 4 == 1; }
// Metadata IO errors: one case in five, by the same kind of hash. (Left
// out for a while: the soak failures they brought were the model's and the
// harness's, see traces/corpus/last-member-superblock-write-fails.trace and
// metadata-v1-0-bitmap-read-error-*.trace.)
bool MetaErrors(uint64_t seed) { return FeatureHash(seed) / 4 % 5 == 2; }
bool FailFast(uint64_t seed) { return MetaErrors(seed) && FeatureHash(seed) / 32 % 2; }
// A bad-block log on the members: half the cases (it matters only where
// write or read errors are generated).
bool BadBlocks(uint64_t seed) { return FeatureHash(seed) / 64 % 2; }

uint32_t AllocFailPpm(uint64_t seed) {
  uint64_t h = seed + 0x9e3779b97f4a7c15ull;  // splitmix64
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
  h ^= h >> 31;
  if (h % 4) return 0;
  static constexpr uint32_t kRates[] = {2000, 20000, 100000};
  return kRates[(h >> 8) % 3];
}

// The md metadata version of a case, from a hash of its seed like the
// allocation-failure rate, so that no other choice of any case moves: one
// case in eight is 1.0 (bitmap before a superblock at the end of the
// member), one in eight 1.1, the rest 1.2 as mdadm creates llbitmap arrays.
int MetadataMinor(uint64_t seed) {
  uint64_t h = seed * 0xd6e8feb86659fd93ull + 0x2545f4914f6cdd1dull;
  h = (h ^ (h >> 32)) * 0xd6e8feb86659fd93ull;
  h ^= h >> 29;
  switch (h % 8) {
    case 0: return 0;
    case 1: return 1;
    default: return 2;
  }
}

// On half the 1.0 cases, the spares are bigger than the mirrors (by a
// hash of the seed, as above), so their superblock and bitmap sit at other
// sectors: the one member geometry difference md tolerates that moves the
// bitmap (on 1.1/1.2 the bitmap hangs off a fixed superblock).
uint64_t SpareExtraSectors(uint64_t seed, int metadata_minor) {
  if (metadata_minor != 0) return 0;
  uint64_t h = (seed ^ 0x5bd1e9955bd1e995ull) * 0x9e3779b97f4a7c15ull;
  h ^= h >> 31;
  static constexpr uint64_t kExtra[] = {0, 0, 0, 8, 2048, 65536};
  return kExtra[(h >> 7) % 6];
}

// What only the raid1 model has (write-mostly, bad-block logs, read-error
// fixing, resize) off, for the other levels.
void DropRaid1OnlyFeatures(ArrayConfig* a, Features* f) {
  a->write_mostly = 0;
  a->write_behind = 0;
  a->slow_write_mostly = 1;
  a->badblocks = false;
  f->readerror = false;
  f->resize = false;
}

// raid10 in place of raid1 (GenOptions::level), chosen by a hash of the
// seed so that every other draw of the case stays its raid1 twin's: 2 to 5
// disks, near copies mostly (mdadm's default), offset and far now and then,
// 3 copies on some arrays of 3 or more, chunks of 8 KiB to 512 KiB (a
// bitmap chunk then spans several raid chunks, or the reverse). Features
// the raid10 model does not have yet are off: read errors (no
// fix_read_error), bad-block logs, write-mostly; and resize on far layouts,
// which md refuses. A near or offset case that resizes gets members with
// room to double.
void MakeRaid10(uint64_t seed, bool slow_disks, ArrayConfig* a, Features* f) {
  uint64_t h = FeatureHash(seed * 31 + 10);
  static constexpr int kDisks[] = {2, 3, 4, 4, 5};
  static constexpr uint32_t kChunk[] = {16, 128, 1024};
  a->level = 10;
  a->mirrors = kDisks[h % 5];
  int copies = a->mirrors >= 3 && (h >> 16) % 4 == 0 ? 3 : 2;
  int kind = (int)((h >> 8) % 20);
  a->near_copies = kind < 12 ? copies : 1;
  a->far_copies = kind < 12 ? 1 : copies;
  a->far_offset = kind >= 12 && kind < 17;
  a->chunk_sectors = kChunk[(h >> 24) % 3];
  // A bulk write is split at every chunk end and each piece takes turns
  // with the resync at the barrier: on disks of milliseconds per IO, 8 KiB
  // chunks make a 32 MiB write outlast the hung-task limit (md's cost).
  if (slow_disks && a->chunk_sectors < 128) a->chunk_sectors = 128;
  // A check or repair syncs the whole array one chunk at a time: on a
  // 1 GiB raid10 of 8 KiB chunks that is 131,072 requests, past the run's
  // event budget (a livelock report of md's cost, not the bitmap's).
  if (f->check && a->dev_sectors > 262144 && a->chunk_sectors < 128) a->chunk_sectors = 128;
  uint64_t unit = (uint64_t)a->chunk_sectors * a->far_copies;
  bool resize = f->resize && (a->far_copies == 1 || a->far_offset);
  if (resize) a->dev_sectors = std::min<uint64_t>(a->dev_sectors, 32768);
  a->dev_sectors = std::max<uint64_t>(a->dev_sectors / unit * unit, 4 * unit);
  a->max_dev_sectors = resize ? std::min<uint64_t>(2 * a->dev_sectors, 65536) / unit * unit
                              : a->dev_sectors;
  DropRaid1OnlyFeatures(a, f);
  f->resize = resize;  // raid10_resize is modelled (near and offset)
}

// raid4, raid5 or raid6 in place of raid1, again by a hash of the seed:
// 3 to 5 disks (4 to 6 for raid6), mdadm's default layout mostly, chunks of
// 8 KiB to 512 KiB, members of at most 32 MiB (a parity sync handles one
// 4 KiB stripe at a time). Off as on raid10: replace, read errors,
// bad-block logs, write-mostly; and assume-clean, which on members that
// were never zeroed claims parity md never computed.
void MakeParity(uint64_t seed, int level, bool slow_disks, ArrayConfig* a, Features* f) {
  uint64_t h = FeatureHash(seed * 31 + 45);
  a->level = level;
  a->mirrors = (level == 6 ? 4 : 3) + (int)(h % 3);
  static constexpr Raid5Algo kAlgos[] = {
      Raid5Algo::kLeftSymmetric,  Raid5Algo::kLeftSymmetric,  Raid5Algo::kLeftSymmetric,
      Raid5Algo::kLeftSymmetric,  Raid5Algo::kLeftAsymmetric, Raid5Algo::kRightSymmetric,
      Raid5Algo::kRightAsymmetric, Raid5Algo::kParityFirst,   Raid5Algo::kParityLast};
  a->raid5_algo = level == 4 ? Raid5Algo::kParityLast : kAlgos[(h >> 8) % 9];
  static constexpr uint32_t kChunk[] = {16, 128, 1024};
  a->chunk_sectors = kChunk[(h >> 24) % 3];
  if (slow_disks && a->chunk_sectors < 128) a->chunk_sectors = 128;
  // A case that resizes gets members with room to double (at most 32 MiB
  // each, as ever); the others keep their size.
  bool resize = f->resize;
  uint64_t size = std::min<uint64_t>(a->dev_sectors, resize ? 32768 : 65536);
  a->dev_sectors = std::max<uint64_t>(size / a->chunk_sectors * a->chunk_sectors,
                                      4 * a->chunk_sectors);
  a->max_dev_sectors = resize ? std::min<uint64_t>(2 * a->dev_sectors, 65536) : a->dev_sectors;
  a->max_dev_sectors -= a->max_dev_sectors % a->chunk_sectors;
  a->assume_clean = false;
  // Half the arrays sit on disks that zero by unmapping, where llbitmap
  // zeroes the members at creation instead of a first sync.
  a->write_zeroes = (h >> 40) & 1;
  DropRaid1OnlyFeatures(a, f);
  f->resize = resize;  // raid5_resize is modelled
}

// What the operations address: the array, which on raid10 and raid4/5/6
// is not the members' size, and up to what it may grow to.
ArrayConfig IoView(const ArrayConfig& a) {
  ArrayConfig v = a;
  if (a.level != 1) v.dev_sectors = v.max_dev_sectors = ArraySectors(a);
  if (a.level != 1 && a.max_dev_sectors > a.dev_sectors) {
    // Room to grow: the array as big as the members may become.
    ArrayConfig grown = a;
    grown.dev_sectors = a.max_dev_sectors;
    v.max_dev_sectors = ArraySectors(grown);
  }
  return v;
}

// The level of a case: the one asked for, or for "mix" (the CLI's default)
// raid10 on a quarter of the cases (the same ones as before parity levels)
// and of the rest raid5/raid6/raid4 on 3/16, 1/8 and 1/16.
int PickLevel(const GenOptions& opts, uint64_t seed) {
  if (opts.level != 0) return opts.level;
  if (FeatureHash(seed * 31 + 11) % 4 == 0) return 10;
  static constexpr int kOthers[] = {1, 1, 1, 1, 1, 1, 1, 5, 5, 5, 6, 6, 4, 1, 1, 1};
  return kOthers[FeatureHash(seed * 31 + 12) % 16];
}

void MakeLevel(int level, uint64_t seed, bool slow_disks, ArrayConfig* a, Features* f) {
  if (level == 10) MakeRaid10(seed, slow_disks, a, f);
  if (level == 4 || level == 5 || level == 6) MakeParity(seed, level, slow_disks, a, f);
}

}  // namespace

static rc::Gen<Scenario> GenRaceScenario(const GenOptions& opts) {
  return rc::gen::exec([opts] {
    Scenario s;
    s.seed = Uniform<uint64_t>(1, 1u << 30);
    s.alloc_fail_ppm = AllocFailPpm(s.seed);
    s.hz = *rc::gen::element(250u, 1000u);
    s.strategy = opts.strategy.empty() ? *rc::gen::weightedElement<std::string>(
                                             {{3, "random"}, {1, "pct"}})
                                       : opts.strategy;
    s.disk_order = opts.disk_order;
    s.latency_min_us = 0;
    s.latency_max_us = *rc::gen::element<uint32_t>(5, 50, 400);
    ArrayConfig& a = s.array;
    a.mirrors = *rc::gen::element(2, 3);
    a.logical_block_size = 512;
    a.dev_sectors = 393216;  // 3072 chunks of 128 sectors: one page, six io blocks
    a.max_dev_sectors = a.dev_sectors;
    a.bitmap_space = 16;
    a.metadata_minor = MetadataMinor(s.seed);
    a.events_rollback = true;  // md's events, as md_update_sb keeps them
    a.md_list_order = true;    // md's rdev list order
    a.spare_extra_sectors = SpareExtraSectors(s.seed, a.metadata_minor);
    a.daemon_sleep = *rc::gen::element(1u, 5u);
    a.assume_clean = *rc::gen::arbitrary<bool>();
    a.spares = 1;
    if (int level = PickLevel(opts, s.seed); level != 1) {
      Features unused{};
      MakeLevel(level, s.seed, false, &a, &unused);
    }
    std::vector<Op> ops =
        *rc::gen::resize(opts.max_ops, rc::gen::container<std::vector<Op>>(GenRaceOp(IoView(a))));
    // Bursts: back to back, so the writes overlap. An armed crash lands a
    // few events later, inside them; the reboot comes two ops on.
    int reboot_in = -1;
    for (Op& op : ops) {
      op.delay = 0;
      s.ops.push_back(op);
      if (reboot_in > 0 && --reboot_in == 0) s.ops.push_back(Op{OpKind::kAssemble});
      if (op.kind == OpKind::kCrash && reboot_in < 0) reboot_in = 2;
    }
    if (reboot_in > 0) s.ops.push_back(Op{OpKind::kAssemble});
    return s;
  });
}

bool ValidProfile(const std::string& p) {
  return p == "swarm" || p == "resize" || p == "resync" || p == "recovery" || p == "race";
}

rc::Gen<Scenario> GenScenario(const GenOptions& opts) {
  if (opts.profile == "race") return GenRaceScenario(opts);
  return rc::gen::exec([opts] {
    Scenario s;
    s.seed = Uniform<uint64_t>(1, 1u << 30);
    s.alloc_fail_ppm = AllocFailPpm(s.seed);
    s.hz = *rc::gen::element(250u, 100u, 1000u);
    s.strategy = opts.strategy.empty()
                     ? *rc::gen::elementOf(std::vector<std::string>{"random", "pct", "fifo"})
                     : opts.strategy;
    s.disk_order = opts.disk_order;
    Leaning lean = LeaningOf(opts.profile);
    bool resize = lean.resize, resync = lean.resync;
    PickLatency(s);
    if (resync && *rc::gen::arbitrary<bool>()) {
      s.latency_min_us = 2000;
      s.latency_max_us = 20000;
    }
    ArrayConfig& a = s.array;
    a.mirrors = *rc::gen::weightedElement<int>({{6, 2}, {3, 3}, {1, 4}});
    a.logical_block_size = *rc::gen::weightedElement<uint32_t>({{3, 512}, {1, 4096}});
    a.dev_sectors = *rc::gen::elementOf(std::vector<uint64_t>{4096, 16384, 65536, 262144});
    a.max_dev_sectors = 2 * a.dev_sectors;
    a.bitmap_space = *rc::gen::elementOf(std::vector<uint32_t>{256, 8, 16, 64});
    // Now and then a large array with little bitmap space: chunks bigger
    // than raid1's 64 KiB sync IO, so a resync can stop or checkpoint in
    // the middle of one.
    if (*rc::gen::weightedElement<int>({{resync ? 1 : 7, 0}, {1, 1}})) {
      a.dev_sectors = 1048576;
      a.max_dev_sectors = a.dev_sectors;
      a.bitmap_space = 8;
    } else if (resize && *rc::gen::arbitrary<bool>()) {
      // Growing to the maximum then needs a second bitmap page (which the
      // 16 reserved sectors hold).
      a.dev_sectors = 262144;
      a.max_dev_sectors = 2 * a.dev_sectors;
      a.bitmap_space = 16;
    }
    // One case in 16 runs on members of 1 to 16 TiB, chosen by its seed so
    // that no other case changes: a 512 MiB array at their start with room
    // to grow to their end, its bitmap 1 page of 256 KiB chunks or 2 of
    // 128 KiB ones. The chunk table reaches only a few GiB, so the core
    // refuses a grow past that. (Arrays of TiBs are out of reach: md syncs
    // 64 KiB per request, and a spare's recovery or a crash's resync of
    // every chunk in a written bitmap block would take millions.)
    if (s.seed % 16 == 0) {
      uint64_t member = (1ull << 31) << (s.seed / 16 % 5);  // 1, 2, 4, 8 or 16 TiB
      a.dev_sectors = 1ull << 20;
      a.bitmap_space = s.seed / 80 % 2 ? 16 : 8;
      a.max_dev_sectors = member - 2048;  // the md metadata takes the first MiB
    }
    a.metadata_minor = MetadataMinor(s.seed);
    a.events_rollback = true;  // md's events, as md_update_sb keeps them
    a.md_list_order = true;    // md's rdev list order
    a.spare_extra_sectors = SpareExtraSectors(s.seed, a.metadata_minor);
    a.daemon_sleep = *rc::gen::elementOf(std::vector<uint32_t>{5, 1, 2, 30});
    a.assume_clean = *rc::gen::weightedElement<bool>({{4, false}, {1, true}});
    a.spares = 1;
    // mdadm --write-mostly on one member (over a slower link), with or
    // without --write-behind.
    if (*rc::gen::weightedElement<bool>({{3, false}, {1, true}})) {
      a.write_mostly = 1u << Uniform(0, a.mirrors);
      a.write_behind = *rc::gen::element<uint32_t>(0, 256);
      // Its IO 1, 3 or 8 times slower: where behind writes and the daemon
      // meet.
      a.slow_write_mostly = *rc::gen::element<uint32_t>(1, 3, 8);
    }
    Features f;
    f.crash = resync || *rc::gen::arbitrary<bool>();
    f.fail = lean.recovery || *rc::gen::arbitrary<bool>();
    f.readd = lean.recovery || (f.fail && *rc::gen::arbitrary<bool>());
    f.spare = lean.recovery || (f.fail && *rc::gen::arbitrary<bool>());
    f.resize = resize || *rc::gen::weightedElement<bool>({{3, false}, {1, true}});
    f.discard = *rc::gen::arbitrary<bool>();
    f.stopstart = resync || *rc::gen::weightedElement<bool>({{3, false}, {1, true}});
    f.freeze = resync || *rc::gen::weightedElement<bool>({{3, false}, {1, true}});
    f.ioerror = f.fail && *rc::gen::weightedElement<bool>({{3, false}, {1, true}});
    f.flush = *rc::gen::arbitrary<bool>();
    f.slow = *rc::gen::arbitrary<bool>();
    // Not on disks that stall: fixing a read error freezes the array while
    // it reads and rewrites page by page, and a few stalls (tens of
    // seconds each) in that chain block every writer past the hung-task
    // limit, as they would on a real kernel: md's cost, not the bitmap's.
    f.readerror = ReadErrors(s.seed) && s.stall_ppm == 0;
    f.metaerror = MetaErrors(s.seed);
    a.failfast = FailFast(s.seed);
    a.badblocks = BadBlocks(s.seed);
    f.sysfs = *rc::gen::weightedElement<bool>({{3, false}, {1, true}});
    // sync_action check and repair (MD_RECOVERY_REQUESTED).
    f.check = *rc::gen::weightedElement<bool>({{resync ? 1 : 3, false}, {1, true}});
    if (int level = PickLevel(opts, s.seed); level != 1) {
      MakeLevel(level, s.seed, s.latency_max_us >= 2000, &a, &f);
      // raid10 splits a bulk write at every chunk end, and each piece takes
      // turns with the resync at the barrier: with disk stalls of seconds,
      // hundreds of them outlast the hung-task limit (md's cost, not the
      // bitmap's).
      s.stall_ppm = 0;
    }
    std::vector<Op> ops = *rc::gen::resize(
        opts.max_ops,
        rc::gen::container<std::vector<Op>>(
            GenOp(IoView(a), f, opts.allow_alloc_failures, lean)));
    // A crash is followed by the reboot an operator would do; an armed one
    // a few operations later, so it can land inside them.
    int reboot_in = -1;
    int repair_in = -1;
    uint64_t repair_disk = 0;
    uint64_t alloc_now = s.alloc_fail_ppm;
    for (size_t i = 0; i < ops.size(); i++) {
      Op& op = ops[i];
      // raid4/5/6: the operations address the array, but a resize names
      // the members' size (mdadm --grow --size), in whole chunks.
      if (op.kind == OpKind::kResize && a.Parity()) {
        uint64_t data = (uint64_t)(a.mirrors - (a.level == 6 ? 2 : 1));
        op.a = std::clamp<uint64_t>(op.a / data / a.chunk_sectors * a.chunk_sectors,
                                    a.chunk_sectors, a.max_dev_sectors);
      }
      // raid10 alike: the members' size for an array of op.a sectors.
      if (op.kind == OpKind::kResize && a.level == 10) {
        uint64_t unit = (uint64_t)a.chunk_sectors * a.far_copies;
        uint64_t copies = (uint64_t)a.near_copies * a.far_copies;
        op.a = std::clamp<uint64_t>(op.a * copies / a.mirrors / unit * unit, 4 * unit,
                                    a.max_dev_sectors);
      }
      if (op.kind == OpKind::kAllocFail) alloc_now = op.a;
      // A third of the grows run short of memory, so a core's grow error
      // exits run when the grow adds bitmap pages; chosen by a hash, so no
      // other draw of the case changes.
      bool starve = opts.allow_alloc_failures && op.kind == OpKind::kResize &&
                    op.a > a.dev_sectors && FeatureHash(s.seed + 131 * i) % 3 == 0;
      if (starve) s.ops.push_back(Op{.kind = OpKind::kAllocFail, .a = 300000});
      // A third of the spares come as mdadm --replace of a member (the
      // spare recovers beside it while the array stays whole), by a hash.
      if (op.kind == OpKind::kAddSpare && FeatureHash(s.seed + 257 * i) % 3 == 0 &&
          !a.Parity()) {
        op.kind = OpKind::kReplace;
        op.a = FeatureHash(s.seed + 263 * i) % a.mirrors;
      }
      // raid4/5/6: half the spares come as a reshape, where the members
      // have head room: mdadm --grow --raid-devices=+1 onto the spare, and
      // one time in three a doubled chunk as well, or instead.
      if (op.kind == OpKind::kAddSpare && a.Parity() && a.metadata_minor != 0 &&
          a.mirrors < Raid5Geo::kMaxDisks && FeatureHash(s.seed + 269 * i) % 2 == 0) {
        op.kind = OpKind::kGrow;
        uint64_t h = FeatureHash(s.seed + 271 * i) % 6;
        op.a = h < 4 ? 1 : h == 4 ? 0 : 1;
        op.b = h >= 4 && a.dev_sectors % (2 * a.chunk_sectors) == 0 ? 2 * a.chunk_sectors : 0;
        if (op.b == 0) op.a = 1;
      }
      // raid10 near and offset layouts: half the plain spares likewise
      // come as a reshape onto them (md refuses one of a far layout).
      if (op.kind == OpKind::kAddSpare && a.level == 10 && a.metadata_minor != 0 &&
          (a.far_copies == 1 || a.far_offset) && a.mirrors < Raid10Geo::kMaxDisks &&
          FeatureHash(s.seed + 277 * i) % 2 == 0) {
        op.kind = OpKind::kGrow;
        uint64_t h = FeatureHash(s.seed + 281 * i) % 6;
        op.a = h == 4 ? 0 : 1;
        op.b = h >= 4 ? 2 * a.chunk_sectors : 0;
      }
      s.ops.push_back(op);
      if (starve) s.ops.push_back(Op{.kind = OpKind::kAllocFail, .a = alloc_now});
      // With a bad-block log, the member that took write errors stays in
      // the array; a few operations on the operator fixes the disk (a readd
      // clears its fault rules, and md refuses the re-add of an active
      // member), so later writes clear its bad blocks.
      if (a.badblocks && op.kind == OpKind::kIoError && repair_in < 0) {
        repair_in = 3;
        repair_disk = op.a;
      } else if (repair_in > 0 && --repair_in == 0) {
        s.ops.push_back(Op{.kind = OpKind::kReAdd, .a = repair_disk});
        repair_in = -1;
      }
      // A read of a latent error's range right away, so raid1's read-error
      // path runs (when it picks the bad member) rather than waiting for a
      // read to land there by chance.
      if (op.kind == OpKind::kReadError)
        s.ops.push_back(Op{.kind = OpKind::kRead, .a = op.b, .b = op.c});
      if (reboot_in > 0 && --reboot_in == 0) s.ops.push_back(Op{OpKind::kAssemble});
      if (op.kind == OpKind::kCrash) {
        if (reboot_in > 0) s.ops.push_back(Op{OpKind::kAssemble});
        reboot_in = -1;
        if (op.a || op.b)
          reboot_in = Uniform(1, 4);
        else
          s.ops.push_back(Op{OpKind::kAssemble});
      }
    }
    if (reboot_in > 0) s.ops.push_back(Op{OpKind::kAssemble});
    // One case in 7 (by its seed, so no other case changes) ends with an
    // idle restart: settle, a clean stop and an assembly. liveness then
    // checks that the assembly starts no resync, which a core that leaves
    // its cleaning in memory at the stop fails and nothing else sees.
    if (s.seed % 7 == 3)
      for (OpKind k : {OpKind::kSettle, OpKind::kStop, OpKind::kAssemble}) s.ops.push_back(Op{k});
    return s;
  });
}

}  // namespace llsim
