/* http_request.c - buffered HTTP/1.x request reader.
 *
 * Strict where a lenient parser would hide client bugs (conflicting
 * Content-Length, obsolete line folding, unknown transfer codings), lenient
 * where real clients differ harmlessly (bare LF line ends, empty lines
 * before the request line).
 */
#include "http_request.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define RD_INITIAL 16384
#define RD_MAX_LINE 8192

void rd_init(struct conn_reader *r, int fd)
{
    memset(r, 0, sizeof(*r));
    r->fd = fd;
}

void rd_free(struct conn_reader *r)
{
    free(r->buf);
    r->buf = NULL;
}

/* Reads more bytes into the buffer, growing it up to limit. Returns the
 * count read, 0 at EOF, -1 on error and -2 when the buffer would have to
 * exceed limit. */
static ssize_t rd_fill(struct conn_reader *r, size_t limit)
{
    ssize_t n;

    if (r->start == r->end)
        r->start = r->end = 0;
    if (r->end == r->cap && r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    if (r->end == r->cap) {
        size_t ncap = r->cap ? r->cap * 2 : RD_INITIAL;
        char *nb;
        if (r->cap >= limit)
            return -2;
        if (ncap > limit)
            ncap = limit;
        if (!(nb = realloc(r->buf, ncap)))
            return -1;
        r->buf = nb;
        r->cap = ncap;
    }
    do {
        n = read(r->fd, r->buf + r->end, r->cap - r->end);
    } while (n < 0 && errno == EINTR);
    if (n > 0)
        r->end += (size_t)n;
    return n;
}

/* Copies n bytes to dst, first from the buffer, then straight from the
 * socket so a 64 MiB body is not staged through the small buffer. */
static bool rd_exact(struct conn_reader *r, char *dst, size_t n)
{
    size_t have = r->end - r->start;

    if (have > n)
        have = n;
    memcpy(dst, r->buf + r->start, have);
    r->start += have;
    while (have < n) {
        ssize_t got = read(r->fd, dst + have, n - have);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return false;
        have += (size_t)got;
    }
    return true;
}

/* Returns the next line without its line end (NUL-terminated in place),
 * or NULL on EOF/error/overlong line (*too_long tells which). */
static char *rd_line(struct conn_reader *r, bool *too_long)
{
    size_t scanned = 0;

    *too_long = false;
    for (;;) {
        char *base = r->buf + r->start;
        char *nl = r->end > r->start + scanned
                       ? memchr(base + scanned, '\n',
                                r->end - r->start - scanned)
                       : NULL;
        ssize_t got;
        if (nl) {
            r->start += (size_t)(nl - base) + 1;
            *nl = '\0';
            if (nl > base && nl[-1] == '\r')
                nl[-1] = '\0';
            return base;
        }
        scanned = r->end - r->start;
        if (scanned > RD_MAX_LINE) {
            *too_long = true;
            return NULL;
        }
        got = rd_fill(r, r->cap < RD_INITIAL ? RD_INITIAL : r->cap * 2);
        if (got <= 0)
            return NULL;
    }
}

static enum req_status bad(char *why, size_t why_len, enum req_status st,
                           const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, why_len, fmt, ap);
    va_end(ap);
    return st;
}

/* Finds the end of the header block: returns the offset just past the
 * blank line, or 0 when it has not arrived yet. */
static size_t head_end(const struct conn_reader *r, size_t *scanned)
{
    const char *b = r->buf + r->start;
    size_t n = r->end - r->start;

    for (size_t i = *scanned; i < n; i++) {
        if (b[i] != '\n')
            continue;
        if (i + 1 < n && b[i + 1] == '\n')
            return i + 2;
        if (i + 2 < n && b[i + 1] == '\r' && b[i + 2] == '\n')
            return i + 3;
    }
    /* Re-scan the last two bytes next time: a terminator may straddle. */
    *scanned = n > 2 ? n - 2 : 0;
    return 0;
}

static bool is_tchar(int c)
{
    return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static char *trim_ows(char *s)
{
    char *e;

    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        *--e = '\0';
    return s;
}

/* Splits the private header copy into request line and fields. */
static enum req_status parse_head(struct request *req, char *why,
                                  size_t why_len)
{
    char *line = req->head, *next, *sp, *version;

    next = strchr(line, '\n');
    *next++ = '\0';
    if (next - line >= 2 && next[-2] == '\r')
        next[-2] = '\0';
    req->method = line;
    if (!(sp = strchr(line, ' ')))
        return bad(why, why_len, REQ_BAD, "malformed request line");
    *sp = '\0';
    req->target = sp + 1;
    if (!(sp = strchr(req->target, ' ')))
        return bad(why, why_len, REQ_BAD, "malformed request line");
    *sp = '\0';
    version = sp + 1;
    for (char *m = req->method; *m; m++) {
        if (!is_tchar((unsigned char)*m))
            return bad(why, why_len, REQ_BAD, "bad method");
    }
    if (!*req->method || !*req->target || strchr(req->target, '\t'))
        return bad(why, why_len, REQ_BAD, "malformed request line");
    if (strcmp(version, "HTTP/1.1") == 0)
        req->minor = 1;
    else if (strcmp(version, "HTTP/1.0") == 0)
        req->minor = 0;
    else
        return bad(why, why_len, REQ_BAD, "unsupported version '%.20s'",
                   version);

    req->headers = calloc(REQ_MAX_FIELDS, sizeof(*req->headers));
    if (!req->headers)
        return REQ_GONE;
    for (line = next; *line; line = next) {
        char *colon, *name;
        next = strchr(line, '\n');
        *next++ = '\0';
        if (next - line >= 2 && next[-2] == '\r')
            next[-2] = '\0';
        if (!*line)
            break; /* the blank line ending the block */
        if (*line == ' ' || *line == '\t')
            return bad(why, why_len, REQ_BAD, "obsolete header folding");
        if (!(colon = strchr(line, ':')) || colon == line)
            return bad(why, why_len, REQ_BAD, "malformed header line");
        *colon = '\0';
        for (name = line; *name; name++) {
            if (!is_tchar((unsigned char)*name))
                return bad(why, why_len, REQ_BAD, "bad header name");
            *name = (char)tolower((unsigned char)*name);
        }
        if (req->n_headers == REQ_MAX_FIELDS)
            return bad(why, why_len, REQ_TOO_LARGE, "too many header fields");
        req->headers[req->n_headers].name = line;
        req->headers[req->n_headers].value = trim_ows(colon + 1);
        req->n_headers++;
    }
    return REQ_OK;
}

/* True when the comma-separated list has token (case-insensitive). */
static bool has_token(const char *list, const char *token)
{
    size_t tl = strlen(token);

    while (list && *list) {
        while (*list == ' ' || *list == '\t' || *list == ',')
            list++;
        if (strncasecmp(list, token, tl) == 0) {
            const char *after = list + tl;
            while (*after == ' ' || *after == '\t')
                after++;
            if (*after == ',' || *after == '\0')
                return true;
        }
        list = strchr(list, ',');
    }
    return false;
}

static enum req_status read_chunked(struct conn_reader *r, struct request *req,
                                    char *why, size_t why_len)
{
    size_t cap = 0;
    bool too_long;

    for (;;) {
        char *line = rd_line(r, &too_long), *end;
        unsigned long long size;

        if (!line)
            return too_long ? bad(why, why_len, REQ_BAD, "chunk line too long")
                            : REQ_GONE;
        errno = 0;
        size = strtoull(line, &end, 16);
        if (end == line || errno || (*end && *end != ';' && *end != ' ' &&
                                     *end != '\t'))
            return bad(why, why_len, REQ_BAD, "bad chunk size '%.20s'", line);
        if (size == 0)
            break;
        if (size > REQ_MAX_BODY - req->body_len)
            return bad(why, why_len, REQ_TOO_LARGE, "body over %u bytes",
                       REQ_MAX_BODY);
        if (req->body_len + size + 1 > cap) {
            size_t ncap = cap ? cap : 65536;
            char *nb;
            while (ncap < req->body_len + size + 1)
                ncap *= 2;
            if (!(nb = realloc(req->body, ncap)))
                return REQ_GONE;
            req->body = nb;
            cap = ncap;
        }
        if (!rd_exact(r, req->body + req->body_len, (size_t)size))
            return REQ_GONE;
        req->body_len += (size_t)size;
        line = rd_line(r, &too_long);
        if (!line)
            return too_long ? bad(why, why_len, REQ_BAD, "bad chunk end")
                            : REQ_GONE;
        if (*line)
            return bad(why, why_len, REQ_BAD, "chunk data longer than size");
    }
    /* Trailer fields are allowed by the grammar; we read and drop them. */
    for (;;) {
        char *line = rd_line(r, &too_long);
        if (!line)
            return too_long ? bad(why, why_len, REQ_BAD, "trailer too long")
                            : REQ_GONE;
        if (!*line)
            break;
    }
    if (!req->body && !(req->body = malloc(1)))
        return REQ_GONE;
    req->body[req->body_len] = '\0';
    return REQ_OK;
}

/* Content-Length may repeat (some proxies duplicate it) but all copies
 * must agree; anything else is the request smuggling shape we reject. */
static enum req_status content_length(const struct request *req, long long *out,
                                      char *why, size_t why_len)
{
    *out = -1;
    for (size_t i = 0; i < req->n_headers; i++) {
        const char *v = req->headers[i].value;
        char *end;
        long long n;
        if (strcmp(req->headers[i].name, "content-length") != 0)
            continue;
        errno = 0;
        n = isdigit((unsigned char)*v) ? strtoll(v, &end, 10) : -1;
        if (n < 0 || errno || *end)
            return bad(why, why_len, REQ_BAD, "bad Content-Length '%.20s'", v);
        if (*out >= 0 && *out != n)
            return bad(why, why_len, REQ_BAD, "conflicting Content-Length");
        *out = n;
    }
    return REQ_OK;
}

static void send_continue(int fd)
{
    static const char msg[] = "HTTP/1.1 100 Continue\r\n\r\n";
    /* Best effort: if this fails, reading the body fails next anyway. */
    ssize_t n = send(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL);
    (void)n;
}

static enum req_status read_body(struct conn_reader *r, struct request *req,
                                 char *why, size_t why_len)
{
    char *te = req_header_joined(req, "transfer-encoding");
    char *expect = req_header_joined(req, "expect");
    bool wants_continue = expect && strcasecmp(expect, "100-continue") == 0;
    enum req_status st;
    long long cl;

    free(expect);
    st = content_length(req, &cl, why, why_len);
    if (st == REQ_OK && te) {
        if (cl >= 0)
            st = bad(why, why_len, REQ_BAD,
                     "both Transfer-Encoding and Content-Length");
        else if (strcasecmp(trim_ows(te), "chunked") != 0)
            st = bad(why, why_len, REQ_BAD,
                     "unsupported Transfer-Encoding '%.40s'", te);
    }
    if (st != REQ_OK) {
        free(te);
        return st;
    }
    if (wants_continue && req->minor == 1 && (te || cl > 0))
        send_continue(r->fd);
    if (te) {
        free(te);
        return read_chunked(r, req, why, why_len);
    }
    if (cl <= 0)
        return REQ_OK;
    if ((unsigned long long)cl > REQ_MAX_BODY)
        return bad(why, why_len, REQ_TOO_LARGE, "body over %u bytes",
                   REQ_MAX_BODY);
    if (!(req->body = malloc((size_t)cl + 1)))
        return REQ_GONE;
    if (!rd_exact(r, req->body, (size_t)cl))
        return REQ_GONE;
    req->body_len = (size_t)cl;
    req->body[cl] = '\0';
    return REQ_OK;
}

enum req_status req_read(struct conn_reader *r, struct request *req,
                         char *why, size_t why_len)
{
    size_t scanned = 0, end;
    enum req_status st;
    char *conn;

    memset(req, 0, sizeof(*req));
    why[0] = '\0';
    for (;;) {
        ssize_t got;
        /* Skip the stray line ends some clients leave after a body. */
        while (r->start < r->end &&
               (r->buf[r->start] == '\r' || r->buf[r->start] == '\n'))
            r->start++;
        if (r->start < r->end && (end = head_end(r, &scanned)) != 0)
            break;
        got = rd_fill(r, REQ_MAX_HEAD);
        if (got == -2)
            return bad(why, why_len, REQ_TOO_LARGE, "header block too large");
        if (got <= 0)
            return r->start == r->end ? REQ_EOF : REQ_GONE;
    }
    if (memchr(r->buf + r->start, '\0', end))
        return bad(why, why_len, REQ_BAD, "NUL byte in header");
    if (!(req->head = malloc(end + 1)))
        return REQ_GONE;
    memcpy(req->head, r->buf + r->start, end);
    req->head[end] = '\0';
    r->start += end;

    if ((st = parse_head(req, why, why_len)) != REQ_OK)
        return st;
    conn = req_header_joined(req, "connection");
    req->keep_alive = req->minor == 1 ? !has_token(conn, "close")
                                      : has_token(conn, "keep-alive");
    free(conn);
    return read_body(r, req, why, why_len);
}

void req_free(struct request *req)
{
    free(req->head);
    free(req->headers);
    free(req->body);
    memset(req, 0, sizeof(*req));
}

char *req_header_joined(const struct request *req, const char *lname)
{
    char *out = NULL;
    size_t len = 0;

    for (size_t i = 0; i < req->n_headers; i++) {
        size_t vl;
        char *no;
        if (strcmp(req->headers[i].name, lname) != 0)
            continue;
        vl = strlen(req->headers[i].value);
        if (!(no = realloc(out, len + vl + 3))) {
            free(out);
            return NULL;
        }
        out = no;
        if (len) {
            memcpy(out + len, ", ", 2);
            len += 2;
        }
        memcpy(out + len, req->headers[i].value, vl + 1);
        len += vl;
    }
    return out;
}

void rd_drain(struct conn_reader *r)
{
    char scratch[4096];

    for (;;) {
        ssize_t n = read(r->fd, scratch, sizeof(scratch));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
    }
}
