/* server.h - shared state of one mock-server process and the entry points
 * that connect its modules.
 *
 * struct server is filled in by main() before the first connection is
 * accepted; after that only the fields marked "shared" change, each under
 * its own lock or atomically.
 */
#ifndef MOCK_SERVER_H
#define MOCK_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "record.h"

struct conn_reader;
struct request;
struct scenario;

struct server {
    struct scenario **scn;       /* in load order */
    size_t n_scn;
    bool sequence;
    bool no_v1_model_info;
    bool fail_model_info;
    bool quiet;
    unsigned long long max_requests;  /* 0: unlimited */
    int wake_fd;                 /* a byte written here stops main() */

    struct recorder rec;         /* shared, has its own lock */
    pthread_mutex_t seq_lock;    /* guards seq_next */
    size_t seq_next;             /* shared: next scenario in --sequence */
    atomic_ullong served;        /* shared: requests answered */
    atomic_int active_conns;     /* shared: live connection threads */
};

/* What the connection loop does after a request was handled. */
enum conn_next {
    CONN_KEEP,   /* read the next request */
    CONN_CLOSE,  /* orderly close */
    CONN_RESET,  /* close now; SO_LINGER 0 is already set */
};

/* routes.c: whether a request target is Anthropic's Messages API
 * (".../v1/messages", any query ignored): its generated streams and the
 * server's own errors then take that API's shapes. */
bool is_messages_path(const char *target);

/* routes.c: answer one complete request (built-in route or scenario). */
enum conn_next route_request(struct server *srv, struct conn_reader *r,
                             const struct request *req);

/* serve.c: send sc's scripted response to req. */
enum conn_next serve_scenario(struct server *srv, struct conn_reader *r,
                              const struct request *req,
                              const struct scenario *sc, const char *model);

/* conn.c: thread body for one accepted socket; arg is a struct conn_arg
 * allocated by the caller and freed by the thread. */
struct conn_arg {
    struct server *srv;
    int fd;
};
void *conn_thread(void *arg);

/* Ask main() to stop accepting and exit (async-signal-safe). */
void server_wake(const struct server *srv);

#endif
