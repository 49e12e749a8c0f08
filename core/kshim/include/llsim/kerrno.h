/* SPDX-License-Identifier: GPL-2.0 */
/*
 * llsim kernel shim: errno values, Linux numbering. glibc's <errno.h>
 * pulls in <linux/errno.h>, which in a core's include path is ours, so the
 * numbers are defined here rather than borrowed.
 */
#ifndef LLSIM_KERRNO_H
#define LLSIM_KERRNO_H

#define EPERM 1
#define ENOENT 2
#define ESRCH 3
#define EINTR 4
#define EIO 5
#define ENXIO 6
#define E2BIG 7
#define EBADF 9
#define EAGAIN 11
#define ENOMEM 12
#define EACCES 13
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define ENODEV 19
#define EINVAL 22
#define ENFILE 23
#define ENOSPC 28
#define EROFS 30
#define ERANGE 34
#define EDEADLK 35
#define ENOSYS 38
#define ENODATA 61
#define EOVERFLOW 75
#define EOPNOTSUPP 95
#define ETIMEDOUT 110
#define EALREADY 114
#define EINPROGRESS 115
#define ECANCELED 125
#define ERESTARTSYS 512
#define ENOTSUPP 524

#endif /* LLSIM_KERRNO_H */
