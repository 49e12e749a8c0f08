// The properties llsim checks, by name, and what a failed check reports.
#pragma once

#include <string>
#include <vector>

#include "sim/clock.h"

namespace llsim {

// The names README.md documents; a trace's expect-failure uses them.
inline constexpr const char* kPropResync = "resync-completeness";
inline constexpr const char* kPropRecovery = "recovery-completeness";
inline constexpr const char* kPropDurability = "durability";
inline constexpr const char* kPropWriteIntent = "write-intent";
inline constexpr const char* kPropNoCleanInFlight = "no-clean-in-flight";
inline constexpr const char* kPropTransitions = "transitions";
inline constexpr const char* kPropLiveness = "liveness";
inline constexpr const char* kPropSafety = "safety";
inline constexpr const char* kPropBitmapBounds = "bitmap-bounds";
inline constexpr const char* kPropAssemblable = "assemblable";

struct Verdict {
  std::string property;
  std::string message;
  Nanos t = 0;
  std::string ToString() const;
};

}  // namespace llsim
