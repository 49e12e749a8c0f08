/* SPDX-License-Identifier: GPL-2.0 */
/* llsim shim: block tracepoints are not simulated. */
#include "llsim/kapi.h"
