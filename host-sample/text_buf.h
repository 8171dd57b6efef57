/* text_buf.h - a growing text buffer that is also an mp_text_sink write
 * callback, for what a plugin writes (get_config, structured_output). */
#ifndef HOST_TEXT_BUF_H
#define HOST_TEXT_BUF_H

#include <stddef.h>

typedef struct text_buf {
    char *data; /* NUL-terminated once anything was written; free() it */
    size_t len;
} text_buf;

/* mp_text_sink.write: appends; non-zero (the plugin then stops with
 * MP_E_CANCELLED) when out of memory. */
int text_buf_write(void *ctx, const char *data, size_t len);

#endif
