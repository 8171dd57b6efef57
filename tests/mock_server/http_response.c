/* http_response.c - response heads, chunked framing and transport faults.
 *
 * Throughput matters here: benchmarks stream hundreds of MiB through
 * out_write(), so each call becomes one writev() of head + chunk line +
 * data + CRLF, and the caller is expected to pass large buffers.
 */
#include "http_response.h"
#include "scenario.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

const char *resp_reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 418: return "I'm a teapot";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown";
    }
}

void sleep_ms(unsigned ms)
{
    struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static void sleep_us(unsigned us)
{
    struct timespec ts = { (time_t)(us / 1000000), (long)(us % 1000000) * 1000L };

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

void resp_reset_on_close(int fd)
{
    struct linger lg = { 1, 0 };

    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
}

/* writev() until everything is out, advancing across partial writes.
 * sendmsg() with MSG_NOSIGNAL keeps a vanished peer from raising SIGPIPE
 * even if the process-wide ignore were ever removed. */
static enum out_result send_all(int fd, struct iovec *iov, int cnt)
{
    while (cnt > 0) {
        struct msghdr msg;
        ssize_t n;

        memset(&msg, 0, sizeof(msg));
        msg.msg_iov = iov;
        msg.msg_iovlen = (size_t)cnt;
        n = sendmsg(fd, &msg, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return OUT_GONE;
        }
        while (cnt > 0 && (size_t)n >= iov->iov_len) {
            n -= (ssize_t)iov->iov_len;
            iov++;
            cnt--;
        }
        if (cnt > 0) {
            iov->iov_base = (char *)iov->iov_base + n;
            iov->iov_len -= (size_t)n;
        }
    }
    return OUT_OK;
}

/* A growable string for the response head; building it from fixed
 * pieces keeps every format string a literal. */
struct head {
    char *buf;
    size_t len, cap;
    bool ok;
};

static void put(struct head *h, const char *s)
{
    size_t n = strlen(s);

    if (!h->ok)
        return;
    if (h->len + n + 1 > h->cap) {
        size_t ncap = (h->cap + n + 1) * 2;
        char *nb = realloc(h->buf, ncap);
        if (!nb) {
            h->ok = false;
            return;
        }
        h->buf = nb;
        h->cap = ncap;
    }
    memcpy(h->buf + h->len, s, n + 1);
    h->len += n;
}

static void put_field(struct head *h, const char *name, const char *value)
{
    put(h, name);
    put(h, ": ");
    put(h, value);
    put(h, "\r\n");
}

int out_begin(struct resp_out *o, int fd, const struct scenario *sc,
              int status, const char *default_type, enum framing framing,
              uint64_t content_length, bool keep_alive)
{
    struct head h = { NULL, 0, 0, true };
    char line[80];

    memset(o, 0, sizeof(*o));
    o->fd = fd;
    o->sc = sc;
    o->chunked = framing == FRAME_CHUNKED;
    snprintf(line, sizeof(line), "HTTP/1.1 %d %s\r\n", status,
             resp_reason(status));
    put(&h, line);
    for (size_t i = 0; sc && i < sc->n_headers; i++)
        put_field(&h, sc->headers[i].name, sc->headers[i].value);
    if (default_type && !(sc && sc->has_content_type) &&
        framing != FRAME_NONE)
        put_field(&h, "Content-Type", default_type);
    if (framing == FRAME_LENGTH) {
        snprintf(line, sizeof(line), "%llu",
                 (unsigned long long)content_length);
        put_field(&h, "Content-Length", line);
    } else if (framing == FRAME_CHUNKED) {
        put_field(&h, "Transfer-Encoding", "chunked");
    }
    put_field(&h, "Connection", keep_alive ? "keep-alive" : "close");
    put(&h, "\r\n");
    if (!h.ok) {
        free(h.buf);
        return -1;
    }
    o->pending = h.buf;
    o->pending_len = h.len;
    return 0;
}

/* Sends the pending head plus data as one chunk (or raw). */
static enum out_result raw_write(struct resp_out *o, const void *buf, size_t n)
{
    struct iovec iov[4];
    char size_line[32];
    int cnt = 0;
    enum out_result r;

    if (o->pending_len) {
        iov[cnt].iov_base = o->pending;
        iov[cnt++].iov_len = o->pending_len;
    }
    if (n && o->chunked) {
        iov[cnt].iov_base = size_line;
        iov[cnt++].iov_len = (size_t)snprintf(size_line, sizeof(size_line),
                                              "%zx\r\n", n);
    }
    if (n) {
        iov[cnt].iov_base = (void *)buf;
        iov[cnt++].iov_len = n;
    }
    if (n && o->chunked) {
        iov[cnt].iov_base = (void *)"\r\n";
        iov[cnt++].iov_len = 2;
    }
    r = send_all(o->fd, iov, cnt);
    free(o->pending);
    o->pending = NULL;
    o->pending_len = 0;
    return r;
}

/* Applies a stall or drop due at the current offset. */
static enum out_result faults_here(struct resp_out *o)
{
    const struct scenario *sc = o->sc;

    if (!sc)
        return OUT_OK;
    if (sc->stall_after >= 0 && !o->stalled &&
        o->sent == (uint64_t)sc->stall_after) {
        /* Flush the head first: a stall at 0 must look like "headers
         * arrived, then silence" to the client. */
        if (o->pending_len && raw_write(o, NULL, 0) != OUT_OK)
            return OUT_GONE;
        o->stalled = true;
        sleep_ms(sc->stall_ms);
    }
    if (sc->drop_after >= 0 && o->sent == (uint64_t)sc->drop_after) {
        if (o->pending_len && raw_write(o, NULL, 0) != OUT_OK)
            return OUT_GONE;
        resp_reset_on_close(o->fd);
        return OUT_DROPPED;
    }
    return OUT_OK;
}

enum out_result out_write(struct resp_out *o, const void *buf, size_t n)
{
    const char *p = buf;
    const struct scenario *sc = o->sc;

    while (n > 0) {
        size_t take = n;
        enum out_result r = faults_here(o);

        if (r != OUT_OK)
            return r;
        if (sc && sc->stall_after >= 0 && !o->stalled &&
            (uint64_t)sc->stall_after > o->sent &&
            (uint64_t)sc->stall_after - o->sent < take)
            take = (size_t)((uint64_t)sc->stall_after - o->sent);
        if (sc && sc->drop_after >= 0 &&
            (uint64_t)sc->drop_after > o->sent &&
            (uint64_t)sc->drop_after - o->sent < take)
            take = (size_t)((uint64_t)sc->drop_after - o->sent);
        if (sc && sc->trickle)
            take = 1;
        if ((r = raw_write(o, p, take)) != OUT_OK)
            return r;
        p += take;
        n -= take;
        o->sent += take;
        if (sc && sc->trickle && sc->trickle_us)
            sleep_us(sc->trickle_us);
    }
    return OUT_OK;
}

enum out_result out_finish(struct resp_out *o)
{
    enum out_result r = faults_here(o);

    if (r == OUT_OK && (o->pending_len || o->chunked)) {
        struct iovec iov[2];
        int cnt = 0;
        if (o->pending_len) {
            iov[cnt].iov_base = o->pending;
            iov[cnt++].iov_len = o->pending_len;
        }
        if (o->chunked) {
            iov[cnt].iov_base = (void *)"0\r\n\r\n";
            iov[cnt++].iov_len = 5;
        }
        r = send_all(o->fd, iov, cnt);
    }
    free(o->pending);
    o->pending = NULL;
    o->pending_len = 0;
    return r;
}

enum out_result resp_json(int fd, int status, const char *body,
                          bool keep_alive)
{
    struct resp_out o;
    size_t len = strlen(body);
    enum out_result r;

    if (out_begin(&o, fd, NULL, status, "application/json", FRAME_LENGTH,
                  len, keep_alive) != 0)
        return OUT_GONE;
    r = out_write(&o, body, len);
    if (r != OUT_OK) {
        free(o.pending);
        return r;
    }
    return out_finish(&o);
}
