/* SPDX-License-Identifier: GPL-2.0 */
/*
 * llsim kernel shim: base types, compiler helpers and arithmetic.
 *
 * Every linux/ header of the shim pulls in llsim/kapi.h, which pulls in
 * the topic headers below; a core sees one consistent kernel API no matter
 * which subset of linux/ headers it names.
 */
#ifndef LLSIM_KCOMPAT_H
#define LLSIM_KCOMPAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <limits.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef LLSIM_STORE_HOOKS
/*
 * A core built with the store hooks (core/kshim/src/store_track.h): its
 * stores are seen by the compiler's instrumentation, but not those the C
 * library makes for it.
 */
void *llsim_memset(void *d, int c, size_t n);
void *llsim_memcpy(void *d, const void *s, size_t n);
void *llsim_memmove(void *d, const void *s, size_t n);
#define memset(d, c, n) llsim_memset(d, c, n)
#define memcpy(d, s, n) llsim_memcpy(d, s, n)
#define memmove(d, s, n) llsim_memmove(d, s, n)
void llsim_store_hooks_start(void);
static void __attribute__((constructor, used)) llsim_store_hooks_ctor(void)
{
	llsim_store_hooks_start();
}
#endif

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef unsigned long long u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef long long s64;
typedef uint8_t __u8;
typedef uint16_t __u16;
typedef uint32_t __u32;
typedef unsigned long long __u64;
typedef int32_t __s32;
typedef long long __s64;
typedef uint16_t __le16;
typedef uint32_t __le32;
typedef unsigned long long __le64;
typedef uint32_t __be32;
typedef unsigned long long __be64;
typedef u64 sector_t;
typedef unsigned int gfp_t;
typedef unsigned int fmode_t;
typedef unsigned int blk_opf_t;
/* The kernel's loff_t is long long; glibc's is long. Fields use ours. */
typedef long long llsim_loff_t;
#ifndef __cplusplus
#define loff_t llsim_loff_t
#endif
/* A C++ keyword; C++ sources see the same slot under another name. */
#ifdef __cplusplus
#define LLSIM_PRIVATE private_
#define LLSIM_STATIC_ASSERT static_assert
#else
#define LLSIM_PRIVATE private
#define LLSIM_STATIC_ASSERT _Static_assert
#endif
#ifndef __ssize_t_defined
typedef long ssize_t;
#define __ssize_t_defined
#endif

/*
 * Kernel keywords and helpers that would clash with C++ and its standard
 * library; the shim's C++ side never needs them.
 */
#ifndef __cplusplus
#define __user
#define __rcu
#define __iomem
#define __force
#define __must_check
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#define noinline __attribute__((noinline))
#define __maybe_unused __attribute__((unused))
#define __packed __attribute__((packed))
#define __aligned(x) __attribute__((aligned(x)))
#define __init
#define __exit
#define __read_mostly
#define fallthrough __attribute__((fallthrough))

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#endif /* !__cplusplus */

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BIT(n) (1UL << (n))
#define BITS_PER_LONG 64
#define BITS_PER_BYTE 8
#define BITS_TO_LONGS(n) (((n) + BITS_PER_LONG - 1) / BITS_PER_LONG)

#define U32_MAX ((u32)~0U)
#define U64_MAX ((u64)~0ULL)

/* Shared-state accesses are preemption points: another fiber may run. */
void llsim_preempt(void);
#define READ_ONCE(x) ({ llsim_preempt(); *(volatile __typeof__(x) *)&(x); })
#define WRITE_ONCE(x, v)                                   \
	do {                                               \
		llsim_preempt();                           \
		*(volatile __typeof__(x) *)&(x) = (v);     \
	} while (0)
#ifndef __cplusplus
#define barrier() __asm__ __volatile__("" ::: "memory")
#define smp_mb() llsim_preempt()
#define smp_rmb() llsim_preempt()
#define smp_wmb() llsim_preempt()
#define smp_mb__after_atomic() llsim_preempt()
#define smp_mb__before_atomic() llsim_preempt()

#define min(a, b) ({ __auto_type _a = (a); __auto_type _b = (b); _a < _b ? _a : _b; })
#define max(a, b) ({ __auto_type _a = (a); __auto_type _b = (b); _a > _b ? _a : _b; })
#define min_t(t, a, b) ({ t _a = (a); t _b = (b); _a < _b ? _a : _b; })
#define max_t(t, a, b) ({ t _a = (a); t _b = (b); _a > _b ? _a : _b; })
#define clamp(v, lo, hi) min(max(v, lo), hi)

#endif /* !__cplusplus */

#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define DIV_ROUND_UP_ULL(n, d) DIV_ROUND_UP((unsigned long long)(n), (d))
#define DIV_ROUND_UP_SECTOR_T(n, d) DIV_ROUND_UP_ULL(n, d)
#define __round_mask(x, y) ((__typeof__(x))((y) - 1))
#define round_up(x, y) ((((x) - 1) | __round_mask(x, y)) + 1)
#define round_down(x, y) ((x) & ~__round_mask(x, y))
#define roundup(x, y) ((((x) + ((y) - 1)) / (y)) * (y))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)

static inline bool is_power_of_2(unsigned long n)
{
	return n != 0 && (n & (n - 1)) == 0;
}
static inline u64 div64_u64(u64 a, u64 b) { return a / b; }
static inline u64 div_u64(u64 a, u32 b) { return a / b; }
static inline s64 div64_s64(s64 a, s64 b) { return a / b; }
static inline u64 mul_u64_u64_div_u64(u64 a, u64 b, u64 c)
{
	return (u64)(((unsigned __int128)a * b) / c);
}
static inline u64 mul_u64_u64_div_u64_roundup(u64 a, u64 b, u64 c)
{
	unsigned __int128 p = (unsigned __int128)a * b;

	return (u64)((p + c - 1) / c);
}
static inline int ilog2_ul(unsigned long n) { return 63 - __builtin_clzl(n); }
#define ilog2(n) ilog2_ul(n)
#define order_base_2(n) ((n) <= 1 ? 0 : ilog2_ul((n) - 1) + 1)

static inline size_t llsim_size_mul(size_t a, size_t b)
{
	size_t r;

	return __builtin_mul_overflow(a, b, &r) ? SIZE_MAX : r;
}
static inline size_t llsim_size_add(size_t a, size_t b)
{
	size_t r;

	return __builtin_add_overflow(a, b, &r) ? SIZE_MAX : r;
}
#define array_size(a, b) llsim_size_mul(a, b)
#define struct_size(p, member, n) \
	llsim_size_add(sizeof(*(p)), llsim_size_mul(n, sizeof(*(p)->member)))
#define flex_array_size(p, member, n) llsim_size_mul(n, sizeof(*(p)->member))

#define cpu_to_le16(x) ((__le16)(x))
#define cpu_to_le32(x) ((__le32)(x))
#define cpu_to_le64(x) ((__le64)(x))
#define le16_to_cpu(x) ((u16)(x))
#define le32_to_cpu(x) ((u32)(x))
#define le64_to_cpu(x) ((u64)(x))

#define SECTOR_SHIFT 9
#define SECTOR_SIZE (1 << SECTOR_SHIFT)
#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define PAGE_SECTORS_SHIFT (PAGE_SHIFT - SECTOR_SHIFT)
#define PAGE_SECTORS (1 << PAGE_SECTORS_SHIFT)
#define offset_in_page(p) ((unsigned long)(p) & ~PAGE_MASK)
static inline int cache_line_size(void) { return 64; }

#define MAX_ERRNO 4095
#define IS_ERR_VALUE(x) __builtin_expect(!!((unsigned long)(void *)(x) >= (unsigned long)-MAX_ERRNO), 0)
static inline void *ERR_PTR(long error) { return (void *)error; }
static inline long PTR_ERR(const void *ptr) { return (long)ptr; }
static inline bool IS_ERR(const void *ptr) { return IS_ERR_VALUE((unsigned long)ptr); }
static inline bool IS_ERR_OR_NULL(const void *ptr) { return !ptr || IS_ERR(ptr); }
static inline void *ERR_CAST(const void *ptr) { return (void *)ptr; }
#define PTR_ERR_OR_ZERO(p) (IS_ERR(p) ? PTR_ERR(p) : 0)

/* "file:line" of a call, for reports (allocations, mappings, locks). */
#define LLSIM_SITE_(f, l) f ":" #l
#define LLSIM_SITE(f, l) LLSIM_SITE_(f, l)

#ifdef __cplusplus
}
#endif
#endif /* LLSIM_KCOMPAT_H */
