/*
 * counts.h - adding token counts as a server reports them.
 *
 * A count is whatever integer the server sent, up to INT64_MAX (json-c
 * stops a bigger number there), so two of them can overflow int64_t: a
 * host would get a negative total.  Sums stop at INT64_MAX instead.
 */
#ifndef LP_COUNTS_H
#define LP_COUNTS_H

#include <stdint.h>

/* a + b for counts >= 0, INT64_MAX when that does not fit. */
static inline int64_t lp_count_add(int64_t a, int64_t b)
{
    int64_t sum;
    return __builtin_add_overflow(a, b, &sum) ? INT64_MAX : sum;
}

#endif
