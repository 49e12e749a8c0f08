/* SPDX-License-Identifier: GPL-2.0 */
/* llsim shim: see llsim/kapi.h. */
#include "llsim/kapi.h"
