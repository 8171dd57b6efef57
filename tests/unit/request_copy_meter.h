/*
 * request_copy_meter.h - measures what a stretch of code allocates and
 * copies, for test_request_large and bench_format.
 *
 * The program that includes this (exactly one .c file per program) defines
 * its own malloc/calloc/realloc/free and the C library's copy functions
 * (memcpy, memmove, mempcpy, their _chk forms, strcpy, stpcpy, strncpy,
 * strcat, strdup, strndup).  The plugin's static library and shared
 * libraries such as json-c call them through the dynamic linker, so every
 * allocation and every copy they make with these functions is counted; a
 * realloc that moves a block counts the bytes it carries over.  Copies a
 * library makes inside glibc itself (printf's %s, for one) are not seen:
 * the request formatter writes payloads with memcpy only.
 *
 * Each wrapper forwards to glibc's own function, looked up once with
 * dlsym(RTLD_NEXT); until then a plain byte loop does the copy.
 *
 * AddressSanitizer owns these symbols, so under it nothing is defined and
 * RCM_AVAILABLE is 0 (callers skip the measurement).
 */
#ifndef REQUEST_COPY_METER_H
#define REQUEST_COPY_METER_H

#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#define RCM_AVAILABLE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RCM_AVAILABLE 0
#endif
#endif
#ifndef RCM_AVAILABLE
#define RCM_AVAILABLE 1
#endif

typedef struct rcm_counts {
    size_t alloc_bytes;  /* bytes requested from malloc/calloc/realloc */
    size_t alloc_calls;
    size_t peak_live;    /* highest usable size live at once (since start) */
    size_t copied_bytes; /* bytes moved by the copy functions + reallocs  */
    size_t copy_calls;
} rcm_counts;

#if RCM_AVAILABLE

#include <dlfcn.h>
#include <malloc.h>
#include <string.h>

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);

static int rcm_on;
static rcm_counts rcm_now;
static size_t rcm_live;

/* Start counting from zero. */
static inline void rcm_start(void)
{
    memset(&rcm_now, 0, sizeof rcm_now);
    rcm_live = 0;
    rcm_on = 1;
}

/* What was counted since rcm_start, counting on. */
static inline rcm_counts rcm_peek(void)
{
    return rcm_now;
}

/* Stop counting; returns what was counted since rcm_start. */
static inline rcm_counts rcm_stop(void)
{
    rcm_on = 0;
    return rcm_now;
}

static void rcm_note_alloc(void *p, size_t requested)
{
    if (!rcm_on || !p)
        return;
    rcm_now.alloc_bytes += requested;
    rcm_now.alloc_calls++;
    rcm_live += malloc_usable_size(p);
    if (rcm_live > rcm_now.peak_live)
        rcm_now.peak_live = rcm_live;
}

static void rcm_note_free(void *p)
{
    if (rcm_on && p) {
        size_t n = malloc_usable_size(p);
        rcm_live = rcm_live > n ? rcm_live - n : 0;
    }
}

static void rcm_note_copy(size_t n)
{
    if (rcm_on) {
        rcm_now.copied_bytes += n;
        rcm_now.copy_calls++;
    }
}

void *malloc(size_t n)
{
    void *p = __libc_malloc(n);
    rcm_note_alloc(p, n);
    return p;
}

void *calloc(size_t n, size_t size)
{
    void *p = __libc_calloc(n, size);
    rcm_note_alloc(p, n * size);
    return p;
}

void *realloc(void *old, size_t n)
{
    size_t had = old ? malloc_usable_size(old) : 0;
    rcm_note_free(old);
    void *p = __libc_realloc(old, n);
    rcm_note_alloc(p, n);
    if (p && old && p != old) /* the block moved: its bytes were copied */
        rcm_note_copy(had < n ? had : n);
    return p;
}

void free(void *p)
{
    rcm_note_free(p);
    __libc_free(p);
}

/* ------------------------------------------------------------ copies */

typedef void *(*rcm_copy_fn)(void *, const void *, size_t);
static rcm_copy_fn rcm_real_memcpy, rcm_real_memmove, rcm_real_mempcpy;

/* Used before glibc's functions are looked up; volatile keeps the
 * compiler from turning the loop back into a memcpy call. */
static void *rcm_bytes(void *dst, const void *src, size_t n)
{
    volatile unsigned char *d = dst;
    const volatile unsigned char *s = src;
    if (d < s) {
        for (size_t i = 0; i < n; i++)
            d[i] = s[i];
    } else {
        for (size_t i = n; i > 0; i--)
            d[i - 1] = s[i - 1];
    }
    return dst;
}

__attribute__((constructor)) static void rcm_init(void)
{
    rcm_real_memcpy = (rcm_copy_fn)dlsym(RTLD_NEXT, "memcpy");
    rcm_real_memmove = (rcm_copy_fn)dlsym(RTLD_NEXT, "memmove");
    rcm_real_mempcpy = (rcm_copy_fn)dlsym(RTLD_NEXT, "mempcpy");
}

static void *rcm_move(rcm_copy_fn real, void *dst, const void *src, size_t n)
{
    rcm_note_copy(n);
    return real ? real(dst, src, n) : rcm_bytes(dst, src, n);
}

void *memcpy(void *dst, const void *src, size_t n)
{
    return rcm_move(rcm_real_memcpy, dst, src, n);
}

void *memmove(void *dst, const void *src, size_t n)
{
    return rcm_move(rcm_real_memmove, dst, src, n);
}

void *mempcpy(void *dst, const void *src, size_t n)
{
    if (rcm_real_mempcpy) {
        rcm_note_copy(n);
        return rcm_real_mempcpy(dst, src, n);
    }
    return (char *)rcm_move(NULL, dst, src, n) + n;
}

void *__memcpy_chk(void *dst, const void *src, size_t n, size_t room)
{
    (void)room;
    return memcpy(dst, src, n);
}

void *__memmove_chk(void *dst, const void *src, size_t n, size_t room)
{
    (void)room;
    return memmove(dst, src, n);
}

void *__mempcpy_chk(void *dst, const void *src, size_t n, size_t room)
{
    (void)room;
    return mempcpy(dst, src, n);
}

static size_t rcm_len(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

char *strcpy(char *dst, const char *src)
{
    return memcpy(dst, src, rcm_len(src) + 1);
}

char *stpcpy(char *dst, const char *src)
{
    size_t n = rcm_len(src);
    memcpy(dst, src, n + 1);
    return dst + n;
}

char *strncpy(char *dst, const char *src, size_t n)
{
    size_t k = 0;
    while (k < n && src[k])
        k++;
    memcpy(dst, src, k);
    for (size_t i = k; i < n; i++)
        dst[i] = '\0';
    return dst;
}

char *strcat(char *dst, const char *src)
{
    strcpy(dst + rcm_len(dst), src);
    return dst;
}

char *strdup(const char *s)
{
    size_t n = rcm_len(s) + 1;
    char *p = malloc(n);
    return p ? memcpy(p, s, n) : NULL;
}

char *strndup(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n])
        n++;
    char *p = malloc(n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

#else /* !RCM_AVAILABLE */

static inline void rcm_start(void) {}
static inline rcm_counts rcm_peek(void)
{
    rcm_counts none = {0};
    return none;
}
static inline rcm_counts rcm_stop(void)
{
    rcm_counts none = {0};
    return none;
}

#endif
#endif
