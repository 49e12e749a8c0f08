// Virtual time. Nanoseconds since the world began; jiffies since the last
// boot, starting where the kernel starts them: INITIAL_JIFFIES, five
// minutes before the low 32 bits wrap, so code that keeps jiffies in 32
// bits or compares them without time_before() is exercised.
#pragma once

#include <cstdint>

namespace llsim {

using Nanos = uint64_t;

constexpr Nanos kNsPerMs = 1000000ull;
constexpr Nanos kNsPerSec = 1000000000ull;

class VirtualClock {
 public:
  // hz must divide 1e9 exactly (100, 250, 1000 and friends).
  explicit VirtualClock(unsigned hz = 250);

  // Every read counts (Reads): a step that read no time cannot tell
  // whether time passed before or after it.
  Nanos Now() const {
    reads_++;
    return now_;
  }
  uint64_t Reads() const { return reads_; }
  unsigned Hz() const { return hz_; }
  Nanos NsPerJiffy() const { return ns_per_jiffy_; }

  // Time never goes backwards; a jump to the past is ignored.
  void AdvanceTo(Nanos t) {
    if (t > now_) now_ = t;
  }

  // Restart jiffies as a fresh boot does, at INITIAL_JIFFIES.
  void Boot();

  unsigned long Jiffies() const {
    reads_++;
    return jiffies_at_boot_ + (unsigned long)((now_ - boot_ns_) / ns_per_jiffy_);
  }

  // The virtual instant at which Jiffies() first reaches `expires`, computed
  // with the kernel's wrap-safe signed difference. Past or present: Now().
  Nanos DeadlineForJiffies(unsigned long expires) const;


 private:
  unsigned hz_;
  Nanos ns_per_jiffy_;
  Nanos now_ = 0;
  Nanos boot_ns_ = 0;
  unsigned long jiffies_at_boot_ = 0;
  mutable uint64_t reads_ = 0;
};

}  // namespace llsim
