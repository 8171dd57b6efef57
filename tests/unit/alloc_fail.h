/*
 * alloc_fail.h - allocation-failure injection (curl's "torture" idea) for
 * the one test program that includes it (test_torture.c).
 *
 * The program defines malloc, calloc, realloc, free and the aligned
 * allocators; the plugin's static library, json-c and libcurl call them
 * through the dynamic linker, so every allocation of the code under test
 * passes here.  While armed, the Nth allocation (counted from af_arm)
 * returns NULL, and every block allocated meanwhile is remembered until it
 * is freed, so what an armed stretch of code leaves behind is known
 * exactly (af_live).
 *
 * AddressSanitizer owns these symbols: under it nothing is defined and
 * AF_AVAILABLE is 0 (the test reports itself SKIPPED).  Single-threaded.
 */
#ifndef ALLOC_FAIL_H
#define ALLOC_FAIL_H

#include <stddef.h>
#include <stdint.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define AF_AVAILABLE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define AF_AVAILABLE 0
#endif
#endif
#ifndef AF_AVAILABLE
#define AF_AVAILABLE 1
#endif

#if AF_AVAILABLE

#include <errno.h>
#include <string.h>

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t align, size_t n);
extern void __libc_free(void *p);

/* Blocks allocated while armed and not yet freed: open addressing on the
 * pointer, with tombstones. */
#define AF_SLOTS ((size_t)1 << 20)
#define AF_TOMB ((void *)1)
static void *af_table[AF_SLOTS];
static size_t af_live_count;
static int af_armed;
static uint64_t af_count;   /* allocations since af_arm            */
static uint64_t af_fail_at; /* 0: never fail                        */
static int af_failed;       /* the failure was injected this round  */
static int af_hold;         /* > 0: allocations pass uncounted      */

static size_t af_hash(const void *p)
{
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return (size_t)x & (AF_SLOTS - 1);
}

static void af_remember(void *p)
{
    for (size_t i = af_hash(p);; i = (i + 1) & (AF_SLOTS - 1))
        if (!af_table[i] || af_table[i] == AF_TOMB) {
            af_table[i] = p;
            af_live_count++;
            return;
        }
}

static void af_forget(void *p)
{
    for (size_t i = af_hash(p); af_table[i]; i = (i + 1) & (AF_SLOTS - 1))
        if (af_table[i] == p) {
            af_table[i] = AF_TOMB;
            af_live_count--;
            return;
        }
}

/* Whether this allocation is the one to fail. */
static int af_should_fail(void)
{
    if (!af_armed || af_hold)
        return 0;
    if (++af_count == af_fail_at) {
        af_failed = 1;
        errno = ENOMEM;
        return 1;
    }
    return 0;
}

/* Start counting; fail the `fail_at`-th allocation (0: none). */
static inline void af_arm(uint64_t fail_at)
{
    memset(af_table, 0, sizeof af_table);
    af_live_count = 0;
    af_count = 0;
    af_fail_at = fail_at;
    af_failed = 0;
    af_armed = 1;
}

/* Stop; returns the allocations made while armed. */
static inline uint64_t af_disarm(void)
{
    af_armed = 0;
    return af_count;
}

static inline size_t af_live(void) { return af_live_count; }
static inline int af_injected(void) { return af_failed; }

void *malloc(size_t n)
{
    if (af_should_fail())
        return NULL;
    void *p = __libc_malloc(n);
    if (p && af_armed)
        af_remember(p);
    return p;
}

void *calloc(size_t n, size_t size)
{
    if (af_should_fail())
        return NULL;
    void *p = __libc_calloc(n, size);
    if (p && af_armed)
        af_remember(p);
    return p;
}

void *realloc(void *old, size_t n)
{
    if (old && n == 0) {
        if (af_armed)
            af_forget(old);
        return __libc_realloc(old, n);
    }
    if (af_should_fail())
        return NULL; /* the old block stays valid, as realloc promises */
    void *p = __libc_realloc(old, n);
    if (p && af_armed) {
        if (old)
            af_forget(old);
        af_remember(p);
    }
    return p;
}

void free(void *p)
{
    if (p && af_armed)
        af_forget(p);
    __libc_free(p);
}

void *memalign(size_t align, size_t n);
void *memalign(size_t align, size_t n)
{
    if (af_should_fail())
        return NULL;
    void *p = __libc_memalign(align, n);
    if (p && af_armed)
        af_remember(p);
    return p;
}

void *aligned_alloc(size_t align, size_t n)
{
    return memalign(align, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    void *p = memalign(align, n);
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}

#endif /* AF_AVAILABLE */
#endif
