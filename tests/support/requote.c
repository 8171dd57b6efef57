/* requote.c - see requote.h. */
#include "requote.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *requote(const char *text, char quote)
{
    static char bufs[8][REQUOTE_MAX + 1];
    static unsigned next;
    size_t n = strlen(text);
    if (n > REQUOTE_MAX) {
        fprintf(stderr, "requote: a test text of %zu bytes is longer than "
                "REQUOTE_MAX (%d)\n", n, REQUOTE_MAX);
        abort();
    }
    char *out = bufs[next++ % 8];
    for (size_t i = 0; i <= n; i++)
        out[i] = text[i] == quote ? '"' : text[i];
    return out;
}
