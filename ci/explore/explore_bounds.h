// The bounds of a systematic exploration (`llsim explore`): which
// workloads (sequences of operations from an alphabet over a small array),
// how many scheduling deviations, where crashes land and which of the
// non-durable writes a crash keeps. Workloads are numbered so shards and
// worker processes can split them, and each is a plain scenario: any
// execution the explorer runs is a trace `llsim replay` runs too.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "traces/scenario.h"

namespace llsim {

// Where a crash may land: nowhere; after every member-disk IO submission
// or completion (flushes and FUA writes, which are the durability
// boundaries, among them); or after every event of the run.
enum class CrashPoints { kNone, kIo, kStep };

struct ExploreBounds {
  int ops = 2;                 // operations per workload (every length 1..ops)
  // Chunk edges: the array's first and last sectors, a write across a
  // chunk boundary, a whole and a partial discard (its end inside the last
  // chunk, whose tail wend7 writes).
  std::vector<std::string> alphabet = {"w0", "wend7", "span3", "d0", "dspan6", "flush", "daemon"};
  int chunks = 8;              // bitmap chunks of 64 KiB
  int members = 2;             // raid1 mirrors
  int preemptions = 1;         // deviations from the fifo schedule per execution
  // Deviations after each distinct crash state, on top of the fifo
  // recovery: reassembly, the rest of the workload and resync raced (0: fifo).
  int after_crash_preemptions = 0;
  CrashPoints crash_points = CrashPoints::kIo;
  int subset_cap = 6;          // all subsets of up to this many writes, else sampled
  bool dedup = true;           // explore each canonical crash state once
  // Sleep sets for time passing: "time passes here" is not tried again
  // after a pure step of the running fiber (see explorer.h).
  bool sleep_sets = true;
  // Tests: run every schedule the sleep sets skip anyway and compare it
  // with the one that stands for it (ExploreTally::sleep_mismatches).
  bool verify_sleep_sets = false;
  // Tests only: skip without the purity test, so verification must fail.
  bool sleep_sets_ignore_purity_for_test = false;
  int pct_runs = 0;            // >0: PCT mode, this many random schedules per workload
  int pct_depth = 2;
  uint64_t seed = 1;           // sampled subsets and PCT draws
  int shard = 0, shards = 1;

  // One line, for the certificate and progress.
  std::string Describe() const;
};

// Parses "w0,w7,flush" and checks every letter against the geometry.
absl::StatusOr<std::vector<std::string>> ParseAlphabet(const std::string& text, int chunks,
                                                       int members);
absl::StatusOr<CrashPoints> ParseCrashPoints(const std::string& text);
const char* CrashPointsName(CrashPoints c);
// What each letter does, for --help and the README.
std::string AlphabetHelp();

// Workloads of length 1..ops over the alphabet, in order of length then
// letters: sum of |alphabet|^k.
uint64_t WorkloadCount(const ExploreBounds& b);
std::vector<std::string> WorkloadLetters(const ExploreBounds& b, uint64_t index);

// The scenario of a workload under fifo: the array of the bounds (fixed
// latency, so timing draws nothing), the letters issued together, then a
// wait for user IO and a daemon period, so the bitmap's clean-up runs
// inside the workload and crashes can land in it.
Scenario WorkloadScenario(const ExploreBounds& b, const std::vector<std::string>& letters);

}  // namespace llsim
