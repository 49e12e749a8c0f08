// RapidCheck generators of scenarios, with swarm testing: each case first
// picks which features it uses (crashes, member failure, re-add, spares,
// resize, discard, stop/assemble, freeze, IO errors, flushes), so rare
// combinations get real weight. Op lists shrink by dropping operations;
// the runner treats an operation that no longer applies as a no-op, so a
// shrunk case is always a valid one.
#pragma once

#include <string>

#include <rapidcheck.h>

#include "traces/scenario.h"

namespace llsim {

struct GenOptions {
  int max_ops = 24;
  bool allow_alloc_failures = false;
  // Empty: every strategy; else force one ("fifo", "random", "pct").
  std::string strategy;
  std::string disk_order = "relaxed";
  // "swarm" (default): every feature at random. "resize": every case
  // resizes, often by growing into bitmap pages not yet allocated.
  // "resync": crashes with writes in flight, then stops, freezes and
  // crashes while the resync runs, on slow disks and large chunks.
  // "recovery": members fail, spares join, old members come back, with
  // idle time between for the daemon. "race": bursts of writes dirtying
  // fresh chunks in different io blocks of one bitmap page on fast disks,
  // where the write path's lockless races live.
  std::string profile = "swarm";
  // The md personality: 1 (raid1), 10 (raid10, its layout by the case's
  // seed) or 0 (either, raid10 on a quarter of the cases).
  int level = 1;
};

bool ValidProfile(const std::string& p);

rc::Gen<Scenario> GenScenario(const GenOptions& opts = {});

}  // namespace llsim
