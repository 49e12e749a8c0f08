// Virtual time; see clock.h.
#include "sim/clock.h"

namespace llsim {

VirtualClock::VirtualClock(unsigned hz) : hz_(hz), ns_per_jiffy_(kNsPerSec / hz) { Boot(); }

void VirtualClock::Boot() {
  boot_ns_ = now_;
  // The kernel's INITIAL_JIFFIES: (unsigned long)(unsigned int)(-300 * HZ).
  jiffies_at_boot_ = (unsigned long)(unsigned int)(-300 * (int)hz_);
}

Nanos VirtualClock::DeadlineForJiffies(unsigned long expires) const {
  long delta = (long)(expires - Jiffies());
  if (delta <= 0) return now_;
  Nanos into_jiffy = (now_ - boot_ns_) % ns_per_jiffy_;
  return now_ - into_jiffy + (Nanos)delta * ns_per_jiffy_;
}

}  // namespace llsim
