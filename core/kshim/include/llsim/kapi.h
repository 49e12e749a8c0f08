/* SPDX-License-Identifier: GPL-2.0 */
/* llsim kernel shim: everything a core may reach through linux/ headers. */
#ifndef LLSIM_KAPI_H
#define LLSIM_KAPI_H

#include "kerrno.h"
#include "kcompat.h"
#include "kprint.h"
#include "ksync.h"
#include "ktime.h"
#include "kwork.h"
#include "kmem.h"
#include "klist.h"
#include "kblock.h"


#endif /* LLSIM_KAPI_H */
