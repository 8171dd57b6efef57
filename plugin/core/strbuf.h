/*
 * strbuf.h - a growable byte buffer with a hard size limit.
 *
 * Every buffer that grows with input from the network or the host gets a
 * maximum at init, so hostile or broken input becomes an error instead of
 * unbounded memory (the habit of curl's dynbuf).  The contents are always
 * NUL-terminated for convenience; `len` excludes the NUL.
 */
#ifndef LP_STRBUF_H
#define LP_STRBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

typedef struct strbuf {
    char *data;     /* NULL until the first append */
    size_t len;
    size_t cap;
    size_t max;     /* appends that would exceed this fail */
} strbuf;

/* Status of an append: SB_OK, MP_E_PROTOCOL when the result would exceed
 * `max` (the buffer is then unchanged; callers say which limit), or
 * MP_E_NO_MEMORY. */
#define SB_OK 0

void sb_init(strbuf *sb, size_t max);
void sb_free(strbuf *sb);
/* Empty the buffer but keep its memory for reuse. */
void sb_reset(strbuf *sb);
/* Make room for `extra` more bytes without changing len. */
int sb_reserve(strbuf *sb, size_t extra);
/* sb_append when the bytes may not fit: grows (or refuses) first. */
int sb_append_growing(strbuf *sb, const void *data, size_t len);

/* Append len bytes.  When they fit in the room already there (and the
 * limit), inline: the JSON writer appends a few bytes at a time, and the
 * call and the checks of sb_reserve were most of the cost of writing a
 * short body. */
static inline int sb_append(strbuf *sb, const void *data, size_t len)
{
    if (sb->data && len < sb->cap - sb->len && len <= sb->max - sb->len) {
        if (len) /* data may be NULL for nothing */
            memcpy(sb->data + sb->len, data, len);
        sb->len += len;
        sb->data[sb->len] = '\0';
        return SB_OK;
    }
    return sb_append_growing(sb, data, len);
}

static inline int sb_appendc(strbuf *sb, char c)
{
    return sb_append(sb, &c, 1);
}

int sb_appends(strbuf *sb, const char *str);
int sb_printf(strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int sb_vprintf(strbuf *sb, const char *fmt, va_list ap);
/* Take ownership of the data (caller frees with free()); the buffer is
 * left empty.  Returns "" (allocated) for an empty buffer, NULL on OOM. */
char *sb_detach(strbuf *sb);

#endif
