/* sse_parser.c - incremental Server-Sent Events parser; see sse_parser.h. */
#include "sse_parser.h"

#include <stdio.h>
#include <string.h>

#include "../../abi/model_provider.h"

#define SSE_DEFAULT_MAX_LINE ((size_t)1 << 20)

static const unsigned char utf8_bom[3] = {0xEF, 0xBB, 0xBF};

void sse_init(sse_parser *p, size_t max_line, sse_event_fn fn, void *ctx)
{
    memset(p, 0, sizeof *p);
    p->fn = fn;
    p->ctx = ctx;
    p->max_line = max_line ? max_line : SSE_DEFAULT_MAX_LINE;
    sb_init(&p->line, p->max_line);
    sb_init(&p->data, p->max_line);
    /* An event name is a short word; a long one is hostile or broken. */
    sb_init(&p->name, p->max_line < 4096 ? p->max_line : 4096);
}

void sse_free(sse_parser *p)
{
    sb_free(&p->line);
    sb_free(&p->data);
    sb_free(&p->name);
}

const char *sse_error(const sse_parser *p)
{
    return p->error;
}

int sse_is_done(const char *data, size_t len)
{
    return len == 6 && memcmp(data, "[DONE]", 6) == 0;
}

/* Record an error of the parser itself and make it sticky. */
static int fail(sse_parser *p, int rc, const char *what, uint64_t offset)
{
    if (rc == MP_E_PROTOCOL)
        snprintf(p->error, sizeof p->error,
                 "SSE %s longer than max_line (%zu bytes) at byte offset %llu",
                 what, p->max_line, (unsigned long long)offset);
    else
        snprintf(p->error, sizeof p->error, "out of memory parsing SSE");
    p->status = rc;
    return rc;
}

static void reset_event(sse_parser *p)
{
    p->has_data = p->has_name = p->started = 0;
    p->view = NULL;
    p->view_len = 0;
    sb_reset(&p->data);
    sb_reset(&p->name);
}

/* A blank line ends the event.  An event without any data field is
 * dropped, as EventSource does (it only resets the event name). */
static int dispatch(sse_parser *p)
{
    int rc = 0;
    if (p->has_data) {
        const char *d = p->view ? p->view : (p->data.data ? p->data.data : "");
        size_t n = p->view ? p->view_len : p->data.len;
        const char *name = p->has_name && p->name.len ? p->name.data : NULL;
        rc = p->fn(p->ctx, name, d, n, p->ev_start);
    }
    reset_event(p);
    if (rc)
        p->status = rc;
    return rc;
}

/* Move zero-copy data into our own buffer: the caller's buffer is about to
 * go away, or more data must be joined to it. */
static int own_view(sse_parser *p)
{
    if (!p->view)
        return 0;
    int rc = sb_append(&p->data, p->view, p->view_len);
    p->view = NULL;
    p->view_len = 0;
    return rc ? fail(p, rc, "event data", p->ev_start) : 0;
}

static int add_data(sse_parser *p, const char *v, size_t n, int zero_copy)
{
    if (!p->has_data) {
        p->has_data = 1;
        if (zero_copy) {
            p->view = v;
            p->view_len = n;
            return 0;
        }
        int rc = sb_append(&p->data, v, n);
        return rc ? fail(p, rc, "event data", p->ev_start) : 0;
    }
    int rc = own_view(p);
    if (!rc)
        rc = sb_appendc(&p->data, '\n');
    if (!rc)
        rc = sb_append(&p->data, v, n);
    return rc ? fail(p, rc, "event data", p->ev_start) : 0;
}

/* One complete line, terminator removed.  `zero_copy` says the bytes stay
 * valid until the end of the current sse_feed() call. */
static int process_line(sse_parser *p, const char *s, size_t n, uint64_t off,
                        int zero_copy)
{
    if (n == 0)
        return dispatch(p);
    if (s[0] == ':')
        return 0; /* comment: keep-alive padding */
    const char *colon = memchr(s, ':', n);
    size_t flen = colon ? (size_t)(colon - s) : n;
    const char *v = colon ? colon + 1 : s + n;
    size_t vlen = (size_t)(s + n - v);
    if (vlen && v[0] == ' ') {
        v++;
        vlen--;
    }
    if (!p->started) {
        p->started = 1;
        p->ev_start = off;
    }
    if (flen == 4 && memcmp(s, "data", 4) == 0)
        return add_data(p, v, vlen, zero_copy);
    if (flen == 5 && memcmp(s, "event", 5) == 0) {
        sb_reset(&p->name);
        int rc = sb_append(&p->name, v, vlen);
        p->has_name = 1;
        return rc ? fail(p, rc, "event name", off) : 0;
    }
    return 0; /* id, retry and unknown fields do not matter here */
}

/* Leading UTF-8 BOM: consumed if complete; if the stream starts with only
 * part of it, those bytes are ordinary line bytes after all. */
static size_t eat_bom(sse_parser *p, const char *buf, size_t len, int *rc)
{
    size_t i = 0;
    *rc = 0;
    while (p->bom < 3 && i < len) {
        if ((unsigned char)buf[i] == utf8_bom[p->bom]) {
            p->bom++;
            i++;
            continue;
        }
        if (p->bom > 0) {
            p->line_start = 0;
            if (sb_append(&p->line, utf8_bom, p->bom))
                *rc = fail(p, MP_E_NO_MEMORY, "", 0);
        }
        p->bom = 3;
    }
    return i;
}

int sse_feed(sse_parser *p, const char *buf, size_t len)
{
    if (p->status)
        return p->status;
    uint64_t base = p->offset;
    p->offset += len;
    int rc;
    size_t i = eat_bom(p, buf, len, &rc);
    if (rc)
        return rc;
    if (i < len && p->skip_lf) {
        if (buf[i] == '\n')
            i++; /* the LF of a CRLF cut between two feeds */
        p->skip_lf = 0;
    }
    /* Most bodies have no CR at all: then one memchr per line suffices. */
    int has_cr = i < len && memchr(buf + i, '\r', len - i) != NULL;
    while (i < len) {
        const char *start = buf + i;
        size_t rest = len - i;
        const char *end = memchr(start, '\n', rest);
        if (has_cr) {
            size_t span = end ? (size_t)(end - start) : rest;
            const char *cr = memchr(start, '\r', span);
            if (cr)
                end = cr;
        }
        if (!end) {
            /* An unterminated tail: keep it for the next feed. */
            if (p->line.len == 0)
                p->line_start = base + i;
            if (sb_append(&p->line, start, rest))
                return fail(p, p->line.len + rest > p->max_line
                            ? MP_E_PROTOCOL : MP_E_NO_MEMORY,
                            "line", p->line_start);
            break;
        }
        size_t n = (size_t)(end - start);
        if (p->line.len) {
            if (sb_append(&p->line, start, n))
                return fail(p, p->line.len + n > p->max_line
                            ? MP_E_PROTOCOL : MP_E_NO_MEMORY,
                            "line", p->line_start);
            rc = process_line(p, p->line.data, p->line.len, p->line_start, 0);
            sb_reset(&p->line);
        } else {
            if (n > p->max_line)
                return fail(p, MP_E_PROTOCOL, "line", base + i);
            rc = process_line(p, start, n, base + i, 1);
        }
        if (rc)
            return rc;
        i += n + 1;
        if (*end == '\r') {
            if (i < len && buf[i] == '\n')
                i++;
            else if (i == len)
                p->skip_lf = 1;
        }
    }
    /* Nothing may point into `buf` once we return. */
    return own_view(p);
}

static int end_of_body(sse_parser *p, int keep_partial_line)
{
    if (p->status)
        return p->status;
    if (p->bom > 0 && p->bom < 3) {
        /* The whole body was a prefix of a BOM: plain bytes. */
        p->line_start = 0;
        if (sb_append(&p->line, utf8_bom, p->bom))
            return fail(p, MP_E_NO_MEMORY, "", 0);
        p->bom = 3;
    }
    int rc = 0;
    if (p->line.len && keep_partial_line)
        rc = process_line(p, p->line.data, p->line.len, p->line_start, 0);
    sb_reset(&p->line);
    if (!rc && p->has_data)
        rc = dispatch(p);
    reset_event(p);
    return rc;
}

int sse_finish(sse_parser *p)
{
    return end_of_body(p, 1);
}

int sse_abort(sse_parser *p)
{
    return end_of_body(p, 0);
}
