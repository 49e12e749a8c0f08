// For scenario tests: the count of one reach row ("hook start_write",
// "feature crash"), failing the test when no such row exists, so a
// misspelt name cannot pass as "never reached".
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "models/md/reach.h"

namespace llsim {

inline uint64_t RowOf(const Reach& r, const std::string& name) {
  for (const auto& [n, v] : r.Rows())
    if (n == name) return v;
  ADD_FAILURE() << "no row " << name;
  return 0;
}

}  // namespace llsim
