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
int sb_append(strbuf *sb, const void *data, size_t len);
int sb_appends(strbuf *sb, const char *str);
int sb_appendc(strbuf *sb, char c);
int sb_printf(strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int sb_vprintf(strbuf *sb, const char *fmt, va_list ap);
/* Take ownership of the data (caller frees with free()); the buffer is
 * left empty.  Returns "" (allocated) for an empty buffer, NULL on OOM. */
char *sb_detach(strbuf *sb);

#endif
