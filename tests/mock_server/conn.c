/* conn.c - one thread per accepted connection: read requests in a loop
 * (keep-alive), hand each to the router, close the way the answer asks.
 */
#include "http_request.h"
#include "http_response.h"
#include "json_util.h"
#include "server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Connections are numbered in accept order so that the request record
 * shows which requests shared a keep-alive connection. */
static atomic_ulong conn_counter;

/* How long an orderly close waits for the client's FIN. */
#define LINGER_MS 2000

/* close() with unread input makes Linux send a reset, which can destroy
 * the response still in flight to the client. So: send our FIN, read and
 * drop whatever the client still sends until its FIN (bounded), then
 * close. */
static void close_gracefully(int fd)
{
    char scratch[4096];
    struct timespec t0, now;

    shutdown(fd, SHUT_WR);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        struct pollfd p = { fd, POLLIN, 0 };
        long waited;
        clock_gettime(CLOCK_MONOTONIC, &now);
        waited = (now.tv_sec - t0.tv_sec) * 1000L +
                 (now.tv_nsec - t0.tv_nsec) / 1000000L;
        if (waited >= LINGER_MS || poll(&p, 1, (int)(LINGER_MS - waited)) <= 0)
            break;
        if (read(fd, scratch, sizeof(scratch)) <= 0)
            break;
    }
    close(fd);
}

/* The reason text may quote client bytes, so it goes through json-c. */
static void answer_bad(int fd, int status, const char *why)
{
    json_object *root = json_object_new_object();
    json_object *err = json_object_new_object();
    char msg[400], code[16];

    snprintf(msg, sizeof(msg), "mock-server: bad request: %s", why);
    snprintf(code, sizeof(code), "%d", status);
    json_object_object_add(err, "message", json_object_new_string(msg));
    json_object_object_add(err, "type",
                           json_object_new_string("invalid_request_error"));
    json_object_object_add(err, "code", json_object_new_string(code));
    json_object_object_add(root, "error", err);
    resp_json(fd, status, ju_text(root), false);
    json_object_put(root);
}

void *conn_thread(void *arg)
{
    struct conn_arg *ca = arg;
    struct server *srv = ca->srv;
    int fd = ca->fd, one = 1;
    enum conn_next next = CONN_KEEP;
    struct conn_reader r;
    unsigned long conn_id = atomic_fetch_add(&conn_counter, 1) + 1;

    free(ca);
    /* Small paced or trickled writes must leave at once, not wait for
     * Nagle to batch them. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    rd_init(&r, fd);
    while (next == CONN_KEEP) {
        struct request req;
        char why[256];
        enum req_status st = req_read(&r, &req, why, sizeof(why));

        if (st == REQ_OK) {
            req.conn_id = conn_id;
            next = route_request(srv, &r, &req);
        } else if (st == REQ_BAD || st == REQ_TOO_LARGE) {
            int status = st == REQ_BAD ? 400 : 413;
            fprintf(stderr, "mock-server: %d: %s\n", status, why);
            answer_bad(fd, status, why);
            next = CONN_CLOSE;
        } else {
            next = CONN_RESET; /* peer gone: nothing left to say */
        }
        req_free(&req);
    }
    rd_free(&r);
    if (next == CONN_RESET)
        close(fd);
    else
        close_gracefully(fd);
    atomic_fetch_sub(&srv->active_conns, 1);
    return NULL;
}
