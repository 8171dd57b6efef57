/* text_buf.c - see text_buf.h. */
#include "text_buf.h"

#include <stdlib.h>
#include <string.h>

int text_buf_write(void *ctx, const char *data, size_t len)
{
    text_buf *t = ctx;
    char *grown = realloc(t->data, t->len + len + 1);
    if (!grown)
        return 1;
    memcpy(grown + t->len, data, len);
    t->data = grown;
    t->len += len;
    t->data[t->len] = '\0';
    return 0;
}
