// A scenario: everything that fixes one run. The seed, the world and array
// configuration, and a list of user/operator operations, each issued after
// a virtual delay. Writes, discards, reads and flushes are asynchronous
// (several can be in flight); administrative operations run to completion
// on their own fiber while IO goes on.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "models/md/array_config.h"
#include "sim/clock.h"

namespace llsim {

enum class OpKind : uint8_t {
  kWrite,      // a=sector b=sectors, flag fua
  kDiscard,    // a=sector b=sectors
  kRead,       // a=sector b=sectors
  kFlush,      // empty PREFLUSH
  kWait,       // wait for all user IO in flight
  kAdvance,    // a=milliseconds of virtual time
  kFail,       // a=slot: mdadm --fail
  kIoError,    // a=disk b=first sector (array-relative), c=sectors: write errors there
  kDiskFail,   // a=disk: every IO to it fails from now on
  kReAdd,      // a=disk
  kAddSpare,   //
  kResize,     // a=new size in sectors
  kStop,       // clean stop
  kAssemble,   //
  kCrash,      // text=crash policy; a=events, b=microseconds until it lands (0: now)
  kFreeze,     // sync_action frozen
  kUnfreeze,   // sync_action idle
  kSettle,     // run until idle, then the end-to-end checks
  kAllocFail,  // a=per-million allocation failure rate from now on
  kReadError,  // a=disk b=first sector (array-relative), c=sectors: latent read errors
               // there, until a write lands on them
  kMetaError,  // a=disk b=what: 0 its metadata writes fail (md superblock and bitmap,
               // md_write_metadata), 1 its next read of the bitmap region fails
               // (sync_page_io at load), 2 its metadata writes fail torn (half lands)
  kSysfs,      // text="<attribute> <value>": echo value > md/<attribute> (or
               // md/llbitmap/<attribute>); a ',' in value is written as a space
  kCheck,      // echo check > md/sync_action
  kRepair,     // echo repair > md/sync_action
  kSbCorrupt,  // a=disk b=field: the bitmap superblock on that member's media gets a
               // value every core must refuse at load: 0 magic, 1 version, 2 uuid
               // (another array's), 3 chunksize (not a power of 2); or one a core
               // may take or refuse: 4 sectors_reserved 0, 5 sync_size 0
  kReplace,    // a=slot: mdadm --replace (a spare is recovered beside it, then
               // takes its place)
  kGrow,       // a=members to add, b=new chunk in sectors (0: unchanged): mdadm --grow
               // --raid-devices=+a --chunk=b (raid4/5/6 reshape)
};

struct Op {
  OpKind kind = OpKind::kWait;
  uint64_t a = 0, b = 0, c = 0;
  bool fua = false;
  std::string text;
  Nanos delay = 0;  // virtual time to let pass before issuing it

  std::string ToString() const;
};

struct Scenario {
  uint64_t seed = 1;
  unsigned hz = 250;
  std::string strategy = "random";
  // "relaxed": overlapping in-flight writes complete in any order (real
  // devices); "in-order": never before an earlier overlapping write.
  std::string disk_order = "relaxed";
  // Member disk latency: uniform in [min, max] microseconds, and a stall of
  // stall_ms for stall_ppm IOs in a million (longer than the daemon waits).
  uint32_t latency_min_us = 20, latency_max_us = 400;
  uint32_t stall_ppm = 0, stall_ms = 30000;
  // Each allocation the core makes (kmalloc family, alloc_page,
  // percpu_ref_init, alloc_workqueue; __GFP_NOFAIL excepted) fails with
  // this probability per million, from every boot on (seeded per boot).
  uint32_t alloc_fail_ppm = 0;
  // A crash armed before the array's first assembly (its creation: the
  // core formats a new bitmap), landing that many events into it, with
  // this policy; 0: none. Traces only: the generator does not draw it.
  uint64_t create_crash_events = 0;
  std::string create_crash_policy = "random";
  ArrayConfig array;
  std::vector<Op> ops;
  // Sparse scheduling overrides over the strategy (sim/choice_strategy.h):
  // decision number -> choice. A shrunk trace runs fifo plus the few
  // decisions its failure needs; empty: the strategy alone.
  std::map<uint64_t, uint32_t> schedule;
};

const char* OpKindName(OpKind k);

}  // namespace llsim
