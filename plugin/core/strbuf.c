/* strbuf.c - growable byte buffer with a hard limit; see strbuf.h. */
#include "strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../abi/model_provider.h"

void sb_init(strbuf *sb, size_t max)
{
    sb->data = NULL;
    sb->len = 0;
    sb->cap = 0;
    sb->max = max;
}

void sb_free(strbuf *sb)
{
    free(sb->data);
    sb->data = NULL;
    sb->len = sb->cap = 0;
}

void sb_reset(strbuf *sb)
{
    sb->len = 0;
    if (sb->data)
        sb->data[0] = '\0';
}

int sb_reserve(strbuf *sb, size_t extra)
{
    if (extra > sb->max || sb->len > sb->max - extra)
        return MP_E_PROTOCOL; /* over the limit: callers name the limit */
    size_t need = sb->len + extra + 1;
    if (need <= sb->cap)
        return SB_OK;
    /* The first reservation is taken exactly (callers presize buffers whose
     * final size they can estimate); later growth is geometric so n
     * appends cost O(n) copies in total. */
    size_t cap = sb->cap ? sb->cap : (need > 64 ? need : 64);
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(sb->data, cap);
    if (!p)
        return MP_E_NO_MEMORY;
    sb->data = p;
    sb->cap = cap;
    return SB_OK;
}

int sb_append_growing(strbuf *sb, const void *data, size_t len)
{
    int rc = sb_reserve(sb, len);
    if (rc)
        return rc;
    if (len)
        memcpy(sb->data + sb->len, data, len);
    sb->len += len;
    sb->data[sb->len] = '\0';
    return SB_OK;
}

int sb_appends(strbuf *sb, const char *str)
{
    return sb_append(sb, str, strlen(str));
}


int sb_vprintf(strbuf *sb, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        return MP_E_INTERNAL;
    int rc = sb_reserve(sb, (size_t)n);
    if (rc)
        return rc;
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    sb->len += (size_t)n;
    return SB_OK;
}

int sb_printf(strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = sb_vprintf(sb, fmt, ap);
    va_end(ap);
    return rc;
}

char *sb_detach(strbuf *sb)
{
    char *p = sb->data;
    if (!p)
        p = calloc(1, 1);
    sb->data = NULL;
    sb->len = sb->cap = 0;
    return p;
}
