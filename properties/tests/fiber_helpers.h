// For fixtures that drive an MdArray by hand: run one function on a fiber
// until it returns (the world goes on meanwhile), or let virtual time pass.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "sim/world.h"

namespace llsim {

inline void RunOnFiberToEnd(World& w, const std::string& name, std::function<void()> fn) {
  bool done = false;
  w.Sched().Spawn(name, [&] {
    fn();
    done = true;
  });
  w.Sched().Run([&] { return done; }, w.Clock().Now() + 600 * kNsPerSec);
  ASSERT_TRUE(done) << name << " did not finish";
}

inline void LetTimePass(World& w, int seconds) {
  w.Sched().Run(nullptr, w.Clock().Now() + seconds * kNsPerSec);
}

}  // namespace llsim
