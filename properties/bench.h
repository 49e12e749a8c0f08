// llsim bench: what the simulator costs, measured as a new user would see
// it, one figure per question (issue 13). Wall time only ever decides the
// figures here, never what a run finds. The figures, with their JSON keys:
//
//   raw_core_writes_per_s    the core's prepare_range/start_write/unplug/
//                            end_write called in a loop by one driver, with
//                            metadata IO that completes at once (no disks,
//                            no md model, no invariants): the physical limit
//   sim_writes_per_s         the same writes through the whole simulator
//                            (md model, disks, scheduler, invariants)
//   overhead_ratio           raw_core_writes_per_s / sim_writes_per_s
//   crash_cycles_per_s       write, crash, reassemble, resync, verify on 2
//                            mirrors of 1 GiB (512-byte blocks, 64 KiB
//                            chunks), 100 writes of 4-64 KiB per cycle
//   crash_cycles_per_s_1tib  the same on 1 TiB members
//   sync_requests_per_cycle  md's sync requests (start_sync calls) per crash
//                            cycle, and _1tib: the resync's size, which
//                            llbitmap's infection of whole bitmap blocks
//                            makes most of the array's 16,384 chunks
//   scenarios_per_s          generated scenarios (the generator's mix)
//   kernel_time_share        system time / (user + system time) while the
//                            scenarios run, first thing in a fresh process
//                            (getrusage). Page faults are kernel time and
//                            land in the system time (checked: a loop that
//                            only faults pages in shows ~95% system time);
//                            minor_faults_per_scenario is reported beside it
//   mutant_detect_median_s   per reference-core mutant, the median over 5
//                            seeds of the wall time its hunt takes to find
//                            a first failure (null: not within the cap)
#pragma once

#include <cstdint>
#include <string>

namespace llsim {

struct BenchOptions {
  int cases = 300;       // generated scenarios for scenarios_per_s
  uint64_t seed = 1;
  int max_ops = 24;
  std::string json;      // write the figures here too
  std::string self_exe;  // this binary: the mutant binaries sit beside it
};

// Prints the table (and writes the JSON); 0, or 2 on bad input.
int RunBench(const BenchOptions& o);

}  // namespace llsim
