// The measurements llsim bench is made of (bench.h says what each means).
// Each runs on its own and returns its figure; the table and the JSON are
// bench.cc's.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/md/array_config.h"
#include "traces/scenario.h"

namespace llsim {

// The benchmarks' array: 1 GiB on 2 mirrors of `member_sectors` (the
// array at the start of the members, as mdadm --size makes it), 512-byte
// blocks, 128 KiB reserved for the bitmap (64 KiB chunks), clean at
// creation.
ArrayConfig BenchArray(uint64_t member_sectors);
constexpr uint64_t kGiBSectors = 1ull << 21;
constexpr uint64_t kTiBSectors = 1ull << 31;

// A seeded mix of writes of 4 to 64 KiB at random 4 KiB-aligned places,
// in bursts of 1 to 8 that are in flight together.
struct BenchWrite {
  uint64_t sector;
  uint32_t sectors;
  bool ends_burst;
};
std::vector<BenchWrite> MakeWriteMix(uint64_t seed, int writes, uint64_t dev_sectors);
// The mix as scenario operations: each burst's writes back to back, then a
// wait for them (`last_wait` false: the last burst is still in flight).
void AppendWrites(const std::vector<BenchWrite>& mix, bool last_wait, std::vector<Op>* ops);

struct Rate {
  double per_s = 0;
  uint64_t count = 0;
  double seconds = 0;
  std::string problem;  // non-empty: the figure is not to be trusted
  // Crash cycles: the sync requests md issued (start_sync calls), which is
  // what a cycle's resync costs (llbitmap resyncs every chunk of a bitmap
  // block it infected, not only the chunks written).
  uint64_t sync_requests = 0;
};

// The core's write path called directly (bench.h), for about `seconds`.
Rate RawCoreWrites(const std::vector<BenchWrite>& mix, double seconds);
// The same writes through the whole simulator, run again until `seconds`.
Rate SimWrites(const std::vector<BenchWrite>& mix, uint64_t seed, double seconds);
// Write / crash / reassemble / resync / verify cycles (`writes` writes
// each) on members of `member_sectors`, for about `seconds` (at least one
// scenario of `cycles_per_run` cycles). Counts the cycles whose resync was
// verified.
Rate CrashCycles(uint64_t member_sectors, int cycles_per_run, int writes, double seconds,
                 uint64_t seed);

struct ScenarioFigures {
  Rate scenarios;
  uint64_t events = 0;
  double virtual_seconds = 0;
  double kernel_time_share = 0;  // system / (user + system), getrusage
  double minor_faults_per_scenario = 0;
};
ScenarioFigures GeneratedScenarios(int cases, uint64_t seed, int max_ops);

struct MutantFigures {
  // Median seconds to a first failure over the seeds (nullopt: the median
  // hunt found none within its cap); how many seeds found one; and what.
  std::map<std::string, std::optional<double>> median_s;
  std::map<std::string, std::string> detected;  // "k/n"
  std::map<std::string, std::string> property;  // the first failing property seen
  // Mutants proved by a trace (properties/mutants.cmake profile `trace`):
  // seconds the mutant takes to fail its trace (nullopt: it did not).
  std::map<std::string, std::optional<double>> trace_replay_s;
  std::vector<std::string> notes;
};
// Hunts every reference-core mutant named in properties/mutants.cmake with
// its binary beside `self_exe`, `seeds` seeds each, two hunts at a time,
// each until its first failure, `max_cases` cases or `hunt_cap` seconds.
MutantFigures MutantDetection(const std::string& self_exe, int seeds, int max_cases,
                              double hunt_cap);

}  // namespace llsim
