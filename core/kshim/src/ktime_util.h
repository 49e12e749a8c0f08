// Turning a kernel timeout in jiffies into an absolute virtual deadline.
#pragma once

#include "core/kshim/src/kshim.h"

namespace llsim {

// The instant `timeout` jiffies from now, like the kernel's expiry: the
// first instant jiffies reaches now + timeout. Negative or too large to
// represent (MAX_SCHEDULE_TIMEOUT): never.
Nanos DeadlineAfterJiffies(Kshim& k, long timeout);

}  // namespace llsim
