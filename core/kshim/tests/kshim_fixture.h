// A simulated machine with a kernel runtime, for the shim's unit tests:
// kernel code runs in fibers spawned here, then Run() drives the world.
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "core/kshim/include/md-bitmap.h"
#include "core/kshim/src/kshim.h"
#include "sim/world.h"

namespace llsim {

struct KWorld {
  explicit KWorld(unsigned hz = 250, const std::string& strategy = "fifo", KshimConfig cfg = {},
                  uint64_t seed = 1) {
    WorldConfig wc;
    wc.hz = hz;
    wc.strategy = strategy;
    wc.seed = seed;
    auto w = World::Create(wc);
    EXPECT_TRUE(w.ok()) << w.status();
    world = std::move(*w);
    k = std::make_unique<Kshim>(*world, cfg);
  }

  Scheduler& S() { return world->Sched(); }
  VirtualClock& Clock() { return world->Clock(); }
  uint64_t Spawn(const std::string& name, std::function<void()> fn) {
    return S().Spawn(name, std::move(fn));
  }
  RunStatus Run() { return S().Run(); }

  // The failures of the run, one per line, for assertion messages.
  std::string Failures() {
    std::string out;
    for (const Failure& f : S().Failures()) out += f.ToString() + "\n";
    return out;
  }
  // True if some failure of this kind mentions `text`.
  bool Failed(FailureKind kind, const std::string& text) {
    for (const Failure& f : S().Failures())
      if (f.kind == kind && f.message.find(text) != std::string::npos) return true;
    return false;
  }

  std::unique_ptr<World> world;
  std::unique_ptr<Kshim> k;  // destroyed before the world it runs on
};

}  // namespace llsim
