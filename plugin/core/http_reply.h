/*
 * http_reply.h - an HTTP response that is not a success, as a wire
 * adapter's error classifier sees it: status, body and headers.
 *
 * The headers matter as much as the body: Retry-After (and Anthropic's
 * retry-after-ms), x-should-retry, the request id, rate-limit resets.
 * The transport keeps the header lines of the final response as received
 * ("Name: value\r\n" ...), bounded; lp_http_header looks one up.
 *
 * Thread: pure, [any-thread].
 */
#ifndef LP_HTTP_REPLY_H
#define LP_HTTP_REPLY_H

#include <stddef.h>

typedef struct lp_http_reply {
    int status;
    const char *body;      /* may be NULL; not NUL-terminated */
    size_t body_len;
    const char *headers;   /* header lines, may be NULL */
    size_t headers_len;
} lp_http_reply;

/* The value of header `name` (case-insensitive; the last one sent wins),
 * without surrounding blanks, copied into buf[cap] (cut to fit); NULL
 * when the response has no such header. */
const char *lp_http_header(const lp_http_reply *r, const char *name,
                           char *buf, size_t cap);

#endif
