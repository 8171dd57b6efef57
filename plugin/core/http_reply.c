/* http_reply.c - header lookup in a kept response; see http_reply.h. */
#include "http_reply.h"

#include <string.h>
#include <strings.h>

static int blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

const char *lp_http_header(const lp_http_reply *r, const char *name,
                           char *buf, size_t cap)
{
    if (!r || !r->headers || !cap)
        return NULL;
    size_t nlen = strlen(name);
    const char *p = r->headers, *end = r->headers + r->headers_len;
    const char *found = NULL;
    size_t found_len = 0;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = eol ? eol : end;
        if ((size_t)(line_end - p) > nlen && p[nlen] == ':' &&
            strncasecmp(p, name, nlen) == 0) {
            const char *v = p + nlen + 1, *ve = line_end;
            while (v < ve && blank(*v))
                v++;
            while (ve > v && blank(ve[-1]))
                ve--;
            found = v;
            found_len = (size_t)(ve - v);
        }
        p = eol ? eol + 1 : end;
    }
    if (!found)
        return NULL;
    if (found_len >= cap)
        found_len = cap - 1;
    memcpy(buf, found, found_len);
    buf[found_len] = '\0';
    return buf;
}
