/* SPDX-License-Identifier: GPL-2.0 */
/*
 * llsim kernel shim: printk (captured into the run's event log with the
 * virtual time, dmesg style) and the WARN/BUG family, which report a core
 * failure instead of oopsing.
 */
#ifndef LLSIM_KPRINT_H
#define LLSIM_KPRINT_H

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KERN_SOH "\001"
#define KERN_EMERG KERN_SOH "0"
#define KERN_ALERT KERN_SOH "1"
#define KERN_CRIT KERN_SOH "2"
#define KERN_ERR KERN_SOH "3"
#define KERN_WARNING KERN_SOH "4"
#define KERN_NOTICE KERN_SOH "5"
#define KERN_INFO KERN_SOH "6"
#define KERN_DEBUG KERN_SOH "7"

/*
 * Formats like the kernel's vsnprintf for the conversions cores use; %p
 * and its extensions never print an address (it would break determinism):
 * %pg prints the block device's name.
 */
int printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int llsim_vscnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int scnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * The C library's names are only borrowed in C: defining sprintf and
 * friends for real would replace libc's for the whole process (the
 * harness and its libraries format floats with them).
 */
int llsim_sprintf(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int llsim_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int llsim_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
#ifndef __cplusplus
#define sprintf llsim_sprintf
#define snprintf llsim_snprintf
#define vsnprintf llsim_vsnprintf
#endif

#define pr_emerg(fmt, ...) printk(KERN_EMERG fmt, ##__VA_ARGS__)
#define pr_err(fmt, ...) printk(KERN_ERR fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...) printk(KERN_WARNING fmt, ##__VA_ARGS__)
#define pr_notice(fmt, ...) printk(KERN_NOTICE fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...) printk(KERN_INFO fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) do { } while (0)
#define pr_err_ratelimited pr_err
#define pr_warn_ratelimited pr_warn
#define pr_warn_once pr_warn

/* A kernel WARN is a bug in the core: the run reports it as a failure. */
void llsim_warn(const char *file, int line, const char *cond);
#define WARN_ON(cond) ({ bool __c = !!(cond); if (unlikely(__c)) llsim_warn(__FILE__, __LINE__, #cond); unlikely(__c); })
#define WARN_ON_ONCE(cond) WARN_ON(cond)
#define WARN(cond, fmt, ...) WARN_ON(cond)
#define WARN_ONCE(cond, fmt, ...) WARN_ON(cond)
#define BUG_ON(cond) do { if (unlikely(cond)) llsim_bug(__FILE__, __LINE__, #cond); } while (0)
#define BUG() llsim_bug(__FILE__, __LINE__, "BUG()")
void llsim_bug(const char *file, int line, const char *cond);
#define BUILD_BUG_ON(cond) _Static_assert(!(cond), #cond)

int kstrtoul(const char *s, unsigned int base, unsigned long *res);
int kstrtouint(const char *s, unsigned int base, unsigned int *res);
int kstrtoint(const char *s, unsigned int base, int *res);
int kstrtobool(const char *s, bool *res);

#ifdef __cplusplus
}
#endif
#endif /* LLSIM_KPRINT_H */
