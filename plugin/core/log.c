/* log.c - messages to the host's log callback; see log.h. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "utf8.h"

void lp_log(const lp_logger *log, int level, const char *fmt, ...)
{
    if (!log || !log->fn)
        return;
    /* Most messages fit the stack buffer; a longer one (a warning listing
     * many unknown keys) is formatted again into the heap rather than cut
     * short, since a truncated warning can hide the key that matters. */
    char small[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        log->fn(log->ctx, level, small);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        /* Better cut short than lost, but not inside a character. */
        small[lp_utf8_whole(small, sizeof small - 1)] = '\0';
        log->fn(log->ctx, level, small);
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    log->fn(log->ctx, level, big);
    free(big);
}
