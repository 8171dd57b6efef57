/* hash.h - FNV-1a, 64 bits: small keys (tool-use ids, the shared
 * /model/info answers' keys), where a simple hash is plenty. */
#ifndef LP_HASH_H
#define LP_HASH_H

#include <stddef.h>
#include <stdint.h>

#define LP_FNV_START 0xcbf29ce484222325ULL

/* `h` carried on over `n` bytes of `data`. */
static inline uint64_t lp_fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

#endif
